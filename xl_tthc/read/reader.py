"""Finding result tables on a sheet and reading them.

A table starts at a header row holding a unit header ("Tên đơn vị", "Lĩnh vực", "STT").
Its header band is the run of text-only rows around it (merged, multi-row headers);
each column's header path through the band is classified by :mod:`xl_tthc.read.headers`.
After the band come an optional column-numbering row (``1 2 3=4+6 …``), unit rows,
a total row ("Tổng cộng", "Cộng", "Σ") and an optional "Tỷ lệ %" row.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from ..domain.fields import FEE_FIELDS, RESULT_FIELDS, SATISFACTION_FIELDS, is_ratio_field
from .grid import Sheet, Workbook, open_workbook
from .untrusted import read_untrusted
from . import evidence
from .collector import collector_paused
from .marker import COVERAGE_LABEL, EXCLUDED_MARK, form_marks
from .headers import (candidates, classify, folded_is_ratio_label, folded_is_total_label, folded_is_unit_header,
                      is_stt_header, is_unit_header, row_kind, TOTAL_EXTRA, TOTAL_LABELS, UNIT_HEADERS)
from ..domain.numbers import Number, NumberError, parse_number
from ..domain.periods import parse_period
from .table import Column, Row, Table, Value
from ..domain.text import fold, remember

__all__ = ["read_tables", "find_tables"]

MAX_BAND = 6
_NUMBERING_CELL = re.compile(r"^\(?\s*(\d{1,2}|[a-zA-Z])\s*\)?(\s*[=+\-*/x×:]\s*\(?\s*(\d{1,2}|[a-zA-Z])\s*\)?)*$")
_LEADING_NUMBER = re.compile(r"\(?\s*(\d+)")
_HEADING = re.compile(r"^([ivxlc]+|[a-zđ]|\d+(\.\d+)*)\s*[.)/-]\s+\S")
_SUBTOTAL = re.compile(r"^(cộng|tổng cộng|tổng số)\b\s*\S")
_STOP_LABELS = ("ghi chú", "nơi nhận", "người lập", "lưu ý", "người ký", "thủ trưởng", "giám đốc")


def _text(v: Any) -> str | None:
    if isinstance(v, str) and v.strip():
        return v.strip()
    return None


def _is_number_like(v: Any) -> bool:
    if v is None or isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    try:
        return parse_number(v) is not None
    except NumberError:
        return False


def _row_cells(sheet: Sheet, r: int) -> list[tuple[int, Any]]:
    if not 0 <= r < sheet.height:
        return []
    return [(c, v) for c, v in enumerate(sheet.values[r]) if v not in ("", None)]


def _is_numbering_row(cells: list[tuple[int, Any]]) -> bool:
    if len(cells) < 3:
        return False
    ints = []
    for _, v in cells:
        if isinstance(v, float) and v.is_integer() and 0 <= v < 100:
            ints.append(int(v))
        elif isinstance(v, int) and 0 <= v < 100:
            ints.append(v)
        elif isinstance(v, str) and _NUMBERING_CELL.match(t := v.strip()):
            m = _LEADING_NUMBER.match(t)
            if m:
                ints.append(int(m.group(1)))
        else:
            return False
    return len(ints) >= 2 and all(b > a for a, b in zip(ints, ints[1:]))


def _is_header_row(cells: list[tuple[int, Any]]) -> bool:
    return bool(cells) and all(_text(v) and not _is_number_like(v) for _, v in cells)


def _merge_map(sheet: Sheet, r0: int, r1: int) -> dict[tuple[int, int], tuple[int, int]]:
    """(r, c) inside a merged range of the band -> its top-left cell."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for a, b, c, d in sheet.merged:
        if c < r0 or a > r1:
            continue
        for r in range(max(a, r0), min(c, r1) + 1):
            for col in range(b, d + 1):
                out[(r, col)] = (a, b)
    return out


def _header_paths(sheet: Sheet, band: list[int], c_lo: int, c_hi: int) -> dict[int, tuple[str, ...]]:
    merges = _merge_map(sheet, band[0], band[-1])
    grid: dict[tuple[int, int], str] = {}
    for r in band:
        for c in range(c_lo, c_hi + 1):
            v = _text(sheet.get(r, c))
            if v is None and (r, c) in merges:
                v = _text(sheet.get(*merges[(r, c)]))
            if v:
                grid[(r, c)] = v
    if not merges:
        # No merge information: a blank header cell above sub-headers belongs to the
        # nearest parent on its left whose own column has sub-headers too.
        for i, r in enumerate(band[:-1]):
            below = band[i + 1:]
            for c in range(c_lo, c_hi + 1):
                if (r, c) in grid or not any((rb, c) in grid for rb in below):
                    continue
                k = c - 1
                while k >= c_lo and (r, k) not in grid:
                    k -= 1
                if k >= c_lo and any((rb, k) in grid for rb in below) and all(
                    any((rb, j) in grid for rb in below) for j in range(k, c)
                ):
                    grid[(r, c)] = grid[(r, k)]
    paths: dict[int, tuple[str, ...]] = {}
    for c in range(c_lo, c_hi + 1):
        path: list[str] = []
        for r in band:
            v = grid.get((r, c))
            if v and (not path or fold(path[-1]) != fold(v)):
                path.append(v)
        if path:
            paths[c] = tuple(path)
    return paths


