"""Causal excursion effect of a reminder: weighted and centred least squares (WCLS).

Boruvka, Almirall, Witkiewitz & Murphy (2018), "Assessing time-varying causal effect
moderation in mobile health", JASA 113(523). Among available decision points with a closed
outcome window, regress the proximal outcome Y on

    g(H)'alpha + (A - p~) beta

with weights W = (p~/p)^A ((1-p~)/(1-p))^(1-A), where p is the randomisation probability that
applied and p~ the numerator probability. With an intercept-only moderator (the marginal
excursion effect) p~ must not depend on H: a constant. We use p~ = mean of p over the points
used, so W = 1 when p is constant. beta is then the mean, over decision points, of
P(Y=1 | A=1, H) - P(Y=1 | A=0, H): the risk difference averaged over the decision points, for
any choice of the control covariates g(H) (they only reduce the variance).

Standard errors: cluster-robust sandwich by plan with the Mancl–DeRouen (2001) bias
correction of the residuals (as in Boruvka et al.), and t quantiles on G - k degrees of
freedom (G plans, k parameters). An HC1-corrected cluster SE (G/(G-1) (n-1)/(n-k)) is
reported next to it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

OUTCOMES = ("completed_within_4h", "completed_within_24h", "active_within_24h")

# Hour bins of the decision (local hour). Decisions cluster at 08:00 (reminders held back by
# the quiet hours come out then) and at the weekly review time.
HOUR_BINS = [(0, 7, "00-07"), (8, 8, "08"), (9, 11, "09-11"), (12, 15, "12-15"), (16, 23, "16-23")]


def not_estimable(reason: str, **extra: Any) -> dict[str, Any]:
    return {"estimable": False, "reason": reason, **extra}


def hour_bin(hour: pd.Series) -> pd.Series:
    out = pd.Series(pd.NA, index=hour.index, dtype="object")
    for lo, hi, label in HOUR_BINS:
        out[(hour >= lo) & (hour <= hi)] = label
    return out


def _design(d: pd.DataFrame, controls: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    cols = [np.ones(len(d))]
    names = ["intercept"]
    if "day" in controls and d["day"].notna().all() and d["day"].nunique() > 1:
        day = d["day"].to_numpy(float)
        cols.append((day - day.mean()) / max(day.std(), 1e-9))
        names.append("day (standardised)")
    if "hour" in controls and d["hour"].notna().all():
        bins = hour_bin(d["hour"])
        levels = [b for _, _, b in HOUR_BINS if (bins == b).any()]
        for b in levels[1:]:
            cols.append((bins == b).to_numpy(float))
            names.append(f"hour {b}")
    X = np.column_stack(cols)
    # Drop control columns that make the design rank-deficient (keep the intercept).
    keep = [0]
    for j in range(1, X.shape[1]):
        if np.linalg.matrix_rank(X[:, keep + [j]]) == len(keep) + 1:
            keep.append(j)
    return X[:, keep], [names[j] for j in keep]


def wcls(
    decisions: pd.DataFrame,
    outcome: str = "completed_within_4h",
    controls: tuple[str, ...] = ("day", "hour"),
    ptilde: float | None = None,
    level: float = 0.95,
) -> dict[str, Any]:
    """Marginal causal excursion effect (risk difference) of `sent` on `outcome`."""
    need = ["plan", "available", "probability", "sent", outcome]
    if len(decisions) == 0 or any(c not in decisions.columns for c in need):
        return not_estimable("no decision points", n_decision_points=0, n_plans=0)
    d = decisions[
        (decisions["available"] == 1)
        & decisions["probability"].notna()
        & decisions["sent"].notna()
        & decisions["plan"].notna()
    ]
    n_available = int(len(d))
    d = d[d[outcome].notna()]
    n_open = n_available - int(len(d))
    # A point drawn with probability 0 or 1 was not randomised: it carries no information.
    d = d[(d["probability"] > 0) & (d["probability"] < 1)]
    base = {
        "outcome": outcome,
        "n_available": n_available,
        "n_outcome_null": n_open,
        "n_decision_points": int(len(d)),
        "n_plans": int(d["plan"].nunique()),
        "n_sent": int((d["sent"] == 1).sum()),
        "n_withheld": int((d["sent"] == 0).sum()),
    }
    if len(d) == 0:
        return not_estimable("no available decision points with a closed outcome window", **base)
    if base["n_sent"] == 0 or base["n_withheld"] == 0:
        return not_estimable("all reminders sent or all withheld", **base)

    p = d["probability"].to_numpy(float)
    a = d["sent"].to_numpy(float)
    y = d[outcome].to_numpy(float)
    pt = float(np.mean(p)) if ptilde is None else float(ptilde)
    w = np.where(a == 1, pt / p, (1 - pt) / (1 - p))
    G_ids = d["plan"].to_numpy()

    Xc, names = _design(d, controls)
    X = np.column_stack([Xc, a - pt])
    names = names + ["sent - p~"]
    n, k = X.shape
    G = int(pd.unique(G_ids).size)
    df = G - k
    if df < 1:
        return not_estimable(f"too few plans ({G}) for {k} parameters", **base)

    XtW = X.T * w
    bread_inv = XtW @ X
    try:
        bread = np.linalg.inv(bread_inv)
    except np.linalg.LinAlgError:
        return not_estimable("singular design", **base)
    beta = bread @ (XtW @ y)
    resid = y - X @ beta

    meat_md = np.zeros((k, k))
    meat_raw = np.zeros((k, k))
    md_ok = True
    order = np.argsort(G_ids, kind="stable")
    ids_sorted = G_ids[order]
    bounds = np.flatnonzero(np.r_[True, ids_sorted[1:] != ids_sorted[:-1], True])
    for s, e in zip(bounds[:-1], bounds[1:]):
        idx = order[s:e]
        Xg, wg, eg = X[idx], w[idx], resid[idx]
        u_raw = Xg.T @ (wg * eg)
        meat_raw += np.outer(u_raw, u_raw)
        H = Xg @ bread @ (Xg.T * wg)
        try:
            eg_adj = np.linalg.solve(np.eye(len(idx)) - H, eg)
        except np.linalg.LinAlgError:
            md_ok = False
            eg_adj = eg
        u = Xg.T @ (wg * eg_adj)
        meat_md += np.outer(u, u)

    V_md = bread @ meat_md @ bread
    hc1 = (G / (G - 1)) * ((n - 1) / max(n - k, 1))
    V_hc1 = hc1 * (bread @ meat_raw @ bread)
    se_md = math.sqrt(max(V_md[-1, -1], 0.0))
    se_hc1 = math.sqrt(max(V_hc1[-1, -1], 0.0))
    se = se_md if md_ok else se_hc1
    est = float(beta[-1])
    tq = float(stats.t.ppf(0.5 + level / 2, df))
    if se > 0:
        tstat = est / se
        pval = float(2 * stats.t.sf(abs(tstat), df))
    else:
        tstat, pval = float("nan"), float("nan")
    return {
        "estimable": True,
        **base,
        "estimate": est,
        "se": se,
        "se_hc1": se_hc1,
        "ci_low": est - tq * se,
        "ci_high": est + tq * se,
        "level": level,
        "p_value": pval,
        "df": df,
        "ptilde": pt,
        "probability_constant": bool(np.ptp(p) == 0),
        "controls": names[:-1],
        "variance": "cluster sandwich by plan, Mancl-DeRouen" if md_ok else "cluster sandwich by plan, HC1",
        "mean_outcome_sent": float(y[a == 1].mean()),
        "mean_outcome_withheld": float(y[a == 0].mean()),
    }
