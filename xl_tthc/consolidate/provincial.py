"""Writing the provincial workbook of a consolidation (openpyxl).

Sheets: "Phụ lục I" (the provincial appendix form of :mod:`xl_tthc.forms.definitions`, written by
:func:`xl_tthc.forms.templates.write_form`: one row per department, totals, ratios and the
"Tỷ lệ %" row as formulas; one column per stated digital-service ratio some department
reports, its total the mean weighted by fields.STATED_WEIGHTS; the "kèm theo" line,
footnotes of conventions, coverage and files left out, the date line and the signature
block), "Biểu đồ" (native bar charts, one per A4 page: late dossiers, late rate, online
rate against the province's target), "Chi tiết" (every row read from every department
file), "Phát hiện" (every finding with its rule's Vietnamese title, linked to its source
file and cell) and "Nguồn" (every input file with its SHA-256, period, rows read and
status).  Every sheet prints on A4 fitted to the page width, its header row repeated,
long text wrapped in its column.

Formulas carry their values: each formula cell's ``<v>`` is the exact recomputation of
:func:`xl_tthc.forms.definitions.compute`.  Readers that do not recalculate (calamine, pandas,
viewers) see the numbers; Excel and LibreOffice recalculate on load and get the same.

Text from department files is always written as text: a name beginning with "=" is
stored as a string with Excel's quote prefix, never as a formula.

Speed: the rows of every sheet (a few thousand departments and detail rows) are
written as :class:`xl_tthc.forms.templates.SheetRows`, straight SpreadsheetML without
openpyxl cell objects; openpyxl writes only the frame around them (form header,
widths, print setup, validation, conditional formatting, charts, styles).  The rows of
the listing sheets are made while the zip is written, a block at a time, so they are
never all in memory.  The parts are deflated at level 1, by igzip where it is installed
(8,000 departments, 45 MB of XML: 35 ms against zlib's 129 ms, and 5.4 MB against 5.9).

The written workbook is checked before it is handed back (:func:`self_check`: the core's
reader and rules over its appendix, read back as any workbook is).  The appendix is
saved alone first and checked in a worker process while the whole workbook is written;
the workbook is then held to hold that appendix as it was checked (the same sheet part
and marker, styles that begin with those checked), else it is read back itself.
"""

from __future__ import annotations

import gc
import math
import os
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator, Sequence

import openpyxl
from lxml import etree
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.data_source import NumFmt
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.legend import Legend
from openpyxl.chart.text import RichText
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RichTextProperties
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from .consolidation import CONSOLIDATED_RATIOS, Consolidation, status_label
from ..domain.fields import label
from ..domain.issues import Issue, message, rule_title
from ..domain.numbers import format_percent, round_scaled
from ..domain.profiles import Profile, load_profile
from ..forms.definitions import NOT_REPORTED, RATIO_DECIMALS, Form, FormColumn, fit_form, get_form, pattern_terms
from ..forms.templates import Layout, ReportInfo, SheetRows, mark_form, save_workbook, write_form
from ..read.grid import ReadError
from ..read.marker import COVERAGE_LABEL, PROVINCIAL
from ..read.reader import read_tables
from ..read.workers import Background
from ..rules.table_rules import check_table

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
_TOP = Alignment(wrap_text=True, vertical="top")  # long text wraps inside its column


_LINE = 14  # points per line of 10-11 pt text


def _wrapping(widths: Sequence[float]) -> tuple[tuple[int, float], ...]:
    """(column index, characters a line holds) of the columns of ``widths`` that wrap (not 0)."""
    return tuple((i, w) for i, w in enumerate(widths) if w)


# Column widths of the listing sheets, and the characters a line of each wrapped column
# holds (0: the column does not wrap).
_DETAIL_WIDTHS = (5, 26, 26, 9, 24, 17, 6)
_DETAIL_WRAP = _wrapping((0, 25, 25, 0, 23, 16, 0))
_ISSUE_WIDTHS = (5, 22, 17, 6, 22, 16, 16, 24, 9, 11, 11, 60)
_ISSUE_WRAP = _wrapping((0, 21, 16, 0, 21, 15, 15, 23, 8, 10, 10, 59))
_SOURCE_WIDTHS = (5, 40, 17, 24, 16, 34, 11, 8, 14, 50)
_SOURCE_WRAP = _wrapping((0, 39, 16, 23, 15, 33, 0, 0, 13, 49))


