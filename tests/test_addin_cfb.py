"""The compound-file writer, read back by olefile in its strictest mode."""

import io

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from udfs.addin.cfb import Storage, name_key, write_compound_file


def _open(data: bytes) -> olefile.OleFileIO:
    return olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)


def _streams(storage: Storage, prefix: str = "") -> dict[str, bytes]:
    found = {prefix + name: data for name, data in storage.streams.items()}
    for name, child in storage.storages.items():
        found.update(_streams(child, prefix + name + "/"))
    return found


SIZES = [0, 1, 63, 64, 65, 4095, 4096, 4097, 70_000]


@pytest.mark.parametrize("size", SIZES)
def test_streams_of_every_size_read_back(size):
    data = bytes(i % 251 for i in range(size))
    root = Storage(streams={"PROJECT": b"x" * 10, "S": data},
                   storages={"VBA": Storage(streams={"dir": data[::-1]})})
    ole = _open(write_compound_file(root))
    for path, expected in _streams(root).items():
        assert ole.openstream(path).read() == expected


names = st.text(alphabet="ABCDEFGHabcdefgh_0123456789", min_size=1, max_size=31)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(names, st.binary(max_size=5000), max_size=20),
       st.dictionaries(names, st.binary(max_size=300), max_size=5))
def test_random_trees_read_back(top, nested):
    top = {name.upper(): data for name, data in top.items() if name.upper() != "VBA"}
    nested = {name.upper(): data for name, data in nested.items()}
    root = Storage(streams=top, storages={"VBA": Storage(streams=nested)})
    ole = _open(write_compound_file(root))
    assert sorted("/".join(p) for p in ole.listdir()) == sorted(_streams(root))
    for path, expected in _streams(root).items():
        assert ole.openstream(path).read() == expected


def test_sibling_trees_are_ordered_by_cfb_rules():
    names_ = ["PROJECTwm", "PROJECT", "VBA", "b", "AA", "a1", "Zz"]
    root = Storage(streams={n: b"." for n in names_})
    ole = _open(write_compound_file(root))
    entries = {e.sid: e for e in ole.direntries if e is not None}

    def in_order(sid):
        if sid == olefile.NOSTREAM:
            return []
        e = entries[sid]
        return in_order(e.sid_left) + [e.name] + in_order(e.sid_right)

    # Shorter names first, then by upper-cased code points ("A1" < "AA" < "ZZ").
    assert in_order(entries[0].sid_child) == ["b", "a1", "AA", "Zz", "VBA", "PROJECT", "PROJECTwm"]
    assert sorted(names_, key=name_key) == in_order(entries[0].sid_child)


def test_same_tree_gives_same_bytes():
    root = Storage(streams={"A": b"1" * 5000, "B": b"2"})
    assert write_compound_file(root) == write_compound_file(root)


@pytest.mark.parametrize("bad", ["", "a/b", "x" * 32])
def test_invalid_names_are_refused(bad):
    with pytest.raises(ValueError, match="CFB name"):
        write_compound_file(Storage(streams={bad: b""}))


def test_names_differing_only_in_case_are_refused():
    with pytest.raises(ValueError, match="case"):
        write_compound_file(Storage(streams={"dir": b"", "DIR": b""}))
