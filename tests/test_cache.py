"""The result cache: a warm run gives exactly what a cold one gives; a bad entry is a
miss; concurrent writers never leave a wrong entry; a changed file is read again;
--no-cache reads everything."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import departments as D
from xl_tthc.consolidate.consolidation import Source, consolidate, read_source
from xl_tthc.domain.profiles import load_profile
from xl_tthc.rules import cache as C
from xl_tthc.rules.check import check_files

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "workbooks" / "samples"
PERIOD = "tháng 03 năm 2024"


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.entry"))


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """The committed samples, generated departments in the four layouts, and two files
    that cannot be read (empty, truncated)."""
    folder = tmp_path / "in"
    shutil.copytree(SAMPLES, folder)
    rng = random.Random(5)
    for i, layout in enumerate(D.LAYOUTS * 3):
        D.write_department(folder / f"gen_{i:02d}_{layout}.xlsx", layout, f"UBND xã Thử {i:02d}",
                           D.department(rng, layout), PERIOD)
    (folder / "empty.xlsx").write_bytes(b"")
    data = (SAMPLES / sorted(os.listdir(SAMPLES))[0]).read_bytes()
    (folder / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    return folder


def _consolidation(folder: Path, cache, jobs: int = 1) -> dict:
    return consolidate([folder], jobs=jobs, cache=cache).to_dict()


@pytest.mark.parametrize("jobs", [1, 2])
def test_warm_consolidation_equals_cold_and_uncached(inputs, tmp_path, jobs):
    store = C.ResultCache(tmp_path / "cache")
    uncached = _consolidation(inputs, False, jobs)
    cold = _consolidation(inputs, store, jobs)
    n = sum(1 for p in inputs.iterdir() if p.is_file())  # not the samples' ho-so/ export folder
    assert len(_entries(store.folder)) == n - 1  # one entry per file but the empty one, the unreadable too
    warm = _consolidation(inputs, store, jobs)
    assert json.dumps(warm, sort_keys=True) == json.dumps(cold, sort_keys=True) == \
        json.dumps(uncached, sort_keys=True)
    assert uncached["summary"]["files"] == n and uncached["summary"]["failed"] >= 2


def test_warm_run_reads_from_the_cache(inputs, tmp_path):
    store = C.ResultCache(tmp_path / "cache")
    _consolidation(inputs, store)
    n = sum(1 for p in inputs.iterdir() if p.is_file()) - 1  # an empty file is not worth an entry (nor is the ho-so/ folder)
    assert (store.hits, store.stored) == (0, n)
    _consolidation(inputs, store)
    assert (store.hits, store.stored) == (n, n)


def test_warm_check_equals_cold(inputs, tmp_path):
    store = C.ResultCache(tmp_path / "cache")
    files = sorted(p for p in inputs.iterdir() if p.is_file())
    uncached = [r.to_dict() for r in check_files(files, cache=False)]
    cold = [r.to_dict() for r in check_files(files, cache=store)]
    warm_reports = check_files(files, cache=store)
    assert store.hits == len(files) - 1  # all but the empty file
    warm = [r.to_dict() for r in warm_reports]
    assert warm == cold == uncached
    assert [r.ok for r in warm_reports] == [r.ok for r in check_files(files, cache=False)]
    assert any("error" in r for r in warm)  # the unreadable files, cached as such


def _one_entry(store: C.ResultCache) -> tuple[str, Path]:
    key = store.key("0" * 64, "test", "x")
    assert store.put(key, {"value": [1, 2, 3]})
    path = _entries(store.folder)[0]
    return key, path


@pytest.mark.parametrize("damage", ["truncated", "payload", "checksum", "magic", "empty", "foreign_key"])
def test_a_damaged_or_foreign_entry_is_a_miss_and_is_removed(tmp_path, damage):
    store = C.ResultCache(tmp_path / "cache")
    key, path = _one_entry(store)
    assert store.get(key) == {"value": [1, 2, 3]}
    raw = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(raw[:-5])
    elif damage == "payload":
        path.write_bytes(raw[:-3] + bytes([raw[-3] ^ 0xFF]) + raw[-2:])
    elif damage == "checksum":
        at = len(C.MAGIC) + 40
        path.write_bytes(raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1:])
    elif damage == "magic":
        path.write_bytes(b"NOT-OURS" + raw[8:])
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # a whole, valid entry of another key under this key's name
        other = store.key("1" * 64, "test", "x")
        store.put(other, {"value": "other"})
        shutil.copyfile(store._path(other), path)
    assert store.get(key) is None
    assert not path.exists()


def test_a_payload_that_does_not_unpickle_is_a_miss(tmp_path):
    store = C.ResultCache(tmp_path / "cache")
    key = store.key("2" * 64, "test")
    payload = b"\x80\x05not a pickle"
    path = store._path(key)
    path.parent.mkdir(parents=True)
    import hashlib

    path.write_bytes(C.MAGIC + bytes.fromhex(key) + hashlib.sha256(payload).digest() + payload)
    assert store.get(key) is None


def test_damaged_entries_give_the_cold_result_and_are_rewritten(inputs, tmp_path):
    store = C.ResultCache(tmp_path / "cache")
    cold = _consolidation(inputs, store)
    for k, path in enumerate(_entries(store.folder)):
        raw = path.read_bytes()
        path.write_bytes(raw[: len(raw) // 2] if k % 2 else raw[:10])
    again = C.ResultCache(store.folder)
    assert _consolidation(inputs, again) == cold
    assert again.hits == 0 and again.stored == len(_entries(store.folder))
    assert _consolidation(inputs, again) == cold and again.hits == again.stored


def _writer(folder: str, seed: int, rounds: int, out: mp.Queue) -> None:
    store = C.ResultCache(folder)
    wrong = 0
    rng = random.Random(seed)
    for _ in range(rounds):
        i = rng.randrange(8)
        key = store.key(f"{i:064d}", "concurrency")
        store.put(key, {"i": i, "blob": "x" * (1000 * i + 10)})
        got = store.get(store.key(f"{rng.randrange(8):064d}", "concurrency"))
        if got is not None and got["blob"] != "x" * (1000 * got["i"] + 10):
            wrong += 1
    out.put(wrong)


def _two_processes(target, folder: str, rounds: int) -> list[int]:
    """What each of two spawned ``target(folder, seed, rounds, queue)`` found wrong."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=target, args=(folder, s, rounds, q)) for s in range(2)]
    for p in procs:
        p.start()
    wrong = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return wrong


