"""Stated digital-service ratios in the consolidation: carried per department, weighted
by their count (fields.STATED_WEIGHTS) into the provincial figure, a department without
the weight left out and said once, conflicts not summed, out-of-range values left out,
and the provincial workbook's native formula agreeing with Python and LibreOffice."""

from __future__ import annotations

import json
import random
import shutil
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from click.testing import CliRunner

import departments as D
from lo import read_values, recalculate
from xl_tthc.cli import cli
from xl_tthc.consolidate.consolidation import consolidate
from xl_tthc.domain.fields import STATED_WEIGHTS, label
from xl_tthc.domain.issues import MESSAGES, RULES
from xl_tthc.domain.numbers import excel_round
from xl_tthc.consolidate.provincial import SHEETS, write_provincial

PERIOD = "tháng 03 năm 2024"

# unit -> (stated values as written, with the "Đã tiếp nhận" column?)
STATED = {
    "Sở Tư pháp": ({"digitisation_rate": "87,5%", "population_db_rate": 0.9, "e_result_rate": "95%",
                    "online_payment_rate": "120%"}, True),  # 120%: a range error, left out
    "Sở Y tế": ({"digitisation_rate": 0.6, "e_result_rate": "80,25%"}, True),
    "Sở Xây dựng": ({"digitisation_rate": "50%", "e_result_rate": "70%"}, False),  # no received_new
    "Sở Du lịch": ({"digitisation_rate": "40%"}, True),  # twice, identical: counted once
    "Sở Công Thương": ({"digitisation_rate": "10%"}, True),  # twice, another rate: a conflict
}


@pytest.fixture(scope="module")
def stated(tmp_path_factory) -> tuple[Path, dict[str, D.Figures]]:
    folder = tmp_path_factory.mktemp("stated")
    rng = random.Random(42)
    figures = {}
    for i, (unit, (values, received)) in enumerate(STATED.items()):
        f = figures[unit] = D.random_figures(rng)
        D.write_stated(folder / f"{i:02d}.xlsx", unit, f, PERIOD, values, received=received)
    shutil.copy(folder / "03.xlsx", folder / "03_copy.xlsx")
    D.write_stated(folder / "04_other.xlsx", "Sở Công Thương", figures["Sở Công Thương"], PERIOD,
                   {"digitisation_rate": "15%"})
    figures["Sở Nội vụ"] = D.random_figures(rng)
    D.write_row(folder / "05_plain.xlsx", "Sở Nội vụ", figures["Sở Nội vụ"], PERIOD)
    return folder, figures


@pytest.fixture(scope="module")
def result(stated):
    return consolidate([stated[0]], jobs=1)


@pytest.fixture(scope="module")
def book(result, tmp_path_factory) -> Path:
    return write_provincial(result, tmp_path_factory.mktemp("out") / "tong_hop.xlsx")


def _hand(figures: dict[str, D.Figures]) -> dict[str, Fraction]:
    """The provincial figures, in percent, computed by hand from the values typed above."""
    t, y, x, dl = (figures[u] for u in ("Sở Tư pháp", "Sở Y tế", "Sở Xây dựng", "Sở Du lịch"))
    return {
        # Sở Xây dựng states 50% but gives no received_new: left out; Sở Công Thương conflicts
        "digitisation_rate": (Fraction(875, 10) * t.received_new + 60 * y.received_new + 40 * dl.received_new)
        / (t.received_new + y.received_new + dl.received_new),
        "population_db_rate": Fraction(90),  # one department states it
        "e_result_rate": (95 * t.resolved + Fraction(8025, 100) * y.resolved + 70 * x.resolved)
        / (t.resolved + y.resolved + x.resolved),
    }


def test_weights_are_declared_once():
    assert STATED_WEIGHTS == {"online_payment_rate": "received_new", "population_db_rate": "received_new",
                              "digitisation_rate": "received_new", "e_result_rate": "resolved"}


