"""The layout corpus: every layout gives the same canonical reading of the same figures,
nothing is invented on the clean files, and one planted fault is found at the same
logical cell in every layout (a metamorphic property over layouts and figures)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layouts_corpus import LAYOUTS, ROW_LABELS, cell_of, expected_reading, figures, write_layout
from xl_tthc import check_file, read_tables


def reading(table) -> dict:
    out = {r.label: {f: r.count(f) for f in table.count_fields} for r in table.rows}
    if table.total is not None:
        out["total"] = {f: table.total.count(f) for f in table.count_fields}
    return out


def test_the_corpus_has_thirty_layouts_and_more():
    names = [x.name for x in LAYOUTS]
    assert len(names) >= 30 and len(set(names)) == len(names)
    kinds = {x.rows for x in LAYOUTS}
    assert kinds == {"department", "field", "level", "procedure", "period"}
    assert any(not x.merged for x in LAYOUTS) and any(x.numbering for x in LAYOUTS)
    assert any(x.second_table for x in LAYOUTS) and any(x.heading for x in LAYOUTS)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda x: x.name)
def test_every_layout_reads_the_same_figures(tmp_path, layout):
    rows = figures(random.Random(7), chained=layout.rows == "period")
    path = write_layout(tmp_path / "x.xlsx", layout, rows)
    _, tables = read_tables(path)
    assert len(tables) == 1 + layout.second_table
    t = tables[0]
    assert t.units == list(ROW_LABELS[layout.rows])
    assert set(t.count_fields) == set(layout.fields), (sorted(t.count_fields), sorted(layout.fields))
    assert reading(t) == expected_reading(layout, rows)
    if layout.second_table:
        assert tables[1].units == ["UBND huyện Kế Sách", "UBND huyện Mỹ Tú"]
    report = check_file(path)
    loud = [(i.cell, i.rule, i.message) for i in report.all_issues if i.severity != "info"]
    assert loud == []
    infos = {i.rule for i in report.all_issues if i.severity == "info"}
    assert infos <= {"column_evidence"}
    # 06a with "Kết quả giải quyết / Tổng số" directly: named by the numbers, and said so
    assert ("column_evidence" in infos) == (layout.name.startswith("06a-direct"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(LAYOUTS), seed=st.integers(0, 10_000), unit=st.integers(0, 4),
       delta=st.sampled_from([1, 2, 7, -1]))
def test_a_planted_fault_is_found_at_the_same_logical_cell_in_every_layout(tmp_path_factory, layout, seed, unit,
                                                                             delta):
    rows = figures(random.Random(seed), chained=layout.rows == "period")
    value = rows[unit]["resolved"] + delta
    if value < 0:
        value = rows[unit]["resolved"] + 1
    path = write_layout(tmp_path_factory.mktemp("f") / "f.xlsx", layout, rows, {(unit, "resolved"): value})
    report = check_file(path)
    errors = [i for i in report.all_issues if i.severity == "error"]
    cell = cell_of(layout, unit, "resolved")
    assert (cell, "resolved_total") in [(i.cell, i.rule) for i in errors], (layout.name, cell, errors)
    # nothing at any other unit row (the total row faithfully disagrees with the typed cell)
    total_row = report.tables[0].table.total.excel_row if layout.total else None
    assert {i.row for i in errors} <= {int(cell[1:]), total_row}, (layout.name, errors)


RECEIVED_LAYOUTS = [x for x in LAYOUTS if {"received", "carried_over"} <= set(x.fields)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(RECEIVED_LAYOUTS), seed=st.integers(0, 10_000), unit=st.integers(0, 4),
       delta=st.sampled_from([1, 3, -1]))
def test_a_received_total_typed_wrong_is_found_at_its_cell_in_every_layout(tmp_path_factory, layout, seed, unit,
                                                                          delta):
    rows = figures(random.Random(seed), chained=layout.rows == "period")
    value = max(0, rows[unit]["received"] + delta)
    if value == rows[unit]["received"]:
        value += 1
    path = write_layout(tmp_path_factory.mktemp("r") / "r.xlsx", layout, rows, {(unit, "received"): value})
    report = check_file(path)
    cell = cell_of(layout, unit, "received")
    found = [(i.cell, i.rule) for i in report.all_issues if i.severity == "error"]
    assert (cell, "received_total") in found, (layout.name, cell, found)
    total_row = report.tables[0].table.total.excel_row if layout.total else None
    assert {int(c[1:]) for c, _ in found} <= {int(cell[1:]), total_row}, (layout.name, found)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(LAYOUTS), seed=st.integers(0, 100_000))
def test_clean_figures_in_any_layout_give_the_reading_and_nothing_loud(tmp_path_factory, layout, seed):
    rows = figures(random.Random(seed), chained=layout.rows == "period")
    path = write_layout(tmp_path_factory.mktemp("c") / "c.xlsx", layout, rows)
    report = check_file(path)
    assert reading(report.tables[0].table) == expected_reading(layout, rows)
    assert [(i.cell, i.rule) for i in report.all_issues if i.severity != "info"] == []
