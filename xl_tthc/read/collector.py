"""Pausing Python's cyclic garbage collector over work that makes many objects and no
cycles: reading a 10,000-row range, checking its rows.  Every collection on the way
would scan all the new objects again (a third of the first TTHC_CHECK of such a range);
what becomes garbage meanwhile is freed by reference counting as usual, and a cycle, if
any, at the next collection after the pause.  Small work (a department's file of a few
rows, a TTHC_ROW_STATUS cell) is not paused: it gains nothing and the pause itself would
cost more than its collections."""

from __future__ import annotations

import gc

__all__ = ["collector_paused", "PAUSE_FROM"]

PAUSE_FROM = 1000  # rows: below this the collector is left alone


class collector_paused:  # noqa: N801 - used as a context manager, like contextlib's
    """``with collector_paused(rows):`` no cyclic collection inside when ``rows`` is at
    least :data:`PAUSE_FROM`; the collector's state (a caller's own pause) is restored."""

    __slots__ = ("_pause", "_was")

    def __init__(self, rows: int = PAUSE_FROM):
        self._pause = rows >= PAUSE_FROM
        self._was = False

    def __enter__(self) -> None:
        if self._pause:
            self._was = gc.isenabled()
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._pause and self._was:
            gc.enable()
