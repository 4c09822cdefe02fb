"""A larger hostile-file run than the tests': ``python scripts/fuzz.py --n 1500``.

Writes ``--n`` mutants (tests/fuzzcorpus.py: zip, XML and cell mutations of the samples
and seed workbooks) and the special paths to a folder (default a new one under /tmp),
then checks the contract through the installed ``xl-tthc``:

* every file alone (``check --json FILE``: the in-process path, or a worker),
* batches of ``--batch`` files (``check --json``: the worker processes),
* each batch with clean department workbooks mixed in (``consolidate``),

and prints the counts: crashes (an exit code outside the contract, a traceback or any
stderr), hangs (over the time limit), inputs modified, leaks (external-entity content
in an output), good files not consolidated.  Exit code 1 when any count is not 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import fuzzcorpus as F  # noqa: E402


def _kind(problem: str) -> str:
    return problem.split(":", 1)[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="mutants to write (default 300)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--batch", type=int, default=100, help="files per batch run")
    ap.add_argument("--folder", type=Path, default=None, help="where to write the corpus (default: a new /tmp folder)")
    ap.add_argument("--no-single", action="store_true", help="skip checking every file alone")
    ap.add_argument("--timeout", type=float, default=120, help="seconds before a run counts as a hang")
    args = ap.parse_args()

    root = args.folder or Path(tempfile.mkdtemp(prefix="xl-tthc-fuzz-"))
    t0 = time.monotonic()
    mutants = F.make_corpus(root / "mutants", args.n, seed=args.seed)
    special = F.special_files(root / "special")
    good = F.good_workbooks(root / "good")
    files = [p for p, _ in mutants] + [p for p, _ in special]
    label = {p: lab for p, lab in mutants + special}
    print(f"corpus: {len(mutants)} mutants + {len(special)} special paths in {root} "
          f"({time.monotonic() - t0:.1f} s)", flush=True)
    before = F.digests(files + good)
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}

    def record(where: str, problems: list[str]) -> None:
        for p in problems:
            k = _kind(p)
            counts[k] += 1
            examples.setdefault(k, []).append(f"{where}: {p[:300]}")

    if not args.no_single:
        t = time.monotonic()
        for i, p in enumerate(files):
            record(f"{p.name} [{label[p]}]", F.contract_check([p], args.timeout))
            if (i + 1) % 100 == 0:
                print(f"  alone: {i + 1}/{len(files)} ({time.monotonic() - t:.0f} s)", flush=True)
        print(f"every file alone: {len(files)} runs in {time.monotonic() - t:.0f} s", flush=True)
    t = time.monotonic()
    batches = [files[i:i + args.batch] for i in range(0, len(files), args.batch)]
    for k, batch in enumerate(batches):
        record(f"check batch {k}", F.contract_check(batch, args.timeout * 3))
        record(f"consolidate batch {k}", F.contract_consolidate(batch, good, root / "out" / f"{k:03d}",
                                                                args.timeout * 3))
    print(f"batches: {len(batches)} check + {len(batches)} consolidate runs in {time.monotonic() - t:.0f} s")
    after = F.digests(files + good)
    modified = [str(p) for p in before if after.get(p) != before[p]]
    counts["modified"] += len(modified)
    examples["modified"] = modified[:5]

    print(f"mutations: {dict(Counter(lab.split('+')[0] for _, lab in mutants))}")
    for k in ("crash", "hang", "stderr", "not reported", "no JSON from check", "no JSON from consolidate",
              "good files not consolidated", "a status without a reason", "output folder holds",
              "external entity content in check output", "external entity content in consolidate output",
              "output damaged or holding external entity content", "output is not a complete workbook", "modified"):
        print(f"{k:48s} {counts.get(k, 0)}")
    others = set(counts) - {"crash", "hang", "stderr", "not reported", "modified"}
    bad = sum(counts.values())
    for k, ex in examples.items():
        for e in ex[:3]:
            print(f"  e.g. {e}")
    print(f"total problems: {bad}" + (f" ({sorted(others)})" if others and bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
