"""Untrusted bytes, one class at a time: special paths, zip members, worksheet extents,
DTDs, worker processes that die or hang, the per-file error boundary, conflict
records, and exit code 3 when the tool itself fails."""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

import fuzzcorpus as F
import seeds
from xl_tthc import check_file
from xl_tthc.consolidate.consolidation import collect_inputs, consolidate, is_provincial_workbook
from xl_tthc.domain.numbers import NumberError, parse_number
from xl_tthc.read.errors import ReadError
from xl_tthc.read.untrusted import (MAX_FILE_BYTES, check_extent, inflate, read_untrusted, reject_dtd)
from xl_tthc.read.workers import Background, map_isolated

RNG = random.Random(15)


# --- paths ------------------------------------------------------------------------------

@pytest.fixture()
def special(tmp_path) -> dict[str, Path]:
    return {label: p for p, label in F.special_files(tmp_path)}


@pytest.mark.parametrize("label, words", [
    ("fifo", "ống dẫn (FIFO)"), ("dev_zero", "tệp thiết bị"), ("symlink_loop", "lặp vòng"),
    ("folder", "thư mục"), ("dangling", "không tìm thấy"),
])
def test_special_paths_are_refused_without_blocking(special, label, words):
    start = time.monotonic()
    with pytest.raises(ReadError) as e:
        read_untrusted(special[label])
    assert time.monotonic() - start < 5
    assert words in e.value.text("vi") and e.value.hint
    assert e.value.text("en") != e.value.text("vi")
    report = check_file(special[label])
    assert report.error is not None and words in report.error.text("vi")


def test_a_file_above_the_size_cap_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.xlsx"
    with big.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(ReadError, match="too large"):
        read_untrusted(big)


def test_chmod_000_is_a_permission_record(special, tmp_path):
    """Root reads any file: under root the command runs without the capabilities that
    bypass file permissions (util-linux setpriv), as an ordinary user would."""
    good = seeds.binh_thuan(tmp_path / "good.xlsx")
    args = ["check", "--json", str(special["chmod000"]), str(good)]
    if os.geteuid() == 0:
        import shutil

        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv (util-linux) is missing: root ignores chmod 000")
        drop = "-dac_override,-dac_read_search"
        done = subprocess.run(["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", *F.cli_command(), *args],
                              capture_output=True, text=True, timeout=60)
        code, out = done.returncode, done.stdout
    else:
        code, out, _ = F.run_cli(args, 60)
    files = {f["path"]: f for f in json.loads(out)["files"]}
    assert code == 2
    assert "không có quyền đọc" in files[str(special["chmod000"])]["error"]
    assert files[str(good)]["tables"]


def test_check_reports_bad_paths_beside_a_good_file_instead_of_a_usage_error(special, tmp_path):
    good = seeds.binh_thuan(tmp_path / "good.xlsx")
    args = [str(special["folder"]), str(special["dangling"]), str(tmp_path / "missing.xlsx"), str(good)]
    code, out, err = F.run_cli(["check", "--json", *args], 60)
    assert code == 2 and err == ""
    files = {f["path"]: f for f in json.loads(out)["files"]}
    assert set(files) == set(args)  # every path reported, in the sorted order of collect_inputs
    assert all("error" in files[a] for a in args[:3]) and files[str(good)]["tables"]


# --- zip members and XML -----------------------------------------------------------------

def _book(tmp_path: Path) -> bytes:
    return seeds.soc_trang(tmp_path / "s.xlsx").read_bytes()


def _info(data: bytes, name: str) -> zipfile.ZipInfo:
    return zipfile.ZipFile(io.BytesIO(data)).getinfo(name)


def test_inflate_is_capped_and_checks_the_crc(tmp_path):
    data = _book(tmp_path)
    sheet = "xl/worksheets/sheet1.xml"
    assert inflate("f", data, _info(data, sheet)).startswith(b"<")
    with pytest.raises(ReadError, match="unpacks to more than"):
        inflate("f", data, _info(data, sheet), cap=100)
    bad = F.bad_crc(data, random.Random(1))
    with pytest.raises(ReadError):
        z = zipfile.ZipFile(io.BytesIO(bad))
        for i in z.infolist():
            inflate("f", bad, i)


@pytest.mark.parametrize("mutate, words", [
    (F.encrypted_flag, "encrypted"), (F.deflate64, "compression method"), (F.duplicate_names, "two members"),
    (F.whitespace_bomb(140 * 1024**2), "unpacks to more than"), (F.billion_laughs, "DOCTYPE"),
])
def test_hostile_members_are_refused_with_a_reason(tmp_path, mutate, words):
    p = tmp_path / "m.xlsx"
    p.write_bytes(mutate(_book(tmp_path), random.Random(3)))
    report = check_file(p)
    assert report.error is not None and words in report.error.text("en"), report.to_dict()


