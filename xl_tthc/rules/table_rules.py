"""The rules of domain.md over a recognised table, returning Issue records.

Cell rules (negative, not_integer, unparseable, missing_value, formula_error), row
identities (received_total, received_channels, resolved_total, pending_total, balance,
subset, satisfaction_total), ratios (ratio_mismatch, zero_denominator,
decimal_separator, denominator_convention, range), the total and "Tỷ lệ %" rows
(total_row), and units (duplicate_unit, unknown_unit, retired_unit).  An identity that
involves an unusable value is not evaluated, so one fault is reported once.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import compress, count
from operator import add, attrgetter, ne
from typing import Iterable

from ..domain.fields import (CONVENTION_DENOMINATORS, DENOMINATOR_SUMS, IDENTITIES, RATIOS, SHARE_OF, STATED_RATIOS, SUBSETS, choose_parts,
                             is_ratio_field, label, share_of)
from ..domain.issues import RULES, Issue, column_letter, message, sort_issues
from ..domain.numbers import Number, format_decimal, format_percent, percent_agrees as _agrees, whole_number
from ..domain.profiles import Profile
from ..read.collector import collector_paused
from ..read.marker import PROVINCIAL
from ..read.table import Row, Table, Value, exact_column, whole_column, whole_columns
from ..domain.text import fold
from ..domain.units import MATCHES, is_retired, match_unit, successor

__all__ = ["check_table", "ratio_denominators"]

_VALUES = attrgetter("values")
_ZERO_TEXT = {"blank": "trống", "dash": "—", "zero": "0%", "hundred": "100%", "any": "trống"}
_ZERO_TEXT_EN = {"blank": "blank", "dash": "—", "zero": "0%", "hundred": "100%", "any": "blank"}


def _fmt(x: Fraction | None) -> str:
    if x is None:
        return ""
    return format_decimal(x, 0) if x.denominator == 1 else format_decimal(x, 3)


@dataclass
class _Ctx:
    table: Table
    profile: Profile
    lang: str
    issues: list[Issue]
    watch: frozenset[str] | None = None  # the fields the ratio rules look at, once the denominators are chosen

    def col_letter(self, field: str) -> str | None:
        c = self.table.column(field)
        return c.letter if c else None

    def add(self, rule: str, row: Row | None, field: str | None, *, key: str | None = None,
            expected: str | None = None, found: str | None = None, severity: str | None = None,
            unit: str | None = None, column: str | None = None, **params) -> None:
        lbl = params.pop("label", None) or (label(field, self.lang) if field else "")
        if row is not None and row.kind == "total" and field:
            lbl = f"{lbl} ({'dòng tổng' if self.lang == 'vi' else 'total row'})"
        msg = message(key or rule, self.lang, label=lbl, expected=expected, found=found, **params)
        self.issues.append(Issue(
            file=self.table.file, sheet=self.table.sheet, row=row.excel_row if row else None,
            column=column or (self.col_letter(field) if field else None),
            unit=unit if unit is not None else (row.label if row else None), field=field, rule=rule,
            severity=severity or RULES[rule], expected=expected, found=found, message=msg,
        ))


def _raw_text(v: Value) -> str:
    if isinstance(v.raw, float) and v.raw.is_integer():
        return str(int(v.raw))  # 1.0 as Excel shows it: 1
    text = str(v.raw).strip() if v.raw is not None else ""
    return text if len(text) <= 80 else text[:60] + "…"


def _cell_rules(ctx: _Ctx, row: Row) -> None:
    filled = None
    for f, v in row.values.items():
        if v.whole is not None:
            continue  # a whole count >= 0: nothing to say
        if v.error:
            if v.error == "uncached":
                ctx.add("formula_error", row, f, found=v.formula or "", key="formula_error",
                        severity="warning")
            else:
                ctx.add("formula_error", row, f, found=v.error)
        elif v.problem:
            ctx.add("unparseable", row, f, found=_raw_text(v))
        elif v.blank:
            if ctx.table.marker == PROVINCIAL:
                continue  # xl-tthc's appendix: a blank is a figure the department does not report
            if filled is None:
                filled = any(not x.blank for x in row.values.values())
            if filled and not is_ratio_field(f) and row.kind != "ratio":
                ctx.add("missing_value", row, f)
        elif not is_ratio_field(f) and row.kind != "ratio":
            n = v.number
            if n.value < 0:
                ctx.add("negative", row, f, found=_fmt(n.value))
            elif not n.is_integer:
                hint = ""
                scaled = n.value * 1000
                if scaled.denominator == 1 and n.decimals <= 3:
                    hint = (f" (có lẽ là {format_decimal(scaled)})" if ctx.lang == "vi"
                            else f" (probably {format_decimal(scaled)})")
                ctx.add("not_integer", row, f, found=_raw_text(v) or _fmt(n.value),
                        expected=format_decimal(scaled) if hint else None, hint=hint)
            elif n.style == "en" and ctx.profile.decimal == "vi":
                _decimal_issue(ctx, row, f, v, format_decimal(n.value, 0))


def _decimal_issue(ctx: _Ctx, row: Row, f: str, v: Value, suggestion: str) -> None:
    vi = ctx.lang == "vi"
    ctx.add("decimal_separator", row, f, found=_raw_text(v), expected=("phẩy" if vi else "comma"),
            used=("chấm" if vi else "dot"), suggestion=suggestion)


def _sum(row: Row, fields: Iterable[str]) -> int | Fraction | None:
    total = 0  # counts are whole numbers: an int unless some value is not
    for f in fields:
        x = row.exact(f)
        if x is None:
            return None
        total += x
    return total


# message keys of identities evaluated through another alternative than the first
_ALT_KEYS = {
    ("carried_over", "received_online", "received_offline"): "received_total.channels",
    ("carried_over", "received_online", "received_direct", "received_postal"): "received_total.channels",
    ("pending_in_time", "pending_due", "pending_overdue"): "pending_total.due",
}


@dataclass(frozen=True)
class _Plan:
    """Which identities a table's columns allow, decided once per table."""

    identities: tuple[tuple[str, tuple[str, ...], str, str], ...]  # whole, parts, rule, message key
    subsets: tuple[tuple[str, str], ...]  # part <= whole, where no identity covers the part
    balance: tuple[tuple[str, ...], tuple[str, ...], str] | None  # received (or its parts), extras, field


