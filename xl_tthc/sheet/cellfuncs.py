"""The pure core behind the TTHC_* worksheet functions (``udfs/functions.py``).

What a spreadsheet passes a function is normalised here, once, for every door:

- a single value, or a range as a list of lists (classic xlwings with ``ndim=2``, the
  xlwings server engine, Office.js), a flat list (read as a column) or a numpy array;
- an empty cell as ``None`` or ``""``; in ratio parts a blank counts as 0, as in
  Excel's own arithmetic;
- numbers as floats, or as Vietnamese text ("1.692", "94,87%": a percent text means a
  fraction, 0,9487);
- an error value as its text ("#DIV/0!"), which is passed on to the result cell.

Arguments of one call are single cells or ranges of one shape; single cells are
repeated over the shape, and the result has that shape (one formula for a whole
column).  A single-cell result is a plain value.  Ranges of different shapes give
one clear text instead of a result.  Ratios are fractions (0,9487, shown as % by the
cell format); a zero denominator gives ``if_zero`` ("" by default).

Every function answers; none raises for what a user can type into a cell.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable, Sequence

from ..domain.fields import RATIOS
from ..read.collector import collector_paused
from ..read.grid import Sheet
from ..domain.issues import SEVERITIES, Issue, message, sort_issues
from ..prose.narrative import narrative
from ..domain.numbers import NumberError, format_percent, parse_number, ratio, to_fraction
from ..domain.profiles import PROFILES, Profile, ProfileError, load_profile
from ..read.reader import find_tables
from ..rules.table_rules import IDENTITIES, check_table
from ..read.table import Table

__all__ = [
    "EXCEL_ERRORS",
    "CHECK_HEADER",
    "ontime_rate",
    "late_rate",
    "online_rate",
    "rate",
    "to_number",
    "percent_text",
    "check_range",
    "row_status",
    "narrative_text",
]

EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#DATA!",
})

# Column titles of the TTHC_CHECK result.
CHECK_HEADER = {"vi": ("Dòng", "Cột", "Quy tắc", "Nội dung"), "en": ("Row", "Column", "Rule", "Message")}

# What a cell shows when an argument cannot be used: (vi, en).
_TEXTS = {
    "shape": ("Lỗi: các vùng đối số phải cùng kích thước hoặc là một ô ({found}).",
              "Error: argument ranges must have one shape or be single cells ({found})."),
    "ragged": ("Lỗi: vùng {found} có các dòng dài ngắn khác nhau.",
               "Error: the rows of range {found} differ in length."),
    "empty": ("Lỗi: vùng {found} không có ô nào.", "Error: range {found} has no cells."),
    "not_number": ("Lỗi: \"{found}\" không phải là số (viết như 1.692 hoặc 94,87%).",
                   "Error: \"{found}\" is not a number (write it as 1.692 or 94,87%)."),
    "decimals": ("Lỗi: số chữ số thập phân phải là số nguyên từ 0 đến 10, không phải \"{found}\".",
                 "Error: decimals must be a whole number from 0 to 10, not \"{found}\"."),
    "profile": ("Lỗi: không có bộ quy ước \"{found}\"; dùng một trong: {expected}.",
                "Error: no profile \"{found}\"; use one of: {expected}."),
    "no_header": ("Lỗi: không thấy dòng tiêu đề của bảng; hãy chọn vùng từ dòng tiêu đề đến dòng cần "
                  "kiểm tra, ví dụ $A$5:$H8 rồi sao chép công thức xuống.",
                  "Error: no table header found; select from the header row down to the row to check, "
                  "e.g. $A$5:$H8, then copy the formula down."),
}


def _text(key: str, lang: str = "vi", **params: Any) -> str:
    vi, en = _TEXTS[key]
    return (en if lang == "en" else vi).format(**params)


class _Failure(Exception):
    """An argument that cannot be used; ``text`` is what the cell shows."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


Grid = list[list[Any]]

# A whole as the sum of its parts (the first alternative of each identity).
_PARTS = {whole: alternatives[0] for whole, alternatives, _, _ in IDENTITIES}


# ---------------------------------------------------------------- argument values


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def _error(v: Any) -> str | None:
    """The Excel error a value stands for ("#DIV/0!"), or None."""
    if isinstance(v, str) and v[:1] == "#":
        t = v.strip().upper()
        if t in EXCEL_ERRORS:
            return t
    return None


