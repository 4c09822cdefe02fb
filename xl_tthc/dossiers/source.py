"""Opening dossier exports as one canonical dossier view in DuckDB.

CSV and Parquet are scanned by DuckDB itself (``read_csv``, ``read_parquet`` with
``hive_partitioning``), never loaded into pandas; XLSX/XLS/ODS are read by python-calamine
(DuckDB's Excel extension cannot be installed offline) into a small DuckDB relation.  Each
file becomes a projection onto the canonical columns of :mod:`.columns` — typed
timestamps, status and channel codes, flags — with, per parsed column, whether its text
could be read (``<name>_ok``) and the source column as it is (``<name>_src``: its text
is made only for the rows left out, counting.BAD_ROW_COLUMNS).  The view ``dossiers`` is the union of those projections.

The connection's memory is bounded (``SET memory_limit``; what does not fit spills to
``temp_directory``), so an export larger than RAM is counted in bounded memory.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

import duckdb

from ..domain.issues import column_letter
from ..read.grid import ReadError, open_workbook
from .columns import CANONICAL, DATE_COLUMNS, FLAG_COLUMNS, ColumnMap, column_key, recognise
from .encoding import Reading, readable_copy

__all__ = ["ExportFile", "DossierError", "open_exports", "collect_exports", "connect", "EXPORT_SUFFIXES",
           "STATUS_NAMES", "STATUS_RULES", "CHANNEL_WORDS", "status_key", "status_by_rule", "is_number", "notes_sql", "date_orders"]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
EXPORT_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES + SHEET_SUFFIXES
_HEADER_SCAN = 30  # lines or rows searched for the header
_MIN_HEADER_HITS = 3  # recognised names that make a row the header


class DossierError(ValueError):
    """An export that cannot be counted (no such file, no header, a needed column
    missing).  ``file`` names it; ``vi``/``en`` say what happened and what to do."""

    def __init__(self, file: str, vi: str, en: str, rule: str = "no_table"):
        super().__init__(f"{file}: {en}")
        self.file, self.vi, self.en, self.rule = file, vi, en, rule

    def text(self, lang: str = "vi") -> str:
        return f"{self.file}: {self.en if lang == 'en' else self.vi}"


# TrangThaiHoSo: codes, the portal's English codes and the Vietnamese names (domain.md),
# as keys folded by status_key.
_STATUS: dict[int, tuple[str, ...]] = {
    1: ("receiving", "mới đăng ký", "đăng ký mới", "mới"),
    2: ("new", "được tiếp nhận", "đã tiếp nhận", "tiếp nhận"),
    3: ("denied", "không được tiếp nhận", "từ chối tiếp nhận", "từ chối"),
    4: ("processing", "đang xử lý", "đang giải quyết"),
    5: ("waiting", "yêu cầu bổ sung giấy tờ", "yêu cầu bổ sung", "chờ bổ sung"),
    6: ("paying", "yêu cầu thực hiện nghĩa vụ tài chính", "chờ thực hiện nghĩa vụ tài chính"),
    7: ("cancelled", "canceled", "công dân yêu cầu rút hồ sơ", "rút hồ sơ", "đã rút", "trả lại", "xin rút"),
    8: ("unresolved", "dừng xử lý", "tạm dừng"),
    9: ("releasing", "đã xử lý xong", "đã giải quyết", "chờ trả kết quả"),
    10: ("done", "đã trả kết quả", "hoàn thành", "đã trả"),
}
_MARKS = re.compile(r"[\u0300-\u036f]")


def status_key(text: str) -> str:
    """Lower case, "đ" as "d", accents and spacing folded, as the SQL folds a status."""
    t = unicodedata.normalize("NFD", text.strip().lower().replace("đ", "d"))
    return re.sub(r"\s+", " ", _MARKS.sub("", t))


STATUS_NAMES: dict[str, int] = {status_key(n): code for code, names in _STATUS.items() for n in names}
# A status written in other words ("Đã có kết quả", "Đang thụ lý", "Công dân đã rút"):
# the first rule one of whose words the folded text holds gives its code; each value read
# this way is said (tally.py, ``status_guesses``).  Order matters: "chờ trả kết quả"
# before "trả kết quả", "trả lại" (returned to the applicant) before both.
STATUS_RULES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (7, ("rut", "tra lai", "huy")),
    (3, ("tu choi", "khong tiep nhan", "khong duoc tiep nhan")),
    (5, ("bo sung",)),
    (6, ("nghia vu tai chinh", "thanh toan", "nop phi", "le phi")),
    (8, ("dung xu ly", "tam dung", "ngung xu ly", "dung giai quyet")),
    (9, ("cho tra", "co ket qua", "xu ly xong", "giai quyet xong", "da giai quyet", "da xu ly")),
    (10, ("da tra", "tra ket qua", "hoan thanh", "hoan tat")),
    (4, ("dang xu ly", "dang giai quyet", "dang thu ly", "cho xu ly", "chua giai quyet", "thu ly", "xu ly")),
    (1, ("cho tiep nhan", "dang ky", "chua tiep nhan")),
    (2, ("tiep nhan",)),
)


def status_by_rule(key: str) -> int | None:
    """The code of a folded status text by :data:`STATUS_RULES`, whole words only ("huy"
    is not in "chuyen"); None when no rule holds."""
    padded = f" {key} "
    return next((code for code, words in STATUS_RULES if any(f" {w} " in padded for w in words)), None)
# KenhThucHien as text: the first word list that occurs decides (postal before "trực tiếp").
CHANNEL_WORDS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (3, ("buu chinh", "bcci", "buu dien", "postal")),
    (2, ("truc tuyen", "online", "dich vu cong", "qua mang", "dvc", "muc do 3", "muc do 4", "dien tu")),
    (1, ("truc tiep", "tai quay", "direct", "mot cua")),
)


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _fold_sql(x: str) -> str:
    return f"regexp_replace(strip_accents(replace(lower(trim({x})), 'đ', 'd')), '\\s+', ' ', 'g')"


# Day-first texts after their separators ("." "-") are made "/" and the Vietnamese
# SA/CH (sáng/chiều) are made AM/PM: the formats tried, longest first.
_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p", "%d/%m/%Y")
_YEARS = (1990, 2100)  # a date read outside these years is no date (a year "24" read as 0024)


def _date_sql(col: str, typ: str, month_first: bool = False) -> str:
    """A TIMESTAMP from a column of DuckDB type ``typ``: timestamps and dates as they are;
    text (and numbers) as yyyyMMddHHmmss, yyyyMMdd, dd/mm/yyyy[ HH:MM[:SS]] (also with
    "-" or "." between, a two-digit year, the time first, SA/CH or AM/PM), ISO
    yyyy-mm-dd[ HH:MM:SS] (or yyyy/mm/dd), or an Excel serial (days since 1899-12-30).
    Anything else, and a date outside 1990–2100, is NULL: the row is reported, never
    counted on a date misread.  ``month_first``: the column writes mm/dd/yyyy (Excel on
    an English Windows saving CSV), :func:`date_orders` tells."""
    if typ.startswith("TIMESTAMP") or typ == "DATE":
        return f"CAST({col} AS TIMESTAMP)"
    t = f"trim(CAST({col} AS VARCHAR))"
    serial = f"try_cast({t} AS DOUBLE)"
    order = "\\2/\\1/\\3" if month_first else "\\1/\\2/\\3"  # day first, "/" between
    # the time first ("08:30 15/03/2024") moved after the date; separators made "/"
    day = (f"regexp_replace(regexp_replace(regexp_replace({t}, "
           f"'^(\\d{{1,2}}:\\d{{2}}(:\\d{{2}})?)\\s+(\\d{{1,2}}[/.-]\\d{{1,2}}[/.-]\\d{{2,4}})$', '\\3 \\1'), "
           f"'^(\\d{{1,2}})[/.-](\\d{{1,2}})[/.-](\\d{{2,4}})', '{order}'), "
           f"'\\s+(SA|sa|Sa|CH|ch|Ch)$', '')")
    ampm = (f"CASE WHEN regexp_matches({t}, '\\s(CH|ch|Ch)$') THEN ' PM' "
            f"WHEN regexp_matches({t}, '\\s(SA|sa|Sa)$') THEN ' AM' ELSE '' END")
    formats = "[" + ", ".join(f"'{f}'" for f in _DAY_FIRST) + "]"
    short = "[" + ", ".join(f"'{f.replace('%Y', '%y')}'" for f in _DAY_FIRST) + "]"  # a two-digit year
    parsed = (f"(CASE WHEN {col} IS NULL OR {t} = '' THEN NULL "
              f"WHEN regexp_full_match({t}, '\\d{{14}}') THEN try_strptime({t}, '%Y%m%d%H%M%S') "
              f"WHEN regexp_full_match({t}, '\\d{{8}}') THEN try_strptime({t}, '%Y%m%d') "
              f"WHEN regexp_full_match({t}, '\\d{{1,5}}(\\.\\d+)?') THEN CASE WHEN {serial} BETWEEN 20000 AND 80000 "
              f"THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round({serial} * 86400) AS BIGINT) * 1000000) END "
              f"WHEN regexp_matches({t}, '^\\d{{1,2}}[/.-]\\d{{1,2}}[/.-]\\d{{2,4}}') "
              f"OR regexp_matches({t}, '^\\d{{1,2}}:\\d{{2}}') THEN "
              f"CASE WHEN regexp_matches({day}, '^\\d{{1,2}}/\\d{{1,2}}/\\d{{2}}(\\D|$)') "
              f"THEN try_strptime({day} || {ampm}, {short}) ELSE try_strptime({day} || {ampm}, {formats}) END "
              f"WHEN regexp_matches({t}, '^\\d{{4}}[-/]\\d{{1,2}}[-/]\\d{{1,2}}') "
              f"THEN try_cast(replace({t}, '/', '-') AS TIMESTAMP) END)")
    return f"(CASE WHEN year({parsed}) BETWEEN {_YEARS[0]} AND {_YEARS[1]} THEN {parsed} END)"


_DMY = r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}"


def date_orders(con: duckdb.DuckDBPyConnection, f: "ExportFile") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the date columns of a text export that write month first, those whose day and
    month cannot be told apart): a column is month-first when some value's second part
    is over 12 and no first part is ("3/15/2024"), undecided when every value has both
    at most 12; otherwise day-first, the Vietnamese way."""
    cols = [(c, _ident(f.columns.used[c][1])) for c in DATE_COLUMNS
            if c in f.columns.used and not is_number(f.types.get(f.columns.used[c][1], "VARCHAR"))
            and not f.types.get(f.columns.used[c][1], "VARCHAR").startswith(("TIMESTAMP", "DATE"))]
    if not cols or f.kind == "parquet":
        return (), ()
    parts = []
    for _, q in cols:
        t = f"trim(CAST({q} AS VARCHAR))"
        for k in (1, 2):
            parts.append(f"max(CAST(nullif(regexp_extract({t}, '{_DMY}', {k}), '') AS INTEGER))")
    row = con.execute(f"SELECT {', '.join(parts)} FROM {f.relation}").fetchone()
    month_first, undecided = [], []
    for i, (c, _) in enumerate(cols):
        first, second = row[2 * i], row[2 * i + 1]
        if first is None:
            continue
        if second > 12 and first <= 12:
            month_first.append(c)
        elif first <= 12 and second <= 12:
            undecided.append(c)
    return tuple(month_first), tuple(undecided)


