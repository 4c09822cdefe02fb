"""Ctrl-C during a long consolidation: one clear message, exit code 130, no output file
and no temporary file left behind, an existing output untouched, inputs unchanged."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "workbooks" / "samples").glob("*.xlsx"))


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.xlsx"))}


def _interrupt(tmp_path: Path, copies: int) -> tuple[subprocess.CompletedProcess, Path]:
    inputs = tmp_path / "in"
    for i in range(copies):
        folder = inputs / f"{i:03d}"
        folder.mkdir(parents=True)
        for s in SAMPLES:
            shutil.copy(s, folder / s.name)
    before = _digest(inputs)
    out = tmp_path / "out" / "tong-hop.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"previous output")
    code = ("import sys; from xl_tthc.cli import main; "
            "sys.argv = ['xl-tthc'] + sys.argv[1:]; main()")
    proc = subprocess.Popen([sys.executable, "-c", code, "consolidate", str(inputs), "-o", str(out), "--force",
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 30
    while proc.poll() is None and not children.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)  # until the worker processes are reading
    time.sleep(0.5)
    assert proc.poll() is None, "the run ended before it could be interrupted: use more copies"
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the command and its workers
    stdout, stderr = proc.communicate(timeout=60)
    assert _digest(inputs) == before
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), out


def test_ctrl_c_stops_cleanly_and_writes_nothing(tmp_path: Path) -> None:
    done, out = _interrupt(tmp_path, copies=120)  # 2,280 files
    assert done.returncode == 130, (done.returncode, done.stderr[-2000:])
    assert "Đã dừng theo yêu cầu" in done.stderr and str(out) in done.stderr
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert out.read_bytes() == b"previous output"
    assert sorted(p.name for p in out.parent.iterdir()) == ["tong-hop.xlsx"]  # no temporary file
