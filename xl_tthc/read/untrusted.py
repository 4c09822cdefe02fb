"""Untrusted bytes: opening a path safely, and cheap checks of a zip workbook before any
parser sees it.

* A path is opened without blocking (``O_NONBLOCK``: a FIFO named ``x.xlsx`` does not
  hang the run) and read only when it is a regular file, at most :data:`MAX_FILE_BYTES`
  (a link to ``/dev/zero`` is refused, not read forever).  A folder, a missing or
  dangling path, a symlink loop, a file without read permission: each a :class:`ReadError`.
* A zip workbook's members are listed and its XML parts are inflated here, streamed and
  capped (:data:`MAX_PART_BYTES` per part, a compression-ratio cap, the CRC checked):
  encrypted or oddly compressed members, duplicated names, a whitespace bomb, a DTD
  (``<!DOCTYPE``/``<!ENTITY``: entities are never expanded, external ones never
  fetched) are refused with a reason before python-calamine or openpyxl opens the file.
* Each worksheet's cell references are checked against Excel's limits (XFD1048576) and
  a plausible area (:data:`MAX_CELLS`): calamine allocates the dense grid spanning
  every cell and aborts the process when that fails.  The declared ``<dimension>`` is
  never trusted (calamine does not use it either): only the cells are.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ReadError

__all__ = ["MAX_FILE_BYTES", "MAX_PART_BYTES", "MAX_CELLS", "read_untrusted", "is_regular_file",
           "read_tail", "checked_in_process", "ZipCheck", "check_directory", "check_zip", "inflate", "reject_dtd"]

MAX_FILE_BYTES = 256 * 1024**2  # a department workbook is a few hundred KiB
MAX_PART_BYTES = 128 * 1024**2  # one XML part, inflated
MAX_RATIO = 400  # inflated / compressed, for a part above _RATIO_FROM bytes (XML is 5-50x)
_RATIO_FROM = 8 * 1024**2
MAX_ROWS, MAX_COLS = 1_048_576, 16_384  # Excel's limits: XFD1048576
MAX_CELLS = 8_000_000  # the area of the grid calamine allocates for one sheet
_MIB = 1024**2


def _refuse(name: str, vi: str, en: str, hint: str = "Không mở tệp này; hãy xin gửi lại tệp.",
            hint_en: str = "Do not open this file; ask for it again.") -> ReadError:
    return ReadError(name, vi, hint, reason_en=en, hint_en=hint_en)


def _open_error(name: str, e: OSError) -> ReadError:
    code = e.errno
    if code in (errno.ENOENT, errno.ENOTDIR):
        return ReadError(name, "không tìm thấy tệp (đường dẫn sai hoặc liên kết hỏng)", "Kiểm tra lại đường dẫn.",
                         reason_en="no such file (wrong path or broken link)", hint_en="Check the path.")
    if code == errno.ELOOP:
        return ReadError(name, "liên kết tượng trưng lặp vòng, không trỏ tới tệp nào", "Kiểm tra lại đường dẫn.",
                         reason_en="a symbolic link loop that leads to no file", hint_en="Check the path.")
    if code in (errno.EACCES, errno.EPERM):
        return ReadError(name, "không có quyền đọc tệp (tệp đang bị khóa?)", "Đóng tệp trong Excel hoặc cấp quyền "
                         "đọc rồi thử lại.", reason_en="permission denied (is the file locked?)",
                         hint_en="Close it in Excel or grant read permission and try again.")
    if code == errno.EISDIR:
        return _folder(name)
    return ReadError(name, f"không mở được tệp ({os.strerror(code) if code else e})", "Kiểm tra lại đường dẫn.",
                     reason_en=f"cannot open the file ({e.strerror or e})", hint_en="Check the path.")


def _folder(name: str) -> ReadError:
    return ReadError(name, "đây là thư mục, không phải tệp", "Hãy chỉ ra tệp sổ tính trong thư mục.",
                     reason_en="a folder, not a file", hint_en="Name the workbook file inside the folder.")


def _special(name: str, mode: int) -> ReadError:
    kind = ("ống dẫn (FIFO)", "a pipe (FIFO)") if stat.S_ISFIFO(mode) else \
        ("tệp thiết bị", "a device file") if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else \
        ("socket", "a socket") if stat.S_ISSOCK(mode) else ("tệp đặc biệt", "a special file")
    return ReadError(name, f"đây là {kind[0]}, không phải tệp thông thường", "Hãy chỉ ra một tệp sổ tính.",
                     reason_en=f"{kind[1]}, not a regular file", hint_en="Name a workbook file.")


def _open_regular(path: str | Path) -> tuple[int, os.stat_result]:
    """A read-only descriptor of the regular file at ``path`` (links followed), opened
    without blocking; ReadError for anything else."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise _open_error(name, e) from None
    except ValueError as e:  # an embedded NUL
        raise ReadError(name, f"đường dẫn không hợp lệ ({e})", "Kiểm tra lại đường dẫn.",
                        reason_en=f"invalid path ({e})", hint_en="Check the path.") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise _folder(name)
        if not stat.S_ISREG(st.st_mode):
            raise _special(name, st.st_mode)
        if st.st_size > MAX_FILE_BYTES:
            raise _too_big(name, st.st_size)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _too_big(name: str, size: int) -> ReadError:
    return _refuse(name, f"tệp quá lớn ({size // _MIB} MiB, giới hạn {MAX_FILE_BYTES // _MIB} MiB)",
                   f"the file is too large ({size // _MIB} MiB, limit {MAX_FILE_BYTES // _MIB} MiB)",
                   "Hãy xóa các trang tính không cần thiết rồi gửi lại.", "Remove unneeded sheets and resend it.")


