"""Kaplan-Meier, Aalen-Johansen and Cox on synthetic plans with a known hazard ratio."""

import math

import numpy as np

from svs_analysis.survival import event_table, survival_analysis
from svs_analysis.synth import synth_plans

from helpers import as_plans


def test_cox_recovers_the_hazard_ratio(tmp_path):
    covered, logs = 0, []
    for s in range(10):
        plans = as_plans(synth_plans(n_plans=400, hazard_ratio=2.0, seed=s), tmp_path / str(s))
        c = survival_analysis(plans)["cox_stabilisation"]
        assert c["estimable"]
        covered += c["ci_low"] <= 2.0 <= c["ci_high"]
        logs.append(c["log_hr"])
    assert covered >= 8
    assert abs(np.mean(logs) - math.log(2.0)) < 0.1


def test_no_arm_effect_is_rarely_significant(tmp_path):
    significant = 0
    for s in range(10):
        plans = as_plans(synth_plans(n_plans=400, hazard_ratio=1.0, seed=50 + s), tmp_path / str(s))
        significant += survival_analysis(plans)["cox_stabilisation"]["p_value"] < 0.05
    assert significant <= 2


def test_curves_are_consistent(tmp_path):
    plans = as_plans(synth_plans(n_plans=400, hazard_ratio=2.0, seed=1), tmp_path)
    s = survival_analysis(plans)
    ev = event_table(plans)
    assert len(ev) == 400 and set(ev["event"]) <= {0, 1, 2}
    for arm in ("dosed", "full_list"):
        km = s["kaplan_meier_stabilisation"][arm]
        aj = s["aalen_johansen"][arm]
        total = aj["stabilised"]["final"] + aj["dropped_out"]["final"]
        assert 0 < total <= 1 + 1e-9
        # The competing-risk incidence of stabilisation is below 1 - KM (dropout censored).
        for t, v in aj["stabilised"]["cumulative_incidence_at"].items():
            assert v <= 1 - km["share_not_stabilised_at"][t] + 1e-9
    assert s["kaplan_meier_stabilisation"]["dosed"]["median_days"] < s["kaplan_meier_stabilisation"]["full_list"]["median_days"]


def test_event_times_come_from_the_right_columns(tmp_path):
    import pandas as pd

    plans = as_plans(pd.DataFrame({
        "plan": ["a", "b", "c", "d", "e"],
        "arm": ["dosed", "dosed", "full_list", "full_list", "dosed"],
        "status": ["stabilised", "dropped_out", "active", "closed", "paused"],
        "days_to_stabilisation": ["10", "", "", "", ""],
        "days_to_dropout": ["", "30", "", "", ""],
        "days_observed": ["10", "30", "45", "20", ""],
    }), tmp_path)
    ev = event_table(plans)
    assert ev["time"].tolist() == [10, 30, 45, 20]  # the row without days_observed is left out
    assert ev["event"].tolist() == [1, 2, 0, 3]
