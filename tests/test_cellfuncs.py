"""xl_tthc.sheet.cellfuncs against the core on the same inputs: ratios (xl_tthc.domain.numbers,
fields.RATIOS), number text, the check of a range (xl_tthc.rules.check on the same file),
row status and narrative."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import seeds
from xl_tthc.sheet import cellfuncs as cf
from xl_tthc.rules.check import check_file
from xl_tthc.domain.fields import RATIOS
from xl_tthc.read.grid import open_workbook
from xl_tthc.domain.issues import SEVERITIES
from xl_tthc.prose.narrative import narrative
from xl_tthc.domain.numbers import format_percent, parse_number, ratio


def core_number(v):
    """The core's reading of one cell: None for a blank, the exact value otherwise."""
    if v is None or v == "":
        return None
    n = parse_number(v)
    if n is None:
        return None
    return n.value / 100 if n.percent else n.value


def core_ratio(num_parts, den_parts, if_zero=""):
    num = sum((core_number(v) or 0 for v in num_parts), Fraction(0))
    den = sum((core_number(v) or 0 for v in den_parts), Fraction(0))
    r = ratio(num, den)
    return if_zero if r is None else float(r)


# (early, on_time, late): numbers, floats from Excel, text as written, blanks, 0/0
RESOLVED = [
    (1600, 50, 4), (39.0, 0.0, 0.0), ("1.692", "08", None), (None, "", 3), ("", None, None), (0, 0, 0),
    ("1.600", "50", "4"), (1, 1, 1), (7, None, 0), ("  12 ", "\u00a03", "0"),
]


@pytest.mark.parametrize("early, on_time, late", RESOLVED)
def test_ontime_and_late_rate_equal_the_core_ratio(early, on_time, late):
    assert cf.ontime_rate(early, on_time, late) == core_ratio((early, on_time), (early, on_time, late))
    assert cf.late_rate(early, on_time, late) == core_ratio((late,), (early, on_time, late))


def test_ontime_rate_is_the_ratio_defined_in_fields():
    spec = RATIOS["ontime_rate"]
    assert spec.numerators[0] == ("resolved_early", "resolved_on_time") and spec.denominator == "resolved"
    assert cf.ontime_rate(1600, 50, 4) == float(Fraction(1650, 1654))


@pytest.mark.parametrize("online, new", [(1500, 1692), ("1.500", "1.692"), (0, 0), (None, None), (3, 0),
                                         (115.0, 116.0), ("", 5)])
def test_online_rate_and_rate_equal_the_core_ratio(online, new):
    assert cf.online_rate(online, new) == core_ratio((online,), (new,))
    assert cf.rate(online, new) == core_ratio((online,), (new,))


@pytest.mark.parametrize("if_zero, shown", [(None, ""), ("", ""), (1, 1), (1.0, 1), (0, 0), ("100%", 1),
                                            ("—", "—"), ("-", "-"), ("0,5", 0.5)])
def test_if_zero_decides_what_a_zero_denominator_shows(if_zero, shown):
    for got in (cf.ontime_rate(0, 0, 0, if_zero), cf.late_rate(None, None, None, if_zero),
                cf.online_rate(5, 0, if_zero), cf.rate(0, "", if_zero)):
        assert got == shown and type(got) is type(shown)


def test_if_zero_leaves_nonzero_denominators_alone():
    assert cf.rate(1, 4, 1) == 0.25


@pytest.mark.parametrize("bad", ["abc", "12abc", True, "1,2,3"])
def test_a_value_that_is_not_a_number_gives_a_clear_text(bad):
    text = cf.ontime_rate(bad, 1, 1)
    assert text.startswith("Lỗi:") and "không phải là số" in text and str(bad).strip() in text
    assert cf.to_number(bad) == text


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?"])
def test_error_values_pass_through(error):
    assert cf.ontime_rate(1, error, 1) == error
    assert cf.rate(error, 1) == error
    assert cf.to_number(error) == error
    assert cf.percent_text(error) == error


