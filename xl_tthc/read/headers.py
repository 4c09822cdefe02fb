"""Header paths to canonical fields.

A column's header is read as its whole path through the merged header rows
("Đã giải quyết / Quá hạn" is ``resolved_late``, "Đang giải quyết / Quá hạn" is
``pending_overdue``), folded with :func:`xl_tthc.domain.text.fold`.  Every header text of
domain.md is matched here and nowhere else.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from ..domain.fields import SHARE_OF, SHARE_PREFIX
from ..domain.text import fold

__all__ = ["classify", "candidates", "row_kind", "is_unit_header", "is_stt_header", "TOTAL_LABELS", "is_total_label",
           "folded_is_unit_header", "folded_is_total_label", "folded_is_ratio_label", "TOTAL_EXTRA", "UNIT_HEADERS",
           "is_ratio_label"]


def _any(text: str, words: Sequence[str]) -> bool:
    return any(w in text for w in words)


UNIT_HEADERS = (
    "tên đơn vị", "đơn vị", "tên cơ quan", "cơ quan", "lĩnh vực", "tên lĩnh vực",
    "sở, ban, ngành", "sở ban ngành", "tên sở, ban, ngành", "sở, ngành", "cơ quan, đơn vị",
    "đơn vị/lĩnh vực", "tên thủ tục", "địa phương",
    # tables whose rows are service levels, periods, procedures or report items
    "mức độ", "mức độ dịch vụ công", "mức độ dvc", "mục", "nội dung", "chỉ tiêu", "cấp", "cấp giải quyết", "kỳ",
    "kỳ báo cáo", "thời gian", "thủ tục", "thủ tục hành chính", "tên thủ tục hành chính", "tên tthc", "tthc",
    "lĩnh vực, công việc giải quyết theo cấp", "lĩnh vực, công việc", "nhóm thủ tục",
)
# what a table's rows are, from its unit header: departments unless it says otherwise
_ROW_KINDS = (
    (("lĩnh vực", "thủ tục", "tthc", "nhóm thủ tục"), "field"),
    (("mức độ",), "level"),
    (("kỳ", "thời gian"), "period"),
    (("nội dung", "chỉ tiêu", "mục", "cấp"), "field"),  # report items, levels of government
)
_UNIT_HEADER_SET = frozenset(UNIT_HEADERS)
STT_HEADERS = ("stt", "tt", "số tt", "số thứ tự", "s tt")

TOTAL_LABELS = ("tổng cộng", "tổng số", "cộng", "σ", "tổng", "toàn tỉnh", "tổng toàn tỉnh")
TOTAL_EXTRA = ("tổng cộng toàn tỉnh", "cộng toàn tỉnh", "tổng số chung")  # total labels a header cell never is

_RECEIVED_SECTION = ("tiếp nhận", "nhận giải quyết", "hồ sơ nhận", "đã nhận", "số hồ sơ nhận")
_RESOLVED_SECTION = (
    "đã giải quyết", "đã xử lý", "đã trả kết quả", "giải quyết xong", "đã hoàn thành",
    "đã có kết quả", "hồ sơ đã giải quyết", "số hồ sơ đã giải quyết",
)
_PENDING_SECTION = ("đang giải quyết", "chưa giải quyết", "đang xử lý", "chưa có kết quả", "chưa trả kết quả",
                    "chưa xử lý", "còn tồn", "tồn cuối kỳ", "chuyển kỳ sau")
_TOTAL_LEAF = ("tổng số", "tổng", "cộng", "số lượng", "tổng cộng", "số hồ sơ", "sl", "số lượng hồ sơ")

_CARRIED = ("kỳ trước", "chuyển sang", "chuyển qua", "tồn đầu kỳ", "tồn kỳ trước", "từ kỳ trước")
_NEW = ("mới tiếp nhận", "tiếp nhận mới", "kỳ này", "trong kỳ", "nhận mới", "phát sinh")
_IN_TIME = (
    "trước hạn và đúng hạn", "đúng và trước hạn", "đúng hẹn", "đúng và sớm hạn", "sớm và đúng hạn",
    "trước và đúng hạn", "đúng hạn và trước hạn", "trả đúng và sớm hạn", "trước hạn, đúng hạn",
)
_EARLY = ("trước hạn", "sớm hạn", "trả trước hạn")
_ON_TIME = ("đúng hạn", "đúng thời hạn")
_PENDING_IN_TIME = ("trong hạn", "còn hạn", "chưa đến hạn", "chưa quá hạn", "chưa tới hạn")
_DUE = ("đến hạn", "tới hạn")
_LATE = ("quá hạn", "trễ hạn", "trễ hẹn", "quá hẹn", "chậm", "trễ")
_RETURNED = ("trả lại", "từ chối")
_WITHDRAWN = ("rút hồ sơ", "xin rút", "rút")
_SUPPLEMENT = ("bổ sung",)
_ONLINE = ("trực tuyến", "qua mạng")
_DIRECT = ("trực tiếp",)
_POSTAL = ("bưu chính", "bưu điện", "bcci")


def is_unit_header(text: object) -> bool:
    return folded_is_unit_header(fold(text))


def folded_is_unit_header(t: str) -> bool:
    """:func:`is_unit_header` of a text already folded."""
    return t in _UNIT_HEADER_SET or (t.startswith(("tên ", "cơ quan ", "đơn vị ")) and len(t) < 40 and "tỷ lệ" not in t
                                 and not t.startswith("đơn vị tính"))


def row_kind(unit_header: object) -> str:
    """What the rows of a table with this unit header are: department, field (of
    procedures, or procedures), level (of online service) or period."""
    t = fold(unit_header)
    for words, kind in _ROW_KINDS:
        if _any(t, words):
            return kind
    return "department"


def is_stt_header(text: object) -> bool:
    return fold(text).replace(".", "") in STT_HEADERS


def is_total_label(text: object) -> bool:
    return folded_is_total_label(fold(text))


def folded_is_total_label(folded: str) -> bool:
    """:func:`is_total_label` of a text already folded."""
    t = folded.rstrip(" :")
    return t in TOTAL_LABELS or t in TOTAL_EXTRA


def is_ratio_label(text: object) -> bool:
    return folded_is_ratio_label(fold(text))


def folded_is_ratio_label(t: str) -> bool:
    """:func:`is_ratio_label` of a text already folded."""
    return t.startswith("tỷ lệ") or t in ("%", "tỷ lệ %", "tỷ lệ (%)")


def _section(path: list[str]) -> str | None:
    """The nearest section (received / resolved / pending) from the leaf up."""
    for p in reversed(path):
        if _any(p, _PENDING_SECTION):
            return "pending"
        if _any(p, _RESOLVED_SECTION):
            return "resolved"
        if _any(p, _RECEIVED_SECTION) and not _any(p, _CARRIED + _NEW):
            return "received"
    return None


_BARE_RATIO = ("tỷ lệ", "tỷ lệ %", "tỷ lệ (%)", "%", "(%)", "tỷ lệ%")


def _ratio_field(full: str, path: list[str]) -> str | None:
    if path[-1] in _BARE_RATIO and len(path) > 1:
        parent = classify(path[:-1])  # "Trước hạn / Tỷ lệ (%)": the share of its parent's count
        if parent in SHARE_OF:
            return SHARE_PREFIX + parent
    if _any(full, ("thanh toán",)) and _any(full, _ONLINE):
        return "online_payment_rate"
    if _any(full, ("csdl", "cơ sở dữ liệu", "dân cư")):
        return "population_db_rate"
    if "số hóa" in full:
        return "digitisation_rate"
    if _any(full, ("điện tử",)) and "kết quả" in full:
        return "e_result_rate"
    if _any(full, _ONLINE):
        return "online_rate"
    if _any(full, _POSTAL):
        return "postal_rate"
    section = _section(path)
    if _any(full, _IN_TIME + _EARLY + _ON_TIME):
        return "ontime_rate"
    if _any(full, _LATE):
        return "overdue_pending_rate" if section == "pending" else "late_rate"
    if section == "resolved" or "giải quyết" in full:
        return "resolved_rate"
    return None


def _satisfaction_field(leaf: str) -> str | None:
    if "không hài lòng" in leaf:
        if "nghiệp vụ" in leaf:
            return "unsat_skill"
        if "thời gian" in leaf:
            return "unsat_time"
        return None
    if "hài lòng" in leaf:
        if "dịch vụ" in leaf:
            return "sat_service"
        if "thái độ" in leaf:
            return "sat_attitude"
        return None
    if "góp ý" in leaf:
        return "feedback"
    return None


def _fee_field(full: str, leaf: str) -> str | None:
    online = _any(full, _ONLINE)
    direct = _any(full, _DIRECT)
    if online == direct:
        return None
    side = "online" if online else "direct"
    if "số tiền" in leaf or "thành tiền" in leaf or "đồng" in leaf:
        return f"{side}_amount"
    if "giao dịch" in leaf or "số lượng" in leaf or "số hồ sơ" in leaf or leaf in _TOTAL_LEAF:
        return f"{side}_tx"
    return None


_PERCENT = re.compile(r"\(\s*%\s*\)|%")


def classify(path: Sequence[object]) -> str | None:
    """The canonical field of a column from its header path (root first), or None.

    >>> classify(["Đã giải quyết", "Quá hạn"]), classify(["Đang giải quyết", "Quá hạn"])
    ('resolved_late', 'pending_overdue')
    """
    return _classify(tuple(f for f in map(fold, path) if f))


@lru_cache(maxsize=1 << 14)  # the same headers come back in every file of a batch
def _classify(folded: tuple[str, ...]) -> str | None:
    if not folded:
        return None
    leaf = folded[-1]
    full = " / ".join(folded)
    if is_unit_header(leaf) and len(folded) == 1:
        return "unit"
    if "mức độ" in leaf:
        return None  # "Số hồ sơ mức độ 3, 4": a service-level count, not a canonical field
    if leaf in _TOTAL_LEAF and len(folded) > 1:
        parent = _classify(folded[:-1])  # "Tiếp nhận mới / Tổng": the total of its parent
        if parent and parent not in ("unit", "stt"):
            return parent
    if is_stt_header(leaf):
        return "stt"
    if "tỷ lệ" in full or _PERCENT.search(leaf):
        return _ratio_field(full, folded)
    sat = _satisfaction_field(leaf)
    if sat:
        return sat
    if _any(full, ("giao dịch", "số tiền", "phí, lệ phí", "lệ phí")):
        return _fee_field(full, leaf)
    if "hài lòng" in full and leaf in ("tổng cộng", "tổng số", "tổng"):
        return "sat_total"
    section = _section(folded)
    if _any(leaf, _CARRIED):
        return "carried_over"
    if _any(leaf, _NEW):
        return "received_new"
    if _any(leaf, _ONLINE):
        return "received_online" if section in (None, "received") else None
    if _any(leaf, _DIRECT) and _any(leaf, _POSTAL):
        return "received_offline"
    if _any(leaf, _DIRECT):
        return "received_direct" if section in (None, "received") else None
    if _any(leaf, _POSTAL):
        return "received_postal" if section in (None, "received") else None
    if _any(leaf, _IN_TIME):
        return "resolved_in_time"
    if _any(leaf, _DUE) and not _any(leaf, _PENDING_IN_TIME) and section != "resolved" and "quá" not in leaf:
        return "pending_due"  # "Đến hạn" of a three-way split Chưa đến hạn / Đến hạn / Quá hạn
    if _any(leaf, _PENDING_IN_TIME):
        return "pending_in_time"
    if _any(leaf, _EARLY):
        return "resolved_early"
    if _any(leaf, _ON_TIME):
        return "resolved_on_time" if section != "pending" else "pending_in_time"
    if _any(leaf, _LATE):
        return "pending_overdue" if section == "pending" else "resolved_late"
    if _any(leaf, _RETURNED):
        return "returned"
    if _any(leaf, _WITHDRAWN):
        return "withdrawn"
    if _any(leaf, _SUPPLEMENT):
        return "supplement_requested"
    if leaf in _TOTAL_LEAF or _section([leaf]) is not None:
        leaf_section = _section([leaf]) or section
        if "mức độ" in full:
            return None
        return {"received": "received", "resolved": "resolved", "pending": "pending"}.get(leaf_section or "")
    return None


_GENERIC_PARENTS = ("kết quả giải quyết", "kết quả xử lý", "tình hình giải quyết", "kết quả")


def candidates(path: Sequence[object]) -> tuple[str, ...]:
    """The fields a column's header may mean when it does not say for sure: for a
    header :func:`classify` cannot place, the likely fields, nearest first; for one it
    places by a default, that field and the others it could be.  Empty when the header
    is plain.  The reader asks the numbers to decide between them."""
    return _candidates(tuple(f for f in map(fold, path) if f))


@lru_cache(maxsize=1 << 12)
def _candidates(folded: tuple[str, ...]) -> tuple[str, ...]:
    if not folded:
        return ()
    leaf, full = folded[-1], " / ".join(folded)
    field = _classify(folded)
    if "tỷ lệ" in full or _PERCENT.search(leaf):
        return () if field else ("ontime_rate", "late_rate", "online_rate", "resolved_rate")
    section = _section(list(folded))
    if leaf in _TOTAL_LEAF or leaf.startswith("tổng"):
        if field is None:
            if any(_any(p, _GENERIC_PARENTS) for p in folded[:-1]):
                return ("resolved", "pending")  # "Kết quả giải quyết / Tổng số"
            return ("received", "received_new", "resolved", "pending")
        return ()
    if field is None:
        return ()
    if section is None and field in ("resolved_late", "pending_overdue"):
        return ("resolved_late", "pending_overdue")  # a bare "Quá hạn"
    if section is None and field in ("resolved_on_time", "pending_in_time"):
        return (field, "resolved_on_time" if field == "pending_in_time" else "pending_in_time")
    return ()
