"""Consolidation as a library call: totals, merging, bad files, periods, carry-over,
determinism."""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

import departments as D
import seeds
from xl_tthc.consolidate.consolidation import collect_inputs, consolidate, parse_period_option
from xl_tthc.consolidate.provincial import write_provincial

PERIOD = "tháng 03 năm 2024"
UNITS = ("Sở Tư pháp", "Sở Y tế", "Sở Xây dựng", "Công an tỉnh", "Sở Nội vụ", "Sở Tài chính", "Sở Công Thương",
         "Bảo hiểm xã hội tỉnh", "Sở Giáo dục và Đào tạo", "Sở Khoa học và Công nghệ", "Sở Du lịch", "Sở Ngoại vụ")


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> tuple[Path, dict[str, dict[str, int]]]:
    """Twelve departments, three of each layout; returns the folder and what each gives."""
    folder = tmp_path_factory.mktemp("good")
    rng = random.Random(7)
    expected = {}
    for i, unit in enumerate(UNITS):
        layout = D.LAYOUTS[i % len(D.LAYOUTS)]
        parts = D.department(rng, layout)
        D.write_department(folder / f"{i:02d}_{layout}.xlsx", layout, unit, parts, PERIOD)
        expected[unit] = D.expected(layout, D.total(parts))
    return folder, expected


def test_totals_are_the_sums_of_the_department_figures(good):
    folder, expected = good
    result = consolidate([folder])
    assert [s.status for s in result.sources] == ["consolidated"] * len(UNITS)
    assert {r.unit for r in result.rows} == set(UNITS)
    for r in result.rows:
        assert {k: r.figures.get(k) for k in expected[r.unit]} == expected[r.unit], r.unit
    for f in ("received_new", "resolved", "resolved_in_time", "resolved_late"):
        assert result.total[f] == sum(e[f] for e in expected.values())  # reported by every layout
    # the "row" layout gives no carried-over figure: summing "received" over the other nine
    # departments would contradict received = carried over + new on the total row
    assert result.coverage["received"] == (9, 12) and "received" in result.untotalled
    assert "received" not in result.total
    assert result.period.key == "2024-03"
    assert result.ok


def test_rows_follow_the_registry_order_and_the_result_ignores_input_order_and_jobs(good, tmp_path):
    folder, _ = good
    files = sorted(folder.iterdir())
    base = consolidate(files, jobs=1)
    shuffled = files[:]
    random.Random(3).shuffle(shuffled)
    other = consolidate(shuffled, jobs=2)
    assert base.to_dict() == other.to_dict()
    names = [r.unit for r in base.rows]
    assert names.index("Sở Nội vụ") < names.index("Sở Tư pháp") < names.index("Công an tỉnh")
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_provincial(base, a)
    write_provincial(other, b)
    assert a.read_bytes() == b.read_bytes()


def test_seed_appendices_consolidate_to_their_printed_totals(binh_thuan_xlsx, soc_trang_xlsx):
    bt = consolidate([binh_thuan_xlsx])
    assert [bt.total[f] for f in ("received_new", "resolved", "resolved_in_time", "resolved_late")] == \
        [3851, 4232, 4225, 7]
    assert len(bt.rows) == 20
    st = consolidate([soc_trang_xlsx])
    assert st.total["received"] == 8605 and st.total["resolved"] == 7718
    assert tuple(st.total[f] for f in ("received", "carried_over", "received_new", "resolved", "resolved_early",
                                         "resolved_on_time", "resolved_late", "pending", "pending_in_time",
                                         "pending_overdue", "returned", "received_online")) == \
        seeds.SOC_TRANG_TOTAL[:12]


@pytest.fixture()
def mixed(good, tmp_path) -> Path:
    """The good folder plus corrupt, empty, locked, duplicated, conflicting, wrong-period,
    tableless and nameless files."""
    folder = tmp_path / "in"
    shutil.copytree(good[0], folder)
    sample = folder / "00_row.xlsx"
    (folder / "corrupt.xlsx").write_bytes(sample.read_bytes()[:700])
    (folder / "empty.xlsx").write_bytes(b"")
    with sample.open("rb") as f, (folder / "locked.xlsx").open("wb") as out:
        OOXMLFile(f).encrypt("matkhau", out)
    (folder / "sub").mkdir()
    shutil.copy(folder / "02_form.xlsx", folder / "sub" / "copy_of_02.xlsx")
    rng = random.Random(99)
    D.write_department(folder / "conflict_y_te.xlsx", "row", "Sở Y tế", D.department(rng, "row"), PERIOD)
    D.write_department(folder / "old_period.xlsx", "row", "Sở Ngoại vụ", D.department(rng, "row"),
                       "tháng 02 năm 2024")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Danh sách cán bộ"
    wb.save(folder / "no_table.xlsx")
    D.write_department(folder / "nameless.xlsx", "fields", "Phòng không rõ", D.department(rng, "fields"), PERIOD)
    (folder / "~$00_row.xlsx").write_bytes(b"lock")  # Excel's owner file: skipped
    return folder


