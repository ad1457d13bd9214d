"""Reading the research exports. Column names as in docs/metrics.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PLAN_COLUMNS = [
    "plan", "arm", "status", "days_to_stabilisation", "days_to_dropout", "days_observed",
]
DECISION_COLUMNS = [
    "decision", "plan", "arm", "day", "hour", "kind", "available", "unavailable_reason",
    "probability", "sent", "completed_within_4h", "completed_within_24h", "active_within_24h",
]
BOOL_DECISION_COLUMNS = [
    "available", "sent", "completed_within_4h", "completed_within_24h", "active_within_24h",
]
NUMERIC_PLAN_COLUMNS = ["days_to_stabilisation", "days_to_dropout", "days_observed"]
NUMERIC_DECISION_COLUMNS = ["day", "hour", "probability"]


def _bool(series: pd.Series) -> pd.Series:
    """`true`/`false` (any case, also 1/0) to a nullable float 1.0/0.0/NaN."""
    s = series.astype("string").str.strip().str.lower()
    out = pd.Series(np.nan, index=series.index, dtype="float64")
    out[s.isin(["true", "1", "t", "yes"])] = 1.0
    out[s.isin(["false", "0", "f", "no"])] = 0.0
    return out


def _read(path: Path, required: list[str]) -> pd.DataFrame:
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in required})
    df = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])
    for c in required:
        if c not in df.columns:
            df[c] = pd.Series(pd.NA, index=df.index, dtype="string")
    return df


def read_plans(path: str | Path) -> pd.DataFrame:
    df = _read(Path(path), PLAN_COLUMNS)
    for c in NUMERIC_PLAN_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in ("plan", "arm", "status"):
        df[c] = df[c].astype("string").str.strip()
    return df


def read_decisions(path: str | Path) -> pd.DataFrame:
    df = _read(Path(path), DECISION_COLUMNS)
    for c in NUMERIC_DECISION_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in BOOL_DECISION_COLUMNS:
        df[c] = _bool(df[c])
    for c in ("plan", "arm", "kind"):
        df[c] = df[c].astype("string").str.strip()
    return df
