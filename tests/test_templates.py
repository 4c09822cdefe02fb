"""Templates: generated from the form definitions, committed files equal to the code's
output, formulas that evaluate (``formulas`` package) to the core's recomputation, and
the protections, validations and print setup the issue asks for."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import formulas
import openpyxl
import pytest
from click.testing import CliRunner

from xl_tthc.rules.check import check_file
from xl_tthc.cli import cli
from xl_tthc.forms.definitions import FORM_PROPERTY, FORMS, compute, get_form, template_form
from xl_tthc.read.reader import read_tables
from xl_tthc.forms.templates import (TEMPLATE_ROWS, build_template, form_of, is_wide, save_template,
                                     save_workbook, write_form)

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "workbooks" / "templates"

ZERO_INPUTS = get_form("department_results").inputs
# Filled rows per form: a normal row, an all-zero row (zero denominators) and a row
# with nothing resolved yet.
FILLED = {
    "department_results": [
        {"unit": "Lý lịch tư pháp", "carried_over": 120, "received_new": 210, "received_online": 150,
         "received_offline": 60, "resolved_early": 250, "resolved_on_time": 10, "resolved_late": 5,
         "pending_in_time": 60, "pending_overdue": 5, "returned": 0},
        {"unit": "Quốc tịch", **dict.fromkeys(ZERO_INPUTS, 0)},
        {"unit": "Công chứng", "carried_over": 3, "received_new": 4, "received_online": 1, "received_offline": 3,
         "resolved_early": 0, "resolved_on_time": 0, "resolved_late": 0, "pending_in_time": 7,
         "pending_overdue": 0, "returned": 0},
    ],
    "satisfaction": [
        {"unit": "Sở Tư pháp", "sat_service": 31, "sat_attitude": 99, "unsat_skill": 0, "unsat_time": 0,
         "feedback": 0},
        {"unit": "Ban Dân tộc", "sat_service": 0, "sat_attitude": 0, "unsat_skill": 0, "unsat_time": 0,
         "feedback": 0},
    ],
    "fees": [
        {"unit": "Sở Tư pháp", "online_tx": 12, "online_amount": 1_200_000, "direct_tx": 3, "direct_amount": 150_000},
        {"unit": "Sở Xây dựng", "online_tx": 0, "online_amount": 0, "direct_tx": 7, "direct_amount": 2_100_000},
    ],
}
FILLED["provincial_appendix"] = [
    {**FILLED["department_results"][0], "unit": "Sở Tư pháp", "online_payment_rate": 0.5,
     "population_db_rate": 0.98, "digitisation_rate": 0.9, "e_result_rate": 0.75},
    {"unit": "Ban Dân tộc", **dict.fromkeys(ZERO_INPUTS, 0)},
    {**FILLED["department_results"][2], "unit": "Sở Y tế", "online_payment_rate": 0.25},
]


def filled_workbook(name: str, path: Path, rows=None) -> tuple[Path, dict]:
    """The template ``name`` filled with ``rows``, saved with cached values; returns the
    path and the layout."""
    form = get_form(name)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = form.sheet
    layout = write_form(ws, form, FILLED[name] if rows is None else rows, period_label="tháng 02 năm 2021",
                        unit_label="Sở Tư pháp")
    save_workbook(wb, path, {ws.title: layout.cached})
    return path, layout


def same(a, b) -> bool:
    """Spreadsheet values equal: "" and blank alike, numbers to 1e-9."""
    if a in ("", None) or b in ("", None):
        return a in ("", None) and b in ("", None)
    return math.isclose(float(a), float(b), abs_tol=1e-9)


def formulas_values(path: Path) -> dict[str, object]:
    """Every cell's value as the ``formulas`` package calculates it."""
    sol = formulas.ExcelModel().loads(str(path)).finish().calculate()
    out = {}
    for key, ranges in sol.items():
        cell = key.rsplit("!", 1)[-1]
        value = getattr(ranges, "value", None)
        if ":" in cell or value is None:
            continue
        out[cell] = value[0][0]
    return out


