"""Findings on formula cells: a cached result, or a number typed over a formula, that
disagrees with the recomputed value is ``stale_value``.

Only cells that already carry a value finding are looked at, so a clean workbook is
never opened a second time.
"""

from __future__ import annotations

from dataclasses import replace

from ..read.grid import Workbook
from ..domain.issues import Issue, message
from ..domain.fields import label
from ..read.table import Table

__all__ = ["mark_stale", "VALUE_RULES"]

IDENTITY_RULES = {"received_total", "received_channels", "resolved_total", "pending_total", "satisfaction_total"}
VALUE_RULES = {"total_row", "ratio_mismatch"} | IDENTITY_RULES


def _col_index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


def mark_stale(book: Workbook, table: Table, issues: list[Issue], lang: str = "vi") -> list[Issue]:
    """Relabel value findings on formula cells (and on constants in a column of formulas)."""
    if not book.can_detail:
        return issues
    # On the total row an identity is checked only once its SUM cells agree with the
    # units, so a failure there comes from the unit rows, not from a stale formula.
    total_row = table.total.excel_row if table.total else None
    flagged = {k for k, i in enumerate(issues) if i.rule in VALUE_RULES and i.row and i.column
               and not (i.row == total_row and i.rule in IDENTITY_RULES)}
    if not flagged:
        return issues
    columns = {_col_index(issues[k].column) for k in flagged}
    cells = {(issues[k].row - 1, _col_index(issues[k].column)) for k in flagged}
    siblings = {(r.index, c) for c in columns for r in table.rows}
    details = book.cell_details(table.sheet, cells | siblings)
    formulas_in = {c: sum(1 for r in table.rows if (d := details.get((r.index, c))) and d.formula) for c in columns}
    out = []
    for k, i in enumerate(issues):
        if k not in flagged:
            out.append(i)
            continue
        rc = (i.row - 1, _col_index(i.column))
        d = details.get(rc)
        lbl = label(i.field, lang) if i.field else ""
        if d and d.formula:
            out.append(replace(i, rule="stale_value", message=message(
                "stale_value", lang, label=lbl, found=i.found, expected=i.expected)))
            continue
        in_rows = any(r.index == rc[0] for r in table.rows)
        others = len(table.rows) - (1 if in_rows else 0)
        formulas = formulas_in[rc[1]]  # this cell holds no formula, so all are the others'
        if formulas >= 2 and formulas >= others // 2:
            out.append(replace(i, rule="stale_value", message=message(
                "stale_value.typed", lang, label=lbl, found=i.found, expected=i.expected)))
            continue
        out.append(i)
    return out
