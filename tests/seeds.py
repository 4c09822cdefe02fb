"""The appendix tables of the seed reports (tests/fixtures/prose/, shipped copies of the
shared seeds) typed into workbooks with their real multi-row headers (transcribed cell by
cell from the seed texts)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

SEEDS = Path(__file__).resolve().parent / "fixtures" / "prose"  # shipped: a clone needs nothing beside it

BINH_THUAN_TITLE = [
    "PHỤ LỤC",
    "Kết quả giải quyết thủ tục hành chính đến hết tháng 01 năm 2023",
    "(Ban hành kèm theo Báo cáo số 01/BC-TTHCC ngày 02 tháng 02 năm 2023",
    "của Trung tâm Hành chính công tỉnh Bình Thuận)",
]
BINH_THUAN_HEADER = ["Stt", "Tên đơn vị", "Đã tiếp nhận", "Đã xử lý", "Đúng hẹn", "Trễ hẹn", "Tỷ lệ đúng hẹn (%)"]
BINH_THUAN_ROWS = [
    ("01", "Ban Dân tộc", 0, 0, 0, 0, "100%"),
    ("02", "Ban Quản lý các KCN", 2, 3, 3, 0, "100%"),
    ("03", "Sở Công thương", 1692, 1703, 1703, 0, "100%"),
    ("04", "Sở Giáo dục và Đào tạo", 36, 39, 39, 0, "94,87%"),
    ("05", "Sở Giao thông vận tải", 640, 730, 730, 0, "100%"),
    ("06", "Sở Kế hoạch và Đầu tư", 99, 116, 115, 1, "99.14%"),
    ("07", "Sở Khoa học Công nghệ", 5, 6, 6, 0, "100%"),
    ("08", "Sở Nông nghiệp và PTNT", 291, 327, 327, 0, "100%"),
    ("09", "Sở Tài chính", 21, 33, 33, 0, "100%"),
    ("10", "Sở Tài nguyên và Môi trường", 57, 83, 77, 6, "92,77%"),
    ("11", "Sở Tư pháp", 372, 453, 453, 0, "100%"),
    ("12", "Sở Thông tin và Truyền thông", 0, 1, 1, 0, "100%"),
    ("13", "Sở Văn hóa TT&DL", 17, 21, 21, 0, "100%"),
    ("14", "Sở Xây dựng", 48, 99, 99, 0, "100%"),
    ("15", "Sở Y tế", 68, 154, 154, 0, "100%"),
    ("16", "Sở Lao động - TB&XH", 162, 112, 112, 0, "100%"),
    ("17", "Sở Nội vụ", 73, 74, 74, 0, "100%"),
    ("18", "Công an tỉnh", 0, 0, 0, 0, "100%"),
    ("19", "Bảo hiểm Xã hội", 187, 185, 185, 0, "100%"),
    ("20", "Ủy ban nhân dân tỉnh", 81, 93, 93, 0, "100%"),
]
BINH_THUAN_TOTAL = ("Tổng cộng", None, 3851, 4232, 4225, 7, "99,83%")

SOC_TRANG_TITLE = [
    "PHỤ LỤC I",
    "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH THÁNG 02 NĂM 2021",
    "(TỪ NGÀY 16/01/2021 ĐẾN 15/02/2021)",
    "(Kèm theo Báo cáo số 03 /BC-TTHC ngày / /2021 của Trung tâm Phục vụ hành chính công)",
]
SOC_TRANG_ROWS = [
    ("Sở Thông tin và Truyền thông", 5, 0, 5, 5, 5, 0, 0, 0, 0, 0, 0, 5, 5),
    ("Sở Công Thương", 613, 2, 611, 612, 612, 0, 0, 1, 1, 0, 0, 540, 613),
    ("Sở Giáo dục và Đào tạo", 35, 2, 33, 29, 29, 0, 0, 6, 6, 0, 0, 10, 35),
    ("Sở Giao thông vận tải", 2906, 773, 2133, 2489, 2489, 0, 0, 417, 417, 0, 0, 530, 696),
    ("Sở Kế hoạch và Đầu tư", 228, 14, 214, 226, 226, 0, 0, 2, 2, 0, 0, 99, 221),
    ("Sở Khoa học và Công nghệ", 4, 2, 2, 3, 3, 0, 0, 1, 1, 0, 0, 2, 4),
    ("Sở Lao động - Thương binh và Xã hội", 110, 12, 98, 110, 110, 0, 0, 0, 0, 0, 0, 0, 39),
    ("Sở Nội vụ", 208, 33, 175, 78, 78, 0, 0, 130, 130, 0, 0, 153, 187),
    ("Sở Nông nghiệp và Phát triển nông thôn", 514, 38, 476, 483, 483, 0, 0, 31, 31, 0, 0, 476, 514),
    ("Sở Tài chính", 11, 0, 11, 11, 11, 0, 0, 0, 0, 0, 0, 9, 11),
    ("Sở Tài nguyên và Môi trường", 36, 11, 25, 23, 23, 0, 0, 13, 13, 0, 0, 2, 30),
    ("Sở Tư pháp", 539, 211, 328, 428, 422, 0, 6, 111, 105, 6, 0, 114, 537),
    ("Sở Văn hóa, Thể thao và Du lịch", 30, 1, 29, 30, 30, 0, 0, 0, 0, 0, 0, 6, 30),
    ("Sở Xây dựng", 55, 20, 35, 51, 51, 0, 0, 4, 4, 0, 0, 31, 55),
    ("Sở Y tế", 156, 64, 92, 66, 66, 0, 0, 90, 90, 0, 0, 8, 89),
    ("Công an tỉnh", 1020, 92, 928, 994, 994, 0, 0, 26, 26, 0, 0, 0, 1),
    ("Bảo hiểm xã hội tỉnh", 2135, 103, 2032, 2080, 2080, 0, 0, 55, 55, 0, 0, 1131, 2135),
]
SOC_TRANG_TOTAL = (8605, 1378, 7227, 7718, 7712, 0, 6, 887, 881, 6, 0, 3116, 5202)
SOC_TRANG_RATIOS = ("100,00", "16,01", "83,99", "89,69", "99,92", "0,00", "0,08", "10,31", "99,32", "0,68",
                    "0,00", "36,21(*)", "59,90(**)")
# canonical field per Sóc Trăng data column (C..O); None for "Số hồ sơ mức độ 3, 4"
SOC_TRANG_FIELDS = ("received", "carried_over", "received_new", "resolved", "resolved_early", "resolved_on_time",
                    "resolved_late", "pending", "pending_in_time", "pending_overdue", "returned",
                    "received_online", None)

SATISFACTION_HEADER = ["STT", "Tên đơn vị", "Hài lòng với dịch vụ", "Hài lòng về thái độ phục vụ",
                       "Không hài lòng về nghiệp vụ nhân viên", "Không hài lòng về thời gian giao dịch",
                       "Ý kiến góp ý", "Tổng cộng"]
SATISFACTION_ROWS = [
    ("Sở Thông tin và Truyền thông", 0, 4, 0, 0, 0, 4), ("Sở Công Thương", 3, 1, 0, 0, 0, 4),
    ("Sở Giáo dục và Đào tạo", 1, 1, 0, 0, 0, 2), ("Sở Giao thông vận tải", 18, 25, 0, 0, 0, 43),
    ("Sở Kế hoạch và Đầu tư", 27, 45, 0, 0, 0, 72), ("Sở Khoa học và Công nghệ", 0, 2, 0, 0, 0, 2),
    ("Sở Lao động - Thương binh và Xã hội", 1, 0, 0, 0, 0, 1), ("Sở Nội vụ", 0, 30, 0, 0, 0, 30),
    ("Sở Nông nghiệp và Phát triển nông thôn", 6, 73, 0, 0, 0, 79), ("Sở Tài chính", 0, 1, 0, 0, 0, 1),
    ("Sở Tài nguyên và Môi trường", 7, 7, 0, 0, 0, 14), ("Sở Tư pháp", 31, 99, 0, 0, 0, 130),
    ("Sở Văn hóa, Thể thao và Du lịch", 2, 15, 0, 0, 0, 17), ("Sở Xây dựng", 5, 28, 0, 0, 0, 33),
    ("Sở Y tế", 18, 23, 0, 0, 0, 41), ("Công an tỉnh", 9, 63, 0, 0, 0, 72),
    ("Bảo hiểm xã hội tỉnh", 41, 74, 0, 0, 0, 115),
]
SATISFACTION_TOTAL = (169, 491, 0, 0, 0, 660)
SATISFACTION_RATIOS = ("25,61", "74,39", "0,00", "0,00", "0,00", "100")


def _bold(ws, row: int, ncols: int) -> None:
    for c in range(1, ncols + 1):
        ws.cell(row, c).font = Font(bold=True)


def binh_thuan(path: Path, rows=None, total=BINH_THUAN_TOTAL) -> Path:
    """Phụ lục of the Bình Thuận January 2023 report, one header row, counts as numbers,
    the rate column as the text the staff typed."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    for i, t in enumerate(BINH_THUAN_TITLE, start=1):
        ws.cell(i, 1, t)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=7)
    ws.append([])
    ws.append(BINH_THUAN_HEADER)
    _bold(ws, 6, 7)
    for r in rows or BINH_THUAN_ROWS:
        ws.append(list(r))
    ws.append(list(total))
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=2)
    wb.save(path)
    return path


