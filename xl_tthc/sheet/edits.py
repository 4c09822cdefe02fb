"""Sheet edits as data, and the adapter that applies them to a workbook file.

The ribbon buttons and the CLI decide what to change in the core and return it as a
list of small frozen records (:class:`WriteValue`, :class:`WriteFormula`, :class:`Fill`,
:class:`Note` …), each positioned by sheet name and A1 cell.  :func:`batches` turns a
list into few bulk operations (rectangles of values or formulas, one fill matrix per
sheet), which both adapters follow: :func:`apply_to_file` here (openpyxl) and
``udfs/xlwings_adapter.py`` (a live Excel book).

Order: edits are applied phase by phase (sheets deleted, sheets added, contents,
number formats, column widths, fills, notes deleted, notes added); within a phase the
last edit of a cell wins.

A fill colour is ``"#RRGGBB"``, ``None`` for no fill, or (read back from a file by
:func:`read_fills`) ``"xml:<patternFill …/>"``, the exact openpyxl fill.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Union

from ..forms.templates import form_of, mark_form, save_workbook
from ..read.grid import ReadError, Sheet, Workbook
from ..read.errors import unexpected_error
from ..read.untrusted import read_untrusted
from ..domain.issues import column_letter
from ..domain.output import write_atomically

__all__ = [
    "WriteValue", "WriteFormula", "NumberFormat", "ColumnWidth", "Fill", "Note", "DeleteNote",
    "AddSheet", "DeleteSheet", "Edit", "Batch", "batches", "cell_ref", "parse_cell",
    "SheetGrid", "load_grids", "read_fills", "apply_to_file", "MAX_FILL_CELLS",
]


@dataclass(frozen=True)
class WriteValue:
    sheet: str
    cell: str
    value: str | int | float | None


@dataclass(frozen=True)
class WriteFormula:
    sheet: str
    cell: str
    formula: str  # plain Excel, starting with "="
    # what the formula computes, cached beside it in a file (Excel computes it itself);
    # None: not known (a file keeps the formula without a cached value)
    value: str | int | float | None = None


@dataclass(frozen=True)
class NumberFormat:
    sheet: str
    cell: str
    format: str


@dataclass(frozen=True)
class ColumnWidth:
    sheet: str
    column: str  # letter
    width: float


@dataclass(frozen=True)
class Fill:
    sheet: str
    cell: str
    color: str | None


@dataclass(frozen=True)
class Note:
    sheet: str
    cell: str
    text: str


@dataclass(frozen=True)
class DeleteNote:
    sheet: str
    cell: str


@dataclass(frozen=True)
class AddSheet:
    name: str
    hidden: bool = False


@dataclass(frozen=True)
class DeleteSheet:
    name: str


Edit = Union[WriteValue, WriteFormula, NumberFormat, ColumnWidth, Fill, Note, DeleteNote, AddSheet, DeleteSheet]

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def parse_cell(ref: str) -> tuple[int, int]:
    """"G10" -> (9, 6), 0-based row and column."""
    m = _CELL.match(ref.upper())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def cell_ref(row: int, col: int) -> str:
    """(9, 6) -> "G10"."""
    return f"{column_letter(col)}{row + 1}"


@dataclass(frozen=True)
class Batch:
    """One bulk operation.  ``kind``: delete_sheet, add_sheet, values, formulas,
    number_format, column_width, fills, delete_note, note.  ``ref`` is an A1 cell or
    range; ``data`` a row-major matrix (values, formulas, fills; ``...`` in a fill
    matrix keeps that cell's fill), a format, a width, a note text, or for add_sheet
    whether the sheet is hidden."""

    kind: str
    sheet: str
    ref: str = ""
    data: Any = None


# Above this many cells a sheet's fills go out as one batch per rectangle instead of
# one matrix over their bounding box (xlwings' set_colors takes at most 10,000).
MAX_FILL_CELLS = 10_000


def _rectangles(cells: Mapping[tuple[int, int], Any]) -> list[tuple[int, int, list[list[Any]]]]:
    """Cover exactly the given cells with few rectangles: runs along rows, merged
    down while they span the same columns.  -> (top, left, matrix)."""
    runs: list[tuple[int, int, int]] = []  # row, first col, last col
    for r, c in sorted(cells):
        if runs and runs[-1][0] == r and runs[-1][2] == c - 1:
            runs[-1] = (r, runs[-1][1], c)
        else:
            runs.append((r, c, c))
    rects: list[list[int]] = []  # top, bottom, left, right
    open_by_span: dict[tuple[int, int], list[int]] = {}
    for r, c0, c1 in runs:
        rect = open_by_span.get((c0, c1))
        if rect is not None and rect[1] == r - 1:
            rect[1] = r
        else:
            rect = [r, r, c0, c1]
            rects.append(rect)
            open_by_span[(c0, c1)] = rect
    return [(t, left, [[cells[(r, c)] for c in range(left, right + 1)] for r in range(t, b + 1)])
            for t, b, left, right in rects]


def _range_ref(top: int, left: int, matrix: list[list[Any]]) -> str:
    first = cell_ref(top, left)
    if len(matrix) == 1 and len(matrix[0]) == 1:
        return first
    return f"{first}:{cell_ref(top + len(matrix) - 1, left + len(matrix[0]) - 1)}"


def _fill_batches(sheet: str, cells: dict[tuple[int, int], str | None]) -> list[Batch]:
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    top, left = min(rows), min(cols)
    height, width = max(rows) - top + 1, max(cols) - left + 1
    if height * width <= MAX_FILL_CELLS:
        matrix = [[cells.get((top + i, left + j), ...) for j in range(width)] for i in range(height)]
        return [Batch("fills", sheet, _range_ref(top, left, matrix), matrix)]
    return [Batch("fills", sheet, _range_ref(t, lft, m), m) for t, lft, m in _rectangles(cells)]


def batches(edits: Iterable[Edit]) -> list[Batch]:
    """The bulk operations that apply ``edits``, in phase order."""
    deleted: list[str] = []
    added: dict[str, bool] = {}
    content: dict[str, dict[tuple[int, int], tuple[str, Any]]] = {}
    formats: dict[tuple[str, str], dict[tuple[int, int], bool]] = {}
    widths: dict[tuple[str, str], float] = {}
    fills: dict[str, dict[tuple[int, int], str | None]] = {}
    note_deletes: dict[tuple[str, str], None] = {}
    notes: dict[tuple[str, str], str] = {}
    for e in edits:
        if isinstance(e, DeleteSheet):
            deleted.append(e.name)
        elif isinstance(e, AddSheet):
            added[e.name] = e.hidden
        elif isinstance(e, WriteValue):
            content.setdefault(e.sheet, {})[parse_cell(e.cell)] = ("values", e.value)
        elif isinstance(e, WriteFormula):
            content.setdefault(e.sheet, {})[parse_cell(e.cell)] = ("formulas", e.formula)
        elif isinstance(e, NumberFormat):
            rc = parse_cell(e.cell)
            for key in [k for k in formats if k[0] == e.sheet]:
                formats[key].pop(rc, None)
            formats.setdefault((e.sheet, e.format), {})[rc] = True
        elif isinstance(e, ColumnWidth):
            widths[(e.sheet, e.column)] = e.width
        elif isinstance(e, Fill):
            fills.setdefault(e.sheet, {})[parse_cell(e.cell)] = e.color
        elif isinstance(e, DeleteNote):
            note_deletes[(e.sheet, e.cell)] = None
            notes.pop((e.sheet, e.cell), None)
        elif isinstance(e, Note):
            notes[(e.sheet, e.cell)] = e.text
        else:
            raise TypeError(f"not an edit: {e!r}")
    out = [Batch("delete_sheet", name) for name in dict.fromkeys(deleted)]
    out += [Batch("add_sheet", name, data=hidden) for name, hidden in added.items()]
    for sheet, cells in content.items():
        for kind in ("values", "formulas"):
            mine = {rc: v for rc, (k, v) in cells.items() if k == kind}
            out += [Batch(kind, sheet, _range_ref(t, left, m), m) for t, left, m in _rectangles(mine)]
    for (sheet, fmt), cells in formats.items():
        out += [Batch("number_format", sheet, _range_ref(t, left, m), fmt) for t, left, m in _rectangles(cells)]
    out += [Batch("column_width", sheet, col, width) for (sheet, col), width in widths.items()]
    for sheet, cells in fills.items():
        out += _fill_batches(sheet, cells)
    out += [Batch("delete_note", sheet, cell) for sheet, cell in note_deletes]
    out += [Batch("note", sheet, cell, text) for (sheet, cell), text in notes.items()]
    return out


# --- the openpyxl adapter ----------------------------------------------------------

_OPENPYXL_FORMATS = ("xlsx", "xlsm")


@dataclass
class SheetGrid:
    """A sheet as the buttons see it: values (cached results for formula cells) and
    merged ranges as a :class:`~xl_tthc.read.grid.Sheet`, the formulas by 0-based cell,
    and the cells that carry a note."""

    sheet: Sheet
    formulas: dict[tuple[int, int], str]
    notes: set[tuple[int, int]]
    hidden: bool = False


def _cached_values(wb: Any, src: Path, edits: list[Edit]) -> dict[str, dict[str, Any]]:
    """sheet -> {cell: cached value} for every formula cell of ``wb``: the value of the
    edit that wrote it, else the cached value of the same cell in the file ``src``
    (read from its XML, so a cached "" stays "" and an error stays an error)."""
    written = {(e.sheet, e.cell.replace("$", "").upper()): e.value for e in edits if isinstance(e, WriteFormula)}
    fmt, data = _format_and_bytes(src)
    source = Workbook(src, fmt, [], data)
    out: dict[str, dict[str, Any]] = {}
    for ws in wb.worksheets:
        formulas = {(cell.row - 1, cell.column - 1): cell.coordinate for row in ws.iter_rows() for cell in row
                    if cell.data_type == "f"}
        keep = [rc for rc, ref in formulas.items() if (ws.title, ref) not in written]
        try:
            before = source.cell_details(ws.title, keep) if keep else {}
        except (KeyError, StopIteration):  # a sheet the edits added
            before = {}
        mine: dict[str, Any] = {}
        for rc, ref in formulas.items():
            value = written[(ws.title, ref)] if (ws.title, ref) in written else getattr(before.get(rc), "cached", None)
            if value is not None:
                mine[ref] = value
        if mine:
            out[ws.title] = mine
    return out


def _load(path: Path, data_only: bool):
    import openpyxl

    fmt, data = _format_and_bytes(path)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only, keep_vba=(fmt == "xlsm"),
                                      keep_links=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many unrelated types on odd files
        raise unexpected_error(str(path), e) from None


def _format_and_bytes(path: Path) -> tuple[str, bytes]:
    """The format and bytes of a workbook openpyxl is to load, every XML part checked."""
    from ..read.grid import _sniff_checked

    data = read_untrusted(path)
    fmt = _sniff_checked(path, data, "all")[0]
    if fmt not in _OPENPYXL_FORMATS:
        raise ReadError(str(path), f"chỉ ghi được tệp .xlsx/.xlsm, tệp này là .{fmt}",
                        "Hãy mở bằng Excel và lưu dưới dạng .xlsx.",
                        reason_en=f"only .xlsx/.xlsm files can be written, this one is .{fmt}",
                        hint_en="Open it in Excel and save it as .xlsx.")
    return fmt, data


def load_grids(path: str | Path) -> list[SheetGrid]:
    """Every worksheet of an .xlsx/.xlsm file as a :class:`SheetGrid` (read-only)."""
    p = Path(path)
    if not p.is_file():
        raise ReadError(str(p), "không tìm thấy tệp", "Kiểm tra lại đường dẫn.",
                        reason_en="no such file", hint_en="Check the path.")
    formulas_wb, values_wb = _load(p, False), _load(p, True)
    out = []
    for ws in formulas_wb.worksheets:
        cached = values_wb[ws.title]
        values: list[list[Any]] = [[None] * ws.max_column for _ in range(ws.max_row)]
        formulas: dict[tuple[int, int], str] = {}
        notes: set[tuple[int, int]] = set()
        for row in ws.iter_rows():
            for cell in row:
                if not hasattr(cell, "column") or cell.value is None and cell.comment is None:
                    continue  # a merged cell, or an empty one
                r, c = cell.row - 1, cell.column - 1
                if cell.data_type == "f":
                    formulas[(r, c)] = getattr(cell.value, "text", cell.value)  # ArrayFormula has .text
                    values[r][c] = cached.cell(cell.row, cell.column).value
                else:
                    values[r][c] = cell.value
                if cell.comment is not None:
                    notes.add((r, c))
        merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        out.append(SheetGrid(Sheet(ws.title, values, merged), formulas, notes, ws.sheet_state != "visible"))
    return out


def read_fills(path: str | Path, sheet: str, cells: Iterable[str]) -> dict[str, str | None]:
    """The exact fill of each cell, as "xml:<patternFill …/>" (None for no fill)."""
    from openpyxl.styles import PatternFill
    from openpyxl.xml.functions import tostring

    ws = _load(Path(path), False)[sheet]
    out: dict[str, str | None] = {}
    for ref in cells:
        fill = ws[ref].fill
        out[ref] = None if fill == PatternFill() else "xml:" + tostring(fill.to_tree()).decode("utf-8")
    return out


def _fill(color: str | None):
    from openpyxl.styles import PatternFill
    from openpyxl.styles.fills import Fill as OpenpyxlFill
    from openpyxl.xml.functions import fromstring

    if color is None:
        return PatternFill()
    if color.startswith("xml:"):
        return OpenpyxlFill.from_tree(fromstring(color[4:]))
    rgb = "FF" + color.lstrip("#").upper()
    return PatternFill(fill_type="solid", fgColor=rgb, bgColor=rgb)


def _apply_batch(wb, b: Batch) -> None:
    from openpyxl.comments import Comment
    from openpyxl.utils.cell import range_boundaries

    if b.kind == "delete_sheet":
        if b.sheet in wb.sheetnames:
            del wb[b.sheet]
        return
    if b.kind == "add_sheet":
        ws = wb.create_sheet(b.sheet)
        ws.sheet_state = "hidden" if b.data else "visible"
        return
    ws = wb[b.sheet]
    if b.kind == "column_width":
        ws.column_dimensions[b.ref].width = b.data
        return
    if b.kind in ("note", "delete_note"):
        ws[b.ref].comment = Comment(b.data, "xl_tthc", width=320, height=120) if b.kind == "note" else None
        return
    left, top, right, bottom = range_boundaries(b.ref if ":" in b.ref else f"{b.ref}:{b.ref}")
    for i, r in enumerate(range(top, bottom + 1)):
        for j, c in enumerate(range(left, right + 1)):
            cell = ws.cell(r, c)
            if b.kind in ("values", "formulas"):
                cell.value = b.data[i][j]
            elif b.kind == "number_format":
                cell.number_format = b.data
            elif b.kind == "fills" and b.data[i][j] is not ...:
                cell.fill = _fill(b.data[i][j])


def apply_to_file(src: str | Path, edits: Iterable[Edit], out: str | Path, marker: str | None = None) -> Path:
    """Apply ``edits`` to a copy of ``src`` written atomically to ``out`` (never ``src``).

    Every formula of the copy keeps a cached value, so readers that do not recalculate
    see numbers: a formula an edit writes caches the edit's ``value``, one already there
    its cached value in ``src``.  The copy carries ``src``'s form mark, else ``marker``
    (:mod:`xl_tthc.read.marker`)."""
    src, out = Path(src), Path(out)
    if src.resolve() == out.resolve():
        raise ValueError(f"{out}: refusing to overwrite the input file")
    edits = list(edits)
    wb = _load(src, False)
    for b in batches(edits):
        _apply_batch(wb, b)
    cached = _cached_values(wb, src, edits)
    if marker and form_of(wb) is None:
        mark_form(wb, marker)
    wb.calculation.fullCalcOnLoad = True
    return write_atomically(out, lambda tmp: save_workbook(wb, tmp, cached, stamp=False))
