"""The TTHC_* worksheet functions, declared for xlwings.

Each function only does "the Excel stuff" (the declaration, the Vietnamese help that
Excel's function wizard shows) and calls :mod:`xl_tthc.sheet.cellfuncs`, where arguments
are normalised and the core answers.  Range arguments are read with ``ndim=2`` (a
single cell arrives as [[v]], as the xlwings server engine always sends it) and
``err_to_str=True`` (error cells arrive as "#DIV/0!" and are passed on).

The add-in (``udfs/addin``) imports this module as ``udfs.functions``.
"""

from __future__ import annotations

import xlwings as xw

from xl_tthc.sheet import cellfuncs

__all__ = [
    "TTHC_ONTIME_RATE",
    "TTHC_LATE_RATE",
    "TTHC_ONLINE_RATE",
    "TTHC_RATE",
    "TTHC_CHECK",
    "TTHC_ROW_STATUS",
    "TTHC_NUMBER",
    "TTHC_PERCENT_TEXT",
    "TTHC_NARRATIVE",
]

CATEGORY = "TTHC"
_RANGE = {"ndim": 2, "err_to_str": True}

_EARLY = "Số hồ sơ giải quyết trước hạn: một ô hoặc một cột (ô trống tính là 0)."
_ON_TIME = "Số hồ sơ giải quyết đúng hạn: một ô hoặc vùng cùng kích thước (ô trống tính là 0)."
_LATE = "Số hồ sơ giải quyết quá hạn: một ô hoặc vùng cùng kích thước (ô trống tính là 0)."
_IF_ZERO = ("Kết quả khi mẫu số bằng 0 (không bắt buộc): bỏ trống để ô trống; 1 để ghi 100%; "
            "0 để ghi 0%; hoặc một chữ như \"—\".")
_TABLE = ("Vùng bảng số liệu, tính cả các dòng tiêu đề (ví dụ A5:O30). Dòng, cột trong kết quả "
          "được đếm từ ô đầu của vùng.")
_PROFILE = ("Bộ quy ước của tỉnh (không bắt buộc): default, zero-as-100, cutoff-15, returned-beside, "
            "hoặc đường dẫn tệp .toml/.json.")


@xw.func(category=CATEGORY)
@xw.arg("early", doc=_EARLY, **_RANGE)
@xw.arg("on_time", doc=_ON_TIME, **_RANGE)
@xw.arg("late", doc=_LATE, **_RANGE)
@xw.arg("if_zero", doc=_IF_ZERO, **_RANGE)
def TTHC_ONTIME_RATE(early, on_time, late, if_zero=None):
    ("Tỷ lệ giải quyết đúng hạn = (trước hạn + đúng hạn) / (trước hạn + đúng hạn + quá hạn), "
     "là phân số (định dạng ô %). Nhận một ô hoặc cả cột; mẫu số 0 cho kết quả if_zero (mặc "
     "định để trống).")
    return cellfuncs.ontime_rate(early, on_time, late, if_zero)


@xw.func(category=CATEGORY)
@xw.arg("early", doc=_EARLY, **_RANGE)
@xw.arg("on_time", doc=_ON_TIME, **_RANGE)
@xw.arg("late", doc=_LATE, **_RANGE)
@xw.arg("if_zero", doc=_IF_ZERO, **_RANGE)
def TTHC_LATE_RATE(early, on_time, late, if_zero=None):
    ("Tỷ lệ giải quyết quá hạn = quá hạn / (trước hạn + đúng hạn + quá hạn), là phân số (định "
     "dạng ô %). Nhận một ô hoặc cả cột; mẫu số 0 cho kết quả if_zero (mặc định để trống).")
    return cellfuncs.late_rate(early, on_time, late, if_zero)


@xw.func(category=CATEGORY)
@xw.arg("online", doc="Số hồ sơ tiếp nhận trực tuyến: một ô hoặc một cột.", **_RANGE)
@xw.arg("received_new", doc="Số hồ sơ mới tiếp nhận trong kỳ: một ô hoặc vùng cùng kích thước.", **_RANGE)
@xw.arg("if_zero", doc=_IF_ZERO, **_RANGE)
def TTHC_ONLINE_RATE(online, received_new, if_zero=None):
    ("Tỷ lệ hồ sơ trực tuyến = tiếp nhận trực tuyến / mới tiếp nhận, là phân số (định dạng ô "
     "%). Nhận một ô hoặc cả cột; mẫu số 0 cho kết quả if_zero (mặc định để trống).")
    return cellfuncs.online_rate(online, received_new, if_zero)


