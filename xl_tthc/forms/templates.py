"""Writing the appendix forms of :mod:`xl_tthc.forms.definitions` as Excel worksheets (openpyxl).

:func:`write_form` lays one form into a worksheet: the title with the period and unit
placeholders, the multi-row merged Vietnamese header and its column-numbering row,
the given rows (inputs as values, computed cells as formulas), the total row and the
"Tỷ lệ %" row as formulas (ratios of sums), Vietnamese number formats, input cells
unlocked and formula cells protected (no password), data validation refusing negative
and fractional counts, conditional formatting that colours a row whose identities fail
and a ratio that differs from its recomputation, A4 print setup (landscape where wide) with
repeated header rows and frozen panes; above the table the "(Kèm theo Báo cáo số …)"
line and the unit of measure, below it the footnotes of the form's conventions
(:func:`form_notes`), the date line and the signature block (:class:`ReportInfo`
fills them, placeholders otherwise).  :func:`build_template` makes a whole template
workbook; :func:`save_workbook` writes a workbook with the cached results of its
formulas, deterministically (same input, same bytes).

Big sheets skip openpyxl's cell objects: a :class:`SheetRows` holds rows already
written as SpreadsheetML (text always as inline text, never a formula; formulas with
their cached ``<v>``; hyperlinks), and :func:`save_workbook` splices them into the
sheet openpyxl writes around them (title, header, widths, print setup, validation,
conditional formatting), compressing every part once.  ``write_form(..., stream=True)``
lays the unit, total and "Tỷ lệ %" rows of a form this way.
"""

from __future__ import annotations

import io
import math
import numbers
import re
import zipfile
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

import openpyxl
from lxml import etree

try:  # Intel's igzip: deflate at zlib level 1 about four times as fast, and smaller
    from isal import isal_zlib as _igzip
except ImportError:  # a platform without its wheel: zlib
    _igzip = None
from openpyxl.cell.cell import Cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.packaging.relationship import Relationship, RelationshipList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import Element

from ..read.marker import SHEETS_PROPERTY
from .definitions import (FORM_PROPERTY, NOT_REPORTED, Form, FormColumn, compute, excel_pattern, get_form,
                          pattern_terms, share_formula, template_form, total_formula)
from ..domain.fields import label
from ..rules.table_rules import IDENTITIES

__all__ = ["Layout", "ReportInfo", "write_form", "form_notes", "is_wide", "build_template", "save_template", "save_workbook", "mark_form", "form_of", "TEMPLATE_ROWS",
           "PLACEHOLDER", "SheetRows", "Formula"]

PLACEHOLDER = "……………………"
# Blank unit rows of a fresh template, per form.
TEMPLATE_ROWS = {"department_results": 12, "provincial_appendix": 20, "satisfaction": 20, "fees": 20}
_FIXED_TIME = datetime(2025, 1, 1)

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = "Times New Roman"
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FORMULA_FILL = PatternFill("solid", fgColor="F2F2F2")
_FLAG_FILL = PatternFill("solid", fgColor="FFC7CE")  # rows whose identities fail
_RATIO_FLAG_FILL = PatternFill("solid", fgColor="FFEB9C")  # a ratio that differs from its recomputation
_FORMATS = {"count": "#,##0", "amount": "#,##0", "ratio": "0.00%", "label": "@"}
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TOLERANCE = "0.0000501"  # half a unit of the ROUND(…, 4) of the ratio formulas
_FIELD_REF = re.compile(r"\{(\w+)\}")
_PORTRAIT_WIDTH = 120  # column width units an A4 portrait page holds at a readable scale


@dataclass(frozen=True)
class ReportInfo:
    """What an appendix is attached to and who signs it: the line "(Kèm theo Báo cáo
    số 03/BC-TTHC ngày 20/02/2021 của …)", the date line "Sóc Trăng, ngày 20 tháng 02
    năm 2021" and the names under "NGƯỜI LẬP BIỂU" and "THỦ TRƯỞNG ĐƠN VỊ".  What is
    not given stays a dotted placeholder the user fills in."""

    number: str | None = None  # the report's number and symbol, "03/BC-TTHC"
    date: date | None = None  # the report's date
    agency: str | None = None  # who issues the report, "Trung tâm Phục vụ hành chính công tỉnh Sóc Trăng"
    place: str | None = None  # the place of the date line, "Sóc Trăng"
    preparer: str | None = None  # người lập biểu
    signer: str | None = None  # thủ trưởng đơn vị

    def attached_line(self) -> str:
        day = self.date.strftime("%d/%m/%Y") if self.date else "……/……/……"
        return f"(Kèm theo Báo cáo số {self.number or '……/BC-……'} ngày {day} của {self.agency or PLACEHOLDER})"

    def date_line(self) -> str:
        d = self.date
        when = f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}" if d else "ngày …… tháng …… năm ……"
        return f"{self.place or '……'}, {when}"


SIGNATURES = (("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)"))


@dataclass
class Layout:
    """Where a form landed on its sheet (1-based rows) and the cached values of its
    formula cells ({"C9": value}), from :func:`xl_tthc.forms.definitions.compute`."""

    form: Form
    header_rows: tuple[int, int]
    numbering_row: int
    first_row: int
    last_row: int
    total_row: int
    ratio_row: int | None
    cached: dict[str, Any] = field(default_factory=dict)
    notes_row: int = 0  # the first footnote line ("Ghi chú"), 0 for none
    last_printed: int = 0  # the last row of the signature block: the end of the print area
    rows: SheetRows | None = None  # the streamed rows of ``write_form(..., stream=True)``


def _cache_value(v: Any) -> Any:
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else float(v)
    return v


def _title_lines(form: Form, period_label: str | None, unit_label: str | None, report: ReportInfo) -> list[str]:
    return [form.appendix, form.title, f"Kỳ báo cáo: {period_label or PLACEHOLDER}",
            f"{form.unit_label}: {unit_label or PLACEHOLDER}", report.attached_line()]


def _columns(form: Form, fields: Sequence[str], joint: str = ", ") -> str:
    """"cột 9, 10" style references: the numbers of ``fields`` in ``form``."""
    return "cột " + joint.join(str(form.fields.index(f) + 1) for f in fields)


