"""Kaplan-Meier, Aalen-Johansen and Cox on synthetic plans with a known hazard ratio."""

import math

import numpy as np

from svs_analysis.survival import event_table, rmst_arm, survival_analysis
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


def _rmst_exponential(rate: float, tau: float) -> float:
    return (1 - math.exp(-rate * tau)) / rate


def test_the_arm_effect_in_days_is_recovered(tmp_path):
    """Restricted mean time to stabilisation: the days sooner in `dosed` match the exponential
    truth, and with no effect they are rarely significant (20 fixed seeds each)."""
    covered, errors, significant = 0, [], 0
    for s in range(20):
        ev = event_table(as_plans(synth_plans(n_plans=400, hazard_ratio=2.0, seed=100 + s), tmp_path / f"e{s}"))
        rm = rmst_arm(ev)
        assert rm["estimable"]
        tau = rm["tau_days"]
        truth = _rmst_exponential(1 / 60, tau) - _rmst_exponential(2 / 60, tau)
        covered += rm["ci_low"] <= truth <= rm["ci_high"]
        errors.append(rm["days_sooner_dosed"] - truth)
        null = event_table(as_plans(synth_plans(n_plans=400, hazard_ratio=1.0, seed=200 + s), tmp_path / f"n{s}"))
        rn = rmst_arm(null)
        significant += rn["ci_low"] > 0 or rn["ci_high"] < 0
    print(f"coverage {covered}/20, mean error {np.mean(errors):.2f} days, null significant {significant}/20")
    assert covered >= 17
    assert abs(np.mean(errors)) < 1.5
    assert significant <= 3


def test_rmst_matches_lifelines(tmp_path):
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    from svs_analysis.survival import _rmst

    ev = event_table(as_plans(synth_plans(n_plans=300, hazard_ratio=1.5, seed=7), tmp_path))
    t, e = ev["time"].to_numpy(float), (ev["event"] == 1).to_numpy(int)
    km = KaplanMeierFitter().fit(t, event_observed=e)
    for tau in (30.0, 75.0, float(t.max())):
        mean, var = _rmst(t, e, tau)
        ref_mean, ref_var = restricted_mean_survival_time(km, t=tau, return_variance=True)
        assert abs(mean - ref_mean) < 1e-6, (tau, mean, ref_mean)
        # lifelines' "variance" is that of min(T, tau) itself; the estimator's is about that
        # over n, more where plans are censored.
        assert 0.8 <= var / (ref_var / len(t)) <= 2.0, (tau, var, ref_var / len(t))