def test_nan_and_infinity_are_not_numbers():
    assert cf.rate(float("nan"), 1) == "#NUM!"
    assert cf.rate(1, float("inf")) == "#NUM!"


# ---------------------------------------------------------------- shapes


def test_a_column_gives_a_column_and_equals_the_cell_by_cell_answers():
    early = [[e] for e, _, _ in RESOLVED]
    on_time = [[o] for _, o, _ in RESOLVED]
    late = [[la] for _, _, la in RESOLVED]
    got = cf.ontime_rate(early, on_time, late)
    assert got == [[cf.ontime_rate(*args)] for args in RESOLVED]


def test_single_cells_repeat_over_the_shape():
    assert cf.rate([[1, 2], [3, 4]], 4) == [[0.25, 0.5], [0.75, 1.0]]
    assert cf.rate([[1, 2], [3, 0]], [[2, 0], [3, 0]], [[9]]) == [[0.5, 9], [1.0, 9]]
    assert cf.ontime_rate([[1], [2]], 0, [[1]]) == [[0.5], [2 / 3]]


def test_a_single_cell_range_answers_a_plain_value():
    assert cf.rate([[1]], [[4]]) == 0.25
    assert cf.to_number([["1.692"]]) == 1692


def test_flat_lists_and_numpy_arrays_are_columns():
    assert cf.rate([1, 2], [2, 4]) == [[0.5], [0.5]]
    assert cf.rate(np.array([[1.0], [3.0]]), np.array([[2.0], [4.0]])) == [[0.5], [0.75]]


@pytest.mark.parametrize("a, b, shapes", [
    ([[1], [2]], [[1], [2], [3]], "numerator 2×1, denominator 3×1"),
    ([[1, 2]], [[1], [2]], "numerator 1×2, denominator 2×1"),
    ([[1, 2], [3, 4]], [[1, 2, 3], [4, 5, 6]], "numerator 2×2, denominator 2×3"),
])
def test_ranges_of_different_shapes_give_one_clear_text(a, b, shapes):
    text = cf.rate(a, b)
    assert text == f"Lỗi: các vùng đối số phải cùng kích thước hoặc là một ô ({shapes}, if_zero 1×1)."


def test_ragged_and_empty_ranges_give_a_clear_text():
    assert "dài ngắn khác nhau" in cf.rate([[1, 2], [3]], 1)
    assert "không có ô nào" in cf.rate([], 1)
    assert "không có ô nào" in cf.rate([[]], 1)


# ---------------------------------------------------------------- number text


@pytest.mark.parametrize("text", ["1.692", "07", "94,87%", "99.14%", "12.345,5", "1,692", "0,5", "-3", "100%",
                                  "1.692 (*)", 1692.0, 0.9487, 3])
def test_number_equals_the_core_parse(text):
    exact = core_number(text)
    assert cf.to_number(text) == (int(exact) if exact.denominator == 1 else float(exact))


@pytest.mark.parametrize("blank", [None, "", "   ", "-", "—"])
def test_number_of_a_blank_is_blank(blank):
    assert cf.to_number(blank) == ""


@pytest.mark.parametrize("value, decimals", [(0.9487, None), (Fraction(1965, 2000), 1), (1, 0), (0.5, 2),
                                             ("94,87%", 2), (0.99145, 3), (0.123456, 10), (0, None)])
def test_percent_text_equals_the_core_format(value, decimals):
    expected = format_percent(core_number(value), 2 if decimals is None else decimals)
    assert cf.percent_text(value, decimals) == expected


def test_percent_text_rounds_like_excel_and_writes_vietnamese():
    assert cf.percent_text(1965 / 2000, 1) == "98,3%"
    assert cf.percent_text([[0.9487], [None]], 2) == [["94,87%"], [""]]


@pytest.mark.parametrize("decimals", [-1, 11, 1.5, "x"])
def test_percent_text_refuses_bad_decimals(decimals):
    assert cf.percent_text(0.5, decimals).startswith("Lỗi: số chữ số thập phân")


# ---------------------------------------------------------------- the Bình Thuận rows


