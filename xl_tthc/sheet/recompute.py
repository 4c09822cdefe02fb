"""The decision part of "Tính lại" and ``xl-tthc recompute``.

For every recognised table on a sheet, put back the native formulas a template would
hold: the count columns the official forms of :mod:`xl_tthc.forms.definitions` compute (received
= carried_over + received_new, resolved = early + on time + late, …; where a layout
has other parts, the alternative of the identities of :mod:`xl_tthc.rules.table_rules`), SUM on the
total row, ratio columns as ``IF(den=0, …, ROUND(num/den, …))`` per row and as the
ratio of the sums on the total row, and each share of the "Tỷ lệ %" row from the total
row.  Every formula is plain Excel (SUM, IF, ROUND, + and /).

The result is an edit list (:mod:`xl_tthc.sheet.edits`) plus, for each cell it rewrites,
what the cell held and what the formula will compute; a cell whose typed-over value
differs becomes a ``stale_value`` Issue.  A cell that already holds a formula whose
result agrees is left alone; cells whose inputs are not numbers, and footnoted ratio
texts such as "36,21(*)", are not touched.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

from .edits import Edit, NumberFormat, WriteFormula, apply_to_file, cell_ref, load_grids
from ..domain.fields import RATIOS, SHARE_OF, label
from ..forms.definitions import FORMS
from ..read.grid import Sheet
from ..read.marker import PROVINCIAL, PROVINCIAL_SHEET, RECOMPUTED, form_marker
from ..domain.issues import Issue, message, sort_issues
from ..domain.numbers import excel_round, format_count, format_decimal, format_percent
from ..domain.profiles import Profile, load_profile
from ..read.reader import find_tables
from ..rules.table_rules import IDENTITIES, ratio_denominators
from ..read.table import Row, Table, Value

__all__ = ["Change", "Recomputation", "recompute_sheet", "recompute_file"]

# field -> its parts, in every form of xl_tthc.forms.definitions that computes it as a plain sum
_FORM_SUMS: dict[str, list[tuple[str, ...]]] = {}
for _form in FORMS.values():
    for _col in _form.columns:
        if _col.formula and _col.kind == "count":
            _parts = tuple(re.findall(r"\{(\w+)\}", _col.formula))
            if _parts not in _FORM_SUMS.setdefault(_col.field, []):
                _FORM_SUMS[_col.field].append(_parts)
_FOOTNOTE = re.compile(r"\*|\(\d\)\s*$")
_ZERO_FORMULA = {"blank": '""', "any": '""', "dash": '"—"', "zero": "0"}


@dataclass(frozen=True)
class Change:
    """One cell the recomputation rewrites with ``formula``.  ``found`` is what the
    cell held (as written), ``expected`` what the formula computes (Vietnamese text,
    "" for a blank), ``differs`` whether they disagree."""

    sheet: str
    cell: str
    unit: str
    field: str
    formula: str
    found: str
    expected: str
    differs: bool
    was_formula: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Recomputation:
    edits: list[Edit] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def extend(self, other: "Recomputation") -> None:
        self.edits += other.edits
        self.changes += other.changes
        self.issues = sort_issues(self.issues + other.issues)
        self.tables += other.tables

    def to_dict(self) -> dict[str, Any]:
        return {
            "tables": [{"sheet": t.sheet, "form": t.form, "header_rows": [r + 1 for r in t.header_rows]}
                       for t in self.tables],
            "changes": [c.to_dict() for c in self.changes],
            "issues": [i.to_dict() for i in self.issues],
        }


def _cell(x: Fraction | None) -> int | float | None:
    """An exact result as a cached cell value: an int when whole."""
    if x is None:
        return None
    return int(x) if x.denominator == 1 else float(x)


def _norm(formula: str) -> str:
    return formula.replace("$", "").replace(" ", "").upper()


def _raw(v: Value | None) -> str:
    return "" if v is None or v.raw is None else str(v.raw).strip()


def _count(v: Value | None) -> Fraction | None:
    """A count cell's value: 0 for a blank (as Excel sums it), None when unusable."""
    if v is None or v.blank:
        return Fraction(0)
    if v.usable and not v.number.percent:
        return v.number.value
    return None


