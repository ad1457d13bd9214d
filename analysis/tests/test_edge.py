"""Edge cases: nothing crashes, and what cannot be estimated says so."""

import json

import pandas as pd

from svs_analysis.data import DECISION_COLUMNS
from svs_analysis.report import write_report
from svs_analysis.survival import survival_analysis
from svs_analysis.synth import synth_decisions, synth_plans, write_dir
from svs_analysis.wcls import wcls

from helpers import as_decisions, as_plans


def test_header_only_files(tmp_path):
    write_dir(tmp_path)
    r = write_report(tmp_path)
    assert r["n_plan_rows"] == 0 and r["n_decision_rows"] == 0
    assert r["excursion_effect"]["completed_within_4h"]["estimable"] is False
    assert r["survival"]["cox_stabilisation"]["estimable"] is False
    assert "not estimable" in (tmp_path / "report.md").read_text()
    json.loads((tmp_path / "report.json").read_text())


def test_missing_and_empty_files(tmp_path):
    (tmp_path / "plans.csv").write_text("")
    r = write_report(tmp_path)  # no decisions.csv at all
    assert r["excursion_effect"]["completed_within_4h"]["reason"]


def test_all_withheld(tmp_path):
    d, _ = synth_decisions(n_plans=30, points_per_plan=5, seed=1)
    d["sent"] = "false"
    r = wcls(as_decisions(d, tmp_path))
    assert r["estimable"] is False and "withheld" in r["reason"]


def test_single_plan(tmp_path):
    d, _ = synth_decisions(n_plans=1, points_per_plan=40, seed=2)
    r = wcls(as_decisions(d, tmp_path))
    assert r["estimable"] is False and r["n_plans"] == 1


def test_all_outcomes_null(tmp_path):
    d, _ = synth_decisions(n_plans=20, points_per_plan=5, seed=3, null_tail=5)
    r = wcls(as_decisions(d, tmp_path))
    assert r["estimable"] is False and r["n_outcome_null"] == 100


def test_unavailable_points_and_missing_cells(tmp_path):
    d, _ = synth_decisions(n_plans=40, points_per_plan=10, seed=4)
    d = d.astype(str)
    d.loc[:49, ["available", "unavailable_reason", "probability", "sent"]] = ["false", "crisis", "", ""]
    d.loc[50:59, "hour"] = ""
    r = wcls(as_decisions(d, tmp_path))
    assert r["estimable"] and r["n_available"] == 350
    assert not any(c.startswith("hour") for c in r["controls"])  # NA hour: no hour bins


def test_small_plan_samples(tmp_path):
    # No stabilisation at all, only one arm, a handful of plans.
    plans = synth_plans(n_plans=6, seed=1)
    plans["status"] = "active"
    plans["days_to_stabilisation"] = ""
    plans["days_to_dropout"] = ""
    s = survival_analysis(as_plans(plans, tmp_path / "a"))
    assert s["cox_stabilisation"]["estimable"] is False
    one_arm = synth_plans(n_plans=20, seed=2).assign(arm="dosed")
    s = survival_analysis(as_plans(one_arm, tmp_path / "b"))
    assert s["cox_stabilisation"]["estimable"] is False
    assert s["kaplan_meier_stabilisation"]["dosed"]["estimable"]


def test_full_report_on_synthetic_data(tmp_path):
    d, _ = synth_decisions(n_plans=60, points_per_plan=10, seed=9)
    write_dir(tmp_path, synth_plans(n_plans=60, seed=9), d[DECISION_COLUMNS])
    (tmp_path / "truth.json").write_text(json.dumps({"excursion_effect_4h": 0.05, "excursion_effect_24h": None}))
    r = write_report(tmp_path)
    e = r["excursion_effect"]["completed_within_4h"]
    assert e["truth"] == 0.05 and isinstance(e["ci_covers_truth"], bool)
    assert "truth" not in r["excursion_effect"]["completed_within_24h"]
    assert r["same_hour_decisions"]["n_available"] == 600
    md = (tmp_path / "report.md").read_text()
    assert "completed_within_4h" in md and "Cox" in md
    assert isinstance(pd.read_json(tmp_path / "report.json", typ="series"), pd.Series)
