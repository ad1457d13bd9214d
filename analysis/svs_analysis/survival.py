"""Time to stabilisation and to dropout per evaluation arm.

From the plan rows (docs/metrics.md): a plan's observation ends at `days_observed` (the first
change to `stabilised`, else the end of the trajectory, else the export day).

- Event type per plan: 1 = stabilised (at `days_to_stabilisation`), 2 = dropped out (at
  `days_to_dropout`), 3 = closed for another reason (at `days_observed`), 0 = censored at
  `days_observed` (still active or paused).
- Kaplan–Meier of time to stabilisation: stabilisation is the event, everything else is
  censored at its time. With dropout as a competing risk 1 - KM overstates the chance of
  stabilising; read it as the cause-specific picture, the Aalen–Johansen curves as the real
  cumulative incidence.
- Aalen–Johansen cumulative incidence per arm for stabilised (1) and dropped out (2).
- Cox proportional hazards of arm (`dosed` vs `full_list`) on the cause-specific hazard of
  stabilisation (competing events censored).
- The arm effect in days: the difference in restricted mean time to stabilisation (RMST, the
  area under the Kaplan–Meier curve up to the shorter arm's follow-up `tau`): how many days
  sooner, on average within `tau` days, the `dosed` arm stabilises than `full_list`, with a
  normal 95% CI from the two arms' variances. Competing events are censored, as for the
  cause-specific KM.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

ARMS = ("dosed", "full_list")
EVENT_NAMES = {0: "censored", 1: "stabilised", 2: "dropped_out", 3: "closed_other"}


def event_table(plans: pd.DataFrame) -> pd.DataFrame:
    """One row per usable plan: arm, time, event (0/1/2/3). Rows without a time are dropped."""
    status = plans["status"].fillna("")
    obs = plans["days_observed"]
    time = obs.copy()
    event = pd.Series(0, index=plans.index)
    stab = plans["days_to_stabilisation"].notna()
    event[stab] = 1
    time[stab] = plans.loc[stab, "days_to_stabilisation"]
    drop = ~stab & ((status == "dropped_out") | plans["days_to_dropout"].notna())
    event[drop] = 2
    time[drop] = plans.loc[drop, "days_to_dropout"].fillna(obs[drop])
    closed = ~stab & ~drop & (status == "closed")
    event[closed] = 3
    # A status `stabilised` without its day: use days_observed (it ends there by definition).
    stab_no_day = ~stab & (status == "stabilised")
    event[stab_no_day] = 1
    out = pd.DataFrame({"arm": plans["arm"], "time": time.astype(float), "event": event})
    out = out[out["time"].notna() & (out["time"] >= 0) & out["arm"].notna()]
    return out.reset_index(drop=True)


def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _checkpoints(tmax: float) -> list[int]:
    pts = [t for t in (14, 30, 60, 90, 180, 365) if t <= tmax]
    if int(tmax) not in pts:
        pts.append(int(tmax))  # the last day observed
    return pts


def kaplan_meier(ev: pd.DataFrame) -> dict[str, Any]:
    from lifelines import KaplanMeierFitter

    out: dict[str, Any] = {}
    tmax = float(ev["time"].max()) if len(ev) else 0.0
    for arm in sorted(ev["arm"].unique()):
        e = ev[ev["arm"] == arm]
        res: dict[str, Any] = {"n": int(len(e)), "events": int((e["event"] == 1).sum())}
        if len(e) == 0:
            out[arm] = {**res, "estimable": False, "reason": "no plans"}
            continue
        km = KaplanMeierFitter().fit(e["time"], event_observed=(e["event"] == 1))
        median = km.median_survival_time_
        res["estimable"] = True
        res["median_days"] = _finite(median)
        res["median_note"] = None if math.isfinite(median) else "not reached"
        res["share_not_stabilised_at"] = {
            str(t): float(km.survival_function_at_times(t).iloc[0]) for t in _checkpoints(tmax)
        }
        out[arm] = res
    return out


def aalen_johansen(ev: pd.DataFrame, seed: int = 0) -> dict[str, Any]:
    from lifelines import AalenJohansenFitter

    out: dict[str, Any] = {}
    tmax = float(ev["time"].max()) if len(ev) else 0.0
    for arm in sorted(ev["arm"].unique()):
        e = ev[ev["arm"] == arm]
        res: dict[str, Any] = {"n": int(len(e))}
        for code in (1, 2):
            name = EVENT_NAMES[code]
            k = int((e["event"] == code).sum())
            if k == 0:
                res[name] = {"events": 0, "cumulative_incidence_at": {str(t): 0.0 for t in _checkpoints(tmax)},
                             "final": 0.0}
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                aj = AalenJohansenFitter(seed=seed, calculate_variance=False)
                aj.fit(e["time"], e["event"], event_of_interest=code)
            cif = aj.cumulative_density_.iloc[:, 0]

            def at(t: float) -> float:
                s = cif[cif.index <= t]
                return float(s.iloc[-1]) if len(s) else 0.0

            res[name] = {
                "events": k,
                "cumulative_incidence_at": {str(t): at(t) for t in _checkpoints(tmax)},
                "final": float(cif.iloc[-1]),
            }
        out[arm] = res
    return out


def cox_arm(ev: pd.DataFrame, level: float = 0.95) -> dict[str, Any]:
    """Hazard ratio of `dosed` vs `full_list` on the cause-specific hazard of stabilisation."""
    from lifelines import CoxPHFitter

    e = ev[ev["arm"].isin(ARMS)].copy()
    counts = {arm: int(((e["arm"] == arm) & (e["event"] == 1)).sum()) for arm in ARMS}
    base = {"comparison": "dosed vs full_list", "n": int(len(e)), "events_per_arm": counts}
    if any((e["arm"] == arm).sum() == 0 for arm in ARMS):
        return {**base, "estimable": False, "reason": "both arms are needed"}
    if min(counts.values()) == 0:
        return {**base, "estimable": False, "reason": "no stabilisation in at least one arm"}
    data = pd.DataFrame({
        "T": e["time"].clip(lower=1e-6),
        "E": (e["event"] == 1).astype(int),
        "dosed": (e["arm"] == "dosed").astype(int),
    })
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = CoxPHFitter(alpha=1 - level).fit(data, duration_col="T", event_col="E")
    except Exception as exc:  # convergence failures on tiny samples
        return {**base, "estimable": False, "reason": f"fit failed: {type(exc).__name__}"}
    s = cph.summary.loc["dosed"]
    coef, se = float(s["coef"]), float(s["se(coef)"])
    if not (math.isfinite(coef) and math.isfinite(se)) or se > 50:
        return {**base, "estimable": False, "reason": "fit did not converge"}
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    return {
        **base,
        "estimable": True,
        "log_hr": coef,
        "se": se,
        "hazard_ratio": math.exp(coef),
        "ci_low": math.exp(coef - z * se),
        "ci_high": math.exp(coef + z * se),
        "p_value": float(s["p"]),
        "level": level,
    }


def _rmst(time: np.ndarray, event: np.ndarray, tau: float) -> tuple[float, float]:
    """Restricted mean survival time up to `tau` from the Kaplan–Meier curve, and its variance
    (the Greenwood-type formula: sum over event times t_j < tau of A_j^2 d_j / (n_j (n_j - d_j)),
    A_j the area under the curve from t_j to tau). Written out because lifelines'
    `restricted_mean_survival_time(return_variance=True)` takes seconds per call, which a power
    run of hundreds of replicates (and the tests) cannot afford; the estimate is checked against
    lifelines in the tests."""
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order]
    times = np.unique(t[(e == 1) & (t < tau)])
    at_risk = np.array([(t >= u).sum() for u in times], dtype=float)
    deaths = np.array([((t == u) & (e == 1)).sum() for u in times], dtype=float)
    surv = np.cumprod(1 - deaths / at_risk) if len(times) else np.array([])
    # Step function: 1 on [0, t_1), surv[k] on [t_{k+1}-1 ... ]: areas between knots up to tau.
    knots = np.concatenate([[0.0], times, [tau]])
    levels = np.concatenate([[1.0], surv])
    widths = np.diff(knots)
    mean = float((levels * widths).sum())
    var = 0.0
    for j in range(len(times)):
        area_after = float((levels[j + 1:] * widths[j + 1:]).sum())
        denom = at_risk[j] * (at_risk[j] - deaths[j])
        if denom > 0:
            var += area_after ** 2 * deaths[j] / denom
    return mean, var


def rmst_arm(ev: pd.DataFrame, level: float = 0.95) -> dict[str, Any]:
    """Days sooner to stabilisation in `dosed` than in `full_list` (RMST difference up to tau)."""
    from scipy import stats

    e = ev[ev["arm"].isin(ARMS)]
    if any((e["arm"] == arm).sum() < 2 for arm in ARMS):
        return {"estimable": False, "reason": "both arms are needed"}
    tau = float(min(e.loc[e["arm"] == arm, "time"].max() for arm in ARMS))
    if tau <= 0:
        return {"estimable": False, "reason": "no follow-up"}
    per_arm: dict[str, tuple[float, float]] = {}
    for arm in ARMS:
        a = e[e["arm"] == arm]
        per_arm[arm] = _rmst(a["time"].to_numpy(float), (a["event"] == 1).to_numpy(int), tau)
    diff = per_arm["full_list"][0] - per_arm["dosed"][0]
    se = math.sqrt(per_arm["full_list"][1] + per_arm["dosed"][1])
    z = float(stats.norm.ppf(0.5 + level / 2))
    return {
        "estimable": True,
        "tau_days": tau,
        "rmst_days": {arm: per_arm[arm][0] for arm in ARMS},
        "days_sooner_dosed": diff,
        "se": se,
        "ci_low": diff - z * se,
        "ci_high": diff + z * se,
        "level": level,
    }


def survival_analysis(plans: pd.DataFrame, seed: int = 0) -> dict[str, Any]:
    ev = event_table(plans)
    counts = {
        arm: {EVENT_NAMES[c]: int(((ev["arm"] == arm) & (ev["event"] == c)).sum()) for c in EVENT_NAMES}
        for arm in sorted(ev["arm"].unique())
    }
    if len(ev) == 0:
        return {"n_plans": 0, "counts": {}, "kaplan_meier_stabilisation": {},
                "aalen_johansen": {}, "cox_stabilisation": {"estimable": False, "reason": "no plans"},
                "rmst_stabilisation": {"estimable": False, "reason": "no plans"}}
    return {
        "n_plans": int(len(ev)),
        "counts": counts,
        "kaplan_meier_stabilisation": kaplan_meier(ev),
        "aalen_johansen": aalen_johansen(ev, seed=seed),
        "cox_stabilisation": cox_arm(ev),
        "rmst_stabilisation": rmst_arm(ev),
    }