def _explicit(paths: dict[int, tuple[str, ...]], mapping: tuple[tuple[str, str], ...]) -> dict[int, str]:
    """The columns a profile names (``columns = {"G" = "resolved"}``, or a header text
    folded, whole path or its last cell): sheet column -> field."""
    out: dict[int, str] = {}
    for key, f in mapping:
        if re.fullmatch(r"[A-Z]{1,3}", key):
            n = 0
            for ch in key:
                n = n * 26 + ord(ch) - 64
            out[n - 1] = f
            continue
        k = fold(key)
        for c, path in paths.items():
            folded = [fold(p) for p in path]
            if k in (" / ".join(folded), folded[-1]):
                out.setdefault(c, f)
    return out


def _map_columns(paths: dict[int, tuple[str, ...]], mapping: tuple[tuple[str, str], ...] = ()) -> list[Column]:
    cols: list[Column] = []
    seen: set[str] = set()
    named = _explicit(paths, mapping) if mapping else {}
    seen.update(named.values())
    for c in sorted(paths):
        if c in named:
            cols.append(Column(c, named[c], paths[c]))
            continue
        f = classify(paths[c])
        if f in seen and f not in (None,):
            f = None
        if f:
            seen.add(f)
        cols.append(Column(c, f, paths[c]))
    fields = {c.field for c in cols}
    out = []
    for col in cols:
        f = col.field
        leaf = fold(col.path[-1])
        if col.index in named:
            out.append(col)
            continue
        if f == "received" and "carried_over" not in fields and "received_new" not in fields and "tổng" not in leaf:
            f = "received_new"  # "Đã tiếp nhận" where no carried-over column exists
        if f is None and fields & set(SATISFACTION_FIELDS) and leaf in ("tổng cộng", "tổng số", "tổng", "cộng"):
            f = "sat_total" if "sat_total" not in fields else None
        out.append(Column(col.index, f, col.path))
    out += [Column(c, f, ()) for c, f in named.items() if c not in paths]  # a column without a header
    return sorted(out, key=lambda col: col.index)


def _band(sheet: Sheet, anchor: int) -> list[int]:
    """The header rows around ``anchor``.  A heading row (one text across the table,
    "I. Cấp tỉnh") ends the band, unless more header rows follow it: then it is
    skipped, as it belongs to no column."""
    top = anchor
    while top - 1 >= 0 and anchor - top < 3 and _row_kind(*_typed(sheet.values[top - 1])).above:
        top -= 1
    rows = list(range(top, anchor + 1))
    r = anchor + 1
    while r < sheet.height and len(rows) < MAX_BAND and _row_kind(*_typed(sheet.values[r])).below:
        if _is_heading_row(sheet, r):
            if r + 1 < sheet.height and _row_kind(*_typed(sheet.values[r + 1])).below \
                    and not _is_heading_row(sheet, r + 1) and len(_row_cells(sheet, r + 1)) >= 2:
                r += 1
                continue
            break
        rows.append(r)
        r += 1
    return rows


_ORDINAL = re.compile(r"^([ivxlc]+|[a-zđ]|\d{1,2})[.)]?$")


def _is_heading_row(sheet: Sheet, r: int) -> bool:
    """A group or section heading: one text alone on its row, merged across three or
    more columns or numbered like a section ("I. Cấp tỉnh", "a) Cấp huyện"), or a text
    after an ordinal in its own cell ("II | KHỐI HUYỆN")."""
    cells = _row_cells(sheet, r)
    if len(cells) == 2 and isinstance(cells[0][1], str) and _ORDINAL.match(fold(cells[0][1])) and _text(cells[1][1]):
        return True
    if len(cells) != 1 or not _text(cells[0][1]):
        return False
    c = cells[0][0]
    if any(a <= r <= cc and b == c and d - b >= 2 for a, b, cc, d in sheet.merged):
        return True
    return bool(_HEADING.match(fold(cells[0][1])))


