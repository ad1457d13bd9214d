"""Synthetic exports with a known truth, in the column layout of docs/metrics.md (for tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

HOURS = np.array([8, 8, 10, 11, 14, 19])


def synth_decisions(
    n_plans: int = 200,
    points_per_plan: int = 30,
    effect: float = 0.05,
    probability: float = 0.5,
    seed: int = 0,
    moderated: bool = False,
    null_tail: int = 0,
) -> tuple[pd.DataFrame, float]:
    """Decision rows and the true marginal excursion effect (risk difference).

    Each plan has its own baseline chance (so outcomes are correlated within plan), the
    baseline drifts with the day and differs by hour. `moderated=True`: at hours before noon
    the reminder is sent with probability 0.1 and has no effect, after noon with probability
    0.5 and an effect of 2 × `effect`; the truth is the mean of the per-point effects, which an
    unweighted analysis would miss. `null_tail`: the last points of each plan have a null
    outcome (window not closed).
    """
    rng = np.random.default_rng(seed)
    rows = []
    effects = []
    for i in range(n_plans):
        plan = f"p{i:05d}"
        arm = "dosed" if rng.random() < 0.5 else "full_list"
        b = rng.uniform(0.05, 0.30)
        days = np.sort(rng.integers(0, 90, points_per_plan))
        for j, day in enumerate(days):
            hour = int(rng.choice(HOURS))
            base = np.clip(b + (0.04 if hour == 8 else 0.0) - 0.001 * day, 0.01, 0.6)
            if moderated:
                p = 0.1 if hour < 12 else 0.5
                eff = 0.0 if hour < 12 else 2 * effect
            else:
                p, eff = probability, effect
            a = rng.random() < p
            y = rng.random() < base + eff * a
            y24 = rng.random() < min(1.0, 2 * base + eff * a)
            closed = j < points_per_plan - null_tail
            rows.append({
                "decision": f"d{i:05d}{j:03d}", "plan": plan, "arm": arm, "day": int(day),
                "hour": hour, "kind": "new_step", "available": "true", "unavailable_reason": "",
                "probability": p, "sent": "true" if a else "false",
                "completed_within_4h": ("true" if y else "false") if closed else "",
                "completed_within_24h": ("true" if y24 else "false") if closed else "",
                "active_within_24h": ("true" if (y24 or y) else "false") if closed else "",
            })
            if closed:
                effects.append(eff)
    return pd.DataFrame(rows), float(np.mean(effects)) if effects else float("nan")


def synth_plans(
    n_plans: int = 400,
    hazard_ratio: float = 2.0,
    base_daily: float = 1 / 60,
    dropout_daily: float = 1 / 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Plan rows: exponential time to stabilisation (hazard × `hazard_ratio` in `dosed`),
    competing exponential dropout, administrative censoring at 60–120 days; whole days."""
    rng = np.random.default_rng(seed)
    arm = np.where(rng.random(n_plans) < 0.5, "dosed", "full_list")
    lam = np.where(arm == "dosed", base_daily * hazard_ratio, base_daily)
    t_stab = rng.exponential(1 / lam)
    t_drop = rng.exponential(1 / dropout_daily, n_plans)
    t_cens = rng.uniform(60, 120, n_plans)
    t = np.minimum(np.minimum(t_stab, t_drop), t_cens)
    days = np.ceil(t).astype(int)
    status = np.where(t == t_stab, "stabilised", np.where(t == t_drop, "dropped_out", "active"))
    return pd.DataFrame({
        "plan": [f"p{i:05d}" for i in range(n_plans)],
        "arm": arm,
        "status": status,
        "days_to_stabilisation": np.where(status == "stabilised", days.astype(str), ""),
        "days_to_dropout": np.where(status == "dropped_out", days.astype(str), ""),
        "days_observed": days,
    })


def write_dir(directory, plans: pd.DataFrame | None = None, decisions: pd.DataFrame | None = None) -> None:
    from pathlib import Path

    from svs_analysis.data import DECISION_COLUMNS, PLAN_COLUMNS

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    (plans if plans is not None else pd.DataFrame(columns=PLAN_COLUMNS)).to_csv(d / "plans.csv", index=False)
    (decisions if decisions is not None else pd.DataFrame(columns=DECISION_COLUMNS)).to_csv(
        d / "decisions.csv", index=False)


def synth_queued_decisions(
    n_plans: int = 300,
    hours_per_plan: int = 30,
    effect: float = 0.1,
    probability: float = 0.5,
    mean_queue: float = 1.0,
    seed: int = 0,
) -> tuple[pd.DataFrame, float, float]:
    """Decision points as the service makes them under a daily cap of one reminder.

    Per plan-hour 1 + Poisson(`mean_queue`) reminders are queued; the dispatcher decides them
    one after the other until one is sent (the cap then moves the rest, so they are no decision
    points now). A delivered reminder raises the 4 h completion chance by `effect`; the boosts
    of two reminders do not add up (the simulator's model).

    Returns the rows, the "this reminder vs no reminder this hour" effect (`effect` at every
    point: the simulator's truth.json definition) and the excursion effect of sending vs
    withholding *this* reminder with the queue going on (what the MRT randomises): a withheld
    reminder at position i of k is followed by the next one, so the effect there is
    `effect × (1 - p)^(k - i)`.
    """
    rng = np.random.default_rng(seed)
    rows, excursion = [], []
    for i in range(n_plans):
        b = rng.uniform(0.05, 0.3)
        for h in range(hours_per_plan):
            k = 1 + rng.poisson(mean_queue)
            boosted = False
            for pos in range(1, k + 1):
                a = rng.random() < probability
                excursion.append(effect * (1 - probability) ** (k - pos))
                rows.append({"plan": f"p{i:05d}", "day": h, "hour": 8, "available": 1.0,
                             "probability": probability, "sent": float(a), "_slot": (i, h)})
                if a:
                    boosted = True
                    break
            y = float(rng.random() < b + effect * boosted)
            n_slot = pos
            for r in rows[-n_slot:]:
                r["completed_within_4h"] = y
    df = pd.DataFrame(rows).drop(columns="_slot")
    df["arm"] = "dosed"
    return df, float(effect), float(np.mean(excursion))
