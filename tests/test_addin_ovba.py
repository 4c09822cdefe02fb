"""MS-OVBA compression, encryption and project streams of the add-in builder."""

import os
import struct
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # oletools uses deprecated pyparsing names
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import decompress_stream

from udfs.addin.ovba import (
    IncompressibleTail,
    Module,
    compress,
    decompress,
    encrypt,
    vba_project_storage,
)

# MS-OVBA 3.2.1 - 3.2.3: the string and its compressed container.
SPEC_EXAMPLES = [
    (b"abcdefghijklmnopqrstuv.",
     "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"),
    (b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
     "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 "
     "6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C"),
    (b"a" * 73, "01 03 B0 02 61 45 00"),
]


@pytest.mark.parametrize(("plain", "packed"), SPEC_EXAMPLES)
def test_spec_examples_compress_to_the_spec_bytes(plain, packed):
    assert compress(plain) == bytes.fromhex(packed)


@pytest.mark.parametrize(("plain", "packed"), SPEC_EXAMPLES)
def test_spec_examples_decompress(plain, packed):
    assert decompress(bytes.fromhex(packed)) == plain


def _round_trip(data: bytes) -> None:
    try:
        packed = compress(data)
    except IncompressibleTail:
        tail = len(data) % 4096
        assert 0 < tail < 4096
        return
    assert decompress(packed) == data
    # An independent decoder (oletools) agrees.
    assert bytes(decompress_stream(bytearray(packed))) == data


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=9000))
def test_round_trip_random_bytes(data):
    _round_trip(data)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"Dim ", b"x", b"  ", b"\r\n", b"End Sub", b"a", b"\x00", b"\xff"]),
                max_size=3000))
def test_round_trip_repetitive_text(pieces):
    _round_trip(b"".join(pieces))


def test_empty_input_is_just_the_signature():
    assert compress(b"") == b"\x01"
    assert decompress(b"\x01") == b""


def test_incompressible_full_chunk_is_stored_raw():
    data = os.urandom(4096) + b"tail"
    packed = compress(data)
    assert struct.unpack_from("<H", packed, 1)[0] == 0x3FFF
    assert decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data


def test_incompressible_short_tail_is_refused():
    with pytest.raises(IncompressibleTail):
        compress(os.urandom(4000))


def test_chunk_boundaries_do_not_leak_matches():
    data = (b"0123456789" * 900)[:8192] + b"0123456789"
    packed = compress(data)
    assert decompress(packed) == data
    assert len(packed) < len(data) // 10


@pytest.mark.parametrize("bad", [b"", b"\x00abc", b"\x01\x00\x00"])
def test_decompress_rejects_bad_containers(bad):
    with pytest.raises(ValueError):
        decompress(bad)


def _decrypt(hex_text: str) -> tuple[int, int, bytes]:
    """MS-OVBA 2.4.3.3 Decryption, written from the spec for this test."""
    raw = bytes.fromhex(hex_text)
    seed, version, key = raw[0], raw[1] ^ raw[0], raw[2] ^ raw[0]
    plain1, enc1, enc2 = key, raw[2], raw[1]
    out = bytearray()
    for byte in raw[3:]:
        plain = byte ^ ((enc2 + plain1) & 0xFF)
        out.append(plain)
        enc2, enc1, plain1 = enc1, byte, plain
    ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", out, ignored)[0]
    return version, key, bytes(out[ignored + 4 : ignored + 4 + length])


@pytest.mark.parametrize("seed", [0x00, 0x02, 0x5A, 0xFF])
@pytest.mark.parametrize("data", [b"\x00", b"\xff", b"\x00\x00\x00\x00"])
def test_encryption_decrypts_back(seed, data):
    project_id = "{318BEE36-5BE1-492A-826D-473DB19B0F30}"
    version, key, plain = _decrypt(encrypt(data, project_id, seed))
    assert (version, key, plain) == (2, sum(project_id.encode()) & 0xFF, data)


def test_encryption_matches_a_project_saved_by_excel():
    # GC of xlwings' quickstart add-in (saved by Excel): seed 0x5D, visible (0xFF).
    assert _decrypt("5D5F8AADDAADDBADDB52") == (2, 0xD7, b"\xff")


def test_project_stream_lists_modules_and_protection():
    modules = [Module("ThisWorkbook", "", document="workbook"),
               Module("Main", 'Attribute VB_Name = "Main"\nSub A()\nEnd Sub\n')]
    storage = vba_project_storage("demo", modules)
    text = storage.streams["PROJECT"].decode("cp1252")
    lines = text.split("\r\n")
    assert lines[1:3] == ["Document=ThisWorkbook/&H00000000", "Module=Main"]
    assert 'Name="demo"' in lines
    fields = dict(line.split("=", 1) for line in lines if line[:4] in ("CMG=", "DPB=", "GC=\""))
    assert _decrypt(fields["CMG"].strip('"'))[2] == b"\0\0\0\0"
    assert _decrypt(fields["DPB"].strip('"'))[2] == b"\0"
    assert _decrypt(fields["GC"].strip('"'))[2] == b"\xff"
    assert storage.storages["VBA"].streams["_VBA_PROJECT"] == bytes.fromhex("CC61FFFF000000")
    assert decompress(storage.storages["VBA"].streams["Main"]).startswith(b'Attribute VB_Name = "Main"\r\n')


def test_module_must_name_itself_and_stay_in_code_page():
    with pytest.raises(ValueError, match="VB_Name"):
        Module("Main", "Sub A()\nEnd Sub\n").encoded()
    with pytest.raises(ValueError, match="ChrW"):
        Module("Main", 'Attribute VB_Name = "Main"\nMsgBox "Tính lại"\n').encoded()


def test_duplicate_module_names_are_refused():
    with pytest.raises(ValueError, match="unique"):
        vba_project_storage("demo", [Module("A", 'Attribute VB_Name = "A"\n'),
                                     Module("a", 'Attribute VB_Name = "a"\n')])
