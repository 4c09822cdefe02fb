"""Periods from titles; units by any of their written forms."""

from __future__ import annotations

from datetime import date

import pytest

from xl_tthc.domain.periods import parse_period
from xl_tthc.domain.units import match_unit


@pytest.mark.parametrize("text, key, start, end", [
    ("Kết quả giải quyết thủ tục hành chính đến hết tháng 01 năm 2023", "2023-01", date(2023, 1, 1), date(2023, 1, 31)),
    ("BÁO CÁO QUÝ I NĂM 2024", "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("quý IV/2023", "2023-Q4", date(2023, 10, 1), date(2023, 12, 31)),
    ("Báo cáo 6 tháng đầu năm 2023", "2023-H1", date(2023, 1, 1), date(2023, 6, 30)),
    ("Kết quả 9 tháng năm 2022", "2022-9M", date(2022, 1, 1), date(2022, 9, 30)),
    ("Tổng kết năm 2023", "2023", date(2023, 1, 1), date(2023, 12, 31)),
    ("THÁNG 02 NĂM 2021 (TỪ NGÀY 16/01/2021 ĐẾN NGÀY 15/02/2021)", "2021-02", date(2021, 1, 16), date(2021, 2, 15)),
    ("từ ngày 01/01/2024 đến ngày 25/12/2024", "2024-01-01..2024-12-25", date(2024, 1, 1), date(2024, 12, 25)),
])
def test_periods(text, key, start, end):
    p = parse_period(text)
    assert (p.key, p.start, p.end) == (key, start, end)


def test_cutoff_months_and_dates_that_are_not_periods():
    p = parse_period("tháng 02 năm 2021", cutoff_day=15)
    assert (p.start, p.end) == (date(2021, 1, 16), date(2021, 2, 15))
    assert parse_period("Bình Thuận, ngày 02 tháng 02 năm 2023").kind == "year"  # a signing date, not a month
    assert parse_period("Danh sách cán bộ") is None
    assert parse_period("quý I năm 2024").label == "quý I năm 2024"


@pytest.mark.parametrize("names, canonical", [
    (["Sở Lao động - TB&XH", "Sở Lao Động -TBXH", "Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"],
     "Sở Lao động - Thương binh và Xã hội"),
    (["Sở Công thương", "Sở Công Thương", "3. Sở Công Thương"], "Sở Công Thương"),
    (["Sở Văn hóa TT&DL", "Sở Văn hóa, Thể thao và Du lịch", "Sở Văn hoá, Thể thao và Du lịch", "Sở VHTTDL"],
     "Sở Văn hóa, Thể thao và Du lịch"),
    (["Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"], "Sở Kế hoạch và Đầu tư"),
    (["Sở NN&PTNT", "Sở Nông nghiệp và PTNT"], "Sở Nông nghiệp và Phát triển nông thôn"),
    (["Ban Quản lý các KCN", "BQL các KCN"], "Ban Quản lý các khu công nghiệp"),
    (["Sở Khoa học Công nghệ", "Sở KH&CN"], "Sở Khoa học và Công nghệ"),
    (["Bảo hiểm Xã hội", "BHXH tỉnh"], "Bảo hiểm xã hội tỉnh"),
])
def test_unit_variants_meet(names, canonical):
    assert {match_unit(n).canonical for n in names} == {canonical}


def test_unknown_units_get_the_nearest_names():
    m = match_unit("Sở Tài Chánh")
    assert m.unit is None and m.suggestions[0] == "Sở Tài chính"
    assert match_unit("UBND huyện Phú Quý").local


def test_no_registered_unit_looks_local() -> None:
    """match_unit answers "local" before looking in the registry: that is only the same
    answer because no registered name or alias is a district- or commune-level name."""
    from xl_tthc.domain.units import REGISTRY, is_local_unit

    local = [n for u in REGISTRY for n in (u.name, *u.aliases) if is_local_unit(n)]
    assert local == []
    assert match_unit("UBND xã An Bình").local and match_unit("Sở Tư pháp").unit is not None
