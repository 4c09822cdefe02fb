"""The worksheet functions in the cells of a filled department template, evaluated by
the ``formulas`` package with the TTHC_* functions registered: every TTHC_* cell
equals the native formula beside it, and the TTHC_CHECK block equals the core's
check of the same file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest
import schedula as sh
from openpyxl.worksheet.formula import ArrayFormula

formulas = pytest.importorskip("formulas")
from formulas.functions import Array  # noqa: E402
from formulas.tokens.operand import XlError  # noqa: E402

import udfs.functions as udf  # noqa: E402
from xl_tthc.sheet import cellfuncs  # noqa: E402
from xl_tthc.rules.check import check_file  # noqa: E402
from xl_tthc.domain.issues import SEVERITIES  # noqa: E402
from xl_tthc.forms.templates import save_workbook, write_form  # noqa: E402

ROWS = [  # a department's fields of procedures, with the cases that matter
    {"unit": "Hộ tịch", "carried_over": 12, "received_new": 1692, "received_online": 1500, "received_offline": 192,
     "resolved_early": 1600, "resolved_on_time": 50, "resolved_late": 4, "pending_in_time": 48,
     "pending_overdue": 2, "returned": 0},
    {"unit": "Chứng thực", "carried_over": 0, "received_new": 39, "received_online": 0, "received_offline": 39,
     "resolved_early": 0, "resolved_on_time": 39, "resolved_late": 0, "pending_in_time": 0,
     "pending_overdue": 0, "returned": 0},
    {"unit": "Lý lịch tư pháp", "carried_over": 0, "received_new": 0, "received_online": 0,
     "received_offline": 0, "resolved_early": 0, "resolved_on_time": 0, "resolved_late": 0,
     "pending_in_time": 0, "pending_overdue": 0, "returned": 0},  # 0/0
    {"unit": "Quốc tịch", "carried_over": 3, "received_new": 116, "received_online": 115, "received_offline": 1,
     "resolved_early": 100, "resolved_on_time": 15, "resolved_late": 1, "pending_in_time": 1,
     "pending_overdue": 0, "returned": 0},  # received 119 != resolved 116 + pending 1: balance
    {"unit": "Luật sư", "carried_over": 1, "received_new": 6, "received_online": 9, "received_offline": 0,
     "resolved_early": 1, "resolved_on_time": 2, "resolved_late": 1, "pending_in_time": 3,
     "pending_overdue": 0, "returned": 0},  # online 9 > new 6
    # begun, not finished: blanks beside one figure (a row nobody filled in is not "missing")
    {"unit": "Công chứng", "returned": 0},
]
CHECK_ROWS = 30  # the block selected for the TTHC_CHECK array formula
EXTRA = ["TTHC_ONTIME_RATE", "native", "range call", "TTHC_LATE_RATE", "native", "TTHC_ONLINE_RATE", "native",
         "TTHC_RATE", "native", "ROUND(…,4)", "TTHC_PERCENT_TEXT", "native", "TTHC_ROW_STATUS"]


def _arg(x):
    """What formulas passes (Ranges, numpy arrays, EMPTY, XlError) as Excel passes it
    to xlwings with ndim=2 and err_to_str: lists of lists of plain values."""
    value = getattr(x, "value", x)
    if isinstance(value, np.ndarray):
        return [[_cell(v) for v in row] for row in np.atleast_2d(value).tolist()]
    return _cell(value)


def _cell(v):
    if v is sh.EMPTY:
        return None
    if isinstance(v, XlError):
        return str(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def _registered(fn):
    def call(*args):
        result = fn(*(_arg(a) for a in args))
        return np.asarray(result if isinstance(result, list) else [[result]], object).view(Array)
    return call


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """The workbook (with TTHC_* cells), the layout, and every cell's evaluated value."""
    path = tmp_path_factory.mktemp("udf_wb") / "department.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Kết quả"
    layout = write_form(ws, "department_results", ROWS, period_label="tháng 01 năm 2025")
    form = layout.form
    L = {f: form.letter(f) for f in form.fields}
    first, last, total = layout.first_row, layout.last_row, layout.total_row
    x0 = len(form.columns) + 1
    cols = {name: openpyxl.utils.get_column_letter(x0 + i) for i, name in enumerate(
        ["ontime", "ontime_native", "ontime_range", "late", "late_native", "online", "online_native",
         "rate", "rate_native", "rounded", "ptext", "ptext_native", "status"])}
    top = layout.header_rows[0]
    for i, label in enumerate(EXTRA):
        ws.cell(top, x0 + i, label)
    e, o, late, new, onl = (L["resolved_early"], L["resolved_on_time"], L["resolved_late"], L["received_new"],
                            L["received_online"])
    for r in range(first, total + 1):
        parts = f"{e}{r},{o}{r},{late}{r}"
        den = f"({e}{r}+{o}{r}+{late}{r})"
        ws[f"{cols['ontime']}{r}"] = f"=TTHC_ONTIME_RATE({parts})"
        ws[f"{cols['ontime_native']}{r}"] = f'=IF({den}=0,"",({e}{r}+{o}{r})/{den})'
        ws[f"{cols['late']}{r}"] = f"=TTHC_LATE_RATE({parts},0)"
        ws[f"{cols['late_native']}{r}"] = f"=IF({den}=0,0,{late}{r}/{den})"
        ws[f"{cols['online']}{r}"] = f'=TTHC_ONLINE_RATE({onl}{r},{new}{r},"—")'
        ws[f"{cols['online_native']}{r}"] = f'=IF({new}{r}=0,"—",{onl}{r}/{new}{r})'
        ws[f"{cols['rate']}{r}"] = f"=TTHC_RATE({L['resolved']}{r},{L['received']}{r},1)"
        # SUM: the form's computed cells are "" while their inputs are blank
        ws[f"{cols['rate_native']}{r}"] = (f"=IF(SUM({L['received']}{r})=0,1,"
                                           f"SUM({L['resolved']}{r})/{L['received']}{r})")
        ws[f"{cols['rounded']}{r}"] = f'=IF({cols["ontime"]}{r}="","",ROUND({cols["ontime"]}{r},4))'
        ws[f"{cols['ptext']}{r}"] = f"=TTHC_PERCENT_TEXT({cols['ontime_native']}{r},1)"
        ws[f"{cols['ptext_native']}{r}"] = (
            f'=IF({cols["ontime_native"]}{r}="","",SUBSTITUTE(FIXED({cols["ontime_native"]}{r}*100,1,TRUE),'
            f'".",",")&"%")')
        ws[f"{cols['status']}{r}"] = f"=TTHC_ROW_STATUS($A${top}:${L['online_rate']}{r})"
    # one range call for the whole column, spilled as a legacy array formula
    rng = f"{cols['ontime_range']}{first}:{cols['ontime_range']}{total}"
    ws[f"{cols['ontime_range']}{first}"] = ArrayFormula(
        rng, f"=TTHC_ONTIME_RATE({e}{first}:{e}{total},{o}{first}:{o}{total},{late}{first}:{late}{total})")
    # the TTHC_CHECK block under the table: the whole sheet from A1, so rows are sheet rows
    table_end = f"${L['online_rate']}${layout.ratio_row}"
    check_top = layout.ratio_row + 3
    block = f"A{check_top}:D{check_top + CHECK_ROWS - 1}"
    ws[f"A{check_top}"] = ArrayFormula(block, f"=TTHC_CHECK($A$1:{table_end})")
    narrative_cell = f"A{check_top + CHECK_ROWS + 1}"
    ws[narrative_cell] = f"=TTHC_NARRATIVE($A$1:{table_end})"
    ws[f"A{check_top + CHECK_ROWS + 2}"] = '=TTHC_NUMBER("1.692")'
    ws[f"B{check_top + CHECK_ROWS + 2}"] = '=VALUE(SUBSTITUTE("1.692",".",""))'
    save_workbook(wb, path, {ws.title: layout.cached})

    functions = formulas.get_functions()
    for name in udf.__all__:
        functions[name] = _registered(getattr(udf, name))
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    values = {}
    for key, v in solution.items():
        ref = key.split("!")[-1]
        arr = np.atleast_2d(getattr(v, "value", v))
        if ":" not in ref:
            values[ref] = _cell(arr[0][0])
        else:
            a, b = ref.split(":")
            c0, r0 = openpyxl.utils.cell.coordinate_from_string(a)
            for i, row in enumerate(arr):
                for j, cell in enumerate(row):
                    col = openpyxl.utils.get_column_letter(openpyxl.utils.column_index_from_string(c0) + j)
                    values.setdefault(f"{col}{r0 + i}", _cell(cell))
    return path, layout, cols, values, check_top, narrative_cell