def test_rows_carry_their_stated_ratios_and_the_total_is_weighted(result, stated):
    _, figures = stated
    rows = {r.unit: r for r in result.rows}
    assert set(rows) == {"Sở Tư pháp", "Sở Y tế", "Sở Xây dựng", "Sở Du lịch", "Sở Nội vụ"}  # Công Thương: conflict
    assert rows["Sở Tư pháp"].stated == {"digitisation_rate": Fraction(175, 2), "population_db_rate": 90,
                                        "e_result_rate": 95}  # 120% left out
    assert rows["Sở Y tế"].stated == {"digitisation_rate": 60, "e_result_rate": Fraction(321, 4)}
    assert rows["Sở Nội vụ"].stated == {}
    assert result.stated == ["population_db_rate", "digitisation_rate", "e_result_rate"]  # nobody: online payment
    assert result.stated_total == _hand(figures)
    data = result.to_dict()
    for name, v in _hand(figures).items():
        assert data["total"][name] == pytest.approx(float(v / 100), abs=1e-12)
        assert data["stated_ratios"][name]["value"] == data["total"][name]
        assert data["stated_ratios"][name]["weight"] == STATED_WEIGHTS[name]
    assert data["stated_ratios"]["digitisation_rate"]["left_out"] == ["Sở Xây dựng"]
    assert "Sở Xây dựng" in data["stated_ratios"]["e_result_rate"]["units"]
    row = next(r for r in data["rows"] if r["unit"] == "Sở Y tế")
    assert row["digitisation_rate"] == 0.6 and row["e_result_rate"] == 0.8025
    assert "online_payment_rate" not in data["total"]


def test_a_rate_without_its_weight_is_left_out_and_said_once(result, stated):
    found = [i for i in result.issues if i.rule == "unweighted_ratio"]
    assert len(found) == 1
    issue = found[0]
    assert (Path(issue.file).name, issue.unit, issue.field, issue.severity) == \
        ("02.xlsx", "Sở Xây dựng", "digitisation_rate", "warning")
    assert issue.expected == label("received_new") and "50,00%" in issue.found
    assert "không được tính" in issue.message
    assert RULES["unweighted_ratio"] == "warning" and "left out" in MESSAGES["unweighted_ratio"][1]
    en = consolidate([stated[0]], jobs=1, lang="en")
    assert [i.message for i in en.issues if i.rule == "unweighted_ratio"] == [
        'Unit "Sở Xây dựng" states Digitisation rate 50,00% but does not report Received this period to weigh '
        "it by; this rate is left out of the provincial figure."]
    src = next(s for s in result.sources if s.path.endswith("02.xlsx"))
    assert src.status == "consolidated"  # its counts still count


def test_conflicting_rates_are_not_summed_and_identical_files_count_once(result):
    status = {Path(s.path).name: s.status for s in result.sources}
    assert status["04.xlsx"] == status["04_other.xlsx"] == "conflict"
    assert status["03_copy.xlsx"] == "duplicate" or status["03.xlsx"] == "duplicate"
    conflict = next(i for i in result.issues if i.rule == "conflict" and i.severity == "error")
    assert "digitisation_rate=10,00%" in conflict.message and "digitisation_rate=15,00%" in conflict.message
    assert [r.unit for r in result.rows].count("Sở Du lịch") == 1


def _sheet(book: Path):
    ws = openpyxl.load_workbook(book)[SHEETS["consolidated"]]
    top = next(c.row for c in ws["A"] if c.value == "STT")  # the header row, below the title lines
    header = {c.value: c.column_letter for c in ws[top] if isinstance(c.value, str)}
    total = next(c.row for c in ws["B"] if c.value == "Tổng cộng")
    return ws, header, total