def _plan(t: Table) -> _Plan:
    return _plan_for(t.field_set)


@lru_cache(maxsize=256)  # a batch has a few layouts
def _plan_for(fields: frozenset[str]) -> _Plan:
    identities, covered = [], set()
    for whole, alternatives, rule, key in IDENTITIES:
        parts = choose_parts(alternatives, fields) if whole in fields else None
        if parts is not None:
            identities.append((whole, parts, rule, _ALT_KEYS.get(parts, key)))
            covered.update((*parts, whole))
    subsets = []
    for part, wholes in SUBSETS:
        whole = next((w for w in wholes if w in fields), None)
        if part not in covered and whole is not None and part in fields:
            subsets.append((part, whole))
    balance = None
    if "resolved" in fields and "pending" in fields:
        if "received" in fields:
            balance = (("received",), (), "received")
        elif fields.issuperset(("carried_over", "received_new")):
            balance = (("carried_over", "received_new"), (), "received_new")
        if balance:
            extras = tuple(f for f in ("returned", "withdrawn") if f in fields)
            balance = (balance[0], extras, balance[2])
    return _Plan(tuple(identities), tuple(subsets), balance)


class _Counts:
    """The count columns of some rows: per field, one exact number per row (an int
    when whole) or None when the cell is unusable.  The identities are evaluated a
    column at a time, so a 10,000-row table costs a few list passes per rule.  (One
    row, the total row or a department's only row, is read cell by cell.)"""

    def __init__(self, rows: list[Row]):
        self.rows = rows
        self._one = rows[0] if len(rows) == 1 else None
        self._cols: dict[str, list] = {}
        self._wholes: dict[str, list | None] = {}

    def __getitem__(self, f: str) -> list:
        col = self._cols.get(f)
        if col is None:
            col = self._cols[f] = ([self._one.exact(f)] if self._one is not None
                                   else exact_column(self.rows, f, self._whole(f)))
        return col

    def _whole(self, f: str) -> list | None:
        if f not in self._wholes:
            self._wholes[f] = whole_column(self.rows, f)
        return self._wholes[f]

    def cell_rows(self) -> list[int] | None:
        """The rows with a cell that is no shared whole count, in order: the only ones
        the cell rules can say anything about (None: rows differ in their fields, ask
        every row)."""
        if not self.rows:
            return []
        if self._one is not None:
            return [0] if any(v.whole is None for v in self._one.values.values()) else []
        fields = list(self.rows[0].values)
        if set(map(len, map(_VALUES, self.rows))) != {len(fields)}:
            return None
        if len(fields) >= 2 and any(f not in self._wholes for f in fields):
            found = whole_columns(self.rows, fields)
            if found is None:
                return None
            for f, wholes in found.items():
                self._wholes.setdefault(f, wholes)
        out: set[int] = set()
        for f in fields:
            wholes = self._whole(f)
            if wholes is None:
                return None
            if None in wholes:
                out.update(i for i, w in enumerate(wholes) if w is None)
        return sorted(out)

    def sum(self, fields: tuple[str, ...]) -> list:
        if len(fields) == 1:
            return self[fields[0]]
        if self._one is not None:
            xs = [self[f][0] for f in fields]
            return [None if None in xs else sum(xs)]
        cols = [self[f] for f in fields]
        if any(None in col for col in cols):
            return [None if None in xs else sum(xs) for xs in zip(*cols)]
        out = cols[0]  # no unusable cell: added a column at a time (0 + x is x, of x's type)
        for col in cols[1:]:
            out = list(map(add, out, col))
        return out


