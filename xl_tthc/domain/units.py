"""The registry of provincial departments and agencies, their variant names, and the
2025 reorganisation (old unit -> new unit).

``match_unit("Sở LĐ-TB&XH")`` finds "Sở Lao động - Thương binh và Xã hội";
unknown names get the nearest registered names as suggestions.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .text import fold, strip_accents

__all__ = ["Unit", "REGISTRY", "UnitMatch", "match_unit", "unit_key", "successor", "is_local_unit"]


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    valid_to: bool = False  # True: dissolved by the 2025 reorganisation
    new: bool = False  # True: created by the 2025 reorganisation
    successors: tuple[str, ...] = ()  # codes of the units that took over its work


_U = Unit
REGISTRY: tuple[Unit, ...] = (
    _U("NV", "Sở Nội vụ"),
    _U("TP", "Sở Tư pháp"),
    _U("TC", "Sở Tài chính"),
    _U("KHDT", "Sở Kế hoạch và Đầu tư", valid_to=True, successors=("TC",)),
    _U("CT", "Sở Công Thương"),
    _U("NNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", valid_to=True, successors=("NNMT",)),
    _U("TNMT", "Sở Tài nguyên và Môi trường", valid_to=True, successors=("NNMT",)),
    _U("NNMT", "Sở Nông nghiệp và Môi trường", new=True),
    _U("GTVT", "Sở Giao thông vận tải", valid_to=True, successors=("XD",)),
    _U("XD", "Sở Xây dựng"),
    _U("TTTT", "Sở Thông tin và Truyền thông", valid_to=True, successors=("KHCN",)),
    _U("KHCN", "Sở Khoa học và Công nghệ"),
    _U("LDTBXH", "Sở Lao động - Thương binh và Xã hội", valid_to=True, successors=("NV", "YT", "GDDT")),
    _U("GDDT", "Sở Giáo dục và Đào tạo"),
    _U("YT", "Sở Y tế"),
    _U("VHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    _U("VHTT", "Sở Văn hóa và Thể thao", new=True),
    _U("DL", "Sở Du lịch"),
    _U("NGV", "Sở Ngoại vụ"),
    _U("QHKT", "Sở Quy hoạch - Kiến trúc"),
    _U("DTTG", "Sở Dân tộc và Tôn giáo", new=True),
    _U("BDT", "Ban Dân tộc", valid_to=True, successors=("DTTG",)),
    _U("TTRA", "Thanh tra tỉnh"),
    _U("VPUB", "Văn phòng Ủy ban nhân dân tỉnh", ("Văn phòng UBND tỉnh", "Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh")),
    _U("UBND", "Ủy ban nhân dân tỉnh", ("UBND tỉnh",)),
    _U("BQLKCN", "Ban Quản lý các khu công nghiệp", ("Ban Quản lý các KCN", "BQL các KCN", "Ban Quản lý KCN")),
    _U("BQLKKT", "Ban Quản lý Khu kinh tế", ("BQL KKT", "Ban Quản lý các khu kinh tế", "Ban Quản lý KKT")),
    _U("CA", "Công an tỉnh", ("Công an",)),
    _U("BHXH", "Bảo hiểm xã hội tỉnh", ("Bảo hiểm xã hội", "BHXH tỉnh", "BHXH")),
    _U("THUE", "Cục Thuế tỉnh", ("Cục Thuế", "Thuế tỉnh")),
    _U("KBNN", "Kho bạc Nhà nước tỉnh", ("Kho bạc Nhà nước", "KBNN tỉnh")),
    _U("HQ", "Cục Hải quan tỉnh", ("Cục Hải quan", "Chi cục Hải quan")),
    _U("DIENLUC", "Công ty Điện lực tỉnh", ("Điện lực tỉnh", "Công ty Điện lực", "Điện lực")),
    _U("BUUDIEN", "Bưu điện tỉnh", ("Bưu điện",)),
    _U("NHNN", "Ngân hàng Nhà nước chi nhánh tỉnh", ("Ngân hàng Nhà nước", "Ngân hàng Nhà nước chi nhánh")),
    _U("QS", "Bộ Chỉ huy Quân sự tỉnh", ("Bộ CHQS tỉnh",)),
    _U("BP", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", ("Bộ đội Biên phòng tỉnh",)),
    _U("THONGKE", "Cục Thống kê tỉnh", ("Cục Thống kê", "Chi cục Thống kê")),
    _U("VPDKDD", "Văn phòng Đăng ký đất đai", ("Văn phòng đăng ký đất đai tỉnh",)),
    _U("TTPVHCC", "Trung tâm Phục vụ hành chính công", ("Trung tâm Hành chính công",)),
)
_BY_CODE = {u.code: u for u in REGISTRY}

# Abbreviations, on folded text, longest first.
_ABBREVIATIONS = (
    ("lđ-tb&xh", "lao động thương binh và xã hội"),
    ("lđ - tb&xh", "lao động thương binh và xã hội"),
    ("lđtb&xh", "lao động thương binh và xã hội"),
    ("lđtbxh", "lao động thương binh và xã hội"),
    ("tb&xh", "thương binh và xã hội"),
    ("tbxh", "thương binh và xã hội"),
    ("kh&đt", "kế hoạch và đầu tư"),
    ("khđt", "kế hoạch và đầu tư"),
    ("nn&ptnt", "nông nghiệp và phát triển nông thôn"),
    ("nnptnt", "nông nghiệp và phát triển nông thôn"),
    ("ptnt", "phát triển nông thôn"),
    ("nn&mt", "nông nghiệp và môi trường"),
    ("tn&mt", "tài nguyên và môi trường"),
    ("tnmt", "tài nguyên và môi trường"),
    ("tt&tt", "thông tin và truyền thông"),
    ("tttt", "thông tin và truyền thông"),
    ("vh,tt&dl", "văn hóa thể thao và du lịch"),
    ("vhtt&dl", "văn hóa thể thao và du lịch"),
    ("vhttdl", "văn hóa thể thao và du lịch"),
    ("vh-tt-dl", "văn hóa thể thao và du lịch"),
    ("tt&dl", "thể thao và du lịch"),
    ("kh&cn", "khoa học và công nghệ"),
    ("khcn", "khoa học và công nghệ"),
    ("gd&đt", "giáo dục và đào tạo"),
    ("gdđt", "giáo dục và đào tạo"),
    ("gtvt", "giao thông vận tải"),
    ("kcn", "khu công nghiệp"),
    ("kkt", "khu kinh tế"),
    ("bql", "ban quản lý"),
    ("ubnd", "ủy ban nhân dân"),
    ("bhxh", "bảo hiểm xã hội"),
    ("hđnd", "hội đồng nhân dân"),
    ("đbqh", "đại biểu quốc hội"),
    ("chqs", "chỉ huy quân sự"),
)
_ENUMERATOR = re.compile(r"^\s*(\d+(\.\d+)*|[a-zđ]|[ivxl]+)\s*[.)/-]\s+|^\s*[-+•]\s*")  # "1. ", "a) ", "- "
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"va", "cac", "tinh", "so", "ban", "nganh", "thuoc"}
_LOCAL = re.compile(
    r"^(ủy ban nhân dân|ubnd)?\s*(huyện|thị xã|thành phố|tp\.?|quận|xã|phường|thị trấn|đặc khu)\s+\S",
)


_LONG_FORMS = dict(_ABBREVIATIONS)
# one pass; at each place the first abbreviation of the list that fits wins ("nn&ptnt" before "ptnt")
_ABBREVIATION_RE = re.compile(r"(?<![\w&])(?:" + "|".join(re.escape(short) for short, _ in _ABBREVIATIONS)
                              + r")(?![\w&])")


def _expand(folded: str) -> str:
    return _ABBREVIATION_RE.sub(lambda m: _LONG_FORMS[m.group(0)], folded)


def unit_key(name: str) -> str:
    """A comparison key: folded, abbreviations expanded, accents, punctuation and
    filler words ("và", "các", "tỉnh", "Sở") removed.  Keeps the "Sở"/"Ban" kind out so
    "Sở Khoa học Công nghệ" and "Sở Khoa học và Công nghệ" meet."""
    t = strip_accents(_expand(_ENUMERATOR.sub("", fold(name))))
    words = _WORD.findall(t)
    return " ".join(w for w in words if w not in _STOP)


@lru_cache(maxsize=1)
def _index() -> dict[str, Unit]:
    index: dict[str, Unit] = {}
    for u in REGISTRY:
        for n in (u.name, *u.aliases):
            index.setdefault(unit_key(n), u)
    return index


@dataclass(frozen=True)
class UnitMatch:
    name: str  # as written
    unit: Unit | None
    suggestions: tuple[str, ...] = ()
    local: bool = False  # a district/commune-level unit: accepted, not in the registry

    @property
    def canonical(self) -> str:
        return self.unit.name if self.unit else self.name.strip()


def is_local_unit(name: str) -> bool:
    return bool(_LOCAL.match(fold(name)))


@lru_cache(maxsize=1 << 14)
def match_unit(name: str, suggest: bool = True) -> UnitMatch:
    """Find a unit by any of its written forms; with ``suggest``, an unknown name gets
    the nearest registered names (the slow part: skip it when nobody reads them)."""
    if is_local_unit(name):  # no registered unit is district- or commune-level (tested)
        return UnitMatch(name, None, local=True)
    key = unit_key(name)
    unit = _index().get(key)
    if unit:
        return UnitMatch(name, unit)
    if not suggest:
        return UnitMatch(name, None)
    keys = list(_index())
    close = difflib.get_close_matches(key, keys, n=3, cutoff=0.75)
    return UnitMatch(name, None, tuple(dict.fromkeys(_index()[k].name for k in close)))


def successor(unit: Unit) -> tuple[Unit, ...]:
    return tuple(_BY_CODE[c] for c in unit.successors)


def is_retired(unit: Unit, period_start: date | None, reorg_date: date) -> bool:
    return unit.valid_to and period_start is not None and period_start >= reorg_date