def soc_trang(path: Path, rows=None, total=SOC_TRANG_TOTAL, ratios=SOC_TRANG_RATIOS) -> Path:
    """Phụ lục I and II of the Sóc Trăng February 2021 report, with the real three-row
    merged header, the total row and the "Tỷ lệ %" row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục I"
    for i, t in enumerate(SOC_TRANG_TITLE, start=1):
        ws.cell(i, 1, t)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=15)
    h = 6
    top = {1: "STT", 2: "Đơn vị", 3: "Số hồ sơ nhận giải quyết", 6: "Kết quả giải quyết", 13: "Hồ sơ bị trả lại",
           14: "Hồ sơ nhận qua trực tuyến", 15: "Số hồ sơ mức độ 3, 4 (nộp trực tiếp và trực tuyến)"}
    for c, t in top.items():
        ws.cell(h, c, t)
    for c in (1, 2, 13, 14, 15):
        ws.merge_cells(start_row=h, start_column=c, end_row=h + 2, end_column=c)
    ws.merge_cells(start_row=h, start_column=3, end_row=h, end_column=5)
    ws.merge_cells(start_row=h, start_column=6, end_row=h, end_column=12)
    ws.cell(h + 1, 3, "Tổng số")
    ws.merge_cells(start_row=h + 1, start_column=3, end_row=h + 2, end_column=3)
    ws.cell(h + 1, 4, "Trong đó")
    ws.merge_cells(start_row=h + 1, start_column=4, end_row=h + 1, end_column=5)
    ws.cell(h + 1, 6, "Số hồ sơ đã giải quyết")
    ws.merge_cells(start_row=h + 1, start_column=6, end_row=h + 1, end_column=9)
    ws.cell(h + 1, 10, "Số hồ sơ đang giải quyết")
    ws.merge_cells(start_row=h + 1, start_column=10, end_row=h + 1, end_column=12)
    for c, t in zip(range(4, 13), ["Kỳ trước", "Số mới tiếp nhận", "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn",
                                   "Tổng số", "Còn hạn", "Quá hạn"]):
        ws.cell(h + 2, c, t)
    for r in range(h, h + 3):
        for c in range(1, 16):
            ws.cell(r, c).alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    r = h + 3
    for i, row in enumerate(rows or SOC_TRANG_ROWS, start=1):
        ws.append([i, *row])
    n = len(rows or SOC_TRANG_ROWS)
    ws.append([n + 1, "Tổng cộng", *total])
    _bold(ws, ws.max_row, 15)
    ws.append([n + 2, "Tỷ lệ %", *ratios])
    _bold(ws, ws.max_row, 15)
    ws.append([])
    ws.append(["Ghi chú: (*) Tỷ lệ hồ sơ trực tuyến trên tổng số hồ sơ mức độ 2, 3, 4; (**) Tỷ lệ hồ sơ trực "
               "tuyến trên tổng số hồ sơ mức độ 3, 4."])

    ws2 = wb.create_sheet("Phụ lục II")
    ws2.append(["PHỤ LỤC II"])
    ws2.append(["THỐNG KÊ SỐ HỒ SƠ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG VÀ Ý KIẾN GÓP Ý CỦA TỔ CHỨC, CÁ NHÂN"])
    ws2.append(["THÁNG 02 NĂM 2021 (TỪ 16/01/2021 ĐẾN 15/02/2021)"])
    ws2.append([])
    ws2.append(SATISFACTION_HEADER)
    for i, row in enumerate(SATISFACTION_ROWS, start=1):
        ws2.append([i, *row])
    ws2.append([None, "Tổng cộng", *SATISFACTION_TOTAL])
    ws2.append([])
    ws2.append([None, "Tỷ lệ %", *SATISFACTION_RATIOS])
    wb.save(path)
    return path