def _typed(values: list[Any]) -> tuple[tuple, tuple]:
    """A row as a cache key: its values and their types (1, 1.0 and True are equal)."""
    return tuple(values), tuple(map(type, values))


class _RowKind(NamedTuple):
    above: bool  # may join a header band above its anchor: two or more short texts
    below: bool  # may join it below: text only, and no column numbering (1 2 3=4+5 …)


@lru_cache(maxsize=1 << 14)  # header rows repeat across a batch's files
def _row_kind(values: tuple, _types: tuple) -> _RowKind:
    cells = [(c, v) for c, v in enumerate(values) if v not in ("", None)]
    header = _is_header_row(cells)
    return _RowKind(header and len(cells) >= 2 and all(len(str(v)) < 80 for _, v in cells),
                    header and not _is_numbering_row(cells))


def _anchor_candidates(sheet: Sheet, start: int) -> Iterator[tuple[int, int]]:
    """Rows holding a unit or STT header, top down, found lazily (the first that
    starts a table ends the search)."""
    anchor, rows = _is_anchor, sheet.values
    for r in range(start, len(rows)):
        for c, v in enumerate(rows[r]):
            # (an empty text, most cells of a title row, is no anchor: not looked up)
            if isinstance(v, str) and v and (anchor(v) if len(v) < 256 else _anchor_text(v)):
                yield r, c
                break


def _anchor_text(v: str) -> bool:
    """A unit or STT header cell."""
    t = _text(v)
    return bool(t) and len(t) < 60 and (is_unit_header(t) or is_stt_header(t))


_is_anchor = lru_cache(maxsize=1 << 14)(_anchor_text)  # titles and headers repeat across a batch's files


def _label_of(sheet: Sheet, r: int, unit_col: int, first_field_col: int) -> tuple[str, int]:
    t = _text(sheet.get(r, unit_col))
    if t:
        return t, unit_col
    for c in range(0, max(first_field_col, unit_col + 1)):
        t = _text(sheet.get(r, c))
        if t and not _is_number_like(t):
            return t, c
    return "", unit_col


_ERRORS = {"#DIV/0!", "#REF!", "#NAME?", "#VALUE!", "#N/A", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}


def _value(raw: Any) -> Value:
    """The value of a cell; what a raw value means (number, error, problem) is worked out
    once per batch (``_PARSED``): stated ratios and texts such as "100,00" recur."""
    key = (raw.__class__, raw)
    try:
        got = _PARSED.get(key)
    except TypeError:  # an unhashable value: parsed on its own
        got = None
        key = None
    if got is None:
        got = _meaning(raw)
        if key is not None and raw == raw and not (isinstance(raw, str) and len(raw) > 64):
            if len(_PARSED) >= 1 << 16:
                _PARSED.clear()
            _PARSED[key] = got
    return Value(raw, got[0], got[1], got[2])


def _meaning(raw: Any) -> tuple[Number | None, str | None, str | None]:
    """(number, error, problem) of a raw cell value."""
    if isinstance(raw, str) and raw.strip().upper() in _ERRORS:
        return None, raw.strip().upper(), None
    try:
        return parse_number(raw), None, None
    except NumberError as e:
        return None, None, e.reason


_PARSED: dict[tuple[type, Any], tuple[Number | None, str | None, str | None]] = {}


_WHOLES: dict[tuple[type, Any], Value] = {}  # shared values of whole counts (1692.0 -> 1692)


def _count_value(raw: Any) -> Value:
    """The value of a count cell not yet in ``_WHOLES``; a numeric whole number >= 0
    (nearly every cell) is kept there, so it is parsed once per batch and shared."""
    if raw is None:
        return Value(None)  # a blank: its own value, as resolve_blanks may explain it
    v = _value(raw)
    key = (type(raw), raw)
    if key[0] in (int, float) and v.usable and v.number.is_integer and v.number.value >= 0 and len(_WHOLES) < 1 << 17:
        v.whole = int(v.number.value)
        _WHOLES[key] = v
        if key[0] is float:
            _WHOLE_FLOATS[raw] = v
    return v


_WHOLE_FLOATS: dict[float, Value] = {}  # the float entries of _WHOLES by the float alone (no key tuple)


