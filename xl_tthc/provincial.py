"""Writing the provincial workbook of a consolidation (openpyxl).

Sheets: "Phụ lục I" (the provincial appendix form of :mod:`xl_tthc.forms`, written by
:func:`xl_tthc.templates.write_form`: one row per department, totals, ratios and the
"Tỷ lệ %" row as formulas), "Biểu đồ"
(native bar charts of the on-time and online rates), "Chi tiết" (every row read from
every department file), "Phát hiện" (every finding, linked to its source file and
cell) and "Nguồn" (every input file with its SHA-256, period, rows read and status).

Formulas carry their values: :func:`xl_tthc.templates.save_workbook` writes each
formula cell's ``<v>`` from the exact recomputation of :func:`xl_tthc.forms.compute`.  Readers that do not recalculate (calamine, pandas,
viewers) see the numbers; Excel and LibreOffice recalculate on load and get the same.

Text from department files is always written as text: a name beginning with "=" is
stored as a string with Excel's quote prefix, never as a formula.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from .consolidate import CONSOLIDATED_RATIOS, Consolidation, ratio_terms, status_label
from .fields import SHARE_OF, label
from .forms import RATIO_DECIMALS, Form, FormColumn, get_form
from .templates import Layout, mark_form, save_workbook, write_form

_REF = re.compile(r"\{(\w+)\}")

__all__ = ["write_provincial", "provincial_form", "SHEETS"]

SHEETS = {
    "consolidated": get_form("provincial_appendix").sheet,
    "charts": "Biểu đồ",
    "detail": "Chi tiết",
    "issues": "Phát hiện",
    "sources": "Nguồn",
}
SEVERITY_VI = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)
_LINK = Font(color="0563C1", underline="single")
_WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
_FORMULA_LEAD = ("=", "+", "-", "@")


def _put_text(ws: Worksheet, row: int, col: int, text: Any) -> None:
    """Write text as text: never a formula, no control characters."""
    cell = ws.cell(row, col)
    if text is None:
        return
    value = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    cell.value = value
    cell.data_type = "s"
    if value.startswith(_FORMULA_LEAD):
        cell.quotePrefix = True


def _header(ws: Worksheet, row: int, labels: list[str]) -> None:
    for c, text in enumerate(labels, start=1):
        _put_text(ws, row, c, text)
        cell = ws.cell(row, c)
        cell.font, cell.fill, cell.alignment, cell.border = _BOLD, _HEAD_FILL, _WRAP, _BORDER


def provincial_form(rows: list[dict[str, int]], online_denominator: str = "received_new") -> Form:
    """The provincial appendix form of :mod:`xl_tthc.forms` fitted to the figures of the
    departments (``rows``): columns nobody reported are left out; where a department
    gives only "trước hạn và đúng hạn", that column replaces the early/on-time pair; a
    whole whose parts some department lacks is an input column instead of a formula;
    the ratios use the numerator and denominator the figures allow."""
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
    present = {c.field for c in columns}
    fitted = []
    for i, c in enumerate(columns, start=1):
        share = c.share if c.share in present else None
        if c.share is not None and share is None:
            share = next((w for w in SHARE_OF.get(c.field, ()) if w in present), None)
        fitted.append(replace(c, numbering=str(i), share=share))
    return replace(base, columns=tuple(fitted))


def _consolidated(wb: openpyxl.Workbook, result: Consolidation) -> tuple[Worksheet, Layout]:
    ws = wb.active
    form = provincial_form([r.figures for r in result.rows], result.online_denominator)
    ws.title = form.sheet
    rows = [{"unit": r.unit, **{f: r.figures[f] for f in form.fields if f in r.figures}} for r in result.rows]
    consolidated = sum(1 for s in result.sources if s.status == "consolidated")
    layout = write_form(ws, form, rows, period_label=result.period.label if result.period else None,
                        unit_label=f"Trung tâm Phục vụ hành chính công (tổng hợp từ {consolidated}/"
                                   f"{len(result.sources)} tệp báo cáo)")
    unit_col = form.fields.index("unit") + 1
    for i, r in enumerate(result.rows):  # department names as text, never formulas
        _put_text(ws, layout.first_row + i, unit_col, r.unit)
    mark_form(wb, form.name)
    return ws, layout


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


def _link(out_dir: Path, file: str, sheet: str | None, cell: str) -> str:
    target = Path(file).resolve()
    try:
        href = os.path.relpath(target, out_dir).replace(os.sep, "/")
    except ValueError:  # another drive
        href = target.as_uri()
    if sheet:
        href += f"#{quote_sheetname(sheet)}!{cell or 'A1'}"
    return href


def _detail(wb: openpyxl.Workbook, result: Consolidation) -> None:
    ws = wb.create_sheet(SHEETS["detail"])
    fields = result.fields
    kinds = {"field": "Lĩnh vực", "department": "Đơn vị", "total": "Dòng tổng"}
    _header(ws, 1, ["STT", "Đơn vị", "Dòng trong tệp", "Loại dòng", "Tệp", "Trang tính", "Dòng",
                    *[label(f) for f in fields]])
    for i, d in enumerate(result.details, start=1):
        r = i + 1
        ws.cell(r, 1, i)
        _put_text(ws, r, 2, d.unit)
        _put_text(ws, r, 3, d.label)
        _put_text(ws, r, 4, kinds[d.kind])
        _put_text(ws, r, 5, Path(d.file).name)
        _put_text(ws, r, 6, d.sheet)
        ws.cell(r, 7, d.row)
        for j, f in enumerate(fields):
            if f in d.figures:
                ws.cell(r, 8 + j, d.figures[f])
    for c, w in zip("ABCDEFG", (6, 36, 36, 12, 30, 14, 7)):
        ws.column_dimensions[c].width = w
    ws.freeze_panes = "C2"
    if result.details:
        ws.auto_filter.ref = f"A1:{get_column_letter(7 + len(fields))}{len(result.details) + 1}"


def _issues(wb: openpyxl.Workbook, result: Consolidation, out_dir: Path) -> None:
    ws = wb.create_sheet(SHEETS["issues"])
    _header(ws, 1, ["STT", "Tệp", "Trang tính", "Ô", "Đơn vị", "Chỉ tiêu", "Quy tắc", "Mức độ",
                    "Giá trị ghi", "Giá trị đúng", "Nội dung"])
    for i, issue in enumerate(result.issues, start=1):
        r = i + 1
        ws.cell(r, 1, i)
        _put_text(ws, r, 2, Path(issue.file).name)
        ws.cell(r, 2).hyperlink = _link(out_dir, issue.file, None, "")
        ws.cell(r, 2).font = _LINK
        _put_text(ws, r, 3, issue.sheet)
        if issue.sheet:
            _put_text(ws, r, 4, issue.cell or "A1")
            ws.cell(r, 4).hyperlink = _link(out_dir, issue.file, issue.sheet, issue.cell if issue.column else
                                            (f"A{issue.row}" if issue.row else "A1"))
            ws.cell(r, 4).font = _LINK
        _put_text(ws, r, 5, issue.unit)
        _put_text(ws, r, 6, label(issue.field) if issue.field else None)
        _put_text(ws, r, 7, issue.rule)
        _put_text(ws, r, 8, SEVERITY_VI.get(issue.severity, issue.severity) if result.lang == "vi" else issue.severity)
        _put_text(ws, r, 9, issue.found)
        _put_text(ws, r, 10, issue.expected)
        _put_text(ws, r, 11, issue.message)
    for c, w in zip("ABCDEFGHIJK", (6, 30, 14, 7, 32, 22, 18, 10, 14, 14, 90)):
        ws.column_dimensions[c].width = w
    ws.freeze_panes = "B2"
    if result.issues:
        ws.auto_filter.ref = f"A1:K{len(result.issues) + 1}"


def _sources(wb: openpyxl.Workbook, result: Consolidation, out_dir: Path) -> None:
    ws = wb.create_sheet(SHEETS["sources"])
    _header(ws, 1, ["STT", "Tệp", "Trang tính", "Đơn vị", "Kỳ báo cáo", "SHA-256", "Kích thước (byte)",
                    "Số dòng đã đọc", "Trạng thái", "Lý do"])
    for i, s in enumerate(result.sources, start=1):
        r = i + 1
        ws.cell(r, 1, i)
        _put_text(ws, r, 2, s.path)
        ws.cell(r, 2).hyperlink = _link(out_dir, s.path, None, "")
        ws.cell(r, 2).font = _LINK
        _put_text(ws, r, 3, "; ".join(s.sheets))
        _put_text(ws, r, 4, "; ".join(dict.fromkeys(s.units)))
        _put_text(ws, r, 5, s.period.label if s.period else None)
        _put_text(ws, r, 6, s.sha256)
        ws.cell(r, 7, s.size)
        ws.cell(r, 8, s.rows_read)
        _put_text(ws, r, 9, status_label(s.status, result.lang))
        _put_text(ws, r, 10, s.reason)
    for c, w in zip("ABCDEFGHIJ", (6, 50, 16, 36, 22, 66, 12, 10, 28, 90)):
        ws.column_dimensions[c].width = w
    ws.freeze_panes = "C2"


def write_provincial(result: Consolidation, path: str | Path) -> Path:
    """Write the provincial workbook of ``result`` to ``path`` (hyperlinks to the source
    files are relative to its folder).  The caller makes it atomic (write to a
    temporary file beside the target, then move)."""
    out = Path(path)
    out_dir = out.resolve().parent
    wb = openpyxl.Workbook()
    ws, layout = _consolidated(wb, result)
    _charts(wb, ws, layout)
    _detail(wb, result)
    _issues(wb, result, out_dir)
    _sources(wb, result, out_dir)
    wb.calculation.fullCalcOnLoad = True
    save_workbook(wb, out, {ws.title: layout.cached})
    return out
