"""Column meaning from the numbers, where the header path leaves it open.

The header path is the first evidence (:mod:`xl_tthc.read.headers`); this module is
the second.  For a column whose header names no field, or names one only by a
default ("Kết quả giải quyết / Tổng số", a bare "Quá hạn"), it tests the identities of
domain.md over the table's rows with the column in each role it could have — a whole
that equals the sum of its parts, a part of a whole, the denominator or numerator of a
stated ratio at its stated precision — and takes the field the rows support:
on at least two rows, on at least three rows in five (a planted fault or two must not
hide a column), and better than any other field.  What it decided, and every column of
figures it could not place, is returned as :class:`~xl_tthc.read.table.ColumnNote`
records for the rules to report.

It runs only for the columns a layout leaves open, and remembers per layout what it
decided, so the next file of a batch in the same layout only confirms it.
"""

from __future__ import annotations

import difflib
from fractions import Fraction
from typing import Callable, Iterator, Sequence

from ..domain.fields import (FIELDS, IDENTITIES, RATIOS, RESULT_FIELDS, SATISFACTION_FIELDS, SHARE_OF, is_ratio_field,
                             share_of)
from ..domain.issues import column_letter
from ..domain.numbers import NumberError, parse_number, percent_agrees
from ..domain.text import fold
from .grid import Sheet
from .table import ColumnNote, Row, Table, exact_column

__all__ = ["OpenColumn", "decide", "MIN_HELD"]

MIN_HELD = 2  # rows on which an identity must hold before it names a column
_SHARE = Fraction(3, 5)  # … and the share of the rows it can be tested on

OpenColumn = tuple[int, tuple[str, ...], "str | None", tuple[str, ...]]  # index, path, header's field, candidates

# (whole, parts) of every identity, the balance received = resolved + pending included
_SUMS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (whole, parts) for whole, alternatives, _rule, _key in IDENTITIES for parts in alternatives
) + (("received", ("resolved", "pending")),)

# columns of figures that are no canonical field, by a word of their header
_KNOWN = (("mức độ", "level"), ("toàn trình", "level"), ("một phần", "level"), ("số thủ tục", "procedures"),
          ("số tthc", "procedures"), ("số lượng tthc", "procedures"))


class _Rows:
    """The figures of a table's unit and total rows, per field (mapped columns) or per
    sheet column (open ones), parsed once."""

    def __init__(self, sheet: Sheet, rows: list[Row]):
        self.sheet, self.rows = sheet, rows
        self._field: dict[str, list] = {}
        self._raw: dict[int, list] = {}

    def field(self, f: str) -> list:
        out = self._field.get(f)
        if out is None:
            if is_ratio_field(f):
                out = [(v.percent, v.percent_decimals) if (v := r.values.get(f)) is not None and v.usable
                       and v.percent is not None else None for r in self.rows]
            else:
                out = exact_column(self.rows, f)  # ints where whole: the tests add them
            self._field[f] = out
        return out

    def raw(self, c: int) -> list:
        """The numbers of sheet column ``c``: a Fraction, ("%", value, decimals) for a
        text with a percent sign, or None."""
        out = self._raw.get(c)
        if out is None:
            out = []
            for r in self.rows:
                cells = self.sheet.values[r.index]
                v = cells[c] if c < len(cells) else None
                try:
                    n = parse_number(None if v == "" else v)
                except NumberError:
                    n = None
                out.append(None if n is None else (("%", n.value, n.decimals) if n.percent else n))
            self._raw[c] = out
        return out


def _counts(raw: list) -> list:
    return [None if x is None or isinstance(x, tuple) else
            (x.value.numerator if x.value.denominator == 1 else x.value) for x in raw]


def _percents(raw: list) -> list:
    """A column's numbers read as percents: text "94,87%" as written; numeric cells as
    fractions (0.9487 is 94.87) unless most are above 1 (94.87 already)."""
    nums = [x for x in raw if x is not None and not isinstance(x, tuple)]
    hundred = sum(1 for n in nums if n.value > 1) > sum(1 for n in nums if 0 < n.value <= 1)
    out = []
    for x in raw:
        if x is None:
            out.append(None)
        elif isinstance(x, tuple):
            out.append((x[1], x[2]))
        elif hundred:
            out.append((x.value, x.decimals))
        else:
            out.append((x.value * 100, max(0, x.decimals - 2)))
    return out


def _looks_ratio(raw: list) -> bool:
    nums = [x for x in raw if x is not None]
    if not nums:
        return False
    pct = sum(1 for x in nums if isinstance(x, tuple))
    frac = sum(1 for x in nums if not isinstance(x, tuple) and not x.is_integer)
    return pct + frac > len(nums) // 2


