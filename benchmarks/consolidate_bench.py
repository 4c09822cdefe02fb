"""Benchmark: ``xl-tthc consolidate`` at national scale, against python-calamine reading.

Generates N2 department workbooks (default 8,000: 34 provinces x 20 departments x 12
months) in the four real layouts of tests/departments.py (Bình Thuận row, Sóc Trăng
3-row header, the department form with formulas, fields of procedures without a total
row), and a folder of the first N1 of them (default 1,000, hard links), then measures in
one run, each measurement ``--repeat`` times (default 2; the best is used, the range
printed):

  * per-file cost: the slope (time at N2 - time at N1) / (N2 - N1), wall and CPU, of
    ``xl-tthc consolidate --no-cache`` (the real command, a fresh process) and of
    python-calamine merely reading (and hashing) the same files in as many worker
    processes as consolidate uses (benchmarks/least_pipeline.py, a fresh interpreter);
  * the cold run at N2 (no cache), and the run that fills an empty cache;
  * the warm re-run after one of the N2 files changed (each repeat changes it again);
  * the parent process's peak memory at N1 and N2, and its slope per file.

Every output is also checked: the workbook written with the cache (filling it, and warm
after the change) must equal, part by part, the workbook written without it from the
same files.  ``--save-reference DIR`` keeps the no-cache workbook of the N2 folder (before
any change) and ``--reference DIR`` compares this run's with one kept earlier, part by
part, so a change to the code can be shown to change no output byte.  Use the same
``--dir`` for both (the workbook links to its inputs by relative path).

    python benchmarks/consolidate_bench.py [--sizes 1000 8000] [--jobs J] [--repeat 2]
        [--dir DIR] [--keep] [--save-reference DIR | --reference DIR]

Prints the figures, the ratios against the targets, and the README table.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import departments as D  # noqa: E402

PERIOD = "tháng 03 năm 2024"
_COMMUNES = ("An Bình", "Tân Thành", "Phú Lợi", "Hòa Thuận", "Long Hải", "Bình Minh", "Thạnh Phú", "Vĩnh Hưng")
_RSS_FILE = "XL_TTHC_BENCH_RSS"
# The command line in a fresh interpreter that writes, at exit, its own peak memory and
# that of its largest worker process (KiB).
_RUN_CLI = (
    "import atexit, os, resource, sys\n"
    f"atexit.register(lambda: open(os.environ[{_RSS_FILE!r}], 'w').write("
    "f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} "
    "{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}'))\n"
    "from xl_tthc.cli import main\n"
    "sys.argv[0] = 'xl-tthc'\n"
    "main()\n"
)


def unit_name(i: int) -> str:
    return f"UBND xã {_COMMUNES[i % len(_COMMUNES)]} {i + 1:04d}"


def file_path(folder: Path, i: int) -> Path:
    return folder / f"{i + 1:04d}_{D.LAYOUTS[i % len(D.LAYOUTS)]}.xlsx"


def write_one(folder: Path, i: int, rng: random.Random) -> Path:
    layout = D.LAYOUTS[i % len(D.LAYOUTS)]
    path = file_path(folder, i)
    D.write_department(path, layout, unit_name(i), D.department(rng, layout), PERIOD)
    return path


def generate(folder: Path, n: int, seed: int = 2024) -> None:
    """``n`` department workbooks, one per commune-level unit (so none conflict)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        write_one(folder, i, rng)


def prepare(work: Path, n1: int, n2: int) -> tuple[Path, Path]:
    """The N2 folder (generated once: a later run with the same --dir reuses it) and
    the N1 folder of hard links to its first N1 files."""
    big, small = work / f"departments_{n2}", work / f"departments_{n1}"
    stamp = big / ".complete"
    if not stamp.exists():
        shutil.rmtree(big, ignore_errors=True)
        t = time.perf_counter()
        generate(big, n2)
        stamp.write_text(str(n2))
        print(f"generated {n2} department workbooks in {time.perf_counter() - t:.1f} s ({big})")
    shutil.rmtree(small, ignore_errors=True)
    small.mkdir(parents=True)
    for i in range(n1):
        src = file_path(big, i)
        try:
            os.link(src, small / src.name)
        except OSError:
            shutil.copy2(src, small / src.name)
    return small, big


@dataclass
class Run:
    wall: float
    cpu: float  # user + system of the process and its worker processes
    rss_kib: int = 0  # the parent's peak resident memory
    worker_rss_kib: int = 0  # the largest worker's (reading the files, checking the appendix written)


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu)