def _height(values: Sequence[Any], widths: Sequence[tuple[int, float]]) -> float | None:
    """The height in points that shows every wrapped text of ``values`` whole (``widths``:
    (column index, characters a line holds) of the columns that wrap), None for one line."""
    longest = 1.0
    for i, w in widths:
        v = values[i]
        if type(v) is str and len(v) > w * longest:
            longest = len(v) / w
    return None if longest == 1 else math.ceil(longest) * _LINE + 2



def _text(value: Any) -> str | None:
    """A value of a text column: its ``str()`` (numbers too), None for a blank."""
    return None if value is None else str(value)


def _table(wb: openpyxl.Workbook, key: str, labels: Sequence[str], widths: Sequence[float],
           freeze: str) -> SheetRows:
    """A new sheet of ``SHEETS[key]`` with its header row (bold, filled, framed), column
    widths, frozen panes and page setup (:func:`_page_setup`, landscape); the rows
    below it are written as :class:`SheetRows`."""
    ws = wb.create_sheet(SHEETS[key])
    rows = SheetRows(ws)
    head = rows.style(font=_BOLD, fill=_HEAD_FILL, alignment=_WRAP, border=_BORDER)
    rows.append(1, labels, [head] * len(labels), _height(labels, _wrapping([w * 0.9 for w in widths])))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = freeze
    _page_setup(ws, landscape=True)
    return rows


def provincial_form(rows: list[dict[str, int]], online_denominator: str = "received_new",
                    stated: Sequence[str] = (), untotalled: Sequence[str] = ()) -> Form:
    """The provincial appendix form fitted to the figures of the departments (``rows``)
    and the stated ratios some department reports: :func:`xl_tthc.forms.definitions.fit_form`
    of the form the template ``provincial_appendix`` is made from.  Coverage: the fields
    of ``untotalled`` have no total; a ratio some department cannot compute is totalled
    over the departments that can ("covered"); a share of the "Tỷ lệ %" row whose part
    and whole are not reported by the same departments is left out."""
    form = fit_form(get_form(PROVINCIAL), rows, online_denominator, stated)
    present = set(form.fields)
    reporters = {f: frozenset(i for i, r in enumerate(rows) if f in r) for f in present}
    columns = [replace(c, total=None) if c.field in untotalled else
               replace(c, total="covered") if c.total == "row" and not _everyone_reports(c, rows) else c
               for c in form.columns]
    columns = [replace(c, share=None) if c.share is not None and (
        reporters[c.field] != reporters[c.share] or {c.field, c.share} & set(untotalled)) else c for c in columns]
    return replace(form, columns=tuple(columns))


def _terms(c: FormColumn) -> set[str]:
    den, parts = pattern_terms(c.formula) if c.formula else (None, ())
    return {*parts, *([den] if den else [])}


def _everyone_reports(c: FormColumn, rows: list[dict[str, int]]) -> bool:
    return all(_terms(c) <= set(r) for r in rows)


def _notes(result: Consolidation, form: Form) -> list[str]:
    """Footnotes of the consolidation below the conventions: the coverage of each column
    some departments did not report (``result.coverage``: field -> (departments
    reporting, departments), and ``result.untotalled``, where the consolidation gives
    them), and what the marked rows of the departments left out mean."""
    notes = []
    coverage = getattr(result, "coverage", None) or {}
    untotalled = set(getattr(result, "untotalled", None) or ())
    short = []
    for f in form.fields:
        cov = coverage.get(f)
        if isinstance(cov, (tuple, list)) and len(cov) == 2 and all(isinstance(x, int) for x in cov) \
                and cov[0] < cov[1]:
            short.append(f"cột {form.fields.index(f) + 1} ({label(f).lower()}) {cov[0]}/{cov[1]} đơn vị"
                         + (", không cộng ở dòng \u201cTổng cộng\u201d" if f in untotalled else ""))
    if short:
        notes.append("Chỉ tiêu không phải đơn vị nào cũng báo cáo (dòng \u201cTổng cộng\u201d cộng các đơn vị có số "
                     "liệu): " + "; ".join(short) + ".")
    excluded = getattr(result, "excluded", None) or []
    if excluded:
        notes.append(f"{len(excluded)} dòng \u201c… (không tổng hợp: …)\u201d: đơn vị hoặc tệp không được tổng hợp, "
                     f"số liệu để trống và không cộng vào dòng \u201cTổng cộng\u201d; lý do chi tiết ở trang "
                     f"\u201c{SHEETS['sources']}\u201d.")
    return notes


