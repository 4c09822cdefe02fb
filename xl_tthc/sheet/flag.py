"""The decision part of "Kiểm tra" (mark the findings on the sheet) and "Xóa đánh dấu"
(remove exactly those marks).

"Kiểm tra" fills every cell a finding points at (errors light red, warnings light
yellow; findings without a cell, and info, are only listed), adds a note with the
Vietnamese messages, and writes the sheet "Kiểm tra TTHC": one row per finding with a
HYPERLINK to its cell.  What it changed is recorded on the hidden sheet
"Đánh dấu TTHC" (sheet, cell, the fill the cell had before, whether the note is
ours), which is saved with the workbook; "Xóa đánh dấu" reads it back, restores each
recorded fill, deletes only the notes we added and removes both sheets.  A cell
that already carried someone's note keeps it (the finding is still listed).
Running "Kiểm tra" again first undoes the previous marks, keeping the fills recorded
the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .edits import AddSheet, ColumnWidth, DeleteNote, DeleteSheet, Edit, Fill, Note, WriteFormula, WriteValue
from ..read.grid import Sheet
from ..domain.issues import Issue, sort_issues
from ..domain.profiles import Profile, load_profile
from ..read.reader import find_tables
from ..rules.table_rules import check_table

__all__ = ["ISSUE_SHEET", "MARK_SHEET", "COLORS", "Mark", "check_sheet", "targets", "fills_needed", "read_marks", "flag_edits",
           "clear_edits"]

ISSUE_SHEET = "Kiểm tra TTHC"
MARK_SHEET = "Đánh dấu TTHC"
COLORS = {"error": "#FFC7CE", "warning": "#FFEB9C"}
_MARK_HEADER = ["Trang tính", "Ô", "Màu nền trước khi đánh dấu", "Ghi chú do Kiểm tra thêm"]
_YES = "có"
_SEVERITY = {"error": ("Lỗi", "Error"), "warning": ("Cảnh báo", "Warning"), "info": ("Thông tin", "Info")}
_ISSUE_HEADER = (["STT", "Ô", "Đơn vị", "Mức độ", "Nội dung", "Giá trị ghi", "Giá trị đúng"],
                 ["No.", "Cell", "Unit", "Severity", "Message", "Found", "Expected"])
_WIDTHS = (6, 8, 30, 11, 90, 14, 14)


@dataclass(frozen=True)
class Mark:
    """One marked cell: ``fill`` is the fill it had before (None: no fill), ``note``
    whether the note on it is ours."""

    sheet: str
    cell: str
    fill: str | None
    note: bool


def check_sheet(sheet: Sheet, file: str = "", profile: Profile | None = None, lang: str = "vi") -> list[Issue]:
    """The findings of every recognised table on a sheet."""
    prof = profile or load_profile(None)
    issues: list[Issue] = []
    for table in find_tables(sheet, file, prof.cutoff_day, prof.columns):
        issues += check_table(table, prof, lang)
    return sort_issues(issues)


def targets(issues: Iterable[Issue]) -> list[str]:
    """The cells to mark: those an error or warning points at, in reading order."""
    return list(dict.fromkeys(i.cell for i in issues if i.row and i.column and i.severity in COLORS))


def fills_needed(sheet: str, issues: Iterable[Issue], previous: list[Mark]) -> list[str]:
    """The target cells whose current fill must be read: those not marked already
    (for those the record keeps the fill from before the first mark)."""
    marked = {m.cell for m in previous if m.sheet == sheet}
    return [c for c in targets(issues) if c not in marked]


def read_marks(values: list[list[Any]] | None) -> list[Mark]:
    """The record on the hidden sheet (its values, as read), [] when there is none."""
    if not values:
        return []
    marks = []
    for row in values[1:]:
        row = list(row) + [None] * 4
        if row[0] and row[1]:
            marks.append(Mark(str(row[0]), str(row[1]), str(row[2]) if row[2] else None, row[3] == _YES))
    return marks


def clear_edits(marks: list[Mark], record_exists: bool) -> list[Edit]:
    """Undo the marks of "Kiểm tra": restore fills, delete our notes, drop our sheets."""
    if not record_exists:
        return []
    edits: list[Edit] = []
    for m in marks:
        edits.append(Fill(m.sheet, m.cell, m.fill))
        if m.note:
            edits.append(DeleteNote(m.sheet, m.cell))
    return edits + [DeleteSheet(ISSUE_SHEET), DeleteSheet(MARK_SHEET)]


def _link(sheet: str, cell: str) -> str:
    target = "#'" + sheet.replace("'", "''") + "'!" + cell
    return f'=HYPERLINK("{target.replace(chr(34), chr(34) * 2)}","{cell}")'


def flag_edits(sheet: str, issues: list[Issue], fills: Mapping[str, str | None], noted: Iterable[str],
               previous: list[Mark], record_exists: bool, lang: str = "vi") -> list[Edit]:
    """Mark ``issues`` on ``sheet``.  ``fills``: the current fill of each target cell
    (see :func:`targets`); ``noted``: cells of the sheet that carry a note now;
    ``previous``: the record of an earlier "Kiểm tra" (``record_exists`` when the
    hidden sheet is there)."""
    en = lang == "en"
    edits = clear_edits(previous, record_exists)
    before = {(m.sheet, m.cell): m for m in previous}
    ours = {m.cell for m in previous if m.sheet == sheet and m.note}
    foreign_notes = set(noted) - ours
    cells = targets(issues)
    marks: list[Mark] = []
    for cell in cells:
        mine = [i for i in issues if i.cell == cell and i.severity in COLORS]
        color = COLORS["error"] if any(i.severity == "error" for i in mine) else COLORS["warning"]
        old = before.get((sheet, cell))
        original = old.fill if old is not None else fills[cell]
        add_note = cell not in foreign_notes
        edits.append(Fill(sheet, cell, color))
        if add_note:
            edits.append(Note(sheet, cell, "TTHC:\n" + "\n".join(i.message for i in mine)))
        marks.append(Mark(sheet, cell, original, add_note))
    edits += [AddSheet(ISSUE_SHEET), *_issue_sheet(sheet, issues, en), AddSheet(MARK_SHEET, hidden=True)]
    for c, text in enumerate(_MARK_HEADER):
        edits.append(WriteValue(MARK_SHEET, f"{'ABCD'[c]}1", text))
    for r, m in enumerate(marks, start=2):
        edits += [WriteValue(MARK_SHEET, f"A{r}", m.sheet), WriteValue(MARK_SHEET, f"B{r}", m.cell),
                  WriteValue(MARK_SHEET, f"C{r}", m.fill or ""), WriteValue(MARK_SHEET, f"D{r}", _YES if m.note else "")]
    return edits


def _issue_sheet(sheet: str, issues: list[Issue], en: bool) -> list[Edit]:
    out: list[Edit] = []
    errors = sum(i.severity == "error" for i in issues)
    warnings = sum(i.severity == "warning" for i in issues)
    title = (f"Findings on sheet \"{sheet}\"" if en else f"Kết quả kiểm tra trang tính \"{sheet}\"")
    if issues:
        summary = (f"{errors} errors, {warnings} warnings, {len(issues)} findings in all" if en else
                   f"{errors} lỗi, {warnings} cảnh báo, tổng cộng {len(issues)} phát hiện")
    else:
        summary = "No findings." if en else "Không phát hiện sai sót."
    out += [WriteValue(ISSUE_SHEET, "A1", title), WriteValue(ISSUE_SHEET, "A2", summary)]
    header = _ISSUE_HEADER[1 if en else 0]
    for c, text in enumerate(header):
        out.append(WriteValue(ISSUE_SHEET, f"{'ABCDEFG'[c]}4", text))
        out.append(ColumnWidth(ISSUE_SHEET, "ABCDEFG"[c], _WIDTHS[c]))
    for n, i in enumerate(issues, start=1):
        r = n + 4
        out.append(WriteValue(ISSUE_SHEET, f"A{r}", n))
        if i.cell and i.column:
            out.append(WriteFormula(ISSUE_SHEET, f"B{r}", _link(i.sheet or sheet, i.cell)))
        else:
            out.append(WriteValue(ISSUE_SHEET, f"B{r}", ""))
        out += [WriteValue(ISSUE_SHEET, f"C{r}", i.unit or ""),
                WriteValue(ISSUE_SHEET, f"D{r}", _SEVERITY[i.severity][1 if en else 0]),
                WriteValue(ISSUE_SHEET, f"E{r}", i.message),
                WriteValue(ISSUE_SHEET, f"F{r}", i.found or ""),
                WriteValue(ISSUE_SHEET, f"G{r}", i.expected or "")]
    return out