def _differ(xs: list, ys: list) -> list[int]:
    """The rows where both are usable and differ."""
    if None in xs or None in ys:
        return [i for i, (x, y) in enumerate(zip(xs, ys)) if x is not None and y is not None and x != y]
    return list(compress(count(), map(ne, xs, ys)))


_EVERY_ROW = 3  # an identity failing on every one of this many rows or more: the header may be wrong


def _identity_rules(ctx: _Ctx, rows: list[Row], plan: _Plan, counts: _Counts) -> None:
    for whole, parts, rule, key in plan.identities:
        ws, ss = counts[whole], counts.sum(parts)
        bad = _differ(ws, ss)
        for i in bad:
            ctx.add(rule, rows[i], whole, key=key, expected=_fmt(ss[i]), found=_fmt(ws[i]))
        if len(bad) >= _EVERY_ROW and len(bad) == sum(1 for w, s in zip(ws, ss)
                                                      if w is not None and s is not None and (w or s)):
            _header_doubt(ctx, whole, parts, len(bad))
    if plan.balance:
        _balance(ctx, rows, plan.balance, counts)


def _header_doubt(ctx: _Ctx, whole: str, parts: tuple[str, ...], n: int) -> None:
    """An identity broken on every row is more likely a column read wrong than n faults:
    say so once, naming the columns, with the header paths that were read."""
    cols = [ctx.table.column(f) for f in (whole, *parts)]
    letters = f"{cols[0].letter} = {'+'.join(c.letter for c in cols[1:])}"
    ctx.add("column_evidence", None, whole, key="column_evidence.identity", severity="warning", unit="",
            column=cols[0].letter, letter=cols[0].letter, path=" / ".join(cols[0].path), identity=letters, count=n)


def _balance(ctx: _Ctx, rows: list[Row], balance: tuple, counts: _Counts) -> None:
    """received = resolved + pending (+ returned/withdrawn unless the profile counts
    them among the resolved; the other reading is a warning)."""
    received_from, extras, field = balance
    inside = ctx.profile.returned_in_resolved
    extra = counts.sum(extras) if extras else [0] * len(rows)
    recs, ress, pens = counts.sum(received_from), counts["resolved"], counts["pending"]
    if None in recs or None in ress or None in pens:
        todo = range(len(rows))
    else:  # every row evaluated: the rows where received is not what the rule expects, in column passes
        expected = list(map(add, ress, pens))
        if not inside:
            expected = list(map(add, expected, [x or 0 for x in extra] if None in extra else extra))
        todo = compress(count(), map(ne, recs, expected))
    for i in todo:
        rec, res, pen, ext = recs[i], ress[i], pens[i], extra[i]
        if rec is None or res is None or pen is None:
            continue
        ext = ext or 0  # an unusable returned/withdrawn count is left out
        base = res + pen
        expected = base if inside else base + ext
        if rec == expected:
            continue
        if ext and rec == (base + ext if inside else base):
            ctx.add("balance", rows[i], field, key="balance.returned", expected=_fmt(expected), found=_fmt(rec),
                    extra=_fmt(ext), severity="warning")
        else:
            ctx.add("balance", rows[i], field, expected=_fmt(expected), found=_fmt(rec))


def _subset_rules(ctx: _Ctx, rows: list[Row], plan: _Plan, counts: _Counts) -> None:
    for part, whole in plan.subsets:
        ps, ws = counts[part], counts[whole]
        for i in [i for i, (p, w) in enumerate(zip(ps, ws)) if p is not None and w is not None and p > w]:
            ctx.add("subset", rows[i], part, expected=_fmt(ws[i]), found=_fmt(ps[i]),
                    part_label=label(part, ctx.lang), whole_label=label(whole, ctx.lang))


def _row_identities(ctx: _Ctx, rows: list[Row], plan: _Plan, counts: _Counts | None = None) -> None:
    counts = counts or _Counts(rows)
    _identity_rules(ctx, rows, plan, counts)
    _subset_rules(ctx, rows, plan, counts)


def _numerator(table: Table, row: Row, ratio: str) -> Fraction | None:
    alt = _numerator_fields(ratio, table.field_set)
    return None if alt is None else _sum(row, alt)


@lru_cache(maxsize=1024)  # a batch has a few layouts
def _numerator_fields(ratio: str, fields: frozenset[str]) -> tuple[str, ...] | None:
    """The fields whose sum is the numerator of ratio column ``ratio`` in a table of
    ``fields``: the first alternative it has every column of, None without one."""
    count = share_of(ratio)
    for alt in ((count,),) if count else RATIOS[ratio].numerators:
        if fields.issuperset(alt):
            return alt
    return None