def _consolidated(wb: openpyxl.Workbook, result: Consolidation, report: ReportInfo) -> tuple[Worksheet, Layout]:
    """Phụ lục I: the departments, then the departments left out as marked rows with
    blank figures (outside every total), the total and "Tỷ lệ %" rows, the row stating
    the coverage of each column some departments do not report, and the footer of
    :func:`xl_tthc.forms.templates.write_form` (footnotes, date line, signatures)."""
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
                        unit_label=f"{report.agency or 'Trung tâm Phục vụ hành chính công'} (tổng hợp từ "
                                   f"{consolidated}/{len(result.sources)} tệp báo cáo)", stream=True,
                        report=report, notes=_notes(result, form))
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


# --- Biểu đồ: one chart per page, its figures in a table beside the printed area ----------

_CHART_ROWS = 32  # rows of 15 pt on one A4 landscape page (16,9 cm of the 17,9 cm between the margins)
_CHART_CM = (26.0, 16.0)  # width, height of a chart that fits one page
_CHART_COLUMNS = 11  # A:K, 12,5 characters each, hold the chart's width: the print area
_DATA_COLUMN = _CHART_COLUMNS + 2  # the chart figures, outside the print area
_BLUE, _RED, _GREY, _DARK = "2E75B6", "C00000", "A6A6A6", "404040"


def _rate(num: int, den: int) -> float | None:
    """num/den as the forms round a ratio (ROUND(…, 4), half away from zero); None for 0."""
    return round_scaled(num, den, RATIO_DECIMALS) / 10**RATIO_DECIMALS if den else None


def _font(size: int, bold: bool = False) -> RichText:
    """Text properties of a chart part: ``size`` in hundredths of a point."""
    chars = CharacterProperties(sz=size, b=bold)
    return RichText(bodyPr=RichTextProperties(), p=[Paragraph(pPr=ParagraphProperties(defRPr=chars),
                                                                endParaRPr=chars)])


def _bar_chart(title: str, n: int, number_format: str, height: float) -> BarChart:
    """A horizontal bar chart of ``n`` categories in the table's order (the first on
    top), every category labelled in a font small enough for all of them, the value
    axis at the bottom from 0 with ``number_format``."""
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.overlap = 100  # the series of one chart never share a category: one bar each
    chart.gapWidth = 40
    chart.title = title
    chart.width, chart.height = _CHART_CM[0], height
    size = 1000 if n <= 20 else 900 if n <= 30 else 800 if n <= 40 else 700
    cats, values = chart.x_axis, chart.y_axis
    cats.scaling.orientation = "maxMin"  # the table's order, top to bottom
    cats.tickLblSkip = cats.tickMarkSkip = 1  # every department named
    cats.txPr = _font(size)
    cats.delete = values.delete = False
    values.crosses = "max"  # with the categories reversed: the value axis at the bottom
    values.scaling.min = 0
    values.numFmt = NumFmt(formatCode=number_format, sourceLinked=False)
    values.txPr = _font(900)
    values.majorGridlines = ChartLines()
    chart.legend = None
    return chart


def _series(chart: BarChart, sheet: Worksheet, column: int, first: int, last: int, color: str,
            size: int = 900) -> None:
    """Add the figures of ``column`` (header in row ``first - 1``), coloured, labelled
    with their values as the cells show them."""
    chart.add_data(Reference(sheet, min_col=column, min_row=first - 1, max_row=last), titles_from_data=True)
    s = chart.series[-1]
    s.graphicalProperties.solidFill = color
    s.graphicalProperties.line.solidFill = color
    s.dLbls = DataLabelList(showVal=True, showLegendKey=False, showCatName=False, showSerName=False,
                            showPercent=False, showBubbleSize=False, showLeaderLines=False)
    s.dLbls.position = "outEnd"
    s.dLbls.txPr = _font(size)


