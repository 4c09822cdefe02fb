"""Writing the appendix forms of :mod:`xl_tthc.forms` as Excel worksheets (openpyxl).

:func:`write_form` lays one form into a worksheet: the title with the period and unit
placeholders, the multi-row merged Vietnamese header and its column-numbering row,
the given rows (inputs as values, computed cells as formulas), the total row and the
"Tỷ lệ %" row as formulas (ratios of sums), Vietnamese number formats, input cells
unlocked and formula cells protected (no password), data validation refusing negative
and fractional counts, conditional formatting that colours a row whose identities fail
and a ratio that differs from its recomputation, A4 landscape print setup with
repeated header rows and frozen panes.  :func:`build_template` makes a whole template
workbook; :func:`save_workbook` writes a workbook with the cached results of its
formulas, deterministically (same input, same bytes).
"""

from __future__ import annotations

from copy import copy

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import openpyxl
from openpyxl.styles.cell_style import StyleArray
from lxml import etree
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .forms import FORM_PROPERTY, Form, FormColumn, compute, get_form, share_formula, total_formula
from .rules import IDENTITIES

__all__ = ["Layout", "write_form", "build_template", "save_template", "save_workbook", "mark_form", "form_of", "TEMPLATE_ROWS",
           "PLACEHOLDER"]

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


@dataclass
class Layout:
    """Where a form landed on its sheet (1-based rows) and the cached values of its
    formula cells ({"C9": value}), from :func:`xl_tthc.forms.compute`."""

    form: Form
    header_rows: tuple[int, int]
    numbering_row: int
    first_row: int
    last_row: int
    total_row: int
    ratio_row: int | None
    cached: dict[str, Any] = field(default_factory=dict)


def _cache_value(v: Any) -> Any:
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else float(v)
    return v


def _title_lines(form: Form, period_label: str | None, unit_label: str | None) -> list[str]:
    return [form.appendix, form.title, f"Kỳ báo cáo: {period_label or PLACEHOLDER}",
            f"{form.unit_label}: {unit_label or PLACEHOLDER}"]


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
    for r in range(top, top + depth):
        for c in range(1, n + 1):
            cell = ws.cell(r, c)
            cell.font = Font(name=_FONT, bold=True, size=10)
            cell.alignment = _CENTER
            cell.border = _BORDER
            cell.fill = _HEADER_FILL
    nrow = top + depth
    for c, col in enumerate(form.columns, start=1):
        cell = ws.cell(nrow, c, col.numbering)
        cell.font = Font(name=_FONT, italic=True, size=9)
        cell.alignment = _CENTER
        cell.border = _BORDER
        cell.number_format = "@"


def _identity_conditions(form: Form, row: int) -> list[str]:
    """Excel conditions true when an identity of :data:`xl_tthc.rules.IDENTITIES` (or
    the balance received = resolved + pending) fails on ``row``."""
    have = set(form.fields)
    ref = lambda f: f"${form.letter(f)}{row}"  # noqa: E731
    out = []
    for whole, alternatives, _rule, _key in IDENTITIES:
        if whole not in have:
            continue
        parts = next((p for p in alternatives if set(p) <= have), None)
        if parts:
            out.append(f"{ref(whole)}<>{'+'.join(ref(p) for p in parts)}")
    if {"received", "resolved", "pending"} <= have:
        out.append(f"{ref('received')}<>{ref('resolved')}+{ref('pending')}")
    return out


def _ratio_condition(form: Form, field_name: str, row: int) -> str:
    """True when the ratio cell differs from its recomputation (or is not blank where
    the denominator is 0)."""
    col = form.column(field_name)
    m = re.fullmatch(r'IF\(\{(\w+)\}=0,"",ROUND\((.+)/\{\w+\},\d+\)\)', col.formula or "")
    assert m, f"{form.name}.{field_name}: not a ratio pattern"
    fill = lambda s: re.sub(r"\{(\w+)\}", lambda k: f"${form.letter(k.group(1))}{row}", s)  # noqa: E731
    den, num = fill("{" + m.group(1) + "}"), fill(m.group(2))
    cell = f"{form.letter(field_name)}{row}"
    return f'IF({den}=0,{cell}<>"",OR(NOT(ISNUMBER({cell})),ABS({cell}-{num}/{den})>{_TOLERANCE}))'


