"""Tables whose rows are periods ("Kỳ trước", "Trong kỳ", "Lũy kế"): a year-to-date
"Lũy kế" is no sum of the rows shown, and a consolidation takes the period's own row."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xl_tthc import check_file
from xl_tthc.consolidate.consolidation import consolidate

# carried over, new, resolved, early, on time, late, pending, in time, overdue (received first)
FIGURES = {"Kỳ trước": [10, 2, 8, 7, 3, 3, 1, 3, 3, 0], "Trong kỳ": [23, 3, 20, 18, 10, 6, 2, 5, 4, 1],
           "Lũy kế": [61, 2, 59, 56, 30, 20, 6, 5, 4, 1],  # year to date: more periods than the two shown
           "Tháng 01": [10, 2, 8, 7, 3, 3, 1, 3, 3, 0], "Tháng 02": [23, 3, 20, 18, 10, 6, 2, 5, 4, 1]}


def _write(path: Path, labels, typed: dict | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu 01"
    ws.append(["SỞ TƯ PHÁP"])
    ws.append(["KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH THÁNG 02 NĂM 2021"])
    ws.append([])
    ws.append(["STT", "Mục", "Hồ sơ tiếp nhận", None, None, "Đã giải quyết", None, None, None,
               "Đang giải quyết", None, None])
    ws.append([None, None, "Tổng số", "Kỳ trước chuyển sang", "Tiếp nhận mới", "Tổng số", "Trước hạn",
               "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"])
    for a, b in (("C4", "E4"), ("F4", "I4"), ("J4", "L4"), ("A4", "A5"), ("B4", "B5")):
        ws.merge_cells(f"{a}:{b}")
    for i, name in enumerate(labels, 1):
        ws.append([i, name, *FIGURES[name]])
    for cell, value in (typed or {}).items():
        ws[cell] = value
    wb.save(path)
    return path


def _errors(path: Path) -> list:
    report = check_file(path)
    assert report.error is None and report.tables
    return [i for i in report.all_issues if i.severity == "error"]


def test_a_year_to_date_row_is_not_the_sum_of_the_periods_shown(tmp_path):
    assert _errors(_write(tmp_path / "a.xlsx", ["Kỳ trước", "Trong kỳ", "Lũy kế"])) == []


def test_a_year_to_date_row_below_this_period_is_found(tmp_path):
    # resolved of "Lũy kế" typed as 12 (3 early, 3 on time, 6 late), below this period's 18 (10, 6, 2)
    errors = _errors(_write(tmp_path / "a.xlsx", ["Kỳ trước", "Trong kỳ", "Lũy kế"], {"F8": 12, "G8": 3, "H8": 3}))
    assert sorted((i.row, i.column) for i in errors if i.rule == "subset") == [(8, "F"), (8, "G"), (8, "H")]


def test_consecutive_periods_still_add_up_to_their_total(tmp_path):
    # months with a "Lũy kế" row: the total row is checked as the months' cumulative figures
    path = _write(tmp_path / "a.xlsx", ["Tháng 01", "Tháng 02", "Lũy kế"])
    assert any(i.rule == "total_row" and i.row == 8 for i in _errors(path))


def test_consolidation_takes_the_period_s_own_row(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder / "tu_phap.xlsx", ["Kỳ trước", "Trong kỳ", "Lũy kế"])
    result = consolidate([folder]).to_dict()
    (row,) = result["rows"]
    assert (row["unit"], row["received"], row["resolved"], row["pending"]) == ("Sở Tư pháp", 23, 18, 5)


@pytest.mark.parametrize("labels", [["Tháng 01", "Tháng 02"], ["Tháng 01", "Tháng 02", "Lũy kế"]])
def test_periods_without_this_period_s_row_are_not_guessed(tmp_path, labels):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder / "tu_phap.xlsx", labels)
    result = consolidate([folder]).to_dict()
    assert result["rows"] == []
    (source,) = result["files"]
    assert source["status"] != "consolidated"
    assert any(i["rule"] == "period_rows" for i in source["issues"])
