"""What reading an export's text decided or could not do, each as Issues at the export's
file (and line): its encoding, the lines DuckDB could not split into columns, the
statuses read by their words, the date columns written month first, the note lines that
are no dossier, and an engine error.

A CSV line that cannot be split into the header's columns (too few or too many, a quote
left open) is left out by DuckDB and kept in its rejects table; each becomes an Issue
``dossier_invalid`` at its line and is counted in the summary as read and left out.  The
rows after it are numbered by DuckDB without the lines it swallowed, so the rows of the
other findings of that file are moved down by those lines (:func:`shift_rows`).
"""

from __future__ import annotations

from dataclasses import replace

import duckdb

from ..domain.issues import Issue, RULES, message
from ..domain.numbers import format_count
from .columns import LABELS
from .encoding import LISTED_BAD_LINES
from .source import STATUS_NAMES, DossierError, ExportFile, is_number, notes_sql, status_by_rule, status_key

__all__ = ["encoding_issues", "rejected_lines", "shift_rows", "engine_error", "status_issues", "note_issues"]

_WHY = {
    "MISSING COLUMNS": ("thiếu cột", "too few columns"),
    "TOO MANY COLUMNS": ("thừa cột", "too many columns"),
    "UNQUOTED VALUE": ("dấu ngoặc kép đặt sai", "a misplaced quote"),
    "UNTERMINATED QUOTES": ("dấu ngoặc kép không đóng", "a quote left open"),
    "INVALID UNICODE": ("ký tự không hợp lệ", "invalid characters"),
    "LINE SIZE OVER MAXIMUM": ("dòng quá dài", "a line too long"),
}


def encoding_issues(exports: list[ExportFile], lang: str) -> list[Issue]:
    """A CSV file read in a Windows code page, and the lines of one that is UTF-8 but for
    a few bytes (read with U+FFFD in their place); date columns written month first, or
    whose day and month cannot be told apart."""
    out = []
    for e in exports:
        for c, key in [(c, "dossier_column.month_first") for c in e.month_first] + \
                [(c, "dossier_column.undecided_dates") for c in e.undecided_dates]:
            out.append(Issue(e.path, e.sheet, e.header_row or None, e.letter(c), None, c, "dossier_column",
                             RULES["dossier_column"], None, e.columns.name(c),
                             message(key, lang, found=e.columns.name(c), label=LABELS[c][lang == "en"])))
        r = e.reading
        if r is None:
            continue
        if r.encoding == "cp1258":
            out.append(Issue(e.path, None, None, None, None, None, "encoding", RULES["encoding"], "UTF-8", "cp1258",
                             message("encoding.cp1258", lang)))
        for line in r.bad_lines:
            out.append(Issue(e.path, None, line, None, None, None, "encoding", RULES["encoding"], "UTF-8", None,
                             message("encoding.bad_bytes", lang)))
        if r.bad_count > len(r.bad_lines):
            more = r.bad_count - len(r.bad_lines)
            out.append(Issue(e.path, None, None, None, None, None, "encoding", RULES["encoding"], "UTF-8", None,
                             message("encoding.bad_more", lang, found=format_count(more),
                                     expected=format_count(LISTED_BAD_LINES))))
    return out


def rejected_lines(con: duckdb.DuckDBPyConnection, exports: list[ExportFile], lang: str) -> tuple[list[Issue], int]:
    """The Issues of the lines DuckDB rejected, and how many lines they span; each CSV
    export keeps its rejects' (line, lines spanned) in ``reject_spans``."""
    out: list[Issue] = []
    total = 0
    for e in exports:
        if not e.rejects:
            continue
        try:
            rows = con.execute(f"SELECT DISTINCT line, column_name, error_type, csv_line FROM {e.rejects} "
                               "ORDER BY line").fetchall()
        except duckdb.CatalogException:  # the file was never scanned
            rows = []
        spans = []
        for line, column, kind, text in rows:
            span = (text or "").count("\n") + 1
            spans.append((int(line), span))
            total += span
            vi, en = _WHY.get(str(kind), (str(kind).lower(), str(kind).lower()))
            lines = str(line) if span == 1 else f"{line}–{int(line) + span - 1}"
            out.append(Issue(e.path, None, int(line), None, None, None, "dossier_invalid", RULES["dossier_invalid"],
                             None, (text or "")[:200], message("dossier_invalid.line", lang, found=lines,
                                                               expected=en if lang == "en" else vi)))
        e.reject_spans = spans
    return out, total


