"""A recognised table: canonical columns, unit rows, the total and ratio rows, and where
every value came from."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..domain.fields import COUNT_FIELDS, is_ratio_field
from ..domain.issues import column_letter
from ..domain.numbers import Number
from ..domain.periods import Period

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Column", "ColumnNote", "Value", "Row", "Table", "exact_column", "whole_column", "whole_columns"]


@dataclass(frozen=True)
class Column:
    index: int  # 0-based sheet column
    field: str | None
    path: tuple[str, ...]

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def is_ratio(self) -> bool:
        return is_ratio_field(self.field)


@dataclass(frozen=True)
class ColumnNote:
    """What the reader decided about a column its header alone did not settle.

    ``kind``: "inferred" (the numbers named it ``field``), "conflict" (the header said
    ``header_field``, the numbers ``field``; read as ``field``), "unrecognised" (figures
    that map to no field; ``candidates`` nearest first) or "known" (figures of a kind
    no field holds, ``what`` says which: "level", "procedures"; for "inferred" without
    evidence, "remembered" or "header": no row could test it).  ``evidence``: (left, right, held, rows) per
    identity that decided, in column letters ("G", "H+I+J", 7, 7)."""

    kind: str
    column: int
    path: tuple[str, ...]
    field: str | None = None
    header_field: str | None = None
    evidence: tuple[tuple[str, str, int, int], ...] = ()
    candidates: tuple[str, ...] = ()
    what: str = ""

    @property
    def letter(self) -> str:
        return column_letter(self.column)


@dataclass(slots=True)  # no __dict__: made for every cell that is not a shared whole count
class Value:
    """One cell of a count or ratio column.  ``number`` is None for a blank; ``error``
    holds an Excel error ("#DIV/0!"), ``problem`` a text that is not a number."""

    raw: Any
    number: Number | None = None
    error: str | None = None
    problem: str | None = None
    formula: str | None = None
    percent: Fraction | None = None  # for ratio cells: the stated ratio in percent (94.87)
    percent_decimals: int = 0
    # a numeric count cell holding a whole number >= 0, as an int: nothing to report on
    # the cell itself.  Such values are shared between cells and never changed.
    whole: int | None = None

    @property
    def usable(self) -> bool:
        return self.number is not None and self.error is None and self.problem is None

    @property
    def blank(self) -> bool:
        return self.number is None and self.error is None and self.problem is None


@dataclass(slots=True)  # no __dict__: a 10,000-row range makes 10,000 of them
class Row:
    index: int  # 0-based sheet row
    label: str
    kind: str  # unit | total | ratio
    values: dict[str, Value] = field(default_factory=dict)
    label_column: int = 0

    @property
    def excel_row(self) -> int:
        return self.index + 1

    def exact(self, name: str) -> int | Fraction | None:
        """:meth:`count` as an int when whole: a shared whole count's int, without
        building a Fraction (the rules and the consolidation ask for every cell)."""
        v = self.values.get(name)
        if v is not None and v.whole is not None:
            return v.whole
        x = self.count(name)
        return x.numerator if x is not None and x.denominator == 1 else x

    def count(self, name: str) -> Fraction | None:
        """The exact value of a count field, None when absent or unusable."""
        v = self.values.get(name)
        if v is not None and v.whole is not None:
            return v.number.value
        if v is None or not v.usable or v.number.percent:
            return None
        return v.number.value


def whole_column(rows: list[Row], name: str) -> list[int | None] | None:
    """The shared whole count (:attr:`Value.whole`) of field ``name`` of every row, None
    where the cell holds anything else; None when some row has no such field.  In
    C-level passes: every row of a table holds every field of its columns."""
    try:
        return list(map(_WHOLE, map(operator.itemgetter(name), map(_VALUES, rows))))
    except KeyError:
        return None


def whole_columns(rows: list[Row], fields: list[str]) -> dict[str, list[int | None]] | None:
    """:func:`whole_column` of each of ``fields``, the rows' values taken once for all
    of them; None when some row lacks one of them."""
    if len(fields) == 1:  # (itemgetter of one key gives the value, not a tuple)
        col = whole_column(rows, fields[0])
        return None if col is None else {fields[0]: col}
    try:
        cells = zip(*map(operator.itemgetter(*fields), map(_VALUES, rows)))
        return {f: list(map(_WHOLE, col)) for f, col in zip(fields, cells)} if rows else {f: [] for f in fields}
    except KeyError:
        return None


def exact_column(rows: list[Row], name: str, wholes: list[int | None] | None = None) -> list[int | Fraction | None]:
    """``[r.exact(name) for r in rows]``, with a shared whole count's int taken without
    the call (the rules ask for every cell of every count column); ``wholes``: the
    :func:`whole_column` already found."""
    out = whole_column(rows, name) if wholes is None else list(wholes)
    if out is None:
        return [r.exact(name) for r in rows]
    if None in out:
        for i in [i for i, w in enumerate(out) if w is None]:
            out[i] = rows[i].exact(name)
    return out


_VALUES, _WHOLE = operator.attrgetter("values"), operator.attrgetter("whole")


@dataclass
class Table:
    file: str
    sheet: str
    form: str  # results | satisfaction | fees | digital
    columns: list[Column]
    header_rows: list[int]  # 0-based sheet rows
    rows: list[Row]
    total: Row | None = None
    ratio_row: Row | None = None
    unit_column: int | None = None
    numbering_row: int | None = None
    title: str = ""
    period: Period | None = None
    unit_kind: str = "department"  # department | field | level | period
    marker: str | None = None  # the form mark of a workbook xl-tthc wrote (read.marker), else None
    # field -> (units reporting it, units): the coverage row of a consolidated table, for
    # the columns only some departments report
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)
    notes: list[ColumnNote] = field(default_factory=list)  # columns the header alone did not settle

    def column(self, name: str) -> Column | None:
        """The first column of field ``name`` (looked up in an index that is rebuilt
        when ``columns`` is replaced or changes length: the rules ask per row)."""
        return self._shape()[2].get(name)

    def _shape(self) -> tuple:
        """(columns, their number, field -> first column, the fields of the columns as a
        frozenset, :attr:`fields`, :attr:`count_fields`), rebuilt when ``columns`` is
        replaced or changes length."""
        cached = self.__dict__.get("_column_index")
        if cached is None or cached[0] is not self.columns or cached[1] != len(self.columns):
            fields = tuple(c.field for c in self.columns if c.field and c.field not in ("unit", "stt"))
            cached = (self.columns, len(self.columns), {c.field: c for c in reversed(self.columns) if c.field},
                      frozenset(c.field for c in self.columns if c.field), fields,
                      tuple(f for f in fields if f in COUNT_FIELDS))
            self.__dict__["_column_index"] = cached
        return cached

    @property
    def field_set(self) -> frozenset[str]:
        """The fields of the columns ("unit" and "stt" included)."""
        return self._shape()[3]

    @property
    def fields(self) -> list[str]:
        return list(self._shape()[4])

    @property
    def count_fields(self) -> list[str]:
        return list(self._shape()[5])

    @property
    def units(self) -> list[str]:
        return [r.label for r in self.rows]

    def totals(self) -> dict[str, Fraction]:
        """The total row's counts; without a total row, the sums of the unit rows (a
        field with an unusable unit value is left out)."""
        if self.total is not None:
            return {f: v for f in self.count_fields if (v := self.total.count(f)) is not None}
        sums = {}
        for f in self.count_fields:
            values = [r.count(f) for r in self.rows]
            if values and all(v is not None for v in values):
                sums[f] = sum(values, Fraction(0))
        return sums

    def unit_records(self) -> list[dict[str, Any]]:
        """One dict per unit row: "unit" and the exact count of every count field."""
        return [{"unit": r.label, **{f: r.count(f) for f in self.count_fields}} for r in self.rows]

    def frame(self) -> "pd.DataFrame":
        """Unit rows and the total row as a pandas DataFrame of the canonical count
        fields (nullable integers; unusable or fractional values are NA), validated by
        :class:`xl_tthc.read.schema.ResultsFrame`.  ``excel_row`` keeps the position."""
        import pandas as pd

        from .schema import ResultsFrame

        records = []
        for r in self.rows + ([self.total] if self.total else []):
            rec: dict[str, Any] = {"unit": r.label, "kind": r.kind, "excel_row": r.excel_row}
            for f in self.count_fields:
                v = r.count(f)
                rec[f] = int(v) if v is not None and v.denominator == 1 and v >= 0 else None
            records.append(rec)
        df = pd.DataFrame.from_records(records, columns=["unit", "kind", "excel_row", *self.count_fields])
        df = df.astype({f: "Int64" for f in self.count_fields} | {"excel_row": "int64"})
        return ResultsFrame.validate(df, lazy=True)