class _Bad:
    """An element that is not a number: carries the text its result cell shows."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _number(v: Any, lang: str = "vi") -> Fraction | None | _Bad:
    """A cell value as an exact number; None for a blank; _Bad otherwise.  A percent
    text is a fraction ("94,87%" -> 0,9487), as Excel reads "94.87%"."""
    if _blank(v):
        return None
    if isinstance(v, float):
        if not math.isfinite(v):
            return _Bad("#NUM!")
        return Fraction(int(v)) if v.is_integer() else to_fraction(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return Fraction(v)
    if isinstance(v, Fraction):
        return v
    if not isinstance(v, str):  # TRUE/FALSE, dates
        return _Bad(_text("not_number", lang, found=v))
    err = _error(v)
    if err:
        return _Bad(err)
    try:
        n = parse_number(v)
    except NumberError:
        return _Bad(_text("not_number", lang, found=v.strip()))
    if n is None:  # a lone dash
        return None
    return n.value / 100 if n.percent else n.value


def _as_float(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _grid(name: str, value: Any, lang: str) -> Grid:
    """A value or range as a non-empty rectangular list of lists."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy arrays
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if not value:
        raise _Failure(_text("empty", lang, found=name))
    if not any(isinstance(r, (list, tuple)) for r in value):
        return [[v] for v in value]  # a flat list is a column
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value]
    width = len(rows[0])
    if width == 0:
        raise _Failure(_text("empty", lang, found=name))
    if any(len(r) != width for r in rows):
        raise _Failure(_text("ragged", lang, found=name))
    return rows


def _shape(g: Grid) -> tuple[int, int]:
    return len(g), len(g[0])


def _broadcast(args: dict[str, Any], lang: str) -> tuple[tuple[int, int], dict[str, Grid]]:
    grids = {n: _grid(n, v, lang) for n, v in args.items()}
    shapes = {n: _shape(g) for n, g in grids.items()}
    wide = {s for s in shapes.values() if s != (1, 1)}
    if len(wide) > 1:
        found = ", ".join(f"{n} {r}×{c}" for n, (r, c) in shapes.items())
        raise _Failure(_text("shape", lang, found=found))
    return (wide.pop() if wide else (1, 1)), grids


def _elementwise(fn: Callable[..., Any], args: dict[str, Any], lang: str = "vi") -> Any:
    """``fn`` over the elements of equal-shaped arguments (single cells repeated);
    a plain value for a single cell, a list of lists otherwise."""
    try:
        (rows, cols), grids = _broadcast(args, lang)
    except _Failure as f:
        return f.text
    ordered = list(grids.values())
    out = []
    for r in range(rows):
        line = [g[r] if len(g) > 1 else g[0] for g in ordered]
        out.append([fn(*(row[c] if len(row) > 1 else row[0] for row in line)) for c in range(cols)])
    return out[0][0] if (rows, cols) == (1, 1) else out


# ---------------------------------------------------------------- ratios


def _if_zero(v: Any, lang: str) -> Any:
    """What a zero denominator shows: "" for nothing, a number (also as Vietnamese
    text: "100%" -> 1), any other text as written ("—")."""
    if _blank(v):
        return ""
    n = _number(v, lang)
    if isinstance(n, Fraction):
        return _as_float(n)
    return v


def _counts(values: dict[str, Any], lang: str) -> dict[str, Fraction] | str:
    """Cell values keyed by field name as exact counts (a blank is 0), or the text of
    the first one that is not a number."""
    out: dict[str, Fraction] = {}
    for field, raw in values.items():
        n = _number(raw, lang)
        if isinstance(n, _Bad):
            return n.text
        out[field] = n or Fraction(0)
    return out


def _field_ratio(name: str, values: dict[str, Any], if_zero: Any, lang: str) -> Any:
    """The ratio ``name`` of fields.RATIOS (its first numerator alternative) from cell
    values keyed by field name; a missing whole is the sum of its parts (rules.IDENTITIES)."""
    counts = _counts(values, lang)
    if isinstance(counts, str):
        return counts
    spec = RATIOS[name]
    if spec.denominator not in counts:
        counts[spec.denominator] = sum((counts[f] for f in _PARTS[spec.denominator]), Fraction(0))
    value = ratio(sum((counts[f] for f in spec.numerators[0]), Fraction(0)), counts[spec.denominator])
    return _if_zero(if_zero, lang) if value is None else float(value)


def ontime_rate(early: Any, on_time: Any, late: Any, if_zero: Any = None, lang: str = "vi") -> Any:
    """(early + on_time) / (early + on_time + late), the "Tỷ lệ đúng hạn"."""
    return _elementwise(
        lambda e, o, l, z: _field_ratio(
            "ontime_rate", {"resolved_early": e, "resolved_on_time": o, "resolved_late": l}, z, lang),
        {"early": early, "on_time": on_time, "late": late, "if_zero": if_zero}, lang)


def late_rate(early: Any, on_time: Any, late: Any, if_zero: Any = None, lang: str = "vi") -> Any:
    """late / (early + on_time + late), the "Tỷ lệ quá hạn"."""
    return _elementwise(
        lambda e, o, l, z: _field_ratio(
            "late_rate", {"resolved_early": e, "resolved_on_time": o, "resolved_late": l}, z, lang),
        {"early": early, "on_time": on_time, "late": late, "if_zero": if_zero}, lang)


def online_rate(online: Any, received_new: Any, if_zero: Any = None, lang: str = "vi") -> Any:
    """online / received_new, the "Tỷ lệ hồ sơ trực tuyến"."""
    return _elementwise(
        lambda o, n, z: _field_ratio("online_rate", {"received_online": o, "received_new": n}, z, lang),
        {"online": online, "received_new": received_new, "if_zero": if_zero}, lang)


