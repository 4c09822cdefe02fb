"""The hostile-file contract, on a seeded corpus of mutants and special paths, through
the real command line: exit code 0/1/2 (consolidate: 0/1), no traceback, every input
reported, inputs unchanged, no half-written output, nothing of an external entity in
any output, the good files beside the bad ones consolidated.

A larger run: ``python scripts/fuzz.py --n 1500``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import fuzzcorpus as F

N = int(os.environ.get("XL_TTHC_FUZZ_N", "40"))
# the classes that used to abort, exhaust memory or raise out of the reader
DANGEROUS = ("far_cell", "far_dimension", "whitespace_bomb", "huge_shared_string", "billion_laughs",
             "external_entity", "long_number", "bad_crc", "style_out_of_range", "numfmt_abc", "utf16_rels",
             "entity_in_formula", "huge_sizes", "deflate64", "encrypted_flag")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[list[Path], list[tuple[Path, str]], Path]:
    root = tmp_path_factory.mktemp("fuzz")
    mutants = F.make_corpus(root / "mutants", N, seed=15, bomb=140 * 1024**2, big_string=4 * 1024**2)
    special = F.special_files(root / "special")
    F.good_workbooks(root / "good")
    return [p for p, _ in mutants] + [p for p, _ in special], mutants, root


def _good(root: Path) -> list[Path]:
    return sorted((root / "good").glob("*.xlsx"))


def test_every_mutation_class_is_in_the_corpus(corpus):
    _, mutants, _ = corpus
    made = {label.split("+")[0] for _, label in mutants}
    assert set(F.MUTATIONS) <= made


def test_check_of_the_whole_corpus_keeps_the_contract(corpus):
    files, _, _ = corpus
    before = F.digests(files)
    assert F.contract_check(files) == []
    assert F.digests(files) == before


def test_check_of_each_dangerous_file_alone_keeps_the_contract(corpus):
    """One file is read in-process after the thorough pre-checks (or in a worker when
    they cannot cover its format): each must still be a report, never a crash."""
    files, mutants, _ = corpus
    alone = [p for p, label in mutants if label.split("+")[0] in DANGEROUS]
    special = [p for p in files if p.parent.name == "special"]
    before = F.digests(alone)
    problems = [(p.name, x) for p in alone + special for x in F.contract_check([p], timeout=60)]
    assert problems == []
    assert F.digests(alone) == before


def test_consolidate_with_hostile_files_mixed_in_still_consolidates_the_good_ones(corpus, tmp_path):
    files, _, root = corpus
    before = F.digests(files + F.SAMPLES)
    problems = F.contract_consolidate(files + F.SAMPLES, _good(root), tmp_path / "out")
    assert problems == []
    assert F.digests(files + F.SAMPLES) == before


def test_a_folder_holding_special_files_never_blocks_and_consolidates_the_rest(corpus, tmp_path):
    """Scanning a folder: a FIFO, a link to /dev/zero, a broken link or a loop named like
    a workbook is no regular file and is never opened, but each is said with its reason
    (never passed over in silence); the good files are consolidated."""
    _, _, root = corpus
    problems = F.contract_consolidate([root / "special"], _good(root), tmp_path / "out")
    assert problems == []
    code, out, _ = F.run_cli(["consolidate", str(root / "special"), *map(str, _good(root)), "-o",
                              str(tmp_path / "out" / "b.xlsx"), "--json"], 120)
    import json

    files = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    special = {"fifo.xlsx", "zero.xlsx", "dangling.xlsx", "loop_a.xlsx"}
    assert code in (0, 1) and special <= set(files)
    assert all(files[n]["status"] != "consolidated" and files[n]["reason"] for n in special)
    assert all(files[p.name]["status"] == "consolidated" for p in _good(root))