def _body_values(sheet: Sheet, r: int, data_cols: list[tuple[str, int, bool]],
                 fields: dict[str, None] | None = None) -> tuple[dict[str, Value], bool]:
    """The values of a body row by field, and whether any is not blank.  ``fields``:
    the fields of ``data_cols`` as a dict's keys, in order, copied to hold the values
    (one allocation for the row's dict rather than one for each time it grows)."""
    cells = sheet.values[r]
    n = len(cells)
    out = {} if fields is None else fields.copy()
    filled = False
    shared, floats = _WHOLES.get, _WHOLE_FLOATS.get
    for f, c, ratio in data_cols:
        raw = cells[c] if c < n else None
        # nearly every count cell of a table is a shared whole count, most of them floats
        if not ratio and raw.__class__ is float:
            v = floats(raw)
            if v is not None:
                out[f] = v
                filled = True
                continue
        elif raw is None or raw == "":
            out[f] = Value(None)  # a blank: its own value, as resolve_blanks may explain it
            continue
        v = None if ratio else floats(raw) if raw.__class__ is float else shared((type(raw), raw))
        if v is None:
            v = _value(raw) if ratio else _count_value(raw)
            if not filled and (v.whole is not None or not v.blank):
                filled = True
        else:
            filled = True
        out[f] = v
    return out, filled


def _set_percent_scale(table: Table) -> None:
    """Stated ratios as percent numbers: text is as written (94,87 or 94,87%); numeric
    cells are fractions (0.9487) unless the column holds more numbers above 1 than
    between 0 and 1 (so one wrong ratio of 150% does not rescale the right ones)."""

    def scale(values: list[Value]) -> bool:
        nums = [v.number.value for v in values if v.usable and not v.number.from_text]
        # x > 1.0001 and 0 < x < 1 in ints (x a Fraction, its denominator > 0): Fraction's
        # comparisons are Python calls
        above = sum(1 for x in nums if x.numerator * 10000 > x.denominator * 10001)
        return above > sum(1 for x in nums if 0 < x.numerator < x.denominator)

    for col in table.columns:
        if not col.is_ratio:
            continue
        vals = [r.values[col.field] for r in table.rows + [table.total] if r and col.field in r.values]
        _apply_scale(vals, scale(vals))
    if table.ratio_row:
        vals = list(table.ratio_row.values.values())
        _apply_scale(vals, scale(vals))


def _apply_scale(values: list[Value], hundred: bool) -> None:
    for v in values:
        if not v.usable:
            continue
        n = v.number
        if n.from_text or hundred:
            v.percent, v.percent_decimals = n.value, n.decimals
        else:
            v.percent, v.percent_decimals = _hundredfold(n)


_HUNDREDFOLD: dict[tuple[int, int, int], tuple[Fraction, int]] = {}


def _hundredfold(n: Number) -> tuple[Fraction, int]:
    """A numeric ratio cell (0.9286) in percent (92.86) and its decimals; kept per batch
    by the fraction's ints (hashing a Fraction costs a modular inverse)."""
    x = n.value
    key = (x.numerator, x.denominator, n.decimals)
    got = _HUNDREDFOLD.get(key)
    if got is None:
        if len(_HUNDREDFOLD) >= 1 << 16:
            _HUNDREDFOLD.clear()
        got = _HUNDREDFOLD[key] = (x * 100, max(0, n.decimals - 2))
    return got


def _form(fields: set[str]) -> str | None:
    if fields & set(RESULT_FIELDS):
        return "results"
    if fields & set(SATISFACTION_FIELDS):
        return "satisfaction"
    if fields & set(FEE_FIELDS):
        return "fees"
    if any(is_ratio_field(f) for f in fields):
        return "digital"
    return None


def _title(sheet: Sheet, top: int) -> str:
    lines = []
    for r in range(max(0, top - 10), top):
        for _, v in _row_cells(sheet, r):
            t = _text(v)
            if t:
                lines.append(t)
    return "\n".join(lines)


def find_tables(sheet: Sheet, file: str, cutoff_day: int | None = None,
                columns: tuple[tuple[str, str], ...] = ()) -> list[Table]:
    """Every result table on a sheet, top to bottom.  ``columns``: the profile's
    explicit column names ((letter or header text, field), …)."""
    with collector_paused(sheet.height):  # (see .collector)
        return _find_tables(sheet, file, cutoff_day, columns)


def _find_tables(sheet: Sheet, file: str, cutoff_day: int | None,
                 columns: tuple[tuple[str, str], ...]) -> list[Table]:
    tables: list[Table] = []
    r = 0
    while r < sheet.height:
        found = None
        for anchor, _ in _anchor_candidates(sheet, r):
            found = _header_at(sheet, anchor, columns)
            if found:
                break
        if not found:
            break
        band, cols, form, key, open_columns = found
        table, end = _read_body(sheet, file, list(band), cols, form)
        if open_columns:
            _weigh_evidence(sheet, table, key, open_columns)
        table.title = _title(sheet, band[0])
        table.period = parse_period(table.title, cutoff_day) or parse_period(sheet.name, cutoff_day)
        tables.append(table)
        r = max(end, band[-1] + 1)
    return tables