def read_untrusted(path: str | Path) -> bytes:
    """The bytes of the regular file at ``path``, at most :data:`MAX_FILE_BYTES`.
    Never blocks on a FIFO or device; ReadError with the reason for anything else."""
    fd, st = _open_regular(path)
    try:
        chunks, total = [], 0
        while True:  # the size may change while reading: read to the cap, not to st_size
            try:
                chunk = os.read(fd, min(max(st.st_size - total, 0) + 1, MAX_FILE_BYTES + 1 - total) or 1)
            except OSError as e:
                raise _open_error(str(path), e) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                raise _too_big(str(path), total)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def is_regular_file(path: str | Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_tail(path: str | Path, tail: int) -> bytes | None:
    """The last ``tail`` bytes of the regular file at ``path``, safely; None when it
    cannot be read."""
    try:
        fd, st = _open_regular(path)
    except ReadError:
        return None
    try:
        os.lseek(fd, max(0, st.st_size - tail), os.SEEK_SET)
        return os.read(fd, tail)
    except OSError:
        return None
    finally:
        os.close(fd)


SMALL_IN_PROCESS = 8 * 1024**2


def checked_in_process(path: str | Path) -> bool:
    """Whether the file may be read in this process: a small .xlsx/.xlsm (its zip
    directory, read from the tail, names xl/workbook.xml and no binary workbook), the
    one format whose every parsed part the thorough pre-checks cover.  Anything else
    (another format, a large file, a path that is no regular file) is read in a worker."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return True  # reading it says why, without parsing anything
    if not stat.S_ISREG(st.st_mode):
        return True  # refused before any parser runs
    if st.st_size > SMALL_IN_PROCESS:
        return False
    tail = read_tail(path, 65536)
    return tail is not None and b"xl/workbook.xml" in tail and b"xl/workbook.bin" not in tail


# --- zip workbooks ------------------------------------------------------------------------

_LOCAL = struct.Struct("<4s22xHH")  # local file header: signature ... name length, extra length
_XML_PARTS = (".xml", ".rels", ".vml")


@dataclass
class ZipCheck:
    """What the checks of a zip workbook found: its member names, and the inflated XML
    of every worksheet (part name -> bytes), kept so that nothing inflates it twice."""

    names: set[str]
    parts: dict[str, bytes] = field(default_factory=dict)


def inflate(name: str, data: bytes, info: zipfile.ZipInfo, cap: int = MAX_PART_BYTES) -> bytes:
    """The member ``info`` of the zip ``data``, inflated with at most ``cap`` bytes
    ever held, its CRC checked.  ReadError for an encrypted, oddly compressed,
    oversized, bomb-like or corrupt member."""
    part = info.filename
    check_directory(name, [(part, info.flag_bits, info.compress_type, info.compress_size, 0)])
    off = info.header_offset
    head = data[off:off + _LOCAL.size]
    if len(head) < _LOCAL.size or head[:4] != b"PK\x03\x04":
        raise _corrupt(name, part)
    n, m = _LOCAL.unpack(head)[1:]
    start = off + _LOCAL.size + n + m
    raw = memoryview(data)[start:start + info.compress_size]
    if len(raw) < info.compress_size:
        raise _corrupt(name, part)
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) > cap:
            raise _bomb(name, part, cap)
        out = bytes(raw)
    else:
        d = zlib.decompressobj(-15)
        try:
            out = d.decompress(raw, cap + 1)
        except zlib.error:
            raise _corrupt(name, part) from None
        if len(out) > cap or d.unconsumed_tail:
            raise _bomb(name, part, cap)
    if len(out) > _RATIO_FROM and len(out) > MAX_RATIO * max(1, len(raw)):
        raise _ratio(name, part)
    if zlib.crc32(out) != info.CRC or len(out) != info.file_size:
        raise _corrupt(name, part)
    return out


def _ratio(name: str, part: str) -> ReadError:
    return _refuse(name, f"phần {part} nén bất thường (tỷ lệ hơn {MAX_RATIO}:1, nghi là tệp độc hại)",
                   f"the member {part} is compressed abnormally (more than {MAX_RATIO}:1, possibly malicious)")


def _corrupt(name: str, part: str) -> ReadError:
    return ReadError(name, f"tệp nén hỏng ở phần {part}", "Tệp có thể bị cắt khi tải xuống: hãy xin gửi lại.",
                     reason_en=f"corrupt zip member {part}",
                     hint_en="The file may have been damaged in transfer: ask for it again.")


def _bomb(name: str, part: str, cap: int) -> ReadError:
    return _refuse(name, f"phần {part} giải nén quá lớn (hơn {cap // _MIB} MiB, nghi là tệp độc hại)",
                   f"the member {part} unpacks to more than {cap // _MIB} MiB (possibly malicious)")


_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _as_utf8(xml: bytes) -> bytes:
    """UTF-16 parts (a BOM, or NULs in the declaration) as UTF-8, for the byte checks."""
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in xml[:64]:
        try:
            return xml.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return xml.replace(b"\x00", b"")
    return xml


def reject_dtd(name: str, part: str, xml: bytes) -> bytes:
    """``xml`` as UTF-8 bytes; ReadError when it declares a DTD: Office files never do,
    and its entities (a billion laughs, an external file) are what a hostile file uses."""
    xml = _as_utf8(xml)
    if b"!" in xml and _DTD.search(xml):  # (a lone byte is found at memchr speed; "<" is everywhere)
        raise _refuse(name, f"phần {part} chứa khai báo DOCTYPE/ENTITY, không có trong tệp Excel thật "
                            "(nghi là tệp độc hại)",
                      f"the member {part} declares a DOCTYPE/ENTITY, which real Excel files never do "
                      "(possibly malicious)")
    return xml


Member = tuple[str, int, int, int, int]  # name, flag bits, compression method, compressed and unpacked size


def check_directory(name: str, members: list[Member]) -> ZipCheck:
    """The checks of a zip's central directory alone (the "quick" level of
    :func:`check_zip`): duplicate names, encrypted or oddly compressed members, declared
    sizes and ratios of a bomb.  ReadError naming the member at fault."""
    names = [m[0] for m in members]
    check = ZipCheck(set(names))
    if len(check.names) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise _refuse(name, f"tệp nén có hai phần cùng tên {dup} (nghi là tệp độc hại)",
                      f"the zip holds two members named {dup} (possibly malicious)")
    for part, flags, method, packed, size in members:
        if flags & 0x1:
            raise ReadError(name, f"phần {part} của tệp được mã hóa", "Hãy bỏ mật khẩu trong Excel rồi lưu lại.",
                            reason_en=f"the member {part} is encrypted",
                            hint_en="Remove the password in Excel and save.")
        if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ReadError(name, f"phần {part} dùng kiểu nén không hỗ trợ (mã {method})",
                            "Hãy mở bằng Excel và lưu lại dưới dạng .xlsx.",
                            reason_en=f"the member {part} uses an unsupported compression method ({method})",
                            hint_en="Open it in Excel and save it as .xlsx.")
        if size > MAX_PART_BYTES:
            raise _bomb(name, part, MAX_PART_BYTES)
        if size > _RATIO_FROM and size > MAX_RATIO * max(1, packed):
            raise _ratio(name, part)
    return check


def check_zip(name: str, data: bytes, z: zipfile.ZipFile, total_cap: int, level: str = "thorough") -> ZipCheck:
    """The checks of a zip workbook before a parser opens it (see the module
    docstring); ReadError naming the member at fault.

    ``level`` "quick" checks the central directory only (names, flags, compression
    methods, declared sizes and ratios): for worker processes, whose memory limit
    contains what a lying size could still do.  "thorough" also inflates, capped,
    every part that calamine or this package parses, and checks each worksheet's cell
    references.  "all" inflates every XML part: before openpyxl reads the file."""
    infos = z.infolist()
    check = check_directory(name, [(i.filename, i.flag_bits, i.compress_type, i.compress_size, i.file_size)
                                   for i in infos])
    total = 0
    for info in infos:
        low = info.filename.lower()
        if level == "quick" or not low.endswith(_XML_PARTS) or not (level == "all" or low.startswith(_PARSED)):
            continue  # not parsed by calamine or by us: checked when openpyxl is to read the file
        xml = inflate(name, data, info, min(MAX_PART_BYTES, total_cap - total))
        total += len(xml)
        if low.startswith("xl/worksheets/") and not low.startswith("xl/worksheets/_rels/"):
            xml = reject_dtd(name, info.filename, xml)
            check_extent(name, info.filename, xml)
            check.parts[info.filename] = xml
        else:
            reject_dtd(name, info.filename, xml)
    return check


# the parts python-calamine (and this package) read: the rest only openpyxl does
_PARSED = ("xl/workbook.xml", "xl/_rels/", "xl/sharedstrings", "xl/styles", "xl/worksheets/", "content.xml",
           "styles.xml", "xl/tables/", "xl/comments")


# --- the cells of a worksheet ----------------------------------------------------------

# in a plain layout, a reference that may lie far away: three letters, or a row of five digits or more
_FAR = re.compile(rb' r="(?:[A-Z]{3}|[A-Z]{0,2}\d{5})')
_TAG = re.compile(rb"""<(?:\w+:)?(row|c)(?=[\s/>])([^>]*)>""")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']\s*([A-Za-z]*)\s*(\d*)\s*["']""")