def form_notes(form: Form) -> list[str]:
    """The footnotes of the conventions ``form`` computes with: each ratio's numerator
    and denominator (by column number and name), ratios of sums on the total row, what
    the "Tỷ lệ %" row divides by, blank for a zero denominator, and the weights of the
    stated ratios.  Read from the form's formulas: the template and the consolidated
    sheet say the same."""
    notes = []
    for c in form.columns:
        if c.kind != "ratio" or c.formula is None:
            continue
        den, num = pattern_terms(c.formula)
        words = " + ".join(label(f).lower() for f in num)
        top = " + ".join(f"cột {form.fields.index(f) + 1}" for f in num)
        if len(num) > 1:
            top, words = f"({top})", f"({words})"
        notes.append(f"Cột {form.fields.index(c.field) + 1} ({label(c.field).lower()}) = {top} / "
                     f"cột {form.fields.index(den) + 1}, tức {words} / {label(den).lower()}; "
                     f"để trống khi mẫu số bằng 0.")
    if any(c.total == "row" for c in form.columns):
        notes.append("Dòng \u201cTổng cộng\u201d: tỷ lệ tính từ các số tổng (tỷ lệ của tổng), "
                     "không lấy trung bình các tỷ lệ của đơn vị.")
    weighted: dict[str, list[str]] = {}
    for c in form.columns:
        if c.total == "weighted":
            weighted.setdefault(c.weight, []).append(c.field)
    for weight, fields in weighted.items():
        notes.append(f"{_columns(form, fields).capitalize()} (tỷ lệ do đơn vị báo cáo): "
                     f"dòng \u201cTổng cộng\u201d là bình quân gia quyền theo {label(weight).lower()} "
                     f"(cột {form.fields.index(weight) + 1}) của các đơn vị có báo cáo tỷ lệ.")
    if form.ratio_row:
        groups: dict[str, list[str]] = {}
        for c in form.columns:
            if c.share is not None and c.share != c.field:
                groups.setdefault(c.share, []).append(c.field)
        if groups:
            parts = "; ".join(f"{_columns(form, fs)} trên cột {form.fields.index(w) + 1}"
                              for w, fs in groups.items())
            notes.append(f"Dòng \u201cTỷ lệ %\u201d: số tổng của mỗi cột trên số tổng của chỉ tiêu chứa nó ({parts}).")
    return notes


def _write_header(ws: Worksheet, form: Form, top: int) -> None:
    depth = form.header_depth
    n = len(form.columns)
    for level in range(depth):
        c = 0
        while c < n:
            path = form.columns[c].path
            if len(path) <= level:
                c += 1
                continue
            end = c
            while (end + 1 < n and len(form.columns[end + 1].path) > level
                   and form.columns[end + 1].path[:level + 1] == path[:level + 1]):
                end += 1
            row = top + level
            bottom = top + depth - 1 if len(path) == level + 1 else row
            ws.cell(row, c + 1, path[level])
            if end > c or bottom > row:
                ws.merge_cells(start_row=row, start_column=c + 1, end_row=bottom, end_column=end + 1)
            c = end + 1
    # every header cell looks the same: the first is styled, the others get its ids
    look = None
    for r in range(top, top + depth):
        for c in range(1, n + 1):
            cell = ws.cell(r, c)
            if look is None:
                cell.font = Font(name=_FONT, bold=True, size=10)
                cell.alignment = _CENTER
                cell.border = _BORDER
                cell.fill = _HEADER_FILL
                look = cell._style
            else:
                _copy_ids(look, cell, ("fontId", "alignmentId", "borderId", "fillId"))
    nrow = top + depth
    look = None
    for c, col in enumerate(form.columns, start=1):
        cell = ws.cell(nrow, c, col.numbering)
        if look is None:
            cell.font = Font(name=_FONT, italic=True, size=9)
            cell.alignment = _CENTER
            cell.border = _BORDER
            cell.number_format = "@"
            look = cell._style
        else:
            _copy_ids(look, cell, ("fontId", "alignmentId", "borderId", "numFmtId"))


def _copy_ids(source: StyleArray, cell: Any, ids: Sequence[str]) -> None:
    """Give ``cell`` the style ``ids`` (``"fontId"``, …) of the StyleArray ``source``:
    what assigning its font, alignment, … again would do, without openpyxl looking each
    one up in the workbook's style lists."""
    if cell._style is None:
        cell._style = StyleArray()
    for name in ids:
        setattr(cell._style, name, getattr(source, name))


def _identity_conditions(form: Form, row: int, fields: Iterable[str] | None = None) -> list[str]:
    """Excel conditions true when an identity of :data:`xl_tthc.rules.table_rules.IDENTITIES` (or
    the balance received = resolved + pending) between ``fields`` (default: all the
    form's) fails on ``row``; an identity with a blank term (a figure a department does
    not report, or a computed cell left blank ("") by
    :func:`xl_tthc.forms.definitions.excel_pattern`) is not evaluated."""
    have = set(form.fields if fields is None else fields)
    ref = lambda f: f"${form.letter(f)}{row}"  # noqa: E731
    out = []

    def differs(whole: str, parts: Sequence[str]) -> str:
        cells = [ref(f) for f in (whole, *parts)]
        return f"AND(COUNT({','.join(cells)})={len(cells)},{cells[0]}<>{'+'.join(cells[1:])})"

    for whole, alternatives, _rule, _key in IDENTITIES:
        if whole not in have:
            continue
        parts = next((p for p in alternatives if set(p) <= have), None)
        if parts:
            out.append(differs(whole, parts))
    if {"received", "resolved", "pending"} <= have:
        out.append(differs("received", ("resolved", "pending")))
    return out


def _ratio_condition(form: Form, field_name: str, row: int) -> str:
    """True when the ratio cell differs from its recomputation (or is not blank where
    the denominator is 0)."""
    col = form.column(field_name)
    den, parts = pattern_terms(col.formula or "")
    assert den is not None, f"{form.name}.{field_name}: not a ratio pattern"
    num = "+".join(f"${form.letter(p)}{row}" for p in parts)
    num = f"({num})" if len(parts) > 1 else num
    den = f"${form.letter(den)}{row}"
    cell = f"{form.letter(field_name)}{row}"
    terms = list(dict.fromkeys(re.findall(r"\$[A-Z]+\d+", num + den)))
    # a row that does not report every term has no ratio to compare with
    return (f'AND(COUNT({",".join(terms)})={len(terms)},'
            f'IF({den}=0,{cell}<>"",OR(NOT(ISNUMBER({cell})),ABS({cell}-{num}/{den})>{_TOLERANCE})))')


