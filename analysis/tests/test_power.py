"""The power command end to end, with a stand-in simulator (synthetic exports)."""

import stat
import sys
from pathlib import Path

import pandas as pd

from svs_analysis.cli import main


def test_power_table_and_plot(tmp_path):
    fake = tmp_path / "fake-sim"
    fake.write_text(f"#!/bin/sh\nexec {sys.executable} {Path(__file__).parent / 'fake_simulator.py'} \"$@\"\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    out = tmp_path / "power"
    args = ["power", "--bin", str(fake), "--residents", "40,200", "--days", "10", "--replicates", "3",
            "--proximal-effect", "6", "--arm-effect", "3", "--out", str(out)]
    assert main(args) == 0
    t = pd.read_csv(out / "power.csv")
    assert t["residents"].tolist() == [40, 200] and t["replicates"].tolist() == [3, 3]
    assert t["power_excursion_4h"].iloc[1] == 1.0 and t["power_cox_hr"].iloc[1] == 1.0
    runs = pd.read_csv(out / "power_runs.csv")
    assert runs["seed"].nunique() == 6
    assert (out / "power.png").stat().st_size > 1000
    assert "power 4 h excursion" in (out / "power.md").read_text()
    # --reuse re-analyses the runs without simulating them again.
    fake.write_text("#!/bin/sh\nexit 1\n")
    assert main(args + ["--reuse"]) == 0
    again = pd.read_csv(out / "power.csv")
    assert again.drop(columns="mean_seconds").equals(t.drop(columns="mean_seconds"))