@xw.func(category=CATEGORY)
@xw.arg("numerator", doc="Tử số: một ô hoặc một cột; nhận cả số viết kiểu Việt Nam (1.692).", **_RANGE)
@xw.arg("denominator", doc="Mẫu số: một ô hoặc vùng cùng kích thước.", **_RANGE)
@xw.arg("if_zero", doc=_IF_ZERO, **_RANGE)
def TTHC_RATE(numerator, denominator, if_zero=None):
    ("Tỷ lệ tử số / mẫu số, tính chính xác, là phân số (định dạng ô %). Nhận một ô hoặc cả "
     "cột; mẫu số 0 cho kết quả if_zero (mặc định để trống).")
    return cellfuncs.rate(numerator, denominator, if_zero)


@xw.func(category=CATEGORY)
@xw.arg("table", doc=_TABLE, **_RANGE)
@xw.arg("profile", doc=_PROFILE)
def TTHC_CHECK(table, profile=None):
    ("Kiểm tra bảng kết quả giải quyết TTHC: trả về bảng các lỗi (Dòng, Cột, Quy tắc, Nội "
     'dung), hoặc "OK". Excel 365 tự trải kết quả; Excel 2016/2019: chọn khối ô, nhập công '
     "thức, nhấn Ctrl+Shift+Enter.")
    return cellfuncs.check_range(table, profile)


@xw.func(category=CATEGORY)
@xw.arg("row", doc=("Vùng từ dòng tiêu đề của bảng đến dòng cần kiểm tra, cố định dòng đầu "
                    "(ví dụ $A$5:$H8) để sao chép công thức xuống."), **_RANGE)
@xw.arg("profile", doc=_PROFILE)
def TTHC_ROW_STATUS(row, profile=None):
    ('Tình trạng một dòng của bảng (dòng cuối của vùng): "OK" hoặc lỗi nặng nhất của dòng đó; '
     'để trống khi dòng cuối không phải dòng số liệu. Dùng cho cột "Tình trạng".')
    return cellfuncs.row_status(row, profile)


@xw.func(category=CATEGORY)
@xw.arg("text", doc="Ô hoặc vùng chứa số viết kiểu Việt Nam: 1.692; 94,87%; 07.", **_RANGE)
def TTHC_NUMBER(text):
    ('Đổi số viết kiểu Việt Nam thành số: "1.692" thành 1692, "94,87%" thành 0,9487, "07" '
     "thành 7. Ô trống cho kết quả trống.")
    return cellfuncs.to_number(text)


@xw.func(category=CATEGORY)
@xw.arg("value", doc="Tỷ lệ dạng phân số (0,9487) hoặc vùng các tỷ lệ.", **_RANGE)
@xw.arg("decimals", doc="Số chữ số thập phân, từ 0 đến 10 (không bắt buộc, mặc định 2).", **_RANGE)
def TTHC_PERCENT_TEXT(value, decimals=None):
    ("Viết tỷ lệ thành chữ phần trăm kiểu Việt Nam, làm tròn như hàm ROUND: 0,9487 thành "
     '"94,87%". Dùng khi cần ghép số liệu vào câu văn báo cáo.')
    return cellfuncs.percent_text(value, decimals)


@xw.func(category=CATEGORY)
@xw.arg("table", doc=("Vùng bảng kết quả giải quyết TTHC, tính cả dòng tiêu đề (và dòng tên kỳ báo cáo "
                      "ở trên nếu có)."), **_RANGE)
@xw.arg("period", doc="Kỳ báo cáo (không bắt buộc), ví dụ \"tháng 02 năm 2021\"; mặc định lấy từ tên bảng.")
def TTHC_NARRATIVE(table, period=None):
    ("Đoạn văn tóm tắt kết quả giải quyết TTHC của bảng (tiếp nhận, đã giải quyết, đúng hạn, "
     "đang giải quyết, các đơn vị nổi bật), mỗi ý một dòng; định dạng ô Wrap Text để xem đủ.")
    return cellfuncs.narrative_text(table, period)
