"""The generated summary: its register, its sentences for the figures a table has, and
the round trip through the cross-check (clean as written, one finding per altered figure)."""

from __future__ import annotations

import re
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from test_crosscheck import binh_thuan_appendix, soc_trang_appendix
from xl_tthc.prose.crosscheck import crosscheck
from xl_tthc.prose.narrative import complete_totals, narrative
from xl_tthc.domain.numbers import format_count, format_decimal, parse_number

SOC_TRANG_TEXT = """\
Tổng số hồ sơ tiếp nhận trong tháng 02 năm 2021 là 8.605 hồ sơ (kỳ trước chuyển sang 1.378 hồ sơ, tiếp nhận mới \
7.227 hồ sơ), trong đó tiếp nhận trực tuyến 3.116 hồ sơ (chiếm 43,12% số hồ sơ tiếp nhận mới).
Đã giải quyết 7.718 hồ sơ (chiếm 89,69% trên tổng số hồ sơ tiếp nhận), trong đó trước hạn 7.712 hồ sơ (chiếm \
99,92%); không có hồ sơ đúng hạn; trễ hạn 06 hồ sơ (chiếm 0,08%). Tỷ lệ giải quyết trước hạn và đúng hạn đạt 99,92%.
Đang giải quyết 887 hồ sơ (chiếm 10,31% trên tổng số hồ sơ tiếp nhận), trong đó còn hạn 881 hồ sơ (chiếm 99,32%); \
quá hạn 06 hồ sơ (chiếm 0,68%).
Không có hồ sơ bị trả lại.
Các đơn vị tiếp nhận nhiều hồ sơ nhất: Sở Giao thông vận tải (2.906 hồ sơ), Bảo hiểm xã hội tỉnh (2.135 hồ sơ), \
Công an tỉnh (1.020 hồ sơ).
Các đơn vị có hồ sơ giải quyết trễ hạn: Sở Tư pháp (06 hồ sơ).
Các đơn vị có hồ sơ đang giải quyết quá hạn: Sở Tư pháp (06 hồ sơ)."""


def test_soc_trang_summary_in_the_register_of_the_reports():
    total, units = soc_trang_appendix()
    assert narrative(total, units, "tháng 02 năm 2021") == SOC_TRANG_TEXT


def test_binh_thuan_summary_has_only_the_figures_of_its_table():
    total, units = binh_thuan_appendix()
    text = narrative(total, units, "tháng 01 năm 2023", pad_small=False)
    assert text.splitlines()[:2] == [
        "Tổng số hồ sơ tiếp nhận mới trong tháng 01 năm 2023 là 3.851 hồ sơ.",
        "Đã giải quyết 4.232 hồ sơ, trong đó trước hạn và đúng hạn 4.225 hồ sơ (chiếm 99,83%); trễ hạn 7 hồ sơ "
        "(chiếm 0,17%).",
    ]
    assert "trực tuyến" not in text and "Đang giải quyết" not in text and "kỳ trước" not in text
    assert text.splitlines()[-1] == ("Các đơn vị có hồ sơ giải quyết trễ hạn: Sở Tài nguyên và Môi trường (6 hồ sơ), "
                                     "Sở Kế hoạch và Đầu tư (1 hồ sơ).")


def test_small_counts_and_zeros():
    totals = {"resolved": 12, "resolved_early": 9, "resolved_on_time": 3, "resolved_late": 0}
    assert narrative(totals, period="quý I năm 2024") == (
        "Đã giải quyết 12 hồ sơ, trong đó trước hạn 09 hồ sơ (chiếm 75,00%); đúng hạn 03 hồ sơ (chiếm 25,00%); "
        "không có hồ sơ trễ hạn. Tỷ lệ giải quyết trước hạn và đúng hạn đạt 100,00%.")
    assert "trước hạn 9 hồ sơ" in narrative(totals, pad_small=False)


def test_period_labels_and_missing_period():
    assert narrative({"received": 5}).startswith("Tổng số hồ sơ tiếp nhận trong kỳ là 05 hồ sơ")
    assert narrative({"received": 5}, period="từ ngày 16/01/2021 đến ngày 15/02/2021").startswith(
        "Tổng số hồ sơ tiếp nhận từ ngày 16/01/2021 đến ngày 15/02/2021 là 05 hồ sơ")


def test_units_without_late_dossiers_and_blank_values():
    units = [{"unit": "Sở Y tế", "received": Fraction(156), "resolved_late": 0},
             {"unit": "Sở Tài chính", "received": None, "resolved_late": 0}, {"unit": "", "received": 9}]
    assert narrative({}, units).splitlines() == ["Các đơn vị tiếp nhận nhiều hồ sơ nhất: Sở Y tế (156 hồ sơ).",
                                                 "Không có đơn vị nào có hồ sơ giải quyết trễ hạn."]
    assert narrative({}) == ""


