"""Opening workbooks: every sheet as a grid of values, safely.

python-calamine reads the values and merged ranges of .xlsx .xlsm .xls .xlsb .ods fast.
It shows an error cell, and a formula without a cached value, as a blank; for
.xlsx/.xlsm :meth:`Workbook.cell_details` looks those cells up in the sheet's XML.
Each file is read from disk once: its bytes are sniffed, parsed and hashed.
A file that cannot be opened raises :class:`ReadError` with the reason and a fix.
Files are opened read-only and never written.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

import python_calamine as pc

from ..domain.issues import column_letter
from .errors import ReadError
from .untrusted import _LOCAL, Member, ZipCheck, check_directory, check_zip, inflate, read_untrusted, reject_dtd

__all__ = ["ReadError", "read_untrusted", "Sheet", "Workbook", "open_workbook", "CellDetail", "MAX_UNPACKED_BYTES"]

MAX_UNPACKED_BYTES = 2 * 1024**3  # refuse zip bombs: more than 2 GiB of XML
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


@dataclass
class CellDetail:
    formula: str | None = None
    error: str | None = None  # "#DIV/0!" …
    cached: Any = None
    number_format: str | None = None


@dataclass
class Sheet:
    name: str
    values: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 (0-based, inclusive)

    @property
    def height(self) -> int:
        return len(self.values)

    def get(self, r: int, c: int) -> Any:
        if 0 <= r < len(self.values):
            row = self.values[r]
            if 0 <= c < len(row):
                v = row[c]
                return None if v == "" else v
        return None


@dataclass
class Workbook:
    path: Path
    format: str  # xlsx | xlsm | xls | xlsb | ods
    sheets: list[Sheet]
    data: bytes | None = field(default=None, repr=False)  # the bytes that were read, when kept
    _xml: dict[str, str] = field(default_factory=dict, repr=False)  # sheet -> its XML
    _parts: dict[str, bytes] = field(default_factory=dict, repr=False)  # worksheet part -> XML, checked
    # sheet -> details of every cell that holds a formula, an error or text
    _details: dict[str, dict[tuple[int, int], CellDetail]] = field(default_factory=dict, repr=False)
    _raw: dict[str, bytes] = field(default_factory=dict, repr=False)  # sheet -> its XML's bytes
    # sheet -> its cell tags by reference (_cells_of), None when the one pass must read it
    _cells: dict[str, dict[bytes, int] | None] = field(default_factory=dict, repr=False)

    @property
    def can_detail(self) -> bool:
        return self.format in ("xlsx", "xlsm")

    def cell_details(self, sheet: str, cells: Iterable[tuple[int, int]]) -> dict[tuple[int, int], CellDetail]:
        """Formula, error and cached value of the given 0-based cells, from the sheet's
        XML (openpyxl when that cannot be parsed).  Empty for other formats.

        A few cells (a batch file's blank ratio cells) are looked up one by one; many
        (a column's siblings, a big sheet's blanks) in their own tags where the sheet
        allows it (:func:`_cells_of`); unusual XML takes one pass over every cell."""
        wanted = set(cells)
        if not self.can_detail or not wanted:
            return {}
        try:
            if sheet not in self._details:
                xml = self._sheet_xml(sheet)  # decoded as the one pass would, failing as it would
                if len(wanted) > _FEW_CELLS:
                    if sheet not in self._cells:
                        self._cells[sheet] = _cells_of(self._sheet_raw(sheet))
                    at = self._cells[sheet]
                    found = None if at is None else _wanted_details(self._sheet_raw(sheet), at, wanted)
                    if found is not None:
                        return found
                elif _plain_refs(self._sheet_raw(sheet), xml):
                    found = {rc: _cell_detail(xml, rc) for rc in wanted}
                    if all(d is not _SHARED for d in found.values()):
                        return {rc: d or CellDetail() for rc, d in found.items()}
                self._details[sheet] = _xml_details(xml)
        except ReadError:
            raise
        except (KeyError, ValueError, StopIteration, IndexError, TypeError, zipfile.BadZipFile, ET.ParseError):
            return self._openpyxl_details(sheet, wanted)
        known = self._details[sheet]
        return {rc: known.get(rc, CellDetail()) for rc in wanted}

    def _sheet_xml(self, sheet: str) -> str:
        xml = self._xml.get(sheet)
        if xml is None:
            xml = self._xml[sheet] = self._sheet_raw(sheet).decode("utf-8")
        return xml

    def _sheet_raw(self, sheet: str) -> bytes:
        raw = self._raw.get(sheet)
        if raw is None:
            data = self.data if self.data is not None else read_untrusted(self.path)
            entries = _zip_entries(data)  # the usual zip, without zipfile
            if entries is None:
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    raw = self._sheet_bytes(data, sheet, z.getinfo)
            else:
                raw = self._sheet_bytes(data, sheet, entries.__getitem__)
            self._raw[sheet] = raw
        return raw

    def _sheet_bytes(self, data: bytes, sheet: str, info: Callable[[str], Any]) -> bytes:
        name = str(self.path)
        part = _sheet_part(name, data, info, sheet)
        raw = self._parts.get(part)
        if raw is None:
            raw = reject_dtd(name, part, inflate(name, data, info(part)))
        return raw

    def _openpyxl_details(self, sheet: str, cells: set[tuple[int, int]]) -> dict[tuple[int, int], CellDetail]:
        """openpyxl's reading of the cells, on the bytes already checked; whatever it
        raises on unusual XML becomes this file's ReadError on that sheet."""
        try:
            data = self.data if self.data is not None else read_untrusted(self.path)
            with zipfile.ZipFile(io.BytesIO(data)) as z:  # every part openpyxl may parse, checked
                check_zip(str(self.path), data, z, MAX_UNPACKED_BYTES, "all")
            return _openpyxl_details(io.BytesIO(data), sheet, cells)
        except ReadError as e:
            e.sheet = e.sheet or sheet
            raise
        except Exception as e:  # noqa: BLE001 - openpyxl raises many unrelated types on odd XML
            text = " ".join(str(e).split())[:200]
            raise ReadError(str(self.path), f"không đọc được công thức và lỗi của các ô ({type(e).__name__}: {text})",
                            "Hãy mở bằng Excel, lưu lại dưới dạng .xlsx và gửi lại.",
                            reason_en=f"cannot read the cells' formulas and errors ({type(e).__name__}: {text})",
                            hint_en="Open it in Excel, save it as .xlsx and resend it.", sheet=sheet) from None


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_FEW_CELLS = 16


def _rc(ref: str) -> tuple[int, int]:
    m = _CELL_REF.fullmatch(ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


_CELL_XML = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR = re.compile(r'\b(r|t)\s*=\s*"([^"]*)"')
_F_XML = re.compile(r"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_F_ATTR = re.compile(r'\b(t|si)\s*=\s*"([^"]*)"')
_V_XML = re.compile(r"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_SPECIAL = ("e", "str", "inlineStr")
# a cell tag without a plain r="A1" reference: the one-by-one lookup cannot trust a miss
_UNUSUAL_CELL = re.compile(r"""<(?:\w+:)?c(?:/?>|(?=\s)(?![^>]*? r="))""")
_SHARED = CellDetail()  # marker: a shared formula whose master is elsewhere on the sheet


def _plain_refs(raw: bytes, xml: str) -> bool:
    """Whether every cell tag has a plain r="A1" reference, so that a cell the
    one-by-one lookup does not find is not there.  Excel, LibreOffice and openpyxl
    write r first: one scan of ``raw``, the UTF-8 bytes ``xml`` was decoded from (an
    ASCII text occurs in valid UTF-8 where it occurs in the text), settles it without
    the slower regular expression: a cell tag, and none but '<c r="…'."""
    if b'<c r="' in raw and _NOT_PLAIN_CELL.search(raw) is None:
        return True
    return _UNUSUAL_CELL.search(xml) is None  # none: the tags may carry a namespace prefix


# "<c>", "<c/>", or "<c " not followed by r=": where the scan cannot tell
_NOT_PLAIN_CELL = re.compile(rb'<c(?:>|/>| (?!r="))')


def _small_part(name: str, data: bytes, info: Callable[[str], Any], part: str) -> bytes:
    """A small XML part, inflated with a cap and refused when it declares a DTD (so no
    entity is ever expanded)."""
    return reject_dtd(name, part, inflate(name, data, info(part), 16 * 1024**2))


# workbook.xml -> (its rels, sheet) -> the sheet's part: a batch's files share a template.
# Both parts are named by their packed bytes (_packed): the same bytes, flags, method, CRC
# and size inflate to the same XML, which passed every check the first time.
_SHEET_PARTS: dict[tuple, dict[tuple[tuple, str], str]] = {}


def _packed(data: bytes, info: Any) -> tuple | None:
    """A small member as stored: (flags, method, CRC, size, its compressed bytes); None
    for one of more than 16 KiB packed (not kept: at most 32 x 64 pairs of them are),
    or when its local header is not where the directory says (inflate then says why)."""
    if info.compress_size > 1 << 14:
        return None
    off = info.header_offset
    head = data[off:off + _LOCAL.size]
    if len(head) < _LOCAL.size or head[:4] != b"PK\x03\x04":
        return None
    n, m = _LOCAL.unpack(head)[1:]
    start = off + _LOCAL.size + n + m
    packed = data[start:start + info.compress_size]
    if len(packed) < info.compress_size:
        return None
    return info.flag_bits, info.compress_type, info.CRC, info.file_size, packed


def _sheet_part(name: str, data: bytes, info: Callable[[str], Any], sheet: str) -> str:
    """The worksheet part of ``sheet``; ``info(part)`` is the zip's entry of a part.
    Kept for a workbook.xml and rels seen before; otherwise both are inflated, checked
    and parsed, failing in the order they always did."""
    book_packed = _packed(data, info("xl/workbook.xml"))
    known = _SHEET_PARTS.get(book_packed) if book_packed is not None else None
    rels_packed = _packed(data, info("xl/_rels/workbook.xml.rels")) if known is not None else None
    part = known.get((rels_packed, sheet)) if rels_packed is not None else None
    if part is None:
        book_xml = _small_part(name, data, info, "xl/workbook.xml")
        rels_xml = _small_part(name, data, info, "xl/_rels/workbook.xml.rels")
        book, rels = ET.fromstring(book_xml), ET.fromstring(rels_xml)
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        rid = next(s.get(_REL_ID) for s in book.iter(f"{_MAIN_NS}sheet") if s.get("name") == sheet)
        target = targets[rid]
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if book_packed is not None:
            rels_packed = _packed(data, info("xl/_rels/workbook.xml.rels"))
            if rels_packed is not None:
                if len(_SHEET_PARTS) >= 32:
                    _SHEET_PARTS.clear()
                parts = _SHEET_PARTS.setdefault(book_packed, {})
                if len(parts) >= 64:
                    parts.clear()
                parts[(rels_packed, sheet)] = part
    return part


def _cell_detail(xml: str, rc: tuple[int, int]) -> CellDetail | None:
    """The detail of one cell found by its reference, None when the sheet has no such
    cell or it holds a plain value, ``_SHARED`` when it needs its shared formula's master."""
    needle = f' r="{column_letter(rc[1])}{rc[0] + 1}"'
    pos = xml.find(needle)
    while pos != -1:
        start = xml.rfind("<", 0, pos)
        m = _CELL_XML.match(xml, start)
        if m is not None and m.start(1) <= pos < m.end(1):
            return _detail(m, None)[1]
        pos = xml.find(needle, pos + 1)
    return None


def _detail(m: re.Match, shared: dict[str, tuple[str, str]] | None) -> tuple[str, CellDetail | None]:
    """The reference and detail of the cell matched by ``_CELL_XML`` (None for a plain
    value).  ``shared`` holds the masters of shared formulas seen so far (si -> formula,
    ref); None when the cell is looked at alone."""
    inner = m.group(2) or ""
    attrs = dict(_ATTR.findall(m.group(1)))
    kind = attrs.get("t")
    fm = _F_XML.search(inner) if "f" in inner else None
    ref = attrs.get("r", "")
    if fm is None and kind not in _SPECIAL:
        return ref, None
    formula = None
    if fm is not None:
        fattrs = dict(_F_ATTR.findall(fm.group(1)))
        text = unescape(fm.group(2)) if fm.group(2) else None
        si = fattrs.get("si", "")
        if text:
            formula = "=" + text
            if fattrs.get("t") == "shared" and shared is not None:
                shared[si] = (text, ref)
        elif shared is None:
            if fattrs.get("t") == "shared":
                return ref, _SHARED
        elif si in shared:
            from openpyxl.formula.translate import Translator

            master, origin = shared[si]
            formula = Translator("=" + master, origin=origin).translate_formula(ref)
    vm = _V_XML.search(inner)
    text = unescape(vm.group(1)) if vm is not None and vm.group(1) else None
    d = CellDetail(formula=formula)
    if kind == "e":
        d.error = d.cached = text
    elif kind in ("str", "inlineStr"):
        d.cached = text or ""
    elif text is not None and kind != "s":
        d.cached = True if kind == "b" and text == "1" else False if kind == "b" else float(text)
    return ref, d


# _cells_of: what it must not meet (a cell tag other than '<c r="', a cached value's tag
# other than '<v>', a namespace prefix on either, a second r attribute in a cell tag, a
# cached value that is not a number) and the cells it reads with their references
_ODD_CELL = re.compile(rb'<c\b(?! r=")')
_ODD_VALUE = re.compile(rb"<v\b(?!>)")
_PREFIXED = re.compile(rb":[cv]\b")
_SECOND_R = re.compile(rb'<c r="[^">]*"[^>]*?\br\s*=')
_TEXT_VALUED = re.compile(rb'<c r="[A-Z]+[1-9][0-9]*"(?: s="[0-9]+")? t="(?:e|str)">')
_ODD_NUMBER = re.compile(rb"<v>(?!(?:[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)?</v>)")
# a cell tag and body, up to where _CELL_XML's match of it ends; "/" for <c r="…" s="3"/>
# (no type, no body: no detail)
_CLOSED_CELL = re.compile(rb'<c r="([A-Z]+[1-9][0-9]*)"(?:[^>t]*(/)>|[^>]*(?:(?<=/)>|>.*?</c>))', re.S)


def _cells_of(raw: bytes) -> dict[bytes, int] | None:
    """The cells of the sheet XML ``raw`` by reference (the index of each among its cell
    tags; -1 for a cell that has no detail: no type, no body) when the detail of any cell can be taken from that cell's tag and body
    alone exactly as :func:`_xml_details` gives it; None when a few scans in C do not
    show that (the one pass then reads the sheet).  A big sheet's blank cells (a
    provincial workbook read back by its self-check: 32,000 of its 128,000 cells) are
    answered without parsing every cell.

    Every '<c r="' then begins one match of ``_CELL_XML.finditer`` and nothing else
    does (no other cell tag: ``_ODD_CELL``, ``_PREFIXED``), each closes before the next
    begins (as many ``_CLOSED_CELL`` matches, which stop where ``_CELL_XML`` does, as
    tags), and the references are canonical and unique, each naming one rc for which
    ``_rc`` cannot raise (no second r attribute: ``_SECOND_R``).  Without a shared
    formula a cell's detail depends on that cell alone, and with every cached value a
    number (``_ODD_NUMBER``) but those of plain error and text cells (``_TEXT_VALUED``)
    no cell's detail raises (one that raised in the one pass sends the whole sheet to
    openpyxl)."""
    if b'"shared"' in raw or any(p.search(raw) for p in (_ODD_CELL, _ODD_VALUE, _PREFIXED, _SECOND_R)):
        return None
    for m in _ODD_NUMBER.finditer(raw):  # a text is cached by an error or text cell alone
        start = raw.rfind(b'<c r="', 0, m.start())
        if start < 0 or not _TEXT_VALUED.fullmatch(raw, start, raw.find(b">", start) + 1):
            return None
    cells = _CLOSED_CELL.findall(raw)
    if len(cells) != raw.count(b'<c r="'):
        return None
    at = {ref: -1 if plain else k for k, (ref, plain) in enumerate(cells)}
    return at if len(at) == len(cells) else None


def _wanted_details(raw: bytes, at: dict[bytes, int],
                    wanted: set[tuple[int, int]]) -> dict[tuple[int, int], CellDetail] | None:
    """The details of the ``wanted`` cells of ``raw``, a sheet :func:`_cells_of` read."""
    out: dict[tuple[int, int], CellDetail] = {}
    found = []
    letters: dict[int, bytes] = {}
    for rc in wanted:
        r, c = rc
        if r < 0 or c < 0:
            out[rc] = CellDetail()
            continue
        letter = letters.get(c)
        if letter is None:
            letter = letters[c] = column_letter(c).encode()
        ref = b"%s%d" % (letter, r + 1)
        k = at.get(ref, -1)
        if k < 0:  # no such cell, or one without a detail
            out[rc] = CellDetail()
        else:
            found.append((k, rc, ref))
    found.sort()
    shared: dict[str, tuple[str, str]] = {}  # stays empty: the sheet has no shared formula
    pos = 0
    for _k, rc, ref in found:  # in the order of the sheet: each tag is found after the last
        needle = b'<c r="' + ref + b'"'
        pos = raw.find(needle, pos)
        if pos < 0:  # cannot be, after _cells_of: the one pass decides
            return None
        end = raw.find(b'<c r="', pos + len(needle))
        m = _CELL_XML.match(raw[pos:end if end >= 0 else len(raw)].decode("utf-8"))
        if m is None:
            return None
        out[rc] = _detail(m, shared)[1] or CellDetail()
    return out


def _xml_details(xml: str) -> dict[tuple[int, int], CellDetail]:
    """The cells that hold a formula, an error or text, from one regular-expression
    pass over the sheet's XML: far faster than an XML parser or openpyxl."""
    shared: dict[str, tuple[str, str]] = {}
    out: dict[tuple[int, int], CellDetail] = {}
    for m in _CELL_XML.finditer(xml):
        ref, d = _detail(m, shared)
        if d is not None:
            out[_rc(ref)] = d
    return out


def _openpyxl_details(path: Path | io.BytesIO, sheet: str, cells: set[tuple[int, int]]) -> dict[tuple[int, int], CellDetail]:
    import openpyxl

    rows = sorted({r for r, _ in cells})
    lo, hi = rows[0] + 1, rows[-1] + 1
    out: dict[tuple[int, int], CellDetail] = {}
    for data_only in (False, True):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only, keep_links=False)
        try:
            ws = wb[sheet]
            for r_idx, row in enumerate(ws.iter_rows(min_row=lo, max_row=hi), start=lo - 1):
                for cell in row:
                    c_idx = getattr(cell, "column", None)
                    if c_idx is None or (r_idx, c_idx - 1) not in cells:
                        continue
                    d = out.setdefault((r_idx, c_idx - 1), CellDetail())
                    v = cell.value
                    if data_only:
                        # a formula whose result is "" is cached as an empty string cell
                        d.cached = "" if v is None and cell.data_type == "str" else v
                        d.number_format = cell.number_format
                        if cell.data_type == "e":
                            d.error = str(v)
                    elif isinstance(v, str) and v.startswith("="):
                        d.formula = v
                    elif cell.data_type == "e":
                        d.error = str(v)
        finally:
            wb.close()
    return out


def _sniff(path: Path, data: bytes) -> str:
    """The format of the file whose bytes are ``data``; ReadError for an empty,
    encrypted, corrupt, oversized or hostile file, or one that is no workbook."""
    return _sniff_checked(path, data)[0]


def _sniff_checked(path: Path, data: bytes, level: str = "thorough") -> tuple[str, ZipCheck | None]:
    """The format, and for a zip workbook what :func:`untrusted.check_zip` found at
    ``level``."""
    name = str(path)
    if not data:
        raise ReadError(name, "tệp rỗng (0 byte)", "Hãy lưu lại tệp từ Excel và gửi lại.",
                        reason_en="the file is empty (0 bytes)", hint_en="Save it again from Excel and resend it.")
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED in data:
            raise ReadError(name, "tệp được đặt mật khẩu", "Hãy mở bằng Excel, bỏ mật khẩu (Tệp > Thông tin > "
                            "Bảo vệ sổ làm việc) rồi lưu lại.",
                            reason_en="the file is password-protected",
                            hint_en="Open it in Excel, remove the password (File > Info > Protect Workbook) and save.")
        return "xls", None
    if data.startswith(b"PK"):
        try:
            listing = _zip_members(data) if level == "quick" else None  # the usual zip, without zipfile
            z = None
            if listing is None:
                z = zipfile.ZipFile(io.BytesIO(data))
                total = sum(i.file_size for i in z.infolist())
            else:
                total = sum(m[4] for m in listing)
        except Exception as e:  # noqa: BLE001 - zipfile raises several types for a damaged directory
            why = " ".join(str(e).split())[:200] or type(e).__name__
            raise ReadError(name, f"tệp nén hỏng ({why})", "Tệp có thể bị cắt khi tải xuống: hãy xin gửi lại.",
                            reason_en=f"corrupt zip container ({why})",
                            hint_en="The file may have been truncated in transfer: ask for it again.") from None
        if total > MAX_UNPACKED_BYTES:
            raise ReadError(name, "tệp giải nén quá lớn (nghi là tệp độc hại)", "Không mở tệp này.",
                            reason_en="the file unpacks to more than 2 GiB (possibly malicious)",
                            hint_en="Do not open this file.")
        if z is None:
            check = check_directory(name, listing)
        else:
            with z:
                check = check_zip(name, data, z, MAX_UNPACKED_BYTES, level)
        names = check.names
        if "xl/workbook.xml" in names:
            return ("xlsm" if "xl/vbaProject.bin" in names else "xlsx"), check
        if "xl/workbook.bin" in names:
            return "xlsb", check
        if "content.xml" in names:
            return "ods", check
        raise ReadError(name, "tệp nén không phải là sổ tính Excel/ODS", "Hãy lưu tệp dưới dạng .xlsx.",
                        reason_en="a zip file that is not an Excel/ODS workbook", hint_en="Save it as .xlsx.")
    raise ReadError(name, "không phải tệp Excel (.xlsx, .xlsm, .xls, .xlsb, .ods)",
                    "Hãy mở bằng Excel và lưu dưới dạng .xlsx.",
                    reason_en="not an Excel or ODS workbook", hint_en="Open it in Excel and save it as .xlsx.")


# --- a zip's member names and unpacked size, from its central directory ------------------

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
# a central directory entry (46 bytes), the fields _zip_members reads: signature, flags,
# method, CRC, packed and unpacked size, name, extra and comment lengths, local header
# offset (the versions, time, date, disk and attributes skipped)
_CDIR_FIELDS = struct.Struct("<4s4xHH4xLLLHHH8xL")


def _zip_listing(data: bytes) -> tuple[set[str], int] | None:
    """The member names and the sum of their unpacked sizes, from :func:`_zip_members`."""
    members = _zip_members(data)
    return None if members is None else ({m[0] for m in members}, sum(m[4] for m in members))


class _Entry(NamedTuple):
    """What :func:`untrusted.inflate` needs of a member, as ``zipfile.ZipInfo`` names it."""

    filename: str
    flag_bits: int
    compress_type: int
    compress_size: int
    file_size: int
    CRC: int
    header_offset: int


def _zip_entries(data: bytes) -> dict[str, _Entry] | None:
    """The members of the plain zip ``data`` by name, from its central directory, as
    ``zipfile`` would give them (its getinfo: the last of a repeated name; a name cut at
    a NUL); None for anything but the plain case (see :func:`_zip_members`)."""
    entries = _zip_members(data, raw=True)
    if entries is None:
        return None
    out: dict[str, _Entry] = {}
    for name, flags, method, packed, size, crc, offset in entries:
        name = name.partition("\0")[0]
        out[name] = _Entry(name, flags, method, packed, size, crc, offset)
    return out


def _zip_members(data: bytes, raw: bool = False) -> list | None:
    """The members (name, flags, method, packed and unpacked size), read from the central
    directory at the end of ``data``, as ``zipfile`` reads them; None for anything but
    the plain case (a zip64 archive, several disks, bytes before or after the archive,
    an inconsistent directory), which zipfile then reads and judges."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end < 0 or end + _EOCD.size > len(data):
        return None
    _sig, disk, cd_disk, on_disk, count, cd_size, cd_offset, comment = _EOCD.unpack_from(data, end)
    if disk or cd_disk or on_disk != count or end + _EOCD.size + comment != len(data) \
            or cd_offset + cd_size != end or 0xFFFF in (on_disk, count) or 0xFFFFFFFF in (cd_size, cd_offset):
        return None
    members: list[Member] = []
    pos = cd_offset
    size, unpack = _CDIR_FIELDS.size, _CDIR_FIELDS.unpack_from
    for _ in range(count):
        if pos + size > end:
            return None
        sig, flags, method, crc, packed, unpacked, name_len, extra_len, comment_len, offset = unpack(data, pos)
        if sig != b"PK\x01\x02" or 0xFFFFFFFF in (packed, unpacked, offset):
            return None
        name_bytes = data[pos + size:pos + size + name_len]
        # (cp437 and UTF-8 both read ASCII as ASCII; the cp437 codec is a Python call)
        text = name_bytes.decode("ascii" if name_bytes.isascii() else "utf-8" if flags & 0x800 else "cp437")
        members.append((text, flags, method, packed, unpacked, crc, offset) if raw
                       else (text, flags, method, packed, unpacked))
        pos += size + name_len + extra_len + comment_len
    return members if pos == end else None


def _raise_if_damaged_zip(path: Path, data: bytes, fmt: str) -> None:
    """Name the damaged member when a zip workbook fails to open (checking every
    member's CRC up front would cost a third of a batch's reading time)."""
    if fmt == "xls":
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            bad = z.testzip()
    except Exception:  # noqa: BLE001 - the caller reports the original failure
        return
    if bad:
        raise ReadError(str(path), f"tệp nén hỏng ở phần {bad}", "Hãy xin gửi lại tệp.",
                        reason_en=f"corrupt zip member {bad}", hint_en="Ask for the file again.") from None


def open_workbook(path: str | Path, data: bytes | None = None,
                  only: str | tuple[str, ...] | None = None, *, thorough: bool = True) -> Workbook:
    """Read every sheet's values and merged ranges from the file, or from ``data`` (its
    bytes, already read) when given; with ``only`` (a sheet name or several), those
    sheets alone when the workbook has any of them.  Raises ReadError.

    ``thorough`` inflates (capped) and checks every part calamine parses before it
    does (see :mod:`.untrusted`); without it only the zip's directory is checked, for
    worker processes whose memory limit contains the rest."""
    p = path if isinstance(path, Path) else Path(path)
    name = str(p)
    if data is None:
        data = read_untrusted(p)
    fmt, check = _sniff_checked(p, data, "thorough" if thorough else "quick")
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise ReadError(name, "tệp được đặt mật khẩu", "Hãy bỏ mật khẩu trong Excel rồi lưu lại.",
                        reason_en="the file is password-protected",
                        hint_en="Remove the password in Excel and save again.") from None
    except Exception as e:  # calamine raises several unrelated types for broken files
        _raise_if_damaged_zip(p, data, fmt)
        raise ReadError(name, f"tệp bị hỏng, không đọc được ({type(e).__name__}: {e})",
                        "Hãy mở bằng Excel, lưu lại dưới dạng .xlsx và gửi lại.",
                        reason_en=f"the file is damaged ({type(e).__name__}: {e})",
                        hint_en="Open it in Excel, save it as .xlsx and resend it.") from None
    sheets: list[Sheet] = []
    try:
        metas = book.sheets_metadata
        wanted = (only,) if isinstance(only, str) else only
        if wanted and any(m.name in wanted for m in metas):
            metas = [m for m in metas if m.name in wanted]
        for meta in metas:
            if str(getattr(meta, "typ", "")).lower().endswith("chartsheet"):
                continue
            try:
                s = book.get_sheet_by_name(meta.name)
                values = s.to_python(skip_empty_area=False)
                merged = [(a[0], a[1], b[0], b[1]) for a, b in (s.merged_cell_ranges or [])]
            except Exception as e:
                _raise_if_damaged_zip(p, data, fmt)
                raise ReadError(name, f"trang tính bị hỏng ({e})", "Hãy sao chép dữ liệu sang trang tính mới.",
                                reason_en=f"the sheet is damaged ({e})",
                                hint_en="Copy the data to a new sheet.", sheet=meta.name) from None
            sheets.append(Sheet(meta.name, values, merged))
    finally:
        book.close()
    keep = fmt in ("xlsx", "xlsm")
    return Workbook(p, fmt, sheets, data if keep else None, _parts=check.parts if keep and check else {})
