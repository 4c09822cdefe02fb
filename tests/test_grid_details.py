"""Cell details (formula, error, cached value) looked up one cell at a time agree with
one pass over every cell of the sheet, on real-looking workbooks and on XML that the
one-by-one lookup must not trust (shared formulas, cells without a reference)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_tthc.read.grid import CellDetail, _xml_details, open_workbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "workbooks" / "samples").glob("*.xlsx"))


def _few_at_a_time(book, sheet: str, cells: list[tuple[int, int]]) -> dict[tuple[int, int], CellDetail]:
    out = {}
    for k in range(0, len(cells), 5):
        book._details.pop(sheet, None)  # as a fresh file would be
        out.update(book.cell_details(sheet, cells[k:k + 5]))
    return out


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_one_by_one_equals_one_pass(path: Path) -> None:
    book = open_workbook(path)
    for sheet in book.sheets:
        whole = _xml_details(book._sheet_xml(sheet.name))
        cells = [(r, c) for r in range(sheet.height + 1) for c in range(len(sheet.values[0]) + 1 if sheet.values else 1)]
        got = _few_at_a_time(book, sheet.name, cells)
        assert got == {rc: whole.get(rc, CellDetail()) for rc in cells}
        assert any(d.formula for d in got.values()) or not any(d.formula for d in whole.values())


def _rewrite_sheet(src: Path, dst: Path, edit) -> Path:
    """``src`` copied to ``dst`` with its first sheet's XML passed through ``edit``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return dst


@pytest.fixture()
def formulas_xlsx(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Kết quả"
    for r in range(1, 5):
        ws.cell(r, 1, r)
        ws.cell(r, 2, 10 * r)
        ws.cell(r, 3, f"=A{r}+B{r}")
    ws["D1"] = "=1/0"
    path = tmp_path / "f.xlsx"
    wb.save(path)
    return path


def test_shared_formula_found_through_its_master(formulas_xlsx: Path, tmp_path: Path) -> None:
    def share(xml: str) -> str:
        xml = xml.replace("<f>A1+B1</f>", '<f t="shared" ref="C1:C4" si="0">A1+B1</f>')
        return re.sub(r"<f>A([2-4])\+B\1</f>", '<f t="shared" si="0"/>', xml)

    shared = tmp_path / "shared.xlsx"
    _rewrite_sheet(formulas_xlsx, shared, share)
    assert 'si="0"/>' in zipfile.ZipFile(shared).read("xl/worksheets/sheet1.xml").decode()
    book = open_workbook(shared)
    got = book.cell_details("Kết quả", [(2, 2)])
    assert got[(2, 2)].formula == "=A3+B3"
    assert book.cell_details("Kết quả", [(0, 3)])[(0, 3)].formula == "=1/0"


def test_cells_without_references_are_not_trusted(formulas_xlsx: Path, tmp_path: Path) -> None:
    """A writer may leave out r="…": a miss of the one-by-one lookup then says nothing,
    so the sheet is read another way and the formula is still found."""
    bare = tmp_path / "bare.xlsx"
    _rewrite_sheet(formulas_xlsx, bare, lambda xml: re.sub(r'<c r="[A-Z]+\d+"', "<c", xml))
    book = open_workbook(bare)
    got = book.cell_details("Kết quả", [(1, 2), (0, 3)])
    assert got[(1, 2)].formula == "=A2+B2"
    assert got[(0, 3)].formula == "=1/0"


def test_details_come_from_the_bytes_read(formulas_xlsx: Path) -> None:
    """The file is read once: details come from the same bytes as the values, even if
    the file changes on disk in between."""
    book = open_workbook(formulas_xlsx, formulas_xlsx.read_bytes())
    formulas_xlsx.write_bytes(b"")
    assert book.cell_details("Kết quả", [(0, 2)])[(0, 2)].formula == "=A1+B1"
    assert zipfile.is_zipfile(io.BytesIO(book.data))


def _shape(tables) -> list:
    return [(t.sheet, t.header_rows, [(c.index, c.field, c.path) for c in t.columns], t.form,
             [(r.index, r.label, {f: (v.raw, v.number, v.percent) for f, v in r.values.items()}) for r in t.rows],
             t.total and t.total.index, t.ratio_row and t.ratio_row.index) for t in tables]


def test_headers_kept_across_files_read_as_alone(binh_thuan_xlsx: Path, soc_trang_xlsx: Path,
                                                 tmp_path: Path) -> None:
    """Header bands are remembered across a batch by their content; a file reads the
    same after others as on its own, and a band that differs only in its merged cells
    is read afresh."""
    from xl_tthc.read import reader

    narrower = tmp_path / "narrower.xlsx"  # the same texts, one parent header merged narrower
    wb = openpyxl.load_workbook(soc_trang_xlsx)
    ws = wb.worksheets[0]
    ws.unmerge_cells("F6:L6")
    ws.merge_cells("F6:H6")
    wb.save(narrower)
    files = [*SAMPLES, binh_thuan_xlsx, soc_trang_xlsx, narrower]
    alone = {}
    for f in files:
        reader._HEADERS.clear()
        reader._row_kind.cache_clear()
        alone[f] = _shape(reader.read_tables(f)[1])
    for f in reversed(files + files):
        assert _shape(reader.read_tables(f)[1]) == alone[f], f.name
    assert alone[narrower] != alone[soc_trang_xlsx]


def _two_sheets(path: Path, swap: bool) -> Path:
    """Sheets "A" (a formula in A1) and "B" (an error in A1); with ``swap`` the rels send
    each name to the other's part, workbook.xml unchanged."""
    wb = openpyxl.Workbook()
    wb.active.title = "A"
    wb["A"]["A1"] = "=1+1"
    wb.create_sheet("B")["A1"] = "#DIV/0!"
    wb["B"]["A1"].data_type = "e"
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            data = z.read(info.filename)
            if swap and info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"sheet1.xml", b"@").replace(b"sheet2.xml", b"sheet1.xml").replace(b"@", b"sheet2.xml")
            w.writestr(info.filename, data)
    path.write_bytes(out.getvalue())
    return path


def test_a_kept_sheet_part_is_kept_per_rels_too(tmp_path: Path) -> None:
    """The sheet part is kept by the packed bytes of workbook.xml and of its rels: the same
    workbook.xml with other rels is another workbook."""
    plain, swapped = _two_sheets(tmp_path / "plain.xlsx", False), _two_sheets(tmp_path / "swapped.xlsx", True)
    for path, formula, error in ((plain, "=1+1", None), (swapped, None, "#DIV/0!"), (plain, "=1+1", None)):
        book = open_workbook(path, thorough=False)
        got = book.cell_details("A", [(0, 0)])[(0, 0)]
        assert (got.formula, got.error) == (formula, error)
