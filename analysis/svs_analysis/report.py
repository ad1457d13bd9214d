"""`analyse DIR`: plans.csv + decisions.csv (+ truth.json) → report.json + report.md."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from svs_analysis.data import read_decisions, read_plans
from svs_analysis.survival import survival_analysis
from svs_analysis.wcls import OUTCOMES, wcls

TRUTH_KEYS = {"completed_within_4h": "excursion_effect_4h", "completed_within_24h": "excursion_effect_24h"}


def _clean(x: Any) -> Any:
    """JSON-safe: NaN/inf → None, numpy scalars → Python."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def same_hour_diagnostic(decisions) -> dict[str, Any]:
    """How often a decision point shares its plan, day and hour with others.

    Under the daily cap the dispatcher decides a resident's queued reminders one after the
    other until one is sent; a withheld reminder is then often followed by a sent one within
    the same hour. `withheld_followed_by_sent` is the share of withheld available points whose
    plan-hour has a sent point: for those, withholding did not mean "no reminder". See
    analysis/README.md ("Does it recover the truth?")."""
    a = decisions[(decisions["available"] == 1) & decisions["sent"].notna()]
    if len(a) == 0:
        return {"n_available": 0}
    key = [a["plan"], a["day"], a["hour"]]
    size = a.groupby(key)["sent"].transform("size")
    sent_in_hour = a.groupby(key)["sent"].transform("sum")
    withheld = a["sent"] == 0
    return {
        "n_available": int(len(a)),
        "share_sharing_their_hour": float((size > 1).mean()),
        "max_sent_per_plan_hour": int(a.groupby(key)["sent"].sum().max()),
        "withheld_followed_by_sent": float((sent_in_hour[withheld] > 0).mean()) if withheld.any() else None,
    }


def analyse(directory: str | Path) -> dict[str, Any]:
    d = Path(directory)
    plans = read_plans(d / "plans.csv")
    decisions = read_decisions(d / "decisions.csv")
    truth = None
    if (d / "truth.json").exists():
        truth = json.loads((d / "truth.json").read_text())
    excursion = {}
    for outcome in OUTCOMES:
        r = wcls(decisions, outcome)
        key = TRUTH_KEYS.get(outcome)
        if truth is not None and key in truth and truth[key] is not None:
            r["truth"] = float(truth[key])
            if r.get("estimable"):
                r["ci_covers_truth"] = bool(r["ci_low"] <= r["truth"] <= r["ci_high"])
                r["error"] = r["estimate"] - r["truth"]
        excursion[outcome] = r
    report = {
        "directory": str(d),
        "n_plan_rows": int(len(plans)),
        "n_decision_rows": int(len(decisions)),
        "survival": survival_analysis(plans),
        "excursion_effect": excursion,
        "same_hour_decisions": same_hour_diagnostic(decisions),
        "truth": truth,
    }
    return _clean(report)


def _f(x: Any, nd: int = 3) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def markdown(r: dict[str, Any]) -> str:
    lines = [f"# Analysis of `{r['directory']}`", ""]
    lines += [f"{r['n_plan_rows']} plans, {r['n_decision_rows']} decision points.", ""]
    lines += ["## Causal excursion effect of a reminder (WCLS, risk difference)", ""]
    lines += ["| outcome | estimate | 95% CI | p | points | plans | truth | CI covers truth |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for outcome, e in r["excursion_effect"].items():
        truth = _f(e.get("truth"))
        cover = {True: "yes", False: "**no**", None: "—"}[e.get("ci_covers_truth")]
        if e.get("estimable"):
            lines.append(
                f"| {outcome} | {_f(e['estimate'])} | [{_f(e['ci_low'])}, {_f(e['ci_high'])}] | "
                f"{_f(e['p_value'], 4)} | {e['n_decision_points']} | {e['n_plans']} | {truth} | {cover} |")
        else:
            lines.append(f"| {outcome} | not estimable ({e['reason']}) | | | "
                         f"{e.get('n_decision_points', 0)} | {e.get('n_plans', 0)} | {truth} | — |")
    lines += ["", "Weights p~/p, (1-p~)/(1-p) with p~ the mean probability; controls: day, hour bins; "
              "cluster-robust SE by plan (Mancl–DeRouen), t on G − k df.", ""]
    sh = r.get("same_hour_decisions") or {}
    if sh.get("withheld_followed_by_sent") is not None:
        lines += [f"Decision points sharing their plan-hour with others: {sh['share_sharing_their_hour']:.0%}; "
                  f"withheld points whose plan-hour has a sent reminder: {sh['withheld_followed_by_sent']:.0%} "
                  "(there withholding did not mean no reminder; see analysis/README.md).", ""]
    s = r["survival"]
    lines += ["## Time to stabilisation and dropout per arm", ""]
    lines += ["| arm | plans | stabilised | dropped out | closed (other) | censored | KM median days to stabilisation | CIF stabilised (end) | CIF dropped out (end) |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for arm, c in s.get("counts", {}).items():
        km = s["kaplan_meier_stabilisation"].get(arm, {})
        aj = s["aalen_johansen"].get(arm, {})
        med = _f(km.get("median_days"), 0) if km.get("median_days") is not None else (km.get("median_note") or "—")
        lines.append(
            f"| {arm} | {sum(c.values())} | {c['stabilised']} | {c['dropped_out']} | {c['closed_other']} | "
            f"{c['censored']} | {med} | {_f(aj.get('stabilised', {}).get('final'))} | "
            f"{_f(aj.get('dropped_out', {}).get('final'))} |")
    cox = s.get("cox_stabilisation", {})
    lines.append("")
    if cox.get("estimable"):
        lines.append(f"Cox PH, hazard of stabilisation, dosed vs full_list: HR {_f(cox['hazard_ratio'], 2)} "
                     f"(95% CI {_f(cox['ci_low'], 2)}–{_f(cox['ci_high'], 2)}), p = {_f(cox['p_value'], 4)}.")
    else:
        lines.append(f"Cox PH, dosed vs full_list: not estimable ({cox.get('reason')}).")
    lines.append("")
    rm = s.get("rmst_stabilisation", {})
    if rm.get("estimable"):
        lines.append(f"Arm effect in days (restricted mean time to stabilisation up to day {rm['tau_days']:.0f}): "
                     f"dosed {rm['rmst_days']['dosed']:.1f}, full_list {rm['rmst_days']['full_list']:.1f}; "
                     f"dosed stabilises {rm['days_sooner_dosed']:.1f} days sooner "
                     f"(95% CI {rm['ci_low']:.1f} to {rm['ci_high']:.1f}).")
    else:
        lines.append(f"Arm effect in days (RMST): not estimable ({rm.get('reason')}).")
    t = r.get("truth")
    if t:
        lines += ["", f"Simulated: proximal effect ×{t.get('proximal_effect')} on the hourly chance for 4 h "
                  f"after a delivered reminder; arm effect ×{t.get('arm_effect')} in `dosed` (a multiplier of "
                  "the hourly chance to act, not a hazard ratio of stabilisation)."]
    return "\n".join(lines) + "\n"


def write_report(directory: str | Path) -> dict[str, Any]:
    r = analyse(directory)
    d = Path(directory)
    (d / "report.json").write_text(json.dumps(r, indent=2, sort_keys=False) + "\n")
    (d / "report.md").write_text(markdown(r))
    return r
