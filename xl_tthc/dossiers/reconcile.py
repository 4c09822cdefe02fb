"""``reconcile``: every count of a typed appendix against the tally of the same unit
and field from the dossier exports.

The workbook is read with the project's reader (any layout ``check`` reads); a table of
lĩnh vực rows is compared with the tally by field, a table of departments with the
tally by unit.  Each differing cell is an Issue ``reconcile_mismatch`` at that cell,
with both figures ("bảng ghi 1.692, dữ liệu hồ sơ cho 1.629"); a unit on one side only
is reported too.  A total row is compared where its unit rows all agree, so one typed
figure is reported once.  Cells the reader cannot use (a formula without a cached value,
text) are left to ``check``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable

from ..domain.fields import label
from ..domain.issues import Issue, RULES, message, sort_issues
from ..domain.numbers import format_count
from ..domain.periods import Period
from ..domain.profiles import Profile, load_profile
from ..domain.text import fold
from ..domain.units import match_unit, split_province
from ..read.grid import ReadError
from ..read.reader import read_tables
from ..read.table import Row, Table
from .source import DossierError
from .tally import TallyResult, tally

__all__ = ["reconcile", "ReconcileResult"]


@dataclass
class ReconcileResult:
    workbook: str
    period: Period
    issues: list[Issue]
    compared: int  # cells compared
    tallies: dict[tuple[str, str | None], TallyResult] = field(default_factory=dict)  # by (by, unit)

    def to_dict(self) -> dict[str, Any]:
        tallied = next(iter(self.tallies.values()), None)
        return {"workbook": self.workbook, "period": self.period.key, "period_label": self.period.label,
                "compared": self.compared,
                "mismatches": sum(1 for i in self.issues if i.rule == "reconcile_mismatch"),
                "summary": tallied.summary if tallied else {},
                "issues": [i.to_dict() for i in self.issues]}


def _reporter(table: Table) -> str | None:
    """The department a table of lĩnh vực rows reports for, named in a title line
    ("Đơn vị báo cáo: Sở Tư pháp"), or None (then every dossier of the exports counts)."""
    for line in table.title.splitlines():
        for text in (line, line.rpartition(":")[2]):
            m = match_unit(text.strip(), suggest=False) if text.strip() else None
            if m is not None and m.unit is not None:
                return m.unit.name
    return None


def _key(kind: str, name: str) -> str:
    if kind == "unit":  # "Sở Tư pháp tỉnh Bình Thuận" is Sở Tư pháp
        return match_unit(split_province(name)[0], suggest=False).canonical
    return fold(name)


def _issue(table: Table, row: Row | None, column: str | None, unit: str, fieldname: str | None, key: str,
           lang: str, **params: Any) -> Issue:
    return Issue(table.file, table.sheet, row.excel_row if row else None, column, unit, fieldname,
                 "reconcile_mismatch", RULES["reconcile_mismatch"], params.get("expected"), params.get("found"),
                 message(key, lang, unit=unit, **params))


def _compare(table: Table, result: TallyResult, lang: str) -> tuple[list[Issue], int]:
    kind = result.by
    tallied = {_key(kind, r["unit"]): r for r in result.rows}
    fields = [f for f in table.count_fields if f in result.total]
    issues: list[Issue] = []
    compared = 0
    seen: set[str] = set()
    clean = dict.fromkeys(fields, True)
    for row in table.rows:
        key = _key(kind, row.label)
        mine = tallied.get(key)
        if mine is None:
            if any(row.count(f) for f in fields):
                col = table.columns[table.unit_column].letter if table.unit_column is not None else None
                issues.append(_issue(table, row, col, row.label, None, "reconcile_mismatch.missing_in_export", lang,
                                     period=result.period.label))
            continue
        seen.add(key)
        for f in fields:
            typed = row.count(f)
            if typed is None:
                continue
            compared += 1
            if typed != mine.get(f, 0):
                clean[f] = False
                issues.append(_cell_issue(table, row, f, row.label, typed, mine.get(f, 0), lang))
    if table.total is not None and not [r for r in table.rows if _key(kind, r.label) not in tallied]:
        for f in fields:
            typed = table.total.count(f)
            if typed is None or not clean[f]:
                continue
            compared += 1
            if typed != result.total.get(f, 0):
                issues.append(_cell_issue(table, table.total, f, table.total.label, typed, result.total[f], lang))
    for key, r in tallied.items():
        if key not in seen:
            issues.append(_issue(table, None, None, r["unit"], None, "reconcile_mismatch.missing_in_table", lang,
                                 found=format_count(r.get("received", 0))))
    return issues, compared


def _cell_issue(table: Table, row: Row, f: str, unit: str, typed: Fraction, tallied: int, lang: str) -> Issue:
    col = table.column(f)
    found = format_count(typed)
    expected = format_count(tallied)
    return _issue(table, row, col.letter if col else None, unit, f, "reconcile_mismatch", lang,
                  label=label(f, lang), found=found, expected=expected)


def reconcile(exports: Iterable[str | Path], workbook: str | Path, period: Period | str, *,
              profile: Profile | str | None = None, mapping: dict[str, str] | str | Path | None = None,
              unit: str | None = None, province: str | None = None, lang: str = "vi",
              memory_limit: str | None = None) -> ReconcileResult:
    """Compare every result table of ``workbook`` with the tally of ``exports`` for
    ``period``.  Raises DossierError when the workbook or an export cannot be read."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    exports = list(exports)
    try:
        _, tables = read_tables(workbook, prof.cutoff_day)
    except ReadError as e:
        raise DossierError(str(workbook), e.text("vi"), e.text("en")) from None
    tables = [t for t in tables if t.form == "results"]
    if not tables:
        raise DossierError(str(workbook), message("no_table", "vi"), message("no_table", "en"))
    tallies: dict[tuple[str, str | None], TallyResult] = {}
    issues: list[Issue] = []
    compared = 0
    per = None
    for t in tables:
        by = "field" if t.unit_kind == "field" else "unit"
        who = unit or (_reporter(t) if by == "field" else None)
        if (by, who) not in tallies:
            tallies[by, who] = tally(exports, period, by=by, profile=prof, mapping=mapping, unit=who,
                                     province=province, lang=lang, memory_limit=memory_limit)
        result = tallies[by, who]
        per = result.period
        if t.period is not None and (t.period.start, t.period.end) != (per.start, per.end):
            issues.append(Issue(t.file, t.sheet, None, None, None, None, "period_mismatch", RULES["period_mismatch"],
                                per.label, t.period.label,
                                message("period_mismatch", lang, found=t.period.label, expected=per.label)))
        found, n = _compare(t, result, lang)
        issues += found
        compared += n
    return ReconcileResult(str(workbook), per, sort_issues(issues), compared, tallies)
