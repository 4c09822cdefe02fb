"""Cross-check a report's prose against its table and against itself.

Every figure of the prose has a scope (``Figure.scope``: whose, when): the report's own
unit and period, a level (cấp tỉnh / cấp huyện / cấp xã), the province, a named
department or district, another period, a cumulative count.  Figures are compared only
with figures of the same scope, or through an identity that links scopes (the levels add
up to the province).  A figure whose scope the words leave unclear is not compared.

Rule ``narrative_mismatch`` (error), one finding per figure, each quoting its sentence:

- ``table``: a count differs from the table's for what it counts (the table's total row
  for the report's own scope, a unit row for a department named in the text);
- ``duplicate``: the same quantity stated twice with different values;
- ``subset``: a part larger than its whole ("trực tuyến" above "tiếp nhận mới");
- ``sum``: stated parts that do not add up to their stated total (only when every part
  is stated): early + on time + late = resolved, the channels (trực tuyến, trực tiếp,
  bưu chính) = received, in time + overdue = pending, the levels = the province;
  resolved + pending above the dossiers received;
- ``percent``: a percentage that is not the share it claims, compared at its stated
  precision with Excel rounding; its denominator is the one the text names ("trên tổng
  số 8.605 hồ sơ", "số hồ sơ tiếp nhận mới", "4.561/5.650"), else one of the documented
  conventions (domain.md, and the dossiers due where the text states them).

Approximate counts ("gần 27.000", "trên 7.600", "4,52 ngàn") stand for the range their
wording allows and disagree only when no value in that range fits.  A dot-decimal share
("96.8%") is read and reported once as ``decimal_separator`` (warning).

With a table, the table is the reference: a check inside the text is skipped when one of
its figures already differs from the table, so one mistyped figure gives one finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from fractions import Fraction

from ..domain.fields import SHARE_OF
from ..domain.fields import label as field_label
from ..domain.issues import RULES, Issue, message
from ..domain.numbers import format_count, format_percent, round_scaled
from .narrative import IDENTITIES, complete_totals
from .report import PROVINCE, Figure, extract, unit_key

__all__ = ["crosscheck"]

# (part, whole): a part never exceeds its whole.
SUBSETS = {
    ("received_online", "received_new"), ("received_online", "received"),
    ("received_direct", "received_new"), ("received_direct", "received"),
    ("received_postal", "received_new"), ("received_postal", "received"),
    ("received_new", "received"), ("carried_over", "received"),
    ("resolved", "received"), ("pending", "received"),
    ("resolved_early", "resolved"), ("resolved_on_time", "resolved"), ("resolved_in_time", "resolved"),
    ("resolved_late", "resolved"), ("resolved_early", "resolved_in_time"), ("resolved_on_time", "resolved_in_time"),
    ("pending_in_time", "pending"), ("pending_overdue", "pending"),
    ("resolved_in_time", "due"), ("pending_overdue", "due"),
}
# The identities of domain.md as prose states them: the channels of the new dossiers
# ("trực tuyến", "trực tiếp", "qua dịch vụ bưu chính công ích"), with the carried-over
# ones when the total is meant.
PROSE_IDENTITIES: tuple[tuple[str, tuple[str, ...]], ...] = IDENTITIES + (
    ("received_new", ("received_online", "received_direct", "received_postal")),
    ("received", ("carried_over", "received_online", "received_direct", "received_postal")),
)
CHANNELS = ("received_online", "received_direct", "received_postal")
LEVELS = {"cấp tỉnh": {"tỉnh"}, "cấp huyện": {"huyện"}, "cấp xã": {"xã"}, "cấp huyện, xã": {"huyện", "xã"},
          "cấp tỉnh, huyện": {"tỉnh", "huyện"}}
_QUOTE = 240
Scope = tuple[str, str]
OWN: Scope = ("", "")


def _label(field: str, lang: str) -> str:
    if field == "due":
        return "Hồ sơ đến hạn giải quyết" if lang == "vi" else "Dossiers due"
    return field_label(field, lang)


def _quote(fig: Figure) -> str:
    text = fig.sentence.text
    if len(text) <= _QUOTE:
        return text
    half = _QUOTE // 2
    start = max(0, fig.start - half)
    end = min(len(text), fig.start + half)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    stop = text.find(" ", end)
    end = len(text) if stop < 0 else stop
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _meaning(fig: Figure) -> tuple[str, ...]:
    return (fig.field,) if fig.field else fig.fields


def _scope_label(scope: Scope) -> str | None:
    whose, when = scope
    return ", ".join(p for p in (whose, when) if p) or None


Interval = tuple[Fraction, Fraction]


def _iv(fig: Figure) -> Interval:
    return fig.low, fig.high


def _exact(n: int | Fraction) -> Interval:
    return Fraction(n), Fraction(n)


def _share_agrees(stated: Fraction, decimals: int, num: Interval, den: Interval) -> bool:
    """Whether a stated percent is num/den at its stated precision: Excel's rounding for
    exact counts; for approximate ones, whether some value in their ranges rounds to it."""
    if den[1] <= 0:
        return False
    if num[0] == num[1] and den[0] == den[1]:
        n, d = num[0], den[0]
        return stated * 10**decimals == round_scaled(n * 100, d, decimals)
    half = Fraction(1, 2 * 10**decimals)
    low = num[0] * 100 / den[1]
    if den[0] <= 0:
        return low < stated + half
    return low < stated + half and num[1] * 100 / den[0] >= stated - half


def _overlap(a: Interval, b: Interval) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _sum(ivs: Iterable[Interval]) -> Interval:
    ivs = list(ivs)
    return sum((i[0] for i in ivs), Fraction(0)), sum((i[1] for i in ivs), Fraction(0))


def _nominal(fig: Figure) -> Fraction:
    return fig.value


class _Check:
    def __init__(self, figures: list[Figure], table: Mapping[str, int], units: Mapping[str, Mapping[str, int]],
                 source: str, lang: str):
        self.all = figures
        self.table = table
        self.units = units
        self.source = source
        self.lang = lang
        self.found: dict[Figure, Issue] = {}
        self.scopes: dict[Scope, list[Figure]] = defaultdict(list)
        for f in figures:
            self.scopes[f.scope].append(f)

    # ------------------------------------------------------------------ helpers

    def flag(self, fig: Figure, variant: str, expected: str, **params: object) -> None:
        field = fig.field or fig.fields[0]
        text = message(f"narrative_mismatch.{variant}", self.lang, label=_label(field, self.lang), found=fig.text,
                       expected=expected, quote=_quote(fig), **params)
        text += " " + message("narrative_mismatch.at", self.lang, row=fig.sentence.row, offset=fig.offset + 1)
        self.found[fig] = Issue(self.source, None, fig.sentence.row, None, _scope_label(fig.scope), field,
                                "narrative_mismatch", RULES["narrative_mismatch"], expected, fig.text, text)

    def ok(self, *figs: Figure | None) -> bool:
        return not any(f in self.found for f in figs if f is not None)

    def table_of(self, scope: Scope) -> Mapping[str, int]:
        """The table values that state what figures of ``scope`` count."""
        whose, when = scope
        if when:
            return {}
        if whose == "" or (whose == PROVINCE and not self.scopes.get(OWN)):
            return self.table
        if whose:
            key = unit_key(whose)
            for name, row in self.units.items():
                if key == name or name.startswith(key + " ") or key.startswith(name + " "):
                    return row
        return {}

    def from_table(self, scope: Scope, fields: tuple[str, ...]) -> list[Interval]:
        table = self.table_of(scope)
        return list(dict.fromkeys(_exact(table[c]) for c in fields if c in table))

    def values(self, fig: Figure) -> list[Interval]:
        """What a stated figure stands for: the table's values where it has them."""
        return self.from_table(fig.scope, fig.fields) or [_iv(fig)]

    def counts(self, scope: Scope) -> list[Figure]:
        return [f for f in self.scopes.get(scope, ()) if f.kind == "count"]

    def lookup(self, fields: tuple[str, ...], at: Figure) -> list[Interval]:
        """The values of a quantity the text names without a number, likeliest first: the
        table's, else the unflagged figure of the same scope stating it (in the sentence
        of ``at`` if there is one, else the last exact one before it, else the first)."""
        vals = self.from_table(at.scope, fields)
        if vals:
            return vals
        counts = self.counts(at.scope)
        for field in fields:
            stating = [f for f in counts if self.ok(f) and field in _meaning(f)]
            if not stating:
                continue
            same = [f for f in stating if f.sentence is at.sentence]
            before = [f for f in stating if not f.approximate and self.all.index(f) < self.all.index(at)]
            pick = same[0] if same else before[-1] if before else stating[0]
            vals.append(_iv(pick))
        if not vals:  # what follows from the stated figures: new = received − carried over, …
            exact = {f.field: int(f.value) for f in counts if f.field and not f.approximate and self.ok(f)}
            derived = complete_totals(exact)
            vals = [_exact(derived[f]) for f in fields if f in derived and f not in exact]
        return list(dict.fromkeys(vals))

    # ------------------------------------------------------------------ checks

    def against_table(self) -> None:
        for f in self.all:
            if f.kind != "count":
                continue
            table = self.table_of(f.scope)
            have = [c for c in f.fields if c in table]
            if have and not any(f.low <= table[c] <= f.high for c in have):
                self.flag(f, "table", format_count(table[have[0]]))

    def duplicates(self, counts: list[Figure]) -> None:
        first: dict[str, Figure] = {}
        for f in counts:
            if f.field is None or not self.ok(f):
                continue
            g = first.setdefault(f.field, f)
            if not _overlap(_iv(g), _iv(f)):
                self.flag(f, "duplicate", g.text, other_row=g.sentence.row)

    def subsets(self, counts: list[Figure]) -> None:
        for part in counts:
            for whole in counts:
                if part is whole or not self.ok(part, whole) or part.low <= whole.high:
                    continue
                if all((p, w) in SUBSETS for p in _meaning(part) for w in _meaning(whole)):
                    self.flag(part, "subset", whole.text, other_row=whole.sentence.row,
                              whole_label=_label(_meaning(whole)[0], self.lang))

    def _parts_text(self, parts: list[Figure], names: list[str] | None = None) -> str:
        names = names or [_label(p.field or p.fields[0], self.lang).lower() for p in parts]
        return " + ".join(f"{n} {format_count(p.value) if p.text.startswith('không') else p.text}"
                          for n, p in zip(names, parts))

    def sums(self, counts: list[Figure]) -> None:
        stated: dict[str, Figure] = {}
        for f in sorted(counts, key=lambda f: f.approximate):  # an exact statement before a rounded one
            if f.field and self.ok(f):
                stated.setdefault(f.field, f)
        for total, parts in PROSE_IDENTITIES:
            if not all(f in stated for f in (total, *parts)):
                continue
            if total == "received" and "received_online" in parts and "received_new" in stated:
                continue  # the channels are checked against the new dossiers the text states
            whole, rest = stated[total], [stated[p] for p in parts]
            if not self.ok(whole, *rest):
                continue
            got = _sum(_iv(p) for p in rest)
            if not _overlap(_iv(whole), got):
                self.flag(whole, "sum", format_count(sum(_nominal(p) for p in rest)), parts=self._parts_text(rest))
        self.channels(counts, stated)
        self.balance(counts, stated)

    def channels(self, counts: list[Figure], stated: dict[str, Figure]) -> None:
        """Every channel stated under a received figure whose words leave open whether it is
        the total or the new dossiers: the channels cannot add up to more than it."""
        if not all(c in stated for c in CHANNELS) or "carried_over" in stated:
            return
        parts = [stated[c] for c in CHANNELS]
        got = _sum(_iv(p) for p in parts)
        for f in counts:
            if f.field is None and set(f.fields) == {"received", "received_new"} and self.ok(f, *parts):
                if got[0] > f.high:
                    self.flag(f, "sum", format_count(sum(_nominal(p) for p in parts)), parts=self._parts_text(parts))
                return

    def balance(self, counts: list[Figure], stated: dict[str, Figure]) -> None:
        """received = resolved + pending, where returned and withdrawn dossiers may be
        counted beside resolved: resolved + pending never exceeds received, and equals it
        (with or without the returned/withdrawn the text states) when all are stated."""
        if not all(f in stated for f in ("received", "resolved", "pending")):
            return
        whole, parts = stated["received"], [stated["resolved"], stated["pending"]]
        extra = [stated[f] for f in ("returned", "withdrawn") if f in stated]
        if not self.ok(whole, *parts, *extra):
            return
        got = _sum(_iv(p) for p in parts)
        fits = got[0] <= whole.high if not extra else (
            _overlap(_iv(whole), got) or _overlap(_iv(whole), _sum(_iv(p) for p in parts + extra)))
        if not fits:
            self.flag(whole, "sum", format_count(sum(_nominal(p) for p in parts)), parts=self._parts_text(parts))

    def levels(self) -> None:
        """The levels of a province (cấp tỉnh + cấp huyện + cấp xã) add up to it."""
        for (whose, when), figs in list(self.scopes.items()):
            if whose != PROVINCE:
                continue
            cover = [s for s in self.scopes if s[1] == when and s[0] in LEVELS]
            combos = [c for c in _partitions(cover) if set().union(*(LEVELS[s[0]] for s in c)) == {"tỉnh", "huyện", "xã"}]
            if not combos:
                continue
            combo = combos[0]
            for whole in [f for f in figs if f.kind == "count"]:
                meaning = _meaning(whole)
                parts = []
                for s in combo:
                    same = [f for f in self.counts(s) if _meaning(f) == meaning]
                    if len(same) != 1:
                        break
                    parts.append(same[0])
                else:
                    if not self.ok(whole, *parts):
                        continue
                    got = _sum(_iv(p) for p in parts)
                    if not _overlap(_iv(whole), got):
                        names = [p.scope[0] for p in parts]
                        self.flag(whole, "sum", format_count(sum(_nominal(p) for p in parts)),
                                  parts=self._parts_text(parts, names))

    def percentages(self) -> None:
        for p in self.all:
            if p.kind != "percent" or not self.ok(p.part, p.whole):
                continue
            nums = self.values(p.part) if p.part else self.lookup(p.fields, p)
            dens = [d for d in (self.values(p.whole) if p.whole else self.lookup(p.of, p)) if d[1] > 0]
            if not nums or not dens:
                continue
            shares = [(n, d) for n in nums for d in dens]
            if any(_share_agrees(p.value, p.decimals, n, d) for n, d in shares):
                continue
            n, d = shares[0]
            if p.whole is None and (self.base_unknown(p) or self.may_be_of_new(p, n, d)):
                continue
            mid_n, mid_d = (n[0] + n[1]) / 2, (d[0] + d[1]) / 2
            self.flag(p, "percent", format_percent(Fraction(mid_n, 1) / mid_d, p.decimals),
                      numerator=format_count(mid_n), denominator=format_count(mid_d))

    def base_unknown(self, p: Figure) -> bool:
        """Whether a share may be of a documented base the text does not state ("trực
        tuyến chiếm 45%" of the new dossiers, when only the total received is given far
        from it): then it cannot be recomputed."""
        conventions = {a for f in p.fields for a in SHARE_OF.get(f, ())}
        if not any(a in conventions and not self.lookup((a,), p) for a in p.of):
            return False
        counts = self.counts(p.scope)
        return not any(f.sentence is p.sentence and set(_meaning(f)) & set(p.of) for f in counts)

    def may_be_of_new(self, p: Figure, n: Interval, d: Interval) -> bool:
        """A share of the new dossiers recomputed over a "tiếp nhận" figure that may be the
        total (carried-over ones not stated): the new ones are fewer, so only a share
        below the recomputed one is impossible."""
        if "received_new" not in p.of or self.table_of(p.scope):
            return False
        counts = self.counts(p.scope)
        if any(f.field in ("carried_over", "received", "received_new") for f in counts):
            return False
        return p.value * d[1] >= n[0] * 100

    def decimal_separators(self) -> list[Issue]:
        out = []
        vi = self.lang == "vi"
        for p in self.all:
            if p.kind == "percent" and p.dot_decimal:
                suggestion = p.text.replace(".", ",").replace(" ", "")
                text = message("decimal_separator", self.lang, label=_label(p.field or p.fields[0], self.lang),
                               found=p.text, expected=("phẩy" if vi else "comma"), used=("chấm" if vi else "dot"),
                               suggestion=suggestion)
                text += " " + message("narrative_mismatch.at", self.lang, row=p.sentence.row, offset=p.offset + 1)
                out.append(Issue(self.source, None, p.sentence.row, None, _scope_label(p.scope),
                                 p.field or p.fields[0], "decimal_separator", RULES["decimal_separator"],
                                 suggestion, p.text, text))
        return out

    def run(self) -> list[Issue]:
        self.against_table()
        for scope, figs in self.scopes.items():
            counts = [f for f in figs if f.kind == "count"]
            self.duplicates(counts)
            self.subsets(counts)
            self.sums(counts)
        self.levels()
        self.percentages()
        order = {f: i for i, f in enumerate(self.all)}
        issues = [self.found[f] for f in sorted(self.found, key=lambda f: (f.sentence.row, f.offset, order[f]))]
        return issues + self.decimal_separators()


