"""Reading many untrusted files in worker processes, where a native abort, memory
exhaustion or a hang costs only the file it happened on.

:func:`map_isolated` runs ``work(item)`` for every item in worker processes, each with
an address-space limit (``RLIMIT_AS``: :data:`WORKER_MEMORY` beyond what it started
with) and a time limit per item (:data:`ITEM_SECONDS`).  Each worker takes a few items
at a time and answers item by item, so the parent always knows which item a worker
is on: when a worker dies (python-calamine aborts the process when an allocation
fails) or overruns its time, it is killed, that item gets ``failed(item, error)``, its
other items are queued again, and a new worker takes its place.  A worker that died
has its item retried once with ``retry`` when given (the thorough pre-checks, which
say what is wrong with the file in words instead of a crash).

Workers are forked, ignore Ctrl-C (the parent stops them and re-raises), and send back
results in any order; the list returned is in input order.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Sequence

from .errors import ReadError

__all__ = ["map_isolated", "Background", "WORKER_MEMORY", "ITEM_SECONDS", "crash_error", "timeout_error"]

WORKER_MEMORY = int(float(os.environ.get("XL_TTHC_WORKER_MEMORY_MB", "3072")) * 1024**2)
ITEM_SECONDS = float(os.environ.get("XL_TTHC_FILE_SECONDS", "120"))


def crash_error(name: str, code: int | None, said: str = "") -> ReadError:
    how = f"tín hiệu {-code}" if code is not None and code < 0 else f"mã {code}"
    how_en = f"signal {-code}" if code is not None and code < 0 else f"code {code}"
    if said:
        how, how_en = f"{how}: {said}", f"{how_en}: {said}"
    return ReadError(name, f"trình đọc bị dừng đột ngột khi đọc tệp ({how}): tệp hỏng, quá lớn hoặc độc hại",
                     "Hãy mở bằng Excel, sao chép bảng số liệu sang sổ tính mới rồi gửi lại.",
                     reason_en=f"the reader died while reading the file ({how_en}): damaged, too large or malicious",
                     hint_en="Open it in Excel, copy the table to a new workbook and resend it.")


def timeout_error(name: str, seconds: float) -> ReadError:
    return ReadError(name, f"đọc tệp quá lâu (hơn {seconds:g} giây), đã dừng", "Hãy kiểm tra tệp bằng Excel "
                     "và xóa các trang tính hoặc vùng dữ liệu không cần thiết.",
                     reason_en=f"reading the file took too long (more than {seconds:g} s) and was stopped",
                     hint_en="Check it in Excel and delete unneeded sheets or ranges.")


def _limit_memory(budget: int) -> None:
    try:
        import resource

        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = current + budget
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if soft == resource.RLIM_INFINITY or want < soft:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (OSError, ValueError, ImportError):
        pass  # no /proc or no rlimits: the time limit and the parent's bookkeeping still hold


def _serve(conn: Connection, work: Callable[[Any], Any], budget: int, err: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # a native abort's message goes to the parent's record, not the terminal
        fd = os.open(err, os.O_WRONLY | os.O_APPEND)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        pass
    faulthandler.disable()  # (pytest's, or PYTHONFAULTHANDLER's) would print a dying worker's stack
    _limit_memory(budget)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        done: list[tuple[int, Any]] = []
        flushed = time.monotonic()
        for index, item in batch:
            try:
                result: Any = ("ok", work(item))
            except BaseException as e:  # noqa: BLE001 - work() has its own boundary; this is the last one
                result = ("error", f"{type(e).__name__}: {e}"[:300])
            done.append((index, result))
            if time.monotonic() - flushed > _FLUSH_SECONDS:
                _send(conn, done)
                done, flushed = [], time.monotonic()
        _send(conn, done)


_FLUSH_SECONDS = 0.05  # results go back in batches (cheap), at least this often while a worker makes progress


def _send(conn: Connection, done: list[tuple[int, Any]]) -> None:
    if not done:
        return
    try:
        conn.send(done)
    except Exception:  # noqa: BLE001 - a result that cannot be pickled: send them one by one
        for index, result in done:
            try:
                conn.send([(index, result)])
            except Exception as e:  # noqa: BLE001
                conn.send([(index, ("error", f"{type(e).__name__}: {e}"[:300]))])


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    err: str  # the worker's stderr: a temporary file, removed with the worker
    items: deque = field(default_factory=deque)  # indices sent, not yet answered
    since: float = 0.0  # when the current one started
    retrying: bool = False  # runs ``retry`` on one item whose first worker died


def _start(ctx: Any, work: Callable[[Any], Any], memory: int) -> _Worker:
    """A worker process serving ``work`` (:func:`_serve`), its stderr in a temporary file."""
    parent, child = ctx.Pipe()
    fd, err = tempfile.mkstemp(prefix="xl-tthc-worker-", suffix=".log")
    os.close(fd)
    proc = ctx.Process(target=_serve, args=(child, work, memory, err), daemon=True)
    proc.start()
    child.close()
    return _Worker(proc, parent, err)


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def map_isolated(work: Callable[[Any], Any], items: Sequence[Any], failed: Callable[[Any, ReadError], Any], *,
                 name: Callable[[Any], str] = str, jobs: int = 2, chunk: int = 1,
                 retry: Callable[[Any], Any] | None = None, progress: Callable[[int, int], None] | None = None,
                 memory: int = WORKER_MEMORY, seconds: float = ITEM_SECONDS) -> list[Any]:
    """``[work(item) for item in items]``, computed in ``jobs`` worker processes; an
    item whose worker died or overran ``seconds`` is ``failed(item, ReadError)``."""
    n = len(items)
    out: list[Any] = [None] * n
    if n == 0:
        return out
    ctx = _context()
    queue: deque = deque(range(n))
    retried: set[int] = set()
    retry_queue: deque = deque()
    suspects: deque = deque()  # items in flight when a worker died: each is read again alone
    workers: list[_Worker] = []
    done = 0

    def finish(i: int, value: Any) -> None:
        nonlocal done
        out[i] = value
        done += 1
        if progress:
            progress(done, n)

    def bury(w: _Worker, timed_out: bool) -> None:
        """The worker is dead or killed: its current item failed (a crash is retried
        once with ``retry``), the rest go back to the queue."""
        w.conn.close()
        w.proc.join(timeout=5)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join()
        said = _first_line(w.err)
        workers.remove(w)
        if len(w.items) > 1:  # results not yet sent: which item it was is learnt by reading each alone
            suspects.extend(w.items)
            return
        if w.items:
            i = w.items.popleft()
            if not timed_out and retry is not None and i not in retried:
                retried.add(i)
                retry_queue.append(i)
            else:
                error = timeout_error(name(items[i]), seconds) if timed_out else \
                    crash_error(name(items[i]), w.proc.exitcode, said)
                finish(i, failed(items[i], error))
            queue.extendleft(reversed(w.items))

    plain = min(jobs, n)
    try:
        while done < n:
            while (queue or suspects) and sum(1 for w in workers if not w.retrying) < plain:
                workers.append(_start(ctx, work, memory))
            for w in workers:
                if not w.retrying and not w.items and suspects:
                    batch = [suspects.popleft()]
                    w.items.extend(batch)
                    w.since = time.monotonic()
                    w.conn.send([(i, items[i]) for i in batch])
                elif not w.retrying and not w.items and queue:
                    batch = [queue.popleft() for _ in range(min(chunk, len(queue)))]
                    w.items.extend(batch)
                    w.since = time.monotonic()
                    w.conn.send([(i, items[i]) for i in batch])
            if retry_queue and retry is not None and not any(w.retrying for w in workers):
                i = retry_queue.popleft()
                w = _start(ctx, retry, memory)
                w.retrying = True
                w.items.append(i)
                w.since = time.monotonic()
                w.conn.send([(i, items[i])])
                workers.append(w)
            busy = [w for w in workers if w.items]
            if not busy:
                if not queue and not retry_queue and not suspects:
                    break  # nothing in flight and nothing queued: every item is done
                continue
            left = min(max(0.0, w.since + seconds - time.monotonic()) for w in busy)
            ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=left + 0.01))
            for w in busy:
                dead = w.proc.sentinel in ready
                if w.conn in ready or dead:
                    try:
                        while w.conn.poll():
                            for i, (kind, value) in w.conn.recv():
                                w.items.remove(i)
                                finish(i, value if kind == "ok" else
                                       failed(items[i], _failure(name(items[i]), value)))
                            w.since = time.monotonic()
                    except (EOFError, OSError):
                        dead = True
                if dead or not w.proc.is_alive():
                    bury(w, timed_out=False)
                elif w.items and time.monotonic() - w.since > seconds:
                    w.proc.kill()
                    bury(w, timed_out=True)
                elif w.retrying and not w.items:
                    _stop(w)
                    workers.remove(w)
    except BaseException:
        for w in workers:
            if w.proc.is_alive():
                w.proc.terminate()
        for w in workers:
            w.proc.join(timeout=5)
            _remove(w.err)
        raise
    for w in workers:
        _stop(w)
    return out


class Background:
    """``work(item)`` computed in one worker process (as :func:`map_isolated`'s: its
    memory and time limits, its stderr kept) while the caller goes on.  Started from
    the calling thread; :meth:`result` waits for it."""

    def __init__(self, work: Callable[[Any], Any], item: Any, *, name: str = "",
                 memory: int = WORKER_MEMORY, seconds: float = ITEM_SECONDS) -> None:
        self.name, self.seconds = name or str(item), seconds
        self.worker = _start(_context(), work, memory)
        self.worker.since = time.monotonic()
        self.worker.conn.send([(0, item)])

    def result(self, failed: Callable[[ReadError], Any]) -> Any:
        """What ``work(item)`` returned; ``failed(ReadError)`` when it raised, its worker
        died or it overran its time."""
        w = self.worker
        try:
            left = max(0.0, w.since + self.seconds - time.monotonic())
            ready = wait([w.conn, w.proc.sentinel], timeout=left)
            if w.conn in ready:
                try:
                    (_i, (kind, value)), = w.conn.recv()
                    return value if kind == "ok" else failed(_failure(self.name, value))
                except (EOFError, OSError):
                    pass
            timed_out = not ready
            if timed_out:
                w.proc.kill()
            w.proc.join(timeout=5)
            return failed(timeout_error(self.name, self.seconds) if timed_out else
                          crash_error(self.name, w.proc.exitcode, _first_line(w.err)))
        finally:
            if w.proc.is_alive() or not w.conn.closed:
                _stop(w)
            _remove(w.err)

    def close(self) -> None:
        """Stop the worker now, whatever it is doing (its result is no longer wanted)."""
        w = self.worker
        if w.proc.is_alive():
            w.proc.kill()
        w.proc.join(timeout=5)
        w.conn.close()
        _remove(w.err)


def _stop(w: _Worker) -> None:
    try:
        w.conn.send(None)
    except (OSError, ValueError):
        pass
    w.proc.join(timeout=5)
    if w.proc.is_alive():
        w.proc.kill()
        w.proc.join()
    w.conn.close()
    _remove(w.err)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _first_line(err: str) -> str:
    """The first line a dead worker wrote to its stderr (a native abort's message)."""
    try:
        with open(err, "rb") as f:
            head = f.read(4096).decode("utf-8", "replace")
    except OSError:
        return ""
    finally:
        _remove(err)
    line = next((x.strip() for x in head.splitlines() if x.strip()), "")
    return line[:160]


def _failure(name: str, text: str) -> ReadError:
    return ReadError(name, f"lỗi không mong đợi khi đọc tệp ({text})", "Hãy mở bằng Excel, lưu lại dưới dạng .xlsx "
                     "và gửi lại.", reason_en=f"unexpected error while reading the file ({text})",
                     hint_en="Open it in Excel, save it as .xlsx and resend it.")
