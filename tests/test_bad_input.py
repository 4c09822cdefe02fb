"""Bad input gets a clear, positioned, one-line message, and loses nothing."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import openpyxl
from msoffcrypto.format.ooxml import OOXMLFile
import pytest
from click.testing import CliRunner

import seeds
from xl_tthc import check_file
from xl_tthc.cli import cli


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture()
def bad_files(tmp_path, binh_thuan_xlsx):
    files = {}
    files["empty"] = tmp_path / "empty.xlsx"
    files["empty"].write_bytes(b"")
    good = binh_thuan_xlsx.read_bytes()
    files["corrupt"] = tmp_path / "corrupt.xlsx"
    files["corrupt"].write_bytes(good[: len(good) // 2])
    files["text"] = tmp_path / "notes.xlsx"
    files["text"].write_text("Tên đơn vị;Đã tiếp nhận\nSở Y tế;5\n", encoding="utf-8")
    files["locked"] = tmp_path / "locked.xlsx"
    with binh_thuan_xlsx.open("rb") as f, files["locked"].open("wb") as out:
        OOXMLFile(f).encrypt("matkhau", out)  # Excel's "Encrypt with password" (agile encryption)
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Danh sách cán bộ"
    wb.active["A2"] = "Nguyễn Văn A"
    files["no_table"] = tmp_path / "no_table.xlsx"
    wb.save(files["no_table"])
    return files


@pytest.mark.parametrize("kind, words", [
    ("empty", "rỗng"),
    ("corrupt", "hỏng"),
    ("text", "không phải tệp Excel"),
    ("locked", "mật khẩu"),
])
def test_unreadable_files_become_a_reason_not_a_crash(bad_files, kind, words):
    report = check_file(bad_files[kind])
    assert report.error is not None
    assert words in report.error.text("vi")
    assert "\n" not in report.error.text("vi")
    assert report.to_dict() == {"path": str(bad_files[kind]), "error": report.error.text("vi")}


def test_no_table_is_a_positioned_finding(bad_files):
    report = check_file(bad_files["no_table"])
    assert report.error is None
    assert [(i.rule, i.severity) for i in report.all_issues] == [("no_table", "error")]


def test_cli_checks_the_good_files_among_bad_ones_and_never_writes_inputs(bad_files, binh_thuan_xlsx,
                                                                          soc_trang_xlsx):
    paths = [binh_thuan_xlsx, *bad_files.values(), soc_trang_xlsx]
    before = {p: sha(p) for p in paths}
    result = CliRunner().invoke(cli, ["check", "--json", *map(str, paths)])
    assert result.exit_code == 2, result.output
    data = json.loads(result.output)
    by_path = {f["path"]: f for f in data["files"]}
    assert len(by_path[str(binh_thuan_xlsx)]["tables"][0]["issues"]) == 4
    assert by_path[str(soc_trang_xlsx)]["tables"][0]["units"][0] == "Sở Thông tin và Truyền thông"
    for kind in ("empty", "corrupt", "text", "locked"):
        assert "error" in by_path[str(bad_files[kind])]
    assert {p: sha(p) for p in paths} == before


def test_formula_error_in_a_count_cell(tmp_path):
    path = seeds.binh_thuan(tmp_path / "err.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active["D10"] = "#DIV/0!"  # openpyxl stores this as an error cell
    wb.save(path)
    report = check_file(path)
    err = [i for i in report.all_issues if i.rule == "formula_error"]
    assert [(i.cell, i.severity, i.found) for i in err] == [("D10", "error", "#DIV/0!")]
    assert "#DIV/0!" in err[0].message


def test_merged_cells_everywhere(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 60, 2):
        for c in range(1, 20, 3):
            ws.cell(r, c, "Tên đơn vị" if (r + c) % 7 == 0 else "x")
            ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c + 2)
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    report = check_file(path)
    assert report.error is None
    assert [i.rule for i in report.all_issues] == ["no_table"]


def _big_xlsx(path: Path, rows: int) -> None:
    """A ~50 MB workbook: the Bình Thuận table on top of a long data sheet, written
    directly as stored (uncompressed) XML so the test stays fast."""
    src = seeds.binh_thuan(path.with_name("small.xlsx"))
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    filler = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Nhật ký {r}</t></is></c>'
        + "".join(f'<c r="{col}{r}"><v>{r * 7 % 1000}</v></c>' for col in "BCDEFGHIJKLMNOPQRST")
        + "</row>" for r in range(40, 40 + rows))
    sheet = sheet.replace("</sheetData>", filler + "</sheetData>")
    sheet = sheet.replace('<dimension ref="A1:G27"/>', f'<dimension ref="A1:T{40 + rows}"/>')
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def test_a_50_mb_file_is_checked(tmp_path):
    path = tmp_path / "big.xlsx"
    _big_xlsx(path, 92_000)
    assert path.stat().st_size > 50 * 1024**2
    report = check_file(path)
    assert report.error is None
    assert len(report.tables[0].table.rows) == 20
    assert sorted(i.cell for i in report.all_issues) == ["G10", "G12", "G24", "G7"]