def test_concurrent_writers_leave_only_whole_entries(tmp_path):
    folder = str(tmp_path / "cache")
    assert _two_processes(_writer, folder, 300) == [0, 0]
    store = C.ResultCache(folder)
    for i in range(8):
        got = store.get(store.key(f"{i:064d}", "concurrency"))
        assert got == {"i": i, "blob": "x" * (1000 * i + 10)}
    assert not list(Path(folder).rglob("*.tmp"))  # every temporary file was moved into place


def test_a_changed_file_is_read_again(inputs, tmp_path):
    store = C.ResultCache(tmp_path / "cache")
    target = inputs / "gen_00_row.xlsx"
    first = _consolidation(inputs, store)
    D.write_department(target, "row", "UBND xã Thử 00", D.department(random.Random(99), "row"), PERIOD)
    warm = _consolidation(inputs, store)
    assert warm == _consolidation(inputs, False)
    assert warm != first
    assert store.stored == sum(1 for p in inputs.iterdir() if p.is_file())  # the changed file stored again (not the empty one)


def test_the_key_holds_the_code_profile_language_and_path(tmp_path, monkeypatch):
    store = C.ResultCache(tmp_path / "cache")
    path = SAMPLES / sorted(os.listdir(SAMPLES))[0]
    src = read_source(path, load_profile(None), "vi", store)
    assert store.stored == 1
    assert read_source(path, load_profile(None), "vi", store) == src and store.hits == 1
    read_source(path, load_profile("cutoff-15"), "vi", store)
    read_source(path, load_profile(None), "en", store)
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    assert read_source(copy, load_profile(None), "vi", store).path == str(copy)
    assert store.hits == 1 and store.stored == 4
    monkeypatch.setattr(C, "_fingerprint", "another build of the code")
    read_source(path, load_profile(None), "vi", store)
    assert store.hits == 1 and store.stored == 5


def test_the_fingerprint_covers_the_package_source():
    fp = C.code_fingerprint()
    assert len(fp) == 64 and fp == C.code_fingerprint()
    C._fingerprint = None
    try:
        assert C.code_fingerprint() == fp
    finally:
        C._fingerprint = fp


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("xl-tthc")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=300)


