"""What ``xl-tthc consolidate`` loads: openpyxl without numpy when nothing loaded them
before (numpy was a third of the command's imports), and numpy still importable after."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_consolidate_command_loads_no_numpy() -> None:
    out = _run("import sys, xl_tthc.cli.consolidate, openpyxl.compat.numbers as n\n"
               "print('numpy' in sys.modules, n.NUMPY)\n"
               "import numpy\n"
               "print(numpy.int64(3) + 1)")
    assert out.splitlines() == ["False False", "4"]


def test_numpy_loaded_before_is_left_to_openpyxl() -> None:
    out = _run("import numpy, xl_tthc.cli.consolidate, openpyxl.compat.numbers as n\n"
               "print(n.NUMPY, numpy.int64 in n.NUMERIC_TYPES)")
    assert out == "True True"
