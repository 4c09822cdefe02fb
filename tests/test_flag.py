"""Kiểm tra and Xóa đánh dấu on the Bình Thuận appendix, through the openpyxl adapter
(save, reopen, clear: the record of the original fills survives the file)."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.xml.functions import tostring

import seeds
from xl_tthc.sheet import flag
from xl_tthc.sheet.edits import apply_to_file, cell_ref, load_grids, read_fills

SHEET = "Phụ lục"


def _snapshot(path):
    """Everything "Kiểm tra" could touch: sheets and their state, every cell's value,
    fill and note."""
    wb = openpyxl.load_workbook(path)
    cells = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                cells[(ws.title, c.coordinate)] = (c.value, tostring(c.fill.to_tree()),
                                                   c.comment.text if c.comment else None)
    return [(ws.title, ws.sheet_state) for ws in wb.worksheets], cells


def _flag(src, out):
    grids = {g.sheet.name: g for g in load_grids(src)}
    grid = grids[SHEET]
    record = grids.get(flag.MARK_SHEET)
    previous = flag.read_marks(record.sheet.values if record else None)
    issues = flag.check_sheet(grid.sheet, str(src))
    fills = read_fills(src, SHEET, flag.fills_needed(SHEET, issues, previous))
    noted = [cell_ref(r, c) for r, c in grid.notes]
    return apply_to_file(src, flag.flag_edits(SHEET, issues, fills, noted, previous, record is not None), out)


def _clear(src, out):
    grids = {g.sheet.name: g for g in load_grids(src)}
    record = grids.get(flag.MARK_SHEET)
    return apply_to_file(src, flag.clear_edits(flag.read_marks(record.sheet.values if record else None),
                                               record is not None), out)


@pytest.fixture
def appendix(tmp_path):
    """The appendix with a user's fill on G10 and a user's note on G12."""
    path = seeds.binh_thuan(tmp_path / "bt.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws["G10"].fill = PatternFill("solid", fgColor="FF92D050")
    ws["B8"].fill = PatternFill("solid", fgColor="FF92D050")
    ws["G12"].comment = Comment("Số liệu do phòng KH gửi", "Chị Lan")
    wb.save(path)
    return path


def test_flag_marks_exactly_the_inconsistent_cells(appendix, tmp_path):
    out = _flag(appendix, tmp_path / "flagged.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    original = openpyxl.load_workbook(appendix)[SHEET]
    changed = {c.coordinate for row in ws.iter_rows() for c in row
               if tostring(c.fill.to_tree()) != tostring(original[c.coordinate].fill.to_tree())}
    assert changed == {"G7", "G10", "G12", "G24"}
    assert ws["G10"].fill.fgColor.rgb == "FFFFC7CE"  # the error: light red
    assert ws["G7"].fill.fgColor.rgb == "FFFFEB9C"  # warnings: light yellow
    assert ws["G10"].comment.text == "TTHC:\nTỷ lệ đúng hạn ghi 94,87%, tính lại là 100,00%."
    assert ws["G12"].comment.text == "Số liệu do phòng KH gửi"  # someone's note is kept
    assert {c.coordinate for row in ws.iter_rows() for c in row if c.comment} == {"G7", "G10", "G12", "G24"}
    issues = wb[flag.ISSUE_SHEET]
    assert issues["A2"].value == "1 lỗi, 3 cảnh báo, tổng cộng 4 phát hiện"
    assert [issues[f"B{r}"].value for r in range(5, 9)] == [
        f'=HYPERLINK("#\'{SHEET}\'!{c}","{c}")' for c in ("G7", "G10", "G12", "G24")]
    assert issues["D6"].value == "Lỗi" and issues["C6"].value == "Sở Giáo dục và Đào tạo"
    record = wb[flag.MARK_SHEET]
    assert record.sheet_state == "hidden"
    assert [[c.value for c in row] for row in record.iter_rows(min_row=2)][1][:2] == [SHEET, "G10"]


def test_clear_restores_the_sheet_exactly(appendix, tmp_path):
    before = _snapshot(appendix)
    flagged = _flag(appendix, tmp_path / "flagged.xlsx")
    assert _snapshot(flagged) != before
    cleared = _clear(flagged, tmp_path / "cleared.xlsx")
    assert _snapshot(cleared) == before


def test_flag_twice_keeps_the_fills_from_before_the_first_time(appendix, tmp_path):
    before = _snapshot(appendix)
    twice = _flag(_flag(appendix, tmp_path / "once.xlsx"), tmp_path / "twice.xlsx")
    wb = openpyxl.load_workbook(twice)
    assert wb.sheetnames == [SHEET, flag.ISSUE_SHEET, flag.MARK_SHEET]
    assert wb[SHEET]["G10"].comment.text.count("94,87%") == 1
    assert _snapshot(_clear(twice, tmp_path / "cleared.xlsx")) == before


def test_clear_only_touches_recorded_cells(appendix, tmp_path):
    flagged = _flag(appendix, tmp_path / "flagged.xlsx")
    wb = openpyxl.load_workbook(flagged)
    wb[SHEET]["C8"].fill = PatternFill("solid", fgColor="FFFF0000")  # the user colours a cell meanwhile
    wb.save(flagged)
    ws = openpyxl.load_workbook(_clear(flagged, tmp_path / "cleared.xlsx"))[SHEET]
    assert ws["C8"].fill.fgColor.rgb == "FFFF0000"
    assert ws["G10"].fill.fgColor.rgb == "FF92D050"


def test_clear_without_a_record_changes_nothing():
    assert flag.clear_edits([], False) == []


def test_a_clean_table_gets_an_empty_issue_list(tmp_path):
    src = seeds.soc_trang(tmp_path / "st.xlsx")
    grid = load_grids(src)[0]
    issues = [i for i in flag.check_sheet(grid.sheet) if i.severity != "info"]
    assert flag.targets(issues) == []
    edits = flag.flag_edits(grid.sheet.name, issues, {}, [], [], False)
    ws = openpyxl.load_workbook(apply_to_file(src, edits, tmp_path / "out.xlsx"))[flag.ISSUE_SHEET]
    assert ws["A2"].value == "Không phát hiện sai sót."


@pytest.mark.libreoffice
def test_libreoffice_opens_the_flagged_workbook_and_follows_the_links(appendix, tmp_path):
    from lo import read_values, recalculate

    flagged = _flag(appendix, tmp_path / "flagged.xlsx")
    values = read_values(recalculate(flagged, tmp_path / "lo"), flag.ISSUE_SHEET)
    assert [values[f"B{r}"] for r in range(5, 9)] == ["G7", "G10", "G12", "G24"]
