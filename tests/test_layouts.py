"""Other real layouts, and faults planted into real tables: found at the right cell,
nothing invented."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

import seeds
from xl_tthc import check_file, read_tables


def flatten(report):
    return sorted((i.cell, i.rule) for i in report.all_issues)


def quarterly_by_field(path: Path, rows=None) -> Path:
    """A department's quarterly form by field of procedures: two header rows WITHOUT
    merged cells, an italic numbering row, counts typed as text, rates as fractions."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu 01"
    ws.append(["SỞ NỘI VỤ"])
    ws.append(["BÁO CÁO KẾT QUẢ GIẢI QUYẾT TTHC QUÝ I NĂM 2024"])
    ws.append([])
    ws.append(["TT", "Lĩnh vực", "Số hồ sơ tiếp nhận", None, None, "Đã giải quyết", None, None, "Đang giải quyết",
               None, "Tỷ lệ đúng hạn"])
    ws.append([None, None, "Tổng số", "Từ kỳ trước", "Trong kỳ", "Tổng số", "Trước hạn và đúng hạn", "Trễ hạn",
               "Tổng số", "Quá hạn", None])
    ws.append(["(1)", "(2)", "(3)=(4)+(5)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)", "(11)"])
    for c in range(1, 12):
        ws.cell(6, c).font = Font(italic=True)
    data = rows or [
        ("1", "Lĩnh vực Tổ chức biên chế", "1.250", "07", "1.243", "1.200", "1.195", "5", "50", "0", 0.9958),
        ("2", "Lĩnh vực Thi đua khen thưởng", "30", "0", "30", "26", "26", "0", "4", "0", 1),
        ("3", "Lĩnh vực Tôn giáo", "0", "0", "0", "0", "0", "0", "0", "0", None),
    ]
    for r in data:
        ws.append(list(r))
    ws.append([None, "Cộng", "1.280", "07", "1.273", "1.226", "1.221", "5", "54", "0", 0.9959])
    wb.save(path)
    return path


def test_unmerged_two_row_header_by_field(tmp_path):
    path = quarterly_by_field(tmp_path / "q1.xlsx")
    _, (table,) = read_tables(path)
    assert [c.field for c in table.columns] == [
        "stt", "unit", "received", "carried_over", "received_new", "resolved", "resolved_in_time",
        "resolved_late", "pending", "pending_overdue", "ontime_rate"]
    assert table.numbering_row == 5 and table.unit_kind == "field"
    assert table.period.key == "2024-Q1"
    assert table.rows[0].count("received") == 1250 and table.rows[0].count("carried_over") == 7
    assert check_file(path).all_issues == []


def test_planted_faults_in_the_unmerged_layout(tmp_path):
    rows = [
        ("1", "Lĩnh vực Tổ chức biên chế", "1.250", "07", "1.243", "1.200", "1.195", "5", "50", "0", 0.9958),
        ("2", "Lĩnh vực Thi đua khen thưởng", "30", "0", "30", "26", "26", "0", "4", "abc", 0.95),
        ("3", "Lĩnh vực Tôn giáo", "0", "0", "0", "0", "0", "0", "0", "0", None),
    ]
    report = check_file(quarterly_by_field(tmp_path / "faults.xlsx", rows))
    assert flatten(report) == [("J8", "unparseable"), ("K8", "ratio_mismatch")]


FAULTS = {
    # cell -> (value typed, the finding expected there)
    "negative": ("F11", -5, "negative"),
    "float count": ("D12", 1.692, "not_integer"),
    "text": ("K13", "không rõ", "unparseable"),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_faults_planted_in_soc_trang_are_found_at_their_cell(tmp_path, name):
    path = seeds.soc_trang(tmp_path / "st.xlsx")
    cell, value, rule = FAULTS[name]
    wb = openpyxl.load_workbook(path)
    wb["Phụ lục I"][cell] = value
    wb.save(path)
    report = check_file(path, "cutoff-15")
    assert (cell, rule) in flatten(report)
    # a cell that is unusable stops the identities that need it: one fault, one finding
    # (a negative or fractional value is still a number, so its row and the total disagree too)
    # (the info on column O, figures by service level that no field holds, is about the layout)
    rows_hit = {i.row for i in report.all_issues if i.severity != "info"}
    assert rows_hit <= {int(cell[1:]), 26}, flatten(report)


def test_not_integer_suggests_the_thousands(tmp_path):
    path = seeds.soc_trang(tmp_path / "st.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Phụ lục I"]["C12"] = 2.906  # "2.906" typed in an English-locale Excel
    wb.save(path)
    issue = next(i for i in check_file(path).all_issues if i.rule == "not_integer")
    assert issue.cell == "C12" and issue.expected == "2.906" and "2.906" in issue.message


def test_unknown_and_retired_units(tmp_path):
    rows = list(seeds.SOC_TRANG_ROWS)
    rows[11] = ("Sở Tư Phám",) + rows[11][1:]  # a typo for "Sở Tư pháp"
    path = seeds.soc_trang(tmp_path / "units.xlsx", rows=rows)
    wb = openpyxl.load_workbook(path)
    wb["Phụ lục I"]["A2"] = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH THÁNG 06 NĂM 2025"
    wb["Phụ lục I"]["A3"] = None
    wb.save(path)
    results = check_file(path, "cutoff-15").tables[0]
    unknown = [i for i in results.issues if i.rule == "unknown_unit"]
    assert [(i.cell, i.found) for i in unknown] == [("B20", "Sở Tư Phám")]
    assert "Sở Tư pháp" in unknown[0].message
    retired = {i.found: i.expected for i in results.issues if i.rule == "retired_unit"}
    assert retired == {
        "Sở Thông tin và Truyền thông": "Sở Khoa học và Công nghệ",
        "Sở Giao thông vận tải": "Sở Xây dựng",
        "Sở Kế hoạch và Đầu tư": "Sở Tài chính",
        "Sở Lao động - Thương binh và Xã hội": "Sở Nội vụ, Sở Y tế, Sở Giáo dục và Đào tạo",
        "Sở Nông nghiệp và Phát triển nông thôn": "Sở Nông nghiệp và Môi trường",
        "Sở Tài nguyên và Môi trường": "Sở Nông nghiệp và Môi trường",
    }
    # (and the information on column O, figures by service level that no field holds)
    assert {i.rule for i in results.issues} == {"unknown_unit", "retired_unit", "unrecognised_column"}


def test_duplicate_unit_spelled_differently(tmp_path):
    rows = list(seeds.SOC_TRANG_ROWS)
    rows[2] = ("Sở Công thương",) + rows[2][1:]  # already row 2 as "Sở Công Thương"
    path = seeds.soc_trang(tmp_path / "dup.xlsx", rows=rows)
    report = check_file(path, "cutoff-15")
    assert [(i.cell, i.rule) for i in report.all_issues if i.rule == "duplicate_unit"] == [("B11", "duplicate_unit")]


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_other_formats_read_the_same(tmp_path, binh_thuan_xlsx, soc_trang_xlsx, fmt):
    for src in (binh_thuan_xlsx, soc_trang_xlsx):
        subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                        "--convert-to", fmt, "--outdir", str(tmp_path), str(src)],
                       check=True, capture_output=True, timeout=180)
        converted = tmp_path / f"{src.stem}.{fmt}"
        assert flatten(check_file(converted)) == flatten(check_file(src))
