"""The benchmark scripts run, on small sizes, and count what they claim to; their timings
are printed for people and never asserted here."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import python_calamine as pc

import departments as D

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
NUMBER = r"(-?\d+\.\d+)"


def _run(*args: str) -> str:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _figure(out: str, label: str) -> float:
    match = re.search(re.escape(label) + r".*?" + NUMBER, out)
    assert match, f"no figure for {label!r} in:\n{out}"
    return float(match.group(1))


def test_consolidate_bench_prints_every_figure_and_compares_the_outputs(tmp_path):
    ref = tmp_path / "ref"
    out = _run(str(BENCH / "consolidate_bench.py"), "--sizes", "4", "8", "--repeat", "1", "--dir", str(tmp_path),
               "--keep", "--save-reference", str(ref))
    assert "filling the cache = no cache: identical, every part" in out
    assert "warm after one file changed = no cache on the same files: identical, every part" in out
    assert "outputs with the cache       = identical" in out
    for label in ("cold run of 8 files        =", "warm re-run, 1 file changed  =", "warm / cold                  ="):
        assert _figure(out, label) > 0
    assert re.search(r"^\| per extra file, N = 4 → 8: `xl-tthc consolidate --no-cache` \| -?\d", out, re.M), out
    assert "| warm / cold (target ≤ 0.2) |" in out and "| parent's peak memory at 4 / 8 files" in out
    worker = re.search(r"^\| largest worker's peak memory at 4 / 8 files \| (\d+) / (\d+) MiB", out, re.M)
    assert worker and int(worker[2]) > 0, out  # the reading workers and the appendix's check are measured
    assert len(list((tmp_path / "departments_8").glob("*.xlsx"))) == 8
    assert len(list((tmp_path / "departments_4").glob("*.xlsx"))) == 4
    assert (ref / "tong_hop.xlsx").stat().st_size > 0
    # the changed file is put back, so a later run compares the same files with the reference
    again = _run(str(BENCH / "consolidate_bench.py"), "--sizes", "4", "8", "--repeat", "1", "--dir", str(tmp_path),
                 "--keep", "--reference", str(ref))
    assert f"no cache = the reference in {ref}: identical, every part" in again


def test_consolidate_bench_sees_a_different_output(tmp_path):
    """The comparison can fail: a workbook with one part changed is reported."""
    sys.path.insert(0, str(BENCH))
    import zipfile

    import consolidate_bench as B

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    with zipfile.ZipFile(a, "w") as z:
        z.writestr("xl/workbook.xml", "<w/>")
        z.writestr("xl/worksheets/sheet1.xml", "<s>1</s>")
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("xl/workbook.xml", "<w/>")
        z.writestr("xl/worksheets/sheet1.xml", "<s>2</s>")
    assert B.differing_parts(a, a) == []
    assert B.differing_parts(a, b) == ["xl/worksheets/sheet1.xml"]


def test_least_pipeline_parses_every_row_of_every_file(tmp_path):
    rng = random.Random(7)
    for i, layout in enumerate(D.LAYOUTS * 2):
        sub = tmp_path / ("a" if i % 2 else "b")
        sub.mkdir(exist_ok=True)
        D.write_department(sub / f"{i}.xlsx", layout, f"UBND xã {i}", D.department(rng, layout), "tháng 03 năm 2024")
    expected = 0
    for f in tmp_path.rglob("*.xlsx"):
        book = pc.CalamineWorkbook.from_path(str(f))
        expected += sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)
    assert expected > 0
    assert int(_run(str(BENCH / "least_pipeline.py"), str(tmp_path)).strip()) == expected


def test_write_bench_runs(tmp_path):
    out = _run(str(BENCH / "write_bench.py"), "--n", "8", "--dir", str(tmp_path), "--repeat", "1")
    assert _figure(out, "(a) write_provincial") > 0
    assert _figure(out, "openpyxl cells / write_provincial =") > 0


def test_udf_bench_finds_the_broken_rows_it_plants():
    # every 500th commune row is unbalanced: 1,000 rows plant two
    out = _run(str(BENCH / "udf_bench.py"), "--column", "20", "--rows", "1000", "--repeat", "1")
    assert re.search(r"TTHC_CHECK over a 1,000-row table, 15 columns \(\d+ findings on 2 rows\)", out), out
    assert "target < 100 ms" in out


def test_tally_bench_counts_agree_on_a_small_export(tmp_path):
    out = _run(str(BENCH / "tally_bench.py"), "--n", "20000", "--dir", str(tmp_path), "--memory-limit", "256MB")
    assert "all counts agree" in out
    assert _figure(out, "tally / bare query =") > 0 and _figure(out, "pandas / tally     =") > 0
    assert "rows left out" in out
