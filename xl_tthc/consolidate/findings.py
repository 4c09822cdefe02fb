"""The findings table people hand on: one row per finding with the file relative to the
common input folder, the cell (or "(cả tệp)"), the reporting department beside the row,
the field, severity, rule and message; filtered by severity, summarised per run, and
written as a workbook (one sheet, or one per department) or a CSV Excel opens.

Used by ``check`` and ``consolidate``; the command line only formats these rows.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..domain.fields import label
from ..domain.issues import SEVERITIES, Issue, column_letter, message
from ..domain.numbers import format_count
from ..domain.output import write_atomically
from ..read.table import Table
from ..rules.check import FileReport
from .consolidation import Source, _department_of

__all__ = ["Finding", "Places", "Summary", "HEADERS", "at_least", "severities_from", "common_folder", "findings_of_reports",
           "findings_of_issues", "shown_path", "grouped", "summarize", "summarize_sources", "write_findings", "SEVERITY_LABELS", "WHOLE_FILE"]

SEVERITY_LABELS = {"vi": {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"},
                   "en": {"error": "error", "warning": "warning", "info": "info"}}
WHOLE_FILE = {"vi": "(cả tệp)", "en": "(whole file)"}
HEADERS = {
    "vi": ("Tệp", "Trang tính", "Ô", "Đơn vị báo cáo", "Dòng", "Chỉ tiêu", "Mức độ", "Quy tắc", "Nội dung",
           "Giá trị ghi", "Giá trị đúng"),
    "en": ("File", "Sheet", "Cell", "Department", "Row", "Field", "Severity", "Rule", "Message",
           "Found", "Expected"),
}


@dataclass(frozen=True)
class Finding:
    """One row of the findings table.  ``path`` is shown (relative to the common input
    folder), ``file`` is where the source is (for links); ``cell`` is a cell reference,
    or "" for a finding about the whole file."""

    path: str
    file: str
    sheet: str | None
    cell: str
    department: str | None
    row_label: str | None
    field: str | None
    severity: str
    rule: str
    message: str
    found: str | None
    expected: str | None

    def cell_text(self, lang: str = "vi") -> str:
        return self.cell or WHOLE_FILE[lang]

    def values(self, lang: str = "vi") -> list[Any]:
        """The row under ``HEADERS[lang]``."""
        return [self.path, self.sheet or "", self.cell_text(lang), self.department or "", self.row_label or "",
                label(self.field, lang) if self.field else "", SEVERITY_LABELS[lang].get(self.severity, self.severity),
                self.rule, self.message, self.found or "", self.expected or ""]


def severities_from(min_severity: str = "info") -> set[str]:
    """``min_severity`` and the worse ones (error > warning > info)."""
    return set(SEVERITIES[:SEVERITIES.index(min_severity) + 1])


def at_least(issues: Iterable[Issue], min_severity: str = "info") -> list[Issue]:
    """The issues of ``min_severity`` or worse."""
    keep = severities_from(min_severity)
    return [i for i in issues if i.severity in keep]


def common_folder(paths: Iterable[str | Path]) -> Path | None:
    """The deepest folder holding every path (None for none, or paths on several drives)."""
    folders = _folders(paths)
    if not folders:
        return None
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:
        return None


def _folders(paths: Iterable[str | Path]) -> list[str]:
    """The distinct ``dirname(abspath(p))`` of ``paths``, each folder worked out once:
    a path ending in a plain name (neither "." nor "..") is in the folder its written
    folder is; any other is resolved whole."""
    written: set[str] = set()
    whole: set[str] = set()
    for p in paths:
        folder, name = os.path.split(os.fspath(p))
        if name and name not in (".", ".."):
            written.add(folder)
        else:
            whole.add(os.path.dirname(os.path.abspath(p)))
    return list({os.path.abspath(f) if f else os.path.abspath(os.curdir) for f in written} | whole)


def shown_path(path: str, base: Path | None) -> str:
    """``path`` relative to ``base`` (with forward slashes), as given when it cannot be."""
    if base is None:
        return path
    try:
        return os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
    except ValueError:
        return path


def _cell(issue: Issue, unit_column: str | None) -> str:
    """A real cell reference: the issue's cell, the row's unit cell for a finding about a
    row, "" for a finding about the whole file (or sheet)."""
    if issue.column and issue.row:
        return issue.cell
    if issue.row:
        return f"{unit_column or 'A'}{issue.row}"
    return ""


@dataclass
class Places:
    """What the tables of a run say about where a finding is: the reporting department
    of a table of fields (by (file, sheet), and (file, None) for the whole file), the unit
    column's letter, and the tables whose rows are departments themselves."""

    departments: dict[tuple[str, str | None], str]
    unit_columns: dict[tuple[str, str | None], str]
    rows_are_departments: set[tuple[str, str | None]]

    @classmethod
    def of_tables(cls, tables: Iterable[Table]) -> "Places":
        places = cls({}, {}, set())
        for table in tables:
            key = (table.file, table.sheet)
            if table.unit_column is not None:
                places.unit_columns[key] = column_letter(table.unit_column)
            if table.unit_kind == "department":
                places.rows_are_departments.add(key)
                continue
            dept = _department_of(table, Path(table.file))
            if dept is not None:
                places.departments[key] = dept[0]
                places.departments.setdefault((table.file, None), dept[0])
        return places

    @classmethod
    def of_sources(cls, sources: Iterable[Source]) -> "Places":
        """A consolidation's sources: the department of a file that reports one."""
        places = cls({}, {}, set())
        for src in sources:
            units = set(src.units)
            if len(units) == 1:
                places.departments[(src.path, None)] = units.pop()
        return places

    def department(self, issue: Issue) -> str | None:
        key = (issue.file, issue.sheet)
        if key in self.rows_are_departments:
            return issue.unit
        return self.departments.get(key) or self.departments.get((issue.file, None))


