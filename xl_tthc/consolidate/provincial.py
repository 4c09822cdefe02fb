"""Writing the provincial workbook of a consolidation (openpyxl).

Sheets: "Phụ lục I" (the provincial appendix form of :mod:`xl_tthc.forms.definitions`, written by
:func:`xl_tthc.forms.templates.write_form`: one row per department, totals, ratios and the
"Tỷ lệ %" row as formulas; one column per stated digital-service ratio some department
reports, its total the mean weighted by fields.STATED_WEIGHTS), "Biểu đồ"
(native bar charts of the on-time and online rates), "Chi tiết" (every row read from
every department file), "Phát hiện" (every finding, linked to its source file and
cell) and "Nguồn" (every input file with its SHA-256, period, rows read and status).

Formulas carry their values: each formula cell's ``<v>`` is the exact recomputation of
:func:`xl_tthc.forms.definitions.compute`.  Readers that do not recalculate (calamine, pandas,
viewers) see the numbers; Excel and LibreOffice recalculate on load and get the same.

Text from department files is always written as text: a name beginning with "=" is
stored as a string with Excel's quote prefix, never as a formula.

Speed: the rows of every sheet (a few thousand departments and detail rows) are
written as :class:`xl_tthc.forms.templates.SheetRows`, straight SpreadsheetML without
openpyxl cell objects; openpyxl writes only the frame around them (form header,
widths, print setup, validation, conditional formatting, charts, styles).  The parts
are deflated at zlib level 1: for 1,000 departments (4 MB of XML) 13 ms instead of
the 51 ms of the default level 6, for a file a quarter bigger (0.61 MB, not 0.49 MB).
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from .consolidation import CONSOLIDATED_RATIOS, Consolidation, ratio_terms, status_label
from ..domain.fields import SHARE_OF, STATED_RATIOS, label
from ..forms.definitions import NOT_REPORTED, RATIO_DECIMALS, Form, FormColumn, get_form
from ..forms.templates import Layout, SheetRows, mark_form, save_workbook, write_form
from ..domain.issues import Issue, message
from ..domain.profiles import load_profile
from ..read.grid import ReadError
from ..read.marker import COVERAGE_LABEL, PROVINCIAL
from ..read.reader import read_tables
from ..rules.table_rules import check_table

_REF = re.compile(r"\{(\w+)\}")

__all__ = ["write_provincial", "provincial_form", "self_check", "SelfContradiction", "SHEETS"]

SHEETS = {
    "consolidated": get_form("provincial_appendix").sheet,
    "charts": "Biểu đồ",
    "detail": "Chi tiết",
    "issues": "Phát hiện",
    "sources": "Nguồn",
}
RATIO_FORMAT = "0.00%"  # as the ratio columns of the forms
SEVERITY_VI = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)
_LINK = Font(color="0563C1", underline="single")
_WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _text(value: Any) -> str | None:
    """A value of a text column: its ``str()`` (numbers too), None for a blank."""
    return None if value is None else str(value)


def _table(wb: openpyxl.Workbook, key: str, labels: Sequence[str], widths: Sequence[float],
           freeze: str) -> SheetRows:
    """A new sheet of ``SHEETS[key]`` with its header row (bold, filled, framed), column
    widths and frozen panes; the rows below it are written as :class:`SheetRows`."""
    ws = wb.create_sheet(SHEETS[key])
    rows = SheetRows(ws)
    head = rows.style(font=_BOLD, fill=_HEAD_FILL, alignment=_WRAP, border=_BORDER)
    rows.append(1, labels, [head] * len(labels))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = freeze
    return rows


def provincial_form(rows: list[dict[str, int]], online_denominator: str = "received_new",
                    stated: Sequence[str] = (), untotalled: Sequence[str] = ()) -> Form:
    """The provincial appendix form of :mod:`xl_tthc.forms.definitions` fitted to the figures of the
    departments (``rows``): columns nobody reported are left out; where a department
    gives only "trước hạn và đúng hạn", that column replaces the early/on-time pair; a
    whole whose parts some department lacks is an input column instead of a formula;
    the ratios use the numerator and denominator the figures allow; the stated ratios
    of ``stated`` (those some department reports) get a column headed by their label,
    none of them when nobody reports one.  Coverage: the fields of ``untotalled`` have no
    total; a ratio some department cannot compute is totalled over the departments that
    can ("covered"); a share of the "Tỷ lệ %" row whose part and whole are not reported
    by the same departments is left out."""
    base = get_form("provincial_appendix")
    have = {f for r in rows for f in r}
    split = all({"resolved_early", "resolved_on_time"} <= set(r) for r in rows if "resolved_in_time" in r)
    have -= {"resolved_in_time"} if split else {"resolved_early", "resolved_on_time"}
    columns = []
    for c in base.columns:
        if c.kind == "label":
            columns.append(c)
        elif c.kind == "count" and c.field in have:
            if c.formula is not None and not all(set(_REF.findall(c.formula)) <= set(r) for r in rows):
                c = replace(c, formula=None)
            columns.append(c)
            if c.field == "resolved_late" and "resolved_in_time" in have:
                columns.insert(-1, FormColumn("resolved_in_time", (c.path[0], "Trước hạn và đúng hạn"), "",
                                              share="resolved"))
        elif c.field in CONSOLIDATED_RATIOS and (terms := ratio_terms(c.field, have, online_denominator)):
            num, den = terms
            top = "+".join("{" + f + "}" for f in num)
            top = f"({top})" if len(num) > 1 else top
            columns.append(replace(c, formula=f'IF({{{den}}}=0,"",ROUND({top}/{{{den}}},{RATIO_DECIMALS}))'))
        elif c.field in STATED_RATIOS and c.field in stated:
            columns.append(replace(c, path=(f"{label(c.field)} (%)",)))
    present = {c.field for c in columns}
    # a stated ratio whose weight nobody reports has no provincial figure
    columns = [replace(c, total=None) if c.total == "weighted" and c.weight not in present else c for c in columns]
    reporters = {f: frozenset(i for i, r in enumerate(rows) if f in r) for f in present}
    columns = [replace(c, total=None) if c.field in untotalled else
               replace(c, total="covered") if c.total == "row" and not _everyone_reports(c, rows) else c
               for c in columns]
    fitted = []
    for i, c in enumerate(columns, start=1):
        share = c.share if c.share in present else None
        if c.share is not None and share is None:
            share = next((w for w in SHARE_OF.get(c.field, ()) if w in present), None)
        if share is not None and (reporters[c.field] != reporters[share] or {c.field, share} & set(untotalled)):
            share = None
        fitted.append(replace(c, numbering=str(i), share=share))
    return replace(base, columns=tuple(fitted))


def _terms(c: FormColumn) -> set[str]:
    return set(_REF.findall(c.formula or ""))


def _everyone_reports(c: FormColumn, rows: list[dict[str, int]]) -> bool:
    return all(_terms(c) <= set(r) for r in rows)


def _consolidated(wb: openpyxl.Workbook, result: Consolidation) -> tuple[Worksheet, Layout]:
    """Phụ lục I: the departments, then the departments left out as marked rows with
    blank figures (outside every total), the total and "Tỷ lệ %" rows, and the row
    stating the coverage of each column some departments do not report."""
    ws = wb.active
    # nothing consolidated: the whole form, so the sheet still reads as the appendix it is
    fit = [r.figures for r in result.rows] or [{c.field: 0 for c in get_form(PROVINCIAL).columns if c.kind == "count"}]
    form = provincial_form(fit, result.online_denominator, result.stated, result.untotalled)
    ws.title = form.sheet
    fields = form.fields
    ratios = [c for c in form.columns if c.kind == "ratio" and c.formula is not None]
    rows: list[dict[str, Any]] = []
    for r in result.rows:
        row = {"unit": r.unit, **{f: r.figures[f] for f in fields if f in r.figures},
               **{f: v / 100 for f, v in r.stated.items() if f in fields}}
        row.update({c.field: NOT_REPORTED for c in ratios if not _terms(c) <= set(r.figures)})
        rows.append(row)
    formulas = [c.field for c in form.columns if c.formula is not None]
    rows += [{"unit": e.label, **dict.fromkeys(formulas, NOT_REPORTED)} for e in result.excluded]
    consolidated = sum(1 for s in result.sources if s.status == "consolidated")
    layout = write_form(ws, form, rows, period_label=result.period.label if result.period else None,
                        unit_label=f"Trung tâm Phục vụ hành chính công (tổng hợp từ {consolidated}/"
                                   f"{len(result.sources)} tệp báo cáo)", stream=True)
    _coverage_row(layout, result)
    mark_form(wb, form.name)
    return ws, layout


def _coverage_row(layout: Layout, result: Consolidation) -> None:
    """Under the "Tỷ lệ %" row: "Số đơn vị có số liệu" and, under each column only some
    departments report, "5/10" (and "không cộng" where its total is left blank)."""
    form, n = layout.form, len(result.rows)
    cells: list[Any] = [None] * len(form.columns)
    for i, c in enumerate(form.columns):
        if c.field in result.coverage:
            k = result.coverage[c.field][0]
        elif c.field in CONSOLIDATED_RATIOS and c.total == "covered":
            k = result.ratio_coverage(c.field)[0]
        else:
            continue
        if k < n:
            cells[i] = f"{k}/{n}" + (" (không cộng)" if c.field in result.untotalled else "")
    if not any(cells):
        return
    cells[form.fields.index("unit")] = COVERAGE_LABEL
    sink = layout.rows
    style = sink.style(font=Font(italic=True), alignment=Alignment(horizontal="right"))
    sink.append((layout.ratio_row or layout.total_row) + 1, cells, [style] * len(cells))


def _charts(wb: openpyxl.Workbook, ws: Worksheet, layout: Layout) -> None:
    sheet = wb.create_sheet(SHEETS["charts"])
    first, last, form = layout.first_row, layout.last_row, layout.form
    if last < first:
        return
    titles = {"ontime_rate": "Tỷ lệ giải quyết đúng hạn theo đơn vị", "online_rate": "Tỷ lệ hồ sơ trực tuyến theo đơn vị"}
    anchor_row = 1
    for name in CONSOLIDATED_RATIOS:
        if name not in form.fields:
            continue
        chart = BarChart()
        chart.type = "bar"
        chart.title = titles[name]
        chart.y_axis.title = "%"
        chart.y_axis.numFmt = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.x_axis.title = "Đơn vị"
        chart.legend = None
        data = Reference(ws, min_col=form.fields.index(name) + 1, min_row=first, max_row=last)
        cats = Reference(ws, min_col=form.fields.index("unit") + 1, min_row=first, max_row=last)
        chart.add_data(data)
        chart.set_categories(cats)
        chart.height = max(8, 0.5 * (last - first + 1))
        chart.width = 24
        sheet.add_chart(chart, f"A{anchor_row}")
        anchor_row += int(chart.height * 2) + 2


class _Links:
    """Hyperlink targets of source files: the resolved file relative to the output's
    folder (``out_dir``), "#'Sheet'!A1" to point at a cell.  Each folder is resolved
    once (a thousand ``Path.resolve()`` calls took a tenth of the writing)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._files: dict[str, str] = {}
        self._folders: dict[str, str] = {}

    def file(self, file: str) -> str:
        href = self._files.get(file)
        if href is None:
            href = self._files[file] = self._href(file)
        return href

    def cell(self, file: str, sheet: str, cell: str) -> str:
        return f"{self.file(file)}#{quote_sheetname(sheet)}!{cell or 'A1'}"

    def _href(self, file: str) -> str:
        folder, name = os.path.split(file)
        if name in ("", ".", "..") or os.path.islink(file):  # the folder alone does not say where it is
            folder, name = os.path.split(os.path.realpath(file))
        where = self._folders.get(folder)
        if where is None:
            real = os.path.realpath(folder or ".")
            try:
                where = self._folders[folder] = os.path.relpath(real, self.out_dir).replace(os.sep, "/")
            except ValueError:  # another drive
                return Path(real, name).as_uri()
        return name if where == "." else f"{where}/{name}"


