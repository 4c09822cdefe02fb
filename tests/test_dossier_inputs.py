"""Hostile and odd dossier exports: every one gives a clear record at its file (and line),
the other exports are still counted, and nothing is dropped in silence."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from xl_tthc.dossiers import tally
from xl_tthc.dossiers.generate import write_export

PERIOD = "2024-03"


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return write_export(tmp_path_factory.mktemp("exports") / "good.csv", 600, 11)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _windows_1258(text: str) -> bytes:
    """Text as Windows writes it in cp1258: letters with their vowel marks precomposed
    (ư, â, ơ…), the five tone marks as combining characters after them."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + "".join(c for c in parts if c in _TONES))
    return "".join(out).encode("cp1258")


@pytest.mark.parametrize("encoding", ["utf-16", "cp1258", "utf-8-sig"])
def test_windows_encodings_count_as_the_utf8_file(good, tmp_path, encoding):
    other = tmp_path / f"{encoding}.csv"
    text = _text(good)
    other.write_bytes(_windows_1258(text) if encoding == "cp1258" else text.encode(encoding))
    a, b = tally([good], PERIOD, by="unit"), tally([other], PERIOD, by="unit")
    assert a.rows == b.rows and a.summary == b.summary
    said = [i for i in b.issues if i.rule == "encoding"]
    assert bool(said) == (encoding == "cp1258")  # a code page is a guess: it is said; a BOM is not
    assert [(i.row, i.column, i.message) for i in a.issues if i.rule == "dossier_invalid"] == \
        [(i.row, i.column, i.message) for i in b.issues if i.rule == "dossier_invalid"]


def test_a_few_bytes_that_are_not_utf8_are_replaced_and_said_at_their_line(good, tmp_path):
    lines = _text(good).splitlines(keepends=True)
    raw = [line.encode() for line in lines]
    raw[40] = raw[40].replace(b",", b",\xff", 1)  # in the second column: the row still counts
    bad = tmp_path / "bytes.csv"
    bad.write_bytes(b"".join(raw))
    result = tally([bad], PERIOD)
    said = [i for i in result.issues if i.rule == "encoding"]
    assert [i.row for i in said] == [41] and "�" in said[0].message
    assert result.summary["rows"] == tally([good], PERIOD).summary["rows"]


def test_a_line_that_cannot_be_split_is_left_out_at_its_line_and_later_rows_keep_theirs(good, tmp_path):
    lines = _text(good).splitlines(keepends=True)
    broken = lines[:30] + ['"unterminated,1,2\n'] + lines[30:]
    bad = tmp_path / "quote.csv"
    bad.write_text("".join(broken), encoding="utf-8")
    a, b = tally([good], PERIOD), tally([bad], PERIOD)
    rejected = [i for i in b.issues if i.rule == "dossier_invalid" and i.column is None]
    assert len(rejected) == 1 and rejected[0].row == 31 and "31–" in rejected[0].message
    span = int(rejected[0].message.split("–")[1].split(" ")[0]) - 30
    assert b.summary["rows"] == a.summary["rows"] + 1 and b.summary["bad"] >= span
    # a finding on a later row points at the line it is on in the broken file
    later = [i for i in a.issues if i.rule == "dossier_invalid" and i.row and i.row > 31 + span]
    moved = {(i.row + 1, i.message) for i in later}
    assert later and moved <= {(i.row, i.message) for i in b.issues if i.rule == "dossier_invalid"}
    for i in later[:5]:
        line = broken[i.row]  # 0-based index of the 1-based row + 1 inserted line
        assert i.found is None or str(i.found) in line or i.column