@pytest.mark.parametrize("name", sorted(FORMS))
def test_committed_template_equals_generated(name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.xlsx"
    save_template(name, out)
    assert out.read_bytes() == (TEMPLATES / f"{name}.xlsx").read_bytes(), (
        f"workbooks/templates/{name}.xlsx is stale: run xl-tthc template {name} -o "
        f"workbooks/templates/{name}.xlsx --force")


@pytest.mark.parametrize("name", sorted(FORMS))
def test_reader_maps_every_column(name: str, tmp_path: Path) -> None:
    path, layout = filled_workbook(name, tmp_path / "f.xlsx")
    _, tables = read_tables(path)
    assert len(tables) == 1
    t = tables[0]
    form = get_form(name)
    assert {c.letter: c.field for c in t.columns if c.field} == {form.letter(f): f for f in form.fields}
    assert [r.excel_row for r in t.rows] == list(range(layout.first_row, layout.last_row + 1))
    assert t.total.excel_row == layout.total_row
    assert (t.ratio_row.excel_row if t.ratio_row else None) == layout.ratio_row
    assert t.numbering_row + 1 == layout.numbering_row


@pytest.mark.parametrize("name", sorted(FORMS))
def test_formulas_package_agrees_with_core(name: str, tmp_path: Path) -> None:
    path, layout = filled_workbook(name, tmp_path / f"{name}.xlsx")
    values = formulas_values(path)
    assert layout.cached, "the form has formula cells"
    for cell, expected in layout.cached.items():
        assert same(values[cell], expected), (cell, values[cell], expected)
    # and the core's checker, reading the cached values, finds nothing to report
    assert check_file(path).all_issues == []


def test_compute_is_ratio_of_sums() -> None:
    c = compute(get_form("department_results"), FILLED["department_results"])
    assert c.total["resolved"] == 265 and c.total["resolved_early"] == 250
    assert c.total["ontime_rate"] == Fraction(9811, 10000)  # 260/265 = 98,11%, not the mean of the rows
    assert c.rows[1]["ontime_rate"] == "" and c.rows[2]["ontime_rate"] == ""  # zero denominators
    assert c.shares["received_online"] == Fraction(7056, 10000)  # 151/214


def test_weighted_stated_ratio_total() -> None:
    c = compute(get_form("provincial_appendix"), FILLED["provincial_appendix"])
    # (0,5·210 + 0,25·4) / (210 + 4), over the departments that state a rate
    assert c.total["online_payment_rate"] == Fraction(4953, 10000)
    assert c.total["e_result_rate"] == Fraction(75, 100)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_template_protection_validation_print(name: str) -> None:
    wb = openpyxl.load_workbook(TEMPLATES / f"{name}.xlsx")
    ws = wb.active
    form = template_form(name)
    assert form_of(wb) == name
    assert ws.protection.sheet and not ws.protection.password
    layout = write_form(openpyxl.Workbook().active, form, [{}] * TEMPLATE_ROWS[name])
    first = layout.first_row
    for col in form.columns:
        cell = ws[f"{form.letter(col.field)}{first}"]
        is_formula = isinstance(cell.value, str) and cell.value.startswith("=")
        assert is_formula == (col.formula is not None), col.field
        assert cell.protection.locked == is_formula, col.field
    total = layout.total_row
    assert all(ws.cell(total, c).protection.locked for c in range(1, len(form.columns) + 1))
    kinds = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert kinds["whole"].operator == "greaterThanOrEqual" and kinds["whole"].formula1 == "0"
    assert ws.page_setup.orientation == ("landscape" if is_wide(form) else "portrait")
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToHeight == 0
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows and ws.freeze_panes == f"C{first}"
    if any(c.formula for c in form.columns):
        assert len(ws.conditional_formatting) >= 1


def test_ratio_cells_are_percent_and_counts_grouped() -> None:
    ws = openpyxl.load_workbook(TEMPLATES / "department_results.xlsx").active
    form = get_form("department_results")
    first = write_form(openpyxl.Workbook().active, form, [{}]).first_row
    assert ws[f"{form.letter('ontime_rate')}{first}"].number_format == "0.00%"
    assert ws[f"{form.letter('received')}{first}"].number_format == "#,##0"


def test_build_template_with_units_and_labels() -> None:
    wb = build_template("provincial_appendix", period_label="quý I năm 2024", unit_label="Tỉnh Sóc Trăng",
                        units=["Sở Tư pháp", "Sở Y tế"])
    ws = wb.active
    assert ws["A3"].value == "Kỳ báo cáo: quý I năm 2024"
    assert ws["A4"].value == "Cơ quan tổng hợp: Tỉnh Sóc Trăng"
    assert ws["A5"].value == "(Kèm theo Báo cáo số ……/BC-…… ngày ……/……/…… của ……………………)"
    assert [ws.cell(r, 2).value for r in (11, 12, 13)] == ["Sở Tư pháp", "Sở Y tế", "Tổng cộng"]
    assert any(p.name == FORM_PROPERTY for p in wb.custom_doc_props.props)


def test_cli_list_and_write(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["template", "--list"])
    assert res.exit_code == 0 and all(n in res.output for n in FORMS)
    out = tmp_path / "t.xlsx"
    res = runner.invoke(cli, ["template", "fees", "-o", str(out), "--period", "năm 2023"])
    assert res.exit_code == 0, res.output
    assert openpyxl.load_workbook(out).active["A3"].value == "Kỳ báo cáo: năm 2023"
    res = runner.invoke(cli, ["template", "fees", "-o", str(out)])
    assert res.exit_code == 2 and "--force" in res.output
    assert runner.invoke(cli, ["template", "fees", "-o", str(out), "--force"]).exit_code == 0
    assert runner.invoke(cli, ["template", "nope", "-o", str(out)]).exit_code == 2
    assert runner.invoke(cli, ["template", "--help"]).output.count("Các mẫu:") == 1
    assert runner.invoke(cli, ["template", "--help", "--lang", "en"]).output.count("Templates:") == 1