def _has(t: Table, d: str) -> bool:
    """Whether a table has denominator ``d``: its column, or every field of a sum ("due")."""
    return _has_in(t.field_set, d)


def _has_in(fields: frozenset[str], d: str) -> bool:
    return d in fields or (d in DENOMINATOR_SUMS and fields.issuperset(DENOMINATOR_SUMS[d]))


def _den_column(counts: _Counts, d: str) -> list:
    """:func:`_den` of every row of ``counts``."""
    return counts.sum(DENOMINATOR_SUMS[d]) if d in DENOMINATOR_SUMS else counts[d]


def _num_column(t: Table, counts: _Counts, ratio: str) -> list:
    """:func:`_numerator` of every row of ``counts`` (rows of table ``t``)."""
    alt = _numerator_fields(ratio, t.field_set)
    return [None] * len(counts.rows) if alt is None else counts.sum(alt)


def _den(row: Row, d: str) -> int | Fraction | None:
    # an int when whole, as _sum gives (every use divides through Fraction(num)): the
    # ratio tests then multiply ints, not Fractions
    return _sum(row, DENOMINATOR_SUMS[d]) if d in DENOMINATOR_SUMS else row.exact(d)


def _denominator_options(ratio: str, profile: Profile) -> tuple[str, ...]:
    """The default denominator first, then the documented alternatives (domain.md's,
    then the conventions of fields.CONVENTION_DENOMINATORS: over received, over the
    dossiers due)."""
    return _options(ratio, profile.online_denominator)


@lru_cache(maxsize=1024)
def _options(ratio: str, online_denominator: str) -> tuple[str, ...]:
    count = share_of(ratio)
    if count:
        options = list(SHARE_OF[count])
        if count in ("received_online", "received_offline", "received_direct", "received_postal"):
            options.sort(key=lambda d: d != online_denominator)
        return tuple(options + [d for d in CONVENTION_DENOMINATORS.get(count, ()) if d not in options])
    r = RATIOS[ratio]
    default = online_denominator if ratio == "online_rate" else r.denominator
    options = [default] + [d for d in (r.denominator, *r.alt_denominators) if d != default]
    return tuple(options + [d for d in CONVENTION_DENOMINATORS.get(ratio, ()) if d not in options])


def _zero_ok(v: Value, convention: str) -> bool:
    text = _raw_text(v)
    if convention == "any":
        return v.blank or text in ("-", "—", "–") or (v.percent in (0, 100))
    if convention == "blank":
        return v.blank and text == ""
    if convention == "dash":
        return v.blank and text != ""
    if convention == "zero":
        return v.usable and v.percent == 0
    return v.usable and v.percent == 100


def _ratio_cell(ctx: _Ctx, row: Row, field: str, v: Value, num: Fraction | None, den: Fraction | None,
                rule: str = "ratio_mismatch", key: str | None = None) -> None:
    if v.error or v.problem:
        return
    if v.usable and v.number.style == "en" and ctx.profile.decimal == "vi":
        _decimal_issue(ctx, row, field, v, format_percent(v.percent / 100, v.percent_decimals))
    if num is None or den is None:
        return
    if den == 0:
        if (v.blank and _raw_text(v) == "") and ctx.profile.zero_ratio in ("blank", "any"):
            return
        if not _zero_ok(v, ctx.profile.zero_ratio):
            conv = (_ZERO_TEXT_EN if ctx.lang == "en" else _ZERO_TEXT)[ctx.profile.zero_ratio]
            ctx.add("zero_denominator", row, field, found=_raw_text(v) or "(trống)", expected=conv)
        return
    if not v.usable:
        return
    if not _agrees(v.percent, v.percent_decimals, num, den):
        exact = Fraction(num) * 100 / den
        # text as the staff typed it; a numeric cell (0,9487 formatted as %) as a percent
        typed = isinstance(v.raw, str)
        d = min(v.percent_decimals, 2) if typed and v.percent_decimals <= 6 else 2
        ctx.add(rule, row, field, key=key, found=_raw_text(v) if typed else format_percent(v.percent / 100, d),
                expected=format_percent(exact / 100, d))


def _choose_denominators(ctx: _Ctx, counts: _Counts | None = None) -> dict[str, str]:
    """Per ratio column: the profile's denominator, or a documented alternative that
    every stated value of the table follows (reported once).  ``counts``: of the
    table's rows, when already made."""
    t = ctx.table
    counts = counts or _Counts(t.rows)
    chosen: dict[str, str] = {}
    for col in t.columns:
        if col.field not in RATIOS and not share_of(col.field):
            continue
        options = _denominator_options(col.field, ctx.profile)
        default = next((d for d in options if _has(t, d)), options[0])
        chosen[col.field] = _pick(t, options, col.field, counts)
        if chosen[col.field] != default:
            ctx.add("denominator_convention", None, col.field, denominator=label(chosen[col.field], ctx.lang),
                    default=label(default, ctx.lang), unit="")
    return chosen


