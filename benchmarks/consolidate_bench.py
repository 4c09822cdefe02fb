"""Benchmark: ``xl-tthc consolidate`` against a naive pandas script and the reading floor.

Generates N department workbooks (default 1,000) in the four real layouts of
tests/departments.py (Bình Thuận row, Sóc Trăng 3-row header, the department form
with formulas, fields of procedures without a total row), then times, in one run:

  (a) ``xl-tthc consolidate DIR -o OUT.xlsx`` (the real command, a fresh process);
  (b) the baseline a user would write: pandas ``read_excel`` (openpyxl engine) of every
      sheet of every file, ``concat``, ``to_excel``;
  (c) the floor: python-calamine merely reading every sheet of every file.

Then, to show what the target consolidate/floor <= 2 leaves for the tool's own work:

  (d) the least any consolidation in Python does (least_pipeline.py): a fresh interpreter
      reading, hashing and parsing (python-calamine) every file in as many worker
      processes as ``consolidate`` uses, keeping nothing and writing nothing (best of 3);
  (e) importing openpyxl, the library that writes the output workbook, in a fresh
      interpreter, less an empty interpreter's start (best of 5 each).

    python benchmarks/consolidate_bench.py [--n 1000] [--dir DIR] [--keep]

Prints the times, the ratios consolidate/floor and baseline/consolidate, and the time
twice the floor leaves for recognising, checking and writing once (d) and (e) are paid.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import departments as D  # noqa: E402

PERIOD = "tháng 03 năm 2024"
_COMMUNES = ("An Bình", "Tân Thành", "Phú Lợi", "Hòa Thuận", "Long Hải", "Bình Minh", "Thạnh Phú", "Vĩnh Hưng")


def generate(folder: Path, n: int, seed: int = 2024) -> None:
    """``n`` department workbooks, one per commune-level unit (so none conflict)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        layout = D.LAYOUTS[i % len(D.LAYOUTS)]
        unit = f"UBND xã {_COMMUNES[i % len(_COMMUNES)]} {i + 1:04d}"
        D.write_department(folder / f"{i + 1:04d}_{layout}.xlsx", layout, unit, D.department(rng, layout), PERIOD)


def run_consolidate(folder: Path, out: Path) -> float:
    exe = Path(sys.executable).with_name("xl-tthc")
    t = time.perf_counter()
    proc = subprocess.run([str(exe), "consolidate", str(folder), "-o", str(out), "--force"],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode == 2 or not out.exists():
        raise SystemExit(f"xl-tthc consolidate failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def run_baseline(files: list[Path], out: Path) -> float:
    import pandas as pd

    t = time.perf_counter()
    frames = []
    for f in files:
        for name, df in pd.read_excel(f, sheet_name=None, engine="openpyxl", header=None).items():
            df.insert(0, "sheet", name)
            df.insert(0, "file", f.name)
            frames.append(df)
    pd.concat(frames, ignore_index=True).to_excel(out, index=False)
    return time.perf_counter() - t


def run_floor(files: list[Path]) -> float:
    import python_calamine as pc

    t = time.perf_counter()
    for f in files:
        book = pc.CalamineWorkbook.from_path(str(f))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        book.close()
    return time.perf_counter() - t


def _fresh(*args: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def run_least(folder: Path) -> float:
    return min(_fresh(str(ROOT / "benchmarks" / "least_pipeline.py"), str(folder)) for _ in range(3))


def run_writer_import() -> float:
    return min(_fresh("-c", "import openpyxl") for _ in range(5)) - min(_fresh("-c", "pass") for _ in range(5))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="department workbooks to generate (default 1000)")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="xl_tthc_bench_"))
    inputs = work / "departments"
    try:
        t = time.perf_counter()
        generate(inputs, args.n)
        print(f"generated {args.n} department workbooks in {time.perf_counter() - t:.1f} s ({inputs})")
        files = sorted(inputs.glob("*.xlsx"))
        floor = run_floor(files)
        cons = run_consolidate(inputs, work / "tong_hop.xlsx")
        base = run_baseline(files, work / "baseline.xlsx")
        least = run_least(inputs)
        writer = run_writer_import()
        left = 2 * floor - least - writer
        print(f"(a) xl-tthc consolidate     {cons:8.2f} s")
        print(f"(b) pandas baseline         {base:8.2f} s")
        print(f"(c) calamine reading floor  {floor:8.2f} s")
        print(f"consolidate / floor    = {cons / floor:5.2f}x  (target <= 2)")
        print(f"baseline / consolidate = {base / cons:5.2f}x  (target >= 5)")
        print(f"(d) read, hash and parse every file in {os.cpu_count()} processes, fresh interpreter"
              f"  {least:5.2f} s")
        print(f"(e) importing openpyxl (writes the output)  {writer:5.2f} s")
        print(f"twice the floor less (d) and (e) leaves {left:5.2f} s to recognise, check and write "
              f"{len(files)} files ({1000 * left / len(files):.3f} ms a file)")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
