"""Many cells' details looked up in their own tags (read.grid._cells_of) agree with the
one pass over every cell that cell_details made before (read.grid._xml_details, or
openpyxl where that pass raises), on generated sheets of every kind of cell and on
sheets whose XML the lookup must not trust; and the lookup is taken where it should be."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from test_grid_details import _rewrite_sheet
from xl_tthc.read import grid
from xl_tthc.read.grid import CellDetail, _xml_details, open_workbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "workbooks" / "samples").glob("*.xlsx"))
SHEET = "Số liệu"


def _one_pass(book: grid.Workbook, sheet: str, cells: set) -> dict:
    """cell_details as it was: the one pass, openpyxl where it raises."""
    try:
        known = _xml_details(book._sheet_xml(sheet))
    except (KeyError, ValueError, IndexError, TypeError):
        return book._openpyxl_details(sheet, cells)
    return {rc: known.get(rc, CellDetail()) for rc in cells}


def _outcome(read) -> object:
    try:
        return read()
    except grid.ReadError as e:
        return str(e)


def _compare(path: Path, sheet: str | None = None, extra: int = 2) -> grid.Workbook:
    book = open_workbook(path)
    for s in book.sheets if sheet is None else [x for x in book.sheets if x.name == sheet]:
        width = max((len(r) for r in s.values), default=0)
        cells = {(r, c) for r in range(-1, s.height + extra) for c in range(-1, width + extra)}
        got = _outcome(lambda: book.cell_details(s.name, cells))
        expected = _outcome(lambda: _one_pass(open_workbook(path), s.name, cells))
        assert got == expected, (path.name, s.name)
    return book


def _random_sheet(path: Path, seed: int) -> None:
    """Numbers, texts (shared and inline), booleans, formulas (without cached values, as
    openpyxl writes them), error-like texts, styled blanks, dates."""
    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for r in range(1, rng.randint(5, 40)):
        for c in range(1, rng.randint(2, 12)):
            kind = rng.random()
            cell = ws.cell(r, c)
            if kind < 0.3:
                cell.value = rng.choice([rng.randint(-5, 10**6), rng.random() * 1000])
            elif kind < 0.5:
                cell.value = rng.choice(["Sở Nội vụ", "=A1 là văn bản", " cách ", "#DIV/0!", "x & <y>"])
            elif kind < 0.6:
                cell.value = rng.choice([True, False])
            elif kind < 0.8:
                cell.value = rng.choice([f"=A{r}+1", "=1/0", "=SUM(A1:A3)", '="a"&"b"', "=NA()"])
            elif kind < 0.9:
                cell.border = openpyxl.styles.Border(left=openpyxl.styles.Side(style="thin"))
            else:
                cell.value = rng.choice([None, 0, ""])
    wb.save(path)



def _cached(xml: str) -> str:
    """Cached values given to openpyxl's formulas: numbers, texts, errors, booleans, none."""
    values = ["<v>7</v>", "<v>2.5E-3</v>", "", '<v>1</v>', "<v>-0.5</v>"]
    k = [0]

    def one(m: re.Match) -> str:
        k[0] += 1
        return m.group(0) + values[k[0] % len(values)]

    return re.sub(r"<f>[^<]*</f>", one, xml)