def is_number(typ: str) -> bool:
    return typ in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                   "UBIGINT", "DOUBLE", "FLOAT") or typ.startswith("DECIMAL")


def _status_sql(col: str, typ: str) -> str:
    if is_number(typ):
        return f"(CASE WHEN {col} BETWEEN 1 AND 10 AND {col} = round({col}) THEN CAST({col} AS INTEGER) END)"
    key = _fold_sql(f"CAST({col} AS VARCHAR)")
    cases = " ".join(f"WHEN {_q(k)} THEN {v}" for k, v in STATUS_NAMES.items())
    num = f"try_cast(trim(CAST({col} AS VARCHAR)) AS DOUBLE)"
    padded = f"(' ' || {key} || ' ')"
    def holds(words: tuple[str, ...]) -> str:
        return " OR ".join(f"contains({padded}, {_q(' ' + w + ' ')})" for w in words)

    rules = " ".join(f"WHEN {holds(words)} THEN {code}" for code, words in STATUS_RULES)
    return (f"(CASE WHEN {num} BETWEEN 1 AND 10 AND {num} = round({num}) THEN CAST({num} AS INTEGER) "
            f"ELSE coalesce((CASE {key} {cases} END), (CASE {rules} END)) END)")


def _channel_sql(col: str, typ: str) -> str:
    if is_number(typ):
        return f"(CASE WHEN {col} IN (1, 2, 3) THEN CAST({col} AS INTEGER) END)"
    key = _fold_sql(f"CAST({col} AS VARCHAR)")
    num = f"try_cast(trim(CAST({col} AS VARCHAR)) AS DOUBLE)"
    words = " ".join(f"WHEN {' OR '.join(f'contains({key}, {_q(w)})' for w in ws)} THEN {code}"
                     for code, ws in CHANNEL_WORDS)
    return f"(CASE WHEN {num} IN (1, 2, 3) THEN CAST({num} AS INTEGER) {words} END)"