@dataclass(frozen=True)
class _Scale:
    hundred: bool  # the column holds 94.87 rather than 0.9487
    decimals: int

    @property
    def number_format(self) -> str:
        digits = "0." + "0" * self.decimals if self.decimals else "0"
        return digits if self.hundred else digits + "%"

    def zero_value(self, convention: str) -> int | str:
        """What the formula gives for a zero denominator (the profile's convention)."""
        if convention == "hundred":
            return 100 if self.hundred else 1
        return {"dash": "—", "zero": 0}.get(convention, "")

    def formula(self, num: str, den: str, zero: str) -> str:
        if self.hundred:
            return f"=IF({den}=0,{zero},ROUND({num}/{den}*100,{self.decimals}))"
        return f"=IF({den}=0,{zero},ROUND({num}/{den},{self.decimals + 2}))"


def _scale(values: list[Value], default_decimals: int) -> _Scale:
    usable = [v for v in values if v.usable and v.percent is not None]
    hundred = any(
        (not v.number.from_text and v.percent == v.number.value and v.number.value > 1)
        or (v.number.from_text and not v.number.percent) for v in usable)
    decimals = max((v.percent_decimals for v in usable), default=default_decimals)
    return _Scale(hundred, min(decimals, 4))


class _Sheet:
    """The recomputation of one table, accumulating into a Recomputation."""

    def __init__(self, table: Table, formulas: Mapping[tuple[int, int], str], profile: Profile, lang: str):
        self.t, self.formulas, self.profile, self.lang = table, formulas, profile, lang
        self.letters = {c.field: c.letter for c in table.columns if c.field}
        self.index = {c.field: c.index for c in table.columns if c.field}
        self.out = Recomputation(tables=[table])
        self.new: dict[tuple[int, str], Fraction | None] = {}
        self.derived = self._derived()
        # xl-tthc's own appendix: a blank is a figure the department does not report (not
        # 0), and a column only some report (its coverage row) has no plain total or share
        self.unreported = table.marker == PROVINCIAL
        self.partial = set(table.coverage)

    def ref(self, row: Row, f: str) -> str:
        return f"{self.letters[f]}{row.excel_row}"

    # --- counts -------------------------------------------------------------------

    def _derived(self) -> dict[str, tuple[str, ...]]:
        """The computed count columns: those the official forms compute, with the
        form's parts when the table has them, else the identity's alternative parts."""
        out = {}
        for whole, patterns in _FORM_SUMS.items():
            if whole not in self.letters:
                continue
            identity = next((alts for w, alts, _, _ in IDENTITIES if w == whole), ())
            parts = next((p for p in (*patterns, *identity) if all(f in self.letters for f in p)), None)
            if parts:
                out[whole] = parts
        return out

    def value(self, row: Row, f: str) -> Fraction | None:
        """The value a count cell will have once the formulas are back."""
        key = (row.index, f)
        if key not in self.new:
            if f in self.derived and row.kind == "unit":
                parts = [self.value(row, p) for p in self.derived[f]]
                self.new[key] = None if None in parts else sum(parts, Fraction(0))
            else:
                v = row.values.get(f)
                self.new[key] = None if self.unreported and (v is None or v.blank) else _count(v)
        return self.new[key]

    def counts(self) -> None:
        for row in self.t.rows:
            if all(v.blank for v in row.values.values()):
                continue
            for f, parts in self.derived.items():
                new = self.value(row, f)
                if new is not None:
                    formula = "=" + "+".join(self.ref(row, p) for p in parts)
                    self.count_cell(row, f, formula, new)
        total = self.t.total
        if total is None or not self.t.rows:
            return
        runs: list[list[int]] = []
        for r in sorted(row.excel_row for row in self.t.rows):
            if runs and runs[-1][1] == r - 1:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        for f in self.t.count_fields:
            if f in self.partial and total.values[f].blank:
                continue  # left blank by the consolidation: its sum would contradict an identity
            letter = self.letters[f]
            ranges = ",".join(f"{letter}{a}:{letter}{b}" if a != b else f"{letter}{a}" for a, b in runs)
            unit_values = [self.value(row, f) for row in self.t.rows]
            new = None if None in unit_values else sum(unit_values, Fraction(0))
            self.new[(total.index, f)] = new
            self.count_cell(total, f, f"=SUM({ranges})", new)

    def count_cell(self, row: Row, f: str, formula: str, new: Fraction | None) -> None:
        v = row.values.get(f)
        old = _count(v)
        uncached = v is not None and v.blank and (row.index, self.index[f]) in self.formulas
        differs = not uncached and new is not None and old != new
        found = format_count(old) if v is not None and v.usable and not v.number.from_text else _raw(v)
        self.write(row, f, formula, found, format_count(new) if new is not None else "", differs, None, _cell(new))

    # --- ratios -------------------------------------------------------------------

    def zero(self, scale: _Scale) -> str:
        z = self.profile.zero_ratio
        if z == "hundred":
            return "100" if scale.hundred else "1"
        return _ZERO_FORMULA[z]

    def zero_agrees(self, v: Value | None) -> bool:
        z, text = self.profile.zero_ratio, _raw(v)
        if z in ("blank", "any") and (v is None or (v.blank and not text)):
            return True
        if z in ("dash", "any") and v is not None and v.blank and text:
            return True
        stated = v.percent if v is not None and v.usable else None
        return (z == "hundred" and stated == 100) or (z == "zero" and stated == 0) or (z == "any" and stated in (0, 100))

    def ratio_cell(self, row: Row, f: str, num_fields: tuple[str, ...], num_row: Row, den_field: str,
                   den_row: Row, scale: _Scale) -> None:
        v = row.values.get(f)
        if v is not None and (v.error is None and v.problem is None) and _FOOTNOTE.search(_raw(v)):
            return
        nums = [self.value(num_row, n) for n in num_fields]
        den = self.value(den_row, den_field)
        if den is None or None in nums:
            return
        num_ref = "+".join(self.ref(num_row, n) for n in num_fields)
        num_ref = f"({num_ref})" if len(num_fields) > 1 else num_ref
        formula = scale.formula(num_ref, self.ref(den_row, den_field), self.zero(scale))
        uncached = v is not None and v.blank and (row.index, self.index[f]) in self.formulas
        if den == 0:
            differs = not uncached and not self.zero_agrees(v)
            expected = {"hundred": "100%", "zero": "0%", "dash": "—"}.get(self.profile.zero_ratio, "")
            value = scale.zero_value(self.profile.zero_ratio)
        else:
            exact = sum(nums, Fraction(0)) / den * 100
            value = _cell(excel_round(exact, scale.decimals) if scale.hundred
                          else excel_round(exact / 100, scale.decimals + 2))
            stated = v.percent if v is not None and v.usable else None
            differs = not uncached and (stated is None or excel_round(exact, v.percent_decimals) != stated)
            expected = (format_percent(exact / 100, scale.decimals) if not scale.hundred
                        else format_decimal(exact, scale.decimals))
        found = _raw(v)
        if v is not None and v.usable and not v.number.from_text:
            found = (format_decimal(v.percent, v.percent_decimals) if scale.hundred
                     else format_percent(v.percent / 100, v.percent_decimals))
        self.write(row, f, formula, found, expected, differs, scale.number_format, value)

    def ratios(self) -> None:
        t = self.t
        denominators = ratio_denominators(t, self.profile)
        for col in t.columns:
            if col.field not in RATIOS:
                continue
            r = RATIOS[col.field]
            num_fields = next((alt for alt in r.numerators if all(n in self.letters for n in alt)), None)
            den_field = denominators.get(col.field, r.denominator)
            if num_fields is None or den_field not in self.letters:
                continue
            rows = t.rows + ([t.total] if t.total else [])
            scale = _scale([row.values[col.field] for row in rows if col.field in row.values],
                           self.profile.ratio_decimals)
            for row in rows:
                if row.kind == "unit" and all(v.blank for f, v in row.values.items() if f != col.field):
                    continue
                if row.kind == "total" and self.partial & {*num_fields, den_field}:
                    continue  # over the departments that report its terms, not a ratio of the row
                self.ratio_cell(row, col.field, num_fields, row, den_field, row, scale)

    def shares(self) -> None:
        t, row, total = self.t, self.t.ratio_row, self.t.total
        if row is None or total is None:
            return
        scale = _scale(list(row.values.values()), self.profile.ratio_decimals)
        for f, v in row.values.items():
            wholes = [w for w in SHARE_OF.get(f, ()) if w in self.letters]
            if not wholes:
                continue
            num = self.value(total, f)
            agreeing = [w for w in wholes if num is not None and self.value(total, w) and v.usable
                        and excel_round(num / self.value(total, w) * 100, v.percent_decimals) == v.percent]
            whole = (agreeing or wholes)[0]
            if self.t.coverage.get(f) != self.t.coverage.get(whole):
                continue  # part and whole not over the same departments: no share
            self.ratio_cell(row, f, (f,), total, whole, total, scale)

    # --- output -------------------------------------------------------------------

    def write(self, row: Row, f: str, formula: str, found: str, expected: str, differs: bool,
              number_format: str | None, value: int | float | str | None = None) -> None:
        rc = (row.index, self.index[f])
        current = self.formulas.get(rc)
        cell = cell_ref(*rc)
        if current is not None and (_norm(current) == _norm(formula) or not differs):
            if differs and value is not None:  # the same formula with a stale cached result: cache the right one
                self.out.edits.append(WriteFormula(self.t.sheet, cell, current, value))
            return
        self.out.edits.append(WriteFormula(self.t.sheet, cell, formula, value))
        if number_format:
            self.out.edits.append(NumberFormat(self.t.sheet, cell, number_format))
        unit = "" if row.kind != "unit" else row.label
        self.out.changes.append(Change(self.t.sheet, cell, unit, f, formula, found, expected, differs,
                                       current is not None))
        if differs:
            lbl = label(f, self.lang)
            if row.kind != "unit":
                lbl += " (dòng tổng)" if self.lang == "vi" else " (total row)"
            blank = "(trống)" if self.lang == "vi" else "(blank)"
            self.out.issues.append(Issue(
                file=self.t.file, sheet=self.t.sheet, row=row.excel_row, column=self.letters[f], unit=unit, field=f,
                rule="stale_value", severity="error", expected=expected or blank, found=found or blank,
                message=message("stale_value.restored", self.lang, label=lbl, found=found or blank,
                                expected=expected or blank, formula=formula)))