@pytest.mark.parametrize("seed", range(40))
def test_generated_sheets(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "g.xlsx"
    _random_sheet(path, seed)
    book = _compare(path)
    assert book._cells[SHEET] is not None  # a plain sheet is looked up in its tags
    cached = _compare(_rewrite_sheet(path, tmp_path / "c.xlsx", _cached))
    assert cached._cells[SHEET] is not None


def test_typed_cached_values(tmp_path: Path) -> None:
    """Formula results cached as an error and as a text (t="e", t="str"): looked up in
    the tags too, with the same details."""
    path = tmp_path / "g.xlsx"
    _random_sheet(path, 7)

    def typed(xml: str) -> str:
        xml = re.sub(r'(<c r="[A-Z]+\d+")( s="\d+")?><f>1/0</f>', r'\1\2 t="e"><f>1/0</f><v>#DIV/0!</v>', xml)
        return re.sub(r'(<c r="[A-Z]+\d+")( s="\d+")?><f>"a"&amp;"b"</f>', r'\1\2 t="str"><f>"a"&amp;"b"</f><v>ab</v>',
                      xml)

    book = _compare(_rewrite_sheet(path, tmp_path / "t.xlsx", typed))
    assert book._cells[SHEET] is not None
    got = book.cell_details(SHEET, [(r, c) for r in range(40) for c in range(12)]).values()
    assert any(d.formula == "=1/0" and d.error == "#DIV/0!" for d in got)
    assert any(d.formula == '="a"&"b"' and d.cached == "ab" for d in got)


# Each edit makes XML on which a lookup in the cells' own tags, without the check that
# refuses it, would differ from the one pass: the edited sheet holds formulas in
# A1..A3 (cached 1, 2, 3) and a styled blank in B1.
_BASE = ('<c r="A1"><f>1+0</f><v>1</v></c><c r="B1" s="1"/>', '<c r="A2"><f>1+1</f><v>2</v></c>',
         '<c r="A3"><f>1+2</f><v>3</v></c>')
TRAPS = {
    "second r attribute": lambda x: x.replace('<c r="A2">', '<c r="A2" r="C9">'),
    "duplicate reference": lambda x: x.replace('<c r="B1" s="1"/>', '<c r="B1" s="1"><f>9</f><v>9</v></c>'
                                                                      '<c r="B1" s="1"/>'),
    "leading zero": lambda x: x.replace('<c r="A3">', '<c r="A03">'),
    "unclosed cell": lambda x: x.replace('<c r="A1"><f>1+0</f><v>1</v></c>', '<c r="A1"><v>1</v>'),
    "dated cached value": lambda x: x.replace('<c r="A2"><f>1+1</f><v>2</v>', '<c r="A2" t="d"><f>1+1</f>'
                                                                              '<v>2024-01-01</v>'),
    "text cached value": lambda x: x.replace("<v>2</v>", "<v>hai</v>"),
    "value with attributes": lambda x: x.replace("<v>2</v>", '<v xml:space="preserve">x</v>'),
    "prefixed cells": lambda x: x.replace('<c r="A2">', '<x:c xmlns:x="urn:x" r="A2">').replace(
        "<v>2</v></c>", "<v>2</v></x:c>"),
    "cell without reference": lambda x: x.replace('<c r="A3">', "<c>"),
    "shared formula": lambda x: x.replace("<f>1+0</f>", '<f t="shared" ref="A1:A3" si="0">1+0</f>').replace(
        "<f>1+1</f>", '<f t="shared" si="0"/>'),
}


@pytest.fixture()
def base_xlsx(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for r in range(1, 4):
        ws.cell(r, 1, f"=1+{r - 1}")
    ws["B1"].border = openpyxl.styles.Border(left=openpyxl.styles.Side(style="thin"))
    for r in range(5, 30):  # enough cells for the lookup in the tags
        ws.cell(r, 3, r)
    path = tmp_path / "base.xlsx"
    wb.save(path)

    def rows(xml: str) -> str:  # the first three rows exactly as _BASE
        head, rest = xml.split('<row r="1">', 1)
        return head + "".join(f'<row r="{r}">{cells}</row>' for r, cells in enumerate(_BASE, start=1)) \
            + rest[rest.index('<row r="5">'):]

    out = _rewrite_sheet(path, tmp_path / "based.xlsx", rows)
    assert all(part in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode() for part in _BASE)
    return out


def test_base_is_looked_up_in_its_tags(base_xlsx: Path) -> None:
    book = _compare(base_xlsx)
    assert book._cells[SHEET] is not None
    assert book.cell_details(SHEET, [(r, c) for r in range(30) for c in range(3)])[(1, 0)].formula == "=1+1"


@pytest.mark.parametrize("trap", sorted(TRAPS))
def test_traps_read_as_the_one_pass_reads_them(base_xlsx: Path, tmp_path: Path, trap: str) -> None:
    edited = _rewrite_sheet(base_xlsx, tmp_path / "trap.xlsx", TRAPS[trap])
    assert zipfile.ZipFile(edited).read("xl/worksheets/sheet1.xml") != zipfile.ZipFile(base_xlsx).read(
        "xl/worksheets/sheet1.xml")
    raw = zipfile.ZipFile(edited).read("xl/worksheets/sheet1.xml")
    assert grid._cells_of(raw) is None  # refused by its check
    try:
        open_workbook(edited)
    except grid.ReadError:
        return  # calamine refuses the file: no detail is ever asked of it
    _compare(edited)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples(path: Path) -> None:
    _compare(path)


def test_provincial_workbook(tmp_path: Path) -> None:
    """The workbook consolidate writes (its appendix read back by the self-check): in
    its tags, as the one pass reads it."""
    from xl_tthc.consolidate.consolidation import consolidate
    from xl_tthc.consolidate.provincial import SHEETS, write_provincial

    out = write_provincial(consolidate(SAMPLES), tmp_path / "tong_hop.xlsx")
    book = _compare(out, SHEETS["consolidated"])
    assert book._cells[SHEETS["consolidated"]] is not None
