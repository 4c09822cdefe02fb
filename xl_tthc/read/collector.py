"""Pausing Python's cyclic garbage collector over work that makes many objects and no
cycles: reading a 10,000-row range, checking its rows.  Every collection on the way
would scan all the new objects again (a third of the first TTHC_CHECK of such a range);
what becomes garbage meanwhile is freed by reference counting as usual, and a cycle, if
any, at the next collection after the pause."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