def _add_checks(ws: Worksheet, form: Form, first: int, last: int, total: int) -> None:
    last_col = form.letter(form.fields[-1])
    if last >= first:
        conds = _identity_conditions(form, first)
        if conds:
            ws.conditional_formatting.add(f"A{first}:{last_col}{last}", FormulaRule(
                formula=[f"OR({','.join(conds)})"], fill=_FLAG_FILL, stopIfTrue=False))
    sums = [c.field for c in form.columns if c.total == "sum"]
    if sums and last >= first:
        typed = [f"SUM(${form.letter(f)}{total})<>SUM(${form.letter(f)}${first}:${form.letter(f)}${last})"
                 for f in sums]
        ws.conditional_formatting.add(f"A{total}:{last_col}{total}", FormulaRule(
            formula=[f"OR({','.join(typed + _identity_conditions(form, total, sums))})"], fill=_FLAG_FILL))
    for col in form.columns:
        if col.kind == "ratio" and col.formula is not None:
            letter = form.letter(col.field)
            end = last if col.total == "covered" else total  # a covered total is not the ratio of its row
            ws.conditional_formatting.add(f"{letter}{first}:{letter}{end}", FormulaRule(
                formula=[_ratio_condition(form, col.field, first)], fill=_RATIO_FLAG_FILL))


def _add_validation(ws: Worksheet, form: Form, first: int, last: int) -> None:
    if last < first:
        return
    counts = [c for c in form.columns if c.is_input and c.kind in ("count", "amount")]
    stated = [c for c in form.columns if c.is_input and c.kind == "ratio"]
    if counts:
        _validate(ws, form, counts, first, last, type="whole", operator="greaterThanOrEqual", formula1="0",
                  errorTitle="Số không hợp lệ", error="Chỉ nhập số nguyên không âm (0, 1, 2, …).",
                  promptTitle="Số hồ sơ", prompt="Nhập số nguyên không âm.")
    if stated:
        _validate(ws, form, stated, first, last, type="decimal", operator="between", formula1="0", formula2="1",
                  errorTitle="Tỷ lệ không hợp lệ", error="Nhập tỷ lệ từ 0% đến 100% (ví dụ 94,87%).",
                  promptTitle="Tỷ lệ", prompt="Nhập tỷ lệ phần trăm, ví dụ 94,87%.")


def _validate(ws: Worksheet, form: Form, columns: Sequence[FormColumn], first: int, last: int,
              **rule: str) -> None:
    """One data validation over the input rows of ``columns``, with its message shown."""
    dv = DataValidation(allow_blank=True, showErrorMessage=True, showInputMessage=True, **rule)
    for c in columns:
        letter = form.letter(c.field)
        dv.add(f"{letter}{first}:{letter}{last}")
    ws.add_data_validation(dv)


def _row_styles(ws: Worksheet, form: Form, formulas: Sequence[bool], *, bold: bool = False,
                italic: bool = False, inputs: bool = False, percent_counts: bool = False) -> list[Cell]:
    """The styles of one row of ``form`` as detached prototype cells (never written),
    one per column; ``formulas[i]`` tells whether column ``i`` holds a formula."""
    protos = []
    looks: dict[tuple, Cell] = {}  # columns that look alike share the first one's style
    for c, (col, is_formula) in enumerate(zip(form.columns, formulas), start=1):
        cell = Cell(ws, row=1, column=c)
        look = (col.kind, col.field == "stt", is_formula)
        if look in looks:
            cell._style = copy(looks[look]._style)
            protos.append(cell)
            continue
        looks[look] = cell
        cell.border = _BORDER
        cell.font = Font(name=_FONT, size=10, bold=bold, italic=italic)
        cell.number_format = _FORMATS[col.kind] if col.field != "stt" else "0"
        if col.kind == "label":
            cell.alignment = Alignment(horizontal="center" if col.field == "stt" else "left",
                                       vertical="center", wrap_text=True)
        else:
            cell.alignment = Alignment(horizontal="right", vertical="center")
        if is_formula:
            cell.fill = _FORMULA_FILL
        if inputs and not is_formula:
            cell.protection = Protection(locked=False)
        if percent_counts and col.kind == "count":
            cell.number_format = "0.00%"
        protos.append(cell)
    return protos


def _formula_pieces(form: Form, pattern: str) -> list[str]:
    """The unit-row pattern ``pattern`` ("{received_online}/{received_new}") as the
    pieces that the row number joins ("F", "/E"), guarded by
    :func:`xl_tthc.forms.definitions.excel_pattern`: ``"9".join(pieces)`` is what
    :func:`xl_tthc.forms.definitions.row_formula` gives for row 9, without a regular expression
    per cell."""
    parts = _FIELD_REF.split(excel_pattern(pattern))
    return [parts[i] + form.letter(parts[i + 1]) for i in range(0, len(parts) - 1, 2)] + [parts[-1]]


def _put_cells(ws: Worksheet, r: int, values: Sequence[Any], protos: Sequence[Cell]) -> None:
    """One row as openpyxl cells (the editable path of :func:`write_form`)."""
    for c, (v, proto) in enumerate(zip(values, protos), start=1):
        cell = ws.cell(r, c)
        cell._style = copy(proto._style)
        if isinstance(v, Formula):
            cell.value = "=" + v.text
        elif isinstance(v, str):
            _put_text(cell, v)
        else:
            cell.value = v


def _row_writer(ws: Worksheet, sink: SheetRows | None,
                protos: Sequence[Cell]) -> Callable[[int, list[Any], float | None], None]:
    """How rows styled like ``protos`` are written (with a height in points, or None for
    the default): appended to ``sink``, or as openpyxl cells of ``ws`` when there is none."""
    if sink is None:
        def put(r: int, values: list[Any], height: float | None = None) -> None:
            _put_cells(ws, r, values, protos)
            if height:
                ws.row_dimensions[r].height = height
        return put
    styles = [sink.style(p) for p in protos]
    return lambda r, values, height=None: sink.append(r, values, styles, height)