def ratio_denominators(table: Table, profile: Profile) -> dict[str, str]:
    """The denominator field of each ratio column, as the rules choose it."""
    return _choose_denominators(_Ctx(table, profile, "vi", []))


def _pick(t: Table, options: tuple[str, ...], f: str, counts: _Counts) -> str:
    """The denominator of ratio column ``f`` among ``options`` (see
    :func:`_choose_denominators`), every row's figures taken a column at a time."""
    options = [d for d in options if _has(t, d)] or options[:1]
    if len(options) == 1:
        return options[0]
    rows = t.rows + ([t.total] if t.total else [])
    nums = _num_column(t, counts, f)
    if t.total:
        nums = [*nums, _numerator(t, t.total, f)]  # (a copy: the column is the counts')
    values = [r.values.get(f) for r in rows]

    def score(d: str) -> tuple[int, int]:
        dens = _den_column(counts, d)
        if t.total:
            dens = [*dens, _den(t.total, d)]
        ok = bad = 0
        for num, den, v in zip(nums, dens, values):
            if num is None or not den or v is None or not v.usable:
                continue
            if _agrees(v.percent, v.percent_decimals, num, den):
                ok += 1
            else:
                bad += 1
        return ok, bad

    first_ok, first_bad = score(options[0])
    if first_bad == 0:
        return options[0]
    for d in options[1:]:
        ok, bad = score(d)
        if bad == 0 and ok > 0 and ok >= first_ok + first_bad:  # every row the default covers
            return d
    return options[0]


def _ratio_rules(ctx: _Ctx, row: Row, denominators: dict[str, str], totals: Row | None = None,
                 terms: dict[str, tuple[list, list]] | None = None, i: int = 0) -> None:
    """Ratio columns of a unit row, or of the total row (then against the unit sums).
    ``terms``: per ratio column, the numerator and the denominator of every unit row
    (:func:`_ratio_columns`); ``row`` is then unit row ``i``."""
    source = totals or row
    watch = ctx.watch if ctx.watch is not None else _watched(tuple(denominators))
    for f, v in row.values.items():
        if f not in watch:
            continue
        if f in STATED_RATIOS:
            if v.usable and not 0 <= v.percent <= 100:
                ctx.add("range", row, f, found=_raw_text(v) or format_percent(v.percent / 100))
            continue
        if f not in denominators:
            continue
        if terms is not None:
            nums, dens = terms[f]
            num, den = nums[i], dens[i]
        else:
            num, den = _numerator(ctx.table, source, f), _den(source, denominators[f])
        if totals is not None:
            _ratio_cell(ctx, row, f, v, num, den, rule="total_row", key="total_row.ratio")
        else:
            _ratio_cell(ctx, row, f, v, num, den)


@lru_cache(maxsize=256)
def _watched(ratios: tuple[str, ...]) -> frozenset[str]:
    """The fields :func:`_ratio_rules` looks at: the stated ratios and ``ratios``."""
    return frozenset((*STATED_RATIOS, *ratios))


def _ratio_columns(t: Table, denominators: dict[str, str], counts: _Counts) -> dict[str, tuple[list, list]]:
    """Per ratio column, :func:`_numerator` and :func:`_den` of every unit row, a column
    at a time."""
    return {f: (_num_column(t, counts, f), _den_column(counts, d)) for f, d in denominators.items()}


_OPENING = ("carried_over",)  # stocks at the start: of the first period, in a table of periods
_CLOSING = ("pending", "pending_in_time", "pending_due", "pending_overdue")  # … at the end: of the last


def _period_sums(t: Table) -> Row:
    """The cumulative row a table of periods should have: flows added, the opening
    stock of the first period, the closing stock of the last ("Kỳ trước" before the
    others), received as the opening stock plus every period's new dossiers."""
    rows = sorted(t.rows, key=lambda r: fold(r.label) != "kỳ trước")
    sums = Row(t.total.index, t.total.label, "sum", {})
    for f in t.count_fields:
        if f in _OPENING:
            x = rows[0].count(f)
        elif f in _CLOSING:
            x = rows[-1].count(f)
        elif f == "received" and t.column("carried_over"):
            news = [(r.count("received"), r.count("carried_over")) for r in rows]
            x = (None if rows[0].count("carried_over") is None or any(None in n for n in news)
                 else rows[0].count("carried_over") + sum(a - b for a, b in news))
        else:
            vals = [r.count(f) for r in rows]
            x = None if None in vals else sum(vals, Fraction(0))
        if x is not None:
            sums.values[f] = Value(None, Number(Fraction(x)))
    return sums


