"""Column meaning from the numbers where the header leaves it open: form 06a with its
"resolved" total directly under "Kết quả giải quyết", planted faults found at their row,
nothing invented on the clean file; columns of figures never dropped silently; a
profile naming columns explicitly."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from xl_tthc import check_file
from xl_tthc.domain.profiles import Profile, load_profile
from xl_tthc.read.grid import Sheet
from xl_tthc.read.reader import find_tables
from xl_tthc.rules.table_rules import check_table

# online, offline, carried over, early, on time, late, pending in time, pending overdue
FIELDS_06A = [
    ("Lĩnh vực Hộ tịch", 120, 40, 12, 60, 70, 5, 30, 7),
    ("Lĩnh vực Chứng thực", 300, 210, 0, 400, 90, 0, 20, 0),
    ("Lĩnh vực Đất đai", 85, 160, 44, 90, 80, 22, 50, 47),
    ("Lĩnh vực Xây dựng", 40, 35, 9, 30, 25, 4, 20, 5),
    ("Lĩnh vực Kinh doanh", 210, 12, 3, 150, 50, 1, 20, 4),
    ("Lĩnh vực Giáo dục", 15, 60, 5, 40, 30, 0, 10, 0),
    ("Lĩnh vực Lao động", 33, 27, 6, 20, 30, 2, 10, 4),
]


def _rows_06a(faults: dict | None = None) -> tuple[list[list], list[list]]:
    """The 06a figures: (3) = (4)+(5)+(6); (7) = (8)+(9)+(10); (11) = (12)+(13);
    (3) = (7)+(11); (14) = ((8)+(9))/(7) in %, two decimals.  ``faults`` maps a row
    number (0-based among the units, or "total") to {column letter: delta or value}."""
    faults = faults or {}
    units = []
    for i, (name, online, offline, carried, early, on_time, late, p_in, p_over) in enumerate(FIELDS_06A):
        received = online + offline + carried
        resolved = early + on_time + late
        assert received == resolved + p_in + p_over, name
        cells = {"C": received, "D": online, "E": offline, "F": carried, "G": resolved, "H": early, "I": on_time,
                 "J": late, "K": p_in + p_over, "L": p_in, "M": p_over}
        rate = round((early + on_time) / resolved * 100, 2)
        for col, change in faults.get(i, {}).items():
            if col == "N":
                rate = change
            else:
                cells[col] += change
        stated = "" if rate is None else f"{rate:.2f}".replace(".", ",")
        units.append([i + 1, name, *[cells[c] for c in "CDEFGHIJKLM"], stated])
    total = [None, "Tổng cộng", *[sum(r[k] for r in units) for k in range(2, 13)]]
    for col, change in faults.get("total", {}).items():
        total["ABCDEFGHIJKLM".index(col)] += change
    g, h, i = total[6], total[7], total[8]
    total.append(f"{(h + i) / g * 100:.2f}".replace(".", ",") if g else "")
    return units, [total]


def write_06a(path: Path, faults: dict | None = None) -> Path:
    """Form 06a as a one-stop system prints it, with "Kết quả giải quyết / Tổng số"
    directly (no "Số hồ sơ đã giải quyết" above the resolved total)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "06a"
    ws.append(["Biểu số II.06a/VPCP/KSTT"])
    ws.append(["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"])
    ws.append(["Kỳ báo cáo: Quý I năm 2024"])
    ws.append(["Đơn vị tính: Số hồ sơ TTHC"])
    ws.append(["STT", "Lĩnh vực, công việc giải quyết theo cấp", "Số hồ sơ nhận giải quyết", None, None, None,
               "Kết quả giải quyết", None, None, None, None, None, None, "Tỷ lệ giải quyết đúng hạn (%)"])
    ws.append([None, None, "Tổng số", "Trong đó", None, None, "Tổng số", "Số hồ sơ đã giải quyết", None, None,
               "Số hồ sơ đang giải quyết"])
    ws.append([None, None, None, "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước", None, "Trước hạn",
               "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"])
    ws.append([f"({k})" for k in range(1, 15)])
    units, total = _rows_06a(faults)
    for r in units + total:
        ws.append(r)
    for rng in ("A5:A7", "B5:B7", "C5:F5", "G5:M5", "N5:N7", "C6:C7", "D6:F6", "G6:G7", "H6:J6", "K6:M6"):
        ws.merge_cells(rng)
    wb.save(path)
    return path