def write_form(ws: Worksheet, form: Form | str, rows: Sequence[Mapping[str, Any]], *,
               period_label: str | None = None, unit_label: str | None = None,
               total_label: str = "Tổng cộng", stream: bool = False, report: ReportInfo | None = None,
               notes: Sequence[str] = ()) -> Layout:
    """Write ``form`` into the empty worksheet ``ws`` with one unit row per mapping of
    ``rows`` (input fields and ``unit`` by canonical field name; missing inputs stay
    blank; a formula field mapped to NOT_REPORTED is a blank cell; text is always text), then
    the total row and the "Tỷ lệ %" row.  Returns
    where it all went and the cached values of the formula cells.

    Above the table: the appendix and title lines, the period, the unit, the line
    "(Kèm theo Báo cáo số …)" of ``report`` and "Đơn vị tính: …".  Below it: "Ghi chú"
    with the conventions of :func:`form_notes` and then ``notes``, the date line and the
    signature block (người lập biểu, thủ trưởng đơn vị) of ``report``; what ``report``
    does not give is a placeholder, unlocked for typing.

    With ``stream=True`` the unit, total and "Tỷ lệ %" rows are not openpyxl cells but
    ``layout.rows`` (a :class:`SheetRows`, formulas with their cached values) for
    :func:`save_workbook`: much faster for big tables, but those rows cannot be edited
    through ``ws`` any more."""
    form = get_form(form) if isinstance(form, str) else form
    n = len(form.columns)
    last_col = form.letter(form.fields[-1])
    report = report or ReportInfo()
    titles = _title_lines(form, period_label, unit_label, report)
    for i, text in enumerate(titles, start=1):
        cell = ws.cell(i, 1, text)
        _merge(ws, i, 1, n)
        cell.font = Font(name=_FONT, bold=i <= 2, italic=i > 2, size=13 if i <= 2 else 11)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        if i > 2:
            cell.protection = Protection(locked=False)  # the period, unit and report are typed in
    top = len(titles) + 2
    if form.measure:
        cell = ws.cell(top - 1, max(1, n - 3), f"Đơn vị tính: {form.measure}")
        _merge(ws, top - 1, max(1, n - 3), n)
        cell.font = Font(name=_FONT, italic=True, size=10)
        cell.alignment = Alignment(horizontal="right", vertical="center")
    _write_header(ws, form, top)
    numbering = top + form.header_depth
    first = numbering + 1
    last = first + len(rows) - 1
    total = last + 1
    computed = compute(form, rows)
    layout = Layout(form, (top, numbering - 1), numbering, first, last, total,
                    total + 1 if form.ratio_row else None)
    sink = layout.rows = SheetRows(ws) if stream else None
    cached = layout.cached

    if rows:
        write = _row_writer(ws, sink, _row_styles(ws, form, [c.formula is not None for c in form.columns],
                                                  inputs=True))
        plan = [(c.field, form.letter(c.field), None if c.formula is None else _formula_pieces(form, c.formula))
                for c in form.columns]
        unit_chars = form.column("unit").width * 1.4 if "unit" in form.fields else 10**9  # 10 pt Times
        for i, (given, values) in enumerate(zip(rows, computed.rows)):
            r = first + i
            rs = str(r)
            cells: list[Any] = []
            add = cells.append
            for name, letter, pieces in plan:
                if pieces is not None and given.get(name) is NOT_REPORTED:
                    add(None)  # a ratio whose terms this row does not report: blank, no formula
                elif pieces is not None:
                    v = values[name]
                    if type(v) is not int:
                        v = _cache_value(v)
                    cached[letter + rs] = v
                    add(Formula(rs.join(pieces), v))
                elif name == "stt":
                    add(i + 1)
                else:
                    v = given.get(name)
                    add(v if v is None or type(v) is int or not isinstance(v, Fraction) else _cache_value(v))
            unit = given.get("unit")
            # a long name (a marked row "… (không tổng hợp: …)") wraps: the row grows to show it
            write(r, cells, 14 * math.ceil(len(unit) / unit_chars) + 2
                  if type(unit) is str and len(unit) > unit_chars else None)

    def summary(r: int, label: str, formulas: list[str | None], results: Mapping[str, Any], **style: bool) -> None:
        """The total or the "Tỷ lệ %" row: ``label`` in the unit column, formulas with
        their cached results."""
        cells: list[Any] = []
        for c, f in zip(form.columns, formulas):
            if f is not None:
                cached[f"{form.letter(c.field)}{r}"] = v = _cache_value(results[c.field])
                cells.append(Formula(f[1:], v))
            else:
                cells.append(label if c.field == "unit" else None)
        _row_writer(ws, sink, _row_styles(ws, form, [f is not None for f in formulas], **style))(r, cells)

    summary(total, total_label, [total_formula(form, c.field, total, first, last) for c in form.columns],
            computed.total, bold=True)
    if layout.ratio_row:
        summary(layout.ratio_row, "Tỷ lệ %", [share_formula(form, c.field, total) for c in form.columns],
                computed.shares, bold=True, italic=True, percent_counts=True)

    for c, col in enumerate(form.columns, start=1):
        ws.column_dimensions[form.letter(col.field)].width = col.width
    for r in range(top, numbering):
        ws.row_dimensions[r].height = 36 if r < numbering - 1 else 48
    _add_validation(ws, form, first, last)
    _add_checks(ws, form, first, last, total)

    layout.notes_row = (layout.ratio_row or total) + 2
    layout.last_printed = _write_footer(ws, form, layout.notes_row, [*form_notes(form), *notes], report)

    ws.freeze_panes = f"C{first}"
    ws.print_title_rows = f"{top}:{numbering}"
    ws.print_area = f"A1:{last_col}{layout.last_printed}"
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.size = 9
    ws.page_setup.orientation = "landscape" if is_wide(form) else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # False = allowed
    ws.protection.formatRows = False
    ws.protection.formatCells = False
    return layout


