"""A stand-in for `stapvoorstap simulate` (tests of the power command): synthetic exports."""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from svs_analysis.synth import synth_decisions, synth_plans, write_dir  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("cmd")
ap.add_argument("--out", required=True)
ap.add_argument("--residents", type=int, required=True)
ap.add_argument("--seed", type=int, required=True)
ap.add_argument("--proximal-effect", type=float, required=True)
ap.add_argument("--arm-effect", type=float, required=True)
args, _ = ap.parse_known_args()
assert args.cmd == "simulate"
effect = 0.02 * (args.proximal_effect - 1)
d, truth = synth_decisions(n_plans=args.residents, points_per_plan=20, effect=effect, seed=args.seed)
plans = synth_plans(n_plans=args.residents, hazard_ratio=args.arm_effect, seed=args.seed)
write_dir(args.out, plans, d)
Path(args.out, "truth.json").write_text(json.dumps({"excursion_effect_4h": truth, "excursion_effect_24h": None}))
Path(args.out, "summary.json").write_text(json.dumps({"seconds": 0.1}))
