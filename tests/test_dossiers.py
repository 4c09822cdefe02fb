"""Dossier exports tallied on DuckDB: the counts equal an independent plain-Python
reading (tests/dossier_oracle.py) for every unit, field, period and convention, in every
spelling and format; the written workbook is clean under ``check``; ``reconcile`` finds
exactly the cells typed over; every left-out row is an Issue at its file and row."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from click.testing import CliRunner

import dossier_oracle as oracle
from xl_tthc.cli import cli
from xl_tthc.dossiers import reconcile, tally, write_tally
from xl_tthc.dossiers.generate import write_export
from xl_tthc.dossiers.schema import DossierFrame, _frame_failures
from xl_tthc.dossiers.source import DossierError, connect, open_exports
from xl_tthc.rules.check import check_file

N, SEED = 6000, 7
COUNTED = ("carried_over", "received_new", "received", "received_online", "received_offline", "resolved",
           "resolved_early", "resolved_on_time", "resolved_late", "pending", "pending_in_time", "pending_overdue",
           "returned")


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    d = tmp_path_factory.mktemp("exports")
    paths = {
        "portal.csv": write_export(d / "portal.csv", N, SEED, bad_rate=0.01),
        "vi.csv": write_export(d / "vi.csv", N, SEED, style="vi", bad_rate=0.01),
        "codes.csv": write_export(d / "codes.csv", N, SEED, style="codes", bad_rate=0.01),
        "typed.parquet": write_export(d / "typed.parquet", N, SEED, bad_rate=0.01),
        "vi.xlsx": write_export(d / "vi.xlsx", N, SEED, style="vi", bad_rate=0.01),
    }
    return d, paths


@pytest.fixture(scope="module")
def truth(exports):
    return oracle.read_rows(exports[1]["portal.csv"])


CONVENTIONS = [
    # (period, profile, start, end, oracle options)
    ("2024-03", None, date(2024, 3, 1), date(2024, 3, 31), {}),
    ("2024-Q1", None, date(2024, 1, 1), date(2024, 3, 31), {}),
    ("2024-06", "returned-beside", date(2024, 6, 1), date(2024, 6, 30), {"returned_in_resolved": False}),
    ("2024-03", "cutoff-14", date(2024, 2, 15), date(2024, 3, 14), {}),
    ("2024-Q2", "cutoff-14", date(2024, 3, 15), date(2024, 6, 14), {}),
    ("2024-05", "qd766", date(2024, 5, 1), date(2024, 5, 31),
     {"timestamp": True, "supplement": True, "repeat_late": True, "waiting_in_time": False}),
]


@pytest.mark.parametrize("by", ["field", "unit"])
@pytest.mark.parametrize("period, profile, start, end, options", CONVENTIONS)
def test_counts_equal_an_independent_reading(exports, truth, by, period, profile, start, end, options):
    rows, _ = truth
    expected = oracle.count(rows, start, end, by, **options)
    result = tally([exports[1]["portal.csv"]], period, by=by, profile=profile)
    assert (result.period.start, result.period.end) == (start, end)
    got = {r["unit"]: {f: r[f] for f in COUNTED} for r in result.rows}
    assert got == {k: {f: v[f] for f in COUNTED} for k, v in expected.items()}
    paid = {r["unit"]: d["paid_online"] for r, d in zip(result.rows, result.digital)}
    assert paid == {k: v["paid"] for k, v in expected.items()}
    assert result.total == {f: sum(r[f] for r in result.rows) for f in result.total}


@pytest.mark.parametrize("name", ["vi.csv", "codes.csv", "typed.parquet", "vi.xlsx"])
def test_every_spelling_and_format_counts_the_same(exports, name):
    base = tally([exports[1]["portal.csv"]], "2024-Q1", by="unit")
    other = tally([exports[1][name]], "2024-Q1", by="unit")
    assert other.rows == base.rows and other.summary == base.summary
    assert len(other.issues) >= base.summary["bad"]


def test_every_left_out_row_is_an_issue_at_its_file_and_row(exports, truth):
    _, bad_lines = truth
    path = exports[1]["portal.csv"]
    result = tally([path], "2024-03")
    invalid = [i for i in result.issues if i.rule == "dossier_invalid"]
    assert {i.row for i in invalid} == bad_lines and result.summary["bad"] == len(bad_lines) > 20
    assert all(i.file == str(path) and i.column and i.message for i in invalid)
    kinds = {i.message.split(" ")[0] for i in invalid}
    assert len(kinds) >= 5  # dates, status, channel, deadline, end, duplicates, missing end
    assert result.summary["counted"] + result.summary["bad"] + result.summary["never_received"] == N


def test_the_contract_judges_the_whole_frame_as_the_sql_selection(exports, tmp_path):
    """pandera over every row (a small export) fails exactly the rows DuckDB selects."""
    con = connect("512MB")
    open_exports(con, [exports[1]["vi.csv"]], tmp_path)
    from xl_tthc.dossiers.counting import BAD_ROW_COLUMNS, DUPLICATES_SQL, FROM_SQL, bad_sql
    from xl_tthc.dossiers.schema import CONTRACT_COLUMNS
    from xl_tthc.dossiers.tally import _typed

    con.execute(DUPLICATES_SQL)
    columns = ", ".join(f"{sql} AS {name}" for name, sql in BAD_ROW_COLUMNS)
    df = _typed(con.execute(f"SELECT {columns}, {bad_sql()} AS selected {FROM_SQL} ORDER BY d.row").df())
    failed = _frame_failures(df.drop(columns="selected"))
    assert set(failed) == set(_frame_failures(df[[c for c in CONTRACT_COLUMNS]]))  # what failures() validates
    assert set(failed) == set(df.index[df["selected"]]) and failed
    assert DossierFrame.__name__ == "DossierFrame"


def test_hive_partitioned_national_export_tallies_into_todays_provinces(tmp_path):
    root = write_export(tmp_path / "national", 3000, 3, partition=True)
    assert any(unquote(p.name) == "tinh=Bình Thuận" for p in root.iterdir())  # DuckDB quotes the folder names
    by_province = tally([root], "2024-Q1", by="province")
    assert [r["unit"] for r in by_province.rows] == ["tỉnh Lâm Đồng"]  # Bình Thuận, Đắk Nông merged into it
    flat = tally([write_export(tmp_path / "flat.parquet", 3000, 3)], "2024-Q1", by="field")
    assert by_province.total == flat.total
    one = tally([root], "2024-Q1", by="unit", province="Bình Thuận")
    assert one.total == flat.total


def test_a_unit_named_with_its_old_province_is_understood(tmp_path):
    src = write_export(tmp_path / "a.csv", 800, 5)
    text = src.read_text(encoding="utf-8").replace(",Sở Tư pháp,", ",Sở Tư pháp tỉnh Bình Thuận,")
    renamed = tmp_path / "b.csv"
    renamed.write_text(text, encoding="utf-8")
    a, b = tally([src], "2024-03", by="unit"), tally([renamed], "2024-03", by="unit")
    assert a.rows == b.rows and "Sở Tư pháp" in [r["unit"] for r in b.rows]


def test_unknown_columns_are_reported_and_a_mapping_names_them(tmp_path):
    src = write_export(tmp_path / "a.csv", 500, 2)
    text = src.read_text(encoding="utf-8").replace("MaHoSo,", "Số BN,", 1)
    other = tmp_path / "b.csv"
    other.write_text(text, encoding="utf-8")
    unmapped = tally([other], "2024-03")
    assert any(i.rule == "dossier_column" and i.found == "Số BN" for i in unmapped.issues)
    mapped = tally([other], "2024-03", mapping={"Số BN": "dossier_id"})
    assert mapped.rows == tally([src], "2024-03").rows
    assert not any(i.found == "Số BN" for i in mapped.issues)


def test_a_missing_column_is_a_clear_error(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("MaHoSo,TrangThaiHoSo,DonViXuLy\n1,10,Sở Tư pháp\n", encoding="utf-8")
    with pytest.raises(DossierError) as e:
        tally([src], "2024-03")
    assert "NgayTiepNhan" in e.value.text("vi") and str(src) in e.value.text("vi")


def test_the_workbook_is_clean_under_check_and_reconcile_finds_three_typed_cells(exports, tmp_path):
    path = exports[1]["portal.csv"]
    for by in ("field", "unit"):
        out = tmp_path / f"{by}.xlsx"
        result = tally([path], "2024-03", by=by)
        write_tally(result, out)
        report = check_file(out)
        assert report.error is None and report.tables and report.all_issues == [], report.all_issues
        assert report.tables[0].table.form == "results"
        clean = reconcile([path], out, "2024-03")
        assert [i for i in clean.issues if i.rule == "reconcile_mismatch"] == [] and clean.compared > 100
    typed = tmp_path / "typed.xlsx"
    shutil.copy(tmp_path / "field.xlsx", typed)
    wb = openpyxl.load_workbook(typed)
    ws = wb.worksheets[0]
    layout_first = next(r for r in range(1, 40) if ws.cell(r, 1).value == 1)
    cells = [(layout_first, 4), (layout_first + 2, 9), (layout_first + 5, 13)]  # carried over, early, in time
    for r, c in cells:
        ws.cell(r, c).value = (ws.cell(r, c).value or 0) + 7
    wb.save(typed)
    found = reconcile([path], typed, "2024-03")
    mismatches = [i for i in found.issues if i.rule == "reconcile_mismatch"]
    assert sorted((i.row, i.column) for i in mismatches) == sorted(
        (r, openpyxl.utils.get_column_letter(c)) for r, c in cells)
    assert all("bảng ghi" in i.message and "dữ liệu hồ sơ cho" in i.message for i in mismatches)


def test_units_on_one_side_only_are_reported(exports, tmp_path):
    path = exports[1]["portal.csv"]
    out = tmp_path / "u.xlsx"
    write_tally(tally([path], "2024-03", by="unit"), out)
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    r = next(r for r in range(1, 40) if ws.cell(r, 2).value == "Sở Y tế")
    ws.cell(r, 2).value = "Sở Ngoại vụ"
    wb.save(out)
    issues = reconcile([path], out, "2024-03").issues
    keys = {(i.unit, i.message.split(" ")[0]) for i in issues if i.rule == "reconcile_mismatch"}
    assert ("Sở Ngoại vụ", "Đơn") in keys and ("Sở Y tế", "Dữ") in keys


def test_cli_tally_and_reconcile(exports, tmp_path):
    path = exports[1]["portal.csv"]
    out = tmp_path / "t.xlsx"
    res = CliRunner().invoke(cli, ["tally", str(path), "--period", "2024-03", "-o", str(out), "--json"])
    assert res.exit_code == 1, res.output  # the planted bad rows are error-level findings
    data = json.loads(res.output)
    assert data["rows"] and data["total"]["received"] == sum(r["received"] for r in data["rows"])
    assert data["summary"]["bad"] > 0 and any(i["rule"] == "dossier_invalid" for i in data["issues"])
    again = CliRunner().invoke(cli, ["tally", str(path), "--period", "2024-03", "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    rec = CliRunner().invoke(cli, ["reconcile", str(path), str(out), "--period", "2024-03", "--json"])
    assert rec.exit_code == 0, rec.output
    assert json.loads(rec.output)["mismatches"] == 0
    bad = CliRunner().invoke(cli, ["tally", str(path), "--period", "tháng mười", "-o", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2 and "kỳ báo cáo" in bad.output
    en = CliRunner().invoke(cli, ["reconcile", str(path), str(out), "--period", "2024-04", "--lang", "en"])
    assert en.exit_code == 1 and "the dossier data gives" in en.output


def test_the_shipped_sample_export_tallies(tmp_path):
    sample = Path(__file__).resolve().parents[1] / "workbooks" / "samples" / "ho-so"
    result = tally([sample], "2024-03", by="unit")
    assert result.rows and result.summary["bad"] > 0


def test_the_committed_sample_equals_generated_and_consolidate_ignores_it(tmp_path):
    from xl_tthc.consolidate.consolidation import collect_inputs
    from xl_tthc.dossiers.generate import SAMPLE, write_sample

    committed = Path(__file__).resolve().parents[1] / "workbooks" / "samples"
    fresh = write_sample(tmp_path)
    assert fresh.read_bytes() == (committed / "ho-so" / SAMPLE).read_bytes(), \
        "stale: run python -m xl_tthc.dossiers.generate workbooks/samples/ho-so"
    assert all(p.suffix == ".xlsx" for p in collect_inputs([committed])) and len(collect_inputs([committed])) == 19


@pytest.mark.parametrize("by, profile", [("field", None), ("unit", "returned-beside"), ("unit", "qd766")])
def test_the_result_table_passes_every_rule_and_frames(exports, by, profile):
    from xl_tthc.domain.profiles import load_profile
    from xl_tthc.rules.table_rules import check_table

    result = tally([exports[1]["portal.csv"]], "2024-Q1", by=by, profile=profile)
    table = result.table
    assert [r.label for r in table.rows] == [r["unit"] for r in result.rows]
    assert check_table(table, load_profile(profile)) == []
    frame = table.frame()
    assert int(frame.loc[frame.kind == "total", "received"].iloc[0]) == result.total["received"]


def test_the_province_registry_before_and_after_the_merger():
    from xl_tthc.domain.units import PROVINCES, current_province, match_province, split_province

    assert len([p for p in PROVINCES if p.before]) == 63 and len([p for p in PROVINCES if p.after]) == 34
    assert all(current_province(p.name).after for p in PROVINCES)
    pairs = {"Hà Giang": "Tuyên Quang", "Hòa Bình": "Phú Thọ", "Bà Rịa – Vũng Tàu": "Hồ Chí Minh",
             "tỉnh Bình Thuận": "Lâm Đồng", "Hậu Giang": "Cần Thơ", "Thừa Thiên Huế": "Huế", "Thanh Hoá": "Thanh Hóa",
             "TP. Hồ Chí Minh": "Hồ Chí Minh", "Kiên Giang": "An Giang", "Quảng Nam": "Đà Nẵng"}
    assert {k: current_province(k).name for k in pairs} == pairs
    assert match_province("Sở Tư pháp") is None
    assert split_province("Sở Y tế tỉnh Đắk Nông")[0] == "Sở Y tế"
    assert split_province("Sở Y tế tỉnh Đắk Nông")[1].name == "Lâm Đồng"


def test_cut_off_periods():
    from xl_tthc.domain.periods import parse_period, with_cutoff

    year = with_cutoff(parse_period("năm 2024"), 14)
    assert (year.start, year.end) == (date(2023, 12, 15), date(2024, 12, 14))
    jan = with_cutoff(parse_period("tháng 01 năm 2024"), 14)
    assert (jan.start, jan.end) == (date(2023, 12, 15), date(2024, 1, 14))
    assert with_cutoff(parse_period("tháng 01 năm 2024"), None) == parse_period("tháng 01 năm 2024")


def test_a_report_beside_the_export_in_a_folder_is_skipped_and_said(exports, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(exports[1]["portal.csv"], folder / "export.csv")
    write_tally(tally([folder], "2024-03"), folder / "report.xlsx")
    result = tally([folder], "2024-03")
    assert result.rows == tally([exports[1]["portal.csv"]], "2024-03").rows
    skipped = [i for i in result.issues if i.rule == "no_table"]
    assert {Path(i.file.split(" (")[0]).name for i in skipped} == {"report.xlsx"}
    with pytest.raises(DossierError):
        tally([folder / "report.xlsx"], "2024-03")


def test_dates_statuses_and_channels_in_every_spelling(tmp_path):
    from datetime import datetime

    src = tmp_path / "spellings.csv"
    src.write_text(
        "Mã hồ sơ;Ngày tiếp nhận;Trạng thái;Hình thức nộp;Cơ quan giải quyết\n"
        "1;20240305070500;Đã trả kết quả;BCCI;Sở Y tế\n"
        "2;05/03/2024 07:05;done;Nộp trực tuyến;Sở Y tế\n"
        "3;5/3/2024 7:05:00;10;3;Sở Y tế\n"
        "4;2024-03-05T07:05:00;ĐANG XỬ LÝ;Trực tiếp tại quầy;Sở Y tế\n"
        "5;45356.29513888889;processing;2;Sở Y tế\n"
        "6;05-03-2024;Yêu cầu bổ sung giấy tờ;1;Sở Y tế\n"
        "7;31/02/2024;phê duyệt;Fax;Sở Y tế\n", encoding="utf-8")
    con = connect("256MB")
    open_exports(con, [src], tmp_path)
    got = con.execute("SELECT received_at, status, channel, received_at_ok FROM dossiers ORDER BY row").fetchall()
    at = datetime(2024, 3, 5, 7, 5)
    assert got[:6] == [(at, 10, 3, True), (at, 10, 2, True), (at, 10, 3, True), (at, 4, 1, True), (at, 4, 2, True),
                       (datetime(2024, 3, 5), 5, 1, True)]
    assert got[6] == (None, None, None, False)


def test_rows_left_out_arrive_in_batches_with_the_same_issues(exports, monkeypatch):
    """The rows left out stream from the count query in batches (an export of mostly bad
    rows is validated in bounded memory): batches of a few rows give the same Issues,
    in the same order, and the same counts."""
    import sys

    path = exports[1]["portal.csv"]
    whole = tally([path], "2024-03")
    monkeypatch.setattr(sys.modules["xl_tthc.dossiers.tally"], "BATCH_ROWS", 3)
    batched = tally([path], "2024-03")
    assert whole.summary["bad"] > 20
    assert [i.to_dict() for i in batched.issues] == [i.to_dict() for i in whole.issues]
    assert batched.rows == whole.rows and batched.summary == whole.summary


def test_parquet_findings_name_the_column_and_the_record(tmp_path):
    """Parquet has no column letters: a finding names the column as the file does and the
    record's number ("NgayHenTra #812"), never a letter that would point nowhere."""
    import pyarrow.parquet as pq

    path = write_export(tmp_path / "x.parquet", 4000, 5)
    names = set(pq.read_schema(path).names)
    invalid = [i for i in tally([path], "2024-03").issues if i.rule == "dossier_invalid"]
    assert invalid and all(i.column in names for i in invalid)
    assert all(i.cell == f"{i.column} #{i.row}" for i in invalid)
    csv = [i for i in tally([write_export(tmp_path / "x.csv", 4000, 5)], "2024-03").issues
           if i.rule == "dossier_invalid"]
    assert csv and all(i.column.isalpha() and i.column.isupper() and i.cell == f"{i.column}{i.row}" for i in csv)