def findings_of_issues(issues: Iterable[Issue], *, base: Path | None = None, places: Places | None = None) -> \
        list[Finding]:
    """Findings of ``issues``, files shown relative to ``base``; the department and the
    unit column from ``places`` (the tables the issues are about)."""
    places = places or Places({}, {}, set())
    out = []
    for i in issues:
        dept = places.department(i)
        out.append(Finding(shown_path(i.file, base), i.file, i.sheet,
                           _cell(i, places.unit_columns.get((i.file, i.sheet))), dept,
                           None if dept == i.unit else i.unit, i.field, i.severity, i.rule, i.message, i.found,
                           i.expected))
    return out


def findings_of_reports(reports: Sequence[FileReport], min_severity: str = "info",
                        base: Path | None = None) -> list[Finding]:
    """The findings of ``check``'s reports (an unreadable file is an ``unreadable``
    finding about the whole file), files shown relative to ``base`` (default: the common
    folder of the reports)."""
    if base is None:
        base = common_folder(r.path for r in reports)
    issues: list[Issue] = []
    for r in reports:
        if r.error is not None:
            e = r.error
            issues.append(Issue(r.path, e.sheet, None, None, None, None, "unreadable", "error", None, e.reason,
                                message("unreadable", r.lang, found=e.reason if r.lang == "vi" else e.reason_en,
                                        hint=e.hint if r.lang == "vi" else e.hint_en).strip()))
        issues += at_least(r.all_issues, min_severity)
    places = Places.of_tables(t.table for r in reports for t in r.tables)
    return findings_of_issues(issues, base=base, places=places)


def grouped(findings: Sequence[Finding]) -> list[tuple[int, Finding]]:
    """Findings for reading: an info finding repeated with the same rule and message in
    several files is one entry with its count of files (the first of them shown);
    others stay one each.  Order is kept (a group where it first appears)."""
    files: dict[tuple[str, str], set[str]] = {}
    for f in findings:
        if f.severity == "info":
            files.setdefault((f.rule, f.message), set()).add(f.file)
    out, shown = [], set()
    for f in findings:
        key = (f.rule, f.message)
        if f.severity == "info" and len(files[key]) > 1:
            if key in shown:
                continue
            shown.add(key)
            out.append((len(files[key]), f))
        else:
            out.append((1, f))
    return out


@dataclass(frozen=True)
class Summary:
    files: int
    unreadable: int
    tables: int
    errors: int
    warnings: int
    infos: int

    def text(self, lang: str = "vi") -> str:
        n = lambda k: format_count(k) if lang == "vi" else f"{k:,}"  # noqa: E731
        if lang == "en":
            words = [_plural(self.files, "file", n), _plural(self.tables, "table", n),
                     _plural(self.errors, "error", n), _plural(self.warnings, "warning", n),
                     _plural(self.infos, "info", n, "infos")]
            if self.unreadable:
                words.insert(1, f"{n(self.unreadable)} unreadable")
            return "Total: " + ", ".join(words)
        words = [f"{n(self.files)} tệp", f"{n(self.tables)} bảng", f"{n(self.errors)} lỗi",
                 f"{n(self.warnings)} cảnh báo", f"{n(self.infos)} thông tin"]
        if self.unreadable:
            words.insert(1, f"{n(self.unreadable)} tệp không đọc được")
        return "Tổng cộng: " + ", ".join(words)

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _plural(k: int, word: str, n: Any, plural: str | None = None) -> str:
    return f"{n(k)} {word if k == 1 else (plural or word + 's')}"


