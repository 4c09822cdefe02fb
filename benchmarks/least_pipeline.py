"""The least any consolidation in Python does, for consolidate_bench.py's (d).

Reads, hashes (SHA-256) and parses with python-calamine every .xlsx under FOLDER in as
many worker processes as ``xl-tthc consolidate`` uses (one per CPU, or ``--jobs``),
keeping nothing and writing nothing.  Imports only what that needs, so a fresh
interpreter running it measures the part of any consolidation that no recognising,
checking or writing can avoid.

    python benchmarks/least_pipeline.py FOLDER [--jobs J]
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import python_calamine as pc


def parse_one(path: str) -> int:
    data = Path(path).read_bytes()
    hashlib.sha256(data).hexdigest()
    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)


def main(folder: Path, jobs: int | None = None) -> int:
    files = sorted(str(f) for f in folder.rglob("*.xlsx"))
    with ProcessPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        return sum(pool.map(parse_one, files, chunksize=32))


if __name__ == "__main__":
    jobs = int(sys.argv[sys.argv.index("--jobs") + 1]) if "--jobs" in sys.argv else None
    print(main(Path(sys.argv[1]), jobs))
