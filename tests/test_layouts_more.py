"""More real layouts, read from in-memory grids: total row first, group subtotals,
share columns under each count, numbered unit names, parents above the unit header."""

from __future__ import annotations

from xl_tthc.read.grid import Sheet
from xl_tthc.domain.profiles import Profile
from xl_tthc.read.reader import find_tables
from xl_tthc.rules.table_rules import check_table


def sheet(rows, merged=()):
    width = max(len(r) for r in rows)
    return Sheet("Sheet1", [[("" if v is None else v) for v in r] + [""] * (width - len(r)) for r in rows],
                 list(merged))


def read(rows, merged=()):
    (table,) = find_tables(sheet(rows, merged), "x.xlsx")
    return table, check_table(table, Profile())


HEADER = [["STT", "Đơn vị", "Tiếp nhận", "Đã giải quyết", None, None, None, None, None, "Đang giải quyết"],
          [None, None, None, "Tổng số", "Trước hạn", None, "Đúng hạn", None, "Quá hạn", None],
          [None, None, None, None, "Số lượng", "Tỷ lệ (%)", "Số lượng", "Tỷ lệ (%)", "Số lượng", None]]
MERGED = [(0, 0, 2, 0), (0, 1, 2, 1), (0, 2, 2, 2), (0, 3, 0, 8), (1, 3, 2, 3), (1, 4, 1, 5), (1, 6, 1, 7),
          (1, 8, 2, 8), (0, 9, 2, 9)]


def test_total_first_and_share_columns():
    rows = HEADER + [
        [None, "Tổng cộng", 300, 250, 200, "80,00", 40, "16,00", 10, 50],
        [1, "1. Sở Tư pháp", 100, 100, 90, "90,00", 10, "10,00", 0, 0],
        [2, "2. Sở Y tế", 200, 150, 110, "73,33", 30, "20,00", 10, 50],
    ]
    table, issues = read(rows, MERGED)
    assert [c.field for c in table.columns] == [
        "stt", "unit", "received_new", "resolved", "resolved_early", "share:resolved_early", "resolved_on_time",
        "share:resolved_on_time", "resolved_late", "pending"]
    assert table.units == ["1. Sở Tư pháp", "2. Sở Y tế"] and table.total.label == "Tổng cộng"
    assert issues == []


def test_a_wrong_share_is_found():
    rows = HEADER + [
        [1, "Sở Tư pháp", 100, 100, 90, "90,00", 10, "1,00", 0, 0],
        [None, "Tổng cộng", 100, 100, 90, "90,00", 10, "10,00", 0, 0],
    ]
    _, issues = read(rows, MERGED)
    assert [(i.row, i.column, i.rule, i.expected) for i in issues] == [(4, "H", "ratio_mismatch", "10,00%")]


def test_groups_with_subtotals():
    rows = [["STT", "Tên đơn vị", "Đã tiếp nhận", "Đã giải quyết", "Trễ hạn"],
            ["I", "KHỐI SỞ, BAN, NGÀNH", None, None, None],
            [1, "Sở Tư pháp", 10, 9, 0],
            [2, "Sở Y tế", 20, 18, 1],
            [None, "Cộng I", 30, 27, 1],
            ["II", "II. CẤP HUYỆN", None, None, None],
            [1, "UBND huyện Phú Quý", 5, 5, 0],
            [None, "Tổng cộng", 35, 32, 1]]
    table, issues = read(rows)
    assert table.units == ["Sở Tư pháp", "Sở Y tế", "UBND huyện Phú Quý"]
    assert table.total.count("received_new") == 35
    assert issues == []


def test_parent_headers_above_the_unit_header_without_merges():
    rows = [["BIỂU TỔNG HỢP KẾT QUẢ GIẢI QUYẾT TTHC NĂM 2023"],
            [None, None, "Hồ sơ tiếp nhận", None, "Kết quả giải quyết", None, None],
            ["STT", "Tên cơ quan", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Đúng hạn", "Trễ hạn",
             "Đang giải quyết"],
            [1, "Sở Xây dựng", 40, 60, 80, 5, 15],
            [None, "Tổng số", 40, 60, 80, 5, 15]]
    table, issues = read(rows)
    assert [c.field for c in table.columns] == ["stt", "unit", "received_online", "received_offline",
                                                "resolved_on_time", "resolved_late", "pending"]
    assert table.header_rows == [1, 2] and table.period.key == "2023"
    assert issues == []