def test_06a_resolved_total_is_read_from_the_numbers(tmp_path):
    report = check_file(write_06a(tmp_path / "06a.xlsx"))
    (t,) = report.tables
    assert t.table.column("resolved").letter == "G"
    assert [(i.cell, i.rule, i.severity) for i in report.all_issues] == [("G7", "column_evidence", "info")]
    msg = report.all_issues[0].message
    assert msg.startswith("Cột G (\"Kết quả giải quyết / Tổng số\") được hiểu là Đã giải quyết: bằng H+I+J ở 8/8 dòng")
    assert "C = G+K ở 8/8 dòng" in msg


PLANTED = {
    # row among the units (or "total"), the change, the rule expected there and its column
    "total row": ("total", {"G": 5}, "total_row", "G"),
    # resolved typed 3 higher, received and online with it (so only the resolved identity breaks)
    "resolved identity": (1, {"G": 3, "C": 3, "D": 3}, "resolved_total", "G"),
    "stale on-time rate": (2, {"N": 91.5}, "ratio_mismatch", "N"),
    "balance": (3, {"K": 2, "M": 2}, "balance", "C"),
    "received identity": (4, {"D": 7}, "received_total", "C"),
}


def test_06a_planted_faults_each_found_at_its_row(tmp_path):
    faults = {where: change for where, change, _, _ in PLANTED.values()}
    report = check_file(write_06a(tmp_path / "faults.xlsx", faults))
    errors = [i for i in report.all_issues if i.severity == "error"]
    rows = {where: (len(FIELDS_06A) + 9 if where == "total" else where + 9) for where in faults}
    for name, (where, _, rule, col) in PLANTED.items():
        assert (f"{col}{rows[where]}", rule) in [(i.cell, i.rule) for i in errors], name
    # nothing at any other row; the resolved-identity row's stated rate is stale too (G changed)
    assert {i.row for i in errors} == set(rows.values())
    assert not [i for i in report.all_issues if i.severity == "warning"]


def test_each_06a_fault_alone(tmp_path):
    """One fault at a time: it is found, and nothing else is at error level but the
    same identity on the total row, which adds the faulty unit row up faithfully."""
    total = len(FIELDS_06A) + 9
    for name, (where, change, rule, col) in PLANTED.items():
        report = check_file(write_06a(tmp_path / f"{rule}.xlsx", {where: change}))
        row = total if where == "total" else where + 9
        errors = {(i.cell, i.rule) for i in report.all_issues if i.severity == "error"}
        assert (f"{col}{row}", rule) in errors, (name, errors)
        assert {int(c[1:]) for c, r in errors if r != rule or int(c[1:]) != total} <= {row}, (name, errors)


def _sheet(rows, merged=()):
    width = max(len(r) for r in rows)
    return Sheet("Sheet1", [[("" if v is None else v) for v in r] + [""] * (width - len(r)) for r in rows],
                 list(merged))


def _read(rows, profile=Profile(), merged=()):
    tables = find_tables(_sheet(rows, merged), "x.xlsx", columns=profile.columns)
    return tables, [check_table(t, profile) for t in tables]


UNKNOWN = [["STT", "Tên đơn vị", "Tiếp nhận", "Số liệu A", "Trước hạn", "Đúng hạn", "Quá hạn"],
           [1, "Sở Tư pháp", 100, 90, 50, 30, 10],
           [None, "Tổng cộng", 100, 90, 50, 30, 10]]


def test_a_column_nothing_can_name_is_a_warning_with_candidates_and_the_rules_it_costs():
    rows = [UNKNOWN[0], [1, "Sở Tư pháp", 100, 91, 50, 30, 10], [None, "Tổng cộng", 100, 91, 50, 30, 10]]
    (t,), (issues,) = _read(rows)
    assert t.column("resolved") is None
    unrec = [i for i in issues if i.rule == "unrecognised_column"]
    assert [(i.cell, i.severity) for i in unrec] == [("D1", "warning")]
    assert "Cột D (\"Số liệu A\")" in unrec[0].message and "gần nhất" in unrec[0].message
    assert unrec[0].expected.split(", ")[0] == "resolved"
    assert 'columns = {"D" = "resolved"}' in unrec[0].message
    counted = [i for i in issues if i.rule == "not_evaluated"]
    assert [i.column for i in counted] == ["D"]
    assert "quy tắc không kiểm tra được vì thiếu cột" in counted[0].message


