"""The ribbon macros and their xlwings adapter, run through xlwings' own remote
engine: ``xw.Book(json=…)`` takes the book as xlwings' Office.js client sends it, and
``book.json()`` is the list of actions the client would apply in Excel."""

from __future__ import annotations

import os

os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"  # before xlwings is imported

import pytest
import xlwings as xw

import seeds
import xl_tthc
from udfs import macros
from udfs import xlwings_adapter as xa
from xl_tthc.sheet import flag
from xl_tthc.sheet.edits import load_grids

SHEET = "Phụ lục"


def _sheet_json(name, values, notes=(), hidden=False):
    width = max((len(r) for r in values), default=0)
    return {"name": name, "values": [["" if v is None else v for v in r] + [""] * (width - len(r)) for r in values],
            "visibility": "Hidden" if hidden else "Visible", "pictures": [], "tables": [], "shapes": [],
            "charts": [], "notes": [{"address": f"${c[0]}${c[1:]}"} for c in notes], "notes_supported": True}


def _book(*sheets, active=0):
    return xw.Book(json={"client": "Office.js", "version": xw.__version__,
                         "book": {"name": "bt.xlsx", "active_sheet_index": active, "selection": "A1"},
                         "names": [], "sheets": list(sheets)})


@pytest.fixture
def appendix(tmp_path):
    return load_grids(seeds.binh_thuan(tmp_path / "bt.xlsx"))[0].sheet.values


def _actions(book):
    return book.json()["actions"]


def _where(a):
    return a["sheet_position"], a["start_row"], a["start_column"], a["row_count"], a["column_count"]


def test_recompute_sends_few_bulk_writes(appendix):
    book = _book(_sheet_json(SHEET, appendix))
    result = macros.recompute(book)
    actions = _actions(book)
    assert [a["func"] for a in actions] == ["setFormula", "setFormula", "setFormula", "setNumberFormat", "alert"]
    resolved, rates, total, fmt = actions[:4]
    assert _where(resolved) == (0, 6, 3, 20, 1)
    assert resolved["values"][3] == ["=E10+F10"]
    assert _where(rates) == (0, 6, 6, 20, 1)
    assert rates["values"][3] == ['=IF(D10=0,"",ROUND(E10/D10,4))']
    assert _where(total) == (0, 26, 2, 1, 5)
    assert total["values"] == [["=SUM(C7:C26)", "=SUM(D7:D26)", "=SUM(E7:E26)", "=SUM(F7:F26)",
                                '=IF(D27=0,"",ROUND(E27/D27,4))']]
    assert fmt["args"] == ["0.00%"] and _where(fmt) == (0, 6, 6, 21, 1)
    assert actions[-1]["args"][0] == ("Đã khôi phục 45 công thức trong 1 bảng.\n"
                                      "3 ô ghi số khác giá trị tính lại: G7, G10, G24.")
    assert len(result.changes) == 45


def test_recompute_on_a_sheet_without_a_table_only_says_so():
    book = _book(_sheet_json("Trang 1", [["Ghi chú"], ["không có bảng"]]))
    macros.recompute(book)
    actions = _actions(book)
    assert [a["func"] for a in actions] == ["alert"]
    assert actions[0]["args"][0].startswith("Không tìm thấy bảng kết quả giải quyết TTHC")


def test_flag_edits_become_one_fill_matrix_notes_and_two_sheets(appendix):
    book = _book(_sheet_json(SHEET, appendix))
    grid = xa.read_sheet(book.sheets[SHEET])
    issues = flag.check_sheet(grid.sheet)
    fills = {"G7": None, "G10": "#92D050", "G12": None, "G24": None}
    xa.apply(book, flag.flag_edits(SHEET, issues, fills, [], [], False))
    actions = _actions(book)
    funcs = [a["func"] for a in actions]
    assert funcs[:3] == ["addSheet", "addSheet", "setSheetVisibility"]
    assert actions[0]["args"] == [1, flag.ISSUE_SHEET] and actions[1]["args"] == [2, flag.MARK_SHEET]
    (colors,) = [a for a in actions if a["func"] == "setRangeColors"]
    assert _where(colors) == (0, 6, 6, 18, 1)  # G7:G24 in one call, other cells kept
    matrix = [row[0] for row in colors["args"][0]]  # xlwings sends lower-case hex
    assert [i for i, c in enumerate(matrix) if c != "keep"] == [0, 3, 5, 17]
    assert matrix[3] == "#ffc7ce" and matrix[0] == "#ffeb9c"
    notes = [a["args"] for a in actions if a["func"] == "addNote"]
    assert [n[0] for n in notes] == ["$G$7", "$G$10", "$G$12", "$G$24"]
    record = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 2]
    assert record[0]["values"][2][:3] == [SHEET, "G10", "#92D050"]
    links = [a for a in actions if a["func"] == "setFormula" and a["sheet_position"] == 1]
    assert links[0]["values"][1] == [f'=HYPERLINK("#\'{SHEET}\'!G10","G10")']
    assert funcs[-1] == "activateSheet"  # back on the data sheet
    # the issue sheet and the record: one write per block, not per cell (4 findings, 32 cells)
    assert len([a for a in actions if a["func"] in ("setValues", "setFormula")]) == 6


