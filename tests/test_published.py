"""Figures from published reports, typed as the tables they describe (sources cited per
fixture), and the shapes real tables take beyond the corpus: a three-way pending split,
"Chưa xử lý", shares over the dossiers due, a second table under a new header band."""

from __future__ import annotations

import openpyxl

from test_evidence import _read as read_grid
from xl_tthc import check_file
from xl_tthc.domain.profiles import Profile

# Báo Đồng Khởi (Bến Tre), 06/06/2021, "Trung tâm Phục vụ hành chính công giải quyết hơn 4,5
# ngàn hồ sơ", https://baodongkhoi.vn/trung-tam-phuc-vu-hanh-chinh-cong-giai-quyet-hon-4-5-ngan-ho-so-06062021-a86932.html :
# tháng 5/2021 the centre received 5.650, resolved 4.561 (80,7%), of which 4.549 in time
# (99,7%) and 12 late (0,3%); 1.089 pending, all within their deadline.  The channel
# figures are given rounded to the hundred ("1,07 ngàn"), so they are not typed.
BEN_TRE = ["Trung tâm Phục vụ hành chính công tỉnh", "5.650", "4.561", "4.549", "12", "1.089", "1.089", "0",
           "80,7", "99,7", "0,3"]
BEN_TRE_HEADER = [["TT", "Nội dung", "Tổng số hồ sơ tiếp nhận", "Kết quả giải quyết", None, None,
                   "Đang giải quyết", None, None, "Tỷ lệ (%)", None, None],
                  [None, None, None, "Đã giải quyết", "Đúng và trước hạn", "Trễ hạn", "Tổng số", "Trong hạn",
                   "Quá hạn", "Đã giải quyết", "Đúng hạn", "Trễ hạn"]]


def write_ben_tre(path, row=BEN_TRE):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T5-2021"
    ws.append(["KẾT QUẢ GIẢI QUYẾT HỒ SƠ TTHC TẠI TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÁNG 5 NĂM 2021"])
    for r in BEN_TRE_HEADER:
        ws.append(r)
    ws.append([1, *row])
    for rng in ("A2:A3", "B2:B3", "C2:C3", "D2:F2", "G2:I2", "J2:L2"):
        ws.merge_cells(rng)
    wb.save(path)
    return path


def test_ben_tre_may_2021_reads_clean(tmp_path):
    report = check_file(write_ben_tre(tmp_path / "bt.xlsx"))
    (t,) = report.tables
    assert t.table.rows[0].count("resolved") == 4561 and t.table.rows[0].count("pending") == 1089
    assert {c.field for c in t.table.columns} >= {"received", "resolved", "resolved_in_time", "resolved_late",
                                                  "pending", "resolved_rate", "ontime_rate", "late_rate"}
    assert [i for i in report.all_issues if i.severity != "info"] == []


def test_ben_tre_with_a_typed_over_rate_is_found(tmp_path):
    row = list(BEN_TRE)
    row[9] = "97,7"  # the on-time rate retyped
    report = check_file(write_ben_tre(tmp_path / "bt2.xlsx", row))
    assert [(i.cell, i.rule) for i in report.all_issues if i.severity == "error"] == [("K4", "ratio_mismatch")]


def _read(rows, merged=()):
    return read_grid(rows, Profile(), merged)


def test_three_way_pending_split_and_chua_xu_ly():
    rows = [["STT", "Tên đơn vị", "Đã tiếp nhận", "Đã giải quyết", "Chưa xử lý", None, None, None],
            [None, None, None, None, "Tổng số", "Chưa đến hạn", "Đến hạn", "Quá hạn"],
            [1, "Sở Tư pháp", 100, 80, 20, 10, 6, 4],
            [2, "Sở Y tế", 50, 40, 10, 5, 3, 3],  # 10 is not 5 + 3 + 3
            [None, "Tổng cộng", 150, 120, 30, 15, 9, 7]]
    (t,), (issues,) = _read(rows, [(0, 4, 0, 7)])
    assert [c.field for c in t.columns][2:] == ["received_new", "resolved", "pending", "pending_in_time",
                                                "pending_due", "pending_overdue"]
    # the faulty row, and the total row that adds it up faithfully
    assert [(i.cell, i.rule) for i in issues] == [("E4", "pending_total"), ("E5", "pending_total")]
    assert "chưa đến hạn + đến hạn + quá hạn" in issues[0].message


