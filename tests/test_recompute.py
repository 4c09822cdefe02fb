"""Tính lại / xl-tthc recompute on the real layouts, verified by LibreOffice's own
recalculation of the written file."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import openpyxl
import pytest
from click.testing import CliRunner

import seeds
from lo import read_values, recalculate
from xl_tthc.cli import cli
from xl_tthc.sheet.edits import WriteFormula, load_grids
from xl_tthc.sheet.recompute import recompute_file, recompute_sheet

TYPED_TOTAL = ("Tổng cộng", None, 3850, 4232, 4225, 7, "99%")  # C27 and G27 typed over, wrong


@pytest.fixture
def typed_over(tmp_path):
    return seeds.binh_thuan(tmp_path / "bt.xlsx", total=TYPED_TOTAL)


def test_typed_over_totals_are_listed_and_replaced_by_formulas(typed_over, tmp_path):
    result = recompute_file(typed_over, tmp_path / "out.xlsx")
    differing = {c.cell: (c.found, c.expected) for c in result.changes if c.differs}
    assert differing == {"C27": ("3.850", "3.851"), "G27": ("99%", "99,83%"),
                         "G10": ("94,87%", "100,00%"), "G7": ("100%", ""), "G24": ("100%", "")}
    assert sorted(i.cell for i in result.issues) == sorted(differing)
    assert {i.rule for i in result.issues} == {"stale_value"}
    g10 = next(i for i in result.issues if i.cell == "G10")
    assert g10.message == ('Tỷ lệ đúng hạn: ô ghi 94,87%, giá trị tính lại là 100,00%; đã khôi phục công thức '
                           '=IF(D10=0,"",ROUND(E10/D10,4)).')
    formulas = {e.cell: e.formula for e in result.edits if isinstance(e, WriteFormula)}
    assert formulas["C27"] == "=SUM(C7:C26)"
    assert formulas["D12"] == "=E12+F12"  # Đã xử lý = Đúng hẹn + Trễ hẹn
    assert formulas["G27"] == '=IF(D27=0,"",ROUND(E27/D27,4))'  # ratio of the sums
    used = {f for formula in formulas.values() for f in re.findall(r"([A-Z]+)\(", formula)}
    assert used <= {"SUM", "IF", "ROUND"}
    assert len(result.changes) == 20 + 4 + 21  # resolved per unit, 4 count totals, 21 rates


def test_the_input_is_never_written(typed_over, tmp_path):
    before = typed_over.read_bytes()
    recompute_file(typed_over, tmp_path / "out.xlsx")
    assert typed_over.read_bytes() == before


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_restored_formulas(typed_over, tmp_path):
    out = tmp_path / "out.xlsx"
    recompute_file(typed_over, out)
    values = read_values(recalculate(out, tmp_path / "lo"), "Phụ lục")
    assert values["C27"] == 3851 and values["D27"] == 4232
    assert "G7" not in values and "G24" not in values  # 0/0: blank by the default convention
    assert values["G10"] == 1
    assert Fraction(values["G27"]).limit_denominator(10**4) == Fraction(9983, 10000)
    for r, row in enumerate(seeds.BINH_THUAN_ROWS, start=7):
        assert values[f"D{r}"] == row[4] + row[5]
        if row[3]:
            expected = round(Fraction(row[4], row[3]), 4)
            assert Fraction(values[f"G{r}"]).limit_denominator(10**4) == expected
    # recomputing LibreOffice's recalculated file finds nothing left to do
    again = recompute_file(tmp_path / "lo" / "out.xlsx")
    assert again.edits == [] and again.issues == []


@pytest.mark.libreoffice
def test_soc_trang_formulas_reproduce_the_stated_figures(tmp_path):
    src = seeds.soc_trang(tmp_path / "st.xlsx")
    result = recompute_file(src, tmp_path / "out.xlsx")
    assert result.issues == []  # the seed's totals and shares are right
    assert {(c.sheet, c.cell) for c in result.changes} >= {("Phụ lục I", "C26"), ("Phụ lục I", "D27"),
                                                           ("Phụ lục II", "H23"), ("Phụ lục II", "C25")}
    assert not any(c.cell == "N27" for c in result.changes)  # "36,21(*)": footnoted, kept as written
    recalculated = recalculate(tmp_path / "out.xlsx", tmp_path / "lo")
    values = read_values(recalculated, "Phụ lục I")
    for letter, field, total in zip("CDEFGHIJKLMN", seeds.SOC_TRANG_FIELDS, seeds.SOC_TRANG_TOTAL):
        assert values[f"{letter}26"] == total, field
    for letter, stated in zip("CDEFGHIJKLM", seeds.SOC_TRANG_RATIOS):
        assert Fraction(values[f"{letter}27"]).limit_denominator(100) == Fraction(stated.replace(",", "."))
    sat = read_values(recalculated, "Phụ lục II")
    assert [sat[f"{c}23"] for c in "CDEFGH"] == list(seeds.SATISFACTION_TOTAL)
    assert sat["H6"] == 4  # Tổng cộng = the five columns


def test_a_formula_already_in_place_is_left_alone():
    from xl_tthc.read.grid import Sheet

    values = [["Tên đơn vị", "Đã tiếp nhận", "Đã giải quyết", "Đúng hạn", "Trễ hạn"],
              ["Sở Tư pháp", 10, 8, 7, 1], ["Sở Y tế", 5, 5, 5, 0], ["Tổng cộng", 15, 13, 12, 1]]
    formulas = {(1, 2): "=D2+E2", (2, 2): "=$D$3 + $E$3", (3, 1): "=SUM(B2:B3)"}
    result = recompute_sheet(Sheet("S", values), formulas)
    cells = {c.cell for c in result.changes}
    assert cells == {"C4", "D4", "E4"}  # B4's SUM and the row formulas are already there
    assert not result.issues


def test_cli_writes_out_and_reports_json(typed_over, tmp_path):
    out = tmp_path / "out.xlsx"
    run = CliRunner().invoke(cli, ["recompute", str(typed_over), "-o", str(out), "--json"])
    assert run.exit_code == 1, run.output  # typed-over values differed
    data = json.loads(run.output)
    assert data["output"] == str(out)
    assert {f"{i['column']}{i['row']}" for i in data["issues"]} == {"C27", "G27", "G10", "G7", "G24"}
    assert openpyxl.load_workbook(out)["Phụ lục"]["C27"].value == "=SUM(C7:C26)"
    refused = CliRunner().invoke(cli, ["recompute", str(typed_over), "-o", str(out)])
    assert refused.exit_code == 2 and "--force" in refused.output
    same = CliRunner().invoke(cli, ["recompute", str(typed_over), "-o", str(typed_over), "--force"])
    assert same.exit_code == 2
    en = CliRunner().invoke(cli, ["recompute", str(typed_over), "-o", str(out), "--force", "--lang", "en"])
    assert en.exit_code == 1 and "formula" in en.output and "3 tables" not in en.output


def test_cli_exit_0_when_nothing_differs(tmp_path):
    src = seeds.soc_trang(tmp_path / "st.xlsx")
    run = CliRunner().invoke(cli, ["recompute", str(src), "-o", str(tmp_path / "o.xlsx")])
    assert run.exit_code == 0, run.output
    assert "0 ô khác" in run.output


def test_cli_command_is_documented():
    run = CliRunner().invoke(cli, ["recompute", "--help"])
    assert run.exit_code == 0 and "Tính lại" in run.output


def test_grids_of_the_seed_are_read_with_formulas(tmp_path):
    out = tmp_path / "out.xlsx"
    recompute_file(seeds.binh_thuan(tmp_path / "bt.xlsx"), out)
    grid = load_grids(out)[0]
    assert grid.formulas[(26, 2)] == "=SUM(C7:C26)"
