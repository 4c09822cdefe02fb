"""Benchmark: ``tally`` of a dossier export against a bare DuckDB query and pandas.

Peak memory is each interpreter's high-water mark of resident memory (VmHWM: ru_maxrss
would carry the parent's over ``exec``); the imports (pandas, DuckDB, xl_tthc) happen
before the clock starts, in all three.

Writes N dossiers (default 10 million) as Parquet, generated in SQL by DuckDB
(xl_tthc.dossiers.generate, the generator the tests use), then runs, each in a fresh
interpreter so that its peak resident memory (ru_maxrss) is its own:

  (a) ``tally(EXPORT, period, by="field")``: the library call behind ``xl-tthc tally`` —
      the canonical view, the duplicate ids, the one count query, the pandera contract
      over the rows left out, the form laid out (not saved);
  (b) the bare query: the same counts written by hand as one DuckDB query over the
      Parquet's typed columns (no column recognition, no text parsing, no validation
      report), the floor of any DuckDB-based tally;
  (c) pandas: ``read_parquet`` of the needed columns, then the same counts with
      vectorised masks and ``groupby().sum()``.

Each runs ``--repeat`` times (default 2), interleaved, and the fastest run of each is
compared.  The three must agree on every count; the script prints the wall time, the CPU
time (all threads) and the peak RSS of each run, the ratios tally/bare (target <= 1.5) and
pandas/tally (target >= 20) in wall and in CPU time (on a shared machine the CPU ratio is
the steadier one), and the data's size (the Parquet file, and every column's size in
memory as Arrow holds it).

    python benchmarks/tally_bench.py [--n 10000000] [--dir DIR] [--keep] [--memory-limit 1GB] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2024-03"
START, END, NEXT = "2024-03-01", "2024-03-31", "2024-04-01"

# The same counts by hand, for the typed export (default profile): the floor.
BARE_SQL = f"""
WITH d AS (SELECT *, file_row_number AS r FROM read_parquet('{{path}}', file_row_number = true)),
dup AS (SELECT MaHoSo, min(r) AS first FROM d GROUP BY MaHoSo HAVING count(*) > 1),
v AS (
  SELECT d.TenLinhVuc AS field, d.TrangThaiHoSo AS st, d.KenhThucHien AS ch, d.NgayTiepNhan AS rec,
         d.NgayHenTra AS dl, CASE WHEN d.TrangThaiHoSo IN (7, 9, 10) THEN coalesce(d.NgayKetThucXuLy, d.NgayTra) END AS e,
         (d.TrangThaiHoSo NOT BETWEEN 1 AND 10 OR d.TrangThaiHoSo IS NULL OR d.KenhThucHien NOT IN (1, 2, 3)
          OR d.KenhThucHien IS NULL OR d.MaHoSo IS NULL
          OR (d.NgayTiepNhan IS NULL AND d.TrangThaiHoSo NOT IN (1, 3))
          OR CAST(d.NgayHenTra AS DATE) < CAST(d.NgayTiepNhan AS DATE)
          OR CAST(coalesce(d.NgayKetThucXuLy, d.NgayTra) AS DATE) < CAST(d.NgayTiepNhan AS DATE)
          OR (d.TrangThaiHoSo IN (7, 9, 10) AND d.NgayKetThucXuLy IS NULL AND d.NgayTra IS NULL)
          OR (dup.first IS NOT NULL AND dup.first <> d.r)) IS TRUE AS bad
  FROM d LEFT JOIN dup ON d.MaHoSo = dup.MaHoSo
), w AS (SELECT * FROM v WHERE NOT bad AND st NOT IN (1, 3))
SELECT field,
  count(*) FILTER (WHERE rec < TIMESTAMP '{START}' AND (e IS NULL OR e >= TIMESTAMP '{START}')) AS carried_over,
  count(*) FILTER (WHERE rec >= TIMESTAMP '{START}' AND rec < TIMESTAMP '{NEXT}') AS received_new,
  count(*) FILTER (WHERE rec >= TIMESTAMP '{START}' AND rec < TIMESTAMP '{NEXT}' AND ch = 2) AS received_online,
  count(*) FILTER (WHERE st IN (9, 10) AND e >= TIMESTAMP '{START}' AND e < TIMESTAMP '{NEXT}'
                   AND dl IS NOT NULL AND CAST(e AS DATE) < CAST(dl AS DATE)) AS resolved_early,
  count(*) FILTER (WHERE e >= TIMESTAMP '{START}' AND e < TIMESTAMP '{NEXT}' AND (st = 7 OR (st IN (9, 10)
                   AND (dl IS NULL OR CAST(e AS DATE) = CAST(dl AS DATE))))) AS resolved_on_time,
  count(*) FILTER (WHERE st IN (9, 10) AND e >= TIMESTAMP '{START}' AND e < TIMESTAMP '{NEXT}'
                   AND CAST(e AS DATE) > CAST(dl AS DATE)) AS resolved_late,
  count(*) FILTER (WHERE rec < TIMESTAMP '{NEXT}' AND (e IS NULL OR e >= TIMESTAMP '{NEXT}')
                   AND (st IN (5, 6, 8) OR dl IS NULL OR CAST(dl AS DATE) >= DATE '{END}')) AS pending_in_time,
  count(*) FILTER (WHERE rec < TIMESTAMP '{NEXT}' AND (e IS NULL OR e >= TIMESTAMP '{NEXT}')
                   AND st NOT IN (5, 6, 8) AND CAST(dl AS DATE) < DATE '{END}') AS pending_overdue
