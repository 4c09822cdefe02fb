"""The Python API's DataFrame of a table, validated by the pandera schema."""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest

import seeds
from xl_tthc import read_tables
from xl_tthc.read.schema import ResultsFrame


def test_frame_of_soc_trang(soc_trang_xlsx):
    _, (results, satisfaction) = read_tables(soc_trang_xlsx)
    df = results.frame()
    assert list(df["unit"][:-1]) == [r[0] for r in seeds.SOC_TRANG_ROWS]
    assert df.loc[df["kind"] == "total", "received"].item() == 8605
    assert df["resolved"][:-1].sum() == 7718
    assert str(df["pending"].dtype) == "Int64"
    assert satisfaction.frame()["sat_total"].iloc[-1] == 660


def test_schema_rejects_what_the_frame_never_holds():
    bad = pd.DataFrame({"unit": ["Sở Y tế"], "kind": ["unit"], "excel_row": [0],
                        "received": pd.array([-1], dtype="Int64")})
    with pytest.raises(pandera.errors.SchemaErrors) as e:
        ResultsFrame.validate(bad, lazy=True)
    failed = set(e.value.failure_cases["column"])
    assert failed == {"excel_row", "received"}
