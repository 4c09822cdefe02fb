"""Finding the input files (one os.scandir pass) finds what Path.rglob found, and the
command still refuses to overwrite an input, under whatever path it is named."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import departments as D
from xl_tthc.consolidate.consolidation import (WORKBOOK_SUFFIXES, InputFiles, collect_inputs, consolidate,
                                               is_provincial_workbook)

PERIOD = "tháng 03 năm 2024"


def _rglob_inputs(folder: Path) -> list[Path]:
    """What collect_inputs found for a folder before it used os.scandir."""
    return sorted(q for q in folder.rglob("*") if q.is_file() and q.suffix.lower() in WORKBOOK_SUFFIXES
                  and not q.name.startswith(("~$", ".")) and not is_provincial_workbook(q))


def _write(path: Path, i: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return D.write_department(path, "row", f"UBND xã Thử {i}", D.department(random.Random(i), "row"), PERIOD)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    _write(root / "a.xlsx", 1)
    _write(root / "B.XLSX", 2)
    _write(root / "sub" / "deeper" / "c.xlsx", 3)
    _write(root / ".hidden_dir" / "d.xlsx", 4)
    _write(root / "a b" / "e.xlsx", 5)
    _write(tmp_path / "elsewhere" / "f.xlsx", 6)
    (root / "~$a.xlsx").write_bytes(b"lock")
    (root / ".g.xlsx").write_bytes(b"hidden")
    (root / "notes.txt").write_text("x")
    (root / "folder.xlsx").mkdir()
    _write(root / "folder.xlsx" / "h.xlsx", 7)
    os.symlink(tmp_path / "elsewhere", root / "linked_dir")  # not followed, as rglob does not
    os.symlink(root / "a.xlsx", root / "z_link_to_a.xlsx")  # a file under another name: once
    os.symlink(tmp_path / "missing.xlsx", root / "broken.xlsx")
    return root


def test_the_files_found_are_those_rglob_found(tree):
    """The workbooks rglob finds, and also the link to nowhere named like one: it is kept
    so that reading it says so (nothing in a folder is passed over in silence)."""
    got = collect_inputs([tree])
    assert isinstance(got, InputFiles)
    expected = [p for p in _rglob_inputs(tree) if p.name != "z_link_to_a.xlsx"]  # the same file as a.xlsx
    assert got == sorted(expected + [tree / "broken.xlsx"], key=str)
    assert {p.name for p in got} == {"a.xlsx", "B.XLSX", "c.xlsx", "d.xlsx", "e.xlsx", "h.xlsx", "broken.xlsx"}


def test_a_pipe_or_a_folder_that_cannot_be_listed_is_said_not_skipped(tree, tmp_path):
    from xl_tthc.rules.check import check_files

    os.mkfifo(tree / "pipe.xlsx")
    got = collect_inputs([tree])
    assert tree / "pipe.xlsx" in got
    reports = {Path(r.path).name: r for r in check_files(got)}
    assert reports["pipe.xlsx"].error is not None and "FIFO" in reports["pipe.xlsx"].error.text("vi")
    assert reports["broken.xlsx"].error is not None and reports["a.xlsx"].error is None


def test_a_file_given_twice_or_through_a_link_is_read_once(tree):
    got = collect_inputs([tree / "z_link_to_a.xlsx", tree, tree / "sub" / ".." / "a.xlsx"])
    assert [p.name for p in got].count("a.xlsx") + [p.name for p in got].count("z_link_to_a.xlsx") == 1


def _cli(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("xl-tthc")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("how", ["same", "dotdot", "symlink"])
def test_refuses_to_overwrite_an_input(tree, tmp_path, how):
    target = tree / "a.xlsx"
    before = target.read_bytes()
    out = {"same": target, "dotdot": tree / "sub" / ".." / "a.xlsx", "symlink": tmp_path / "link.xlsx"}[how]
    if how == "symlink":
        os.symlink(target, out)
    proc = _cli("consolidate", str(tree), "-o", str(out), "--force")
    assert proc.returncode == 2, proc.stderr
    assert "không ghi đè lên tệp đầu vào" in proc.stderr  # Vietnamese by default (#16)
    assert target.read_bytes() == before


def test_an_earlier_output_in_the_folder_is_replaced_not_read(tree):
    out = tree / "tong_hop.xlsx"
    assert _cli("consolidate", str(tree), "-o", str(out)).returncode in (0, 1)
    assert is_provincial_workbook(out)
    proc = _cli("consolidate", str(tree), "-o", str(out), "--force")
    assert proc.returncode in (0, 1), proc.stderr
    assert out not in collect_inputs([tree])


@pytest.mark.parametrize("cache", [False, True])
def test_a_provincial_workbook_found_in_a_folder_is_left_out_when_read(tree, tmp_path, cache):
    """consolidate finds the files without opening them (provincial_later): an earlier
    provincial workbook in the folder is told apart in the workers and left out, on a
    run that reads it and on one that takes it from the cache's pack; given as such, it
    is read."""
    out = tree / "sub" / "tong_hop_truoc.xlsx"
    assert _cli("consolidate", str(tree), "-o", str(out)).returncode in (0, 1)
    found = collect_inputs([tree], provincial_later=True)
    assert out in found and str(out) in found.unchecked
    assert str(tree / "a.xlsx") in found.unchecked
    store = tmp_path / "cache" if cache else None
    for _run in range(2 if cache else 1):
        result = consolidate(found, cache=store)
        paths = {s.path for s in result.sources}
        assert str(out) not in paths and str(tree / "a.xlsx") in paths
        assert not any(s.provincial for s in result.sources)
        said = [i for i in result.issues if i.rule == "provincial_skipped"]  # left out, and said
        assert [(i.file, i.severity) for i in said] == [(str(out), "info")] and "xl-tthc" in said[0].message
    given = consolidate(collect_inputs([tree, out], provincial_later=True), cache=store)
    mine = [s for s in given.sources if s.path == str(out)]
    assert len(mine) == 1 and mine[0].provincial
    assert not any(i.rule == "provincial_skipped" for i in given.issues)
    assert {s.path for s in consolidate([tree], cache=store).sources} == paths  # the library finds it so too


def test_only_provincial_workbooks_in_a_folder_is_no_input(tmp_path):
    from xl_tthc.consolidate.consolidation import NoInputs
    tree = tmp_path / "in"
    _write(tree / "a.xlsx", 1)
    out = tmp_path / "only" / "tong_hop.xlsx"
    out.parent.mkdir()
    assert _cli("consolidate", str(tree), "-o", str(out)).returncode in (0, 1)
    with pytest.raises(NoInputs):
        consolidate([out.parent])


def test_the_output_replaces_an_earlier_one_only_when_it_is_one(tree):
    """InputFiles.replacing: an earlier provincial workbook found in the folder and named
    as the output is taken out of the inputs; a department file named so stays (and the
    command refuses to write over it)."""
    out = tree / "tong_hop.xlsx"
    assert _cli("consolidate", str(tree), "-o", str(out)).returncode in (0, 1)
    found = collect_inputs([tree], provincial_later=True)
    assert out in found and out not in found.replacing(out) and str(out) not in found.replacing(out).unchecked
    assert tree / "a.xlsx" in found.replacing(tree / "a.xlsx")
    given = collect_inputs([tree, out], provincial_later=True)
    assert out in given.replacing(out)  # given as such: the command's to refuse


def test_a_damaged_earlier_output_in_a_folder_is_left_out_as_before(tree):
    """A provincial workbook whose appendix cannot be read is still an earlier output:
    left out and said, as when the folder's files were opened to find it."""
    import zipfile

    out = tree / "sub" / "tong_hop_hong.xlsx"
    assert _cli("consolidate", str(tree), "-o", str(out)).returncode in (0, 1)
    damaged = out.with_name("tmp.xlsx")
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<worksheet><sheetData><row" if item.filename == "xl/worksheets/sheet1.xml" else data)
    damaged.replace(out)
    assert is_provincial_workbook(out)
    result = consolidate(collect_inputs([tree], provincial_later=True))
    assert str(out) not in {s.path for s in result.sources}
    assert [i.file for i in result.issues if i.rule == "provincial_skipped"] == [str(out)]