_Header = tuple[tuple[int, ...], list[Column], str, tuple, tuple]  # band rows, columns, form, key, open columns
_HEADERS: dict[tuple, _Header | None] = {}
_UNSEEN = object()
_DECIDED: dict[tuple, dict[int, str]] = {}  # per layout: what the numbers named (evidence.decide)


def _header_at(sheet: Sheet, anchor: int, mapping: tuple[tuple[str, str], ...] = ()) -> _Header | None:
    """The header band, columns and form of a table anchored at row ``anchor``, or
    None when it is no table.  A batch's files mostly share a template, so the columns
    are kept per content of the band's rows and of their merged cells."""
    band = _band(sheet, anchor)
    lo, hi = band[0], band[-1]
    get = sheet.get
    # (m, _typed([v]) of its top-left value v, written out)
    merges = tuple((m, (((v := get(m[0], m[1])),), (type(v),))) for m in sheet.merged if m[2] >= lo and m[0] <= hi)
    key = (lo, tuple(_typed(sheet.values[r]) for r in band), merges, mapping)
    kept = _HEADERS.get(key, _UNSEEN)  # (one lookup: a tuple does not keep its hash)
    if kept is not _UNSEEN:
        return kept
    cells = [c for b in band for c, _ in _row_cells(sheet, b)]
    found = None
    if cells:
        columns = _map_columns(_header_paths(sheet, band, min(cells), max(cells)), mapping)
        mapped = {c.field for c in columns if c.field} - {"unit", "stt"}
        form = _form(mapped)
        if form and len(mapped) >= 2:
            found = (tuple(band), columns, form, key, _open_columns(columns, mapping))
    if len(_HEADERS) >= 1 << 12:
        _HEADERS.clear()
        _DECIDED.clear()
    _HEADERS[key] = found
    return found


def _open_columns(columns: list[Column], mapping: tuple) -> tuple[evidence.OpenColumn, ...]:
    """The columns whose header leaves their meaning open, for the numbers to settle:
    no field, a field by default only, or no header at all between two that have one."""
    named = _explicit({c.index: c.path for c in columns if c.path}, mapping) if mapping else {}
    unit = next((c.index for c in columns if c.field == "unit"), -1)
    fields = {c.field for c in columns}
    out = []
    for col in columns:
        if col.index in named or col.field in ("unit", "stt") or col.index <= unit:
            continue
        cands = tuple(candidates(col.path))
        if col.field == "resolved_on_time" and "resolved_early" not in fields and "resolved_in_time" not in fields:
            cands = ("resolved_on_time", "resolved_in_time")  # "Đúng hạn" with no "Trước hạn": often both
        if col.field is None or cands:
            out.append((col.index, col.path, col.field, cands))
    known = {c.index for c in columns}
    data = [c.index for c in columns if c.field and c.field not in ("unit", "stt")]
    if data:
        out += [(c, (), None, ()) for c in range(min(data), max(data)) if c not in known]
    return tuple(sorted(out))


def _weigh_evidence(sheet: Sheet, table: Table, key: tuple, open_columns: tuple) -> None:
    """Name the open columns of a table from its numbers (:mod:`xl_tthc.read.evidence`)
    and keep the notes of what was decided and what stays unrecognised."""
    decided, notes = evidence.decide(table, sheet, open_columns, _DECIDED.get(key))
    table.notes = notes
    if not decided:
        return
    _DECIDED[key] = {**_DECIDED.get(key, {}), **decided}
    by_index = {c.index: c for c in table.columns}
    for c, f in decided.items():
        old = by_index.get(c)
        by_index[c] = Column(c, f, old.path if old else ())
        for row in table.rows + [x for x in (table.total, table.ratio_row) if x]:
            if old is not None and old.field in row.values:
                del row.values[old.field]
            raw = sheet.values[row.index][c] if c < len(sheet.values[row.index]) else None
            row.values[f] = _value(raw) if is_ratio_field(f) else (_WHOLES.get((type(raw), raw)) or
                                                                   _count_value(None if raw == "" else raw))
    table.columns = sorted(by_index.values(), key=lambda col: col.index)
    if any(is_ratio_field(f) for f in decided.values()):
        _set_percent_scale(table)
    table.form = _form(set(table.fields)) or table.form