def test_the_numbers_name_a_column_and_its_faults_are_then_found():
    units = [[1, "Sở Tư pháp", 100, 90, 50, 30, 10], [2, "Sở Y tế", 60, 55, 20, 30, 5],
             [3, "Sở Xây dựng", 30, 28, 10, 10, 6], [4, "Sở Nội vụ", 20, 20, 10, 10, 0],
             [5, "Sở Công Thương", 45, 40, 30, 9, 1]]
    total = [None, "Tổng cộng", *[sum(u[k] for u in units) for k in range(2, 7)]]
    (t,), (issues,) = _read([UNKNOWN[0], *units, total])
    assert t.column("resolved").letter == "D"
    # the faulty row, and the total row that adds it up faithfully
    assert [(i.cell, i.rule) for i in issues if i.severity != "info"] == [("D4", "resolved_total"),
                                                                          ("D7", "resolved_total")]
    info = next(i for i in issues if i.rule == "column_evidence")
    assert "bằng E+F+G ở 4/6 dòng" in info.message


def test_a_profile_names_a_column_nothing_can_infer(tmp_path):
    profile_file = tmp_path / "p.toml"
    profile_file.write_text('columns = {"D" = "resolved"}\n', encoding="utf-8")
    profile = load_profile(str(profile_file))
    assert profile.columns == (("D", "resolved"),)
    rows = [UNKNOWN[0], [1, "Sở Tư pháp", 100, 91, 50, 30, 10], [None, "Tổng cộng", 100, 91, 50, 30, 10]]
    (t,), (issues,) = _read(rows, profile)
    assert t.column("resolved").letter == "D"
    assert [(i.cell, i.rule) for i in issues] == [("D2", "resolved_total"), ("D3", "resolved_total")]
    by_text = tmp_path / "q.json"
    by_text.write_text(json.dumps({"columns": {"Số liệu A": "resolved"}}), encoding="utf-8")
    (t,), _ = _read(rows, load_profile(str(by_text)))
    assert t.column("resolved").letter == "D"


def test_a_profile_with_an_unknown_field_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('columns = {"D" = "resolvd"}\n', encoding="utf-8")
    try:
        load_profile(str(bad))
    except ValueError as e:
        assert "resolvd" in str(e) and "resolved" in str(e)
    else:
        raise AssertionError("accepted an unknown field")


def test_a_bare_header_the_numbers_contradict_is_read_by_the_numbers():
    rows = [["STT", "Tên đơn vị", "Tiếp nhận", "Đã giải quyết", "Đang giải quyết", "Trong hạn", "Quá hạn"],
            [1, "Sở Tư pháp", 100, 80, 20, 15, 5],
            [2, "Sở Y tế", 60, 50, 10, 4, 6],
            [None, "Tổng cộng", 160, 130, 30, 19, 11]]
    (t,), (issues,) = _read(rows)
    assert t.column("pending_overdue").letter == "G" and t.column("resolved_late") is None
    assert [(i.rule, i.severity, i.column) for i in issues] == [("column_evidence", "info", "G")]
    assert "bằng F+G" not in issues[0].message and "E = F+G ở 3/3 dòng" in issues[0].message


def test_no_identity_at_all_is_said():
    rows = [["STT", "Tên đơn vị", "Trực tuyến", "Đúng hạn"], [1, "Sở Tư pháp", 10, 9], [2, "Sở Y tế", 5, 4]]
    _, (issues,) = _read(rows)
    assert [(i.rule, i.severity) for i in issues] == [("not_evaluated", "warning")]
    assert "không có đẳng thức nào kiểm tra được" in issues[0].message


def test_a_stated_ratio_without_its_denominator_is_counted():
    rows = [["STT", "Tên đơn vị", "Tiếp nhận", "Trước hạn", "Tỷ lệ đúng hạn (%)"],
            [1, "Sở Tư pháp", 10, 9, "90,00"], [None, "Tổng cộng", 10, 9, "90,00"]]
    _, (issues,) = _read(rows)
    counted = [i for i in issues if i.rule == "not_evaluated" and i.field]
    assert [i.message for i in counted] == [
        "1 quy tắc không kiểm tra được vì thiếu cột Giải quyết đúng hạn, Đã giải quyết."]


