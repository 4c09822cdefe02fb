"""The zip listing read from the central directory without zipfile (format sniffing)
gives what zipfile gives, and leaves every unusual archive to zipfile."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

import departments as D
from xl_tthc.read.grid import ReadError, _zip_listing, open_workbook

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "samples"


def _by_zipfile(data: bytes) -> tuple[set[str], int]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return set(z.namelist()), sum(i.file_size for i in z.infolist())


def _zip(members: dict[str, bytes], **kw) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, **kw) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


def test_the_listing_of_real_workbooks_is_zipfiles(tmp_path, binh_thuan_xlsx, soc_trang_xlsx):
    rng = random.Random(3)
    files = sorted(SAMPLES.glob("*.xlsx")) + [binh_thuan_xlsx, soc_trang_xlsx]
    for layout in D.LAYOUTS:
        files.append(D.write_department(tmp_path / f"{layout}.xlsx", layout, "UBND xã A", D.department(rng, layout),
                                        "tháng 03 năm 2024"))
    for f in files:
        data = f.read_bytes()
        got = _zip_listing(data)
        assert got is not None, f
        assert got == _by_zipfile(data), f


def test_names_comments_and_encodings():
    data = _zip({"xl/workbook.xml": b"<w/>", "Tệp tiếng Việt.xml": b"x" * 5000, "[Content_Types].xml": b""})
    assert _zip_listing(data) == _by_zipfile(data) == ({"xl/workbook.xml", "Tệp tiếng Việt.xml",
                                                        "[Content_Types].xml"}, 5004)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.xml", b"abc")
        z.comment = b"a comment"
    assert _zip_listing(buf.getvalue()) == _by_zipfile(buf.getvalue()) == ({"a.xml"}, 3)


@pytest.mark.parametrize("case", ["prefixed", "suffixed", "truncated", "directory_cut", "bad_entry_magic"])
def test_unusual_archives_are_left_to_zipfile(case):
    data = _zip({"xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b"<s/>" * 100})
    end = data.rfind(b"PK\x05\x06")
    cd = data.rfind(b"PK\x01\x02")
    bad = {"prefixed": b"junk" + data, "suffixed": data + b"junk", "truncated": data[:-30],
           "directory_cut": data[:cd] + data[cd + 10:], "bad_entry_magic": data[:cd] + b"PK\x01\x03" + data[cd + 4:]}
    assert _zip_listing(bad[case]) is None
    assert end > 0


def test_zip64_is_left_to_zipfile():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", allowZip64=True) as z:
        with z.open("big.xml", "w", force_zip64=True) as f:
            f.write(b"x" * 100)
    data = buf.getvalue()
    assert _zip_listing(data) in (None, _by_zipfile(data))


def test_a_truncated_workbook_is_still_reported_as_a_corrupt_zip(tmp_path):
    data = next(SAMPLES.glob("*.xlsx")).read_bytes()
    bad = tmp_path / "cut.xlsx"
    bad.write_bytes(data[: len(data) - 100])
    with pytest.raises(ReadError) as e:
        open_workbook(bad)
    assert "corrupt zip container" in e.value.reason_en


def test_the_format_and_the_unpacked_size_still_come_from_the_listing(tmp_path):
    ods = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
    notbook = _zip({"word/document.xml": b"<d/>"})
    (tmp_path / "a.zip").write_bytes(notbook)
    with pytest.raises(ReadError) as e:
        open_workbook(tmp_path / "a.zip")
    assert "not an Excel/ODS workbook" in e.value.reason_en
    assert _zip_listing(ods)[0] == {"mimetype", "content.xml"}