def recompute_table(table: Table, formulas: Mapping[tuple[int, int], str], profile: Profile | None = None,
                    lang: str = "vi") -> Recomputation:
    """Formulas to restore in one recognised table."""
    work = _Sheet(table, formulas, profile or load_profile(None), lang)
    work.counts()
    work.ratios()
    work.shares()
    work.out.issues = sort_issues(work.out.issues)
    return work.out


def recompute_sheet(sheet: Sheet, formulas: Mapping[tuple[int, int], str], file: str = "",
                    profile: Profile | None = None, lang: str = "vi", marker: str | None = None) -> Recomputation:
    """Formulas to restore in every recognised table of a sheet (values + formulas);
    ``marker``: the workbook's form mark (:mod:`xl_tthc.read.marker`)."""
    prof = profile or load_profile(None)
    out = Recomputation()
    for table in find_tables(sheet, file, prof.cutoff_day, prof.columns):
        table.marker = marker
        out.extend(recompute_table(table, formulas, prof, lang))
    return out


def recompute_file(path: str | Path, out: str | Path | None = None, profile: Profile | str | None = None,
                   lang: str = "vi") -> Recomputation:
    """Recompute every sheet of an .xlsx/.xlsm file; with ``out``, write the result
    there (atomically; the input is never written).  Raises ReadError."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    result = Recomputation()
    marker = form_marker(path)
    for grid in load_grids(path):
        if marker == PROVINCIAL and grid.sheet.name != PROVINCIAL_SHEET:
            continue  # a provincial workbook's detail, findings and sources sheets are no tables to recompute
        result.extend(recompute_sheet(grid.sheet, grid.formulas, str(path), prof, lang, marker))
    if out is not None:
        apply_to_file(path, result.edits, out, RECOMPUTED)
    return result
