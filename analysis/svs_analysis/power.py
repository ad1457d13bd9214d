"""`power`: run the simulator per cohort size and replicate, analyse each run, tabulate power.

Power = share of replicates whose 95% CI excludes 0 (the 4 h excursion effect) or excludes 1
(the Cox hazard ratio of arm on stabilisation). A replicate where an estimate is not estimable
counts as not rejecting; the table says how many were estimable. Runs are sequential; each has
its own folder and SQLite file, so two power runs with different --out do not interfere.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pandas as pd

from svs_analysis.report import write_report


def simulate(binary: str, out: Path, residents: int, days: int, seed: int, proximal_effect: float,
             arm_effect: float, reminder_probability: float) -> float:
    out.mkdir(parents=True, exist_ok=True)
    db = out / "sim.db"
    for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        f.unlink(missing_ok=True)
    cmd = [
        binary, "simulate", "--residents", str(residents), "--days", str(days), "--seed", str(seed),
        "--proximal-effect", str(proximal_effect), "--arm-effect", str(arm_effect),
        "--reminder-probability", str(reminder_probability), "--arms", "dosed,full_list",
        "--database-url", str(db), "--data-dir", str(out), "--listen-addr", "127.0.0.1:0",
        "--rust-log", "warn", "--out", str(out),
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LISTEN_ADDR")}
    t0 = time.monotonic()
    with open(out / "simulate.log", "w") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT, env=env)
    for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        f.unlink(missing_ok=True)
    return time.monotonic() - t0


def run_power(binary: str, residents: list[int], days: int, replicates: int, proximal_effect: float,
              arm_effect: float, reminder_probability: float, seed: int, out: str,
              reuse: bool = False) -> pd.DataFrame:
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in residents:
        for rep in range(replicates):
            s = seed + 1000 * rep + n  # distinct per setting and replicate
            run = outdir / "runs" / f"n{n}_rep{rep}_seed{s}"
            if reuse and (run / "summary.json").exists() and (run / "truth.json").exists():
                secs = float(json.loads((run / "summary.json").read_text()).get("seconds") or float("nan"))
            else:
                secs = simulate(binary, run, n, days, s, proximal_effect, arm_effect, reminder_probability)
            r = write_report(run)
            e = r["excursion_effect"]["completed_within_4h"]
            c = r["survival"]["cox_stabilisation"]
            rm = r["survival"].get("rmst_stabilisation", {})
            row = {
                "residents": n, "replicate": rep, "seed": s, "seconds": round(secs, 1),
                "wcls_estimable": bool(e.get("estimable")),
                "wcls_estimate": e.get("estimate"), "wcls_ci_low": e.get("ci_low"),
                "wcls_ci_high": e.get("ci_high"), "truth_4h": e.get("truth"),
                "wcls_covers_truth": e.get("ci_covers_truth"),
                "wcls_reject": bool(e.get("estimable") and (e["ci_low"] > 0 or e["ci_high"] < 0)),
                "n_decision_points": e.get("n_decision_points"),
                "cox_estimable": bool(c.get("estimable")), "cox_hr": c.get("hazard_ratio"),
                "cox_ci_low": c.get("ci_low"), "cox_ci_high": c.get("ci_high"),
                "cox_reject": bool(c.get("estimable") and (c["ci_low"] > 1 or c["ci_high"] < 1)),
                "rmst_estimable": bool(rm.get("estimable")),
                "days_sooner_dosed": rm.get("days_sooner_dosed"),
                "rmst_reject": bool(rm.get("estimable") and (rm["ci_low"] > 0 or rm["ci_high"] < 0)),
                "stabilised": sum(v.get("stabilised", 0) for v in r["survival"]["counts"].values()),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
            pd.DataFrame(rows).to_csv(outdir / "power_runs.csv", index=False)
    runs = pd.DataFrame(rows)
    table = summarise(runs)
    settings = {"days": days, "replicates": replicates, "proximal_effect": proximal_effect,
                "arm_effect": arm_effect, "reminder_probability": reminder_probability, "seed": seed}
    table.to_csv(outdir / "power.csv", index=False)
    (outdir / "power.md").write_text(markdown_table(table, settings))
    plot(table, outdir / "power.png", settings)
    return table


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    g = runs.groupby("residents")
    return pd.DataFrame({
        "residents": g.size().index,
        "replicates": g.size().values,
        "power_excursion_4h": g["wcls_reject"].mean().values,
        "wcls_coverage_of_truth": g["wcls_covers_truth"].apply(lambda s: s.dropna().astype(float).mean()).values,
        "mean_estimate_4h": g["wcls_estimate"].mean().values,
        "mean_truth_4h": g["truth_4h"].mean().values,
        "power_cox_hr": g["cox_reject"].mean().values,
        "cox_estimable": g["cox_estimable"].sum().values,
        "mean_cox_hr": g["cox_hr"].mean().values,
        "mean_days_sooner_dosed": g["days_sooner_dosed"].mean().values,
        "power_days_sooner": g["rmst_reject"].mean().values,
        "mean_stabilised": g["stabilised"].mean().values,
        "mean_seconds": g["seconds"].mean().values,
    })


def markdown_table(t: pd.DataFrame, settings: dict) -> str:
    head = ("| residents | replicates | power 4 h excursion | CI covers truth.json | mean estimate | mean truth.json | "
            "power Cox HR | Cox estimable | mean HR | mean days sooner (dosed) | power days sooner | mean stabilised | s/run |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
    f = lambda x, nd=3: "—" if pd.isna(x) else f"{x:.{nd}f}"  # noqa: E731
    body = "".join(
        f"| {int(r.residents)} | {int(r.replicates)} | {f(r.power_excursion_4h, 2)} | {f(r.wcls_coverage_of_truth, 2)} | "
        f"{f(r.mean_estimate_4h)} | {f(r.mean_truth_4h)} | "
        f"{f(r.power_cox_hr, 2)} | {int(r.cox_estimable)} | "
        f"{f(r.mean_cox_hr, 2)} | {f(r.mean_days_sooner_dosed, 1)} | {f(r.power_days_sooner, 2)} | "
        f"{f(r.mean_stabilised, 1)} | {f(r.mean_seconds, 0)} |\n"
        for r in t.itertuples())
    s = ", ".join(f"{k} {v}" for k, v in settings.items())
    return f"# Power ({s})\n\n{head}{body}"


def plot(t: pd.DataFrame, path: Path, settings: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    ax.plot(t["residents"], t["power_excursion_4h"], "o-", label="4 h excursion effect (WCLS)")
    ax.plot(t["residents"], t["power_cox_hr"], "s--", label="arm HR on stabilisation (Cox)")
    ax.plot(t["residents"], t["power_days_sooner"], "^-.", label="arm: days sooner (RMST)")
    ax.axhline(0.8, color="grey", lw=0.8, ls=":")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("residents")
    ax.set_ylabel("power (CI excludes null)")
    ax.set_title(f"{settings['days']} days, proximal ×{settings['proximal_effect']}, arm ×{settings['arm_effect']}, "
                 f"{settings['replicates']} reps", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