class _LabelKind(NamedTuple):  # (a tuple: made for every new label, 10,000 of a range's first check)
    stop: bool  # "Ghi chú", "Nơi nhận": the table is over
    unit_header: bool  # another header row
    subtotal: bool  # "Cộng I": a group subtotal, skipped
    excluded: bool  # "Sở Tư pháp (không tổng hợp: …)": a department a consolidation left out, skipped
    total: bool
    ratio: bool  # "Tỷ lệ %"
    heading: bool  # "I. Cấp tỉnh", "a) …"
    cumulative: bool  # "Lũy kế", "Lũy kế từ đầu năm": the total of a table whose rows are periods
    group: bool  # "Sở ban ngành", "Huyện, thị xã, thành phố", "Cấp xã": a group's heading (or its sums)
    period: bool  # "Kỳ trước", "Trong kỳ", "Tháng 3", "Quý I": a row that is a period


_GROUP_LABEL = re.compile(r"^((các )?sở,? ban,? ngành( tỉnh)?|huyện, thị xã, thành phố|xã, phường, thị trấn"
                          r"|(khối|cấp) (tỉnh|huyện|xã|sở.*)|ubnd cấp (huyện|xã))$")
_PERIOD_LABEL = re.compile(r"^(kỳ trước|trong kỳ|kỳ này|kỳ báo cáo|cùng kỳ\b.*|tháng \d{1,2}\b.*|quý [ivx1-4]+\b.*"
                           r"|năm \d{4}|\d+ tháng\b.*|lũy kế\b.*|từ ngày\b.*)$")


def _may_be_special() -> re.Pattern:
    """A folded label for which any test of :func:`_label_kind` may hold begins with one
    of these (every test is on how the text begins, or on all of it, but "excluded"):
    one pattern, so that a plain unit name, nearly every label, is told in one match."""
    alts = [re.escape(x) for x in (*_STOP_LABELS, *UNIT_HEADERS, "tên ", "cơ quan ", "đơn vị ", *TOTAL_LABELS,
                                   *TOTAL_EXTRA, "tỷ lệ", "%", "lũy kế")]
    alts += [_SUBTOTAL.pattern.removeprefix("^"), _HEADING.pattern.removeprefix("^"),
             _GROUP_LABEL.pattern.removeprefix("^").removesuffix("$"),
             _PERIOD_LABEL.pattern.removeprefix("^").removesuffix("$")]
    return re.compile("^(?:" + "|".join(alts) + ")")


_KIND_OF: dict[str, _LabelKind] = {}  # label -> kind: unit names repeat across a batch and across recalculations


def _label_kind(label: str) -> _LabelKind:
    """What a body row's label is, from ``_KIND_OF`` (which _read_body reads inline: a
    dict's get, no call, for each of a 10,000-row range's rows) or classified and kept."""
    kind = _KIND_OF.get(label)
    return remember(_KIND_OF, label, _classify_label) if kind is None else kind


def _classify_label(label: str) -> _LabelKind:
    folded = fold(label)  # folded once: every test below is on the folded text
    if not _MAY_BE_SPECIAL.match(folded) and _EXCLUDED_OPEN not in folded:
        return _PLAIN  # every test below fails (tests/test_hot_paths.py holds them to it)
    total = folded_is_total_label(folded)
    cumulative = folded.startswith("lũy kế")
    flags = (folded.startswith(_STOP_LABELS), folded_is_unit_header(folded),
             bool(_SUBTOTAL.match(folded)) and not total, _EXCLUDED_OPEN in folded, total,
             folded_is_ratio_label(folded),
             bool(_HEADING.match(folded)), cumulative, bool(_GROUP_LABEL.match(folded)),
             bool(_PERIOD_LABEL.match(folded)))
    kind = _KINDS.get(flags)  # a handful of combinations: one _LabelKind each, shared
    if kind is None:
        kind = _KINDS[flags] = _LabelKind(*flags)
    return kind


_EXCLUDED_OPEN = f"({EXCLUDED_MARK}"  # how the mark of a department left out begins
_KINDS: dict[tuple[bool, ...], _LabelKind] = {}
_PLAIN = _LabelKind(*(False,) * len(_LabelKind._fields))
_MAY_BE_SPECIAL = _may_be_special()


def _band_like(values: dict[str, Value]) -> bool:
    """A row of header texts across the data columns (a new header band): two or more
    texts and no number."""
    texts = 0
    for v in values.values():
        if v.usable:
            return False
        if v.problem and isinstance(v.raw, str) and len(v.raw.strip()) >= 2:
            texts += 1
    return texts >= 2


def _empty_within(cells: list, last_col: int) -> bool:
    """Whether a row holds nothing (None or "") up to ``last_col``."""
    within = cells[: last_col + 1]
    return within.count(None) + within.count("") == len(within)