def _detail(wb: openpyxl.Workbook, result: Consolidation) -> SheetRows:
    fields, stated = result.fields, result.stated
    kinds = {"field": "Lĩnh vực", "department": "Đơn vị", "total": "Dòng tổng"}
    rows = _table(wb, "detail", ["STT", "Đơn vị", "Dòng trong tệp", "Loại dòng", "Tệp", "Trang tính", "Dòng",
                                 *[label(f) for f in fields], *[f"{label(f)} (%)" for f in stated]],
                  (6, 36, 36, 12, 30, 14, 7), "C2")
    # stated ratios as fractions shown as %; no extra style when there are none
    styles = [0] * (7 + len(fields)) + [rows.style(number_format=RATIO_FORMAT)] * len(stated) if stated else None
    details = result.details  # a property: the rows' details gathered anew at each call
    names = _Names()
    for i, d in enumerate(details, start=1):
        values = [i, _text(d.unit), _text(d.label), kinds[d.kind], names[d.file], _text(d.sheet), d.row,
                  *map(d.figures.get, fields)]
        if stated:
            values += [float(d.stated[f] / 100) if f in d.stated else None for f in stated]
        rows.append(i + 1, values, styles)
    if details:
        rows.ws.auto_filter.ref = f"A1:{get_column_letter(7 + len(fields) + len(stated))}{len(details) + 1}"
    return rows