def test_bad_files_are_listed_with_their_reason_and_the_good_ones_consolidated(mixed, good):
    before = {p: sha(p) for p in mixed.rglob("*") if p.is_file()}
    result = consolidate([mixed])
    status = {Path(s.path).name: s.status for s in result.sources}
    assert "~$00_row.xlsx" not in status
    assert status["corrupt.xlsx"] == status["empty.xlsx"] == status["locked.xlsx"] == "unreadable"
    assert status["no_table.xlsx"] == "no_table"
    assert status["nameless.xlsx"] == "unknown_unit"
    assert status["old_period.xlsx"] == "period_mismatch"
    assert status["copy_of_02.xlsx"] == "duplicate"  # identical figures: counted once
    assert status["01_full.xlsx"] == status["conflict_y_te.xlsx"] == "conflict"  # never summed
    reasons = {Path(s.path).name: s.reason for s in result.sources}
    assert "mật khẩu" in reasons["locked.xlsx"] and "rỗng" in reasons["empty.xlsx"]
    assert "tháng 02 năm 2024" in reasons["old_period.xlsx"]
    rules = {(Path(i.file).name, i.rule, i.severity) for i in result.issues}
    assert ("conflict_y_te.xlsx", "conflict", "error") in rules or ("01_full.xlsx", "conflict", "error") in rules
    assert ("copy_of_02.xlsx", "conflict", "warning") in rules
    # Sở Y tế is left out; every other good department is there once
    assert {r.unit for r in result.rows} == set(UNITS) - {"Sở Y tế"}
    expected = good[1]
    assert result.total["resolved"] == sum(e["resolved"] for u, e in expected.items() if u != "Sở Y tế")
    assert not result.ok
    assert before == {p: sha(p) for p in mixed.rglob("*") if p.is_file()}


def test_count_errors_keep_a_department_out_and_say_why(tmp_path):
    rng = random.Random(5)
    D.write_department(tmp_path / "a.xlsx", "row", "Sở Tư pháp", D.department(rng, "row"), PERIOD)
    D.write_department(tmp_path / "b.xlsx", "row", "Sở Y tế", D.department(rng, "row"), PERIOD)
    wb = openpyxl.load_workbook(tmp_path / "b.xlsx")
    wb.active["C5"] = "mười"  # received, unparseable
    wb.save(tmp_path / "b.xlsx")
    result = consolidate([tmp_path])
    assert [r.unit for r in result.rows] == ["Sở Tư pháp"]
    bad = next(s for s in result.sources if s.path.endswith("b.xlsx"))
    assert bad.status == "rejected" and "mười" in bad.reason


def test_explicit_period_and_majority_period(tmp_path):
    rng = random.Random(1)
    for i, (unit, period) in enumerate([("Sở Tư pháp", PERIOD), ("Sở Y tế", PERIOD), ("Sở Nội vụ", "tháng 02 năm 2024")]):
        D.write_department(tmp_path / f"{i}.xlsx", "row", unit, D.department(rng, "row"), period)
    assert [r.unit for r in consolidate([tmp_path]).rows] == ["Sở Tư pháp", "Sở Y tế"]
    assert [r.unit for r in consolidate([tmp_path], period="2024-02").rows] == ["Sở Nội vụ"]
    assert parse_period_option("2024-Q1").label == "quý I năm 2024"
    assert parse_period_option("tháng 2/2024").key == "2024-02"
    with pytest.raises(ValueError):
        consolidate([tmp_path], period="sớm")


def test_carry_over_against_the_previous_consolidated_workbook(tmp_path):
    rng = random.Random(11)
    feb, mar = tmp_path / "feb", tmp_path / "mar"
    feb.mkdir()
    mar.mkdir()
    parts = {u: D.department(rng, "full") for u in ("Sở Tư pháp", "Sở Y tế")}
    for u, p in parts.items():
        D.write_department(feb / f"{u}.xlsx", "full", u, p, "tháng 02 năm 2024")
    previous = write_provincial(consolidate([feb]), tmp_path / "feb.xlsx")
    for u, p in parts.items():
        f = D.total(p)
        nxt = D.random_figures(rng)
        # Sở Tư pháp carries over its pending; Sở Y tế does not
        nxt.carried_over = f.pending if u == "Sở Tư pháp" else f.pending + 3
        nxt.resolved_early = max(0, min(nxt.resolved_early, nxt.received - nxt.resolved_on_time - nxt.resolved_late - 1))
        nxt.pending_overdue = min(nxt.pending_overdue, nxt.pending)
        D.write_department(mar / f"{u}.xlsx", "full", u, [nxt], PERIOD)
    result = consolidate([mar], previous=previous)
    carry = [i for i in result.issues if i.rule == "carry_over"]
    assert [(i.unit, i.column, i.expected) for i in carry] == \
        [("Sở Y tế", "D", str(D.total(parts["Sở Y tế"]).pending))]
    assert Path(carry[0].file).name == "Sở Y tế.xlsx" and carry[0].row == 9


def test_collect_inputs_recurses_dedupes_and_skips_the_output(good, tmp_path):
    folder, _ = good
    files = sorted(folder.iterdir())
    got = collect_inputs([folder, files[0], folder / ".." / folder.name / files[1].name], exclude=[files[2]])
    assert len(got) == len(files) - 1 and files[2] not in got


def test_collect_inputs_skips_an_earlier_provincial_workbook(good, tmp_path):
    """A provincial workbook left in the folder under any name is not read back; a
    department file made from one of our templates (custom properties too) is read."""
    folder, _ = good
    mixed = tmp_path / "mixed"
    shutil.copytree(folder, mixed)
    write_provincial(consolidate([folder]), mixed / "ket_qua_thang_truoc.xlsx")
    template = Path(__file__).resolve().parents[1] / "workbooks" / "templates"
    department = next(p for p in sorted(template.glob("*.xlsx")) if "provincial" not in p.name)
    shutil.copy(department, mixed / "zz_tu_mau.xlsx")
    got = {p.name for p in collect_inputs([mixed])}
    assert "ket_qua_thang_truoc.xlsx" not in got and "zz_tu_mau.xlsx" in got
    assert got == {p.name for p in folder.iterdir()} | {"zz_tu_mau.xlsx"}