def test_damaged_parquet_in_a_folder_is_listed_and_the_rest_counted(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    a = write_export(folder / "a.parquet", 500, 3)
    b = write_export(tmp_path / "b.parquet", 500, 4)
    (folder / "b.parquet").write_bytes(b.read_bytes()[:900])
    result = tally([folder], PERIOD)
    unread = [i for i in result.issues if i.rule == "unreadable"]
    assert [Path(i.file).name for i in unread] == ["b.parquet"] and "Parquet" in unread[0].message
    assert result.rows == tally([a], PERIOD).rows


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and symbolic links")
def test_cli_lists_unreadable_inputs_writes_the_rest_and_exits_2(good, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "nowhere.csv")
    out = tmp_path / "out.xlsx"
    code = "import sys; from xl_tthc.cli import main; sys.argv[0] = 'xl-tthc'; main()"
    proc = subprocess.run([sys.executable, "-c", code, "tally", str(good), str(fifo), str(link),
                           str(tmp_path / "missing.csv"), "--period", PERIOD, "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout and out.exists()
    for name in ("pipe.csv", "link.csv", "missing.csv"):
        assert name in proc.stdout
    assert "không phải tệp thường" in proc.stdout and "không tìm thấy" in proc.stdout


def test_a_file_in_no_known_encoding_is_unreadable_not_a_crash(good, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(_text(good).encode("utf-8")[:2000] + bytes(range(0x80, 0xA0)) * 50)
    result = tally([good, junk], PERIOD)
    rules = {i.rule for i in result.issues if i.file == str(junk)}
    assert rules & {"unreadable", "encoding"}
    assert result.summary["rows"] >= tally([good], PERIOD).summary["rows"]
    # with nothing but bytes of no encoding, the file is unreadable, and the good one counted
    noise = tmp_path / "noise.csv"
    noise.write_bytes(b"MaHoSo,NgayTiepNhan,TrangThaiHoSo\n" + bytes([0x81, 0x8d, 0x8f, 0x90, 0x9d]) * 400)
    result = tally([good, noise], PERIOD)
    assert [i.rule for i in result.issues if i.file == str(noise)] == ["unreadable"]
    assert result.rows == tally([good], PERIOD).rows


def test_past_a_thousand_rows_of_one_fault_the_rest_is_one_counted_finding(good, tmp_path, monkeypatch):
    """Every row is validated and counted as left out, but one fault of one file is listed
    row by row only so far (a findings sheet holds a million rows); the rest is one
    finding with its number."""
    import xl_tthc.dossiers.schema as schema

    header, *rows = list(csv.reader(io.StringIO(_text(good))))
    for r in rows:
        r[header.index("TrangThaiHoSo")] = "99"
    bad = tmp_path / "all-bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    monkeypatch.setattr(schema, "LISTED_PER_CHECK", 7)
    result = tally([bad], PERIOD)
    invalid = [i for i in result.issues if i.rule == "dossier_invalid"]
    listed = [i for i in invalid if i.row is not None and i.field == "status"]
    summary = [i for i in invalid if i.row is None]
    assert len(listed) == 7 and result.summary["bad"] == len(rows)
    counted = [i for i in summary if "trạng thái" in i.message]
    assert len(counted) == 1 and counted[0].found == f"{len(rows) - 7:,}".replace(",", ".")


# Headers of exports as other one-stop systems (or a person in Excel) write them: each is
# understood by its words and said; a name that could mean two things is left to --map.
_OTHER_HEADERS = {
    "MaHoSo": "Mã HS", "NgayTiepNhan": "Thời gian tiếp nhận", "NgayHenTra": "Hạn trả kết quả",
    "NgayKetThucXuLy": "Thời gian có kết quả", "NgayTra": "Ngày trả kết quả cho công dân",
    "TrangThaiHoSo": "Tình trạng hồ sơ", "KenhThucHien": "Kênh tiếp nhận", "DonViXuLy": "Đơn vị thụ lý",
    "TenLinhVuc": "Tên lĩnh vực TTHC", "HoSoCoThanhPhanSoHoa": "Số hóa thành phần hồ sơ",
}


def test_headers_in_other_words_count_as_the_portal_names_and_are_said(good, tmp_path):
    header, *rows = list(csv.reader(io.StringIO(_text(good))))
    other = tmp_path / "other.csv"
    with other.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[_OTHER_HEADERS.get(h, h) for h in header], *rows])
    a, b = tally([good], PERIOD, by="unit"), tally([other], PERIOD, by="unit")
    assert a.rows == b.rows and a.summary == b.summary and a.flags == b.flags
    said = {i.found for i in b.issues if i.rule == "dossier_column" and "được hiểu là" in i.message}
    assert said == set(_OTHER_HEADERS.values())


@pytest.mark.parametrize("name", ["Đơn vị tiếp nhận", "Ngày rút hồ sơ", "Ghi chú", "Họ tên người nộp", "Ngày sinh",
                                  "Số điện thoại", "Địa chỉ"])
def test_a_name_of_two_meanings_or_none_is_not_guessed(name):
    from xl_tthc.dossiers.columns import recognise

    m = recognise([name])
    assert not m.used and [n for _, n in m.unused] == [name]


# Statuses as other systems write them, each with the code domain.md gives its meaning.
_OTHER_STATUSES = {1: "Chờ tiếp nhận", 2: "Mới tiếp nhận", 3: "Không tiếp nhận", 4: "Đang thụ lý",
                   5: "Đang chờ bổ sung", 6: "Chờ nộp phí", 7: "Công dân đã rút hồ sơ", 8: "Tạm dừng xử lý",
                   9: "Đã có kết quả", 10: "Đã trả kết quả cho công dân"}


def test_statuses_in_other_words_count_as_their_codes_and_are_said(tmp_path):
    codes = write_export(tmp_path / "codes.csv", 800, 12)
    header, *rows = list(csv.reader(io.StringIO(_text(codes))))
    k = header.index("TrangThaiHoSo")
    for r in rows:
        if r[k].isdigit() and int(r[k]) in _OTHER_STATUSES:
            r[k] = _OTHER_STATUSES[int(r[k])]
    words = tmp_path / "words.csv"
    with words.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    a, b = tally([codes], PERIOD, by="unit"), tally([words], PERIOD, by="unit")
    assert a.rows == b.rows and a.summary == b.summary
    said = {i.found: i.expected for i in b.issues if i.rule == "dossier_column" and i.field == "status"}
    present = {v for v in _OTHER_STATUSES.values() if any(r[k] == v for r in rows)}
    assert len(present) >= 8 and {v: said[v] for v in present} == {v: str(c) for c, v in _OTHER_STATUSES.items()
                                                                   if v in present}


@pytest.mark.parametrize("text, expected", [
    ("08:30 15/03/2024", "2024-03-15 08:30:00"), ("08:30:15 15/03/2024", "2024-03-15 08:30:15"),
    ("15.03.2024", "2024-03-15 00:00:00"), ("15-03-2024 07:05", "2024-03-15 07:05:00"),
    ("15/03/2024 8:30 SA", "2024-03-15 08:30:00"), ("15/03/2024 08:30 CH", "2024-03-15 20:30:00"),
    ("15/03/2024 08:30 PM", "2024-03-15 20:30:00"), ("15/3/24", "2024-03-15 00:00:00"),
    ("15/3/24 14:05", "2024-03-15 14:05:00"), ("2024/03/15", "2024-03-15 00:00:00"),
    # never a date misread: an impossible day, a year out of range, a year of two digits read as 0024
    ("31/02/2024", None), ("0024-03-15", None), ("15/03/1024", None), ("abc", None), ("24/3/15", "2015-03-24 00:00:00"),
])
def test_dates_in_more_spellings_or_none(text, expected):
    import duckdb

    from xl_tthc.dossiers.source import _date_sql

    got = duckdb.connect().execute(f"SELECT CAST({_date_sql('x', 'VARCHAR')} AS VARCHAR) FROM (SELECT ? AS x)",
                                   [text]).fetchone()[0]
    assert got == expected


def test_lines_blank_in_every_column_below_the_data_are_no_dossiers(good, tmp_path):
    text = _text(good)
    width = text.splitlines()[0].count(",")
    padded = tmp_path / "padded.csv"
    padded.write_text(text + ("," * width + "\n") * 6 + " ,  ," + "," * (width - 2) + "\n\n", encoding="utf-8")
    a, b = tally([good], PERIOD), tally([padded], PERIOD)
    assert a.rows == b.rows and a.summary == b.summary
    assert [i.to_dict() for i in a.issues if i.rule != "dossier_column"] == \
        [i.with_file(str(good)).to_dict() for i in b.issues if i.rule != "dossier_column"]


def test_a_total_or_signature_line_below_a_sheet_is_said_not_counted_as_a_bad_row(tmp_path):
    import openpyxl

    src = write_export(tmp_path / "x.xlsx", 300, 8)
    book = openpyxl.load_workbook(src)
    ws = book.active
    last = ws.max_row
    ws.cell(last + 2, 1, "Tổng cộng: 300 hồ sơ")
    ws.cell(last + 4, 8, "Người lập biểu")
    ws.cell(last + 5, 8, "(Ký, ghi rõ họ tên)")
    footed = tmp_path / "footed.xlsx"
    book.save(footed)
    a, b = tally([src], PERIOD), tally([footed], PERIOD)
    assert a.rows == b.rows and a.summary == b.summary
    notes = [i for i in b.issues if i.rule == "dossier_column" and i.row and i.row > last]
    assert [(i.row, i.found) for i in notes] == [(last + 2, "Tổng cộng: 300 hồ sơ"), (last + 4, "Người lập biểu"),
                                                (last + 5, "(Ký, ghi rõ họ tên)")]
    assert all(i.severity == "info" for i in notes)
    # a broken dossier line (many cells, no status) is still a row left out, not a note
    header, *rows = list(csv.reader(io.StringIO(_text(write_export(tmp_path / "y.csv", 300, 8)))))
    rows[5][header.index("TrangThaiHoSo")] = ""
    broken = tmp_path / "broken.csv"
    with broken.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    assert 7 in {i.row for i in tally([broken], PERIOD).issues if i.rule == "dossier_invalid"}


def test_a_sheet_with_a_header_of_two_rows_counts_as_the_plain_one(tmp_path):
    """"Thời gian" merged over "Tiếp nhận", "Hẹn trả", "Có kết quả", "Trả kết quả": each
    column is named by both rows."""
    import openpyxl

    src = write_export(tmp_path / "x.csv", 400, 9)
    header, *rows = list(csv.reader(io.StringIO(_text(src))))
    dates = {"NgayTiepNhan": "Tiếp nhận", "NgayHenTra": "Hẹn trả", "NgayKetThucXuLy": "Có kết quả",
             "NgayTra": "Trả kết quả"}
    order = [h for h in header if h not in dates] + list(dates)  # the four under one merged cell, last
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["DANH SÁCH HỒ SƠ"])
    first = len(order) - len(dates) + 1
    ws.append([h for h in order[:first - 1]] + ["Thời gian"] + [None] * (len(dates) - 1))
    ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=len(order))
    ws.append([None] * (first - 1) + list(dates.values()))
    for c in range(1, first):
        ws.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
    for r in rows:
        ws.append([r[header.index(h)] for h in order])
    two = tmp_path / "two.xlsx"
    book.save(two)
    a, b = tally([src], PERIOD, by="unit"), tally([two], PERIOD, by="unit")
    assert a.rows == b.rows and a.summary == b.summary
    lines = {i.row for i in b.issues if i.rule == "dossier_invalid"}
    assert lines == {i.row + 2 for i in a.issues if i.rule == "dossier_invalid"}  # a title and one more header row


