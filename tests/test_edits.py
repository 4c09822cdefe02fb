"""Edit lists: bulk batches and the openpyxl adapter."""

from __future__ import annotations

import openpyxl
import pytest

import seeds
from xl_tthc.sheet.edits import (AddSheet, DeleteNote, DeleteSheet, Fill, Note, NumberFormat, WriteFormula, WriteValue,
                           apply_to_file, batches, cell_ref, load_grids, parse_cell, read_fills)


def test_cell_refs_round_trip():
    assert parse_cell("G10") == (9, 6)
    assert parse_cell("$AB$3") == (2, 27)
    assert cell_ref(9, 6) == "G10"
    with pytest.raises(ValueError):
        parse_cell("10G")


def test_a_column_and_a_row_of_formulas_are_two_bulk_writes():
    edits = [WriteFormula("S", f"D{r}", f"=E{r}+F{r}") for r in range(7, 27)]
    edits += [WriteFormula("S", f"{c}27", f"=SUM({c}7:{c}26)") for c in "CDEF"]
    out = batches(edits)
    assert [(b.kind, b.ref) for b in out] == [("formulas", "D7:D26"), ("formulas", "C27:F27")]
    assert out[0].data[0] == ["=E7+F7"] and out[1].data == [["=SUM(C7:C26)", "=SUM(D7:D26)", "=SUM(E7:E26)",
                                                              "=SUM(F7:F26)"]]


def test_rectangles_cover_exactly_the_edited_cells():
    cells = ["B2", "C2", "B3", "C3", "E3", "B5"]
    out = batches([WriteValue("S", c, c) for c in cells])
    covered = []
    for b in out:
        top, left = parse_cell(b.ref.split(":")[0])
        for i, row in enumerate(b.data):
            for j, v in enumerate(row):
                covered.append(cell_ref(top + i, left + j))
                assert v == cell_ref(top + i, left + j)
    assert sorted(covered) == sorted(cells)
    assert [b.ref for b in out] == ["B2:C3", "E3", "B5"]


def test_phases_and_last_edit_of_a_cell_wins():
    out = batches([Note("S", "A1", "new"), DeleteNote("S", "A1"), Note("S", "A1", "again"),
                   Fill("S", "A1", "#FF0000"), Fill("S", "A1", None), Fill("S", "A3", "#00FF00"),
                   WriteValue("T", "A1", 1), AddSheet("T", hidden=True), DeleteSheet("T")])
    assert [b.kind for b in out] == ["delete_sheet", "add_sheet", "values", "fills", "delete_note", "note"]
    fills = out[3]
    assert fills.ref == "A1:A3" and fills.data == [[None], [...], ["#00FF00"]]
    assert out[-1].data == "again"


def test_apply_to_file_writes_a_copy_and_never_the_input(tmp_path):
    src = seeds.binh_thuan(tmp_path / "bt.xlsx")
    before = src.read_bytes()
    with pytest.raises(ValueError):
        apply_to_file(src, [WriteValue("Phụ lục", "C7", 5)], src)
    out = apply_to_file(src, [WriteValue("Phụ lục", "C7", 5), WriteFormula("Phụ lục", "D7", "=E7+F7"),
                              NumberFormat("Phụ lục", "G7", "0.00%"), AddSheet("Ẩn", hidden=True),
                              Note("Phụ lục", "C7", "TTHC: ghi chú")], tmp_path / "out.xlsx")
    assert src.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    ws = openpyxl.load_workbook(out)["Phụ lục"]
    assert (ws["C7"].value, ws["D7"].value, ws["G7"].number_format) == (5, "=E7+F7", "0.00%")
    assert ws["C7"].comment.text == "TTHC: ghi chú"
    assert openpyxl.load_workbook(out)["Ẩn"].sheet_state == "hidden"
    grid = {g.sheet.name: g for g in load_grids(out)}["Phụ lục"]
    assert grid.formulas == {(6, 3): "=E7+F7"} and (6, 2) in grid.notes
    assert grid.sheet.get(6, 1) == "Ban Dân tộc"


def test_fills_read_back_are_restored_exactly(tmp_path):
    from openpyxl.styles import PatternFill
    from openpyxl.xml.functions import tostring

    src = seeds.binh_thuan(tmp_path / "bt.xlsx")
    wb = openpyxl.load_workbook(src)
    wb["Phụ lục"]["G10"].fill = PatternFill("lightGrid", fgColor="FF00B050", bgColor="FFFFFF00")
    wb.save(src)
    fills = read_fills(src, "Phụ lục", ["G10", "G11"])
    assert fills["G11"] is None and fills["G10"].startswith("xml:")
    marked = apply_to_file(src, [Fill("Phụ lục", "G10", "#FFC7CE"), Fill("Phụ lục", "G11", "#FFC7CE")],
                           tmp_path / "marked.xlsx")
    assert openpyxl.load_workbook(marked)["Phụ lục"]["G10"].fill.fgColor.rgb == "FFFFC7CE"
    back = apply_to_file(marked, [Fill("Phụ lục", c, f) for c, f in fills.items()], tmp_path / "back.xlsx")
    ws, orig = openpyxl.load_workbook(back)["Phụ lục"], openpyxl.load_workbook(src)["Phụ lục"]
    for cell in ("G10", "G11"):
        assert tostring(ws[cell].fill.to_tree()) == tostring(orig[cell].fill.to_tree())