class _Names(dict):
    """File path -> its name (``Path(path).name``), each worked out once."""

    def __missing__(self, path: str) -> str:
        name = os.path.basename(path)
        if not name or name in (".", ".."):  # "a/b/", "a/.": as pathlib sees them
            name = Path(path).name
        self[path] = name
        return name


def _issues(wb: openpyxl.Workbook, result: Consolidation, links: _Links) -> SheetRows:
    rows = _table(wb, "issues", ["STT", "Tệp", "Trang tính", "Ô", "Đơn vị", "Chỉ tiêu", "Quy tắc", "Mức độ",
                                 "Giá trị ghi", "Giá trị đúng", "Nội dung"],
                  (6, 30, 14, 7, 32, 22, 18, 10, 14, 14, 90), "B2")
    link = rows.style(font=_LINK)
    to_file, to_cell = [0, link, *[0] * 9], [0, link, 0, link, *[0] * 7]
    names = _Names()
    for i, issue in enumerate(result.issues, start=1):
        r = i + 1
        severity = SEVERITY_VI.get(issue.severity, issue.severity) if result.lang == "vi" else issue.severity
        rows.append(r, [i, names[issue.file], _text(issue.sheet), (issue.cell or "A1") if issue.sheet else None,
                        _text(issue.unit), label(issue.field) if issue.field else None, _text(issue.rule),
                        _text(severity), _text(issue.found), _text(issue.expected), _text(issue.message)],
                    to_cell if issue.sheet else to_file if issue.file else None)
        if not issue.file:
            continue  # a finding of the run (partial coverage): no source file to link to
        rows.hyperlink(r, 2, links.file(issue.file))
        if issue.sheet:
            rows.hyperlink(r, 4, links.cell(issue.file, issue.sheet, issue.cell if issue.column else
                                            (f"A{issue.row}" if issue.row else "A1")))
    if result.issues:
        rows.ws.auto_filter.ref = f"A1:K{len(result.issues) + 1}"
    return rows


