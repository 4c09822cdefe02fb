"""Cross-check a report's prose against its table and against itself.

Rule ``narrative_mismatch`` (error), one finding per figure, each quoting its sentence:

- ``table``: a count differs from the table's total for what it counts;
- ``duplicate``: the same quantity stated twice with different values;
- ``subset``: a part larger than its whole ("trực tuyến" above "tiếp nhận mới");
- ``sum``: stated parts that do not add up to their stated total (only when every part
  is stated);
- ``percent``: a percentage that is not the share it claims, compared at its stated
  precision with Excel rounding; its denominator is the one the text names ("trên tổng
  số 8.605 hồ sơ", "số hồ sơ tiếp nhận mới"), else the default of domain.md.

With a table, the table is the reference: a check inside the text is skipped when one of
its figures already differs from the table, so one mistyped figure gives one finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ..domain.fields import label
from ..domain.issues import RULES, Issue, message
from .narrative import IDENTITIES, complete_totals
from ..domain.numbers import excel_round, format_count, format_percent
from .report import Figure, extract

__all__ = ["crosscheck"]

# (part, whole): a part never exceeds its whole.
SUBSETS = {
    ("received_online", "received_new"), ("received_online", "received"),
    ("received_direct", "received_new"), ("received_direct", "received"),
    ("received_new", "received"), ("carried_over", "received"),
    ("resolved", "received"), ("pending", "received"),
    ("resolved_early", "resolved"), ("resolved_on_time", "resolved"), ("resolved_in_time", "resolved"),
    ("resolved_late", "resolved"), ("resolved_early", "resolved_in_time"), ("resolved_on_time", "resolved_in_time"),
    ("pending_in_time", "pending"), ("pending_overdue", "pending"),
}
_QUOTE = 240


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


class _Check:
    def __init__(self, figures: list[Figure], table: Mapping[str, int], source: str, lang: str):
        self.counts = [f for f in figures if f.kind == "count"]
        self.percents = [f for f in figures if f.kind == "percent"]
        self.table = table
        self.source = source
        self.lang = lang
        self.found: dict[Figure, Issue] = {}

    def flag(self, fig: Figure, variant: str, expected: str, **params: object) -> None:
        field = fig.field or fig.fields[0]
        text = message(f"narrative_mismatch.{variant}", self.lang, label=label(field, self.lang), found=fig.text,
                       expected=expected, quote=_quote(fig), **params)
        self.found[fig] = Issue(self.source, None, fig.sentence.row, None, None, field, "narrative_mismatch",
                                RULES["narrative_mismatch"], expected, fig.text, text)

    def ok(self, *figs: Figure) -> bool:
        return not any(f in self.found for f in figs)

    def values(self, fig: Figure) -> list[int]:
        """What a stated figure stands for: the table's values where it has them."""
        return self.from_table(fig.fields) or [int(fig.value)]

    def from_table(self, fields: tuple[str, ...]) -> list[int]:
        return list(dict.fromkeys(self.table[c] for c in fields if c in self.table))

    def lookup(self, fields: tuple[str, ...], at: Figure) -> list[int]:
        """The values of a quantity the text names without a number, likeliest first: the
        table's, else the unflagged figure stating it (in the sentence of ``at`` if there
        is one, else the first)."""
        vals = self.from_table(fields)
        if vals:
            return vals
        for field in fields:
            stating = [f for f in self.counts if self.ok(f) and field in _meaning(f)]
            if stating:
                vals.append(int(next((f for f in stating if f.sentence is at.sentence), stating[0]).value))
        return list(dict.fromkeys(vals))

    def against_table(self) -> None:
        for f in self.counts:
            have = [c for c in f.fields if c in self.table]
            if have and f.value not in {self.table[c] for c in have}:
                self.flag(f, "table", format_count(self.table[have[0]]))

    def duplicates(self) -> None:
        first: dict[str, Figure] = {}
        for f in self.counts:
            if f.field is None or not self.ok(f):
                continue
            g = first.setdefault(f.field, f)
            if g.value != f.value:
                self.flag(f, "duplicate", g.text, other_row=g.sentence.row)

    def subsets(self) -> None:
        for part in self.counts:
            for whole in self.counts:
                if part is whole or not self.ok(part, whole) or part.value <= whole.value:
                    continue
                if all((p, w) in SUBSETS for p in _meaning(part) for w in _meaning(whole)):
                    self.flag(part, "subset", whole.text, other_row=whole.sentence.row,
                              whole_label=label(_meaning(whole)[0], self.lang))

    def sums(self) -> None:
        stated: dict[str, Figure] = {}
        for f in self.counts:
            if f.field and self.ok(f):
                stated.setdefault(f.field, f)
        for total, parts in IDENTITIES:
            if not all(f in stated for f in (total, *parts)):
                continue
            whole, rest = stated[total], [stated[p] for p in parts]
            if not self.ok(whole, *rest):
                continue
            expected = sum(int(p.value) for p in rest)
            if whole.value != expected:
                named = " + ".join(f"{label(p.field or '', self.lang).lower()} {p.text}" for p in rest)
                self.flag(whole, "sum", format_count(expected), parts=named)

    def percentages(self) -> None:
        for p in self.percents:
            nums = self.values(p.part) if p.part else self.lookup(p.fields, p)
            dens = [d for d in (self.values(p.whole) if p.whole else self.lookup(p.of, p)) if d]
            if not nums or not dens:
                continue
            shares = [(n, d) for n in nums for d in dens]
            if any(excel_round(Fraction(n * 100, d), p.decimals) == p.value for n, d in shares):
                continue
            n, d = shares[0]
            self.flag(p, "percent", format_percent(Fraction(n, d), p.decimals),
                      numerator=format_count(n), denominator=format_count(d))

    def run(self) -> list[Issue]:
        self.against_table()
        self.duplicates()
        self.subsets()
        self.sums()
        self.percentages()
        order = {f: (f.sentence.row, i) for i, f in enumerate(self.counts + self.percents)}
        return [self.found[f] for f in sorted(self.found, key=lambda f: (order[f][0], f.start, order[f][1]))]


def crosscheck(prose_text: str, totals: Mapping[str, object] | None = None, *, source: str = "REPORT",
               lang: str = "vi") -> list[Issue]:
    """The findings of rule ``narrative_mismatch`` for a report's prose, in reading order.

    ``prose_text``: the report as text (``prose.read_report`` reads .txt, .md, .docx).
    ``totals``: the table's total row, canonical field -> count; None checks the prose
    against itself only.  ``source`` goes into ``Issue.file``; ``Issue.row`` is the line
    (the paragraph of a .docx), ``found`` the figure as written.
    """
    table = complete_totals(totals) if totals else {}
    return _Check(extract(prose_text), table, source, lang).run()