def run_calamine(folder: Path, jobs: int) -> Run:
    return _timed([sys.executable, str(ROOT / "benchmarks" / "least_pipeline.py"), str(folder), "--jobs", str(jobs)])


def run_consolidate(folder: Path, out: Path, jobs: int, cache_dir: Path | None) -> Run:
    """The real command in a fresh process; ``cache_dir`` None runs it with --no-cache."""
    env = dict(os.environ)
    fd, rss = tempfile.mkstemp(prefix="rss_")
    os.close(fd)
    env[_RSS_FILE] = rss
    args = [sys.executable, "-c", _RUN_CLI, "consolidate", str(folder), "-o", str(out), "--force",
            "--jobs", str(jobs)]
    if cache_dir is None:
        args.append("--no-cache")
    else:
        env["XL_TTHC_CACHE_DIR"] = str(cache_dir)
    run = _timed(args, env)
    if not out.exists():
        raise SystemExit(f"xl-tthc consolidate wrote no {out}")
    text = Path(rss).read_text()
    Path(rss).unlink()
    parent, _, worker = text.partition(" ")
    run.rss_kib, run.worker_rss_kib = int(parent or 0), int(worker or 0)
    return run


def differing_parts(a: Path, b: Path) -> list[str]:
    """The parts (zip members) in which two workbooks differ; [] when they are equal."""
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        names_a, names_b = za.namelist(), zb.namelist()
        out = sorted(set(names_a) ^ set(names_b))
        out += [n for n in names_a if n in set(names_b) and za.read(n) != zb.read(n)]
    if not out and names_a != names_b:
        out.append("(order of parts)")
    return out


def _same(label: str, a: Path, b: Path) -> bool:
    diff = differing_parts(a, b)
    print(f"  {label}: {'identical, every part' if not diff else 'DIFFERENT: ' + ', '.join(diff[:8])}")
    return not diff