_TRUE = ("1", "2", "true", "x", "co", "yes", "y", "t", "da thanh toan", "da so hoa", "dien tu")


def _flag_sql(col: str, typ: str) -> str:
    if typ == "BOOLEAN":
        return f"coalesce({col}, false)"
    if is_number(typ):
        return f"coalesce({col} IN (1, 2), false)"
    # list_contains, not IN: DuckDB makes a long IN list a join that column pruning keeps,
    # and every pass over the export then paid for the flags (1.3 s of 2.3 at 2 million rows)
    return f"coalesce(list_contains([{', '.join(map(_q, _TRUE))}], {_fold_sql(f'CAST({col} AS VARCHAR)')}), false)"


def _blank_sql(col: str) -> str:
    return f"({col} IS NULL OR trim(CAST({col} AS VARCHAR)) = '')"


@dataclass
class ExportFile:
    """One scanned export: ``path``, its ``kind`` (csv | parquet | sheet), the sheet,
    the 1-based line of its header, the recognised columns and their DuckDB types."""

    path: str
    kind: str
    sheet: str | None
    header_row: int
    columns: ColumnMap
    types: dict[str, str] = field(default_factory=dict)
    relation: str = ""  # the DuckDB view of the raw rows
    files: tuple[str, ...] = ()  # a Parquet dataset: its files
    reading: Reading | None = None  # a CSV file: its encoding, the UTF-8 copy DuckDB reads
    rejects: str | None = None  # a CSV file: DuckDB's table of the lines it could not split
    reject_spans: list[tuple[int, int]] = field(default_factory=list)  # (line, lines) of each, once counted
    month_first: tuple[str, ...] = ()  # date columns written mm/dd/yyyy
    undecided_dates: tuple[str, ...] = ()  # date columns whose day and month cannot be told apart

    def letter(self, canonical: str) -> str | None:
        hit = self.columns.used.get(canonical)
        return self.letter_of(*hit) if hit else None

    def letter_of(self, index: int, name: str) -> str:
        """Where the export's column ``index`` called ``name`` is: its Excel letter in a
        sheet or a CSV file (as a spreadsheet shows it), its name in Parquet (which has
        no letters)."""
        return name if self.kind == "parquet" else column_letter(index)


