"""The report's words against its tables: the narrative of a workbook, and the
cross-check of a report's prose with (or without) the workbook of its appendix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .crosscheck import crosscheck
from ..domain.issues import RULES, Issue, message
from .narrative import narrative
from .report import read_report
from ..read.reader import read_tables
from ..read.table import Table

__all__ = ["Narrative", "narrate_file", "crosscheck_report"]


@dataclass(frozen=True)
class Narrative:
    sheet: str
    period: str | None
    text: str


def _results(path: str | Path) -> list[Table]:
    _, tables = read_tables(path)
    return [t for t in tables if t.form == "results"]


def narrate_file(path: str | Path, period: str | None = None, pad_small: bool = True) -> list[Narrative]:
    """The summary paragraphs of every result table of a workbook.  Raises ReadError."""
    out = []
    for t in _results(path):
        label = period or (t.period.label if t.period else None)
        out.append(Narrative(t.sheet, label, narrative(t.totals(), t.unit_records(), label, pad_small=pad_small,
                                                     coverage=t.coverage)))
    return out


def crosscheck_report(report: str | Path, table: str | Path | None = None, lang: str = "vi") -> list[Issue]:
    """Findings (rule ``narrative_mismatch``) of a report's prose (.txt .md .docx),
    against the first result table of ``table`` when given (its total row for the
    report's own figures, its unit rows for the departments the text names).  A workbook
    in which no result table with counts can be read gives a ``no_table`` warning first,
    and the prose is checked against itself.  Raises ReadError/ProseError."""
    totals = units = None
    unread: list[Issue] = []
    if table is not None:
        results = _results(table)
        if results and results[0].totals():
            totals, units = results[0].totals(), results[0].unit_records()
        else:
            unread.append(Issue(str(table), None, None, None, None, None, "no_table", RULES["no_table"], None,
                                str(table), message("no_table.crosscheck", lang, found=str(table))))
    return unread + crosscheck(read_report(report), totals, source=str(report), lang=lang, units=units)