def _range(xs: list[float], unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    lo, hi = min(xs) * scale, max(xs) * scale
    return f"{lo:.{digits}f} {unit}" if f"{lo:.{digits}f}" == f"{hi:.{digits}f}" else \
        f"{lo:.{digits}f}–{hi:.{digits}f} {unit}"


def _load() -> str:
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs=2, default=(1000, 8000), metavar=("N1", "N2"),
                    help="the two folder sizes of the slope (default 1000 8000)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="worker processes, for consolidate and calamine alike (default: one per CPU)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each measurement (default 2)")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ref = ap.add_mutually_exclusive_group()
    ref.add_argument("--save-reference", type=Path, default=None, metavar="DIR",
                     help="keep the no-cache workbook of the N2 folder in DIR")
    ref.add_argument("--reference", type=Path, default=None, metavar="DIR",
                     help="compare the no-cache workbook of the N2 folder with the one kept in DIR")
    args = ap.parse_args()
    n1, n2 = args.sizes
    if not 0 < n1 < n2:
        ap.error("--sizes: 0 < N1 < N2")
    jobs, repeat = args.jobs, max(1, args.repeat)
    work = args.dir or Path(tempfile.mkdtemp(prefix="xl_tthc_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{_load()} at the start; {os.cpu_count()} CPUs; {jobs} worker processes; {repeat} runs each")
    small, big = prepare(work, n1, n2)
    out_dir = work / "out"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / "tong_hop.xlsx"
    changed = file_path(big, 0)
    original = changed.read_bytes()
    ok = True
    try:
        cal = {n: [run_calamine(f, jobs) for _ in range(repeat)] for n, f in ((n1, small), (n2, big))}
        cons: dict[int, list[Run]] = {n1: [], n2: []}
        for _ in range(repeat):
            for n, folder in ((n1, small), (n2, big)):
                cons[n].append(run_consolidate(folder, out, jobs, None))
        cold_out = out_dir / "cold.xlsx"
        shutil.copyfile(out, cold_out)

        cache_dir = work / "cache"
        shutil.rmtree(cache_dir, ignore_errors=True)
        fill = run_consolidate(big, out, jobs, cache_dir)
        print("outputs:")
        ok &= _same("filling the cache = no cache", out, cold_out)
        if args.save_reference:
            args.save_reference.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cold_out, args.save_reference / "tong_hop.xlsx")
            print(f"  kept as the reference in {args.save_reference}")
        if args.reference:
            ok &= _same(f"no cache = the reference in {args.reference}", cold_out,
                        args.reference / "tong_hop.xlsx")

        warm: list[Run] = []
        for k in range(repeat):
            write_one(big, 0, random.Random(10_000 + k))  # one file changed since the previous run
            warm.append(run_consolidate(big, out, jobs, cache_dir))
        shutil.copyfile(out, out_dir / "warm.xlsx")
        run_consolidate(big, out, jobs, None)
        ok &= _same("warm after one file changed = no cache on the same files", out_dir / "warm.xlsx", out)
    finally:
        changed.write_bytes(original)

    def best(runs: list[Run], attr: str = "wall") -> float:
        return min(getattr(r, attr) for r in runs)

    def slopes(runs: dict[int, list[Run]], attr: str) -> list[float]:
        # every pairing of an N2 run with an N1 run, for the range
        return [(getattr(b, attr) - getattr(a, attr)) / (n2 - n1) for a in runs[n1] for b in runs[n2]]

    c_wall, c_cpu = slopes(cons, "wall"), slopes(cons, "cpu")
    f_wall, f_cpu = slopes(cal, "wall"), slopes(cal, "cpu")
    per_wall = (best(cons[n2]) - best(cons[n1])) / (n2 - n1)
    per_cpu = (best(cons[n2], "cpu") - best(cons[n1], "cpu")) / (n2 - n1)
    fl_wall = (best(cal[n2]) - best(cal[n1])) / (n2 - n1)
    fl_cpu = (best(cal[n2], "cpu") - best(cal[n1], "cpu")) / (n2 - n1)
    cold = best(cons[n2])
    warm_best = best(warm)
    rss1, rss2 = min(r.rss_kib for r in cons[n1]), min(r.rss_kib for r in cons[n2])
    rss_per = (rss2 - rss1) / (n2 - n1)
    w_ratio = warm_best / cold

    rows = [
        (f"per extra file, N = {n1:,} → {n2:,}: `xl-tthc consolidate --no-cache`",
         _range(c_wall, "ms", 1000, 3), _range(c_cpu, "ms", 1000, 3)),
        (f"per extra file: python-calamine reading (and hashing) the same files in {jobs} processes",
         _range(f_wall, "ms", 1000, 3), _range(f_cpu, "ms", 1000, 3)),
        ("per-file ratio consolidate / calamine (target ≤ 3)",
         f"{per_wall / fl_wall:.1f}×" if fl_wall > 0 else "–", f"{per_cpu / fl_cpu:.1f}×" if fl_cpu > 0 else "–"),
        (f"cold run, {n2:,} files, no cache", _range([r.wall for r in cons[n2]]),
         _range([r.cpu for r in cons[n2]])),
        (f"cold run, {n2:,} files, filling an empty cache", f"{fill.wall:.2f} s", f"{fill.cpu:.2f} s"),
        (f"warm re-run, 1 of {n2:,} files changed", _range([r.wall for r in warm]),
         _range([r.cpu for r in warm])),
        ("warm / cold (target ≤ 0.2)", f"{w_ratio:.2f}", f"{best(warm, 'cpu') / best(cons[n2], 'cpu'):.2f}"),
        (f"parent's peak memory at {n1:,} / {n2:,} files; per extra file",
         f"{rss1 / 1024:.0f} / {rss2 / 1024:.0f} MiB; {rss_per:.1f} KiB", ""),
        (f"largest worker's peak memory at {n1:,} / {n2:,} files",
         f"{min(r.worker_rss_kib for r in cons[n1]) / 1024:.0f} / "
         f"{min(r.worker_rss_kib for r in cons[n2]) / 1024:.0f} MiB", ""),
    ]
    print(f"{_load()} at the end")
    print()
    print("| | wall | CPU |")
    print("|---|---|---|")
    for label, wall, cpu in rows:
        print(f"| {label} | {wall} | {cpu} |")
    print()
    print(f"consolidate / calamine per file = {per_wall / fl_wall if fl_wall > 0 else float('nan'):5.2f}x wall, "
          f"{per_cpu / fl_cpu if fl_cpu > 0 else float('nan'):5.2f}x CPU  (target <= 3)")
    print(f"cold run of {n2} files        = {cold:6.2f} s")
    print(f"warm re-run, 1 file changed  = {warm_best:6.2f} s")
    print(f"warm / cold                  = {w_ratio:5.2f}   (target <= 0.2); CPU "
          f"{best(warm, 'cpu') / best(cons[n2], 'cpu'):5.2f}")
    print(f"outputs with the cache       = {'identical' if ok else 'DIFFERENT'}")
    if not args.keep and args.dir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