def test_provincial_sheet_has_one_column_per_stated_ratio_with_a_weighted_total(book, result, stated):
    _, figures = stated
    ws, header, total = _sheet(book)
    heads = [f"{label(f)} (%)" for f in result.stated]
    assert [h for h in header if h in heads] == heads
    assert f"{label('online_payment_rate')} (%)" not in header
    cached = read_values(book, SHEETS["consolidated"])
    for name, v in _hand(figures).items():
        col = header[f"{label(name)} (%)"]
        formula = ws[f"{col}{total}"].value
        assert formula.startswith("=IF(SUMIF(") and "SUMPRODUCT(" in formula, formula
        assert cached[f"{col}{total}"] == float(excel_round(v / 100, 4)), name
        assert ws[f"{col}{total}"].number_format == "0.00%"
    first = total - len(result.rows) - len(result.excluded)  # the departments left out come last
    col = header[f"{label('digitisation_rate')} (%)"]
    units = [ws[f"B{r}"].value for r in range(first, total)]
    values = {u: ws[f"{col}{r}"].value for u, r in zip(units, range(first, total))}
    assert values["Sở Tư pháp"] == 0.875 and values["Sở Nội vụ"] is None
    assert ws[f"{col}{first}"].number_format == "0.00%"


def test_detail_sheet_shows_the_stated_ratios(book, result):
    detail = pc.CalamineWorkbook.from_path(str(book)).get_sheet_by_name(SHEETS["detail"]).to_python()
    head = detail[0]
    i = head.index(f"{label('digitisation_rate')} (%)")
    rows = {(r[1], r[3]): r for r in detail[1:]}
    assert rows[("Sở Tư pháp", "Đơn vị")][i] == 0.875
    assert rows[("Sở Nội vụ", "Đơn vị")][i] == ""


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_weighted_figures_to_the_cached_values(book, result, stated, tmp_path):
    _, figures = stated
    again = read_values(recalculate(book, tmp_path), SHEETS["consolidated"])
    cached = read_values(book, SHEETS["consolidated"])
    _, header, total = _sheet(book)
    for name, v in _hand(figures).items():
        ref = f"{header[f'{label(name)} (%)']}{total}"
        assert again[ref] == pytest.approx(float(excel_round(v / 100, 4)), abs=1e-12), name
    numbers = {k: v for k, v in cached.items() if isinstance(v, (int, float))}
    for ref, v in numbers.items():
        assert again[ref] == pytest.approx(v, abs=1e-9), ref


def test_cli_json_carries_the_stated_ratios(stated, tmp_path):
    res = CliRunner().invoke(cli, ["consolidate", str(stated[0]), "-o", str(tmp_path / "o.xlsx"), "--json"])
    assert res.exit_code == 1, res.output  # the 120% range error and the conflict
    data = json.loads(res.output)
    assert data["total"]["digitisation_rate"] == pytest.approx(float(_hand(stated[1])["digitisation_rate"] / 100))
    assert data["stated_ratios"]["digitisation_rate"]["left_out"] == ["Sở Xây dựng"]


def test_nobody_stating_a_ratio_adds_no_column_and_no_style(tmp_path):
    """Out-of-range values only: nothing stated, the workbook is the one without the
    feature (same columns, same styles, same detail header)."""
    rng = random.Random(3)
    D.write_stated(tmp_path / "a.xlsx", "Sở Tư pháp", D.random_figures(rng), PERIOD,
                   {"digitisation_rate": "140%", "e_result_rate": None})
    D.write_row(tmp_path / "b.xlsx", "Sở Y tế", D.random_figures(rng), PERIOD)
    result = consolidate([tmp_path], jobs=1)
    assert result.stated == [] and result.to_dict()["stated_ratios"] == {}
    assert all("rate" not in k or k in ("ontime_rate", "online_rate") for r in result.to_dict()["rows"] for k in r)
    out = write_provincial(result, tmp_path / "o.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEETS["consolidated"]]
    assert not any(isinstance(c.value, str) and c.value.startswith(("Tỷ lệ số hóa", "Tỷ lệ trả kết quả"))
                   for row in ws.iter_rows() for c in row)
    detail = wb[SHEETS["detail"]]
    assert detail.max_column == 7 + len(result.fields)
    assert "0.00%" not in {c.number_format for row in detail.iter_rows() for c in row}