def _charts(wb: openpyxl.Workbook, result: Consolidation, layout: Layout, online_target: float | None) -> SheetRows:
    """The "Biểu đồ" sheet: late dossiers, late rate and online rate (against the
    province's target ``online_target``, in percent, when given) per department, each
    chart on its own A4 page; the figures they plot are a table beside the print area
    (taken from "Phụ lục I" when the workbook is written)."""
    sheet = wb.create_sheet(SHEETS["charts"])
    rows = SheetRows(sheet)
    form, n = layout.form, len(result.rows)
    fields = form.fields
    cached = layout.cached
    goal = None if online_target is None else Fraction(str(online_target)) / 100
    target = None if goal is None else float(goal)
    goal_text = "" if goal is None else format_percent(goal, 0 if (goal * 100).denominator == 1 else 2)
    if n == 0:  # nothing consolidated: nothing to draw
        _page_setup(sheet, landscape=True, titles=False)
        return rows
    has_late = "resolved_late" in fields
    has_rate = has_late and "resolved" in fields
    has_online = "online_rate" in fields
    head = rows.style(font=_BOLD, fill=_HEAD_FILL, alignment=_WRAP, border=_BORDER)
    count, pct = rows.style(number_format="#,##0"), rows.style(number_format="0.00%")
    online_heads = ([f"Đạt chỉ tiêu (từ {goal_text})", f"Chưa đạt chỉ tiêu (dưới {goal_text})"]
                    if target is not None else ["Tỷ lệ hồ sơ trực tuyến"])
    heads = ["Đơn vị", "Số hồ sơ giải quyết quá hạn", "Tỷ lệ giải quyết quá hạn", "Tỷ lệ quá hạn toàn tỉnh",
             *online_heads, "Tỷ lệ trực tuyến toàn tỉnh", "Chỉ tiêu của tỉnh"]
    rows.append(1, heads, [head] * len(heads), column=_DATA_COLUMN)
    styles = [0, count, pct, pct] + [pct] * len(online_heads) + [pct, pct]
    online_col = form.letter("online_rate") if has_online else None
    for i, r in enumerate(result.rows):
        f = r.figures
        online = cached.get(f"{online_col}{layout.first_row + i}") if online_col else None
        online = online if isinstance(online, (int, float)) else None
        if target is None:
            split = [online]
        else:
            split = [online if online is not None and online >= target else None,
                     online if online is not None and online < target else None]
        rows.append(i + 2, [r.unit, f.get("resolved_late"),
                            _rate(f.get("resolved_late", 0), f.get("resolved", 0)) if has_rate else None, None,
                            *split, None, None], styles, column=_DATA_COLUMN)
    total = result.total
    province = cached.get(f"{online_col}{layout.total_row}") if online_col else None
    rows.append(n + 2, ["Toàn tỉnh", None, None,
                        _rate(total.get("resolved_late", 0), total.get("resolved", 0)) if has_rate else None,
                        *[None] * len(online_heads), province if isinstance(province, (int, float)) else None,
                        None], styles, column=_DATA_COLUMN)
    if target is not None:
        rows.append(n + 3, ["Chỉ tiêu của tỉnh", None, None, None, None, None, None, target], styles,
                    column=_DATA_COLUMN)
    data = {h: _DATA_COLUMN + k for k, h in enumerate(heads)}
    cats = _DATA_COLUMN
    height = max(_CHART_CM[1], 0.32 * (n + 2) + 2.5)  # past ~45 departments a chart outgrows its page
    pages = math.ceil(height / (_CHART_ROWS * 0.529))
    anchor = 1
    charts = []
    if has_late:
        chart = _bar_chart("Số hồ sơ giải quyết quá hạn theo đơn vị", n, "#,##0", height)
        _series(chart, sheet, data["Số hồ sơ giải quyết quá hạn"], 2, n + 1, _RED)
        chart.set_categories(Reference(sheet, min_col=cats, min_row=2, max_row=n + 1))
        charts.append(chart)
    if has_rate:
        chart = _bar_chart("Tỷ lệ giải quyết quá hạn theo đơn vị (quá hạn / đã giải quyết)", n + 1, "0.0%", height)
        _series(chart, sheet, data["Tỷ lệ giải quyết quá hạn"], 2, n + 2, _RED)
        _series(chart, sheet, data["Tỷ lệ quá hạn toàn tỉnh"], 2, n + 2, _DARK)
        chart.set_categories(Reference(sheet, min_col=cats, min_row=2, max_row=n + 2))
        chart.legend = Legend(legendPos="b")
        charts.append(chart)
    if has_online:
        last = n + 3 if target is not None else n + 2
        title = "Tỷ lệ hồ sơ trực tuyến theo đơn vị" + (
            f" so với chỉ tiêu của tỉnh ({goal_text})" if target is not None else "")
        chart = _bar_chart(title, last - 1, "0%", height)
        for h, color in zip(online_heads, (_BLUE, _RED) if target is not None else (_BLUE,)):
            _series(chart, sheet, data[h], 2, last, color)
        _series(chart, sheet, data["Tỷ lệ trực tuyến toàn tỉnh"], 2, last, _DARK)
        if target is not None:
            _series(chart, sheet, data["Chỉ tiêu của tỉnh"], 2, last, _GREY)
        chart.y_axis.scaling.max = 1
        chart.set_categories(Reference(sheet, min_col=cats, min_row=2, max_row=last))
        chart.legend = Legend(legendPos="b")
        charts.append(chart)
    for chart in charts:
        # the chart spans its page's cells, one row short: scaled with them to the page width,
        # it never reaches the next page
        chart.anchor = TwoCellAnchor(_from=AnchorMarker(col=0, row=anchor - 1),
                                     to=AnchorMarker(col=_CHART_COLUMNS, row=anchor - 2 + pages * _CHART_ROWS))
        sheet.add_chart(chart)
        anchor += pages * _CHART_ROWS
        if chart is not charts[-1]:
            sheet.row_breaks.append(Break(id=anchor - 1))
    for c in range(1, _CHART_COLUMNS + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 12.5
    for k in range(len(heads)):
        sheet.column_dimensions[get_column_letter(_DATA_COLUMN + k)].width = 30 if k == 0 else 14
    sheet.sheet_format.defaultRowHeight = 15
    sheet.sheet_format.customHeight = True
    _page_setup(sheet, landscape=True, titles=False)
    sheet.print_area = f"A1:{get_column_letter(_CHART_COLUMNS)}{max(anchor - 1, 1)}"
    return rows


def _page_setup(ws: Worksheet, landscape: bool, titles: bool = True) -> None:
    """A4, fitted to the page width (as many pages down as it takes), the header row
    repeated on every page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = f"{ws.title} – trang &P/&N"
    ws.oddFooter.center.size = 9
    if titles:
        ws.print_title_rows = "1:1"


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
                  _DETAIL_WIDTHS + (9,) * (len(fields) + len(stated)), "C2")
    # long text wraps in its column; stated ratios are fractions shown as %
    top = rows.style(alignment=_TOP)
    styles = [top] * (7 + len(fields)) + [rows.style(number_format=RATIO_FORMAT, alignment=_TOP)] * len(stated)
    details = result.details  # a property: the rows' details gathered anew at each call
    width = 7 + len(fields) + len(stated)

    def made() -> Iterator[tuple[int, list[Any], list[int], float | None]]:
        names = _Names()
        for i, d in enumerate(details, start=1):
            values = [i, _text(d.unit), _text(d.label), kinds[d.kind], names[d.file], _text(d.sheet), d.row,
                      *map(d.figures.get, fields)]
            if stated:
                values += [float(d.stated[f] / 100) if f in d.stated else None for f in stated]
            yield i + 1, values, styles, _height(values, _DETAIL_WRAP)

    rows.later(made, len(details) + 1, width)
    if details:
        rows.ws.auto_filter.ref = f"A1:{get_column_letter(width)}{len(details) + 1}"
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
    rows = _table(wb, "issues", ["STT", "Tệp", "Trang tính", "Ô", "Đơn vị", "Chỉ tiêu", "Quy tắc", "Tên quy tắc",
                                 "Mức độ", "Giá trị ghi", "Giá trị đúng", "Nội dung"],
                  _ISSUE_WIDTHS, "B2")
    link, top = rows.style(font=_LINK, alignment=_TOP), rows.style(alignment=_TOP)
    to_file, plain = [top, link, *[top] * 10], [top] * 12
    to_cell = [top, link, top, link, *[top] * 8]
    lang = result.lang

    def made() -> Iterator[tuple[int, list[Any], list[int], float | None]]:
        names = _Names()
        for i, issue in enumerate(result.issues, start=1):
            severity = SEVERITY_VI.get(issue.severity, issue.severity) if lang == "vi" else issue.severity
            values = [i, names[issue.file], _text(issue.sheet), (issue.cell or "A1") if issue.sheet else None,
                      _text(issue.unit), label(issue.field) if issue.field else None, _text(issue.rule),
                      rule_title(issue.rule, lang) if issue.rule else None, _text(severity),
                      _text(issue.found), _text(issue.expected), _text(issue.message)]
            yield (i + 1, values, to_cell if issue.sheet else to_file if issue.file else plain,
                   _height(values, _ISSUE_WRAP))

    for r, issue in enumerate(result.issues, start=2):
        if not issue.file:
            continue  # a finding of the run (partial coverage): no source file to link to
        rows.hyperlink(r, 2, links.file(issue.file))
        if issue.sheet:
            rows.hyperlink(r, 4, links.cell(issue.file, issue.sheet, issue.cell if issue.column else
                                            (f"A{issue.row}" if issue.row else "A1")))
    rows.later(made, len(result.issues) + 1, 12)
    if result.issues:
        rows.ws.auto_filter.ref = f"A1:L{len(result.issues) + 1}"
    return rows


def _sources(wb: openpyxl.Workbook, result: Consolidation, links: _Links) -> SheetRows:
    rows = _table(wb, "sources", ["STT", "Tệp", "Trang tính", "Đơn vị", "Kỳ báo cáo", "SHA-256", "Kích thước (byte)",
                                  "Số dòng đã đọc", "Trạng thái", "Lý do"],
                  _SOURCE_WIDTHS, "C2")
    top = rows.style(alignment=_TOP)
    styles = [top, rows.style(font=_LINK, alignment=_TOP), *[top] * 8]
    lang = result.lang

    def made() -> Iterator[tuple[int, list[Any], list[int], float | None]]:
        for i, s in enumerate(result.sources, start=1):
            values = [i, _text(s.path), "; ".join(s.sheets), "; ".join(dict.fromkeys(s.units)),
                      s.period.label if s.period else None, _text(s.sha256), s.size, s.rows_read,
                      _text(status_label(s.status, lang)), _text(s.reason)]
            yield i + 1, values, styles, _height(values, _SOURCE_WRAP)

    for i, s in enumerate(result.sources, start=2):
        rows.hyperlink(i, 2, links.file(s.path))
    rows.later(made, len(result.sources) + 1, 10)
    return rows


def write_provincial(result: Consolidation, path: str | Path, *, report: ReportInfo | None = None,
                     online_target: float | None = None) -> Path:
    """Write the provincial workbook of ``result`` to ``path`` (hyperlinks to the source
    files are relative to its folder).  ``report``: the report the appendix is attached
    to and who signs it (placeholders where not given); ``online_target``: the
    province's target for the online rate, in percent, drawn on its chart.  The caller
    makes it atomic (write to a temporary file beside the target, then move); a copy
    of the appendix is made in the temporary folder and removed.  Raises
    SelfContradiction when the appendix written breaks a rule of its own."""
    out = Path(path)
    with _heap_frozen():
        links = _Links(out.resolve().parent)
        wb = openpyxl.Workbook()
        appendix, layout = _consolidated(wb, result, report or ReportInfo())
        streamed = [layout.rows, _charts(wb, result, layout, online_target), _detail(wb, result),
                    _issues(wb, result, links), _sources(wb, result, links)]
        wb.calculation.fullCalcOnLoad = True
        # the appendix alone, checked in a worker process while the whole workbook is written
        # (in the local temporary folder: the output's may be a slow shared drive)
        fd, name = tempfile.mkstemp(prefix="xl-tthc-check-", suffix=".xlsx")
        os.close(fd)
        alone = Path(name)
        check: Background | None = None
        try:
            save_workbook(wb, alone, rows=streamed[:1], compresslevel=1, only=[appendix])
            try:
                check = Background(partial(appendix_errors, profile=result.profile, lang=result.lang,
                                           expect_table=bool(result.rows)), str(alone), name=str(out))
            except (OSError, RuntimeError):  # no worker process to be had here: the check after the save
                check = None
            save_workbook(wb, out, rows=streamed, compresslevel=1)
            del wb, layout, streamed
            # a worker that failed (killed, out of time) leaves the check to this process
            contradictions = check.result(lambda e: None) if check else None
            if contradictions is None or not _same_appendix(alone, out):
                contradictions = self_check(out, result)  # the whole workbook read back
        finally:
            if check is not None:
                check.close()  # done, or no longer wanted (a failed save, Ctrl-C)
            try:
                alone.unlink(missing_ok=True)
            except OSError:  # held open by a scanner: a temporary file the system clears, never an output
                pass
    if contradictions:
        raise SelfContradiction(contradictions)
    return out


# the parts the appendix is read back from: they must be in the workbook as they were checked
_APPENDIX_PART = "xl/worksheets/sheet1.xml"
_READ_PARTS = (_APPENDIX_PART, "docProps/custom.xml")
_STYLE_LISTS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs")


def _same_appendix(alone: Path, whole: Path) -> bool:
    """Whether the workbook ``whole`` holds the appendix sheet of ``alone`` as it is:
    the same sheet part and marker, and styles that begin with all of its own (the
    listing sheets may add some while they are written: the appendix's indexes are
    unchanged)."""
    try:
        with zipfile.ZipFile(alone) as a, zipfile.ZipFile(whole) as b:
            for name in _READ_PARTS:
                x, y = a.getinfo(name), b.getinfo(name)
                if (x.CRC, x.file_size) != (y.CRC, y.file_size) or a.read(name) != b.read(name):
                    return False
            mine, theirs = etree.fromstring(a.read("xl/styles.xml")), etree.fromstring(b.read("xl/styles.xml"))
    except (KeyError, OSError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return False
    for tag in _STYLE_LISTS:
        x = mine.find(f"{{{_MAIN_NS}}}{tag}")
        y = theirs.find(f"{{{_MAIN_NS}}}{tag}")
        if x is None and y is None:
            continue
        if x is None or y is None or len(y) < len(x) or \
                any(etree.tostring(p) != etree.tostring(q) for p, q in zip(x, y)):
            return False
    return True


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@contextmanager
def _heap_frozen() -> Any:
    """What exists already (the consolidation: a million long-lived objects for 8,000
    files) left out of the cyclic garbage collector's scans while the workbook is
    written and read back: each full collection walked all of it again (three of them,
    about 1 s of a warm run of 8,000 files).  New garbage is still collected.  A heap
    someone else froze is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
    return appendix_errors(path, profile=result.profile, lang=result.lang, expect_table=bool(result.rows))


def appendix_errors(path: str | Path, *, profile: Profile | None, lang: str, expect_table: bool) -> list[Issue]:
    """:func:`self_check` with what it needs of the consolidation (the profile, the
    language, whether a table of departments is due): what a worker is sent."""
    profile = profile or load_profile(None)
    try:
        # the file was written here a moment ago, not received: the hostile-file checks
        # (a capped inflate and scan of every part) would cost more than reading it
        _book, tables = read_tables(path, profile.cutoff_day, thorough=False)
    except ReadError as e:
        return [Issue(str(path), None, None, None, None, None, "unreadable", "error", None, e.reason,
                      message("unreadable", lang, found=e.reason, hint=e.hint))]
    sheet = SHEETS["consolidated"]
    found = [i for t in tables if t.sheet == sheet for i in check_table(t, profile, lang)
             if i.severity == "error"]
    if expect_table and not any(t.sheet == sheet for t in tables):
        found.append(Issue(str(path), sheet, None, None, None, None, "no_table", "error", None, None,
                           message("no_table", lang)))
    return found
