"""Reporting periods from titles and labels.

"tháng 02 năm 2021", "quý I năm 2024", "6 tháng đầu năm 2023", "9 tháng năm 2023",
"năm 2023", "từ ngày 16/01/2021 đến ngày 15/02/2021".  An explicit date range wins
over the named period's calendar dates; a profile's cut-off day shifts month bounds.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .text import fold

__all__ = ["Period", "parse_period", "with_cutoff"]

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_RANGE = re.compile(
    r"(?:từ\s+(?:ngày\s+)?)?(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*(?:-|–|đến|tới)\s*(?:ngày\s+)?"
    r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
)
_MONTH = re.compile(r"(?<!\d\s)(?<!\d)tháng\s+(\d{1,2})\s*(?:/|năm|-)\s*(\d{4})")
_QUARTER = re.compile(r"quý\s+(iv|iii|ii|i|[1-4])\b\s*(?:/|năm|-)?\s*(\d{4})")
_HALF = re.compile(r"(6|9)\s+tháng(?:\s+đầu)?\s+năm\s+(\d{4})")
_YEAR = re.compile(r"năm\s+(\d{4})")


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | half | nine_months | year | range
    year: int
    number: int | None
    start: date
    end: date
    cumulative: bool = False

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"tháng {self.number:02d} năm {self.year}"
        if self.kind == "quarter":
            return f"quý {['I', 'II', 'III', 'IV'][self.number - 1]} năm {self.year}"
        if self.kind == "half":
            return f"6 tháng đầu năm {self.year}"
        if self.kind == "nine_months":
            return f"9 tháng năm {self.year}"
        if self.kind == "year":
            return f"năm {self.year}"
        return f"từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    @property
    def key(self) -> str:
        """A stable id: 2021-02, 2024-Q1, 2023-H1, 2023-9M, 2023, or the date range."""
        kind = self.kind  # only the text of its kind is made (a run asks for thousands)
        if kind == "month":
            return f"{self.year}-{self.number:02d}" if self.number else ""
        if kind == "quarter":
            return f"{self.year}-Q{self.number}"
        if kind == "half":
            return f"{self.year}-H1"
        if kind == "nine_months":
            return f"{self.year}-9M"
        if kind == "year":
            return f"{self.year}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _month_bounds(year: int, month: int, cutoff_day: int | None) -> tuple[date, date]:
    if cutoff_day is None:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    prev_y, prev_m = (year - 1, 12) if month == 1 else (year, month - 1)
    return date(prev_y, prev_m, cutoff_day + 1), date(year, month, cutoff_day)


def parse_period(text: object, cutoff_day: int | None = None) -> Period | None:
    """The reporting period named in a title, or None."""
    t = fold(text)
    return _period_of(t, cutoff_day) if t else None


@lru_cache(maxsize=4096)  # a batch's titles repeat (one template, one period); a Period is frozen
def _period_of(t: str, cutoff_day: int | None) -> Period | None:
    cumulative = "lũy kế" in t or "luỹ kế" in t
    explicit = None
    m = _RANGE.search(t)
    if m:
        d1, m1, y1, d2, m2, y2 = map(int, m.groups())
        try:
            explicit = (date(y1, m1, d1), date(y2, m2, d2))
        except ValueError:
            explicit = None
    for regex, kind in ((_HALF, "half"), (_QUARTER, "quarter"), (_MONTH, "month")):
        m = regex.search(t)
        if not m:
            continue
        if kind == "half":
            months, year = int(m.group(1)), int(m.group(2))
            kind = "half" if months == 6 else "nine_months"
            start, end = date(year, 1, 1), date(year, months, calendar.monthrange(year, months)[1])
            number = None
        elif kind == "quarter":
            number, year = _ROMAN[m.group(1)], int(m.group(2))
            start = date(year, 3 * number - 2, 1)
            end = date(year, 3 * number, calendar.monthrange(year, 3 * number)[1])
        else:
            number, year = int(m.group(1)), int(m.group(2))
            if not 1 <= number <= 12:
                continue
            start, end = _month_bounds(year, number, cutoff_day)
        if explicit:
            start, end = explicit
        return Period(kind, year, number, start, end, cumulative)
    if explicit:
        start, end = explicit
        return Period("range", end.year, None, start, end, cumulative)
    m = _YEAR.search(t)
    if m:
        year = int(m.group(1))
        return Period("year", year, None, date(year, 1, 1), date(year, 12, 31), cumulative)
    return None


def with_cutoff(period: Period, cutoff_day: int | None) -> Period:
    """The period on cut-off dates: from the day after ``cutoff_day`` of the month before
    its first month to ``cutoff_day`` of its last month (a month, quarter, 6 or 9 months,
    year; 15/12 of the previous year to 14/12 for a year with ``cutoff_day`` 14).  A date
    range, or ``cutoff_day`` None, is left as it is."""
    if cutoff_day is None or period.kind == "range":
        return period
    start, _ = _month_bounds(period.start.year, period.start.month, cutoff_day)
    _, end = _month_bounds(period.end.year, period.end.month, cutoff_day)
    return Period(period.kind, period.year, period.number, start, end, period.cumulative)