def _merge(ws: Worksheet, row: int, first: int, last: int) -> None:
    """Merge ``first``..``last`` (1-based columns) of ``row``: what ``ws.merge_cells``
    does for a range without borders, without its placeholder cells (formatting them
    took a fifth of writing the provincial sheet)."""
    ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}"))


def is_wide(form: Form) -> bool:
    """Whether ``form`` is printed on A4 landscape (wider than a portrait page holds at
    a readable size) rather than portrait."""
    return sum(c.width for c in form.columns) > _PORTRAIT_WIDTH


def _write_footer(ws: Worksheet, form: Form, top: int, notes: Sequence[str], report: ReportInfo) -> int:
    """The footnotes from row ``top`` ("Ghi chú:" and one merged, wrapped line per note),
    then the date line and the signature block; returns the last row written."""
    n = len(form.columns)
    width = sum(c.width for c in form.columns)
    r = top
    note_font = Font(name=_FONT, italic=True, size=10)
    wrap = Alignment(horizontal="left", vertical="top", wrap_text=True)
    for i, text in enumerate(notes):
        line = f"{'Ghi chú: ' if i == 0 else ''}{i + 1}. {text}" if len(notes) > 1 else f"Ghi chú: {text}"
        cell = ws.cell(r, 1, line)
        _merge(ws, r, 1, n)
        cell.font, cell.alignment = note_font, wrap
        # merged cells are not fitted to their text: about 1.15 characters per unit of width
        ws.row_dimensions[r].height = 14 * max(1, math.ceil(len(line) / (width * 1.15)))
        r += 1
    r += 1 if notes else 0
    half = max(2, n // 2)
    blocks = ((1, half), (half + 1, n))
    cell = ws.cell(r, blocks[1][0], report.date_line())
    _merge(ws, r, blocks[1][0], n)
    cell.font = Font(name=_FONT, italic=True, size=11)
    cell.alignment = Alignment(horizontal="center")
    cell.protection = Protection(locked=False)
    names = (report.preparer, report.signer)
    for (start, end), (title, hint), name in zip(blocks, SIGNATURES, names):
        for dr, text, font in ((1, title, Font(name=_FONT, bold=True, size=11)),
                               (2, hint, Font(name=_FONT, italic=True, size=10)),
                               (6, name, Font(name=_FONT, bold=True, size=11))):
            cell = ws.cell(r + dr, start, text)
            _merge(ws, r + dr, start, end)
            cell.font, cell.alignment = font, Alignment(horizontal="center")
            if dr == 6:
                cell.protection = Protection(locked=False)  # the names are typed in
    return r + 6


def form_of(wb: openpyxl.Workbook) -> str | None:
    """The form name a workbook was generated from (its custom document property)."""
    for p in wb.custom_doc_props.props:
        if p.name == FORM_PROPERTY:
            return p.value
    return None


def _template(name: str, period_label: str | None, unit_label: str | None,
              units: Iterable[str] | None) -> tuple[openpyxl.Workbook, Layout]:
    form = template_form(name)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = form.sheet
    rows = [{"unit": u} for u in units] if units is not None else [{} for _ in range(TEMPLATE_ROWS[form.name])]
    layout = write_form(ws, form, rows, period_label=period_label, unit_label=unit_label)
    mark_form(wb, form.name)
    return wb, layout


def build_template(name: str, period_label: str | None = None, unit_label: str | None = None,
                   units: Iterable[str] | None = None) -> openpyxl.Workbook:
    """A fresh template workbook of form ``name``: one blank row per unit of ``units``
    (names filled in), or :data:`TEMPLATE_ROWS` blank rows."""
    return _template(name, period_label, unit_label, units)[0]


def save_template(name: str, path: str | Path, period_label: str | None = None, unit_label: str | None = None,
                  units: Iterable[str] | None = None) -> None:
    """:func:`build_template` saved to ``path`` with the cached values of its formulas."""
    wb, layout = _template(name, period_label, unit_label, units)
    save_workbook(wb, path, {wb.active.title: layout.cached})


def mark_form(wb: openpyxl.Workbook, name: str, sheets: Iterable[str] = ()) -> None:
    """Record the form name in the workbook (custom document property) and, where the
    workbook holds other sheets too, the ``sheets`` that hold the form."""
    wb.custom_doc_props.append(StringProperty(name=FORM_PROPERTY, value=name))
    if sheets:
        wb.custom_doc_props.append(StringProperty(name=SHEETS_PROPERTY, value="\t".join(sheets)))


# --- text, and rows written straight as SpreadsheetML ---------------------------------

# Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_LEAD = ("=", "+", "-", "@")  # text starting so would read as a formula when typed


def _put_text(cell: Cell, text: str) -> None:
    """Write ``text`` into an openpyxl cell as text: never a formula (a leading "=",
    "+", "-" or "@" gets Excel's quote prefix), no control characters."""
    value = _ILLEGAL.sub("", text)
    cell.value = value
    cell.data_type = "s"
    if value.startswith(_FORMULA_LEAD):
        cell.quotePrefix = True


def _xml_text(text: str) -> str:
    """Element content: cleaned and escaped ("\\r" as a reference, so it survives)."""
    if _SPECIAL.search(text) is None:
        return text
    return _escape(_ILLEGAL.sub("", text))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


class Formula(NamedTuple):
    """A formula cell for :class:`SheetRows`: ``text`` without the leading "=", and its
    cached result ``value`` (a number, a string, a bool, or None for none)."""

    text: str
    value: Any = None


_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROW = re.compile(rb'<row r="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')
# What follows <hyperlinks> in a worksheet (CT_Worksheet order).
_AFTER_LINKS = re.compile(rb"<(?:printOptions|pageMargins|pageSetup|headerFooter|rowBreaks|colBreaks|"
                          rb"customProperties|cellWatches|ignoredErrors|smartTags|drawing|legacyDrawing|"
                          rb"legacyDrawingHF|picture|oleObjects|controls|webPublishItems|tableParts|extLst)[\s/>]"
                          rb"|</worksheet>")


def _inline(text: str) -> tuple[str | None, bool]:
    """The end of an inline text cell after its style attribute (None when nothing is
    left of ``text`` once cleaned), and whether it needs the quote prefix."""
    if _SPECIAL.search(text) is None:
        escaped = text
    else:
        text = _ILLEGAL.sub("", text)
        escaped = _escape(text)
    if not text:
        return None, False
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{escaped}</t></is></c>', text.startswith(_FORMULA_LEAD)


_NO_STYLES = [[0] * n for n in range(64)]  # the styles of unstyled rows, by length


class _StyleAttributes(dict):
    """Style index -> the cell attribute naming it (none for the default style)."""

    def __missing__(self, s: int) -> str:
        a = self[s] = f' s="{s}"' if s else ""
        return a


_HYPERLINK = f"{_REL_NS}/hyperlink"


class _Hyperlink(Relationship):
    """The relationship of a hyperlink of :class:`SheetRows`: what
    ``Relationship(type="hyperlink", TargetMode="External", Target=target)`` is and
    writes, without the validation and generic serialisation of openpyxl's descriptors
    (15 ms of the provincial workbook of 1,000 departments, for its 1,500 links)."""

    def __init__(self, target: str, id: str) -> None:  # noqa: A002, D107
        self.__dict__.update(Type=_HYPERLINK, Target=target, TargetMode="External", Id=id)

    def to_tree(self, tagname: str | None = None, idx: Any = None, namespace: Any = None) -> Any:
        return Element("Relationship", {"Type": self.Type, "Target": self.Target, "TargetMode": "External",
                                        "Id": self.Id})


_ROWS_AT_ONCE = 256  # streamed rows encoded and compressed together
_TEXTS_KEPT = 4096  # texts whose SpreadsheetML a SheetRows keeps (units, labels, sheet names come again)


class SheetRows:
    """Rows of the worksheet ``ws`` written straight as SpreadsheetML, without openpyxl
    cell objects; :func:`save_workbook` splices them into the sheet openpyxl writes,
    which must hold no cell in these rows.

    ``append(r, values, styles)`` writes row ``r`` (rows go down) from column A: a
    ``str`` as inline text, always text (a leading "=", "+", "-" or "@" gets the quote
    prefix, control characters are dropped); ``int``/``float`` (and other real numbers)
    as numbers; ``bool``; a :class:`Formula` with its cached value; ``None`` or "" as a
    blank (written only when styled); anything else as its ``str()`` text.  ``styles``
    are style indexes from :meth:`style`, one per value (none: the default style);
    ``height`` the row's height in points (none: the default; a reader does not fit a
    row to its wrapped text by itself); ``column`` the column of the first value (1: A).

    ``later(rows, last_row, max_column)`` has the rows of an iterable of (r, values,
    styles, height) appended only when the sheet is saved, a few hundred at a time as
    they are compressed: a big listing is never whole in memory.  Its extent (last row,
    last column) is given up front, as the sheet's dimension is written before its rows.
    """

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.first_row = 0  # 0: no row yet
        self.last_row = 0
        self.max_column = 0
        self._chunks: list[str] = []  # the rows not yet in a block
        self._blocks: list[bytes] = []  # every _ROWS_AT_ONCE rows, joined and encoded (half the memory of str)
        self._links: list[tuple[str, str]] = []
        self._attr = _StyleAttributes()
        self._quoted: dict[int, int] = {}
        self._heads: list[str] = []  # '<c r="A', '<c r="B', …
        self._styles: list[int] | None = None  # the styles and first column of the last row, their cell openings
        self._column = 1
        self._open: list[tuple[str, str, int]] = []
        self._texts: dict[str, tuple[str | None, bool]] = {}  # text -> _inline(text)
        self._later: tuple[Callable[[], Iterable[tuple[Any, ...]]], int, int, int] | None = None

    def later(self, rows: Callable[[], Iterable[tuple[Any, ...]]], last_row: int, max_column: int) -> None:
        """Append the rows ``rows()`` yields, each (r, values, styles, height), when the
        sheet is saved, after any appended now; they end at ``last_row`` and reach
        ``max_column`` at most (1: A).  Their hyperlinks are given now (:meth:`hyperlink`)."""
        if last_row <= self.last_row:
            return
        self._later = (rows, self.last_row, last_row, max_column)
        if not self.first_row:
            self.first_row = self.last_row + 1
        self.last_row = last_row
        self.max_column = max(self.max_column, max_column)

    def style(self, cell: Cell | None = None, **attributes: Any) -> int:
        """The style index of the (detached) prototype ``cell``, or of one styled with
        ``attributes`` (``font=…``, ``fill=…``, ``alignment=…``, ``border=…``,
        ``number_format=…``, ``protection=…``)."""
        if cell is None:
            cell = Cell(self.ws)
            for name, value in attributes.items():
                setattr(cell, name, value)
        return cell.style_id

    def _quote(self, s: int) -> int:
        """The index of style ``s`` with the quote prefix."""
        q = self._quoted.get(s)
        if q is None:
            cell = Cell(self.ws)
            cell._style = copy(self.ws.parent._cell_styles[s])
            cell.quotePrefix = True
            q = self._quoted[s] = cell.style_id
        return q

    def append(self, r: int, values: Sequence[Any], styles: Sequence[int] | None = None,
               height: float | None = None, column: int = 1) -> None:
        if r <= self.last_row:
            raise ValueError(f"{self.ws.title}: row {r} after row {self.last_row}; rows go down")
        n = len(values)
        if styles is None:
            styles = _NO_STYLES[n] if n < len(_NO_STYLES) else [0] * n
        elif len(styles) != n:
            raise ValueError(f"{self.ws.title}: {n} values but {len(styles)} styles")
        if styles != self._styles or column != self._column:  # the cell openings: '<c r="B', ' s="3"'
            heads = self._heads
            while len(heads) < n + column - 1:
                heads.append(f'<c r="{get_column_letter(len(heads) + 1)}')
            self._styles = list(styles)
            self._column = column
            self._open = list(zip(heads[column - 1:], [self._attr[s] for s in styles], styles))
        texts = self._texts
        rs = str(r)
        out = [f'<row r="{rs}" ht="{height:g}" customHeight="1">' if height else f'<row r="{rs}">']
        add = out.append
        for (head, attr, s), v in zip(self._open, values):
            t = type(v)
            if t is int:  # the common cases first
                add(f"{head}{rs}\"{attr}><v>{v}</v></c>")
            elif t is str:
                text = texts.get(v)
                if text is None:
                    if len(texts) == _TEXTS_KEPT:  # a listing of paths and digests: most come once
                        texts.clear()
                    text = texts[v] = _inline(v)
                body, quote = text
                if body is None:
                    if s:
                        add(f'{head}{rs}"{attr}/>')
                elif quote:
                    add(f'{head}{rs}"{self._attr[self._quote(s)]}{body}')
                else:
                    add(f'{head}{rs}"{attr}{body}')
            elif v is None:
                if s:
                    add(f'{head}{rs}"{attr}/>')
            elif t is Formula:
                typ, val = self._typed(v.value)
                add(f'{head}{rs}"{attr}{typ}><f>{_xml_text(v.text)}</f>{val}</c>')
            elif t is bool or isinstance(v, numbers.Number):
                typ, val = self._typed(v)
                add(f'{head}{rs}"{attr}{typ}>{val}</c>')
            else:
                body, quote = _inline(str(v))
                if body is None:
                    if s:
                        add(f'{head}{rs}"{attr}/>')
                else:
                    add(f'{head}{rs}"{self._attr[self._quote(s)] if quote else attr}{body}')
        add("</row>")
        chunks = self._chunks
        chunks.append("".join(out))
        if len(chunks) == _ROWS_AT_ONCE:
            self._blocks.append("".join(chunks).encode("utf-8"))
            chunks.clear()
        if not self.first_row:
            self.first_row = r
        self.last_row = r
        if n + column - 1 > self.max_column:
            self.max_column = n + column - 1

    def _typed(self, v: Any) -> tuple[str, str]:
        """A value's type attribute and ``<v>`` element (a formula's cached result:
        None for none, a string as ``t="str"``)."""
        t = type(v)
        if t is int:  # the common cases first
            return "", f"<v>{v}</v>"
        if t is float and math.isfinite(v):
            return "", f"<v>{v!r}</v>"
        if v is None:
            return "", ""
        if isinstance(v, str):
            return ' t="str"', f"<v>{_xml_text(v)}</v>"
        if isinstance(v, bool):
            return ' t="b"', f"<v>{int(v)}</v>"
        if isinstance(v, numbers.Integral) or (isinstance(v, Fraction) and v.denominator == 1):
            return "", f"<v>{int(v)}</v>"
        x = float(v)
        if not math.isfinite(x):
            raise ValueError(f"{self.ws.title}: {v!r} is not a number a workbook can hold")
        return "", f"<v>{x!r}</v>"

    def hyperlink(self, r: int, column: int, target: str) -> None:
        """Link cell (``r``, ``column``) (1-based) to ``target`` (a file path or URL,
        "#'Sheet'!A1" to point at a cell of it)."""
        self._links.append((f"{get_column_letter(column)}{r}", target))

    def _splice(self, xml: bytes, rels: RelationshipList) -> bytes:
        """``xml`` (the sheet as openpyxl wrote it) with these rows in its sheetData, the
        dimension grown to cover them, and their hyperlinks (relationships added to
        ``rels``, which openpyxl writes after the sheet)."""
        head, blocks, tail = self._parts(xml, rels)
        return head + b"".join(blocks) + tail

    def _rows_encoded(self) -> Iterable[bytes]:
        """The rows as blocks of :data:`_ROWS_AT_ONCE` rows (the last one shorter), UTF-8;
        those of :meth:`later` made as they are asked for."""
        if self._chunks:
            self._blocks.append("".join(self._chunks).encode("utf-8"))
            self._chunks.clear()
        if self._later is None:
            return self._blocks
        return self._made_later()

    def _made_later(self) -> Iterator[bytes]:
        yield from self._blocks
        self._blocks = []
        rows, before, last, max_column = self._later
        self._later = None
        declared = self.first_row, self.last_row, self.max_column
        self.last_row, self.max_column = before, 0  # rows go down from there
        chunks = self._chunks
        for r, values, styles, height in rows():
            self.append(r, values, styles, height)
            if self._blocks:  # a block is full
                yield self._blocks.pop()
        if self.last_row > last or self.max_column > max_column:
            raise ValueError(f"{self.ws.title}: rows beyond the extent given, {last} rows and {max_column} columns")
        self.first_row, self.last_row, self.max_column = declared
        if chunks:
            yield "".join(chunks).encode("utf-8")
            chunks.clear()

    def _parts(self, xml: bytes, rels: RelationshipList) -> tuple[bytes, list[bytes], bytes]:
        """What :meth:`_splice` joins: the sheet before these rows (its dimension grown
        to cover them), the rows in blocks, and the sheet after them (with their
        hyperlinks), so that a big sheet need not be copied whole before it is compressed."""
        if not self.last_row and not self._links:
            return xml, [], b""
        xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
        self._insertion_point(xml)  # a row of both kinds fails before anything changes
        if self.last_row:
            m = _DIMENSION.search(xml)
            if m:
                last_col = max(column_index_from_string((m[3] or m[1]).decode()), self.max_column)
                ref = (f"A{min(int(m[2]), self.first_row)}:{get_column_letter(last_col)}"
                       f"{max(int(m[4] or m[2]), self.last_row)}")
                xml = xml[:m.start()] + f'<dimension ref="{ref}"/>'.encode() + xml[m.end():]
        if self._links:
            links = []
            n = len(rels)
            for ref, target in self._links:  # the Ids RelationshipList.append gives
                n += 1
                list.append(rels, _Hyperlink(target, f"rId{n}"))
                links.append(f'<hyperlink xmlns:r="{_REL_NS}" ref="{ref}" r:id="rId{n}"/>')
            block = "".join(links).encode("utf-8")
            end = xml.find(b"</hyperlinks>")
            if end >= 0:
                xml = xml[:end] + block + xml[end:]
            else:
                at = _AFTER_LINKS.search(xml, xml.index(b"</sheetData>")).start()
                xml = xml[:at] + b"<hyperlinks>" + block + b"</hyperlinks>" + xml[at:]
        at = self._insertion_point(xml)
        return xml[:at], self._rows_encoded(), xml[at:]

    def _insertion_point(self, xml: bytes) -> int:
        """Where these rows go in ``xml``: before its first later row, or at the end of
        its sheetData."""
        start = xml.index(b"<sheetData>")
        end = xml.index(b"</sheetData>", start)
        for m in _ROW.finditer(xml, start, end):
            if int(m[1]) >= self.first_row:
                if int(m[1]) <= self.last_row:
                    raise ValueError(f"{self.ws.title}: row {int(m[1])} has both openpyxl cells and streamed rows")
                return m.start()
        return end


# --- saving ---------------------------------------------------------------------------

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


_ERRORS = frozenset(("#DIV/0!", "#REF!", "#NAME?", "#VALUE!", "#N/A", "#NUM!", "#NULL!"))


def _inject(xml: bytes, values: Mapping[str, Any]) -> bytes:
    root = etree.fromstring(xml)
    for c in root.iterfind(".//m:sheetData/m:row/m:c", _NS):
        ref = c.get("r")
        f = c.find("m:f", _NS)
        if f is None or ref not in values:
            continue
        v = c.find("m:v", _NS)
        if v is None:
            v = etree.SubElement(c, f"{{{_NS['m']}}}v")
        value = values[ref]
        if value is None:
            c.remove(v)
        elif isinstance(value, str) and value in _ERRORS:
            c.set("t", "e")  # an error result (#DIV/0!) stays an error, not a text
            v.text = value
        elif isinstance(value, str):
            c.set("t", "str")
            v.text = value
        elif isinstance(value, bool):
            c.set("t", "b")
            v.text = "1" if value else "0"
        else:
            c.attrib.pop("t", None)
            v.text = repr(value) if isinstance(value, float) else str(value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)




class _Package(zipfile.ZipFile):
    """The zip openpyxl's writer writes the workbook into: every part compressed once,
    with a fixed date; a worksheet part gets its cached formula values and its
    :class:`SheetRows` on the way in."""

    def __init__(self, file: Any, wb: openpyxl.Workbook, cached: Mapping[str, Mapping[str, Any]],
                 rows: Iterable[SheetRows], level: int | None = None) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._level = level
        self._wb = wb
        self._cached = cached
        self._rows = {id(r.ws): r for r in rows}

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None,
              compresslevel: Any = None) -> None:
        self.writestr(arcname or str(filename), Path(filename).read_bytes())

    def _open_to_write(self, zinfo: zipfile.ZipInfo, force_zip64: bool = False) -> Any:
        """A part being written, deflated by igzip when the level asked for is one of
        its own (0-3, the fast ones; zlib's higher levels are left to zlib): the same
        deflate stream format, read by any unzip, in a quarter of the time."""
        dest = super()._open_to_write(zinfo, force_zip64)
        if _igzip is not None and zinfo.compress_type == zipfile.ZIP_DEFLATED and self._level is not None \
                and 0 <= self._level <= _igzip.ISAL_BEST_COMPRESSION and hasattr(dest, "_compressor"):
            dest._compressor = _igzip.compressobj(self._level, _igzip.DEFLATED, -15)
        return dest

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None,
                 compresslevel: Any = None) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        if isinstance(data, str):
            data = data.encode("utf-8")
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        if name.startswith("xl/worksheets/sheet"):
            # the sheet being written is the first with this part name (later ones may
            # still carry the number of an earlier save)
            ws = next((w for w in self._wb.worksheets if getattr(w, "_id", None) and w.path[1:] == name), None)
            if ws is not None:
                if ws.title in self._cached:
                    data = _inject(data, self._cached[ws.title])
                if id(ws) in self._rows:
                    head, rows, tail = self._rows[id(ws)]._parts(data, ws._rels)
                    if rows:
                        self._write_rows(info, head, rows, tail)
                        return
                    data = head + tail
        super().writestr(info, data, compresslevel=self._level)

    def _write_rows(self, info: zipfile.ZipInfo, head: bytes, blocks: list[bytes], tail: bytes) -> None:
        """Write the part ``head`` + ``blocks`` + ``tail``, compressing the rows a few
        hundred at a time (the sheet is never whole in memory)."""
        info._compresslevel = self._level  # what writestr(compresslevel=) sets
        with self.open(info, "w") as part:
            part.write(head)
            for block in blocks:
                part.write(block)
            part.write(tail)


