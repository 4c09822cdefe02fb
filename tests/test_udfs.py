"""udfs/functions.py: the xlwings declarations (names, Vietnamese help, argument
options), thin wrappers over xl_tthc.sheet.cellfuncs, and the same module served the way
xlwings' server engine calls custom functions (every argument a 2-D matrix)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata

import pytest
import seeds
import udfs.functions as udf
from udfs.addin.build import UDF_MODULES
from udfs.addin.udfgen import load_with_metadata
from xl_tthc.sheet import cellfuncs as cf

NAMES = {"TTHC_ONTIME_RATE", "TTHC_LATE_RATE", "TTHC_ONLINE_RATE", "TTHC_RATE", "TTHC_CHECK", "TTHC_ROW_STATUS",
         "TTHC_NUMBER", "TTHC_PERCENT_TEXT", "TTHC_NARRATIVE"}
BT_TABLE = [list(seeds.BINH_THUAN_HEADER)] + [list(r) for r in seeds.BINH_THUAN_ROWS] + [list(seeds.BINH_THUAN_TOTAL)]
COL = [[1600], [39], [0], [None], ["1.692"]]

# (function, its core, arguments as Python calls them, the same as a server matrix)
CALLS = [
    ("TTHC_ONTIME_RATE", cf.ontime_rate, (COL, [[50], [0], [0], [""], ["08"]], [[4], [0], [0], [None], [None]])),
    ("TTHC_ONTIME_RATE", cf.ontime_rate, (0, 0, 0, 1)),
    ("TTHC_ONTIME_RATE", cf.ontime_rate, (COL, [[1], [2]], 0)),  # mismatched shapes
    ("TTHC_LATE_RATE", cf.late_rate, (COL, 0, [[4], [0], [0], [None], [8]], "—")),
    ("TTHC_LATE_RATE", cf.late_rate, (1, "#DIV/0!", 1)),
    ("TTHC_ONLINE_RATE", cf.online_rate, ([[1500, 115]], [[1692, 116]])),
    ("TTHC_RATE", cf.rate, ([[r[4]] for r in seeds.BINH_THUAN_ROWS], [[r[3]] for r in seeds.BINH_THUAN_ROWS])),
    ("TTHC_RATE", cf.rate, ("abc", 2)),
    ("TTHC_CHECK", cf.check_range, (BT_TABLE,)),
    ("TTHC_CHECK", cf.check_range, (BT_TABLE, "zero-as-100")),
    ("TTHC_ROW_STATUS", cf.row_status, (BT_TABLE[:5],)),
    ("TTHC_ROW_STATUS", cf.row_status, (BT_TABLE[:3],)),
    ("TTHC_NUMBER", cf.to_number, ([["1.692", "94,87%"], ["07", None]],)),
    ("TTHC_PERCENT_TEXT", cf.percent_text, ([[0.9487], [0.98253]], 1)),
    ("TTHC_PERCENT_TEXT", cf.percent_text, (0.9487,)),
    ("TTHC_NARRATIVE", cf.narrative_text, (BT_TABLE, "tháng 01 năm 2023")),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CALLS)]


def test_the_module_declares_exactly_the_design_functions():
    assert set(udf.__all__) == NAMES
    assert all(callable(getattr(udf, n)) for n in NAMES)


@pytest.mark.parametrize("name, core, args", CALLS, ids=IDS)
def test_each_function_answers_what_the_core_answers(name, core, args):
    assert getattr(udf, name)(*args) == core(*args)


def test_zero_denominators_are_blank_unless_if_zero_says_otherwise():
    assert udf.TTHC_ONTIME_RATE(0, 0, 0) == ""
    assert udf.TTHC_ONTIME_RATE(0, 0, 0, 1) == 1
    assert udf.TTHC_ONLINE_RATE(3, 0, "—") == "—"


def test_the_functions_import_from_the_installed_package_outside_the_repository(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import udfs.functions as f; print(f.TTHC_RATE(1, 4))"],
                         cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0.25"
    assert "udfs.functions" in UDF_MODULES  # the module the add-in configuration names


def _is_vietnamese(text: str) -> bool:
    return any(unicodedata.decomposition(ch) for ch in text if ch.isalpha())


@pytest.fixture(scope="module")
def classic():
    """udfs.functions with the ``__xlfunc__`` records that xlwings' classic decorators
    attach (recorded by the add-in builder, since pywin32 does not run here)."""
    return load_with_metadata("udfs.functions")


def test_function_wizard_help_is_vietnamese_and_fits_excel(classic):
    for name in NAMES:
        meta = getattr(classic, name).__xlfunc__
        assert meta["category"] == "TTHC"
        description = meta["ret"]["doc"]
        assert _is_vietnamese(description) and len(description) <= 255 and "\n" not in description, name
        for arg in meta["args"]:
            assert _is_vietnamese(arg["doc"]) and len(arg["doc"]) <= 255, (name, arg["name"])


SERVER = """
import asyncio, json, sys
import xlwings
import xlwings.server as engine
import udfs.functions as module

