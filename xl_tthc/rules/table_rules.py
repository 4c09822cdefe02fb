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
from typing import Iterable

from ..domain.fields import RATIOS, SHARE_OF, STATED_RATIOS, is_ratio_field, label, share_of
from ..domain.issues import RULES, Issue, column_letter, message, sort_issues
from ..domain.numbers import Number, format_decimal, format_percent, round_scaled
from ..domain.profiles import Profile
from ..read.marker import PROVINCIAL
from ..read.table import Row, Table, Value
from ..domain.text import fold
from ..domain.units import is_retired, match_unit, successor

__all__ = ["check_table", "ratio_denominators"]

# (whole, parts-alternatives, rule, message key)
IDENTITIES: tuple[tuple[str, tuple[tuple[str, ...], ...], str, str], ...] = (
    ("received", (("carried_over", "received_new"),), "received_total", "received_total"),
    ("received_offline", (("received_direct", "received_postal"),), "received_channels", "received_channels.offline"),
    ("received_new", (("received_online", "received_offline"), ("received_online", "received_direct", "received_postal")),
     "received_channels", "received_channels"),
    ("resolved", (("resolved_early", "resolved_on_time", "resolved_late"), ("resolved_in_time", "resolved_late")),
     "resolved_total", "resolved_total"),
    ("pending", (("pending_in_time", "pending_overdue"),), "pending_total", "pending_total"),
    ("sat_total", (("sat_service", "sat_attitude", "unsat_skill", "unsat_time", "feedback"),),
     "satisfaction_total", "satisfaction_total"),
)
# part <= whole, checked only where the identity that contains the part was not evaluated
SUBSETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("received_online", ("received_new", "received")),
    ("received_offline", ("received_new", "received")),
    ("received_direct", ("received_offline", "received_new")),
    ("received_postal", ("received_offline", "received_new")),
    ("carried_over", ("received",)),
    ("received_new", ("received",)),
    ("resolved_early", ("resolved",)),
    ("resolved_on_time", ("resolved",)),
    ("resolved_in_time", ("resolved",)),
    ("resolved_late", ("resolved",)),
    ("pending_in_time", ("pending",)),
    ("pending_overdue", ("pending",)),
)
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

    def col_letter(self, field: str) -> str | None:
        c = self.table.column(field)
        return c.letter if c else None

    def add(self, rule: str, row: Row | None, field: str | None, *, key: str | None = None,
            expected: str | None = None, found: str | None = None, severity: str | None = None,
            unit: str | None = None, column: str | None = None, **params) -> None:
        lbl = label(field, self.lang) if field else ""
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
    return str(v.raw).strip() if v.raw is not None else ""


def _cell_rules(ctx: _Ctx, row: Row) -> None:
    filled = None
    for f, v in row.values.items():
        if v.whole is not None:
            continue  # a whole count >= 0: nothing to say
        is_ratio = is_ratio_field(f)
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
            if filled and not is_ratio and row.kind != "ratio":
                ctx.add("missing_value", row, f)
        elif not is_ratio and row.kind != "ratio":
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


def _present(table: Table, fields: Iterable[str]) -> bool:
    return all(table.column(f) is not None for f in fields)


@dataclass(frozen=True)
class _Plan:
    """Which identities a table's columns allow, decided once per table."""

    identities: tuple[tuple[str, tuple[str, ...], str, str], ...]  # whole, parts, rule, message key
    subsets: tuple[tuple[str, str], ...]  # part <= whole, where no identity covers the part
    balance: tuple[tuple[str, ...], tuple[str, ...], str] | None  # received (or its parts), extras, field


def _plan(t: Table) -> _Plan:
    return _plan_for(frozenset(c.field for c in t.columns if c.field))