def _plain(xml: bytes) -> bool:
    """Every row and cell tag is unprefixed and has r="…" first, in upper case: no
    position is left to count, and :data:`_FAR` finds every long reference."""
    return (xml.count(b"<c ") == xml.count(b'<c r="') and xml.count(b"<row ") == xml.count(b'<row r="')
            and _BARE_TAG.search(xml) is None and _PREFIXED_TAG.search(xml) is None
            and (_LOWER_REF_HINT.search(xml) is None or _LOWER_REF.search(xml) is None))


# what would make a layout not plain, one pattern each (one alternation of the three scans
# every position for each branch: 90 µs on a usual sheet, 20 µs so): a bare or prefixed
# row/cell tag, a reference with a lower-case letter; _LOWER_REF only where
# _LOWER_REF_HINT, led by a literal, finds something (every match of _LOWER_REF holds one)
_BARE_TAG = re.compile(rb"<(?:c|row)[>/]")
_PREFIXED_TAG = re.compile(rb":(?:c|row)[\s>/]")
_LOWER_REF = re.compile(rb"\sr=\"[A-Z]*[a-z]")
_LOWER_REF_HINT = re.compile(rb"r=\"[A-Z]*[a-z]")


def check_extent(name: str, part: str, xml: bytes) -> None:
    """ReadError when the cells of a worksheet reach beyond Excel's limits or span more
    than :data:`MAX_CELLS` (the grid calamine would allocate).  Fast for a usual sheet:
    with only short references and a plain layout, the area cannot exceed the cap."""
    if _plain(xml) and _FAR.search(xml) is None:
        return
    row = 0
    col = 0
    lo_r = lo_c = None
    hi_r = hi_c = 0
    for m in _TAG.finditer(xml):
        ref = _R_ATTR.search(m.group(2))
        letters, digits = (ref.group(1), ref.group(2)) if ref else (b"", b"")
        if m.group(1) == b"row":
            row = int(digits) if digits and len(digits) <= 12 else (10**13 if digits else row + 1)
            col = 0
            continue
        if letters and len(letters) <= 4:
            col = 0
            for ch in letters.upper():
                col = col * 26 + ch - 64
        elif letters:
            col = 10**13
        else:
            col += 1
        r = int(digits) if digits and len(digits) <= 12 else (10**13 if digits else max(row, 1))
        if r > MAX_ROWS or col > MAX_COLS:
            raise _far(name, part, letters.decode("ascii", "replace")[:8] + digits.decode("ascii", "replace")[:12]
                       or f"R{r}C{col}")
        lo_r = r if lo_r is None else min(lo_r, r)
        lo_c = col if lo_c is None else min(lo_c, col)
        hi_r, hi_c = max(hi_r, r), max(hi_c, col)
    if lo_r is not None and (hi_r - lo_r + 1) * (hi_c - lo_c + 1) > MAX_CELLS:
        cap = f"{MAX_CELLS:,}".replace(",", ".")
        raise _refuse(name, f"trang tính ({part}) trải trên vùng quá lớn ({hi_r - lo_r + 1} dòng × "
                            f"{hi_c - lo_c + 1} cột, giới hạn {cap} ô)",
                      f"the sheet ({part}) spans too large an area ({hi_r - lo_r + 1} rows × {hi_c - lo_c + 1} "
                      f"columns, limit {MAX_CELLS:,} cells)",
                      "Hãy xóa các ô ở xa bảng số liệu (Ctrl+End chỉ ra ô cuối) rồi lưu lại.",
                      "Delete the cells far from the table (Ctrl+End shows the last one) and save again.")


def _far(name: str, part: str, ref: str) -> ReadError:
    return _refuse(name, f"ô {ref} ở trang tính ({part}) nằm ngoài giới hạn của Excel (XFD1048576)",
                   f"the cell {ref} on the sheet ({part}) lies beyond Excel's limits (XFD1048576)",
                   "Tệp không do Excel tạo ra hoặc đã bị sửa: hãy xin gửi lại tệp.",
                   "The file was not made by Excel or was altered: ask for it again.")
