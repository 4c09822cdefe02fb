"""A result cache on disk: what reading and checking one input file gave, by its content.

A re-run over a folder (a centre re-runs many times a day as corrected files arrive)
reads again only the files that changed.  An entry is found by a key made of

* the SHA-256 of the file's bytes (never its name or date: content only),
* the tool's version and a fingerprint of the package's own source files, so that a
  code change can never serve a result the old code computed,
* what else the result depends on, given by the caller (which result it is, the
  profile, the language, the path as written in the findings).

An entry is ``MAGIC | key | SHA-256 of the payload | payload`` (a pickle), written to a
temporary file and moved into place, so concurrent runs see either a whole entry or
none.  An entry that is truncated, corrupt, foreign or from another key is a miss (and
is removed), never a wrong result and never an error.  The folder is bounded in size:
the least recently used entries (by mtime, refreshed on use) go first.  A run scans the
folder for that only when the total its last scan found (``.size``, under an hour old)
plus what has been written since could pass the bound (:meth:`ResultCache.prune_if_due`).

The folder: ``XL_TTHC_CACHE_DIR`` when set; otherwise the user's cache folder
(``%LOCALAPPDATA%\\xl_tthc\\cache`` on Windows, ``~/Library/Caches/xl_tthc`` on macOS,
``$XDG_CACHE_HOME/xl_tthc`` or ``~/.cache/xl_tthc`` elsewhere).  A folder that cannot
be created or written leaves the cache off: results are computed as without it.
Entries are pickles, so the folder must be the user's own (it is created readable by
its owner only); never point XL_TTHC_CACHE_DIR at a folder others can write.

A *pack* (``packs/<name>.pack``) makes a re-run over the same folder cheap: one file
holding, for every input of the last run of that run set, its stat stamp (size,
mtime_ns, ctime_ns, device, inode), the SHA-256 of its bytes, its key and its stored
result, like git's index.  A file whose stamp is unchanged is neither read nor hashed
again: its result is taken from the pack (the key is still made from the SHA-256).
A file looked at within :data:`RACY_NS` of its last change (mtime or ctime; a change
within the same clock tick would leave both equal) is not put in the pack, so it is
hashed again next time; ``os.utime`` cannot fake an unchanged file, as it moves the
ctime (on Windows the ctime is the creation time: there, as for git, a tool that
rewrites a file in place with its size and puts its mtime back goes unseen; Excel's
saving writes a new file).  The pack is written whole (temporary file, then moved into place) and
verified whole: a damaged, truncated or foreign pack is a miss, and the files are
looked up in their own entries as without it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from ..read.workers import map_isolated

__all__ = ["ResultCache", "default_cache_dir", "code_fingerprint", "open_cache", "dumps", "loads", "MAX_BYTES",
           "Counted", "recount", "PackRecord", "stamp", "settled", "RACY_NS"]

MAGIC = b"XLTTHC-RESULT-CACHE\x01\n"
MAX_BYTES = 512 * 1024 * 1024  # default bound of the folder
_DIGEST = 32  # bytes of a SHA-256
_HEADER = len(MAGIC) + 2 * _DIGEST
_TOUCH_AFTER = 3600.0  # seconds: a hit refreshes an entry's mtime at most this often
_SCAN_AFTER = 3600.0  # seconds: prune_if_due scans the folder at least this often when it writes
_PACKAGE = Path(__file__).resolve().parents[1]
PACK_MAGIC = b"XLTTHC-RUN-PACK\x01\n"
_PACK_HEADER = len(PACK_MAGIC) + 2 * _DIGEST
# A file changed less than this before it was looked at is hashed again next time:
# more than the coarsest timestamp of the file systems in use (FAT's 2 s).
RACY_NS = 3_000_000_000

# (size, mtime_ns, ctime_ns, device, inode, sha256, key, payload): one input of a pack
PackRecord = tuple[int, int, int, int, int, str, str, bytes]

_fingerprint: str | None = None


def code_fingerprint() -> str:
    """SHA-256 over every source and data file of the package (path and bytes; the
    version is written in ``xl_tthc/__init__.py``, so it is part of it), computed once
    per process."""
    global _fingerprint
    if _fingerprint is None:
        h = hashlib.sha256(MAGIC)
        for p in sorted(_PACKAGE.rglob("*")):
            if p.is_file() and p.suffix not in (".pyc", ".pyo") and "__pycache__" not in p.parts:
                h.update(p.relative_to(_PACKAGE).as_posix().encode() + b"\0")
                h.update(p.read_bytes())
                h.update(b"\0")
        _fingerprint = h.hexdigest()
    return _fingerprint


def default_cache_dir() -> Path:
    env = os.environ.get("XL_TTHC_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "xl_tthc" / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "xl_tthc"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xl_tthc"


class ResultCache:
    """Entries in ``folder`` (created on first use), at most ``max_bytes`` in all."""

    def __init__(self, folder: str | Path | None = None, max_bytes: int = MAX_BYTES) -> None:
        self.folder = Path(folder) if folder is not None else default_cache_dir()
        self.max_bytes = max_bytes
        self.hits = self.misses = self.stored = 0
        self._ready = False  # the folder exists
        self._written = 0  # bytes this process wrote into the folder (entries and packs)

    def __getstate__(self) -> dict[str, Any]:  # a worker process starts its own counts
        return {"folder": self.folder, "max_bytes": self.max_bytes, "hits": 0, "misses": 0, "stored": 0,
                "_ready": False, "_written": 0}

    @staticmethod
    def key(sha256: str, *parts: str) -> str:
        """The key of a file's result: its content's SHA-256, the code, and ``parts``."""
        h = hashlib.sha256(code_fingerprint().encode())
        for part in (sha256, *parts):
            h.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.entry"

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None (absent, damaged, foreign)."""
        payload = self.get_payload(key)
        if payload is None:
            return None
        value = loads(payload)
        if value is None:
            self.hits -= 1
            self.misses += 1
            _remove(self._path(key))
        return value

    def get_payload(self, key: str) -> bytes | None:
        """The pickled value stored under ``key`` (its checksum verified), or None; for
        a caller that unpickles it elsewhere (:func:`loads`)."""
        path = self._path(key)
        read = _read_stamped(path)
        if read is None:
            self.misses += 1
            return None
        raw, mtime = read
        payload = self._payload(key, raw)
        if payload is None:
            self.misses += 1
            _remove(path)
            return None
        self.hits += 1
        _touch_if_old(path, mtime)
        return payload

    @staticmethod
    def _payload(key: str, raw: bytes) -> bytes | None:
        if len(raw) < _HEADER or not raw.startswith(MAGIC):
            return None
        stored_key = raw[len(MAGIC):len(MAGIC) + _DIGEST]
        checksum = raw[len(MAGIC) + _DIGEST:_HEADER]
        payload = raw[_HEADER:]
        if stored_key != bytes.fromhex(key) or hashlib.sha256(payload).digest() != checksum:
            return None
        return payload

    def put(self, key: str, value: Any) -> bool:
        """Store ``value`` under ``key`` atomically; False when it could not be stored."""
        payload = dumps(value)
        return payload is not None and self.put_payload(key, payload)

    def put_payload(self, key: str, payload: bytes) -> bool:
        """Store an already pickled value (:func:`dumps`) under ``key`` atomically."""
        if not self._write(self._path(key), MAGIC + bytes.fromhex(key) + hashlib.sha256(payload).digest(), payload):
            return False
        self.stored += 1
        return True

    def _write(self, path: Path, head: bytes, body: bytes) -> bool:
        """``head`` and ``body`` to ``path``: to a temporary file beside it, then moved into
        place (a concurrent run never sees half of it); False when it cannot be written."""
        try:
            if not self._ready:  # the folder is the user's alone: its entries are unpickled
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._ready = True
            path.parent.mkdir(exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(head)
                f.write(body)
            os.replace(tmp, path)
        except OSError:
            _remove(Path(tmp))
            return False
        self._written += len(head) + len(body)
        return True

    def pack_name(self, *parts: str) -> str:
        """The name of the pack of a run set: the code and ``parts`` (which result, the
        profile, the language, the inputs' folder)."""
        return self.key("pack", *parts)

    def _pack_path(self, name: str) -> Path:
        return self.folder / "packs" / f"{name}.pack"

    def load_pack(self, name: str) -> dict[str, PackRecord]:
        """The records of pack ``name`` by path; {} when there is none, or when it is
        damaged or foreign (then removed)."""
        path = self._pack_path(name)
        read = _read_stamped(path)
        if read is None:
            return {}
        raw, mtime = read
        records = None
        body = memoryview(raw)[_PACK_HEADER:]
        if (len(raw) >= _PACK_HEADER and raw.startswith(PACK_MAGIC)
                and raw[len(PACK_MAGIC):len(PACK_MAGIC) + _DIGEST] == bytes.fromhex(name)
                and hashlib.sha256(body).digest() == raw[len(PACK_MAGIC) + _DIGEST:_PACK_HEADER]):
            records = loads(body)
        if not isinstance(records, dict):
            _remove(path)
            return {}
        _touch_if_old(path, mtime)
        return records

    def save_pack(self, name: str, records: dict[str, PackRecord]) -> bool:
        """Write pack ``name`` whole and atomically; False when it could not be written."""
        body = dumps(records)
        return body is not None and self._write(
            self._pack_path(name), PACK_MAGIC + bytes.fromhex(name) + hashlib.sha256(body).digest(), body)

    def prune_if_due(self) -> int:
        """:meth:`prune`, unless the folder is known to be within its bound: the total the
        last scan found (kept in ``.size`` beside the entries, at most :data:`_SCAN_AFTER`
        seconds old) plus what this process wrote since stays under ``max_bytes`` (a
        warm run then does not stat every entry: 8,000 of them took 0.07 s).  Written
        entries and packs only add to the estimate (a pack written again is counted
        again), so it errs towards scanning; the number removed."""
        stamp = self.folder / ".size"
        try:
            known = int(stamp.read_text("ascii"))
            fresh = time.time() - stamp.stat().st_mtime < _SCAN_AFTER
        except (OSError, ValueError):
            known, fresh = -1, False
        if fresh and 0 <= known and known + self._written <= self.max_bytes:
            if self._written:
                self._write_size(known + self._written, keep_time=True)
                self._written = 0
            return 0
        return self.prune()

    def _write_size(self, total: int, keep_time: bool = False) -> None:
        """Keep ``total`` in ``.size`` (atomically); ``keep_time``: with the time of the
        scan it came from, so that an estimate never delays the next scan."""
        stamp = self.folder / ".size"
        try:
            before = stamp.stat().st_mtime_ns if keep_time else None
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(str(total))
            if before is not None:
                os.utime(tmp, ns=(before, before))
            os.replace(tmp, stamp)
        except OSError:
            pass

    def prune(self) -> int:
        """Remove the least recently used entries (and stray temporary files older than
        an hour) until the folder holds at most ``max_bytes``; the number removed."""
        entries = []
        now = time.time()
        removed = 0
        try:
            listing = list(self.folder.iterdir())
            subdirs = [d for d in listing if d.is_dir()]
        except OSError:
            return 0
        for p in listing:  # a .size being written when its process died
            try:
                if p.name.endswith(".tmp") and now - p.stat().st_mtime > 3600 and _remove(p):
                    removed += 1
            except OSError:
                continue
        for d in subdirs:
            try:
                with os.scandir(d) as it:
                    for e in it:
                        try:
                            st = e.stat()
                        except OSError:
                            continue
                        if e.name.endswith(".tmp"):
                            if now - st.st_mtime > 3600 and _remove(Path(e.path)):
                                removed += 1
                        elif e.name.endswith((".entry", ".pack")):
                            entries.append((st.st_mtime, st.st_size, e.path))
            except OSError:
                continue
        total = sum(s for _, s, _ in entries)
        self._written = 0
        if total <= self.max_bytes:
            self._write_size(total)
            return removed
        target = self.max_bytes * 0.8  # leave room, so the next runs do not prune again
        for _mtime, size, path in sorted(entries):
            if total <= target:
                break
            if _remove(Path(path)):
                total -= size
                removed += 1
        self._write_size(total)
        return removed


def stamp(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """What says a file is unchanged without reading it: size, mtime and ctime in
    nanoseconds, device and inode."""
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_dev, st.st_ino


def settled(st: os.stat_result, seen_ns: int) -> bool:
    """Whether a file stat'ed at ``seen_ns`` (time.time_ns()) had last changed long
    enough before that a later change must show in its stamp (:data:`RACY_NS`)."""
    return max(st.st_mtime_ns, st.st_ctime_ns) < seen_ns - RACY_NS


def dumps(value: Any) -> bytes | None:
    """A value as the cache stores it; None when it cannot be pickled."""
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an unpicklable result is simply not cached
        return None


def loads(payload: bytes | memoryview) -> Any | None:
    """A stored value back; None for a payload this build cannot read."""
    try:
        return pickle.loads(payload)
    except Exception:  # noqa: BLE001 - a payload of another build: a miss
        return None


def _read_stamped(path: Path) -> tuple[bytes, float] | None:
    """The bytes of ``path`` and its modification time, from one open (None: unreadable)."""
    try:
        with path.open("rb") as f:
            return f.read(), os.fstat(f.fileno()).st_mtime
    except OSError:
        return None


def _touch_if_old(path: Path, mtime: float) -> None:
    """Mark an entry used (not the least recently used), at most every _TOUCH_AFTER."""
    if time.time() - mtime > _TOUCH_AFTER:
        try:
            os.utime(path)
        except OSError:
            pass


def _remove(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except OSError:
        return False


def open_cache(cache: "ResultCache | bool | str | Path | None") -> ResultCache | None:
    """The cache a caller asked for: True (the default folder), False/None (no cache),
    a folder, or a ResultCache."""
    if cache is None or cache is False:
        return None
    code_fingerprint()  # once, before any worker process is forked
    if isinstance(cache, ResultCache):
        return cache
    return ResultCache(None if cache is True else cache)


class Counted:
    """``work(item)`` run in a worker process, returned with how it moved the cache's
    counters (hits, misses, stored, bytes written), so that the parent's cache counts
    what its workers did (:func:`recount`)."""

    def __init__(self, work: Any, store: "ResultCache | None") -> None:
        self.work, self.store = work, store

    def __call__(self, item: Any) -> tuple[Any, tuple[int, int, int, int]]:
        s = self.store
        if s is None:
            return self.work(item), (0, 0, 0, 0)
        before = (s.hits, s.misses, s.stored, s._written)
        result = self.work(item)
        return result, (s.hits - before[0], s.misses - before[1], s.stored - before[2], s._written - before[3])


def recount(store: "ResultCache | None", results: list[Any]) -> list[Any]:
    """The results of :class:`Counted` work, the workers' counts added to ``store``."""
    out = []
    for result, (hits, misses, stored, written) in results:
        if store is not None:
            store.hits += hits
            store.misses += misses
            store.stored += stored
            store._written += written
        out.append(result)
    return out


def map_counted(work: Callable[[Any], Any], items: Sequence[Any], failed: Callable[[Any, Any], Any], *,
                store: "ResultCache | None", retry: Callable[[Any], Any], retry_store: "ResultCache | None",
                jobs: int | None, chunk: int, progress: Callable[[int, int], None] | None = None) -> list[Any]:
    """``work`` over ``items`` in isolated worker processes (:func:`map_isolated`; ``jobs``,
    default one per CPU, at most one per item; batches of at most ``chunk``), ``retry`` for
    an item whose worker died, ``failed(item, error)`` for one that failed again; the
    workers' cache counts added to ``store``.  The results in input order."""
    n = len(items)
    workers = max(1, min(n, jobs if jobs is not None else (os.cpu_count() or 1)))
    return recount(store, map_isolated(
        Counted(work, store), items, lambda item, e: (failed(item, e), (0, 0, 0, 0)), jobs=workers,
        chunk=max(1, min(chunk, n // (workers * 8))), retry=Counted(retry, retry_store), progress=progress))