def _restyle_dates(src: Path, out: Path, fmt) -> None:
    """``src`` with every yyyyMMddHHmmss date written by ``fmt(datetime)``."""
    from datetime import datetime

    header, *rows = list(csv.reader(io.StringIO(_text(src))))
    for r in rows:
        for k, v in enumerate(r):
            if len(v) == 14 and v.isdigit():
                r[k] = fmt(datetime.strptime(v, "%Y%m%d%H%M%S"))
    with out.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])


def test_dates_written_month_first_as_an_english_excel_saves_them_are_read_so_and_said(good, tmp_path):
    us = tmp_path / "us.csv"
    _restyle_dates(good, us, lambda d: f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}")
    vn = tmp_path / "vn.csv"
    _restyle_dates(good, vn, lambda d: f"{d.day:02d}/{d.month:02d}/{d.year} {d.hour:02d}:{d.minute:02d}")
    a, b = tally([vn], PERIOD, by="unit"), tally([us], PERIOD, by="unit")
    assert a.rows == b.rows and a.summary == b.summary
    said = [i for i in b.issues if i.rule == "dossier_column" and "tháng/ngày/năm" in i.message]
    assert {i.field for i in said} >= {"received_at", "deadline"}
    assert not [i for i in a.issues if "tháng/ngày/năm" in i.message]


def test_dates_whose_day_and_month_cannot_be_told_apart_are_read_day_first_and_said(tmp_path):
    rows = [["MaHoSo", "NgayTiepNhan", "TrangThaiHoSo", "TenLinhVuc"]] + \
        [[f"{k}.HS", f"0{1 + k % 9}/03/2024", "4", "Hộ tịch"] for k in range(30)]
    path = tmp_path / "x.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    result = tally([path], PERIOD)
    said = [i for i in result.issues if i.field == "received_at" and "không phân biệt được" in i.message]
    assert len(said) == 1 and result.total["received_new"] == 30  # read 01–09 March, all in the period