def test_clear_marks_restores_fills_and_removes_only_our_notes_and_sheets(appendix):
    record = [["Trang tính", "Ô", "Màu nền trước khi đánh dấu", "Ghi chú do Kiểm tra thêm"],
              [SHEET, "G7", "", "có"], [SHEET, "G10", "#92D050", "có"], [SHEET, "G12", "", ""]]
    book = _book(_sheet_json(SHEET, appendix, notes=("G7", "G10", "G12", "B3")),
                 _sheet_json(flag.ISSUE_SHEET, [["Kết quả kiểm tra"]]),
                 _sheet_json(flag.MARK_SHEET, record, hidden=True))
    macros.clear_marks(book)
    actions = _actions(book)
    (colors,) = [a for a in actions if a["func"] == "setRangeColors"]
    assert _where(colors) == (0, 6, 6, 6, 1)
    assert [row[0] for row in colors["args"][0]] == [None, "keep", "keep", "#92d050", "keep", None]
    assert [a["args"] for a in actions if a["func"] == "deleteNote"] == [["$G$7"], ["$G$10"]]
    deleted = [a["sheet_position"] for a in actions if a["func"] == "sheetDelete"]
    assert deleted == [1, 1]  # "Kiểm tra TTHC", then "Đánh dấu TTHC" which moved up
    assert [s.name for s in book.sheets] == [SHEET]
    assert actions[-1]["func"] == "alert" and "3 ô" in actions[-1]["args"][0]


def test_clear_marks_without_marks_changes_nothing(appendix):
    book = _book(_sheet_json(SHEET, appendix))
    macros.clear_marks(book)
    assert [a["func"] for a in _actions(book)] == ["alert"]


def test_check_explains_when_the_engine_cannot_read_fills(appendix):
    book = _book(_sheet_json(SHEET, appendix))
    macros.check(book)
    actions = _actions(book)
    assert [a["func"] for a in actions] == ["alert"]
    assert actions[0]["args"][3] == "critical" and "màu nền" in actions[0]["args"][0]


def test_used_range_not_at_a1_is_anchored(appendix):
    sheet = _sheet_json(SHEET, appendix)
    sheet["used_range_address"] = "A1:G27"
    book = _book(sheet)
    grid = xa.read_sheet(book.sheets[0])
    assert grid.sheet.get(9, 1) == "Sở Giáo dục và Đào tạo" and grid.sheet.get(9, 6) == "94,87%"
    assert grid.formulas == {}  # the remote engine sends values only


def test_narrative_writes_its_own_sheet(appendix):
    book = _book(_sheet_json(SHEET, appendix))
    text = macros.narrative(book)
    actions = _actions(book)
    assert [a["func"] for a in actions][:2] == ["addSheet", "setValues"]
    assert actions[0]["args"] == [1, macros.NARRATIVE_SHEET]
    assert [r[0] for r in actions[1]["values"]] == text.split("\n")
    assert "3.851" in text


def test_dialogs_need_windows_excel(appendix):
    book = _book(_sheet_json(SHEET, appendix))
    macros.consolidate(book)
    macros.insert_template(book)
    actions = _actions(book)
    assert [a["func"] for a in actions] == ["alert", "alert"]
    assert all("Windows" in a["args"][0] for a in actions)


def test_about_names_the_version_and_the_python():
    book = _book(_sheet_json("Trang 1", [["x"]]))
    text = macros.about(book)
    assert xl_tthc.__version__ in text and "Python" in text
    assert _actions(book)[0]["args"][0] == text
