"""The seeds' appendices, typed into workbooks, read completely and checked."""

from __future__ import annotations

from fractions import Fraction

import seeds
from xl_tthc import check_file, read_tables
from xl_tthc.domain.profiles import PROFILES


def flatten(report, keys=("cell", "rule")):
    return sorted(tuple(getattr(i, k) for k in keys) for i in report.all_issues)


def test_binh_thuan_reports_exactly_the_known_faults(binh_thuan_xlsx):
    report = check_file(binh_thuan_xlsx)
    assert flatten(report, ("cell", "unit", "rule", "severity")) == [
        ("G10", "Sở Giáo dục và Đào tạo", "ratio_mismatch", "error"),
        ("G12", "Sở Kế hoạch và Đầu tư", "decimal_separator", "warning"),
        ("G24", "Công an tỉnh", "zero_denominator", "warning"),
        ("G7", "Ban Dân tộc", "zero_denominator", "warning"),
    ]
    mismatch = next(i for i in report.all_issues if i.rule == "ratio_mismatch")
    assert (mismatch.found, mismatch.expected) == ("94,87%", "100,00%")
    assert "94,87%" in mismatch.message and "100,00%" in mismatch.message


def test_binh_thuan_zero_as_100_profile_accepts_the_0_over_0_rows(binh_thuan_xlsx):
    report = check_file(binh_thuan_xlsx, PROFILES["zero-as-100"])
    assert flatten(report) == [("G10", "ratio_mismatch"), ("G12", "decimal_separator")]


def test_binh_thuan_read_completely(binh_thuan_xlsx):
    _, (table,) = read_tables(binh_thuan_xlsx)
    assert table.units == [r[1] for r in seeds.BINH_THUAN_ROWS]
    assert [c.field for c in table.columns] == [
        "stt", "unit", "received_new", "resolved", "resolved_in_time", "resolved_late", "ontime_rate"]
    for row, expected in zip(table.rows, seeds.BINH_THUAN_ROWS):
        assert [row.count(f) for f in ("received_new", "resolved", "resolved_in_time", "resolved_late")] == \
            list(expected[2:6])
    assert table.total.count("received_new") == 3851
    assert table.period.key == "2023-01"


def test_soc_trang_is_clean_and_read_completely(soc_trang_xlsx):
    report = check_file(soc_trang_xlsx)
    assert [i for i in report.all_issues if i.severity != "info"] == []
    # the online share is over all received dossiers: recognised once, as information; and
    # column O (dossiers of service levels 3 and 4) holds figures no field holds: said once
    assert flatten(report, ("rule", "field")) == [("denominator_convention", "received_online"),
                                                  ("unrecognised_column", None)]
    level = next(i for i in report.all_issues if i.rule == "unrecognised_column")
    assert (level.cell, level.severity) == ("O8", "info") and "mức độ" in level.message
    results, satisfaction = (t.table for t in report.tables)
    assert results.form == "results" and satisfaction.form == "satisfaction"
    assert [c.field for c in results.columns][2:] == list(seeds.SOC_TRANG_FIELDS)
    assert results.units == [r[0] for r in seeds.SOC_TRANG_ROWS]
    for row, expected in zip(results.rows, seeds.SOC_TRANG_ROWS):
        got = [row.count(f) if f else None for f in seeds.SOC_TRANG_FIELDS]
        assert got == [v if f else None for f, v in zip(seeds.SOC_TRANG_FIELDS, expected[1:])]
    assert results.total.count("received") == 8605
    assert results.ratio_row.values["pending_overdue"].percent == Fraction(68, 100)
    assert results.period.start.isoformat() == "2021-01-16"
    assert satisfaction.units == [r[0] for r in seeds.SATISFACTION_ROWS]
    assert satisfaction.total.count("sat_total") == 660


def test_soc_trang_cutoff_profile_expects_the_online_convention(soc_trang_xlsx):
    report = check_file(soc_trang_xlsx, PROFILES["cutoff-15"])
    # only the information on column O (service levels 3 and 4: no field holds it)
    assert [(i.cell, i.rule, i.severity) for i in report.all_issues] == [("O8", "unrecognised_column", "info")]


def test_messages_in_english_on_request(binh_thuan_xlsx):
    report = check_file(binh_thuan_xlsx, lang="en")
    mismatch = next(i for i in report.all_issues if i.rule == "ratio_mismatch")
    assert mismatch.message == "On-time rate states 94.87%, recomputed 100.00%."  # English numbers (#16)
