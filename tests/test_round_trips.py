"""The tool reads what it writes: ``check``, ``consolidate`` and ``narrative`` of the
output of ``recompute`` and of ``consolidate`` give no findings the inputs did not have,
on the 19 sample department workbooks and on generated tables."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import departments as D
from xl_tthc.cli import cli
from xl_tthc.consolidate.consolidation import consolidate
from xl_tthc.consolidate.provincial import SHEETS, write_provincial
from xl_tthc.prose.prose_check import narrate_file
from xl_tthc.read.marker import PROVINCIAL, RECOMPUTED, form_marker
from xl_tthc.read.reader import read_tables
from xl_tthc.rules.check import check_file
from xl_tthc.sheet.recompute import recompute_file

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((REPO / "workbooks" / "samples").glob("*.xlsx"))
PERIOD = "tháng 03 năm 2024"


def findings(path: Path) -> set[tuple]:
    """Every finding of ``check`` on a file, by position: (rule, sheet, row, column)."""
    report = check_file(path)
    assert report.error is None, report.error
    return {(i.rule, i.sheet, i.row, i.column) for i in report.all_issues}


@pytest.fixture(scope="module")
def recomputed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("recomputed")
    for src in SAMPLES:
        recompute_file(src, out / src.name)
    return out


def test_there_are_nineteen_samples() -> None:
    assert len(SAMPLES) == 19


@pytest.mark.parametrize("src", SAMPLES, ids=lambda p: p.stem)
def test_check_of_recompute_output_finds_nothing_new(src: Path, recomputed: Path) -> None:
    out = recomputed / src.name
    new = findings(out) - findings(src)
    assert not new, new
    assert not any(rule == "formula_error" for rule, *_ in findings(out))  # every formula has its value


def test_recompute_output_carries_cached_values_and_its_mark(recomputed: Path, tmp_path: Path) -> None:
    import openpyxl

    src = next(p for p in SAMPLES if p.name.startswith("04_"))  # a stale cached rate
    out = recomputed / src.name
    assert form_marker(out) == form_marker(src) == "department_results"  # a form's mark is kept
    values = openpyxl.load_workbook(out, data_only=True).active
    formulas = openpyxl.load_workbook(out).active
    cells = [c for row in formulas.iter_rows() for c in row if c.data_type == "f"]
    assert cells and all(values[c.coordinate].value is not None for c in cells if "=0,\"\"" not in c.value)
    # a workbook without a mark gets the recompute mark
    plain = tmp_path / "plain.xlsx"
    D.write_row(plain, "Sở Tư pháp", D.random_figures(random.Random(1)), PERIOD)
    recompute_file(plain, tmp_path / "plain_out.xlsx")
    assert form_marker(plain) is None and form_marker(tmp_path / "plain_out.xlsx") == RECOMPUTED


def test_consolidating_recompute_output_reads_the_same_figures(recomputed: Path) -> None:
    a, b = consolidate([REPO / "workbooks" / "samples"]), consolidate([recomputed])
    assert [r.to_dict() for r in a.rows] == [r.to_dict() for r in b.rows]
    assert all(r.figures for r in b.rows) and len(b.rows) == 18
    assert a.total == b.total
    assert {(i.rule, Path(i.file).name, i.row, i.column) for i in b.issues} <= \
        {(i.rule, Path(i.file).name, i.row, i.column) for i in a.issues}  # recompute mends, never breaks


@pytest.fixture(scope="module")
def provincial(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("provincial") / "tong_hop.xlsx"
    result = consolidate([REPO / "workbooks" / "samples"])
    write_provincial(result, out)
    return out, result


def test_check_of_the_consolidated_workbook_reads_only_its_appendix(provincial) -> None:
    path, result = provincial
    assert form_marker(path) == PROVINCIAL
    _, tables = read_tables(path)
    assert [t.sheet for t in tables] == [SHEETS["consolidated"]]
    assert findings(path) == set()
    assert tables[0].units == [r.unit for r in result.rows]  # the left-out department's marked row is skipped


def test_narrative_of_the_consolidated_workbook_states_each_total_once(provincial) -> None:
    path, result = provincial
    (text,) = [n.text for n in narrate_file(path)]
    total = result.total
    assert text.count("Tổng số hồ sơ tiếp nhận") == 1 and text.count("Đã giải quyết") == 1
    assert f"là {total['received']:,} hồ sơ".replace(",", ".") in text
    assert f"Đã giải quyết {total['resolved']:,} hồ sơ".replace(",", ".") in text


def test_consolidating_the_consolidated_workbook_gives_its_departments(provincial) -> None:
    path, result = provincial
    again = consolidate([path])
    assert [(r.unit, r.figures) for r in again.rows] == [(r.unit, r.figures) for r in result.rows]
    assert again.total == result.total and not again.issues


def test_a_folder_holding_the_consolidated_workbook_skips_it(provincial, tmp_path: Path) -> None:
    path, result = provincial
    folder = tmp_path / "in"
    shutil.copytree(REPO / "workbooks" / "samples", folder)
    shutil.copy(path, folder / path.name)
    assert consolidate([folder]).total == result.total


# --- generated tables: full and reduced layouts mixed -------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> tuple[Path, dict[str, D.Figures], list[str]]:
    """Ten departments, half in the Sóc Trăng layout (carried over, pending, online) and
    half in the Bình Thuận one (received, resolved, in time, late only)."""
    folder = tmp_path_factory.mktemp("mixed")
    rng = random.Random(7)
    units = ["Sở Tư pháp", "Sở Y tế", "Sở Xây dựng", "Công an tỉnh", "Sở Nội vụ", "Sở Tài chính", "Sở Công Thương",
             "Bảo hiểm xã hội tỉnh", "Sở Giáo dục và Đào tạo", "Sở Khoa học và Công nghệ"]
    figures, full = {}, []
    for i, unit in enumerate(units):
        layout = "full" if i % 2 else "row"
        f = D.random_figures(rng, 2000)
        D.write_department(folder / f"{i:02d}.xlsx", layout, unit, [f], PERIOD)
        figures[unit] = f
        if layout == "full":
            full.append(unit)
    return folder, figures, full


_IDENTITIES = (("received", ("carried_over", "received_new")),
               ("resolved", ("resolved_in_time", "resolved_late")),
               ("resolved", ("resolved_early", "resolved_on_time", "resolved_late")),
               ("resolved_in_time", ("resolved_early", "resolved_on_time")),
               ("pending", ("pending_in_time", "pending_overdue")),
               ("received", ("resolved", "pending")))


def _holds(total: dict) -> list[str]:
    """The identities the total row states (every term has a figure), each checked."""
    stated = [(w, p) for w, p in _IDENTITIES if all(total.get(f) is not None for f in (w, *p))]
    broken = [f"{w} {total[w]} != {'+'.join(p)} {sum(total[f] for f in p)}" for w, p in stated
              if total[w] != sum(total[f] for f in p)]
    assert not broken, broken
    return [w for w, _ in stated]


def test_mixed_layouts_consolidate_into_a_total_row_that_holds(mixed, tmp_path: Path) -> None:
    folder, figures, full = mixed
    out = tmp_path / "out.xlsx"
    run = CliRunner().invoke(cli, ["consolidate", str(folder), "-o", str(out), "--json"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    total = data["total"]
    assert _holds(total) == ["resolved", "pending"]  # in time + late over all ten; pending over five
    assert total["received_new"] == sum(f.received_new for f in figures.values())
    assert total["resolved"] == sum(f.resolved for f in figures.values())
    assert total["resolved_in_time"] == sum(f.resolved_in_time for f in figures.values())
    # received and carried over: five departments only, against new over ten: left blank
    assert total["received"] is None and total["carried_over"] is None
    assert data["coverage"]["received"] == {"units": 5, "of": 10, "text": "5/10 đơn vị", "totalled": False}
    assert {"received", "carried_over"} <= set(data["summary"]["untotalled"])
    # pending over the same five departments as its parts: totalled, coverage stated
    assert total["pending"] == sum(figures[u].pending for u in full)
    assert data["coverage"]["pending"]["text"] == "5/10 đơn vị" and data["coverage"]["pending"]["totalled"]
    # the online rate over the departments reporting online dossiers, and its coverage
    online = sum(figures[u].received_online for u in full)
    new = sum(figures[u].received_new for u in full)
    assert total["online_rate"] == pytest.approx(online / new)
    assert data["coverage"]["online_rate"]["text"] == "5/10 đơn vị"
    warned = {i["field"] for i in data["issues"] if i["rule"] == "partial_coverage" and i["severity"] == "warning"}
    assert {"received", "carried_over"} <= warned
    # the written sheet: the same totals, the coverage row, and no finding when checked
    assert findings(out) == set()
    (t,) = read_tables(out)[1]
    assert {f: int(v) for f, v in t.totals().items()} == {f: v for f, v in total.items()
                                                          if f in t.count_fields and v is not None}
    assert t.coverage["received"] == t.coverage["pending"] == (5, 10) and "received_new" not in t.coverage
    text = "\n".join(n.text for n in narrate_file(out))
    assert "5/10 đơn vị có số liệu" in text and "chiếm" not in text.split("\n")[0]  # no share across departments


def test_the_libreoffice_recalculation_agrees_with_the_cached_coverage_ratios(mixed, tmp_path: Path) -> None:
    from lo import read_values, recalculate

    folder, _, _ = mixed
    result = consolidate([folder])
    out = tmp_path / "out.xlsx"
    write_provincial(result, out)
    mine = read_values(out, SHEETS["consolidated"])
    theirs = read_values(recalculate(out, tmp_path / "lo"), SHEETS["consolidated"])
    diff = {k: (v, theirs.get(k)) for k, v in mine.items()
            if not (v == theirs.get(k) or (isinstance(v, float) and abs(v - (theirs.get(k) or 0)) < 1e-9))}
    assert not diff, diff


def test_a_contradicting_total_row_is_never_moved_into_place(mixed, tmp_path: Path) -> None:
    import dataclasses

    from xl_tthc.consolidate.provincial import SelfContradiction

    folder, _, _ = mixed
    result = consolidate([folder])
    broken = dataclasses.replace(result, untotalled=[])  # as the consolidation used to sum
    with pytest.raises(SelfContradiction) as e:
        write_provincial(broken, tmp_path / "bad.xlsx")
    assert {i.rule for i in e.value.issues} >= {"received_total"}
    assert all(i.severity == "error" for i in e.value.issues)


@pytest.fixture
def own_temp(tmp_path: Path, monkeypatch) -> Path:
    """A temporary folder of the test's own, where the appendix's check copies go."""
    import tempfile

    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_the_appendix_is_checked_as_the_workbook_holds_it(mixed, tmp_path: Path, monkeypatch, own_temp) -> None:
    """The appendix is checked in a worker from a copy of it saved alone; when the
    workbook does not hold it as checked (never so by design), the workbook itself is
    read back: a contradiction is found either way, and no copy is left behind."""
    import dataclasses

    from xl_tthc.consolidate import provincial as P

    folder, _, _ = mixed
    result = consolidate([folder])
    broken = dataclasses.replace(result, untotalled=[])
    read_back = []
    same = P._same_appendix
    monkeypatch.setattr(P, "_same_appendix", lambda alone, whole: False)
    real = P.self_check
    monkeypatch.setattr(P, "self_check", lambda path, r: read_back.append(Path(path).name) or real(path, r))
    with pytest.raises(P.SelfContradiction) as e:
        write_provincial(broken, tmp_path / "bad.xlsx")
    assert "bad.xlsx" in read_back and {i.rule for i in e.value.issues} >= {"received_total"}
    assert not list(own_temp.iterdir())
    monkeypatch.setattr(P, "_same_appendix", same)
    monkeypatch.setattr(P, "self_check", real)
    out = write_provincial(result, tmp_path / "good.xlsx")
    assert P._same_appendix(out, out) and not list(own_temp.iterdir())


def _abort(_item: str) -> None:
    import os

    os.abort()


@pytest.mark.parametrize("how", ["worker dies", "no worker"])
def test_without_the_workers_check_the_workbook_is_read_back(mixed, tmp_path: Path, monkeypatch, how,
                                                             own_temp) -> None:
    """A check worker that dies, or cannot be started, is no verdict: the workbook
    written is read back in this process, and its contradiction is found."""
    import dataclasses

    from xl_tthc.consolidate import provincial as P

    class Dying(P.Background):
        def __init__(self, work, item, **kwargs):
            if how == "no worker":
                raise OSError("no more processes")
            super().__init__(_abort, item, **kwargs)

    monkeypatch.setattr(P, "Background", Dying)
    folder, _, _ = mixed
    broken = dataclasses.replace(consolidate([folder]), untotalled=[])
    with pytest.raises(P.SelfContradiction) as e:
        write_provincial(broken, tmp_path / "bad.xlsx")
    assert {i.rule for i in e.value.issues} >= {"received_total"}
    assert not list(own_temp.iterdir())


def test_a_failed_save_stops_the_check_and_leaves_no_copy(mixed, tmp_path: Path, monkeypatch, own_temp) -> None:
    import multiprocessing

    from xl_tthc.consolidate import provincial as P

    saves = []

    def save(wb, path, *args, **kwargs):
        saves.append(path)
        if len(saves) == 2:  # the whole workbook, while the appendix is being checked
            raise OSError(28, "No space left on device")
        return real(wb, path, *args, **kwargs)

    real = P.save_workbook
    monkeypatch.setattr(P, "save_workbook", save)
    folder, _, _ = mixed
    with pytest.raises(OSError):
        write_provincial(consolidate([folder]), tmp_path / "full.xlsx")
    assert len(saves) == 2 and not multiprocessing.active_children() and not list(own_temp.iterdir())


def test_the_appendix_is_checked_in_a_spawned_worker_too(mixed, tmp_path: Path, monkeypatch) -> None:
    """As on Windows, where a worker is a fresh interpreter: what it is sent pickles,
    and its verdict is the one this process would give."""
    import dataclasses
    import multiprocessing

    from xl_tthc.consolidate import provincial as P
    from xl_tthc.read import workers

    monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context("spawn"))
    monkeypatch.setattr(P, "self_check", lambda path, r: pytest.fail("read back in the parent"))
    folder, _, _ = mixed
    result = consolidate([folder])
    assert write_provincial(result, tmp_path / "good.xlsx").exists()
    with pytest.raises(P.SelfContradiction) as e:
        write_provincial(dataclasses.replace(result, untotalled=[]), tmp_path / "bad.xlsx")
    assert {i.rule for i in e.value.issues} >= {"received_total"}


def test_a_workbook_saved_twice_is_the_same_workbook(mixed, tmp_path: Path) -> None:
    """save_workbook leaves the workbook as it found it: the appendix saved alone and
    then with every sheet is the same part, byte for byte (the copy checked in the
    worker is the appendix written)."""
    import zipfile

    from xl_tthc.consolidate import provincial as P

    folder, _, _ = mixed
    result = consolidate([folder])
    first = write_provincial(result, tmp_path / "a.xlsx")
    again = write_provincial(result, tmp_path / "b.xlsx")
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(again) as b:
        assert all(a.read(n) == b.read(n) for n in a.namelist()) and a.namelist() == b.namelist()
        assert P._APPENDIX_PART in a.namelist()


def test_what_the_identities_give_is_derived_per_department(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"Kết quả giải quyết thủ tục hành chính {PERIOD}"])
    ws.append(["STT", "Tên đơn vị", "Tổng số tiếp nhận", "Kỳ trước chuyển sang", "Đã giải quyết", "Quá hạn",
               "Đúng hẹn"])
    ws.append([1, "Sở Tư pháp", 120, 20, 90, 4, 86])
    wb.save(tmp_path / "a.xlsx")
    (row,) = consolidate([tmp_path / "a.xlsx"]).rows
    assert row.figures["received_new"] == 100  # received − carried over


def test_an_empty_input_set_is_an_error(tmp_path: Path) -> None:
    from xl_tthc.consolidate.consolidation import NoInputs

    with pytest.raises(NoInputs, match="Không có tệp báo cáo"):
        consolidate([tmp_path])
    run = CliRunner().invoke(cli, ["consolidate", str(tmp_path), "-o", str(tmp_path / "out.xlsx")])
    assert run.exit_code == 2 and "Không có tệp báo cáo" in run.output
    assert not (tmp_path / "out.xlsx").exists()


def test_departments_left_out_are_marked_rows_outside_the_totals(mixed, tmp_path: Path) -> None:
    import openpyxl

    folder, figures, _ = mixed
    inputs = tmp_path / "in"
    shutil.copytree(folder, inputs)
    f = D.random_figures(random.Random(5), 300)
    D.write_department(inputs / "conflict_a.xlsx", "row", "Sở Du lịch", [f], PERIOD)
    D.write_department(inputs / "conflict_b.xlsx", "row", "Sở Du lịch", [D.random_figures(random.Random(6))], PERIOD)
    D.write_department(inputs / "other_period.xlsx", "row", "Sở Ngoại vụ", [f], "tháng 02 năm 2024")
    (inputs / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    result = consolidate([inputs])
    out = tmp_path / "out.xlsx"
    write_provincial(result, out)
    assert {(e.unit, e.status) for e in result.excluded} == {
        ("Sở Du lịch", "conflict"), ("Sở Ngoại vụ", "period_mismatch"), ("Tệp broken.xlsx", "unreadable")}
    ws = openpyxl.load_workbook(out)[SHEETS["consolidated"]]
    marked = {r[1].value: r for r in ws.iter_rows() if isinstance(r[1].value, str) and "(không tổng hợp:" in r[1].value}
    assert set(marked) == {e.label for e in result.excluded}
    for row in marked.values():
        assert all(c.value is None for c in row[2:])  # blank figures, no formula
    assert "tháng 02 năm 2024" in next(k for k in marked if k.startswith("Sở Ngoại vụ"))
    assert result.total["received_new"] == sum(x.received_new for x in figures.values())
    assert findings(out) == set()
    assert [r.unit for r in consolidate([out]).rows] == [r.unit for r in result.rows]
    assert json.loads(json.dumps(result.to_dict()))["summary"]["excluded"] == 3


def test_recompute_of_a_consolidated_workbook_keeps_it_coherent(mixed, tmp_path: Path) -> None:
    folder, _, _ = mixed
    result = consolidate([folder])
    out, again = tmp_path / "out.xlsx", tmp_path / "recomputed.xlsx"
    write_provincial(result, out)
    rec = recompute_file(out, again)
    assert not rec.issues and {c.sheet for c in rec.changes} <= {SHEETS["consolidated"]}
    assert form_marker(again) == PROVINCIAL
    assert findings(again) == set()
    assert consolidate([again]).to_dict()["total"] == consolidate([out]).to_dict()["total"]


def test_every_shipped_workbook_carries_its_form_mark() -> None:
    templates = sorted((REPO / "workbooks" / "templates").glob("*.xlsx"))
    assert templates and all(form_marker(p) == p.stem for p in templates)
    assert all(form_marker(p) == "department_results" for p in SAMPLES)


@pytest.mark.parametrize("layout", D.LAYOUTS)
def test_recompute_of_generated_department_tables_reads_back_the_same(layout: str, tmp_path: Path) -> None:
    rng = random.Random(len(layout))
    parts = D.department(rng, layout)
    src, out = tmp_path / "src.xlsx", tmp_path / "out.xlsx"
    D.write_department(src, layout, "Sở Tư pháp", parts, PERIOD)
    recompute_file(src, out)
    assert findings(out) - findings(src) == set()
    a, b = consolidate([src]), consolidate([out])
    assert [r.figures for r in b.rows] == [r.figures for r in a.rows] and b.rows[0].figures
