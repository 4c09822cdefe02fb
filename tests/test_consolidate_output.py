"""The provincial workbook and the ``xl-tthc consolidate`` command: cached values equal
LibreOffice's recalculation, text stays text, links and sources, exit codes, JSON,
atomic output."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from click.testing import CliRunner
from openpyxl.utils import quote_sheetname

import departments as D
from lo import read_values, recalculate
from xl_tthc.cli import cli
from xl_tthc.consolidate.consolidation import consolidate
from xl_tthc.consolidate.provincial import SHEETS, write_provincial

PERIOD = "tháng 03 năm 2024"
UNITS = ("Sở Tư pháp", "Sở Y tế", "Sở Xây dựng", "Công an tỉnh", "Sở Nội vụ", "Sở Tài chính", "Sở Công Thương",
         "Bảo hiểm xã hội tỉnh")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("departments")
    rng = random.Random(21)
    for i, unit in enumerate(UNITS):
        layout = D.LAYOUTS[i % len(D.LAYOUTS)]
        D.write_department(out / f"{i:02d}_{layout}.xlsx", layout, unit, D.department(rng, layout), PERIOD)
    # a unit name that looks like a formula: must stay text
    D.write_department(out / "formula_name.xlsx", "row", "=1+1", D.department(rng, "row"), PERIOD)
    return out


@pytest.fixture(scope="module")
def book(folder, tmp_path_factory) -> tuple[Path, object]:
    result = consolidate([folder])
    path = write_provincial(result, tmp_path_factory.mktemp("out") / "tong_hop.xlsx")
    return path, result


def _numbers(values: dict) -> dict:
    return {k: v for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


@pytest.fixture(scope="module")
def recalculated(book, tmp_path_factory) -> Path:
    """The provincial workbook opened, recalculated and saved by LibreOffice."""
    return recalculate(book[0], tmp_path_factory.mktemp("lo"))


@pytest.mark.libreoffice
def test_libreoffice_recalculation_equals_the_cached_values(book, recalculated):
    path, _ = book
    cached = _numbers(read_values(path, SHEETS["consolidated"]))
    again = _numbers(read_values(recalculated, SHEETS["consolidated"]))
    assert len(cached) > 100
    assert cached.keys() == again.keys()
    for ref, v in cached.items():
        assert again[ref] == pytest.approx(v, abs=1e-9), ref


@pytest.mark.libreoffice
def test_libreoffice_reads_every_sheet_as_written(book, recalculated):
    """The rows written straight as SpreadsheetML mean the same to LibreOffice: every
    value of every sheet survives its round trip, and "=1+1" is still text."""
    path, _ = book
    for name in SHEETS.values():
        mine, theirs = read_values(path, name), read_values(recalculated, name)
        if name == SHEETS["consolidated"]:
            mine, theirs = ({k: v for k, v in d.items() if not isinstance(v, (int, float))} for d in (mine, theirs))
        assert theirs == mine, name
    ws = openpyxl.load_workbook(recalculated)[SHEETS["consolidated"]]
    assert [c.data_type for row in ws.iter_rows() for c in row if c.value == "=1+1"] == ["s"]


def test_calamine_sees_the_totals_and_ratios_without_recalculation(book):
    path, result = book
    rows = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEETS["consolidated"]).to_python()
    total = next(r for r in rows if r[1] == "Tổng cộng")
    header = next(i for i, r in enumerate(rows) if r[0] == "STT")
    numbering = rows[header + 3] if rows[header + 3][0] == "1" else rows[header + 2]
    col = {str(v): i for i, v in enumerate(numbering)}
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEETS["consolidated"]]
    formulas = {c.value for c in ws[rows.index(total) + 1] if isinstance(c.value, str) and c.value.startswith("=")}
    assert any(f.startswith("=IF(COUNT(") and ",SUM(" in f for f in formulas)  # blank while its inputs are
    resolved = result.total["resolved"]
    assert resolved in total and resolved == sum(r.figures["resolved"] for r in result.rows)
    ontime = result.total["resolved_in_time"] / resolved
    assert any(isinstance(v, float) and abs(v - ontime) < 5e-5 for v in total), (total, col)


def test_formula_like_names_stay_text(book):
    path, result = book
    assert "=1+1" in [r.unit for r in result.rows]
    ws = openpyxl.load_workbook(path)[SHEETS["consolidated"]]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    calamine = pc.CalamineWorkbook.from_path(str(path))
    for name in (SHEETS["consolidated"], SHEETS["detail"], SHEETS["sources"]):
        flat = [v for r in calamine.get_sheet_by_name(name).to_python() for v in r]
        assert any(isinstance(v, str) and "=1+1" in v for v in flat), name


def test_issue_links_sources_and_charts(book, folder):
    path, result = book
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS.values())
    issues = wb[SHEETS["issues"]]
    assert issues.max_row - 1 == len(result.issues)
    sources = wb[SHEETS["sources"]]
    assert sources.max_row - 1 == len(result.sources) == len(list(folder.iterdir()))
    for row in sources.iter_rows(min_row=2):
        target = row[1].hyperlink.target
        assert (path.parent / target).resolve() == Path(row[1].value).resolve()
        assert len(row[5].value) == 64 and row[8].value == "Đã tổng hợp"
    for issue, row in zip(result.issues, issues.iter_rows(min_row=2)):
        if not issue.file:  # a finding of the run (partial coverage) has no source to link to
            assert row[1].hyperlink is None and issue.rule == "partial_coverage"
            continue
        target = row[1].hyperlink.target
        assert (path.parent / target).resolve() == Path(issue.file).resolve() and row[1].value == Path(issue.file).name
        if issue.sheet:
            file, cell = row[3].hyperlink.target.split("#")
            assert file == target and cell == f"{quote_sheetname(issue.sheet)}!{row[3].value}"
    assert len(wb[SHEETS["charts"]]._charts) == 3  # late dossiers, late rate, online rate
    detail = wb[SHEETS["detail"]]
    assert detail.max_row - 1 == len(result.details) > len(result.rows)


def test_detail_and_source_sheets_hold_the_consolidation(book):
    path, result = book
    calamine = pc.CalamineWorkbook.from_path(str(path))
    detail = calamine.get_sheet_by_name(SHEETS["detail"]).to_python()
    assert detail[0][:7] == ["STT", "Đơn vị", "Dòng trong tệp", "Loại dòng", "Tệp", "Trang tính", "Dòng"]
    assert len(detail) == len(result.details) + 1
    for i, (row, d) in enumerate(zip(detail[1:], result.details), start=1):
        assert row[:7] == [i, d.unit, d.label, {"field": "Lĩnh vực", "department": "Đơn vị", "total": "Dòng tổng"}[d.kind],
                           Path(d.file).name, d.sheet, d.row]
        assert [v for v in row[7:]] + [""] * (len(result.fields) - len(row[7:])) == \
            [d.figures.get(f, "") for f in result.fields]
    sources = calamine.get_sheet_by_name(SHEETS["sources"]).to_python()
    assert [(r[1], r[5], r[6], r[7]) for r in sources[1:]] == \
        [(s.path, s.sha256, s.size, s.rows_read) for s in result.sources]


def test_cli_json_rows_are_keyed_by_canonical_fields(folder, tmp_path):
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(cli, ["consolidate", str(folder), "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["output"] == str(out) and out.exists()
    assert data["period"] == "2024-03"
    assert {r["unit"] for r in data["rows"]} == {*UNITS, "=1+1"}
    assert all({"unit", "received_new", "resolved", "resolved_late", "ontime_rate"} <= set(r) for r in data["rows"])
    assert data["total"]["resolved"] == sum(r["resolved"] for r in data["rows"])
    assert data["summary"]["failed"] == 0
    again = CliRunner().invoke(cli, ["consolidate", str(folder), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def test_cli_exit_codes_and_inputs_untouched(folder, tmp_path):
    (tmp_path / "in").mkdir()
    for p in folder.iterdir():
        (tmp_path / "in" / p.name).write_bytes(p.read_bytes())
    (tmp_path / "in" / "broken.xlsx").write_bytes(b"PK\x03\x04 broken")
    before = {p.name: p.read_bytes() for p in (tmp_path / "in").iterdir()}
    out = tmp_path / "in" / "tong_hop.xlsx"  # inside the input folder: not read back as an input
    res = CliRunner().invoke(cli, ["consolidate", str(tmp_path / "in"), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 1 and "broken.xlsx" in res.output and "unreadable" in res.output
    res = CliRunner().invoke(cli, ["consolidate", str(tmp_path / "in"), "-o", str(out), "--force", "--json"])
    assert res.exit_code == 1
    assert not any(f["path"].endswith("tong_hop.xlsx") for f in json.loads(res.output)["files"])
    assert before == {p.name: p.read_bytes() for p in (tmp_path / "in").iterdir() if p.name != "tong_hop.xlsx"}
    assert CliRunner().invoke(cli, ["consolidate", str(folder), "-o", str(tmp_path / "x.xlsx"),
                                    "--period", "sớm"]).exit_code == 2
    assert CliRunner().invoke(cli, ["consolidate", str(folder), "-o", str(folder / "00_row.xlsx"),
                                    "--force"]).exit_code == 2


def test_an_interrupted_run_leaves_no_output(folder, tmp_path):
    """Interrupted at some moment, the run has either written the whole workbook or
    nothing at all (no temporary file left behind either)."""
    big = tmp_path / "big"
    big.mkdir()
    for i in range(12):
        for p in folder.iterdir():
            if p.name != "formula_name.xlsx":
                (big / f"{i:02d}_{p.name}").write_bytes(p.read_bytes())
    out = tmp_path / "out" / "tong_hop.xlsx"
    proc = subprocess.Popen([str(Path(sys.executable).with_name("xl-tthc")), "consolidate", str(big), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    leftovers = [p for p in out.parent.iterdir()] if out.parent.exists() else []
    if out.exists():  # finished before the signal: then it is a complete workbook
        assert leftovers == [out]
        assert openpyxl.load_workbook(out).sheetnames == list(SHEETS.values())
    else:
        assert leftovers == [], leftovers
        assert proc.returncode != 0


def test_links_to_sources_are_the_resolved_files_relative_to_the_output(tmp_path, monkeypatch):
    """Each folder is resolved once, yet every link is what ``Path.resolve()`` and
    ``os.path.relpath`` give: through symlinked files and folders, "..", relative paths."""
    from xl_tthc.consolidate.provincial import _Links

    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "out").mkdir()
    for name in ("a.xlsx", "sub/b.xlsx"):
        (tmp_path / "in" / name).write_bytes(b"x")
    (tmp_path / "linked").symlink_to(tmp_path / "in" / "sub")
    (tmp_path / "in" / "alias.xlsx").symlink_to(tmp_path / "in" / "sub" / "b.xlsx")
    monkeypatch.chdir(tmp_path)
    files = [str(tmp_path / "in" / "a.xlsx"), "in/sub/b.xlsx", "in/sub/../a.xlsx", "linked/b.xlsx",
             "linked/../a.xlsx", str(tmp_path / "in" / "alias.xlsx"), "in/missing.xlsx", "out/self.xlsx",
             "in/sub/./b.xlsx", "in/sub/.."]
    out_dir = (tmp_path / "out").resolve()
    links = _Links(out_dir)
    for f in files + files:  # the second time from the caches
        assert links.file(f) == os.path.relpath(Path(f).resolve(), out_dir).replace(os.sep, "/"), f
    assert links.cell(files[0], "Phụ lục I", "B5") == "../in/a.xlsx#'Phụ lục I'!B5"
    assert links.cell(files[0], "Data", "") == "../in/a.xlsx#'Data'!A1"
