"""Command line: `python -m svs_analysis analyse DIR` and `python -m svs_analysis power …`."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m svs_analysis")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("analyse", help="analyse a simulator/export folder (plans.csv, decisions.csv)")
    a.add_argument("dir")
    p = sub.add_parser("power", help="run the simulator per setting and tabulate power")
    p.add_argument("--bin", required=True, help="path of the stapvoorstap binary")
    p.add_argument("--residents", default="100,200,400", help="comma-separated cohort sizes")
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--replicates", type=int, default=5)
    p.add_argument("--proximal-effect", type=float, default=1.5)
    p.add_argument("--arm-effect", type=float, default=1.0)
    p.add_argument("--reminder-probability", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=1, help="first seed; replicate seeds follow from it")
    p.add_argument("--out", required=True)
    p.add_argument("--reuse", action="store_true",
                   help="re-analyse runs already in --out (same settings) instead of simulating them again")
    args = ap.parse_args(argv)
    if args.cmd == "analyse":
        from svs_analysis.report import write_report

        r = write_report(args.dir)
        e = r["excursion_effect"]["completed_within_4h"]
        if e.get("estimable"):
            print(f"4h excursion effect {e['estimate']:.4f} [{e['ci_low']:.4f}, {e['ci_high']:.4f}]"
                  + (f" truth {e['truth']:.4f}" if "truth" in e else ""))
        else:
            print(f"4h excursion effect not estimable: {e['reason']}")
        print(f"wrote {args.dir}/report.json and report.md")
        return 0
    from svs_analysis.power import run_power

    run_power(
        binary=args.bin,
        residents=[int(x) for x in args.residents.split(",") if x.strip()],
        days=args.days,
        replicates=args.replicates,
        proximal_effect=args.proximal_effect,
        arm_effect=args.arm_effect,
        reminder_probability=args.reminder_probability,
        seed=args.seed,
        out=args.out,
        reuse=args.reuse,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
