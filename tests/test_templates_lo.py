"""The templates in LibreOffice Calc: a full recalculation gives the core's values
(zero denominators and the total row included), the conditional formatting flags
exactly the broken row, files survive a round trip, and the PDF fits one page width."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formula.translate import Translator

from lo import read_values, recalculate, to_pdf
from test_templates import FILLED, filled_workbook, same
from xl_tthc.rules.check import check_file
from xl_tthc.forms.definitions import FORMS, get_form, template_form
from xl_tthc.read.reader import read_tables
from xl_tthc.forms.samples import PLANTED
from xl_tthc.forms.templates import is_wide, write_form, save_workbook

pytestmark = pytest.mark.libreoffice
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(FORMS))
def test_libreoffice_recalculation_equals_core(name: str, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    path, layout = filled_workbook(name, tmp_path / "in" / f"{name}.xlsx")
    out = recalculate(path, tmp_path / "lo")
    values = read_values(out)
    for cell, expected in layout.cached.items():
        assert same(values.get(cell), expected), (cell, values.get(cell), expected)
    # round trip: the LibreOffice-saved file reads back as the same table, with no finding
    _, tables = read_tables(out)
    assert [r.label for r in tables[0].rows] == [r["unit"] for r in FILLED[name]]
    assert check_file(out).all_issues == []


def test_recalculation_is_forced_over_stale_cached_values(tmp_path: Path) -> None:
    stale = next(p for p in PLANTED if p.kind == "stale_cache")
    src = next((REPO / "workbooks" / "samples").glob("04_*.xlsx"))
    cell = stale.findings[0][0]
    before = read_values(src)[cell]
    after = read_values(recalculate(src, tmp_path))[cell]
    assert not same(before, after)
    ws = openpyxl.load_workbook(src).active
    row = int(cell[1:])
    assert same(after, round(ws[f"F{row}"].value / ws[f"E{row}"].value, 4))


def _flags(path: Path, tmp_path: Path) -> dict[str, set[int]]:
    """Evaluate every conditional-formatting rule of the first sheet on every row of its
    range, in LibreOffice: rule formulas copied into scratch cells, recalculated."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.protection.sheet = False
    scratch = ws.max_column + 2
    probes: dict[str, tuple[str, int]] = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            for rng in cf.sqref.ranges:
                origin = rng.coord.split(":")[0]
                for r in range(rng.min_row, rng.max_row + 1):
                    here = f"{openpyxl.utils.get_column_letter(rng.min_col)}{r}"
                    formula = Translator("=" + rule.formula[0], origin=origin).translate_formula(here)
                    ws.cell(r, scratch, formula)
                    probes[ws.cell(r, scratch).coordinate] = (str(rng.coord), r)
                scratch += 1
    src = tmp_path / "probe" / "cf.xlsx"
    src.parent.mkdir()
    wb.save(src)
    values = read_values(recalculate(src, tmp_path / "probe_lo"))
    out: dict[str, set[int]] = {}
    for cell, (rng, r) in probes.items():
        out.setdefault(rng, set())
        if values.get(cell) is True:
            out[rng].add(r)
    return out


def test_conditional_formatting_flags_exactly_the_broken_rows(tmp_path: Path) -> None:
    form = get_form("department_results")
    rows = [dict(r) for r in FILLED["department_results"]]
    rows[0]["received_offline"] += 3  # row 10: online + offline ≠ new
    wb = openpyxl.Workbook()
    ws = wb.active
    layout = write_form(ws, form, rows)
    ws[f"{form.letter('ontime_rate')}{layout.first_row + 2}"] = 0.5  # row 12: a rate typed over its formula
    ws[f"{form.letter('pending')}{layout.first_row + 1}"] = 4  # row 11: a total typed over its formula
    path = tmp_path / "broken.xlsx"
    save_workbook(wb, path, {ws.title: layout.cached})
    flags = _flags(path, tmp_path)
    first, total = layout.first_row, layout.total_row
    rows_rule = f"A{first}:{form.letter(form.fields[-1])}{layout.last_row}"
    assert flags[rows_rule] == {first, first + 1}
    assert flags[f"A{total}:{form.letter(form.fields[-1])}{total}"] == {total}  # the total inherits the break
    ontime = form.letter("ontime_rate")
    assert flags[f"{ontime}{first}:{ontime}{total}"] == {first + 2}
    online = form.letter("online_rate")
    assert flags[f"{online}{first}:{online}{total}"] == set()


@pytest.mark.parametrize("name", sorted(FORMS))
def test_openpyxl_round_trip_opens_in_libreoffice(name: str, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(REPO / "workbooks" / "templates" / f"{name}.xlsx")
    (tmp_path / "rt").mkdir()
    wb.save(tmp_path / "rt" / f"{name}.xlsx")
    out = recalculate(tmp_path / "rt" / f"{name}.xlsx", tmp_path / "lo")
    again = openpyxl.load_workbook(out)
    assert again.active.protection.sheet
    assert len(again.active.conditional_formatting) == len(wb.active.conditional_formatting)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_pdf_header_fits_one_page_width(name: str, tmp_path: Path) -> None:
    pdf = to_pdf(REPO / "workbooks" / "templates" / f"{name}.xlsx", tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    form = template_form(name)
    # A4, landscape where the form is wide
    assert ("841.89 x 595.3" if is_wide(form) else "595.304 x 841.89") in info
    assert "Pages:           1" in info
    page1 = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
                           capture_output=True, text=True).stdout
    last = form.columns[-1]
    for text in (form.title, form.columns[1].path[0], last.numbering, "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ",
                 "(Kèm theo Báo cáo số"):
        assert all(word in page1 for word in text.split()), text


@pytest.mark.parametrize("name", ["department_results", "provincial_appendix", "satisfaction"])
def test_blank_rows_print_nothing_after_recalculation(name: str, tmp_path: Path) -> None:
    """A fresh template recalculated by LibreOffice: its computed cells stay blank (no
    "0", no error) while their inputs are blank; one typed row gets its figures."""
    form = template_form(name)
    wb = openpyxl.load_workbook(REPO / "workbooks" / "templates" / f"{name}.xlsx")
    ws = wb.active
    layout = write_form(openpyxl.Workbook().active, form, [{}] * 2)  # where the rows are
    first = layout.first_row
    inputs = [c for c in form.columns if c.is_input and c.kind == "count"]
    for c in inputs:
        ws[f"{form.letter(c.field)}{first}"] = 3
    (tmp_path / "in").mkdir()
    wb.save(tmp_path / "in" / "t.xlsx")
    values = read_values(recalculate(tmp_path / "in" / "t.xlsx", tmp_path / "lo"))
    computed = [c for c in form.columns if c.formula is not None]
    assert computed
    for c in computed:
        letter = form.letter(c.field)
        assert values.get(f"{letter}{first + 1}") in (None, ""), (c.field, values.get(f"{letter}{first + 1}"))
        assert isinstance(values.get(f"{letter}{first}"), (int, float)), c.field
    # the total row has figures where the typed row has, and no error anywhere
    assert not any(isinstance(v, str) and v.startswith("#") for v in values.values())