class _Relation:
    """One identity with the open column in one role: ``left`` = ``right`` (sums) or
    ``left`` = num / den (ratios), by field names."""

    def __init__(self, kind: str, left: str, parts: tuple[str, ...], den: str | None = None):
        self.kind, self.left, self.parts, self.den = kind, left, parts, den

    def test(self, values: Callable[[str], list], n: int) -> tuple[int, int]:
        """(rows where it holds, rows where it can be tested)."""
        held = rows = 0
        left = values(self.left)
        parts = [values(p) for p in self.parts]
        den = values(self.den) if self.den else None
        for i in range(n):
            w = left[i]
            xs = [p[i] for p in parts]
            if w is None or None in xs:
                continue
            if self.kind == "sum":
                if w == 0 and not any(xs):
                    continue  # 0 = 0 + 0 tells nothing
                rows += 1
                held += w == sum(xs)
            else:
                d = den[i]
                if not d:
                    continue
                rows += 1
                held += percent_agrees(w[0], w[1], sum(xs), d)
        return held, rows

    def text(self, letters: dict[str, str]) -> tuple[str, str]:
        if self.kind == "sum":
            return letters[self.left], "+".join(letters[p] for p in self.parts)
        num = "+".join(letters[p] for p in self.parts)
        return letters[self.left], f"{'(' + num + ')' if len(self.parts) > 1 else num}/{letters[self.den]}"


def _relations(f: str, have: set[str]) -> Iterator[_Relation]:
    """Every identity in which field ``f`` (the open column) meets only mapped fields."""
    ok = lambda fields: f in fields and all(x == f or x in have for x in fields)  # noqa: E731
    for whole, parts in _SUMS:
        if ok((whole, *parts)) and len(set((whole, *parts))) == len(parts) + 1:
            yield _Relation("sum", whole, parts)
    for r in sorted(x for x in have | {f} if is_ratio_field(x)):
        count = share_of(r)
        if count:
            options = [((count,), d) for d in SHARE_OF[count] if d in FIELDS]
        elif r in RATIOS:
            spec = RATIOS[r]
            options = [(num, d) for num in spec.numerators for d in (spec.denominator, *spec.alt_denominators)
                       if d in FIELDS]
        else:
            continue
        for num, d in options:
            if ok((r, *num, d)) and d not in num:
                yield _Relation("ratio", r, num, d)


def _support(f: str, c: int, data: _Rows, have: dict[str, str]) -> tuple[int, int, list]:
    """How well the rows support column ``c`` being field ``f``: the best identity's
    (held, rows), and the evidence of every identity that holds on enough rows."""
    raw = data.raw(c)
    own = _percents(raw) if is_ratio_field(f) else _counts(raw)
    values = lambda x: own if x == f else data.field(x)  # noqa: E731
    letters = {**have, f: column_letter(c)}
    n = len(data.rows)
    best = None
    evidence = []
    for rel in _relations(f, set(have)):
        held, rows = rel.test(values, n)
        if best is None or held > best[0] or (held == best[0] and 0 < rows < best[1]) or (best[1] == 0 < rows):
            best = (held, rows)
        if _accepted(held, rows):
            evidence.append((*rel.text(letters), held, rows))
    evidence.sort(key=lambda e: (-e[2], e[3]))
    best = best or (0, 0)
    return best[0], best[1], evidence[:3]


def _accepted(held: int, rows: int) -> bool:
    return held >= MIN_HELD and held * _SHARE.denominator >= _SHARE.numerator * rows  # ints: no Fraction made


def _fields_for(form: str, ratio: bool) -> tuple[str, ...]:
    if ratio:
        return tuple(RATIOS)
    return SATISFACTION_FIELDS if form == "satisfaction" else tuple(f for f in RESULT_FIELDS)


def _known(path: Sequence[str]) -> str | None:
    full = " / ".join(fold(p) for p in path)
    return next((what for word, what in _KNOWN if word in full), None)


def _nearest(path: Sequence[str], pool: Sequence[str], have: set[str]) -> list[str]:
    leaf = fold(path[-1]) if path else ""
    labels = {fold(FIELDS[f].vi): f for f in pool if f not in have and f in FIELDS}
    return [labels[x] for x in difflib.get_close_matches(leaf, list(labels), n=3, cutoff=0.3)] if leaf else []


# id(columns) -> (columns, their mapped fields' letters): a layout's files share the list
# (held here, so that its id is not reused)
_MAPPED: dict[int, tuple[list, dict[str, str]]] = {}


def _mapped(columns: list) -> dict[str, str]:
    """The column letter of each field of ``columns`` but the unit and STT (not to be
    changed: :func:`decide` copies it)."""
    got = _MAPPED.get(id(columns))
    if got is not None and got[0] is columns:
        return got[1]
    out = {c.field: c.letter for c in columns if c.field and c.field not in ("unit", "stt")}
    if len(_MAPPED) >= 1 << 12:
        _MAPPED.clear()
    _MAPPED[id(columns)] = (columns, out)
    return out