def _unit_sums(t: Table) -> Row:
    if t.unit_kind == "period":
        return _period_sums(t)
    sums = Row(t.total.index, t.total.label, "sum", {})
    one = t.rows[0].values if len(t.rows) == 1 else None
    for f in t.count_fields:
        if one is not None and (v := one.get(f)) is not None and v.whole is not None:
            sums.values[f] = v  # one unit row: its shared whole count is the sum (only .whole and .number are read)
            continue
        wholes = [v.whole for r in t.rows if (v := r.values.get(f)) is not None]
        if len(wholes) == len(t.rows) and None not in wholes:  # nearly always: add ints
            total = sum(wholes)
            sums.values[f] = Value(None, whole_number(total), whole=total)
            continue
        total = Fraction(0)
        for r in t.rows:
            x = r.count(f)
            if x is None:
                break  # an unusable unit value: the field is left out
            total += x
        else:
            sums.values[f] = Value(None, Number(total))
    return sums


# rows that are not consecutive parts of the cumulative period: "Kỳ trước" (the previous
# period), "Trong kỳ" (this one) beside a year-to-date "Lũy kế" that also holds periods no row shows
_NOT_PARTS = ("kỳ trước", "trong kỳ", "kỳ này", "kỳ báo cáo", "cùng kỳ")


def _cumulative_bounds(ctx: _Ctx) -> bool:
    """A table of periods whose rows are not the parts of its cumulative row (see
    ``_NOT_PARTS``): the cumulative row is only checked to hold at least each row's
    flows (dossiers received new, resolved, …), never to be their sum.  True when so."""
    t = ctx.table
    if t.unit_kind != "period" or not any(fold(r.label).startswith(_NOT_PARTS) for r in t.rows):
        return False
    for f in t.count_fields:
        if f in _OPENING or f in _CLOSING or f == "received":
            continue
        got = t.total.count(f)
        for r in t.rows:
            part = r.count(f)
            if got is not None and part is not None and part > got:
                ctx.add("subset", t.total, f, expected=_fmt(got), found=_fmt(part), unit="",
                        part_label=f"{label(f, ctx.lang)} ({r.label})", whole_label=f"{label(f, ctx.lang)} ({t.total.label})")
                break
    return True


def _total_rules(ctx: _Ctx, denominators: dict[str, str], plan: _Plan) -> None:
    t = ctx.table
    if t.total is None or not t.rows:
        return
    if _cumulative_bounds(ctx):
        _row_identities(ctx, [t.total], plan)
        return
    sums = _unit_sums(t)
    bad = False
    for f in t.count_fields:
        got, want = t.total.exact(f), sums.exact(f)  # (ints when whole: compared without Fractions)
        if got is not None and want is not None and got != want:
            bad = True
            ctx.add("total_row", t.total, f, expected=_fmt(want), found=_fmt(got), unit="",
                    key="total_row.period" if t.unit_kind == "period" else None)
    _ratio_rules(ctx, t.total, denominators, totals=sums)
    if not bad:
        _row_identities(ctx, [t.total], plan)


def _share_rules(ctx: _Ctx, online_whole: str | None) -> None:
    """The "Tỷ lệ %" row: each count column's share of its whole, from the total row."""
    t = ctx.table
    row, total = t.ratio_row, t.total
    if row is None or total is None:
        return
    conventions: dict[str, str] = {}
    fields = t.field_set
    dens: dict[str, int | Fraction | None] = {}  # whole -> the total row's (most shares are of a few)

    def den_of(w: str) -> int | Fraction | None:
        if w not in dens:
            dens[w] = _den(total, w)
        return dens[w]

    for f, v in row.values.items():
        if f not in SHARE_OF or v.error or v.problem or not v.usable:
            continue
        wholes = _share_wholes(f, fields)
        if not wholes:
            continue
        if online_whole and f == "received_online" and online_whole in wholes:
            wholes = [online_whole] + [w for w in wholes if w != online_whole]
        num = total.exact(f)
        if num is None:
            continue
        agreeing = None  # the first whole the stated share agrees with
        for w in wholes:
            den = den_of(w)
            if den and _agrees(v.percent, v.percent_decimals, num, den):
                agreeing = w
                break
        if v.number.style == "en" and ctx.profile.decimal == "vi":
            _decimal_issue(ctx, row, f, v, format_percent(v.percent / 100, v.percent_decimals))
        if agreeing is not None:
            if agreeing != wholes[0]:
                conventions[f] = agreeing
            continue
        den = den_of(wholes[0])
        if not den:
            continue
        ctx.add("total_row", row, f, key="ratio_mismatch", found=_raw_text(v),
                expected=format_decimal(Fraction(num) * 100 / den, v.percent_decimals), unit="")
    for f, whole in conventions.items():
        ctx.add("denominator_convention", None, f, denominator=label(whole, ctx.lang),
                default=label(SHARE_OF[f][0], ctx.lang), unit="")