def _sources(wb: openpyxl.Workbook, result: Consolidation, links: _Links) -> SheetRows:
    rows = _table(wb, "sources", ["STT", "Tệp", "Trang tính", "Đơn vị", "Kỳ báo cáo", "SHA-256", "Kích thước (byte)",
                                  "Số dòng đã đọc", "Trạng thái", "Lý do"],
                  (6, 50, 16, 36, 22, 66, 12, 10, 28, 90), "C2")
    styles = [0, rows.style(font=_LINK), *[0] * 8]
    for i, s in enumerate(result.sources, start=1):
        rows.append(i + 1, [i, _text(s.path), "; ".join(s.sheets), "; ".join(dict.fromkeys(s.units)),
                            s.period.label if s.period else None, _text(s.sha256), s.size, s.rows_read,
                            _text(status_label(s.status, result.lang)), _text(s.reason)], styles)
        rows.hyperlink(i + 1, 2, links.file(s.path))
    return rows


def write_provincial(result: Consolidation, path: str | Path) -> Path:
    """Write the provincial workbook of ``result`` to ``path`` (hyperlinks to the source
    files are relative to its folder).  The caller makes it atomic (write to a
    temporary file beside the target, then move)."""
    out = Path(path)
    links = _Links(out.resolve().parent)
    wb = openpyxl.Workbook()
    ws, layout = _consolidated(wb, result)
    _charts(wb, ws, layout)
    streamed = [layout.rows, _detail(wb, result), _issues(wb, result, links), _sources(wb, result, links)]
    wb.calculation.fullCalcOnLoad = True
    save_workbook(wb, out, rows=streamed, compresslevel=1)
    contradictions = self_check(out, result)
    if contradictions:
        raise SelfContradiction(contradictions)
    return out


class SelfContradiction(Exception):
    """The provincial workbook just written breaks a rule of its own: a bug of the
    consolidation, never to be moved into place.  ``issues``: the error-level findings."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__(f"the consolidated sheet contradicts itself ({len(issues)} error findings; "
                         f"first: {issues[0].cell} {issues[0].rule}: {issues[0].message})")


def self_check(path: str | Path, result: Consolidation) -> list[Issue]:
    """The error-level findings of the core's rules on the appendix sheet written at
    ``path``, read back as any workbook is."""
    profile = result.profile or load_profile(None)
    try:
        _book, tables = read_tables(path, profile.cutoff_day)
    except ReadError as e:
        return [Issue(str(path), None, None, None, None, None, "unreadable", "error", None, e.reason,
                      message("unreadable", result.lang, found=e.reason, hint=e.hint))]
    sheet = SHEETS["consolidated"]
    found = [i for t in tables if t.sheet == sheet for i in check_table(t, profile, result.lang)
             if i.severity == "error"]
    if result.rows and not any(t.sheet == sheet for t in tables):
        found.append(Issue(str(path), sheet, None, None, None, None, "no_table", "error", None, None,
                           message("no_table", result.lang)))
    return found