class _Writer(ExcelWriter):
    """openpyxl's writer, a worksheet written in memory rather than to a temporary file
    (creating and removing five files took a few milliseconds)."""

    def write_worksheet(self, ws: Worksheet) -> None:
        if self.workbook.write_only:
            super().write_worksheet(ws)
            return
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        # openpyxl learns the columns' outline level while it writes them, and writes the
        # learnt one in the next save's format properties: each save as the first
        ws.column_dimensions.max_outline = None
        writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def save_workbook(wb: openpyxl.Workbook, path: str | Path,
                  cached: Mapping[str, Mapping[str, Any]] | None = None, rows: Iterable[SheetRows] = (), *,
                  compresslevel: int | None = None, stamp: bool = True,
                  only: Sequence[Worksheet] | None = None) -> None:
    """Save ``wb`` to ``path`` with the cached results of its formulas (``cached``:
    sheet title -> {"C9": value}), so readers that do not calculate (and Excel before
    its recalculation on load) see the values, and with the streamed ``rows`` of its
    sheets.  ``compresslevel``: zlib's, 1 (fastest) to 9 (smallest), None for its
    default (6).  The bytes depend only on the content.  ``stamp=False`` keeps the
    document properties (author, dates) of a workbook that is not ours.  ``only``: these
    sheets alone, the first of them active (the workbook is left as it was; rows
    :meth:`SheetRows.later` of a sheet saved so are made then, once)."""
    if stamp:
        wb.properties.created = wb.properties.modified = _FIXED_TIME
        wb.properties.creator = "xl_tthc"
    sheets, active = wb._sheets, wb._active_sheet_index
    if only is not None:
        wb._sheets, wb._active_sheet_index = list(only), 0
    try:
        with open(path, "wb", buffering=1 << 20) as f:  # straight to the file: the zip is never whole in memory
            package = _Package(f, wb, cached or {}, rows, compresslevel)
            try:
                _Writer(wb, package).save()
            except BaseException:
                package.fp = None  # a failed save leaves the file to its caller, not to the zip's finaliser
                raise
    finally:
        wb._sheets, wb._active_sheet_index = sheets, active