@lru_cache(maxsize=1024)
def _share_wholes(f: str, fields: frozenset[str]) -> tuple[str, ...]:
    """The wholes a "Tỷ lệ %" row's share of count ``f`` may be of, in a table of
    ``fields``: its own, then the conventions'."""
    return tuple(w for w in (*SHARE_OF[f], *CONVENTION_DENOMINATORS.get(f, ())) if _has_in(fields, w))


def _unit_rules(ctx: _Ctx) -> None:
    t = ctx.table
    seen: dict[str, Row] = {}
    departments = t.unit_kind == "department"
    matches = MATCHES.get
    for row in t.rows:
        name = row.label
        if name.startswith("(dòng "):
            continue
        # fields of procedures are not units: only their spelling tells duplicates apart
        m = (matches(name) or match_unit(name)) if departments else None  # (a UnitMatch is a non-empty tuple)
        key = m.unit.code if m is not None and m.unit is not None else fold(name)
        if key in seen:
            ctx.add("duplicate_unit", row, "unit", column=_label_col(row), found=name,
                    expected=str(seen[key].excel_row))
        else:
            seen[key] = row
        if not departments or m.local:
            continue
        if m.unit is None:
            hint = ""
            if m.suggestions:
                names = "; ".join(m.suggestions)
                hint = f"; có phải: {names}?" if ctx.lang == "vi" else f"; did you mean: {names}?"
            # a near miss is probably a typo; a name like no other is a unit the registry lacks
            ctx.add("unknown_unit", row, "unit", column=_label_col(row), found=row.label,
                    expected="; ".join(m.suggestions) or None, hint=hint,
                    severity="warning" if m.suggestions else "info")
        elif m.unit and t.period and is_retired(m.unit, t.period.start, ctx.profile.reorg_date):
            ctx.add("retired_unit", row, "unit", column=_label_col(row), found=row.label,
                    expected=", ".join(u.name for u in successor(m.unit)), period=t.period.label)


_KNOWN_KINDS = {"level": ("số hồ sơ theo mức độ dịch vụ công", "dossiers by service level"),
                "procedures": ("số thủ tục", "number of procedures")}


_UNTESTED = {
    "remembered": ("như ở các tệp cùng mẫu đã đọc trước (bảng này không có dòng nào khác 0 để kiểm chứng)",
                   "as in the earlier files of this layout (no row here is non-zero to test it on)"),
    "header": ("theo tiêu đề, là trường duy nhất còn lại (bảng này không có dòng nào khác 0 để kiểm chứng)",
               "by its header, the only field left (no row here is non-zero to test it on)"),
}


def _evidence_text(note, lang: str) -> str:
    vi = lang != "en"
    if note.what in _UNTESTED:
        return _UNTESTED[note.what][not vi]
    parts = []
    for left, right, held, rows in note.evidence:
        eq = (("bằng " if vi else "equals ") + right) if left == note.letter else f"{left} = {right}"
        parts.append(f"{eq} {'ở' if vi else 'on'} {held}/{rows} {'dòng' if vi else 'rows'}")
    return "; ".join(parts)


def _column_notes(ctx: _Ctx) -> None:
    """What the reader decided about columns the header did not settle (said once per
    column), and the figures it could not place."""
    header = Row(ctx.table.header_rows[-1], "", "header") if ctx.table.header_rows else None
    for note in ctx.table.notes:
        path = " / ".join(note.path) or ("(không có tiêu đề)" if ctx.lang != "en" else "(no header)")
        common = dict(column=note.letter, letter=note.letter, unit="", path=path)
        if note.kind == "inferred":
            ctx.add("column_evidence", header, note.field, evidence=_evidence_text(note, ctx.lang), **common)
        elif note.kind == "conflict":
            ctx.add("column_evidence", header, note.field, key="column_evidence.conflict", severity="warning",
                    evidence=_evidence_text(note, ctx.lang), header_label=label(note.header_field, ctx.lang),
                    expected=note.field, found=note.header_field, **common)
        elif note.kind == "known":
            kind = _KNOWN_KINDS[note.what][ctx.lang == "en"]
            ctx.add("unrecognised_column", header, None, key="unrecognised_column.known", severity="info",
                    kind=kind, **common)
        else:
            names = ", ".join(label(f, ctx.lang) for f in note.candidates)
            hint = (f"; gần nhất: {names}" if ctx.lang != "en" else f"; nearest: {names}") if names else ""
            suggested = note.candidates[0] if note.candidates else ("tên trường" if ctx.lang != "en" else "field")
            ctx.add("unrecognised_column", header, None, hint=hint, expected=", ".join(note.candidates) or None,
                    suggested=suggested, **common)


def _ratio_terms(f: str, online_denominator: str) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    count = share_of(f)
    return (((count,),) if count else RATIOS[f].numerators), _options(f, online_denominator)