def test_binh_thuan_rows_one_range_call_equals_the_core_per_row():
    in_time = [[r[4]] for r in seeds.BINH_THUAN_ROWS]
    late = [[r[5]] for r in seeds.BINH_THUAN_ROWS]
    got = cf.ontime_rate(in_time, 0, late)
    expected = [[core_ratio((r[4],), (r[4], r[5]))] for r in seeds.BINH_THUAN_ROWS]
    assert got == expected
    assert cf.rate([[r[4]] for r in seeds.BINH_THUAN_ROWS], [[r[3]] for r in seeds.BINH_THUAN_ROWS]) == expected
    by_unit = {r[1]: g[0] for r, g in zip(seeds.BINH_THUAN_ROWS, got)}
    assert by_unit["Sở Giáo dục và Đào tạo"] == 1.0  # the report says 94,87%
    assert by_unit["Sở Kế hoạch và Đầu tư"] == 115 / 116  # written "99.14%"
    assert by_unit["Ban Dân tộc"] == "" and by_unit["Công an tỉnh"] == ""  # 0/0, written 100%
    assert cf.ontime_rate(in_time, 0, late, 1)[0] == [1]  # the province's 0/0 = 100% convention


def test_binh_thuan_stated_rates_read_by_number_match_the_percent_text_of_the_function():
    for row in seeds.BINH_THUAN_ROWS:
        mine = cf.percent_text(cf.ontime_rate(row[4], 0, row[5], 1))
        stated = cf.percent_text(cf.to_number(row[6]))
        wrong = row[1] in ("Sở Giáo dục và Đào tạo",)
        assert (mine != stated) == wrong, row


# ---------------------------------------------------------------- tables


def _sheet_values(path, index=0):
    return open_workbook(path).sheets[index].values


def _file_issues(path, sheet_index=0, profile=None):
    report = check_file(path, profile)
    return [i for t in report.tables if t.table.sheet == open_workbook(path).sheets[sheet_index].name
            for i in t.issues]


@pytest.mark.parametrize("seed, sheet, profile", [("binh_thuan", 0, None), ("binh_thuan", 0, "zero-as-100"),
                                                  ("soc_trang", 0, "cutoff-15"), ("soc_trang", 1, None)])
def test_check_of_a_whole_sheet_range_equals_the_check_of_the_file(tmp_path, seed, sheet, profile):
    path = getattr(seeds, seed)(tmp_path / f"{seed}.xlsx")
    expected = [[i.row, i.column, i.rule, i.message] for i in _file_issues(path, sheet, profile)]
    got = cf.check_range(_sheet_values(path, sheet), profile)
    assert got == ([list(cf.CHECK_HEADER["vi"])] + expected if expected else "OK")


def test_check_of_floats_as_excel_sends_them_equals_the_check_of_ints():
    rows = [list(seeds.BINH_THUAN_HEADER)] + [list(r) for r in seeds.BINH_THUAN_ROWS]
    as_floats = [[float(v) if isinstance(v, int) else v for v in r] for r in rows]
    assert cf.check_range(as_floats) == cf.check_range(rows)
    assert "1692.0" not in str(cf.check_range(as_floats))  # counts written as counts in messages


def test_check_of_a_range_not_at_a1_counts_rows_and_columns_from_its_corner():
    rows = [list(seeds.BINH_THUAN_HEADER)] + [list(r) for r in seeds.BINH_THUAN_ROWS]
    got = cf.check_range(rows)
    assert got[1][:3] == [2, "G", "zero_denominator"]  # Ban Dân tộc, second row of the range


def test_check_answers_ok_for_a_clean_table_and_a_text_without_a_table():
    rows = [["Tên đơn vị", "Đã tiếp nhận", "Đã giải quyết", "Đúng hạn", "Trễ hạn"],
            ["Sở Tư pháp", 10.0, 8.0, 8.0, 0.0], ["Sở Y tế", 5.0, 5.0, 4.0, 1.0]]
    # "Đúng hạn" with no "Trước hạn" beside it is read as in time, the numbers showing
    # resolved = D + E: said once, as information (the table is clean)
    assert cf.check_range(rows) == [list(cf.CHECK_HEADER["vi"]), [
        1, "D", "column_evidence", 'Cột D ("Đúng hạn") được hiểu là Trước hạn và đúng hạn: C = D+E ở 2/2 dòng.']]
    rows[0][3] = "Trước hạn và đúng hạn"
    assert cf.check_range(rows) == "OK"
    assert cf.check_range([["Bảng"], [1.0]]).startswith("Không tìm thấy bảng kết quả")
    assert cf.check_range(rows, "không-có").startswith("Lỗi: không có bộ quy ước \"không-có\"")


