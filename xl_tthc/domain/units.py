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
from typing import NamedTuple

from .text import fold, nfc, remember, strip_accents

__all__ = ["Unit", "REGISTRY", "UnitMatch", "match_unit", "unit_key", "successor", "is_local_unit", "Province",
           "PROVINCES", "PROVINCE_MERGER_DATE", "match_province", "current_province", "split_province", "province_name"]


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


class UnitMatch(NamedTuple):  # (immutable; a tuple is made 3x faster: one for each name of a 10,000-row range)
    name: str  # as written
    unit: Unit | None
    suggestions: tuple[str, ...] = ()
    local: bool = False  # a district/commune-level unit: accepted, not in the registry

    @property
    def canonical(self) -> str:
        return self.unit.name if self.unit else self.name.strip()


def is_local_unit(name: str) -> bool:
    return bool(_LOCAL.match(fold(name)))


def match_unit(name: str, suggest: bool = True) -> UnitMatch:
    """Find a unit by any of its written forms; with ``suggest``, an unknown name gets
    the nearest registered names (the slow part: skip it when nobody reads them).
    Each name is matched once (``MATCHES``, which the rules read inline)."""
    memo = MATCHES if suggest else _BARE_MATCHES
    m = memo.get(name)
    return remember(memo, name, lambda n: _match_unit(n, suggest), 1 << 14) if m is None else m


# name -> match_unit(name) (with suggestions; _BARE_MATCHES without): plain dicts, as a
# 10,000-row range's first check matches 10,000 new names
MATCHES: dict[str, UnitMatch] = {}
_BARE_MATCHES: dict[str, UnitMatch] = {}


def _match_unit(name: str, suggest: bool) -> UnitMatch:
    if is_local_unit(name):  # no registered unit is district- or commune-level (tested)
        return UnitMatch(name, None, (), True)
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


# --- provinces and the 1 July 2025 merger (Nghị quyết 202/2025/QH15) -------------------

PROVINCE_MERGER_DATE = date(2025, 7, 1)


@dataclass(frozen=True)
class Province:
    name: str  # as written in the registry, without "tỉnh"/"thành phố"
    city: bool = False  # a centrally-run city (thành phố trực thuộc trung ương)
    before: bool = True  # one of the 63 before 1 July 2025
    after: bool = True  # one of the 34 from 1 July 2025
    successor: str | None = None  # the province it was merged into (before-only provinces)
    aliases: tuple[str, ...] = ()


def _p(name: str, *merged: str, city: bool = False, aliases: tuple[str, ...] = ()) -> list[Province]:
    """A province of today and the old provinces merged into it."""
    return [Province(name, city, aliases=aliases)] + [Province(m, False, True, False, name) for m in merged]


PROVINCES: tuple[Province, ...] = tuple(
    p for group in (
        _p("Hà Nội", city=True), _p("Huế", city=True, aliases=("Thừa Thiên Huế", "Thừa Thiên - Huế")),
        _p("Cao Bằng"), _p("Điện Biên"), _p("Hà Tĩnh"), _p("Lai Châu"), _p("Lạng Sơn"), _p("Nghệ An"),
        _p("Quảng Ninh"), _p("Thanh Hóa"), _p("Sơn La"),
        _p("Tuyên Quang", "Hà Giang"), _p("Lào Cai", "Yên Bái"), _p("Thái Nguyên", "Bắc Kạn"),
        _p("Phú Thọ", "Vĩnh Phúc", "Hòa Bình"), _p("Bắc Ninh", "Bắc Giang"), _p("Hưng Yên", "Thái Bình"),
        _p("Hải Phòng", "Hải Dương", city=True), _p("Ninh Bình", "Hà Nam", "Nam Định"),
        _p("Quảng Trị", "Quảng Bình"), _p("Đà Nẵng", "Quảng Nam", city=True), _p("Quảng Ngãi", "Kon Tum"),
        _p("Gia Lai", "Bình Định"), _p("Khánh Hòa", "Ninh Thuận"), _p("Lâm Đồng", "Đắk Nông", "Bình Thuận"),
        _p("Đắk Lắk", "Phú Yên"),
        _p("Hồ Chí Minh", "Bà Rịa - Vũng Tàu", "Bình Dương", city=True,
           aliases=("TP HCM", "TP.HCM", "TPHCM", "Sài Gòn", "HCM")),
        _p("Đồng Nai", "Bình Phước"), _p("Tây Ninh", "Long An"), _p("Cần Thơ", "Sóc Trăng", "Hậu Giang", city=True),
        _p("Vĩnh Long", "Bến Tre", "Trà Vinh"), _p("Đồng Tháp", "Tiền Giang"), _p("Cà Mau", "Bạc Liêu"),
        _p("An Giang", "Kiên Giang"),
    ) for p in group
)
_PROVINCE_PREFIX = re.compile(r"^(tỉnh|thành phố|tp\.?)\s+")


def _province_key(name: str) -> str:
    t = _PROVINCE_PREFIX.sub("", fold(name).replace("–", "-"))
    return "".join(_WORD.findall(strip_accents(t)))


@lru_cache(maxsize=1)
def _province_index() -> dict[str, Province]:
    return {_province_key(n): p for p in PROVINCES for n in (p.name, *p.aliases)}


@lru_cache(maxsize=4096)
def match_province(name: str) -> Province | None:
    """A province (of before or after the merger) by any of its written forms:
    "Bình Thuận", "tỉnh Bình Thuận", "TP. Hồ Chí Minh", "Thừa Thiên Huế"."""
    return _province_index().get(_province_key(name)) if name and name.strip() else None


def current_province(name: str) -> Province | None:
    """Today's province for a name of either side of the merger ("Bình Thuận" -> Lâm Đồng)."""
    p = match_province(name)
    while p is not None and p.successor:
        p = _province_index()[_province_key(p.successor)]
    return p


_IN_PROVINCE = re.compile(r"\s*(?:[-–,(]\s*)?(?:tỉnh|thành phố|tp\.?)\s+(.+?)\)?\s*$")


@lru_cache(maxsize=4096)
def split_province(name: str) -> tuple[str, Province | None]:
    """A unit named with its province, as the unit's name and today's province:
    "Sở Tư pháp tỉnh Bình Thuận" -> ("Sở Tư pháp", Lâm Đồng); a name without a known
    province is returned as it is, with None."""
    m = _IN_PROVINCE.search(fold(name))
    if m is not None and (p := current_province(m.group(1))) is not None:
        return nfc(name)[: m.start()].strip(" -–,"), p
    return name, None


def province_name(p: Province) -> str:
    """The province's name as reports write it: "tỉnh Lâm Đồng", "thành phố Hà Nội"."""
    return f"{'thành phố' if p.city else 'tỉnh'} {p.name}"