def decide(table: Table, sheet: Sheet, open_columns: Sequence[OpenColumn],
           remembered: dict[int, str] | None = None) -> tuple[dict[int, str], list[ColumnNote]]:
    """The fields the numbers give the open columns of ``table`` (sheet column ->
    field) and the notes to report.  ``remembered``: what an earlier file of the same
    layout decided, confirmed first."""
    rows = table.rows + ([table.total] if table.total else [])
    data = _Rows(sheet, rows)
    have = _mapped(table.columns).copy()
    decided: dict[int, str] = {}
    notes: list[ColumnNote] = []
    figures = [oc for oc in open_columns if any(x is not None for x in data.raw(oc[0]))]

    # headers that name a field only by a default: keep it unless the numbers say otherwise
    for c, path, header, cands in figures:
        if header is None or not cands:
            continue
        rest = {f: x for f, x in have.items() if f != header}
        h_held, h_rows, _ = _support(header, c, data, rest)
        if _accepted(h_held, h_rows):
            continue
        scored = [(f, *_support(f, c, data, rest)) for f in cands if f != header and f not in have]
        scored = [s for s in scored if _accepted(s[1], s[2]) and s[1] > h_held]
        if scored:
            f, held, n, evidence = max(scored, key=lambda s: (s[1], -s[2]))
            decided[c] = f
            del have[header]
            have[f] = column_letter(c)
            # the header's own field failing on the rows is a conflict; untestable, an ambiguity settled
            kind = "conflict" if h_rows >= MIN_HELD else "inferred"
            notes.append(ColumnNote(kind, c, path, f, header, tuple(evidence)))

    # figures of a kind no field holds (dossiers by service level): said, never inferred
    notes += [ColumnNote("known", c, path, what=_known(path)) for c, path, header, _ in figures
              if header is None and _known(path)]
    unknown = [oc for oc in figures if oc[2] is None and not _known(oc[1])]
    progress = True
    while unknown and progress:  # a column named by the numbers may let the next be named
        progress = False
        best = None
        for oc in unknown:
            c, path, _, cands = oc
            ratio = _looks_ratio(data.raw(c))
            pool = [f for f in _fields_for(table.form, ratio) if f not in have]
            if remembered and remembered.get(c) in pool:
                f = remembered[c]
                held, n, evidence = _support(f, c, data, have)
                if _accepted(held, n) or n == 0:  # no row here can say otherwise (all zero)
                    best = (oc, f, held, n, evidence if n else "remembered")
                    break
            scored = sorted(((f, *_support(f, c, data, have)) for f in pool),
                            key=lambda s: (-s[1], s[0] not in cands, cands.index(s[0]) if s[0] in cands else 0))
            open_cands = [f for f in cands if f in pool]
            if len(open_cands) == 1 and all(s[2] == 0 for s in scored if s[0] == open_cands[0]):
                # one field left that the header allows, and no row to test it on (all zero)
                best = (oc, open_cands[0], 0, 0, "header")
                continue
            if not scored or not _accepted(scored[0][1], scored[0][2]):
                continue
            top = scored[0]
            tied = [s for s in scored[1:] if s[1] == top[1] and s[2] == top[2]]
            if tied and not (top[0] in cands and all(s[0] not in cands or cands.index(s[0]) > cands.index(top[0])
                                                     for s in tied)):
                continue  # two fields fit equally well: not decided by the numbers
            if best is None or top[1] > best[2]:
                best = (oc, *top)
        if best:
            oc, f, held, n, evidence = best
            decided[oc[0]] = f
            have[f] = column_letter(oc[0])
            if isinstance(evidence, str):  # named by the layout's earlier files, or by the header alone
                notes.append(ColumnNote("inferred", oc[0], oc[1], f, None, (), what=evidence))
            else:
                notes.append(ColumnNote("inferred", oc[0], oc[1], f, None, tuple(evidence)))
            unknown.remove(oc)
            progress = True

    for c, path, _, cands in unknown:
        ratio = _looks_ratio(data.raw(c))
        pool = [f for f in _fields_for(table.form, ratio) if f not in have]
        # nearest: what the header suggests, then the fields whose identities hold on some
        # rows, then those that could be tested here at all, then the closest labels
        partial = sorted(((f, *_support(f, c, data, have)[:2]) for f in pool), key=lambda s: (-s[1], -s[2]))
        near = [f for f in cands if f not in have]
        near += [f for f, held, rows in partial if rows > 0 and f not in near]
        near += [f for f in _nearest(path, pool, set(have)) if f not in near]
        notes.append(ColumnNote("unrecognised", c, path, candidates=tuple(near[:3])))
    notes.sort(key=lambda n: n.column)
    return decided, notes

