"""Consolidating and writing keep the cyclic garbage collector off the consolidation's
long-lived objects (gc.freeze), and leave the collector as they found it: enabled or
not, and a caller's frozen objects still frozen."""

from __future__ import annotations

import gc
import random
from pathlib import Path

import pytest

import departments as D
from xl_tthc.consolidate.consolidation import consolidate
from xl_tthc.consolidate.provincial import write_provincial

PERIOD = "tháng 03 năm 2024"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("in")
    rng = random.Random(3)
    for i, layout in enumerate(D.LAYOUTS):
        D.write_department(folder / f"d{i}_{layout}.xlsx", layout, f"UBND xã Thử {i:02d}", D.department(rng, layout),
                           PERIOD)
    return consolidate([folder], jobs=1, cache=False)


def test_writing_leaves_the_collector_as_it_was(result, tmp_path):
    assert gc.get_freeze_count() == 0
    seen = []
    gc.callbacks.append(lambda phase, info: seen.append(gc.get_freeze_count()) if phase == "start" else None)
    try:
        garbage = [[] for _ in range(50_000)]  # enough young objects for collections to run while writing
        write_provincial(result, tmp_path / "a.xlsx")
        del garbage
    finally:
        gc.callbacks.pop()
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert seen and max(seen) > 0  # collections ran while the consolidation was frozen


def test_a_callers_frozen_heap_stays_frozen(result, tmp_path):
    keep = [{"x": i} for i in range(1000)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        write_provincial(result, tmp_path / "b.xlsx")
        consolidate([Path(result.sources[0].path)], jobs=1, cache=False)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    assert keep


def test_consolidating_moves_what_arrived_to_the_oldest_generation(result):
    """What arrived while the collector was paused is in the oldest generation at once,
    not left young for the next collections to scan."""
    gc.collect()
    again = consolidate([Path(s.path) for s in result.sources], jobs=1, cache=False)
    assert again.to_dict() == result.to_dict() and gc.isenabled()
    oldest = {id(o) for o in gc.get_objects(2)}
    assert all(id(s) in oldest for s in again.sources)
    assert all(id(e) in oldest for s in again.sources for e in s.entries)