calls = json.load(sys.stdin)
answers = []
for name, args in calls:
    data = {"func_name": name, "args": args, "version": xlwings.__version__, "client": "Office.js",
            "runtime": "1.4", "caller_address": "Sheet1!Z1", "culture_info_name": "vi-VN",
            "date_format": "dd/MM/yyyy"}
    answers.append(asyncio.run(engine.custom_functions_call(data, module)))
json.dump({"answers": answers, "meta": engine.custom_functions_meta(module)}, sys.stdout, ensure_ascii=False)
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """CALLS (plus one with an omitted optional argument) answered by udfs.functions in a
    Python started as an xlwings server (XLWINGS_ON_SERVER=true: the decorators are the
    server engine's; xlwings' noncommercial licence), through ``custom_functions_call``."""
    calls = [(name, [_matrix(a) for a in args]) for name, _, args in CALLS]
    calls.append(("TTHC_ONTIME_RATE", [[[0]], [[0]], [[0]], None]))  # Office.js sends null when omitted
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    out = subprocess.run([sys.executable, "-c", SERVER], input=json.dumps(calls), capture_output=True, text=True,
                         env=env, cwd=tmp_path_factory.mktemp("server"), check=True)
    return json.loads(out.stdout)


def _matrix(value):
    """An argument as Office.js sends it: always a 2-D matrix, "" for an empty cell,
    an error value as an error object."""
    rows = value if isinstance(value, list) else [[value]]
    return [[_js(v) for v in row] for row in rows]


def _js(v):
    if v is None:
        return ""
    if isinstance(v, str) and v in cf.EXCEL_ERRORS:
        return {"type": "Error", "basicValue": v, "errorType": "Div0"}
    return v


OFFICE_JS_ERRORS = {"Div0": "#DIV/0!", "NotAvailable": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
                    "Ref": "#REF!", "Value": "#VALUE!"}  # Excel.ErrorCellValueType of the Office.js API


def _read_back(answer):
    """A server answer as cell values: error objects as their texts."""
    return [[OFFICE_JS_ERRORS[v["errorType"]] if isinstance(v, dict) else v for v in row] for row in answer]


def _as_matrix(result):
    return result if isinstance(result, list) else [[result]]


@pytest.mark.parametrize("index", range(len(CALLS)), ids=IDS)
def test_the_server_engine_with_2d_matrices_answers_what_the_core_answers(served, index):
    name, core, args = CALLS[index]
    answer = served["answers"][index]
    assert _read_back(answer) == _as_matrix(core(*args))
    if name == "TTHC_LATE_RATE" and args[1] == "#DIV/0!":
        assert answer == [[{"type": "Error", "errorType": "Div0"}]]  # a real error value in the cell


def test_the_server_engine_passes_omitted_optional_arguments_as_their_defaults(served):
    assert served["answers"][len(CALLS)] == [[""]]


def test_the_server_engine_describes_every_function_in_vietnamese(served):
    meta = {f["name"]: f for f in served["meta"]["functions"]}
    assert set(meta) == NAMES
    ontime = meta["TTHC_ONTIME_RATE"]
    assert [p["name"] for p in ontime["parameters"]] == ["early", "on_time", "late", "if_zero"]
    assert ontime["parameters"][-1].get("optional") is True
    assert all(_is_vietnamese(f["description"]) for f in meta.values())
    assert all(_is_vietnamese(p["description"]) for f in meta.values() for p in f["parameters"])