def connect(memory_limit: str | None = None, temp_directory: str | None = None,
            threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with bounded memory (default: half the RAM, at most 4 GB)
    spilling to ``temp_directory`` (default: a folder in the system's temporary one)."""
    con = duckdb.connect(config={"enable_external_access": True})
    if memory_limit is None:
        try:
            ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            ram = 8 << 30
        memory_limit = f"{max(256, min(4096, ram // 2 >> 20))}MB"
    con.execute(f"SET memory_limit = {_q(memory_limit)}")
    con.execute("SET enable_progress_bar = false")  # a library prints nothing
    con.execute(f"SET temp_directory = {_q(temp_directory or os.path.join(tempfile.gettempdir(), 'xl_tthc_duckdb'))}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _not_a_file(p: Path) -> DossierError | None:
    """Why ``p`` cannot be read as an export file (None when it can be tried)."""
    try:
        st = p.stat()
    except OSError:
        return DossierError(str(p), "không tìm thấy tệp hay thư mục (hoặc liên kết trỏ tới nơi không có); kiểm tra "
                                    "lại đường dẫn.",
                            "no such file or folder (or a link to nowhere); check the path.", rule="unreadable")
    if not stat.S_ISREG(st.st_mode):
        return DossierError(str(p), "không phải tệp thường (một thiết bị, ống dẫn hay socket); bỏ qua.",
                            "not a regular file (a device, a pipe or a socket); skipped.", rule="unreadable")
    if not os.access(p, os.R_OK):
        return DossierError(str(p), "không có quyền đọc tệp; xin quyền đọc hoặc chép tệp sang thư mục của mình.",
                            "no permission to read the file; ask for read access or copy it to your folder.",
                            rule="unreadable")
    return None


def collect_exports(inputs: Iterable[str | Path], skipped: list[DossierError] | None = None) -> list[Path]:
    """Files as given and exports found (recursively) in folders, sorted; hidden and
    Excel lock files in folders skipped.  An input that cannot be read (missing, a link
    to nowhere, a pipe or device, no read permission — named, or with an export's suffix
    in a folder) is appended to ``skipped``; without ``skipped`` it raises DossierError."""
    out: list[Path] = []
    bad: list[DossierError] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            for q in sorted(p.rglob("*")):
                if q.suffix.lower() not in EXPORT_SUFFIXES or q.is_dir() or \
                        any(part.startswith((".", "~$")) for part in q.relative_to(p).parts):
                    continue
                why = _not_a_file(q)
                if why is None:
                    out.append(q)
                else:
                    bad.append(why)
        elif (why := _not_a_file(p)) is None:
            out.append(p)
        else:
            bad.append(why)
    if bad and skipped is None:
        raise bad[0]
    if skipped is not None:
        skipped += bad
    return list(dict.fromkeys(out))


# A dossier table names at least one of these (a sheet of ratios naming "Thanh toán trực
# tuyến", "Số hóa" and "Kết quả điện tử" is a report, not an export).
_ANCHORS = frozenset(("dossier_id", "received_at", "status"))


def _header_line(names_by_line: list[list[str]], mapping: dict[str, str] | None) -> int | None:
    """The 0-based line whose cells name the most known columns (at least 3, one of them
    an id, a receipt date or a status)."""
    best, best_hits = None, _MIN_HEADER_HITS - 1
    for i, names in enumerate(names_by_line):
        used = recognise([str(n) for n in names], mapping).used
        if len(used) > best_hits and _ANCHORS & set(used):
            best, best_hits = i, len(used)
    return best


def _csv_head(path: Path) -> tuple[list[list[str]], str]:
    with path.open("rb") as f:
        head = f.read(1 << 16)
    text = head.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()[:_HEADER_SCAN]
    sample = "\n".join(lines)
    try:
        delim = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delim = ","
    return [row for row in csv.reader(io.StringIO(sample), delimiter=delim)], delim


def _unreadable(path: Path, e: BaseException) -> DossierError:
    why = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
    return DossierError(str(path), f"không đọc được tệp ({why}); kiểm tra tệp có mở được, không bị khóa hay "
                                   "hỏng, rồi chạy lại.",
                        f"cannot read the file ({why}); check that it opens, is not locked or damaged, and run again.",
                        rule="unreadable")


def _scan_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str, mapping: dict[str, str] | None,
              workdir: Path) -> ExportFile:
    try:
        reading = readable_copy(path, workdir)
    except UnicodeError:
        raise DossierError(str(path), "tệp không ở bảng mã UTF-8, UTF-16 hay Windows-1258; hãy lưu lại dạng "
                                      "\"CSV UTF-8\" rồi chạy lại.",
                           "the file is in none of the encodings UTF-8, UTF-16 or Windows-1258; save it again as "
                           "\"CSV UTF-8\" and run again.", rule="unreadable") from None
    rows, delim = _csv_head(reading.path)
    line = _header_line(rows, mapping)
    if line is None:
        raise DossierError(str(path), "không tìm thấy dòng tiêu đề cột (như \"Mã hồ sơ\", \"Ngày tiếp nhận\", "
                                      "\"Trạng thái\") trong 30 dòng đầu; dùng --map để đặt tên cột.",
                           "no header row (such as MaHoSo, NgayTiepNhan, TrangThaiHoSo) in the first 30 lines; "
                           "name the columns with --map.")
    # A line that cannot be split into the header's columns is left out and kept in the
    # rejects table (reported, never dropped in silence); a quote left open swallows the
    # lines up to the next quote into that one rejected line.
    try:
        con.execute(f"CREATE VIEW {name}_raw AS SELECT * FROM read_csv({_q(str(reading.path))}, "
                    f"all_varchar = true, header = true, skip = {line}, delim = {_q(delim)}, quote = '\"', "
                    f"escape = '\"', null_padding = false, strict_mode = false, store_rejects = true, "
                    f"rejects_table = '{name}_rejects', rejects_scan = '{name}_scans')")
        names = [r[0] for r in con.execute(f"DESCRIBE {name}_raw").fetchall()]
        f = ExportFile(str(path), "csv", None, line + 1, recognise(names, mapping), {n: "VARCHAR" for n in names},
                       name, reading=reading, rejects=f"{name}_rejects")
        # read once into DuckDB's own columnar table (memory bounded, spilled to disk),
        # each line's being a note decided then: every later pass scans that, not the text
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT row_number() OVER () + {line + 1} AS _row, *, "
                    f"{note_sql(f)} AS _note FROM {name}_raw")
    except duckdb.Error as e:
        raise DossierError(str(path), f"DuckDB không đọc được tệp CSV ({str(e).splitlines()[0]}); kiểm tra dấu phân "
                                      "cách và dấu ngoặc kép, hoặc lưu lại dạng \"CSV UTF-8\".",
                           f"DuckDB cannot read the CSV file ({str(e).splitlines()[0]}); check its delimiters and "
                           "quotes, or save it again as \"CSV UTF-8\".", rule="unreadable") from None
    return f


def _readable_parquet(con: duckdb.DuckDBPyConnection, paths: list[Path],
                      skipped: list[DossierError]) -> list[Path]:
    """The Parquet files whose footer DuckDB reads; the others appended to ``skipped``.
    The files are tried together first (one footer read each, as the scan would), one by
    one only when that fails."""
    try:
        con.execute("SELECT count(*) FROM parquet_metadata([" + ", ".join(_q(str(p)) for p in paths) + "])")
        return paths
    except duckdb.Error:
        pass
    good = []
    for p in paths:
        try:
            con.execute(f"SELECT count(*) FROM parquet_metadata({_q(str(p))})")
            good.append(p)
        except duckdb.Error as e:
            first = str(e).splitlines()[0]
            skipped.append(DossierError(str(p), f"không đọc được tệp Parquet ({first}); tệp bị hỏng hoặc chưa ghi "
                                                "xong — xuất lại tệp này.",
                                        f"cannot read the Parquet file ({first}); it is damaged or was not written "
                                        "completely — export it again.", rule="unreadable"))
    return good


def _scan_parquet(con: duckdb.DuckDBPyConnection, paths: list[Path], name: str,
                  mapping: dict[str, str] | None) -> ExportFile:
    files = "[" + ", ".join(_q(str(p)) for p in paths) + "]"
    con.execute(f"CREATE VIEW {name} AS SELECT file_row_number + 1 AS _row, file_index AS _fidx, * "
                f"FROM read_parquet({files}, "
                f"hive_partitioning = true, union_by_name = true, filename = '_file', file_row_number = true)")
    desc = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {name}").fetchall() if r[0] not in ("_row", "_file", "_fidx")]
    names = [n for n, _ in desc if n != "file_row_number"]
    shown = str(paths[0]) if len(paths) == 1 else os.path.commonpath([str(p) for p in paths])
    return ExportFile(shown, "parquet", None, 0, recognise(names, mapping), dict(desc), name,
                      tuple(str(p) for p in paths))


def _cell_text(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _two_rows(upper: list[str], lower: list[str]) -> list[str]:
    """The names of a header of two rows: a cell of the upper row merged over several
    columns (its text in the first only) names each of them with the lower row's cell
    ("Thời gian" over "Tiếp nhận", "Hẹn trả" -> "Thời gian Tiếp nhận", "Thời gian Hẹn
    trả"); a column without a lower cell keeps its upper one (merged down)."""
    width = max(len(upper), len(lower))
    upper, lower = upper + [""] * (width - len(upper)), lower + [""] * (width - len(lower))
    out, over = [], ""
    for u, lo in zip(upper, lower):
        over = u or over
        out.append(f"{over} {lo}".strip() if lo and over else (lo or u))
    return out


def _sheet_header(rows: list[list[str]], mapping: dict[str, str] | None) -> tuple[int, list[str]] | None:
    """(the 0-based line the data follows, the column names) of a sheet's header: one row,
    or two rows whose names together say more (a merged group over its columns)."""
    line = _header_line(rows, mapping)
    best = None if line is None else (len(recognise(rows[line], mapping).used), line, rows[line])
    for i in range(1, len(rows)):
        names = _two_rows(rows[i - 1], rows[i])
        used = recognise(names, mapping).used
        if _ANCHORS & set(used) and len(used) >= _MIN_HEADER_HITS and (best is None or len(used) > best[0]):
            best = (len(used), i, names)
    return None if best is None else (best[1], best[2])


def _unique(names: list[str]) -> list[str]:
    """Column names made unique ("Tổng", "Tổng (2)"), as a view needs them."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n.lower(), 0) + 1
        seen[n.lower()] = k
        out.append(n if k == 1 else f"{n} ({k})")
    return out


def _scan_sheets(con: duckdb.DuckDBPyConnection, path: Path, name: str, mapping: dict[str, str] | None,
                 skipped: list[DossierError]) -> list[ExportFile]:
    import pandas as pd

    try:
        book = open_workbook(path)
    except ReadError as e:
        raise DossierError(str(path), e.text("vi"), e.text("en")) from None
    out = []
    for k, sheet in enumerate(book.sheets):
        found = _sheet_header([[_cell_text(v) or "" for v in row] for row in sheet.values[:_HEADER_SCAN]], mapping)
        if found is None:
            skipped.append(DossierError(f"{path} (trang tính {sheet.name})",
                                        "trang tính không có dòng tiêu đề cột của dữ liệu hồ sơ; bỏ qua.",
                                        f"sheet {sheet.name!r} has no header row of dossier columns; skipped."))
            continue
        line, names = found
        header = _unique([n or f"column{c + 1}" for c, n in enumerate(names)])
        body = [[_cell_text(v) for v in row[:len(header)]] + [None] * (len(header) - len(row))
                for row in sheet.values[line + 1:]]
        rows = [(line + 2 + i, *r) for i, r in enumerate(body) if any(x is not None for x in r)]
        frame = pd.DataFrame.from_records(rows, columns=["_row", *[f"c{c}" for c in range(len(header))]])
        frame = frame.astype({f"c{c}": "object" for c in range(len(header))})
        view = f"{name}_{k}"
        con.register(f"{view}_frame", frame)
        cols = ", ".join(f"CAST(c{c} AS VARCHAR) AS {_ident(h)}" for c, h in enumerate(header))
        f = ExportFile(str(path), "sheet", sheet.name, line + 1, recognise(header, mapping),
                       {h: "VARCHAR" for h in header}, view)
        con.execute(f"CREATE VIEW {view} AS SELECT *, {note_sql(f)} AS _note FROM "
                    f"(SELECT _row, {cols} FROM {view}_frame)")
        out.append(f)
    if not out:
        raise DossierError(str(path), "không trang tính nào có dòng tiêu đề cột của dữ liệu hồ sơ (như \"Mã hồ sơ\", "
                                      "\"Ngày tiếp nhận\", \"Trạng thái\"); dùng --map để đặt tên cột.",
                           "no sheet has a header row of dossier columns (such as MaHoSo, NgayTiepNhan, "
                           "TrangThaiHoSo); name the columns with --map.")
    return out


def _projection(f: ExportFile, index: int) -> str:
    """The canonical columns of one scanned export, as a SELECT over its view."""
    cols: dict[str, str] = {}
    typ: dict[str, str] = {}
    for c in CANONICAL:
        hit = f.columns.used.get(c)
        if hit is not None:
            cols[c], typ[c] = _ident(hit[1]), f.types.get(hit[1], "VARCHAR")
    if "province" not in cols and "tinh" in f.types:  # hive partition tinh=…/
        cols["province"], typ["province"] = _ident("tinh"), f.types["tinh"]
    # pos orders the rows of all exports: the export, the file of a dataset, the row
    fidx = "(CAST(_fidx AS BIGINT) << 36)" if f.kind == "parquet" else "0"
    sel = [f"{index} AS src", "_row AS row", f"((CAST({index} AS BIGINT) << 52) | {fidx} | _row) AS pos",
           f"{'_file' if f.kind == 'parquet' else _q(f.path)} AS file"]

    def text(c: str) -> str:
        """The column as text, blank as NULL; trimmed where people type (CSV, sheets):
        Parquet is written by software, and trimming ten million names costs a third of
        the count (group names are folded after the query anyway)."""
        if c not in cols:
            return "CAST(NULL AS VARCHAR)"
        x = f"CAST({cols[c]} AS VARCHAR)"
        return f"nullif({x}, '')" if f.kind == "parquet" else f"nullif(trim({x}), '')"

    for c in ("dossier_id", "procedure_code", "procedure", "field_code", "field", "unit", "province"):
        sel.append(f"{text(c)} AS {c}")
    for c in DATE_COLUMNS:
        if c in cols:
            parsed = _date_sql(cols[c], typ[c], c in f.month_first)
            typed = typ[c].startswith("TIMESTAMP") or typ[c] == "DATE"  # nothing to read: always readable
            ok = "true" if typed else f"({_blank_sql(cols[c])} OR {parsed} IS NOT NULL)"
            sel += [f"{parsed} AS {c}", f"{ok} AS {c}_ok", f"{cols[c]} AS {c}_src"]
        else:
            sel += [f"CAST(NULL AS TIMESTAMP) AS {c}", f"true AS {c}_ok", f"NULL AS {c}_src"]
    sel += [f"{'true' if 'dossier_id' in cols else 'false'} AS id_column",
            f"{'true' if 'channel' in cols else 'false'} AS channel_column"]
    for c, conv in (("status", _status_sql), ("channel", _channel_sql)):
        if c in cols:
            sel += [f"{conv(cols[c], typ[c])} AS {c}", f"{cols[c]} AS {c}_src"]
        else:
            sel += [f"CAST(NULL AS INTEGER) AS {c}", f"NULL AS {c}_src"]
    for c in FLAG_COLUMNS:
        sel.append(f"{_flag_sql(cols[c], typ[c])} AS {c}" if c in cols else f"false AS {c}")
    for c in ("supplement_days", "supplement_count"):
        sel.append(f"coalesce(try_cast(CAST({cols[c]} AS VARCHAR) AS DOUBLE), 0) AS {c}" if c in cols
                   else f"CAST(0 AS DOUBLE) AS {c}")
    return f"SELECT {', '.join(sel)} FROM {f.relation}" + ("" if f.kind == "parquet" else " WHERE NOT _note")


_NOTE_CELLS = 2  # a text line with at most this many cells and no status is a note


def _filled(f: ExportFile) -> str:
    """How many of the columns ``f`` is read by hold something, per line (SQL)."""
    cols = dict.fromkeys(_ident(n) for _, n in f.columns.used.values())
    return " + ".join(f"CAST(coalesce(trim(CAST({c} AS VARCHAR)), '') <> '' AS INTEGER)" for c in cols) or "0"


def note_sql(f: ExportFile) -> str:
    """The lines of a text export (CSV, sheet) that are no dossier, as SQL over its raw
    columns: blank in every column it is read by (",,,,," below the data, as Excel leaves
    them), or a note — at most two cells and no status that can be read ("Tổng cộng:
    1.500 hồ sơ", "Người lập biểu").  Decided once, when the export is read (``_note``)."""
    if not f.columns.used:
        return "false"
    hit = f.columns.used.get("status")
    unread = "" if hit is None else f" AND {_status_sql(_ident(hit[1]), f.types.get(hit[1], 'VARCHAR'))} IS NULL"
    return f"(({_filled(f)}) <= {_NOTE_CELLS}{unread})"


def notes_sql(f: ExportFile) -> str | None:
    """The note lines that hold something, with their text: (line, text); None for
    Parquet (written by software: no notes)."""
    if f.kind == "parquet" or not f.columns.used:
        return None
    cells = ", ".join(dict.fromkeys(f"nullif(trim(CAST({_ident(n)} AS VARCHAR)), '')"
                                    for _, n in f.columns.used.values()))
    return f"SELECT _row, concat_ws(' | ', {cells}) FROM {f.relation} WHERE _note AND ({_filled(f)}) > 0 ORDER BY 1"


def open_exports(con: duckdb.DuckDBPyConnection, inputs: Iterable[str | Path], workdir: str | Path,
                 mapping: dict[str, str] | None = None,
                 skipped: list[DossierError] | None = None) -> list[ExportFile]:
    """Scan every export of ``inputs`` (files and folders) and create the view
    ``dossiers`` over all of them.  Parquet files are scanned together (a hive-partitioned
    dataset is one scan); each CSV file and each sheet of a workbook on its own.  A
    workbook found in a folder that holds no dossier table (a report beside the export),
    and a sheet without one, are appended to ``skipped`` instead; a file named
    explicitly must be an export.  A file that cannot be read (missing, not a regular
    file, locked, damaged, in an unknown encoding) is appended to ``skipped`` with the
    rule "unreadable", wherever it was named, and the others are counted.  ``workdir``
    (the caller's, removed by it once the connection is closed) holds the UTF-8 copies
    of CSV files in other encodings."""
    inputs = list(inputs)
    skipped = [] if skipped is None else skipped
    named = {Path(p) for p in inputs if not Path(p).is_dir()}
    paths = collect_exports(inputs, skipped)
    if not paths:
        raise skipped[0] if skipped else DossierError(", ".join(map(str, inputs)),
                                                      "không có tệp dữ liệu hồ sơ (.csv, .parquet, .xlsx…).",
                                                      "no dossier export (.csv, .parquet, .xlsx…) found.")
    exports: list[ExportFile] = []
    parquet = _readable_parquet(con, [p for p in paths if p.suffix.lower() in PARQUET_SUFFIXES], skipped)
    if parquet:
        exports.append(_scan_parquet(con, parquet, "x_parquet", mapping))
    for i, p in enumerate(q for q in paths if q.suffix.lower() not in PARQUET_SUFFIXES):
        try:
            if p.suffix.lower() in CSV_SUFFIXES:
                exports.append(_scan_csv(con, p, f"x_csv{i}", mapping, Path(workdir)))
            else:
                exports += _scan_sheets(con, p, f"x_sheet{i}", mapping, skipped)
        except OSError as e:
            skipped.append(_unreadable(p, e))
        except DossierError as e:
            if p in named and e.rule != "unreadable":
                raise
            skipped.append(e)
    if not exports:
        raise skipped[0] if skipped else DossierError(", ".join(map(str, inputs)), "không có dữ liệu hồ sơ.",
                                                      "no dossier data.")
    for f in exports:
        f.month_first, f.undecided_dates = date_orders(con, f)
    con.execute("CREATE VIEW dossiers AS " + " UNION ALL ".join(_projection(f, i) for i, f in enumerate(exports)))
    return exports