def summarize(reports: Sequence[FileReport], findings: Sequence[Finding] | None = None) -> Summary:
    """Counts of a run; the severities counted over ``findings`` (all the reports'
    findings when not given)."""
    sev = Counter(f.severity for f in findings) if findings is not None else \
        Counter(i.severity for r in reports for i in r.all_issues)
    return Summary(len(reports), sum(r.error is not None for r in reports), sum(len(r.tables) for r in reports),
                   sev["error"], sev["warning"], sev["info"])


def summarize_sources(sources: Sequence[Source], issues: Iterable[Issue]) -> Summary:
    """Counts of a consolidation: its input files, those unreadable, the sheets read, and
    the severities of ``issues``."""
    sev = Counter(i.severity for i in issues)
    return Summary(len(sources), sum(s.status == "unreadable" for s in sources), sum(len(s.sheets) for s in sources),
                   sev["error"], sev["warning"], sev["info"])


# ---- writing -----------------------------------------------------------------------------------------------

_WIDTHS = (34, 16, 9, 30, 30, 24, 11, 18, 90, 14, 14)
_SHEET = {"vi": "Phát hiện", "en": "Findings"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", name).strip().strip("'")[:31] or "?"
    out, k = base, 1
    while out.lower() in taken:
        k += 1
        suffix = f" ({k})"
        out = base[:31 - len(suffix)] + suffix
    taken.add(out.lower())
    return out


def write_findings(findings: Sequence[Finding], out: str | Path, lang: str = "vi", per_unit: bool = False) -> Path:
    """Write ``findings`` to ``out`` atomically: a .csv (UTF-8 with BOM, so Excel on
    Windows reads the diacritics) or an .xlsx with one sheet of findings, or one sheet per
    reporting department with ``per_unit``; each file and cell linked to its source.
    Raises ``OutputError`` when it cannot be written, ValueError for another suffix."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        return write_atomically(out, lambda tmp: _write_csv(findings, tmp, lang))
    if suffix != ".xlsx":
        raise ValueError(suffix)
    return write_atomically(out, lambda tmp: _write_xlsx(findings, tmp, lang, per_unit, out.resolve().parent))


def _write_csv(findings: Sequence[Finding], path: Path, lang: str) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS[lang])
        for x in findings:
            w.writerow(x.values(lang))


def _write_xlsx(findings: Sequence[Finding], path: Path, lang: str, per_unit: bool, out_dir: Path) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from .provincial import _Links

    links = _Links(out_dir)
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    link_font, wrap = Font(color="0563C1", underline="single"), Alignment(wrap_text=True, vertical="top")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if per_unit:
        parts: dict[str | None, list[Finding]] = {}
        for x in findings:
            parts.setdefault(x.department, []).append(x)
        unknown = parts.pop(None, None)
        groups = sorted((k, v) for k, v in parts.items() if k)
        if unknown:
            groups.append(("(không rõ đơn vị)" if lang == "vi" else "(unknown department)", unknown))
    else:
        groups = [(_SHEET[lang], list(findings))]
    taken: set[str] = set()
    for name, rows in groups or [(_SHEET[lang], [])]:
        ws = wb.create_sheet(_sheet_name(name, taken))
        ws.append(HEADERS[lang])
        for c, width in enumerate(_WIDTHS, start=1):
            ws.cell(1, c).font, ws.cell(1, c).fill = head_font, head_fill
            ws.column_dimensions[get_column_letter(c)].width = width
        for r, x in enumerate(rows, start=2):
            for c, v in enumerate(x.values(lang), start=1):
                cell = ws.cell(r, c, v if v != "" else None)
                if isinstance(v, str) and v[:1] in "=+-@":
                    cell.data_type = "s"  # text from the files is text, never a formula
            ws.cell(r, 9).alignment = wrap
            ws.cell(r, 1).hyperlink = links.file(x.file)
            ws.cell(r, 1).font = link_font
            if x.sheet:
                ws.cell(r, 3).hyperlink = links.cell(x.file, x.sheet, x.cell or "A1")
                ws.cell(r, 3).font = link_font
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS[lang]))}{len(rows) + 1}"
    wb.save(path)