@lru_cache(maxsize=256)  # a batch has a few layouts
def _plan_for(fields: frozenset[str]) -> _Plan:
    identities, covered = [], set()
    for whole, alternatives, rule, key in IDENTITIES:
        parts = next((p for p in alternatives if fields.issuperset(p)), None) if whole in fields else None
        if parts is not None:
            identities.append((whole, parts, rule, key))
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
    column at a time, so a 10,000-row table costs a few list passes per rule."""

    def __init__(self, rows: list[Row]):
        self.rows = rows
        self._cols: dict[str, list] = {}

    def __getitem__(self, f: str) -> list:
        col = self._cols.get(f)
        if col is None:
            col = self._cols[f] = [r.exact(f) for r in self.rows]
        return col

    def sum(self, fields: tuple[str, ...]) -> list:
        if len(fields) == 1:
            return self[fields[0]]
        return [None if None in xs else sum(xs) for xs in zip(*(self[f] for f in fields))]


def _identity_rules(ctx: _Ctx, rows: list[Row], plan: _Plan, counts: _Counts) -> None:
    for whole, parts, rule, key in plan.identities:
        ws, ss = counts[whole], counts.sum(parts)
        for i in [i for i, (w, s) in enumerate(zip(ws, ss)) if w is not None and s is not None and w != s]:
            ctx.add(rule, rows[i], whole, key=key, expected=_fmt(ss[i]), found=_fmt(ws[i]))
    if plan.balance:
        _balance(ctx, rows, plan.balance, counts)


def _balance(ctx: _Ctx, rows: list[Row], balance: tuple, counts: _Counts) -> None:
    """received = resolved + pending (+ returned/withdrawn unless the profile counts
    them among the resolved; the other reading is a warning)."""
    received_from, extras, field = balance
    inside = ctx.profile.returned_in_resolved
    extra = counts.sum(extras) if extras else [0] * len(rows)
    for i, (rec, res, pen, ext) in enumerate(zip(counts.sum(received_from), counts["resolved"],
                                                 counts["pending"], extra)):
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


def _row_identities(ctx: _Ctx, rows: list[Row], plan: _Plan) -> None:
    counts = _Counts(rows)
    _identity_rules(ctx, rows, plan, counts)
    _subset_rules(ctx, rows, plan, counts)


def _numerator(table: Table, row: Row, ratio: str) -> Fraction | None:
    count = share_of(ratio)
    for alt in ((count,),) if count else RATIOS[ratio].numerators:
        if _present(table, alt):
            return _sum(row, alt)
    return None


def _denominator_options(ratio: str, profile: Profile) -> list[str]:
    """The default denominator first, then the documented alternatives."""
    count = share_of(ratio)
    if count:
        options = list(SHARE_OF[count])
        if count in ("received_online", "received_offline", "received_direct", "received_postal"):
            options.sort(key=lambda d: d != profile.online_denominator)
        return options
    r = RATIOS[ratio]
    default = profile.online_denominator if ratio == "online_rate" else r.denominator
    return [default] + [d for d in (r.denominator, *r.alt_denominators) if d != default]


def _agrees(stated: Fraction, decimals: int, num: int | Fraction, den: int | Fraction) -> bool:
    """Whether a stated percent with ``decimals`` decimals is num / den (den != 0) in
    percent, rounded as Excel's ROUND does; in integers, as it runs for every ratio
    cell of a batch."""
    if decimals > 6:
        return abs(stated - Fraction(num) * 100 / den) < Fraction(1, 10**6)
    return stated.numerator * 10**decimals == round_scaled(num * 100, den, decimals) * stated.denominator


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


def _choose_denominators(ctx: _Ctx) -> dict[str, str]:
    """Per ratio column: the profile's denominator, or a documented alternative that
    every stated value of the table follows (reported once)."""
    t = ctx.table
    chosen: dict[str, str] = {}
    for col in t.columns:
        if col.field not in RATIOS and not share_of(col.field):
            continue
        options = _denominator_options(col.field, ctx.profile)
        default = next((d for d in options if t.column(d)), options[0])
        chosen[col.field] = _pick(t, options, lambda row, d, f=col.field: (
            _numerator(t, row, f), row.count(d), row.values.get(f)))
        if chosen[col.field] != default:
            ctx.add("denominator_convention", None, col.field, denominator=label(chosen[col.field], ctx.lang),
                    default=label(default, ctx.lang), unit="")
    return chosen


def ratio_denominators(table: Table, profile: Profile) -> dict[str, str]:
    """The denominator field of each ratio column, as the rules choose it."""
    return _choose_denominators(_Ctx(table, profile, "vi", []))


def _pick(t: Table, options: list[str], get) -> str:
    options = [d for d in options if t.column(d)] or options[:1]
    if len(options) == 1:
        return options[0]

    def score(d: str) -> tuple[int, int]:
        ok = bad = 0
        for row in t.rows + ([t.total] if t.total else []):
            num, den, v = get(row, d)
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
        if bad == 0 and ok > 0:
            return d
    return options[0]


def _ratio_rules(ctx: _Ctx, row: Row, denominators: dict[str, str], totals: Row | None = None) -> None:
    """Ratio columns of a unit row, or of the total row (then against the unit sums)."""
    source = totals or row
    for f, v in row.values.items():
        if f in STATED_RATIOS:
            if v.usable and not 0 <= v.percent <= 100:
                ctx.add("range", row, f, found=_raw_text(v) or format_percent(v.percent / 100))
            continue
        if f not in denominators:
            continue
        num, den = _numerator(ctx.table, source, f), source.count(denominators[f])
        if totals is not None:
            _ratio_cell(ctx, row, f, v, num, den, rule="total_row", key="total_row.ratio")
        else:
            _ratio_cell(ctx, row, f, v, num, den)


def _unit_sums(t: Table) -> Row:
    sums = Row(t.total.index, t.total.label, "sum", {})
    for f in t.count_fields:
        wholes = [v.whole for r in t.rows if (v := r.values.get(f)) is not None]
        if len(wholes) == len(t.rows) and None not in wholes:  # nearly always: add ints
            total = sum(wholes)
            sums.values[f] = Value(None, Number(Fraction(total)), whole=total)
            continue
        vals = [r.count(f) for r in t.rows]
        if all(x is not None for x in vals):
            sums.values[f] = Value(None, Number(sum(vals, Fraction(0))))
    return sums


def _total_rules(ctx: _Ctx, denominators: dict[str, str], plan: _Plan) -> None:
    t = ctx.table
    if t.total is None or not t.rows:
        return
    sums = _unit_sums(t)
    bad = False
    for f in t.count_fields:
        got, want = t.total.count(f), sums.count(f)
        if got is not None and want is not None and got != want:
            bad = True
            ctx.add("total_row", t.total, f, expected=_fmt(want), found=_fmt(got), unit="")
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
    for f, v in row.values.items():
        if f not in SHARE_OF or v.error or v.problem or not v.usable:
            continue
        wholes = [w for w in SHARE_OF[f] if t.column(w)]
        if not wholes:
            continue
        if online_whole and f == "received_online" and online_whole in wholes:
            wholes = [online_whole] + [w for w in wholes if w != online_whole]
        num = total.count(f)
        if num is None:
            continue
        agreeing = [w for w in wholes if total.count(w) and _agrees(v.percent, v.percent_decimals,
                                                                      num, total.count(w))]
        if v.number.style == "en" and ctx.profile.decimal == "vi":
            _decimal_issue(ctx, row, f, v, format_percent(v.percent / 100, v.percent_decimals))
        if agreeing:
            if agreeing[0] != wholes[0]:
                conventions[f] = agreeing[0]
            continue
        den = total.count(wholes[0])
        if not den:
            continue
        ctx.add("total_row", row, f, key="ratio_mismatch", found=_raw_text(v),
                expected=format_decimal(Fraction(num) * 100 / den, v.percent_decimals), unit="")
    for f, whole in conventions.items():
        ctx.add("denominator_convention", None, f, denominator=label(whole, ctx.lang),
                default=label(SHARE_OF[f][0], ctx.lang), unit="")


def _unit_rules(ctx: _Ctx) -> None:
    t = ctx.table
    seen: dict[str, Row] = {}
    for row in t.rows:
        if row.label.startswith("(dòng "):
            continue
        # fields of procedures are not units: only their spelling tells duplicates apart
        m = match_unit(row.label) if t.unit_kind == "department" else None
        key = m.unit.code if m and m.unit else fold(row.label)
        if key in seen:
            ctx.add("duplicate_unit", row, "unit", column=_label_col(row), found=row.label,
                    expected=str(seen[key].excel_row))
        else:
            seen[key] = row
        if t.unit_kind != "department":
            continue
        if m.unit is None and not m.local:
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


def _label_col(row: Row) -> str:
    return column_letter(row.label_column)


def check_table(table: Table, profile: Profile, lang: str = "vi") -> list[Issue]:
    """Every finding on one table."""
    ctx = _Ctx(table, profile, lang, [])
    denominators = _choose_denominators(ctx)
    plan = _plan(table)
    has_ratios = any(f in STATED_RATIOS or f in denominators for f in table.fields)
    for row in table.rows:
        _cell_rules(ctx, row)
        if has_ratios:
            _ratio_rules(ctx, row, denominators)
    _row_identities(ctx, table.rows, plan)
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
    return sort_issues(ctx.issues)