def shift_rows(issues: list[Issue], exports: list[ExportFile]) -> list[Issue]:
    """``issues`` with the rows of a CSV file that had rejected lines moved to the lines
    they are on (DuckDB numbers the rows it kept without the rejected lines)."""
    spans = {e.path: e.reject_spans for e in exports if e.reject_spans}
    if not spans:
        return issues
    out = []
    for i in issues:
        s = spans.get(i.file)
        if s is None or i.row is None:
            out.append(i)
            continue
        row = i.row
        for line, span in s:  # in line order: each rejected line before the row pushes it down
            if row >= line:
                row += span
        out.append(replace(i, row=row))
    return out


def engine_error(e: duckdb.Error, exports: list[ExportFile]) -> DossierError:
    """A DuckDB error while counting (a damaged row group, a CSV line it cannot parse) as
    the clear error of the export it names."""
    text = str(e)
    first = text.splitlines()[0]
    names = [f for x in exports for f in (x.files or (x.path,))]
    if any(x.reading is not None for x in exports):
        names += [str(x.reading.path) for x in exports if x.reading is not None]
    named = next((n for n in names if n in text), None)
    original = next((x.path for x in exports if x.reading is not None and str(x.reading.path) == named), named)
    where = original or ", ".join(x.path for x in exports)
    return DossierError(where, f"DuckDB không đọc được dữ liệu ({first}); tệp có thể bị hỏng — xuất lại tệp này "
                               "rồi chạy lại.",
                        f"DuckDB cannot read the data ({first}); the file may be damaged — export it again and "
                        "run again.", rule="unreadable")



def status_issues(con: duckdb.DuckDBPyConnection, exports: list[ExportFile], lang: str) -> list[Issue]:
    """Each status written in words no list knows but a rule reads (STATUS_RULES), once per
    value and export with how many rows hold it: "Đã có kết quả" read as 9."""
    out = []
    for e in exports:
        hit = e.columns.used.get("status")
        if hit is None or is_number(e.types.get(hit[1], "VARCHAR")):
            continue
        col = '"' + hit[1].replace('"', '""') + '"'
        values = con.execute(f"SELECT CAST({col} AS VARCHAR) AS v, count(*) FROM {e.relation} "
                             f"WHERE {col} IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
        for text, n in values:
            key = status_key(str(text))
            if not key or key in STATUS_NAMES or key.replace(".", "", 1).isdigit():
                continue
            code = status_by_rule(key)
            if code is not None:
                out.append(Issue(e.path, e.sheet, e.header_row or None, e.letter("status"), None, "status",
                                 "dossier_column", RULES["dossier_column"],
                                 str(code), str(text),
                                 message("dossier_column.status_guessed", lang, found=str(text), expected=str(code),
                                         label=format_count(n))))
    return out


def note_issues(con: duckdb.DuckDBPyConnection, exports: list[ExportFile], lang: str) -> list[Issue]:
    """Each line of a text export that is no dossier but holds something (a total, a
    signature line), said at its line and not counted."""
    out = []
    for e in exports:
        sql = notes_sql(e)
        if sql is None:
            continue
        for line, text in con.execute(sql).fetchall():
            out.append(Issue(e.path, e.sheet, int(line), None, None, None, "dossier_column", RULES["dossier_column"],
                             None, text, message("dossier_column.note", lang, found=text)))
    return out
