"""End to end: the real simulator (binary from SVS_BIN) and the analysis of its exports.

The WCLS detects the 4 h effect and covers truth.json corrected for queued reminders; it does
not cover truth.json itself, which is not the randomised contrast (xfail; analysis/README.md).

Skipped when SVS_BIN is unset, unless REQUIRE_SIMULATOR_TESTS=1 (then it fails). A strong
proximal effect (×3) on 120 residents × 60 days; with the debug binary the simulation takes about
65 s on a lightly loaded 2-core machine (see analysis/README.md for measured times).
"""

import json
import os
import time
from pathlib import Path

import pytest

from svs_analysis.power import simulate
from svs_analysis.report import write_report

BIN = os.environ.get("SVS_BIN")
REQUIRED = os.environ.get("REQUIRE_SIMULATOR_TESTS") == "1"


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory):
    if not BIN:
        if REQUIRED:
            pytest.fail("REQUIRE_SIMULATOR_TESTS=1 but SVS_BIN is not set")
        pytest.skip("SVS_BIN not set: simulator tests skipped")
    if not Path(BIN).is_file():
        pytest.fail(f"SVS_BIN={BIN} is not a file")
    out = tmp_path_factory.mktemp("sim")
    t0 = time.monotonic()
    simulate(BIN, out, residents=120, days=60, seed=11, proximal_effect=3.0, arm_effect=1.0,
             reminder_probability=0.5)
    print(f"simulator: 120 residents x 60 days in {time.monotonic() - t0:.1f} s")
    return out


def _excursion(sim_dir):
    r = write_report(sim_dir)
    truth = json.loads((sim_dir / "truth.json").read_text())
    e = r["excursion_effect"]["completed_within_4h"]
    assert e["estimable"], e
    assert e["truth"] == truth["excursion_effect_4h"]
    print(f"4h: estimate {e['estimate']:.4f} [{e['ci_low']:.4f}, {e['ci_high']:.4f}], "
          f"truth.json {e['truth']:.4f}, same-hour {r['same_hour_decisions']}")
    return r, e


def test_wcls_finds_the_simulators_4h_effect(sim_dir):
    r, e = _excursion(sim_dir)
    assert e["estimate"] > 0
    assert e["ci_low"] > 0  # the reminder's effect is detected


def test_wcls_covers_the_truth_corrected_for_queued_reminders(sim_dir):
    """truth.json is "this reminder vs no reminder in the next 4 h"; the MRT contrast is "sent vs
    withheld with the service going on", and a withheld reminder is often followed by a sent
    one in the same hour (daily cap, queued reminders). First-order correction: the truth times
    the share of withheld points whose plan-hour has no sent reminder (analysis/README.md)."""
    r, e = _excursion(sim_dir)
    q = r["same_hour_decisions"]["withheld_followed_by_sent"]
    corrected = e["truth"] * (1 - q)
    assert e["estimate"] < e["truth"]
    assert e["ci_low"] <= corrected <= e["ci_high"]


@pytest.mark.xfail(reason="truth.json's excursion_effect_4h is not the WCLS estimand: it ignores that a "
                          "withheld reminder is often replaced by the next queued one in the same hour "
                          "(see analysis/README.md); fix the truth in src/simulate.rs", strict=False)
def test_wcls_ci_covers_truth_json(sim_dir):
    r, e = _excursion(sim_dir)
    assert e["ci_low"] <= e["truth"] <= e["ci_high"]


def test_report_reads_the_real_columns(sim_dir):
    r = json.loads((sim_dir / "report.json").read_text()) if (sim_dir / "report.json").exists() else write_report(sim_dir)
    assert r["n_plan_rows"] == 120
    assert sum(sum(c.values()) for c in r["survival"]["counts"].values()) == 120
    assert r["excursion_effect"]["completed_within_4h"]["n_plans"] > 100