@pytest.mark.parametrize("fn, native", [("ontime", "ontime_native"), ("ontime_range", "ontime_native"),
                                        ("late", "late_native"), ("online", "online_native"),
                                        ("rate", "rate_native"), ("ptext", "ptext_native")])
def test_every_function_cell_equals_the_native_formula_beside_it(evaluated, fn, native):
    _, layout, cols, values, *_ = evaluated
    pairs = [(values[f"{cols[fn]}{r}"], values[f"{cols[native]}{r}"])
             for r in range(layout.first_row, layout.total_row + 1)]
    assert all(a == b for a, b in pairs), pairs
    assert any(a == "" or a == "—" for a, _ in pairs) or fn in ("late", "rate")  # the 0/0 rows are there


def test_rounded_function_equals_the_templates_own_ratio_column(evaluated):
    _, layout, cols, values, *_ = evaluated
    p = layout.form.letter("ontime_rate")
    for r in range(layout.first_row, layout.total_row + 1):
        assert values[f"{cols['rounded']}{r}"] == values[f"{p}{r}"], r


def _values_only(path: Path, layout, values: dict, out: Path) -> Path:
    """The evaluated table (A1 to its "Tỷ lệ %" row) as a workbook of plain values."""
    wb = openpyxl.Workbook()
    ws = wb.active
    last_col = openpyxl.utils.column_index_from_string(layout.form.letter("online_rate"))
    for r in range(1, layout.ratio_row + 1):
        for c in range(1, last_col + 1):
            v = values.get(f"{openpyxl.utils.get_column_letter(c)}{r}")
            ws.cell(r, c, None if v == "" else v)
    wb.save(out)
    return out