def test_figures_that_contradict_the_header_are_a_warning():
    # a bare "Quá hạn" reads as resolved late, but resolved = early + on time on every row
    # while pending = "Còn hạn" + this column on every row: it is the pending overdue
    rows = [["STT", "Tên đơn vị", "Đã giải quyết", "Trước hạn", "Đúng hạn", "Quá hạn", "Đang giải quyết", "Còn hạn"],
            [1, "Sở Tư pháp", 90, 60, 30, 4, 20, 16],
            [2, "Sở Y tế", 50, 20, 30, 2, 10, 8],
            [None, "Tổng cộng", 140, 80, 60, 6, 30, 24]]
    (t,), (issues,) = _read(rows)
    assert t.column("pending_overdue").letter == "F" and t.column("resolved_late") is None
    assert [(i.cell, i.rule, i.severity) for i in issues] == [("F1", "column_evidence", "warning")]
    assert "tiêu đề gợi ý Giải quyết quá hạn nhưng số liệu cho thấy là Đang giải quyết quá hạn" in issues[0].message
    assert "G = H+F ở 3/3 dòng" in issues[0].message


def test_a_heading_inside_the_header_band_belongs_to_no_column():
    rows = [["STT", "Tên đơn vị", "Đã giải quyết", None, None],
            ["Đơn vị tính: hồ sơ"],
            [None, None, "Tổng số", "Đúng hạn", "Trễ hạn"],
            [1, "Sở Tư pháp", 10, 9, 1],
            [None, "Tổng cộng", 10, 9, 1]]
    (t,), (issues,) = _read(rows, merged=[(0, 2, 0, 4), (1, 0, 1, 4)])
    # ("Đúng hạn" with no "Trước hạn" beside it, and 10 = 9 + 1: in time, as the numbers say)
    assert [c.field for c in t.columns] == ["stt", "unit", "resolved", "resolved_in_time", "resolved_late"]
    assert t.header_rows == [0, 2] and [i.rule for i in issues] == ["column_evidence"]


def test_a_bare_rate_column_is_named_by_the_ratio_it_states():
    rows = [["STT", "Tên đơn vị", "Đã giải quyết", "Trước hạn và đúng hạn", "Trễ hạn", "Tỷ lệ (%)"],
            [1, "Sở Tư pháp", 40, 39, 1, "97,50"],
            [2, "Sở Y tế", 30, 27, 3, "90,00"],
            [None, "Tổng cộng", 70, 66, 4, "94,29"]]
    (t,), (issues,) = _read(rows)
    assert t.column("ontime_rate").letter == "F"
    assert [(i.rule, i.severity) for i in issues] == [("column_evidence", "info")]
    assert "bằng D/C ở 3/3 dòng" in issues[0].message