def test_no_cache_bypasses_the_cache(inputs, tmp_path):
    """A planted entry (valid, but with another figure) is what a cached run returns, so
    the cache is really read; --no-cache neither reads nor writes it."""
    folder = tmp_path / "cache"
    env = {**os.environ, "XL_TTHC_CACHE_DIR": str(folder)}
    files = sorted(str(p) for p in inputs.glob("gen_*.xlsx"))[:3]
    plain = json.loads(_cli("consolidate", *files, "-o", str(tmp_path / "a.xlsx"), "--json", "--no-cache",
                            env=env).stdout)
    assert not folder.exists() or not _entries(folder)
    cached = json.loads(_cli("consolidate", *files, "-o", str(tmp_path / "b.xlsx"), "--json", env=env).stdout)
    assert len(_entries(folder)) == 3
    assert {k: v for k, v in cached.items() if k != "output"} == {k: v for k, v in plain.items() if k != "output"}
    # plant: the first file's stored Source, with one figure changed
    store = C.ResultCache(folder)
    key = store.key(plain["files"][0]["sha256"], "consolidate.Source", files[0], "vi", repr(load_profile(None)))
    src = store.get(key)
    assert isinstance(src, Source)
    src.entries[0].figures["received_new"] += 1000
    store.put(key, src)
    planted = json.loads(_cli("consolidate", *files, "-o", str(tmp_path / "c.xlsx"), "--json", env=env).stdout)
    assert planted["total"]["received_new"] == plain["total"]["received_new"] + 1000
    bypass = json.loads(_cli("consolidate", *files, "-o", str(tmp_path / "d.xlsx"), "--json", "--no-cache",
                             env=env).stdout)
    assert bypass["total"] == plain["total"]
    # check: the same cache, the same bypass
    out1 = _cli("check", "--json", files[0], env=env).stdout
    assert len(_entries(folder)) == 4
    out2 = _cli("check", "--json", "--no-cache", files[0], env=env).stdout
    assert json.loads(out1) == json.loads(out2)


def test_prune_removes_the_least_recently_used(tmp_path):
    store = C.ResultCache(tmp_path / "cache", max_bytes=10_000)
    keys = [store.key(f"{i:064d}", "prune") for i in range(10)]
    now = time.time()
    for i, k in enumerate(keys):
        store.put(k, "x" * 2000)
        os.utime(store._path(k), (now - 5000 + i, now - 5000 + i))
    stray = store.folder / "00" / ".stale.tmp"
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"x")
    os.utime(stray, (now - 7200, now - 7200))
    assert store.get(keys[0]) is not None  # used: the oldest mtime is refreshed
    removed = store.prune()
    left = [k for k in keys if store._path(k).exists()]
    assert sum(store._path(k).stat().st_size for k in left) <= 8_000
    assert keys[0] in left and keys[-1] in left and keys[1] not in left
    assert removed == 10 - len(left) + 1 and not stray.exists()


def test_the_default_folder(monkeypatch, tmp_path):
    assert C.default_cache_dir() == Path(os.environ["XL_TTHC_CACHE_DIR"])
    monkeypatch.delenv("XL_TTHC_CACHE_DIR")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert C.default_cache_dir() == tmp_path / "Local" / "xl_tthc" / "cache"
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert C.default_cache_dir() == tmp_path / "xdg" / "xl_tthc"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert C.default_cache_dir() == Path.home() / ".cache" / "xl_tthc"