def _add_checks(ws: Worksheet, form: Form, first: int, last: int, total: int) -> None:
    last_col = form.letter(form.fields[-1])
    if last >= first:
        conds = _identity_conditions(form, first)
        if conds:
            ws.conditional_formatting.add(f"A{first}:{last_col}{last}", FormulaRule(
                formula=[f"OR({','.join(conds)})"], fill=_FLAG_FILL, stopIfTrue=False))
    sums = [c.field for c in form.columns if c.total == "sum"]
    if sums and last >= first:
        typed = [f"${form.letter(f)}{total}<>SUM(${form.letter(f)}${first}:${form.letter(f)}${last})" for f in sums]
        ws.conditional_formatting.add(f"A{total}:{last_col}{total}", FormulaRule(
            formula=[f"OR({','.join(typed + _identity_conditions(form, total))})"], fill=_FLAG_FILL))
    for col in form.columns:
        if col.kind == "ratio" and col.formula is not None:
            letter = form.letter(col.field)
            ws.conditional_formatting.add(f"{letter}{first}:{letter}{total}", FormulaRule(
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


def _style_row(ws: Worksheet, form: Form, r: int, styles: dict[tuple, StyleArray], *, bold: bool = False,
               italic: bool = False, inputs: bool = False) -> None:
    """Style one row; ``styles`` keeps each distinct cell style built so far."""
    for c, col in enumerate(form.columns, start=1):
        cell = ws.cell(r, c)
        is_formula = isinstance(cell.value, str) and cell.value.startswith("=")
        key = (c, bold, italic, inputs, is_formula)
        if key in styles:  # building style objects per cell is most of the writing time
            cell._style = copy(styles[key])
            continue
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
        styles[key] = copy(cell._style)


def write_form(ws: Worksheet, form: Form | str, rows: Sequence[Mapping[str, Any]], *,
               period_label: str | None = None, unit_label: str | None = None,
               total_label: str = "Tổng cộng") -> Layout:
    """Write ``form`` into the empty worksheet ``ws`` with one unit row per mapping of
    ``rows`` (input fields and ``unit`` by canonical field name; missing inputs stay
    blank), then the total row and the "Tỷ lệ %" row.  Returns where it all went and the
    cached values of the formula cells."""
    form = get_form(form) if isinstance(form, str) else form
    n = len(form.columns)
    last_col = form.letter(form.fields[-1])
    titles = _title_lines(form, period_label, unit_label)
    for i, text in enumerate(titles, start=1):
        cell = ws.cell(i, 1, text)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=n)
        cell.font = Font(name=_FONT, bold=i <= 2, italic=i > 2, size=13 if i <= 2 else 11)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        if i > 2:
            cell.protection = Protection(locked=False)  # the period and unit are typed in
    top = len(titles) + 2
    _write_header(ws, form, top)
    numbering = top + form.header_depth
    first = numbering + 1
    last = first + len(rows) - 1
    total = last + 1
    styles: dict[tuple, StyleArray] = {}
    computed = compute(form, rows)
    layout = Layout(form, (top, numbering - 1), numbering, first, last, total,
                    total + 1 if form.ratio_row else None)

    for i, (given, values) in enumerate(zip(rows, computed.rows)):
        r = first + i
        for c, col in enumerate(form.columns, start=1):
            letter = form.letter(col.field)
            if col.field == "stt":
                ws.cell(r, c, i + 1)
            elif col.formula is not None:
                ws.cell(r, c, "=" + re.sub(r"\{(\w+)\}", lambda m: f"{form.letter(m.group(1))}{r}", col.formula))
                layout.cached[f"{letter}{r}"] = _cache_value(values[col.field])
            else:
                v = given.get(col.field)
                ws.cell(r, c, _cache_value(v) if isinstance(v, Fraction) else v)
        _style_row(ws, form, r, styles, inputs=True)

    ws.cell(total, form.fields.index("unit") + 1, total_label)
    for c, col in enumerate(form.columns, start=1):
        f = total_formula(form, col.field, total, first, last)
        if f is not None:
            ws.cell(total, c, f)
            layout.cached[f"{form.letter(col.field)}{total}"] = _cache_value(computed.total[col.field])
    _style_row(ws, form, total, styles, bold=True)
    if layout.ratio_row:
        rr = layout.ratio_row
        ws.cell(rr, form.fields.index("unit") + 1, "Tỷ lệ %")
        for c, col in enumerate(form.columns, start=1):
            f = share_formula(form, col.field, total)
            if f is not None:
                ws.cell(rr, c, f)
                layout.cached[f"{form.letter(col.field)}{rr}"] = _cache_value(computed.shares[col.field])
        _style_row(ws, form, rr, styles, bold=True, italic=True)
        for c, col in enumerate(form.columns, start=1):
            if col.kind == "count":
                ws.cell(rr, c).number_format = "0.00%"

    for c, col in enumerate(form.columns, start=1):
        ws.column_dimensions[form.letter(col.field)].width = col.width
    for r in range(top, numbering):
        ws.row_dimensions[r].height = 36 if r < numbering - 1 else 48
    _add_validation(ws, form, first, last)
    _add_checks(ws, form, first, last, total)

    ws.freeze_panes = f"C{first}"
    ws.print_title_rows = f"{top}:{numbering}"
    ws.print_area = f"A1:{last_col}{layout.ratio_row or total}"
    ws.page_setup.orientation = "landscape"
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


def form_of(wb: openpyxl.Workbook) -> str | None:
    """The form name a workbook was generated from (its custom document property)."""
    for p in wb.custom_doc_props.props:
        if p.name == FORM_PROPERTY:
            return p.value
    return None


def _template(name: str, period_label: str | None, unit_label: str | None,
              units: Iterable[str] | None) -> tuple[openpyxl.Workbook, Layout]:
    form = get_form(name)
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


def mark_form(wb: openpyxl.Workbook, name: str) -> None:
    """Record the form name in the workbook (custom document property)."""
    wb.custom_doc_props.append(StringProperty(name=FORM_PROPERTY, value=name))


# --- saving with cached formula results ------------------------------------------

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    wbx = etree.fromstring(z.read("xl/workbook.xml"))
    rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for s in wbx.iterfind("m:sheets/m:sheet", _NS):
        t = targets[s.get(_R)]
        out[s.get("name")] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
    return out


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


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def save_workbook(wb: openpyxl.Workbook, path: str | Path,
                  cached: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Save ``wb`` to ``path`` with the cached results of its formulas (``cached``:
    sheet title -> {"C9": value}), so readers that do not calculate (and Excel before
    its recalculation on load) see the values.  The bytes depend only on the content."""
    wb.properties.created = _FIXED_TIME
    wb.properties.creator = "xl_tthc"
    buf = io.BytesIO()
    wb.save(buf)
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src:
        parts = {v: k for k, v in _sheet_parts(src).items()}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename in parts and cached and parts[info.filename] in cached:
                    data = _inject(data, cached[parts[info.filename]])
                elif info.filename == "docProps/core.xml":
                    data = _MODIFIED.sub(rb"<dcterms:modified\1>" + stamp + rb"</dcterms:modified>", data)
                zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = 0o600 << 16
                dst.writestr(zi, data)
    Path(path).write_bytes(out.getvalue())

