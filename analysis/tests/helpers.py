import pandas as pd

from svs_analysis.data import read_decisions, read_plans
from svs_analysis.synth import write_dir


def roundtrip(tmp_path, plans=None, decisions=None):
    """Write synthetic rows as CSV and read them back as the analysis does."""
    write_dir(tmp_path, plans, decisions)
    return read_plans(tmp_path / "plans.csv"), read_decisions(tmp_path / "decisions.csv")


def as_decisions(df: pd.DataFrame, tmp_path):
    return roundtrip(tmp_path, None, df)[1]


def as_plans(df: pd.DataFrame, tmp_path):
    return roundtrip(tmp_path, df, None)[0]