def test_an_unwritable_folder_leaves_the_cache_off(inputs, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = C.ResultCache(blocker / "cache")
    assert _consolidation(inputs, store) == _consolidation(inputs, False)
    assert store.stored == 0


# --- the run set's pack: stat stamps and stored results in one file ---------------------

def _settle(folder: Path, seconds: float = 3600) -> None:
    """Date every file an hour back, so the pack may take them (a file looked at right
    after it changed is not taken: its next change might keep its stamp)."""
    past = time.time() - seconds
    for p in folder.rglob("*"):
        if p.is_file():
            os.utime(p, (past, past))


def _packs(folder: Path) -> list[Path]:
    return sorted(folder.glob("packs/*.pack"))


@pytest.fixture
def settled(inputs, monkeypatch):
    """The inputs, dated an hour back; the racy window shortened to a millisecond, as
    ``os.utime`` moves each file's ctime to now (which it cannot date back)."""
    _settle(inputs)
    monkeypatch.setattr(C, "RACY_NS", 1_000_000)
    time.sleep(0.01)
    return inputs


def test_a_warm_run_takes_unchanged_files_from_the_pack(settled, tmp_path):
    store = C.ResultCache(tmp_path / "cache")
    cold = _consolidation(settled, store, jobs=2)
    assert len(_packs(store.folder)) == 1
    # the entries gone: what a warm run gives can only come from the pack
    for p in _entries(store.folder):
        p.unlink()
    again = C.ResultCache(store.folder)
    assert _consolidation(settled, again, jobs=2) == cold == _consolidation(settled, False)
    n = sum(1 for p in settled.iterdir() if p.is_file()) - 1  # not the empty file
    assert (again.hits, again.stored) == (n, 0)


def test_a_file_changed_with_its_size_and_mtime_kept_is_read_again(settled, tmp_path):
    """The same size, the old mtime put back with os.utime: the ctime still says it changed."""
    store = C.ResultCache(tmp_path / "cache")
    target = settled / "gen_00_row.xlsx"
    _consolidation(settled, store)
    before = os.stat(target)
    data = bytearray(target.read_bytes())
    at = data.index(b"docProps/app.xml")  # a file name in the zip's directory: same size, other bytes
    data[at:at + 4] = b"DOCP"
    target.write_bytes(bytes(data))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(target)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns
    again = C.ResultCache(store.folder)
    warm = consolidate([settled], jobs=1, cache=again)
    fresh = consolidate([settled], jobs=1, cache=False)
    assert warm.to_dict() == fresh.to_dict()
    sha = {s.path: s.sha256 for s in warm.sources}[str(target)]
    assert sha == hashlib.sha256(target.read_bytes()).hexdigest()
    assert again.stored == 1  # that file read again (and stored), the others from the pack


def test_a_file_changed_right_after_it_was_looked_at_is_not_taken_from_the_pack(inputs, tmp_path):
    """With the real racy window, files written a moment ago are hashed on every run."""
    store = C.ResultCache(tmp_path / "cache")
    _consolidation(inputs, store)
    again = C.ResultCache(store.folder)
    _consolidation(inputs, again)
    records = again.load_pack(_packs(store.folder)[0].stem) if _packs(store.folder) else {}
    fresh = [p for p in inputs.iterdir() if p.is_file() and str(p) in records]
    assert fresh == []


@pytest.mark.parametrize("damage", ["truncated", "body", "checksum", "magic", "empty", "foreign"])
def test_a_damaged_pack_is_a_miss(settled, tmp_path, damage):
    store = C.ResultCache(tmp_path / "cache")
    cold = _consolidation(settled, store)
    pack = _packs(store.folder)[0]
    raw = pack.read_bytes()
    if damage == "truncated":
        pack.write_bytes(raw[:len(raw) // 2])
    elif damage == "body":
        pack.write_bytes(raw[:-100] + bytes([raw[-100] ^ 0xFF]) + raw[-99:])
    elif damage == "checksum":
        at = len(C.PACK_MAGIC) + 40
        pack.write_bytes(raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1:])
    elif damage == "magic":
        pack.write_bytes(b"NOT-OURS" + raw[8:])
    elif damage == "empty":
        pack.write_bytes(b"")
    else:  # a whole, valid pack of another run set under this one's name
        other = store.pack_name("another run set")
        store.save_pack(other, {})
        shutil.copyfile(store._pack_path(other), pack)
    assert store.load_pack(pack.stem) == {}
    assert not pack.exists()  # removed
    shutil.copyfile(store._pack_path(store.pack_name("another run set")), pack) if damage == "foreign" else \
        pack.write_bytes(raw[:len(raw) // 3])
    again = C.ResultCache(store.folder)
    assert _consolidation(settled, again) == cold
    assert again.hits == sum(1 for p in settled.iterdir() if p.is_file()) - 1  # from the entries instead
    assert C.ResultCache(store.folder).load_pack(pack.stem)  # written whole again


def test_a_planted_pack_record_is_what_a_warm_run_returns(settled, tmp_path):
    """The pack is really read: a valid record with another figure is what comes back."""
    store = C.ResultCache(tmp_path / "cache")
    cold = consolidate([settled], jobs=1, cache=store)
    name = _packs(store.folder)[0].stem
    records = store.load_pack(name)
    row = next(r for r in cold.rows if "resolved" in r.figures)
    rec = records[row.source.file]
    src = C.loads(rec[7])
    next(e for e in src.entries if e.key == row.key).figures["resolved"] += 1000
    records[row.source.file] = (*rec[:7], C.dumps(src))
    assert store.save_pack(name, records)
    warm = consolidate([settled], jobs=1, cache=C.ResultCache(store.folder))
    assert next(r for r in warm.rows if r.key == row.key).figures["resolved"] == row.figures["resolved"] + 1000


def _pack_writer(folder: str, seed: int, rounds: int, out: mp.Queue) -> None:
    store = C.ResultCache(folder)
    rng = random.Random(seed)
    wrong = 0
    name = store.pack_name("concurrency")
    for _ in range(rounds):
        i = rng.randrange(8)
        store.save_pack(name, {f"p{k}": (k, i, 0, 0, 0, "s" * 64, "k", b"x" * (5000 * i + k)) for k in range(i + 1)})
        got = store.load_pack(name)
        if got:
            j = max(r[1] for r in got.values())
            if sorted(got) != [f"p{k}" for k in range(j + 1)] or \
                    any(r[7] != b"x" * (5000 * j + k) for k, r in enumerate(got[f"p{k}"] for k in range(j + 1))):
                wrong += 1
    out.put(wrong)


def test_concurrent_pack_writers_leave_a_whole_pack(tmp_path):
    folder = str(tmp_path / "cache")
    assert _two_processes(_pack_writer, folder, 200) == [0, 0]
    assert C.ResultCache(folder).load_pack(C.ResultCache(folder).pack_name("concurrency"))
    assert not list(Path(folder).rglob("*.tmp"))


def test_prune_counts_packs(tmp_path):
    store = C.ResultCache(tmp_path / "cache", max_bytes=10_000)
    name = store.pack_name("prune")
    assert store.save_pack(name, {"p": (0, 0, 0, 0, 0, "s", "k", b"x" * 20_000)})
    past = time.time() - 5000
    os.utime(store._pack_path(name), (past, past))
    assert store.prune() == 1 and not store._pack_path(name).exists()


def test_a_pack_record_of_another_shape_is_a_miss(settled, tmp_path):
    store = C.ResultCache(tmp_path / "cache")
    cold = _consolidation(settled, store)
    name = _packs(store.folder)[0].stem
    records = store.load_pack(name)
    shapes = [lambda r: r[:5], lambda r: (*r[:7], b"not a pickle"), lambda r: 5, lambda r: "junk",
              lambda r: (*r[:6], None, r[7])]
    bad = {p: shapes[k % len(shapes)](r) for k, (p, r) in enumerate(records.items())}
    assert store.save_pack(name, bad)
    again = C.ResultCache(store.folder)
    assert _consolidation(settled, again) == cold
    assert again.hits == len(records)  # every one from its own entry instead


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*/*") if p.suffix in (".entry", ".pack"))


def test_prune_if_due_scans_only_past_the_known_total(tmp_path):
    """A scan keeps the folder's total in .size; later runs add what they wrote to it and
    scan again only when the estimate passes the bound (or the total is old)."""
    store = C.ResultCache(tmp_path / "cache", max_bytes=20_000)
    keys = [store.key(f"{i:064d}", "due") for i in range(12)]
    for k in keys[:4]:
        store.put(k, "x" * 2000)
    assert store.prune_if_due() == 0  # no total known yet: a scan, nothing to remove
    size = store.folder / ".size"
    assert int(size.read_text()) == _folder_bytes(store.folder)
    scanned_at = size.stat().st_mtime_ns
    store = C.ResultCache(tmp_path / "cache", max_bytes=20_000)  # the next run
    store.put(keys[4], "x" * 2000)
    assert store.prune_if_due() == 0
    assert int(size.read_text()) == _folder_bytes(store.folder)  # the estimate, exact here
    assert size.stat().st_mtime_ns == scanned_at  # an estimate does not make the total fresher
    now = time.time()
    for i, k in enumerate(keys[5:]):  # past the bound: the least recently used go
        store.put(k, "x" * 2000)
        os.utime(store._path(k), (now + i, now + i))
    assert store.prune_if_due() > 0
    assert _folder_bytes(store.folder) <= 20_000 * 0.8
    assert int(size.read_text()) == _folder_bytes(store.folder)
    assert all(store._path(k).exists() for k in keys[-3:])


def test_prune_if_due_scans_an_old_total(tmp_path):
    store = C.ResultCache(tmp_path / "cache", max_bytes=10_000)
    store.put(store.key("0" * 64, "old"), "x" * 2000)
    store.prune()
    size = store.folder / ".size"
    size.write_text("0")  # wrong, but old: scanned again, and put right
    old = time.time() - C._SCAN_AFTER - 10
    os.utime(size, (old, old))
    stray = store.folder / ".size-left.tmp"  # of a run that died writing .size
    stray.write_text("1")
    os.utime(stray, (old, old))
    store.prune_if_due()
    assert int(size.read_text()) == _folder_bytes(store.folder) > 0
    assert not stray.exists()


def _store_one(item: int, store: C.ResultCache) -> int:
    store.put(store.key(f"{item:064d}", "worker"), "y" * 1000)
    return item


def test_workers_bytes_reach_the_parents_estimate(tmp_path):
    from functools import partial

    store = C.ResultCache(tmp_path / "cache")
    got = C.map_counted(partial(_store_one, store=store), list(range(8)), lambda item, e: None, store=store,
                        retry=partial(_store_one, store=store), retry_store=None, jobs=2, chunk=2)
    assert got == list(range(8)) and store.stored == 8
    assert store._written == _folder_bytes(store.folder)
