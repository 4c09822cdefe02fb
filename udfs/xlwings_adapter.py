"""xl_tthc edit lists applied to a live workbook through xlwings, and the bulk reads
the ribbon macros need.

Reading the active sheet is one bulk call for the values and one for the formulas of
its used range.  Applying follows :func:`xl_tthc.sheet.edits.batches`: one call per
rectangle of values or formulas, one ``set_colors`` matrix per sheet for fills; only
notes and the fills/notes of the (few) marked cells go cell by cell, as Excel has no
bulk call for them.  No decision is taken here.
"""

from __future__ import annotations

from typing import Any, Iterable

from xl_tthc.sheet.edits import Batch, Edit, SheetGrid, batches
from xl_tthc.read.grid import Sheet

__all__ = ["AdapterError", "read_sheet", "read_values", "read_fills", "noted_cells", "apply", "alert", "ask_folder",
           "ask_text", "copy_first_sheet"]


class AdapterError(Exception):
    """Something this Excel (or xlwings engine) cannot do; ``text`` is Vietnamese."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


def _matrix(value: Any) -> list[list[Any]]:
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return [list(r) for r in value]
    if isinstance(value, (list, tuple)):
        return [list(value)]
    return [[value]]


def read_values(sheet) -> list[list[Any]]:
    """The values of a sheet's used range, anchored at A1 (one bulk read)."""
    rng = sheet.used_range
    rows = _matrix(rng.options(ndim=2).value)
    top, left = rng.row - 1, rng.column - 1
    width = left + len(rows[0])
    return [[None] * width for _ in range(top)] + [[None] * left + r for r in rows]


def read_sheet(sheet) -> SheetGrid:
    """Values and formulas of the sheet's used range.  An engine that cannot read
    formulas synchronously (xlwings' remote engine) gives values only."""
    values = read_values(sheet)
    formulas: dict[tuple[int, int], str] = {}
    rng = sheet.used_range
    try:
        raw = _matrix(rng.formula)
    except NotImplementedError:
        raw = []
    for i, row in enumerate(raw):
        for j, f in enumerate(row):
            if isinstance(f, str) and f.startswith("="):
                formulas[(rng.row - 1 + i, rng.column - 1 + j)] = f
    return SheetGrid(Sheet(sheet.name, values), formulas, set())


def read_fills(sheet, cells: Iterable[str]) -> dict[str, str | None]:
    """The fill colour of each cell as "#RRGGBB" (None: no fill)."""
    out: dict[str, str | None] = {}
    for cell in cells:
        try:
            rgb = sheet[cell].color
        except NotImplementedError:
            raise AdapterError("Phiên bản Excel/xlwings này không đọc được màu nền ô, nên không thể "
                               "ghi nhớ màu gốc trước khi đánh dấu.") from None
        out[cell] = None if rgb is None else "#{:02X}{:02X}{:02X}".format(*rgb)
    return out


def noted_cells(sheet, cells: Iterable[str]) -> list[str]:
    """Those of ``cells`` that carry a note."""
    return [c for c in cells if sheet[c].note is not None]


def _color(c: Any) -> Any:
    if c is ... or c is None:
        return c
    if isinstance(c, str) and c.startswith("#") and len(c) == 7:
        return c
    raise AdapterError(f"Không khôi phục được màu nền đã ghi nhớ ({c[:40]}…) trong Excel.")


def _sheet(book, name: str):
    for s in book.sheets:
        if s.name == name:
            return s
    return None


def _apply(book, b: Batch) -> None:
    if b.kind == "delete_sheet":
        s = _sheet(book, b.sheet)
        if s is not None:
            s.delete()
        return
    if b.kind == "add_sheet":
        s = book.sheets.add(b.sheet, after=book.sheets[len(book.sheets) - 1])
        if b.data:
            s.visible = False
        return
    sheet = _sheet(book, b.sheet)
    if b.kind == "column_width":
        sheet.range(f"{b.ref}:{b.ref}").column_width = b.data
        return
    rng = sheet.range(b.ref)
    if b.kind == "values":
        rng.value = b.data
    elif b.kind == "formulas":
        rng.formula = b.data
    elif b.kind == "number_format":
        rng.number_format = b.data
    elif b.kind == "fills":
        rng.set_colors([[_color(c) for c in row] for row in b.data])
    elif b.kind == "delete_note":
        if rng.note is not None:
            rng.note.delete()
    elif b.kind == "note":
        rng.add_note(b.data)
    else:
        raise ValueError(f"unknown batch kind {b.kind!r}")


def apply(book, edits: Iterable[Edit]) -> int:
    """Apply ``edits`` to ``book``; the active sheet stays active.  Returns the number
    of bulk operations."""
    active = book.sheets.active.name
    done = 0
    for b in batches(edits):
        _apply(book, b)
        done += 1
    sheet = _sheet(book, active)
    if sheet is not None and book.sheets.active.name != active:
        sheet.activate()
    return done


def alert(book, text: str, critical: bool = False) -> None:
    book.app.alert(text, "TTHC", mode="critical" if critical else "info")


def _app_api(book):
    """Excel's own Application object (COM on Windows)."""
    try:
        return book.app.api
    except (AttributeError, NotImplementedError):
        raise AdapterError("Chức năng này cần Excel trên Windows (hộp thoại của Excel).") from None


def ask_folder(book, title: str) -> str | None:
    """Excel's folder picker; None when cancelled."""
    dialog = _app_api(book).FileDialog(4)  # msoFileDialogFolderPicker
    dialog.Title = title
    if dialog.Show() != -1:
        return None
    return str(dialog.SelectedItems(1))


def ask_text(book, prompt: str, default: str = "") -> str | None:
    """Excel's input box; None when cancelled."""
    answer = _app_api(book).InputBox(prompt, "TTHC", default)
    return None if answer is False else str(answer)


def copy_first_sheet(book, path) -> None:
    """Copy the first sheet of the workbook file ``path`` to the end of ``book``."""
    source = book.app.books.open(str(path))
    try:
        source.sheets[0].copy(after=book.sheets[len(book.sheets) - 1])
    finally:
        source.close()