def test_an_external_entity_is_never_resolved(tmp_path):
    base = _book(tmp_path)
    refused = 0
    for seed in range(8):  # the entity in a sheet, the workbook part, its rels, the shared strings
        p = tmp_path / f"xxe{seed}.xlsx"
        p.write_bytes(F.external_entity(tmp_path)(base, random.Random(seed)))
        report = check_file(p)
        assert F.CANARY_TOKEN not in json.dumps(report.to_dict(), ensure_ascii=False)
        refused += report.error is not None and "DOCTYPE" in report.error.text("en")
    assert refused >= 4


def test_a_dtd_is_found_in_utf16_too():
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16")
    with pytest.raises(ReadError, match="DOCTYPE"):
        reject_dtd("f", "p.xml", xml)
    assert reject_dtd("f", "p.xml", "<x>ý</x>".encode("utf-16")) == "<x>ý</x>".encode()


@pytest.mark.parametrize("cells, refused", [
    (b'<row r="1"><c r="A1"/></row><row r="1048576"><c r="XFD1048576"/></row>', True),
    (b'<row r="9999999"><c r="ZZZZZ9999999"/></row>', True),
    (b'<row r="1"><c r="A99999999999999999999"/></row>', True),
    (b'<row r="1"><c r="A1"/></row><row r="200000"><c r="AAA200000"/></row>', True),
    (b'<row r="1"><c r="A1"/><c r="XFD1"/></row><row r="400"><c r="B400"/></row>', False),
    (b"<row><c/><c/><c/></row>" * 50, False),
    (b'<row r="5"><c s="1" r="B5"/></row><row r="1048576"><c s="1" r="XFD1048576"/></row>', True),
    (b"<row r='1'><c r='A1'/></row><row r='1048576'><c r='XFD1048576'/></row>", True),
    (b'<row r="1"><c r="A1"/></row><row r="200000"><c r="AB200000"/></row>', False),
])
def test_cell_references_beyond_limits_or_a_plausible_area_are_refused(cells, refused):
    xml = b'<worksheet><dimension ref="A1:XFD1048576"/><sheetData>' + cells + b"</sheetData></worksheet>"
    if refused:
        with pytest.raises(ReadError):
            check_extent("f", "xl/worksheets/sheet1.xml", xml)
    else:
        check_extent("f", "xl/worksheets/sheet1.xml", xml)  # the dimension alone is never trusted


def test_the_openpyxl_fallback_never_raises_out_of_a_file(tmp_path):
    base = _book(tmp_path)
    for i, mutate in enumerate((F.entity_in_formula, F.style_out_of_range, F.numfmt_abc, F.utf16_rels,
                                F.bad_attributes, F.bad_crc)):
        p = tmp_path / f"o{i}.xlsx"
        p.write_bytes(mutate(base, random.Random(i)))
        report = check_file(p)  # a report, whatever openpyxl would raise
        assert report.error is not None or report.tables is not None


# --- numbers and the per-file boundary ------------------------------------------------

def test_a_5000_digit_count_is_an_unparseable_finding(tmp_path):
    with pytest.raises(NumberError):
        parse_number("9" * 5000)
    rows = [list(r) for r in seeds.BINH_THUAN_ROWS]
    rows[0][2] = "9" * 5000
    report = check_file(seeds.binh_thuan(tmp_path / "long.xlsx", rows=rows))
    found = [i for i in report.all_issues if i.rule == "unparseable"]
    assert report.error is None and found and len(found[0].message) < 400


# --- worker processes ------------------------------------------------------------------

def _work(item: str) -> str:
    if item == "abort":
        os.abort()
    if item == "sleep":
        time.sleep(60)
    if item == "memory":
        _ = bytearray(64 * 1024**3)  # beyond the worker's address-space limit
    if item == "exit":
        os._exit(7)
    if item == "raise":
        raise RuntimeError("boom")
    return item.upper()


def _failed(item: str, e: ReadError) -> str:
    return f"failed:{item}:{e.reason_en}"


def test_a_dead_or_hung_worker_costs_only_its_item():
    items = ["a", "abort", "b", "sleep", "c", "exit", "d", "memory", "e", "f"]
    out = map_isolated(_work, items, _failed, jobs=2, chunk=3, seconds=3)
    assert out[0::2] == ["A", "B", "C", "D", "E"]
    assert out[1].startswith("failed:abort:the reader died") and "signal 6" in out[1]
    assert out[3].startswith("failed:sleep:reading the file took too long")
    assert out[5].startswith("failed:exit:the reader died") and "code 7" in out[5]
    assert out[7].startswith("failed:memory:") or out[7] == "MEMORY"
    assert out[9] == "F"