def _issues(path: Path):
    return [i for t in check_file(path).tables for i in t.issues]


def test_check_block_equals_the_core_check_of_the_same_values(evaluated, tmp_path):
    path, layout, cols, values, check_top, _ = evaluated
    issues = _issues(_values_only(path, layout, values, tmp_path / "values.xlsx"))
    assert {i.rule for i in issues} >= {"balance", "received_channels", "missing_value"}
    expected = [list(cellfuncs.CHECK_HEADER["vi"])] + [[i.row, i.column, i.rule, i.message] for i in issues]
    block = [[values.get(f"{c}{r}") for c in "ABCD"] for r in range(check_top, check_top + len(expected))]
    assert block == expected
    # the rest of the selected block is padded by the spreadsheet, not by us
    assert values.get(f"A{check_top + len(expected)}") in ("#N/A", None, "")


def test_check_block_flags_the_cells_the_file_check_flags(evaluated):
    """The file door also knows formulas: it names a finding on a formula cell
    stale_value, and warns about formula cells whose cached result is empty."""
    path, layout, cols, values, check_top, _ = evaluated
    in_cells = {(values[f"A{r}"], values[f"B{r}"]) for r in range(check_top + 1, check_top + CHECK_ROWS)
                if isinstance(values.get(f"A{r}"), int)}
    from_file = {(i.row, i.column) for i in _issues(path) if not (i.rule == "formula_error" and i.severity == "warning")}
    assert from_file == in_cells


def test_status_column_shows_each_rows_most_severe_finding(evaluated):
    path, layout, cols, values, *_ = evaluated
    issues = _issues(_values_only(path, layout, values, path.with_name("status.xlsx")))
    for r in range(layout.first_row, layout.total_row + 1):
        mine = sorted((i for i in issues if i.row == r), key=lambda i: SEVERITIES.index(i.severity))
        assert values[f"{cols['status']}{r}"] == (mine[0].message if mine else "OK"), r
    assert values[f"{cols['status']}{layout.first_row}"] == "OK"


def test_narrative_and_number_cells(evaluated):
    _, layout, cols, values, check_top, narrative_cell = evaluated
    text = values[narrative_cell]
    assert text.startswith("Tổng số hồ sơ tiếp nhận trong tháng 01 năm 2025 là 1.869 hồ sơ")
    assert values[f"A{check_top + CHECK_ROWS + 2}"] == values[f"B{check_top + CHECK_ROWS + 2}"] == 1692