def _other_table_follows(sheet: Sheet, r: int, cells_of: list, last_col: int) -> bool:
    """After a blank row at ``r - 1``: whether a title or a new header band comes
    before any row of figures (then the table is over)."""
    for k in range(r, min(r + 4, sheet.height)):
        if _empty_within(sheet.values[k], last_col):
            continue
        values, _ = _body_values(sheet, k, cells_of)
        if any(v.usable for v in values.values()):
            return False
        if _band_like(values):
            return True
    return False


class _BodyPlan(NamedTuple):
    """What reading a body takes from a table's columns alone."""

    unit_col: int
    first_field: int
    unit_kind: str
    government_rows: bool  # rows "Cấp tỉnh", "Cấp huyện" are the units
    last_col: int
    cells_of: list[tuple[str, int, bool]]  # (field, sheet column, is ratio) of the data columns
    fields: dict[str, None]  # their fields, in order


def _body_plan(columns: list[Column]) -> _BodyPlan:
    unit_col = next((c.index for c in columns if c.field == "unit"), None)
    stt_col = next((c.index for c in columns if c.field == "stt"), None)
    data_cols = [c for c in columns if c.field and c.field not in ("unit", "stt")]
    first_field = min(c.index for c in data_cols)
    if unit_col is None:
        unit_col = (stt_col + 1) if stt_col is not None and stt_col + 1 < first_field else 0
    unit_header = " ".join(next((c.path for c in columns if c.index == unit_col), ("",)))
    cells_of = [(c.field, c.index, c.is_ratio) for c in data_cols]
    return _BodyPlan(unit_col, first_field, row_kind(unit_header), fold(unit_header) in ("cấp", "cấp giải quyết"),
                     max(col.index for col in columns), cells_of, dict.fromkeys(f for f, _, _ in cells_of))


# id(columns) -> (columns, plan): a layout's files share the columns list that _HEADERS
# keeps, so its plan is made once (the list is held here: its id cannot be reused)
_PLANS: dict[int, tuple[list[Column], _BodyPlan]] = {}


def _plan_of(columns: list[Column]) -> _BodyPlan:
    got = _PLANS.get(id(columns))
    if got is not None and got[0] is columns:
        return got[1]
    plan = _body_plan(columns)
    if len(_PLANS) >= 1 << 12:
        _PLANS.clear()
    _PLANS[id(columns)] = (columns, plan)
    return plan


@lru_cache(maxsize=1 << 12)  # a layout's column-numbering row (1 2 3=4+5 …) recurs in each of its files
def _numbering_row(values: tuple, _types: tuple) -> bool:
    return _is_numbering_row([(c, v) for c, v in enumerate(values) if v not in ("", None)])


