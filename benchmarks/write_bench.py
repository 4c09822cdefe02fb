"""Benchmark: writing the provincial workbook (``write_provincial``) against baselines.

Loads a pickled :class:`xl_tthc.consolidate.consolidation.Consolidation` (``--result``) or
generates N department workbooks (default 1,000, the layouts of
benchmarks/consolidate_bench.py) and consolidates them, then times, in one run:

  (a) ``write_provincial(result, OUT)``: five sheets, rows written straight as
      SpreadsheetML (xl_tthc.forms.templates.SheetRows);
  (b) the same cells written the plain openpyxl way: one cell object per value with
      its style, hyperlinks, widths, merged cells, then ``Workbook.save`` (the cells
      are taken from (a)'s output, loaded before the clock starts; no cached formula
      values, charts or validation, so this baseline does less than (a); but it
      compresses at zlib's default level 6, where (a) uses level 1);
  (c) pandas ``DataFrame.to_excel`` of the detail rows alone (the "Chi tiết" sheet).

Each is the best of ``--repeat`` runs.

    python benchmarks/write_bench.py [--result result.pkl | --n 1000 [--dir DIR]] [--repeat 3]

Prints the times and the ratios baseline / write_provincial.
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import sys
import tempfile
import time
from copy import copy
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from xl_tthc.consolidate.consolidation import Consolidation, consolidate  # noqa: E402
from xl_tthc.consolidate.provincial import write_provincial  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def plain_openpyxl(source: Path) -> Callable[[Path], None]:
    """A writer of the cells of ``source`` through openpyxl cell objects (the cells are
    read now; the returned function does only the writing).  Each distinct style is
    built once and copied to the cells that share it."""
    import openpyxl

    wb = openpyxl.load_workbook(source)
    looks: dict[tuple, int] = {}
    sheets = []
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                look = (copy(c.font), copy(c.fill), copy(c.border), copy(c.alignment), c.number_format,
                        copy(c.protection), c.quotePrefix)
                key = looks.setdefault(look, len(looks))
                cells.append((c.row, c.column, c.value, c.data_type, key, look,
                              c.hyperlink.target if c.hyperlink else None))
        widths = {k: d.width for k, d in ws.column_dimensions.items()}
        sheets.append((ws.title, cells, widths, [str(m) for m in ws.merged_cells.ranges], ws.freeze_panes,
                       ws.auto_filter.ref))

    def write(out: Path) -> None:
        book = openpyxl.Workbook()
        book.remove(book.active)
        built = {}
        for title, cells, widths, merged, freeze, flt in sheets:
            ws = book.create_sheet(title)
            for r, c, value, data_type, key, look, link in cells:
                cell = ws.cell(r, c)
                cell.value = value
                cell.data_type = data_type
                if key in built:
                    cell._style = copy(built[key])
                else:
                    (cell.font, cell.fill, cell.border, cell.alignment, cell.number_format, cell.protection,
                     cell.quotePrefix) = look
                    built[key] = copy(cell._style)
                if link:
                    cell.hyperlink = link
            for k, w in widths.items():
                ws.column_dimensions[k].width = w
            for m in merged:
                ws.merge_cells(m)
            ws.freeze_panes = freeze
            ws.auto_filter.ref = flt
        book.save(out)

    return write


def pandas_detail(result: Consolidation, out: Path) -> None:
    import pandas as pd

    rows = [{"unit": d.unit, "label": d.label, "kind": d.kind, "file": Path(d.file).name, "sheet": d.sheet,
             "row": d.row, **d.figures} for d in result.details]
    pd.DataFrame(rows).to_excel(out, index=False, sheet_name="Chi tiết")


def load_or_generate(args: argparse.Namespace, work: Path) -> Consolidation:
    if args.result:
        with open(args.result, "rb") as f:
            return pickle.load(f)
    from consolidate_bench import generate

    inputs = work / "departments"
    if not inputs.exists():
        t = time.perf_counter()
        generate(inputs, args.n)
        print(f"generated {args.n} department workbooks in {time.perf_counter() - t:.1f} s ({inputs})")
    return consolidate([inputs], jobs=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--result", type=Path, help="a pickled Consolidation to write (instead of generating one)")
    ap.add_argument("--n", type=int, default=1000, help="department workbooks to generate (default 1000)")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each writer; the best counts (default 3)")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="xl_tthc_write_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = load_or_generate(args, work)
        print(f"{len(result.rows)} departments, {len(result.details)} detail rows, {len(result.issues)} findings, "
              f"{len(result.sources)} sources")
        out = work / "tong_hop.xlsx"
        ours = best(lambda: write_provincial(result, out), args.repeat)
        plain = plain_openpyxl(out)
        openpyxl_time = best(lambda: plain(work / "plain.xlsx"), args.repeat)
        pandas_time = best(lambda: pandas_detail(result, work / "pandas.xlsx"), args.repeat)
        print(f"(a) write_provincial              {ours:7.3f} s  ({out.stat().st_size / 1e6:.2f} MB)")
        print(f"(b) same cells, openpyxl cells    {openpyxl_time:7.3f} s")
        print(f"(c) pandas to_excel, detail only  {pandas_time:7.3f} s")
        print(f"openpyxl cells / write_provincial = {openpyxl_time / ours:5.2f}x")
        print(f"pandas detail / write_provincial  = {pandas_time / ours:5.2f}x")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