def test_on_time_share_over_the_dossiers_due_is_a_convention():
    # Tỷ lệ đúng hạn = (trước hạn + đúng hạn) / (đã giải quyết + đang giải quyết quá hạn)
    rows = [["STT", "Tên đơn vị", "Đã giải quyết", "Trước hạn", "Đúng hạn", "Quá hạn", "Đang giải quyết",
             "Đang giải quyết quá hạn", "Tỷ lệ đúng hạn (%)"],
            [1, "Sở Tư pháp", 100, 60, 30, 10, 20, 10, "81,82"],
            [2, "Sở Y tế", 50, 20, 30, 0, 5, 0, "100,00"],
            [None, "Tổng cộng", 150, 80, 60, 10, 25, 10, "87,50"]]
    _, (issues,) = _read(rows)
    assert [(i.rule, i.severity) for i in issues] == [("denominator_convention", "info")]
    assert "Hồ sơ đến hạn" in issues[0].message


def test_a_second_table_under_a_new_header_band_is_not_swallowed():
    rows = [["STT", "Tên đơn vị", "Đã tiếp nhận", "Đã giải quyết", "Trễ hạn"],
            [1, "Sở Tư pháp", 10, 9, 0],
            [2, "Sở Y tế", 20, 18, 1],
            [None, None, "Số hồ sơ trực tuyến", "Số hồ sơ trực tiếp", "Tỷ lệ trực tuyến"],
            [1, "Sở Tư pháp", 4, 6, "40,00"],
            [2, "Sở Y tế", 5, 15, "25,00"]]
    tables, issues = _read(rows)
    assert [t.units for t in tables][0] == ["Sở Tư pháp", "Sở Y tế"]
    assert all(i.severity != "error" for x in issues for i in x)


def test_06a_groups_of_levels_with_their_sums_are_not_units():
    # form 06a as printed per level: "Sở ban ngành", "Huyện, thị xã, thành phố", "Xã, phường,
    # thị trấn" carry the sums of the rows under them
    header = [["STT", "Lĩnh vực, công việc giải quyết theo cấp", "Đã tiếp nhận", "Đã giải quyết", "Trễ hạn"]]
    rows = header + [[None, "Sở ban ngành", 30, 27, 1],
                     [1, "Lĩnh vực Hộ tịch", 10, 9, 0],
                     [2, "Lĩnh vực Đất đai", 20, 18, 1],
                     [None, "Huyện, thị xã, thành phố", 5, 5, 0],
                     [3, "Lĩnh vực Xây dựng", 5, 5, 0],
                     [None, "Xã, phường, thị trấn", None, None, None],
                     [None, "Tổng cộng", 35, 32, 1]]
    (t,), (issues,) = _read(rows)
    assert t.units == ["Lĩnh vực Hộ tịch", "Lĩnh vực Đất đai", "Lĩnh vực Xây dựng"]
    assert issues == []
    levels = [["STT", "Cấp", "Đã tiếp nhận", "Đã giải quyết", "Trễ hạn"], [1, "Cấp tỉnh", 30, 27, 1],
              [2, "Cấp huyện", 5, 5, 0], [None, "Tổng cộng", 35, 32, 1]]
    (t,), (issues,) = _read(levels)
    assert t.units == ["Cấp tỉnh", "Cấp huyện"] and issues == []


def test_a_title_right_under_a_table_starts_the_next_one():
    rows = [["STT", "Tên đơn vị", "Đã tiếp nhận", "Đã giải quyết", "Trễ hạn"],
            [1, "Sở Tư pháp", 10, 9, 0],
            [2, "Sở Y tế", 20, 18, 1],
            [None, "Biểu 2: Kết quả theo mức độ dịch vụ công"],
            [None, "Mức độ", "Đã tiếp nhận", "Đã giải quyết", "Trễ hạn"],
            [None, "Toàn trình", 12, 11, 0],
            [None, "Một phần", 18, 16, 1]]
    tables, issues = _read(rows)
    assert [t.units for t in tables] == [["Sở Tư pháp", "Sở Y tế"], ["Toàn trình", "Một phần"]]
    assert tables[1].unit_kind == "level" and "Biểu 2" in tables[1].title
    assert [i for x in issues for i in x] == []


def test_unit_headers_named_otherwise():
    for header in ("Cơ quan thực hiện", "Đơn vị báo cáo", "Cơ quan giải quyết"):
        rows = [["Đơn vị tính: hồ sơ"], [header, "Đã tiếp nhận", "Đã giải quyết", "Trễ hạn"],
                ["Sở Tư pháp", 10, 9, 0], ["Sở Y tế", 20, 18, 1]]
        (t,), (issues,) = _read(rows)
        assert t.units == ["Sở Tư pháp", "Sở Y tế"] and issues == [], header