def _read_body(sheet: Sheet, file: str, band: list[int], columns: list[Column], form: str) -> tuple[Table, int]:
    unit_col, first_field, unit_kind, government_rows, last_col, cells_of, fields = _plan_of(columns)
    table = Table(file, sheet.name, form, columns, band, [], unit_column=unit_col, unit_kind=unit_kind)
    r = band[-1] + 1
    if 0 <= r < sheet.height and _numbering_row(*_typed(sheet.values[r])):
        table.numbering_row = r
        r += 1
    blanks = 0
    sheet_rows = sheet.values
    kinds = _KIND_OF.get
    while r < len(sheet_rows):
        unit = sheet_rows[r][unit_col] if unit_col < len(sheet_rows[r]) else None
        # (unit_col <= last_col: a unit cell neither None nor "" is a cell of a row not empty)
        if (unit is None or unit == "") and _empty_within(sheet_rows[r], last_col):
            blanks += 1
            if (table.rows or table.total) and (blanks >= 3 or _other_table_follows(sheet, r + 1, cells_of, last_col)):
                break
            r += 1
            continue
        blanks = 0
        if isinstance(unit, str) and (label := unit.strip()):  # _label_of's usual case, inline
            label_col = unit_col
        else:
            label, label_col = _label_of(sheet, r, unit_col, first_field)
        kind = kinds(label) or _label_kind(label)  # (a _LabelKind is a non-empty tuple)
        if kind.stop or (kind.unit_header and r > band[-1] + 1):
            break
        values, has_numbers = _body_values(sheet, r, cells_of, fields)
        if has_numbers and r > band[-1] + 1 and values and next(iter(values.values())).whole is None \
                and _band_like(values):
            break  # a new header band: another table starts here
        if kind is _PLAIN and has_numbers and table.total is None:
            # a unit's row of figures before any total (nearly every row): what the tests
            # below come to for it
            table.rows.append(Row(r, label or f"(dòng {r + 1})", "unit", values, label_col))
            r += 1
            continue
        if kind.cumulative:
            if table.unit_kind != "period" and not (table.rows and all(_label_kind(x.label).period
                                                                       for x in table.rows)):
                break  # a cumulative row under departments: another table
            table.unit_kind = "period"
            kind = kind._replace(total=True, subtotal=False)
        if kind.subtotal or kind.excluded or (kind.group and (not has_numbers or not government_rows)):
            r += 1  # "Cộng I", "Tổng số khối huyện", "Sở ban ngành": a group's sums or heading, not a unit
            continue
        if kind.total:
            if table.total is not None and table.rows and table.total.index > table.rows[-1].index:
                break  # a second total after the units: something else starts here
            table.total = Row(r, label, "total", values, label_col)
        elif kind.ratio and table.total is not None and table.ratio_row is None:
            table.ratio_row = Row(r, label, "ratio", values, label_col)
            r += 1
            if r < sheet.height and _label_of(sheet, r, unit_col, first_field)[0] == COVERAGE_LABEL:
                table.coverage = _coverage(sheet, r, cells_of)
                r += 1
            break
        elif table.total is not None and table.rows and table.total.index > table.rows[-1].index:
            if not (kind.heading and not has_numbers):
                break  # rows after the total row belong to something else
            # a new group ("II. Cấp huyện") after a subtotal: the earlier total was a subtotal
            table.total = None
            r += 1
            continue
        elif not has_numbers:
            if table.rows and _other_table_follows(sheet, r + 1, cells_of, last_col):
                break  # a title over the next table's header band
            if not label or kind.heading or label.isupper() or len(label) > 80:
                if len(label) > 80 and table.rows:
                    break
                r += 1
                continue
            table.rows.append(Row(r, label, "unit", values, label_col))
        else:
            table.rows.append(Row(r, label or f"(dòng {r + 1})", "unit", values, label_col))
        r += 1
    if table.unit_kind != "period" and len(table.rows) >= 2 and all(_label_kind(x.label).period
                                                                     for x in table.rows):
        table.unit_kind = "period"  # rows "Kỳ trước", "Trong kỳ", "Tháng 1", …: periods, not departments
    _set_percent_scale(table)
    return table, r


_COVERAGE = re.compile(r"(\d+)\s*/\s*(\d+)")


def _coverage(sheet: Sheet, r: int, data_cols: list[tuple[str, int, bool]]) -> dict[str, tuple[int, int]]:
    """The coverage row xl-tthc writes under a consolidated table: "5/10" under each
    column only some departments report."""
    out = {}
    for f, c, _is_ratio in data_cols:
        m = _COVERAGE.match(str(sheet.get(r, c) or "").strip())
        if m:
            out[f] = (int(m.group(1)), int(m.group(2)))
    return out


def resolve_blanks(book: Workbook, table: Table) -> None:
    """Ask openpyxl what calamine showed as blank: an error cell or an uncached formula."""
    if not book.can_detail:
        return
    cols = {c.field: c.index for c in table.columns if c.field}
    want = {}
    for row in table.rows + [x for x in (table.total, table.ratio_row) if x]:
        for f, v in row.values.items():
            # Value.blank, inline (every cell of a 10,000-row range): a shared whole count,
            # nearly every cell, is never blank
            if v.whole is None and v.number is None and v.error is None and v.problem is None:
                want[(row.index, cols[f])] = v
    if not want:
        return
    details = book.cell_details(table.sheet, want)
    for rc, d in details.items():
        v = want[rc]
        v.formula = d.formula
        if d.error:
            v.error = d.error
        elif d.formula and d.cached is None:
            v.error = "uncached"


def read_tables(path: str | Path, cutoff_day: int | None = None,
                data: bytes | None = None, columns: tuple[tuple[str, str], ...] = (), *,
                thorough: bool = True) -> tuple[Workbook, list[Table]]:
    """Open a workbook (or its bytes ``data``, already read) and read every result
    table on every sheet; of a provincial workbook written by xl-tthc, its appendix
    sheet only, and of any workbook naming its form sheets, those (:mod:`xl_tthc.read.marker`).  ``columns``: the profile's explicit column
    names.  Raises ReadError.  ``thorough``: see :func:`open_workbook`."""
    if data is None:
        data = read_untrusted(path)
    marker, sheets = form_marks(path, data)
    book = open_workbook(path, data, only=sheets, thorough=thorough)
    tables: list[Table] = []
    for sheet in book.sheets:
        for t in find_tables(sheet, str(path), cutoff_day, columns):
            t.marker = marker
            resolve_blanks(book, t)
            tables.append(t)
    return book, tables