def test_a_bare_total_column_is_named_by_its_parts():
    rows = [["STT", "Tên đơn vị", "Tổng", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Đã giải quyết"],
            [1, "Sở Tư pháp", 40, 30, 10, 38],
            [2, "Sở Y tế", 30, 12, 18, 30],
            [None, "Tổng cộng", 70, 42, 28, 68]]
    (t,), (issues,) = _read(rows)
    assert t.column("received_new").letter == "C"
    assert [(i.rule, i.severity) for i in issues] == [("column_evidence", "info")]


def test_an_identity_broken_on_every_row_doubts_the_header():
    # "Tổng số" under "Hồ sơ tiếp nhận" here holds the new dossiers only: received_total
    # fails on every row, which is said once as a doubt about the columns
    rows = [["STT", "Tên đơn vị", "Hồ sơ tiếp nhận", None, None, "Đã giải quyết"],
            [None, None, "Tổng số", "Kỳ trước", "Trong kỳ", None],
            [1, "Sở Tư pháp", 40, 5, 40, 30],
            [2, "Sở Y tế", 30, 2, 30, 30],
            [3, "Sở Xây dựng", 20, 1, 20, 18],
            [None, "Tổng cộng", 90, 8, 90, 78]]
    _, (issues,) = _read(rows, merged=[(0, 2, 0, 4)])
    doubt = [i for i in issues if i.rule == "column_evidence"]
    assert [(i.severity, i.column) for i in doubt] == [("warning", "C")]
    assert doubt[0].message.startswith("C = D+E sai ở cả 3 dòng")
    assert sum(1 for i in issues if i.rule == "received_total") == 4


def test_what_the_numbers_decided_is_remembered_per_layout(tmp_path):
    from xl_tthc.read import reader

    reader._DECIDED.clear()
    check_file(write_06a(tmp_path / "a.xlsx"))
    assert list(reader._DECIDED.values()) == [{6: "resolved"}]
    # the next file of the layout confirms it (its own rows, its own counts in the message)
    report = check_file(write_06a(tmp_path / "b.xlsx", {1: {"G": 3, "C": 3, "D": 3}}))
    assert report.tables[0].table.column("resolved").letter == "G"
    assert "bằng H+I+J ở 6/8 dòng" in report.all_issues[0].message


def test_on_time_without_early_is_in_time_when_the_numbers_say_so():
    rows = [["STT", "Tên đơn vị", "Đã giải quyết", None, None, "Tỷ lệ đúng hạn (%)"],
            [None, None, "Tổng số", "Đúng hạn", "Trễ hạn", None],
            [1, "Sở Tư pháp", 40, 39, 1, "97,50"],
            [2, "Sở Y tế", 30, 27, 3, "90,00"],
            [None, "Tổng cộng", 70, 66, 4, "94,29"]]
    (t,), (issues,) = _read(rows, merged=[(0, 2, 0, 4), (0, 5, 1, 5), (0, 0, 1, 0), (0, 1, 1, 1)])
    assert t.column("resolved_in_time").letter == "D"
    assert [(i.rule, i.severity) for i in issues] == [("column_evidence", "info")]
    assert "C = D+E ở 3/3 dòng" in issues[0].message


def test_the_cli_takes_the_columns_of_a_profile_file(tmp_path):
    from click.testing import CliRunner

    from xl_tthc.cli import cli

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [UNKNOWN[0], [1, "Sở Tư pháp", 100, 91, 50, 30, 10], [None, "Tổng cộng", 100, 91, 50, 30, 10]]:
        ws.append(r)
    wb.save(tmp_path / "u.xlsx")
    (tmp_path / "p.toml").write_text('columns = {"D" = "resolved"}\n', encoding="utf-8")
    plain = CliRunner().invoke(cli, ["check", str(tmp_path / "u.xlsx"), "--json"])
    named = CliRunner().invoke(cli, ["check", str(tmp_path / "u.xlsx"), "--json", "--profile",
                                     str(tmp_path / "p.toml")])
    assert plain.exit_code == 0 and named.exit_code == 1
    (t,) = json.loads(named.output)["files"][0]["tables"]
    assert t["columns"]["D"] == "resolved"
    assert sorted(i["rule"] for i in t["issues"]) == ["resolved_total", "resolved_total"]
    (t,) = json.loads(plain.output)["files"][0]["tables"]
    assert "D" not in t["columns"] and {i["rule"] for i in t["issues"]} == {"unrecognised_column", "not_evaluated"}


def test_shares_stated_over_received_are_a_convention():
    rows = [["STT", "Tên đơn vị", "Tiếp nhận", "Đã giải quyết", None, None, None],
            [None, None, None, "Tổng số", "Trước hạn và đúng hạn", None, "Trễ hạn"],
            [None, None, None, None, "Số lượng", "Tỷ lệ (%)", None],
            [1, "Sở Tư pháp", 100, 80, 78, "78,00", 2],
            [2, "Sở Y tế", 50, 50, 45, "90,00", 5],
            [None, "Tổng cộng", 150, 130, 123, "82,00", 7]]
    merged = [(0, 3, 0, 6), (1, 4, 1, 5), (1, 3, 2, 3), (1, 6, 2, 6), (0, 0, 2, 0), (0, 1, 2, 1), (0, 2, 2, 2)]
    (t,), (issues,) = _read(rows, merged=merged)
    assert t.column("share:resolved_in_time").letter == "F"
    assert [(i.rule, i.severity) for i in issues] == [("denominator_convention", "info")]
    assert "được tính trên Tiếp nhận mới (không phải Đã giải quyết)" in issues[0].message


def test_a_department_with_nothing_to_report_keeps_the_layouts_reading(tmp_path):
    from xl_tthc.read import reader

    zeros = {}  # every figure taken back to 0: a department with nothing this period
    for i, (name, on, off, car, e, o, late, p_in, p_over) in enumerate(FIELDS_06A):
        zeros[i] = {"C": -(on + off + car), "D": -on, "E": -off, "F": -car, "G": -(e + o + late), "H": -e,
                    "I": -o, "J": -late, "K": -(p_in + p_over), "L": -p_in, "M": -p_over, "N": None}
    # alone: only the header can say, and "Kết quả giải quyết / Tổng số" leaves only resolved
    reader._DECIDED.clear()
    report = check_file(write_06a(tmp_path / "zero.xlsx", zeros))
    assert report.tables[0].table.column("resolved").letter == "G"
    assert [(i.rule, i.severity) for i in report.all_issues] == [("column_evidence", "info")]
    assert "theo tiêu đề" in report.all_issues[0].message
    # after a file of the layout with figures: as that file read it
    check_file(write_06a(tmp_path / "full.xlsx"))
    report = check_file(write_06a(tmp_path / "zero2.xlsx", zeros))
    assert "như ở các tệp cùng mẫu" in report.all_issues[0].message