FROM w GROUP BY field ORDER BY field
"""
FIELDS = ("carried_over", "received_new", "received_online", "resolved_early", "resolved_on_time", "resolved_late",
          "pending_in_time", "pending_overdue")

_TALLY = """
from xl_tthc.dossiers import tally
r = tally([PATH], PERIOD, by="field", memory_limit=LIMIT)
counts = {row["unit"]: [row[f] for f in FIELDS] for row in r.rows}
print("phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in r.timings.items()) + f"; rows left out {r.summary['bad']:,}")
"""
_BARE = """
import duckdb
con = duckdb.connect()
con.execute(f"SET memory_limit = '{LIMIT}'")
con.execute("SET enable_progress_bar = false")
counts = {row[0]: list(row[1:]) for row in con.execute(BARE_SQL.format(path=PATH)).fetchall()}
"""
_PANDAS = """
import pandas as pd
cols = ["MaHoSo", "TenLinhVuc", "KenhThucHien", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayKetThucXuLy",
        "NgayTra"]
df = pd.read_parquet(PATH, columns=cols)
s, n, end = pd.Timestamp(START), pd.Timestamp(NEXT), pd.Timestamp(END)
st, ch, rec, dl = df.TrangThaiHoSo, df.KenhThucHien, df.NgayTiepNhan, df.NgayHenTra
fin = st.isin([7, 9, 10])
e = df.NgayKetThucXuLy.fillna(df.NgayTra).where(fin)
day = lambda x: x.dt.normalize()
bad = (~st.between(1, 10)) | st.isna() | ~ch.isin([1, 2, 3]) | df.MaHoSo.isna() \\
    | (rec.isna() & ~st.isin([1, 3])) | (day(dl) < day(rec)) \\
    | (day(df.NgayKetThucXuLy.fillna(df.NgayTra)) < day(rec)) \\
    | (fin & df.NgayKetThucXuLy.isna() & df.NgayTra.isna()) | df.MaHoSo.duplicated(keep="first")
ok = ~bad & ~st.isin([1, 3])
new = (rec >= s) & (rec < n)
res = st.isin([9, 10]) & (e >= s) & (e < n)
pend = (rec < n) & (e.isna() | (e >= n))
wait = st.isin([5, 6, 8])
m = pd.DataFrame({
    "field": df.TenLinhVuc,
    "carried_over": (rec < s) & (e.isna() | (e >= s)),
    "received_new": new,
    "received_online": new & (ch == 2),
    "resolved_early": res & dl.notna() & (day(e) < day(dl)),
    "resolved_on_time": (st.eq(7) & (e >= s) & (e < n)) | (res & (dl.isna() | (day(e) == day(dl)))),
    "resolved_late": res & (day(e) > day(dl)),
    "pending_in_time": pend & (wait | dl.isna() | (day(dl) >= end)),
    "pending_overdue": pend & ~wait & (day(dl) < end),
})[ok]
g = m.groupby("field").sum()
counts = {k: [int(g.loc[k, f]) for f in FIELDS] for k in g.index}
print(f"pandas frame of the needed columns: {df.memory_usage(deep=True).sum() / 2**20:.0f} MB")
"""


def measure(name: str, body: str, path: Path, limit: str) -> tuple[float, float, float, dict]:
    """(seconds, CPU seconds of all its threads, peak RSS in MB, counts) of ``body`` in a
    fresh interpreter."""
    code = (f"import json, resource, sys, time\nsys.path.insert(0, {str(ROOT)!r})\n"
            f"from benchmarks.tally_bench import BARE_SQL, FIELDS, PERIOD, START, END, NEXT\n"
            f"PATH, LIMIT = {str(path)!r}, {limit!r}\n"
            f"import duckdb, pandas, xl_tthc.dossiers\n"  # imports are not what is measured
            f"c0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])\n"
            f"t = time.perf_counter()\n{body}\nsecs = time.perf_counter() - t\n"
            f"cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - c0\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
            "print(json.dumps({'secs': secs, 'cpu': cpu, 'rss': int(hwm) / 1024, 'counts': counts}))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"{name} failed:\n{proc.stderr[-3000:]}")
    lines = proc.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(f"    {line}")
    out = json.loads(lines[-1])
    return out["secs"], out["cpu"], out["rss"], out["counts"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--memory-limit", default="1GB", help="DuckDB's memory_limit for (a) and (b)")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each; the fastest is compared")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import duckdb

    from xl_tthc.dossiers.generate import write_export

    folder = args.dir or Path(tempfile.mkdtemp(prefix="tally-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dossiers_{args.n}.parquet"
    try:
        if not path.exists():
            t = time.perf_counter()
            write_export(path, args.n, 2024)
            print(f"generated {args.n:,} dossiers in {time.perf_counter() - t:.1f} s -> {path}")
        import pyarrow.parquet as pq

        mem = pq.read_table(path).nbytes  # the data in memory, every column, as Arrow holds it
        print(f"data: {args.n:,} dossiers, Parquet {path.stat().st_size / 2**20:.0f} MB on disk, "
              f"{mem / 2**20:.0f} MB in memory (Arrow)")
        results = {}
        plan = [("(a) tally", _TALLY), ("(b) bare DuckDB query", _BARE)]
        if not args.skip_pandas:
            plan.append(("(c) pandas read_parquet + groupby", _PANDAS))
        for _ in range(args.repeat):
            for name, body in plan:
                secs, cpu, rss, counts = measure(name, body, path, args.memory_limit)
                best = results.get(name)
                if best is None or secs < best[0]:
                    results[name] = (secs, cpu, rss, counts)
                print(f"{name:38s} {secs:8.2f} s  CPU {cpu:7.2f} s   peak RSS {rss:8.0f} MB")
        base = results["(a) tally"][3]
        for name, (_, _, _, counts) in results.items():
            if counts != base:
                raise SystemExit(f"{name} counts differ from the tally: {counts} vs {base}")
        print("all counts agree")
        (a, ac, ar, _), (b, bc, _, _) = results["(a) tally"], results["(b) bare DuckDB query"]
        print(f"best of {args.repeat}: tally / bare query = {a / b:.2f} wall, {ac / bc:.2f} CPU (target <= 1.5)")
        if "(c) pandas read_parquet + groupby" in results:
            c, cc, _, _ = results["(c) pandas read_parquet + groupby"]
            print(f"pandas / tally     = {c / a:.2f} wall, {cc / ac:.2f} CPU (target >= 20)")
        print(f"tally peak RSS / data in memory = {ar * 2**20 / mem:.2f} "
              f"(memory_limit {args.memory_limit})")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