def test_check_reads_error_values_as_formula_errors():
    rows = [["Tên đơn vị", "Đã tiếp nhận", "Đã giải quyết", "Đúng hạn", "Trễ hạn"],
            ["Sở Tư pháp", 10.0, "#REF!", 8.0, 0.0]]
    got = cf.check_range(rows)
    assert got[1][:3] == [2, "C", "formula_error"] and "#REF!" in got[1][3]


def test_one_ratio_above_100_percent_is_the_only_one_flagged():
    rows = [["Tên đơn vị", "Tiếp nhận mới", "Trực tuyến", "Tỷ lệ hồ sơ trực tuyến (%)"],
            ["Sở Tư pháp", 1692.0, 1500.0, 0.8865], ["Sở Y tế", 116.0, 115.0, 0.9914],
            ["Sở Xây dựng", 6.0, 9.0, 1.5]]
    got = cf.check_range(rows)
    assert {r[0] for r in got[1:]} == {4}


@pytest.mark.parametrize("seed, profile", [("binh_thuan", None), ("soc_trang", "cutoff-15")])
def test_row_status_is_the_most_severe_finding_of_the_last_row(tmp_path, seed, profile):
    path = getattr(seeds, seed)(tmp_path / f"{seed}.xlsx")
    values = _sheet_values(path)
    issues = _file_issues(path, 0, profile)
    report = check_file(path, profile).tables[0].table
    top = report.header_rows[0]
    data_rows = [r.index for r in report.rows + [x for x in (report.total, report.ratio_row) if x]]
    for index in data_rows:
        mine = sorted((i for i in issues if i.row == index + 1), key=lambda i: SEVERITIES.index(i.severity))
        assert cf.row_status(values[top:index + 1], profile) == (mine[0].message if mine else "OK"), index
    assert "OK" in {cf.row_status(values[top:i + 1], profile) for i in data_rows}
    assert cf.row_status(values[top:top + 1], profile) == ""  # the header row itself


def test_row_status_without_the_header_says_how_to_select():
    row = [list(seeds.BINH_THUAN_ROWS[3])]
    assert cf.row_status(row).startswith("Lỗi: không thấy dòng tiêu đề")
    assert cf.row_status([[None, None]]) == ""


def test_narrative_of_a_range_equals_the_core_narrative(tmp_path):
    path = seeds.soc_trang(tmp_path / "st.xlsx")
    totals = dict(zip(seeds.SOC_TRANG_FIELDS, seeds.SOC_TRANG_TOTAL))
    units = [{"unit": r[0], **dict(zip(seeds.SOC_TRANG_FIELDS, r[1:]))} for r in seeds.SOC_TRANG_ROWS]
    totals.pop(None), [u.pop(None) for u in units]
    period = check_file(path).tables[0].table.period.label
    expected = narrative(totals, units, period)
    assert "tháng 02 năm 2021" in expected
    assert cf.narrative_text(_sheet_values(path)) == expected  # period from the title in the range
    assert cf.narrative_text(_sheet_values(path)[5:], "tháng 02 năm 2021") == narrative(
        totals, units, "tháng 02 năm 2021")


def test_narrative_without_a_total_row_sums_the_units():
    rows = [list(seeds.BINH_THUAN_HEADER)] + [list(r) for r in seeds.BINH_THUAN_ROWS]
    text = cf.narrative_text(rows)
    assert "Tổng số hồ sơ tiếp nhận mới trong kỳ là 3.851 hồ sơ." in text
    assert "Đã giải quyết 4.232 hồ sơ" in text