def test_complete_totals():
    assert complete_totals({"carried_over": 2, "received_new": Fraction(8), "resolved_early": 5,
                            "resolved_on_time": 1, "resolved_late": 1, "pending": 3, "pending_overdue": 1,
                            "unit": "Tổng cộng", "returned": None}) == {
        "carried_over": 2, "received_new": 8, "received": 10, "resolved_early": 5, "resolved_on_time": 1,
        "resolved_late": 1, "resolved_in_time": 6, "resolved": 7, "pending": 3, "pending_overdue": 1,
        "pending_in_time": 2}
    assert complete_totals({"received": 3, "carried_over": 5}) == {"received": 3, "carried_over": 5}
    assert complete_totals({"resolved": 2.0, "pending": 1.5}) == {"resolved": 2}


# ------------------------------------------------------------------ round trip

_FIGURE = re.compile(r"(?<![\d.,/])\d{1,3}(?:\.\d{3})*(?:,\d+)?%?(?![\d/])")


def _figures(text: str, period: str | None) -> list[tuple[int, re.Match[str]]]:
    """(line, match) for every number of the totals paragraphs, outside the period label."""
    out = []
    for row, line in enumerate(text.splitlines(), start=1):
        if line.startswith(("Các đơn vị", "Không có đơn vị")):
            continue
        skip = range(0)
        if period and period in line:
            at = line.index(period)
            skip = range(at, at + len(period))
        out += [(row, m) for m in _FIGURE.finditer(line) if m.start() not in skip]
    return out


def _alter(text: str, row: int, m: re.Match[str], delta: int, pad: bool) -> tuple[str, str]:
    written = m.group(0)
    num = parse_number(written)
    if num.percent:
        new = format_decimal(num.value + Fraction(delta, 10 ** num.decimals), num.decimals) + "%"
    else:
        v = int(num.value) + delta
        new = format_count(v, pad=pad and 0 < v < 10)
    lines = text.splitlines()
    lines[row - 1] = lines[row - 1][:m.start()] + new + lines[row - 1][m.end():]
    return "\n".join(lines), new


def test_generated_summary_is_clean_and_each_altered_figure_is_flagged_once():
    total, units = soc_trang_appendix()
    text = narrative(total, units, "tháng 02 năm 2021")
    assert crosscheck(text, total) == [] and crosscheck(text) == []
    figures = _figures(text, "tháng 02 năm 2021")
    assert len(figures) == 18
    for row, m in figures:
        altered, new = _alter(text, row, m, 1, True)
        issues = crosscheck(altered, total)
        assert [(i.row, i.found) for i in issues] == [(row, new)], (m.group(0), new)


LAYOUTS = [
    ("received", "carried_over", "received_new", "received_online", "resolved", "resolved_early",
     "resolved_on_time", "resolved_late", "pending", "pending_in_time", "pending_overdue", "returned"),
    ("received_new", "resolved", "resolved_in_time", "resolved_late"),
    ("received", "resolved", "pending"),
    ("received_new", "received_online", "resolved", "resolved_late", "withdrawn", "supplement_requested"),
    ("received", "resolved", "resolved_in_time", "resolved_late", "pending", "pending_overdue"),
    ("carried_over", "received_new", "resolved_early", "resolved_on_time", "resolved_late", "pending_in_time",
     "pending_overdue"),
]
counts = st.one_of(st.integers(0, 12), st.integers(0, 30_000))


@st.composite
def tables(draw):
    carried, new = draw(counts), draw(counts)
    received = carried + new
    resolved = draw(st.integers(0, received))
    late = draw(st.integers(0, resolved))
    early = draw(st.integers(0, resolved - late))
    pending = received - resolved
    overdue = draw(st.integers(0, pending))
    full = {"carried_over": carried, "received_new": new, "received": received,
            "received_online": draw(st.integers(0, new)), "resolved": resolved, "resolved_early": early,
            "resolved_on_time": resolved - late - early, "resolved_in_time": resolved - late,
            "resolved_late": late, "pending": pending, "pending_in_time": pending - overdue,
            "pending_overdue": overdue, "returned": draw(counts), "withdrawn": draw(counts),
            "supplement_requested": draw(counts)}
    return {k: full[k] for k in draw(st.sampled_from(LAYOUTS))}


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from([None, "tháng 02 năm 2021", "quý I năm 2024", "6 tháng đầu năm 2023"]),
       st.booleans(), st.data())
def test_round_trip_property(totals, period, pad, data):
    text = narrative(totals, period=period, pad_small=pad)
    assert crosscheck(text, totals) == []
    assert crosscheck(text) == []
    figures = _figures(text, period)
    assert figures
    row, m = data.draw(st.sampled_from(figures))
    altered, new = _alter(text, row, m, data.draw(st.integers(1, 3)), pad)
    assert [(i.row, i.found) for i in crosscheck(altered, totals)] == [(row, new)]