def _ratio_evaluable(f: str, fields: frozenset[str], online_denominator: str) -> bool:
    nums, dens = _ratio_terms(f, online_denominator)
    return any(fields.issuperset(a) for a in nums) and any(_has_in(fields, d) for d in dens)


def _rules_with(t: Table, fields: frozenset[str], profile: Profile) -> int:
    """How many rules a table of ``fields`` evaluates (its identities, subsets, balance,
    and the stated ratio columns of ``t`` that could be recomputed)."""
    return _rules_for(tuple(c.field for c in t.columns), fields, profile.online_denominator)


@lru_cache(maxsize=1024)  # a batch has a few layouts
def _rules_for(columns: tuple[str | None, ...], fields: frozenset[str], online_denominator: str) -> int:
    plan = _plan_for(fields)
    return (len(plan.identities) + len(plan.subsets) + (plan.balance is not None)
            + sum(1 for f in columns if (f in RATIOS or share_of(f))
                  and _ratio_evaluable(f, fields, online_denominator)))


def _not_evaluated(ctx: _Ctx) -> None:
    """Count the rules a missing column keeps from being checked (for the fields an
    unrecognised column may be, and for stated ratios that cannot be recomputed), and
    say so when no identity of the table could be checked at all."""
    t = ctx.table
    fields = t.field_set
    base = _rules_with(t, fields, ctx.profile)
    reported: set[str] = set()
    for note in t.notes:
        if note.kind != "unrecognised":
            continue
        for f in note.candidates:
            gain = _rules_with(t, fields | {f}, ctx.profile) - base + (t.total is not None)
            if gain > 0 and f not in reported:
                reported.add(f)
                hint = (f" (cột {note.letter} có thể là cột này)" if ctx.lang != "en"
                        else f" (column {note.letter} may be it)")
                ctx.add("not_evaluated", None, f, column=note.letter, count=gain, unit="", hint=hint)
                break
    missing: dict[tuple[str, ...], int] = {}
    for col in t.columns:
        f = col.field
        if (f not in RATIOS and not share_of(f)) or _ratio_evaluable(f, fields, ctx.profile.online_denominator):
            continue
        nums, dens = _ratio_terms(f, ctx.profile.online_denominator)
        lack = tuple(x for x in (*nums[0], dens[0]) if x not in fields and x not in reported)
        if lack:
            missing[lack] = missing.get(lack, 0) + 1
    for lack, n in missing.items():
        ctx.add("not_evaluated", None, lack[0], count=n, unit="", label=", ".join(label(x, ctx.lang) for x in lack))
    if base == 0 and not (t.total is not None and t.rows):  # the total row's sums are a check too
        severe = t.form in ("results", "satisfaction")
        ctx.add("not_evaluated", None, None, key="not_evaluated.table", unit="",
                severity="warning" if severe else "info")


def _label_col(row: Row) -> str:
    return column_letter(row.label_column)


def check_table(table: Table, profile: Profile, lang: str = "vi") -> list[Issue]:
    """Every finding on one table."""
    with collector_paused(len(table.rows)):  # (see read.collector: a 10,000-row range)
        return _check_table(table, profile, lang)


def _check_table(table: Table, profile: Profile, lang: str) -> list[Issue]:
    ctx = _Ctx(table, profile, lang, [])
    counts = _Counts(table.rows)
    denominators = _choose_denominators(ctx, counts)
    ctx.watch = _watched(tuple(denominators))
    plan = _plan(table)
    has_ratios = any(f in STATED_RATIOS or f in denominators for f in table.fields)
    cell_rows = counts.cell_rows()  # a row of shared whole counts only has nothing to say on a cell
    if has_ratios:
        todo = None if cell_rows is None else set(cell_rows)
        terms = _ratio_columns(table, denominators, counts)
        for i, row in enumerate(table.rows):
            if todo is None or i in todo:
                _cell_rules(ctx, row)
            _ratio_rules(ctx, row, denominators, terms=terms, i=i)
    else:
        for i in range(len(table.rows)) if cell_rows is None else cell_rows:
            _cell_rules(ctx, table.rows[i])
    _row_identities(ctx, table.rows, plan, counts)
    if table.total:
        _cell_rules(ctx, table.total)
        _total_rules(ctx, denominators, plan)
    if table.ratio_row:
        for f, v in table.ratio_row.values.items():
            if v.error:
                ctx.add("formula_error", table.ratio_row, f, found=v.error)
            elif v.problem:
                ctx.add("unparseable", table.ratio_row, f, found=_raw_text(v))
        _share_rules(ctx, profile.online_denominator if "online_rate" not in denominators
                     else denominators["online_rate"])
    _unit_rules(ctx)
    _column_notes(ctx)
    _not_evaluated(ctx)
    return sort_issues(ctx.issues)