def rate(numerator: Any, denominator: Any, if_zero: Any = None, lang: str = "vi") -> Any:
    """numerator / denominator."""

    def one(a: Any, b: Any, z: Any) -> Any:
        x, y = _number(a, lang), _number(b, lang)
        for n in (x, y):
            if isinstance(n, _Bad):
                return n.text
        value = ratio(x or 0, y or 0)
        return _if_zero(z, lang) if value is None else float(value)

    return _elementwise(one, {"numerator": numerator, "denominator": denominator, "if_zero": if_zero}, lang)


# ---------------------------------------------------------------- number text


def to_number(text: Any, lang: str = "vi") -> Any:
    """Vietnamese number text as a number: "1.692" -> 1692, "94,87%" -> 0,9487; a blank
    stays blank ("")."""

    def one(v: Any) -> Any:
        n = _number(v, lang)
        if isinstance(n, _Bad):
            return n.text
        return "" if n is None else _as_float(n)

    return _elementwise(one, {"text": text}, lang)


def _decimals(v: Any, lang: str) -> int | str:
    if _blank(v):
        return 2
    n = _number(v, lang)
    if isinstance(n, Fraction) and n.denominator == 1 and 0 <= n <= 10:
        return int(n)
    if isinstance(n, _Bad) and _error(v):
        return n.text
    return _text("decimals", lang, found=v)


def percent_text(value: Any, decimals: Any = None, lang: str = "vi") -> Any:
    """A fraction as Vietnamese percent text: 0,9487 -> "94,87%" (Excel's ROUND)."""

    def one(v: Any, d: Any) -> Any:
        places = _decimals(d, lang)
        if isinstance(places, str):
            return places
        n = _number(v, lang)
        if isinstance(n, _Bad):
            return n.text
        return format_percent(n, places)

    return _elementwise(one, {"value": value, "decimals": decimals}, lang)


# ---------------------------------------------------------------- tables


def _profile(name: Any, lang: str) -> Profile:
    if _blank(name):
        return PROFILES["default"]
    try:
        return load_profile(str(name).strip())
    except (ProfileError, OSError, ValueError):
        raise _Failure(_text("profile", lang, found=name, expected=", ".join(PROFILES))) from None


def _tables(table: Any, lang: str) -> tuple[Grid, list[Table]]:
    """The range read exactly as a sheet of a file is (Excel's floats, "" and None
    for empty cells are what calamine gives too)."""
    grid = _grid("table", table, lang)
    return grid, find_tables(Sheet("", grid), "")


def _table_issues(t: Table, profile: Profile, lang: str) -> list[Issue]:
    return sort_issues(check_table(t, profile, lang))


def check_range(table: Any, profile: Any = None, lang: str = "vi") -> Any:
    """The findings of the result tables in a range, as rows (row, column, rule,
    message) under a header row; "OK" when there are none.  Rows and columns are
    counted within the range (sheet addresses when the range starts at A1)."""
    with collector_paused(len(table) if isinstance(table, (list, tuple)) else 0):  # (see read.collector)
        return _check_range(table, profile, lang)


def _check_range(table: Any, profile: Any, lang: str) -> Any:
    try:
        prof = _profile(profile, lang)
        _, tables = _tables(table, lang)
    except _Failure as f:
        return f.text
    if not tables:
        return message("no_table", lang)
    issues = [i for t in tables for i in _table_issues(t, prof, lang)]
    if not issues:
        return "OK"
    return [list(CHECK_HEADER["en" if lang == "en" else "vi"])] + [
        [i.row or "", i.column or "", i.rule, i.message] for i in issues
    ]


def _first(issues: Sequence[Issue]) -> Issue:
    return min(issues, key=lambda i: SEVERITIES.index(i.severity))


def row_status(row: Any, profile: Any = None, lang: str = "vi") -> str:
    """"OK" or the most severe finding of the last row of a range that runs from the
    table's header down to that row ($A$5:$H8 copied down a status column); "" when
    the last row is not a row of the table (blank, header, note)."""
    try:
        prof = _profile(profile, lang)
        grid, tables = _tables(row, lang)
    except _Failure as f:
        return f.text
    last = len(grid) - 1
    for t in tables:
        rows = t.rows + [r for r in (t.total, t.ratio_row) if r]
        if any(r.index == last for r in rows):
            mine = [i for i in check_table(t, prof, lang) if i.row == last + 1]
            return _first(sort_issues(mine)).message if mine else "OK"
    if not tables and any(not _blank(v) for v in grid[last]):
        return _text("no_header", lang)
    return ""


def narrative_text(table: Any, period: Any = None, lang: str = "vi") -> str:
    """The Vietnamese summary paragraphs (one a line) of the first result table in a
    range; ``period`` ("tháng 02 năm 2021") defaults to the period in the table's title
    when the range includes it."""
    try:
        _, tables = _tables(table, lang)
    except _Failure as f:
        return f.text
    results = [t for t in tables if t.form == "results"]
    if not results:
        return message("no_table", lang)
    t = results[0]
    label = str(period).strip() if not _blank(period) else (t.period.label if t.period else None)
    return narrative(t.totals(), t.unit_records(), label)
