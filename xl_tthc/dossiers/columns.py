"""Recognising the columns of a dossier export by their names.

The national portal's field names (``MaHoSo``, ``NgayTiepNhan`` …) and the Vietnamese
headers of provincial exports ("Mã hồ sơ", "Ngày tiếp nhận" …) meet after folding: accents,
case, spacing and punctuation removed, "Mã hồ sơ" and "MaHoSo" are both ``mahoso``.  A
mapping (``{"column as written": "canonical"}``, from ``--map FILE``) names anything else.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..domain.text import fold, strip_accents

__all__ = ["CANONICAL", "DATE_COLUMNS", "FLAG_COLUMNS", "ColumnMap", "column_key", "recognise", "load_mapping",
           "MappingError", "LABELS"]


class MappingError(ValueError):
    pass


# canonical column -> names seen, as written (folded by column_key)
_NAMES: dict[str, tuple[str, ...]] = {
    "dossier_id": ("MaHoSo", "Mã hồ sơ", "Số hồ sơ", "Mã số hồ sơ", "Số biên nhận"),
    "procedure_code": ("MaTTHC", "Mã thủ tục", "Mã TTHC", "Mã thủ tục hành chính"),
    "procedure": ("TenTTHC", "Thủ tục", "Tên thủ tục", "Tên TTHC", "Thủ tục hành chính", "Tên thủ tục hành chính"),
    "field_code": ("MaLinhVuc", "Mã lĩnh vực"),
    "field": ("TenLinhVuc", "Lĩnh vực", "Tên lĩnh vực"),
    "channel": ("KenhThucHien", "Kênh", "Kênh thực hiện", "Kênh nộp", "Hình thức nộp", "Hình thức tiếp nhận",
                "Hình thức nộp hồ sơ"),
    "submitted_at": ("NgayNopHoSo", "Ngày nộp", "Ngày nộp hồ sơ"),
    "received_at": ("NgayTiepNhan", "Ngày tiếp nhận", "Ngày nhận"),
    "deadline": ("NgayHenTra", "Ngày hẹn trả", "Ngày hẹn trả kết quả", "Hạn xử lý", "Hạn giải quyết"),
    "status": ("TrangThaiHoSo", "Trạng thái", "Trạng thái hồ sơ", "Tình trạng"),
    "ended_at": ("NgayKetThucXuLy", "Ngày có kết quả", "Ngày kết thúc xử lý", "Ngày hoàn thành",
                 "Ngày kết thúc", "Ngày xử lý xong"),
    "returned_at": ("NgayTra", "Ngày trả kết quả", "Ngày trả"),
    "refused_at": ("NgayTuChoi", "Ngày từ chối"),
    "unit": ("DonViXuLy", "Cơ quan giải quyết", "Đơn vị xử lý", "Đơn vị giải quyết", "Cơ quan thực hiện",
             "Đơn vị", "Cơ quan", "Tên đơn vị", "Cơ quan tiếp nhận"),
    "province": ("Tỉnh", "Tỉnh/thành phố", "Tỉnh thành", "MaTinh", "TenTinh", "tinh"),
    "paid_online": ("DuocThanhToanTrucTuyen", "Thanh toán trực tuyến", "Đã thanh toán trực tuyến"),
    "digitised": ("HoSoCoThanhPhanSoHoa", "Số hóa", "Hồ sơ có thành phần số hóa", "Đã số hóa"),
    "e_result": ("KetQuaBanDienTu", "TraKetQuaDienTu", "Kết quả bản điện tử", "Trả kết quả điện tử",
                 "Kết quả điện tử"),
    "supplement_days": ("SoNgayBoSung", "ThoiGianChoBoSung", "Số ngày chờ bổ sung", "Thời gian chờ bổ sung",
                        "Số ngày bổ sung"),
    "supplement_count": ("SoLanBoSung", "Số lần bổ sung", "Số lần yêu cầu bổ sung"),
}
CANONICAL = tuple(_NAMES)
DATE_COLUMNS = ("submitted_at", "received_at", "deadline", "ended_at", "returned_at", "refused_at")
FLAG_COLUMNS = ("paid_online", "digitised", "e_result")
# Hive partition keys of national exports, understood but not counted.
_PARTITION_ONLY = {"thang", "nam", "month", "year", "quy"}

LABELS: dict[str, tuple[str, str]] = {
    "dossier_id": ("Mã hồ sơ", "dossier id"), "procedure_code": ("Mã thủ tục", "procedure code"),
    "procedure": ("Thủ tục", "procedure"), "field_code": ("Mã lĩnh vực", "field code"),
    "field": ("Lĩnh vực", "field"), "channel": ("Kênh nộp", "channel"),
    "submitted_at": ("Ngày nộp", "submission date"), "received_at": ("Ngày tiếp nhận", "receipt date"),
    "deadline": ("Ngày hẹn trả", "deadline"), "status": ("Trạng thái", "status"),
    "ended_at": ("Ngày có kết quả", "end date"), "returned_at": ("Ngày trả kết quả", "return date"),
    "refused_at": ("Ngày từ chối", "refusal date"), "unit": ("Cơ quan giải quyết", "unit"),
    "province": ("Tỉnh", "province"), "paid_online": ("Thanh toán trực tuyến", "online payment"),
    "digitised": ("Số hóa", "digitised"), "e_result": ("Kết quả bản điện tử", "electronic result"),
    "supplement_days": ("Số ngày chờ bổ sung", "supplement days"),
    "supplement_count": ("Số lần bổ sung", "supplement requests"),
}

_NON_WORD = re.compile(r"[^a-z0-9]+")


def column_key(name: object) -> str:
    """"Mã hồ sơ", "MaHoSo", "MA_HO_SO" -> "mahoso"."""
    return _NON_WORD.sub("", strip_accents(fold(name)))


_KEYS: dict[str, str] = {column_key(n): c for c, names in _NAMES.items() for n in names}

# Names seen nowhere above, by their words (accents stripped, camelCase split): the first
# rule whose pattern the whole name matches gives its meaning.  Every column understood
# this way is said (``ColumnMap.guessed``); a name that could mean two things ("Đơn vị
# tiếp nhận": the one-stop centre, or the department?) matches no rule and is reported
# unused, to be named with --map.
_WHEN = r"(ngay|thoi gian|thoi diem|ngay gio)"
_RULES: tuple[tuple[str, re.Pattern], ...] = tuple((c, re.compile(p)) for c, p in (
    ("paid_online", r".*thanh toan.*"),
    ("digitised", r".*so hoa.*"),
    ("e_result", r".*(ket qua|ban) (ban )?dien tu.*"),
    ("supplement_count", r"so lan (yeu cau )?bo sung.*"),
    ("supplement_days", r"(so ngay|thoi gian) (cho )?bo sung.*"),
    ("refused_at", _WHEN + r" (tu choi|khong tiep nhan).*"),
    ("deadline", r"(" + _WHEN + r" hen( tra)?|han( tra| xu ly| giai quyet| hoan thanh)?|" + _WHEN
     + r" het han)( ket qua)?( ho so)?( theo quy dinh)?"),
    ("returned_at", _WHEN + r" (tra|trao|giao)( ket qua)?( cho (cong dan|to chuc|nguoi dan).*)?"),
    ("ended_at", _WHEN + r" (co ket qua|ket thuc( xu ly)?|hoan thanh( xu ly)?|(xu ly|giai quyet) xong|"
                         r"xu ly hoan thanh)( ho so)?"),
    ("received_at", _WHEN + r" (tiep nhan|nhan)( ho so)?"),
    ("submitted_at", _WHEN + r" (nop|dang ky|gui)( ho so)?( truc tuyen)?"),
    ("status", r"(trang thai|tinh trang)( ho so| xu ly| giai quyet)?"),
    ("channel", r"(kenh|hinh thuc|phuong thuc|nguon)( nop| tiep nhan| thuc hien| gui)?( ho so)?"),
    ("dossier_id", r"(ma|so|ma so) (ho so|hs|bien nhan|phieu|bien nhan ho so)"),
    ("field_code", r"ma (linh vuc|lv)"),
    ("field", r"(ten )?(linh vuc|lv)( thu tuc| tthc)?"),
    ("procedure_code", r"ma (so )?(thu tuc|tthc)( hanh chinh)?"),
    ("procedure", r"(ten )?(thu tuc|tthc)( hanh chinh)?"),
    ("unit", r"(ten )?(don vi|co quan|so|ban|nganh)( chu tri)?( xu ly| giai quyet| thu ly| thuc hien| chu tri)"
             r"( ho so)?"),
    ("province", r"(ten |ma )?tinh( thanh( pho)?)?"),
))
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _words(name: object) -> str:
    """"Thời gian tiếp nhận" -> "thoi gian tiep nhan"; "NgayTiepNhanHoSo" -> "ngay tiep nhan ho so"."""
    text = _CAMEL.sub(" ", str(name or ""))
    return " ".join(_NON_WORD.sub(" ", strip_accents(fold(text))).split())


def _guess(name: object) -> str | None:
    words = _words(name)
    return next((c for c, rule in _RULES if rule.fullmatch(words)), None)


@dataclass(frozen=True)
class ColumnMap:
    """The export's columns: ``used`` canonical -> (index, name as written); ``unused``
    the names not understood; ``ignored`` partition keys understood and not counted."""

    used: dict[str, tuple[int, str]]
    unused: tuple[tuple[int, str], ...]
    ignored: tuple[str, ...] = ()
    guessed: tuple[str, ...] = ()  # canonical columns understood by their words, not a known name

    def name(self, canonical: str) -> str | None:
        hit = self.used.get(canonical)
        return hit[1] if hit else None


def recognise(names: list[str], mapping: dict[str, str] | None = None) -> ColumnMap:
    """Canonical columns of an export with header ``names``: the mapping first (keys as
    written or folded), then the known names; the first column of a meaning wins and a
    later one of the same meaning is reported unused."""
    wanted = {column_key(k): v for k, v in (mapping or {}).items()}
    used: dict[str, tuple[int, str]] = {}
    unused, ignored, later = [], [], []
    for i, n in enumerate(names):
        key = column_key(n)
        canonical = wanted.get(key) or _KEYS.get(key)
        if canonical is not None and canonical not in used:
            used[canonical] = (i, n)
        elif key in _PARTITION_ONLY:
            ignored.append(n)
        elif canonical is None and key:
            later.append((i, n))  # by its words, once every known name has its column
        else:
            unused.append((i, n))
    guessed = []
    for i, n in later:
        canonical = _guess(n)
        if canonical is not None and canonical not in used:
            used[canonical] = (i, n)
            guessed.append(canonical)
        else:
            unused.append((i, n))
    return ColumnMap(used, tuple(sorted(unused)), tuple(ignored), tuple(guessed))


def load_mapping(path: str | Path | None) -> dict[str, str]:
    """A ``--map`` file: TOML or JSON ``{"column as written": "canonical"}``; each target
    must be one of :data:`CANONICAL`."""
    if path is None:
        return {}
    p = Path(path)
    try:
        raw = p.read_bytes()
        data = tomllib.loads(raw.decode("utf-8")) if p.suffix.lower() == ".toml" else json.loads(raw)
    except (OSError, ValueError) as e:
        raise MappingError(f"{p}: cannot read the column mapping ({e}); write TOML or JSON "
                           f"like {{\"Số hồ sơ\": \"dossier_id\"}}") from e
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise MappingError(f"{p}: the mapping must be an object of \"column\": \"canonical name\"")
    bad = sorted(v for v in data.values() if v not in CANONICAL)
    if bad:
        raise MappingError(f"{p}: unknown canonical names {bad}; allowed: {', '.join(CANONICAL)}")
    return data
