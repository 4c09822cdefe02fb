"""A table generated to satisfy every identity is clean; breaking one is found at the
right cell.  Tables are built as in-memory grids in the Sóc Trăng layout (three merged
header rows), so hypothesis can try hundreds of them quickly."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings, strategies as st

from xl_tthc.read.grid import Sheet
from xl_tthc.domain.issues import column_letter
from xl_tthc.domain.numbers import format_decimal
from xl_tthc.domain.profiles import Profile
from xl_tthc.read.reader import find_tables
from xl_tthc.rules.table_rules import check_table
from xl_tthc.domain.units import REGISTRY

FIELDS = ("received", "carried_over", "received_new", "received_online", "resolved", "resolved_early",
          "resolved_on_time", "resolved_late", "pending", "pending_in_time", "pending_overdue", "ontime_rate")
HEADER = [
    ["STT", "Tên đơn vị", "Hồ sơ tiếp nhận", None, None, None, "Đã giải quyết", None, None, None,
     "Đang giải quyết", None, None, "Tỷ lệ đúng hạn (%)"],
    [None, None, "Tổng số", "Kỳ trước chuyển sang", "Tiếp nhận mới", None, "Tổng số", "Trước hạn", "Đúng hạn",
     "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn", None],
    [None, None, None, None, "Tổng", "Trực tuyến", None, None, None, None, None, None, None, None],
    [1, 2, "3=4+5", 4, 5, 6, "7=8+9+10", 8, 9, 10, "11=12+13", 12, 13, 14],
]
MERGED = [(0, 0, 2, 0), (0, 1, 2, 1), (0, 2, 0, 5), (0, 6, 0, 9), (0, 10, 0, 12), (0, 13, 2, 13),
          (1, 2, 2, 2), (1, 3, 2, 3), (1, 4, 1, 5), (1, 6, 2, 6), (1, 7, 2, 7), (1, 8, 2, 8), (1, 9, 2, 9),
          (1, 10, 2, 10), (1, 11, 2, 11), (1, 12, 2, 12)]
COLUMN = {f: i + 2 for i, f in enumerate(("received", "carried_over", "received_new", "received_online",
                                          "resolved", "resolved_early", "resolved_on_time", "resolved_late",
                                          "pending", "pending_in_time", "pending_overdue", "ontime_rate"))}
NAMES = [u.name for u in REGISTRY if not u.valid_to and not u.new]


@st.composite
def unit_rows(draw):
    n = draw(st.integers(1, 8))
    rows = []
    for _ in range(n):
        carried, new = draw(st.integers(0, 500)), draw(st.integers(0, 3000))
        online = draw(st.integers(0, new))
        received = carried + new
        resolved = draw(st.integers(0, received))
        early = draw(st.integers(0, resolved))
        on_time = draw(st.integers(0, resolved - early))
        late = resolved - early - on_time
        pending = received - resolved
        overdue = draw(st.integers(0, pending))
        rows.append(dict(received=received, carried_over=carried, received_new=new, received_online=online,
                         resolved=resolved, resolved_early=early, resolved_on_time=on_time, resolved_late=late,
                         pending=pending, pending_in_time=pending - overdue, pending_overdue=overdue))
    return rows


def rate_text(row) -> str:
    if row["resolved"] == 0:
        return ""
    return format_decimal(Fraction(row["resolved_early"] + row["resolved_on_time"], row["resolved"]) * 100, 2) + "%"


def grid(rows):
    values = [["PHỤ LỤC"], ["Kết quả giải quyết TTHC tháng 03 năm 2024"], []] + [list(h) for h in HEADER]
    counts = [f for f in FIELDS if f != "ontime_rate"]
    for i, r in enumerate(rows):
        values.append([i + 1, NAMES[i]] + [r[f] for f in counts] + [rate_text(r)])
    total = {f: sum(r[f] for r in rows) for f in counts}
    values.append([None, "Tổng cộng"] + [total[f] for f in counts] + [rate_text(total)])
    width = max(len(v) for v in values)
    values = [v + [""] * (width - len(v)) for v in values]
    return Sheet("Phụ lục", [[("" if x is None else x) for x in v] for v in values],
                 [(a + 3, b, c + 3, d) for a, b, c, d in MERGED])


def check(sheet):
    (table,) = find_tables(sheet, "gen.xlsx")
    return table, check_table(table, Profile())


@settings(max_examples=150, deadline=None)
@given(unit_rows())
def test_generated_table_satisfying_every_identity_is_clean(rows):
    table, issues = check(grid(rows))
    assert issues == []
    assert len(table.rows) == len(rows)
    assert {c.field for c in table.columns} >= set(FIELDS)


BREAKABLE = {  # the cell that is changed -> the rule that must fire there
    "received": "received_total",
    "received_new": "received_total",
    "resolved": "resolved_total",
    "pending": "pending_total",
    "resolved_late": "resolved_total",
    "pending_overdue": "pending_total",
}


@settings(max_examples=150, deadline=None)
@given(unit_rows(), st.data())
def test_breaking_one_identity_is_found_at_the_right_cell(rows, data):
    i = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.sampled_from(sorted(BREAKABLE)))
    delta = data.draw(st.integers(1, 50))
    sheet = grid(rows)
    r, c = 7 + i, COLUMN[field]
    sheet.values[r][c] += delta
    sheet.values[7 + len(rows)][c] += delta  # keep the total row a true sum
    _, issues = check(sheet)
    errors = [x for x in issues if x.severity == "error"]
    assert errors, "the broken identity went unnoticed"
    # the unit row, and (since the total row is kept a true sum) the same identity there
    assert r + 1 in {x.row for x in errors} and {x.row for x in errors} <= {r + 1, 8 + len(rows)}, errors
    hits = {(x.rule, x.column) for x in errors}
    whole = {"received_new": "received", "resolved_late": "resolved", "pending_overdue": "pending"}.get(field, field)
    assert (BREAKABLE[field], column_letter(COLUMN[whole])) in hits, hits


@settings(max_examples=60, deadline=None)
@given(unit_rows(), st.data())
def test_a_wrong_total_is_found_at_the_total_cell(rows, data):
    field = data.draw(st.sampled_from([f for f in FIELDS if f != "ontime_rate"]))
    sheet = grid(rows)
    total_row = 7 + len(rows)
    sheet.values[total_row][COLUMN[field]] += data.draw(st.integers(1, 9))
    _, issues = check(sheet)
    assert any(x.rule == "total_row" and x.row == total_row + 1 and x.column == column_letter(COLUMN[field])
               for x in issues), issues
    # nothing found elsewhere (a note on the whole table, such as which denominator the
    # online count is read against, names no row)
    assert all(x.row == total_row + 1 for x in issues if x.row is not None), issues