@pytest.mark.parametrize("item, expected", [
    ("x", "X"), ("abort", "failed:the reader died"), ("exit", "failed:the reader died"),
    ("sleep", "failed:reading the file took too long"), ("raise", "failed:unexpected error"),
])
def test_work_in_the_background_is_a_result_or_a_failure(item, expected):
    """Background: one item in a worker while the caller goes on; a worker that dies,
    overruns or raises is ``failed``, never a hang or a traceback in the caller."""
    job = Background(_work, item, seconds=3)
    got = job.result(lambda e: f"failed:{e.reason_en}")
    assert got.startswith(expected), got
    assert not job.worker.proc.is_alive()


def _thorough(item: str) -> str:
    return "retried:" + item


def test_a_worker_that_died_is_retried_once_with_the_thorough_checks():
    out = map_isolated(_work, ["x", "abort", "y"], _failed, jobs=1, retry=_thorough, seconds=30)
    assert out == ["X", "retried:abort", "Y"]
    out = map_isolated(_work, ["abort"], _failed, jobs=1, retry=_work, seconds=30)
    assert out[0].startswith("failed:abort:")


def test_read_errors_cross_process_boundaries():
    e = ReadError("f.xlsx", "lý do", "gợi ý", reason_en="reason", hint_en="hint", sheet="S", cell="B2")
    back = pickle.loads(pickle.dumps(e))
    assert (back.file, back.reason, back.hint, back.reason_en, back.hint_en, back.sheet, back.cell) == \
        ("f.xlsx", "lý do", "gợi ý", "reason", "hint", "S", "B2")


# --- consolidation ----------------------------------------------------------------------

def test_both_files_of_a_conflict_say_why(tmp_path):
    import departments as D

    rng = random.Random(4)
    a = D.write_department(tmp_path / "a.xlsx", "full", "Sở Y tế", D.department(rng, "full"), F.GOOD_PERIOD)
    b = D.write_department(tmp_path / "b.xlsx", "full", "Sở Y tế", D.department(rng, "full"), F.GOOD_PERIOD)
    result = consolidate([a, b], jobs=1)
    conflicted = [s for s in result.sources if s.status == "conflict"]
    assert len(conflicted) == 2, [(s.path, s.status, s.reason) for s in result.sources]
    assert all("Hai tệp cùng báo cáo" in s.reason and str(a) in s.reason and str(b) in s.reason for s in conflicted)


def test_folder_scan_survives_encrypted_or_deflate64_custom_properties(tmp_path):
    good = seeds.binh_thuan(tmp_path / "in" / "good.xlsx") if (tmp_path / "in").mkdir() is None else None
    wb = openpyxl.load_workbook(good)
    wb.custom_doc_props.append(openpyxl.packaging.custom.StringProperty(name="xl_tthc_form", value="provincial"))
    marked = tmp_path / "props.xlsx"
    wb.save(marked)
    data = marked.read_bytes()
    for i, (at_c, at_l, value) in enumerate([(8, 6, b"\x01\x00"), (10, 8, b"\x09\x00"), (10, 8, b"\x63\x00")]):
        p = tmp_path / "in" / f"odd_{i}.xlsx"
        p.write_bytes(F._patch(data, random.Random(0), at_c, at_l, value, member="docProps/custom.xml"))
        assert is_provincial_workbook(p) is False
    found = collect_inputs([tmp_path / "in"])
    assert len(found) == 4
    result = consolidate([tmp_path / "in"], jobs=2)
    assert {Path(s.path).name: s.status for s in result.sources}["good.xlsx"] == "consolidated"


# --- the tool itself failing -------------------------------------------------------------

def test_an_internal_failure_exits_3_with_one_line_and_a_log(tmp_path):
    good = seeds.binh_thuan(tmp_path / "good.xlsx")
    code = ("import sys, xl_tthc.cli.check as c\n"
            "def boom(*a, **k):\n    raise KeyError('injected')\n"
            "c.check_files = boom\n"
            "from xl_tthc.cli import main\nmain(sys.argv[1:])\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code, "check", str(good)], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "lỗi nội bộ" in done.stderr
    logs = list((tmp_path / "cache" / "xl-tthc" / "logs").glob("*.log"))
    assert len(logs) == 1 and str(logs[0]) in done.stderr
    assert "KeyError: 'injected'" in logs[0].read_text(encoding="utf-8")