def _partitions(scopes: list[Scope]) -> list[list[Scope]]:
    """Sets of level scopes whose levels do not overlap."""
    out: list[list[Scope]] = [[]]
    for s in scopes:
        out += [c + [s] for c in out if not any(LEVELS[x[0]] & LEVELS[s[0]] for x in c)]
    return [c for c in out if c]


def _unit_rows(units: Iterable[Mapping[str, object]] | None) -> dict[str, dict[str, int]]:
    rows = {}
    for u in units or ():
        name = str(u.get("unit") or "").strip()
        if name:
            rows[unit_key(name)] = complete_totals({k: v for k, v in u.items() if k != "unit"})
    return rows


def crosscheck(prose_text: str, totals: Mapping[str, object] | None = None, *, source: str = "REPORT",
               lang: str = "vi", units: Iterable[Mapping[str, object]] | None = None) -> list[Issue]:
    """The findings of rule ``narrative_mismatch`` for a report's prose, in reading order
    (then ``decimal_separator`` warnings for dot-decimal shares).

    ``prose_text``: the report as text (``prose.read_report`` reads .txt, .md, .docx).
    ``totals``: the table's total row, canonical field -> count; None checks the prose
    against itself only.  ``units``: the table's unit rows (dicts with "unit"), for the
    figures the text gives for a named department.  ``source`` goes into ``Issue.file``;
    ``Issue.row`` is the line (the paragraph of a .docx), ``Issue.unit`` the figure's
    scope when it is not the report's own, ``found`` the figure as written; the message
    quotes the sentence and gives the line and character.
    """
    table = complete_totals(totals) if totals else {}
    return _Check(extract(prose_text), table, _unit_rows(units), source, lang).run()
