"""The report's words against its tables: the narrative of a workbook, and the
cross-check of a report's prose with (or without) the workbook of its appendix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .crosscheck import crosscheck
from ..domain.issues import Issue
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
    against the first result table of ``table`` when given.  Raises ReadError/ProseError."""
    totals = None
    if table is not None:
        results = _results(table)
        totals = results[0].totals() if results else None
    return crosscheck(read_report(report), totals, source=str(report), lang=lang)
