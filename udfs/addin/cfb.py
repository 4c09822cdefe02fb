"""A minimal Compound File Binary writer (MS-CFB, version 3, 512-byte sectors).

Enough to write a VBA project storage (``xl/vbaProject.bin``): nested storages,
streams of any size (those under 4096 bytes go to the mini stream), the FAT and
the mini FAT, and a directory whose sibling trees are binary search trees in
CFB name order. Every node is black, which MS-CFB 2.6.4 allows. Time stamps and
CLSIDs are zero, so the same tree always gives the same bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

__all__ = ["Storage", "write_compound_file"]

SECTOR = 512
MINI_SECTOR = 64
MINI_STREAM_CUTOFF = 4096
ENTRY_SIZE = 128
HEADER_DIFAT_SLOTS = 109

FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF

TYPE_STORAGE = 1
TYPE_STREAM = 2
TYPE_ROOT = 5
BLACK = 1

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass
class Storage:
    """A storage: named streams (bytes) and named sub-storages."""

    streams: dict[str, bytes] = field(default_factory=dict)
    storages: dict[str, Storage] = field(default_factory=dict)


def name_key(name: str) -> tuple[int, str]:
    """CFB sibling order: shorter names first, then by upper-cased code points."""
    return (len(name.encode("utf-16-le")), name.upper())


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def _flatten(root: Storage) -> list[_Entry]:
    """Directory entries in breadth-first order; entry 0 is the root."""
    entries = [_Entry("Root Entry", TYPE_ROOT)]
    queue = [(0, root)]
    while queue:
        parent, storage = queue.pop(0)
        folded = [name.upper() for name in [*storage.streams, *storage.storages]]
        if len(set(folded)) != len(folded):
            raise ValueError(f"CFB names of one storage must differ in more than case: {sorted(folded)}")
        for name in sorted([*storage.streams, *storage.storages], key=name_key):
            _check_name(name)
            entries[parent].children.append(len(entries))
            if name in storage.storages:
                queue.append((len(entries), storage.storages[name]))
                entries.append(_Entry(name, TYPE_STORAGE))
            else:
                entries.append(_Entry(name, TYPE_STREAM, data=storage.streams[name]))
    for entry in entries:
        entry.child = _balanced_tree(entry.children, entries)
    return entries


def _check_name(name: str) -> None:
    if not name or len(name) > 31 or any(c in name for c in "/\\:!"):
        raise ValueError(
            f"CFB name {name!r} is invalid: it needs 1 to 31 characters and none of / \\ : !"
        )


def _balanced_tree(ids: list[int], entries: list[_Entry]) -> int:
    """Link sorted sibling ids into a balanced binary search tree; return its root."""
    if not ids:
        return NOSTREAM
    middle = len(ids) // 2
    node = entries[ids[middle]]
    node.left = _balanced_tree(ids[:middle], entries)
    node.right = _balanced_tree(ids[middle + 1 :], entries)
    return ids[middle]


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count - 1):
        fat[first + i] = first + i + 1
    fat[first + count - 1] = ENDOFCHAIN


def _sectors(n_bytes: int, size: int) -> int:
    return -(-n_bytes // size)


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (-len(data) % size)


def _dir_entry(entry: _Entry) -> bytes:
    if entry.kind == 0:
        return struct.pack("<64sHBB3I16sI8s8sIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM,
                           NOSTREAM, b"", 0, b"", b"", 0, 0)
    name = entry.name.encode("utf-16-le") + b"\0\0"
    return struct.pack(
        "<64sHBB3I16sI8s8sIQ",
        name, len(name), entry.kind, BLACK, entry.left, entry.right, entry.child,
        b"", 0, b"", b"", entry.start, entry.size,
    )


def write_compound_file(root: Storage) -> bytes:
    """Serialise ``root`` as a version 3 compound file."""
    entries = _flatten(root)
    streams = [e for e in entries if e.kind == TYPE_STREAM]
    small = [e for e in streams if 0 < len(e.data) < MINI_STREAM_CUTOFF]
    large = [e for e in streams if len(e.data) >= MINI_STREAM_CUTOFF]

    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in small:
        count = _sectors(len(entry.data), MINI_SECTOR)
        entry.start, entry.size = len(mini_fat), len(entry.data)
        mini_fat.extend([0] * count)
        _chain(mini_fat, entry.start, count)
        mini_stream += _pad(entry.data, MINI_SECTOR)
    for entry in streams:
        if not entry.data:
            entry.start, entry.size = ENDOFCHAIN, 0

    # Sector layout: large streams, mini stream, mini FAT, directory, FAT.
    body = bytearray()
    runs: list[tuple[int, int]] = []  # (first sector, sector count) of each chain

    def place(data: bytes) -> int:
        first = len(body) // SECTOR
        count = _sectors(len(data), SECTOR)
        body.extend(_pad(data, SECTOR))
        runs.append((first, count))
        return first

    for entry in large:
        entry.start, entry.size = place(entry.data), len(entry.data)
    root_entry = entries[0]
    if mini_stream:
        root_entry.start, root_entry.size = place(bytes(mini_stream)), len(mini_stream)
    mini_fat_start = ENDOFCHAIN
    mini_fat += [FREESECT] * (-len(mini_fat) % (SECTOR // 4))
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    if mini_fat:
        mini_fat_start = place(mini_fat_bytes)
    padded_entries = entries + [_Entry("", 0)] * (-len(entries) % (SECTOR // ENTRY_SIZE))
    directory = b"".join(_dir_entry(e) for e in padded_entries)
    dir_start = place(directory)

    used = len(body) // SECTOR
    n_fat = 1
    while n_fat * (SECTOR // 4) < used + n_fat:
        n_fat += 1
    if n_fat > HEADER_DIFAT_SLOTS:
        raise ValueError("compound file too large: this writer does not write DIFAT sectors")
    fat = [FREESECT] * (n_fat * SECTOR // 4)
    for first, count in runs:
        _chain(fat, first, count)
    for i in range(n_fat):
        fat[used + i] = FATSECT
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)

    difat = list(range(used, used + n_fat)) + [FREESECT] * (HEADER_DIFAT_SLOTS - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        SIGNATURE, b"", 0x003E, 0x0003, 0xFFFE, 9, 6, b"",
        0, n_fat, dir_start, 0, MINI_STREAM_CUTOFF,
        mini_fat_start, _sectors(len(mini_fat_bytes), SECTOR), ENDOFCHAIN, 0,
    ) + struct.pack(f"<{HEADER_DIFAT_SLOTS}I", *difat)
    assert len(header) == SECTOR
    return header + bytes(body) + fat_bytes
