"""Issue #16: the tool as a user runs it — dependencies that match the imports, consoles
with any code page, outputs with the user's permissions and one-line failures, the
Vietnamese command line, and findings that can be handed on (workbook, CSV)."""

from __future__ import annotations

import ast
import csv
import errno
import importlib.metadata
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from click.testing import CliRunner

from xl_tthc.cli import cli
from xl_tthc.cli.common import Progress
from xl_tthc.domain.output import OutputError, write_atomically

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "workbooks" / "samples"
MAIN = "import sys; from xl_tthc.cli import main; sys.argv[0] = 'xl-tthc'; main()"


def run(*args, env=None):
    return CliRunner().invoke(cli, list(map(str, args)), env=env)


def xl_tthc(*args, env=None, cwd=None):
    """The command in a fresh interpreter, stdout and stderr to files (redirected)."""
    return subprocess.run([sys.executable, "-c", MAIN, *map(str, args)], capture_output=True,
                          env={**os.environ, **(env or {})}, cwd=cwd)


# ---- dependencies ----------------------------------------------------------------------------------------------

def test_every_runtime_import_is_a_runtime_dependency():
    """A plain ``pip install .`` (no extras) must give every module the package imports."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0].lower().replace("_", "-") for d in project["dependencies"]}
    dists = importlib.metadata.packages_distributions()
    missing = {}
    for path in [*ROOT.joinpath("xl_tthc").rglob("*.py"), *ROOT.joinpath("udfs").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("xl_tthc", "udfs"):
                    continue
                owners = {d.lower().replace("_", "-") for d in dists.get(top, [top])}
                if not owners & declared:
                    missing.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    assert not missing, f"imported but not in [project] dependencies: {missing}"


def test_license_is_an_spdx_string():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert any(r.startswith("setuptools>=77") for r in project["build-system"]["requires"])


# ---- console ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["cp1258", "cp1252"])
def test_check_redirected_under_a_windows_code_page(encoding, tmp_path):
    res = xl_tthc("check", SAMPLES, env={"PYTHONIOENCODING": encoding})
    assert res.returncode == 1, res.stderr.decode(encoding, "replace")
    assert b"Traceback" not in res.stderr and b"UnicodeEncodeError" not in res.stderr
    text = unicodedata.normalize("NFC", res.stdout.decode(encoding))
    if encoding == "cp1258":  # Vietnamese survives: letter + combining tone mark
        assert "Tổng cộng: 19 tệp, 19 bảng, 4 lỗi" in text and "Sở Tư pháp" in text
    else:  # cleanly folded, never "?" for a Vietnamese letter
        assert "Tong cong: 19 tep, 19 bang, 4 loi" in text and "So Tu pháp" in text


def test_redirected_output_is_utf8_without_pythonioencoding():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
    res = subprocess.run([sys.executable, "-c", MAIN, "check", str(SAMPLES / "12_so_tu_phap.xlsx")],
                         capture_output=True, env={**env, "LC_ALL": "C", "PYTHONUTF8": "0"})
    assert "Tổng cộng: 1 tệp" in res.stdout.decode("utf-8")


# ---- outputs: permissions and failures -----------------------------------------------------------------------

def test_outputs_get_the_users_umask(tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "mau.xlsx"
        assert run("template", "fees", "-o", out).exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o644
        findings = tmp_path / "f.csv"
        assert run("check", SAMPLES / "12_so_tu_phap.xlsx", "-o", findings).exit_code == 1
        assert findings.stat().st_mode & 0o777 == 0o644
        os.chmod(out, 0o664)  # a replaced output keeps the mode it had
        assert run("template", "fees", "-o", out, "--force").exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


def _one_line_exit_2(res, *words):
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1, res.output
    assert all(w in res.output for w in words), res.output


def test_parent_is_a_file(tmp_path):
    blocker = tmp_path / "baocao"
    blocker.write_text("x")
    res = run("template", "fees", "-o", blocker / "sub" / "mau.xlsx")
    _one_line_exit_2(res, "Lỗi:", "là một tệp, không phải thư mục")
    res = run("consolidate", SAMPLES, "-o", blocker / "tong.xlsx", "--lang", "en")
    _one_line_exit_2(res, "Error:", "is a file, not a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baocao"]


def _refusing_folder(tmp_path: Path) -> Path:
    """A folder where creating a file fails with EACCES: a chmod 555 folder, or (root
    ignores modes) /sys, which refuses new files."""
    if os.geteuid() != 0:
        (tmp_path / "ro").mkdir(mode=0o555)
        return tmp_path / "ro"
    try:
        fd, name = __import__("tempfile").mkstemp(dir="/sys")
    except PermissionError:
        return Path("/sys")
    except OSError:
        pass
    else:
        os.close(fd)
        os.unlink(name)
    pytest.skip("no folder here refuses to create files (root, and /sys accepts them)")


def test_a_folder_that_refuses_writing(tmp_path):
    target = _refusing_folder(tmp_path)
    res = run("check", SAMPLES / "12_so_tu_phap.xlsx", "-o", target / "phat_hien.xlsx")
    _one_line_exit_2(res, "không có quyền ghi vào thư mục")
    res = run("template", "fees", "-o", target / "mau.xlsx", "--lang", "en")
    _one_line_exit_2(res, "no permission to write in")
    assert not list(target.glob(".phat_hien*")) and not (target / "phat_hien.xlsx").exists()


def test_a_locked_output(tmp_path):
    out = tmp_path / "mau.xlsx"
    assert run("template", "fees", "-o", out).exit_code == 0
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(out)],
                                                        capture_output=True).returncode != 0:
        pytest.skip("chattr +i (an immutable file, as Windows locks a file open in Excel) is not available")
    try:
        res = run("template", "fees", "-o", out, "--force")
        _one_line_exit_2(res, "đang mở", "bị khóa")
        assert [p.name for p in tmp_path.iterdir()] == ["mau.xlsx"]
    finally:
        subprocess.run(["chattr", "-i", str(out)], check=True)


def test_disk_full_while_writing_leaves_nothing(tmp_path):
    def fill(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError) as e:
        write_atomically(tmp_path / "x.xlsx", fill)
    assert "ổ đĩa đã đầy" in e.value.text("vi") and "disk is full" in e.value.text("en")
    assert list(tmp_path.iterdir()) == []


# ---- Vietnamese command line ---------------------------------------------------------------------------------

def test_click_messages_in_vietnamese_and_english(tmp_path):
    res = run("check", "--nope", "x.xlsx")
    assert res.exit_code == 2
    assert "Cách dùng: xl-tthc check" in res.output or "Cách dùng:" in res.output
    assert "Lỗi: Không có tùy chọn '--nope'" in res.output and "Usage" not in res.output
    assert "Lỗi: Thiếu đối số" in run("check").output
    # click's own path check, in Vietnamese (tally's --map still has one; the inputs of
    # consolidate and tally are records: a missing one is that file's "không tìm thấy tệp")
    good = tmp_path / "x.csv"
    good.write_text("MaHoSo,NgayTiepNhan,TrangThaiHoSo,TenLinhVuc\n1,20240305,2,Hộ tịch\n", encoding="utf-8")
    bad_map = run("tally", good, "--map", tmp_path / "nope.toml", "--period", "2024-03", "-o", tmp_path / "o.xlsx")
    assert "Giá trị không hợp lệ cho '--map'" in bad_map.output
    assert "không tìm thấy tệp" in run("tally", tmp_path / "nope", "--period", "2024-03",
                                        "-o", tmp_path / "o.xlsx").output
    assert "không tìm thấy tệp" in run("consolidate", tmp_path / "nope", "-o", tmp_path / "o.xlsx").output
    en = run("check", "--nope", "x.xlsx", "--lang", "en")  # --lang after the error still counts
    assert "Error: No such option '--nope'" in en.output and "Usage:" in en.output
    env = run("check", "--nope", env={"XL_TTHC_LANG": "en"})
    assert "Error: No such option" in env.output
    assert "Hiện hướng dẫn này rồi thoát." in run("--help").output


def test_recompute_help_names_no_out_argument():
    for lang in ("vi", "en"):
        text = run("recompute", "--help", "--lang", lang).output
        assert " OUT " not in text and "OUT." not in text and "-o" in text


def test_addin_build_refuses_without_force_in_vietnamese(tmp_path):
    out = tmp_path / "a.xlam"
    out.write_bytes(b"x")
    res = run("addin", "build", "-o", out)
    assert res.exit_code == 2 and "--force" in res.output and "force=True" not in res.output
    assert "đã có" in res.output


def test_english_numbers_and_plurals(tmp_path):
    res = run("recompute", SAMPLES / "12_so_tu_phap.xlsx", "-o", tmp_path / "r.xlsx", "--lang", "en")
    assert "1 table," in res.output and "1 tables" not in res.output
    res = run("check", SAMPLES / "12_so_tu_phap.xlsx", "--lang", "en")
    assert "100.00%" in res.output and "98.60%" in res.output and "98,60%" not in res.output
    assert "Total: 1 file, 1 table, 1 error, 0 warnings, 0 infos" in res.output
    res = run("consolidate", SAMPLES, "-o", "/tmp/never-written-h16.xlsx", "--lang", "en", "--period", "x")
    assert res.exit_code == 2


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "tong.xlsx"
    res = run("consolidate", tmp_path / "empty", "-o", out)
    assert res.exit_code == 2 and "Không có tệp báo cáo nào để tổng hợp" in res.output and not out.exists()
    res = run("check", tmp_path / "empty")
    assert res.exit_code == 2 and "Không có tệp báo cáo nào để kiểm tra" in res.output


def test_check_takes_folders_like_consolidate():
    by_folder = json.loads(run("check", "--json", SAMPLES).output)
    by_files = json.loads(run("check", "--json", *sorted(SAMPLES.glob("*.xlsx"))).output)
    assert [f["path"] for f in by_folder["files"]] == [f["path"] for f in by_files["files"]]
    assert by_folder["summary"] == by_files["summary"] == {"files": 19, "unreadable": 0, "tables": 19,
                                                            "errors": 4, "warnings": 0, "infos": 0}


# ---- findings people can use ---------------------------------------------------------------------------------

def _planted(department: str) -> str:
    """The cell of the first finding planted in the sample of ``department``."""
    from xl_tthc.forms.samples import PLANTED

    return next(p for p in PLANTED if p.department == department).findings[0][0]


@pytest.fixture()
def two_months(tmp_path: Path) -> Path:
    """Two departments' folders, each with a 'Báo cáo tháng 2.xlsx', one of them wrong, and
    a file without any table."""
    for dept, sample in (("So Tu phap", "12_so_tu_phap.xlsx"), ("So Y te", "15_so_y_te.xlsx")):
        (tmp_path / dept).mkdir()
        shutil.copy(SAMPLES / sample, tmp_path / dept / "Báo cáo tháng 2.xlsx")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "ghi chú"
    wb.save(tmp_path / "So Y te" / "ghi chu.xlsx")
    return tmp_path


def test_findings_table_paths_department_and_cells(two_months):
    res = run("check", two_months)
    lines = res.output.splitlines()
    assert lines[0].split()[:3] == ["Tệp", "Trang", "Ô"] and "Đơn vị báo cáo" in lines[0]
    assert any(l.startswith("So Tu phap/Báo cáo tháng 2.xlsx") and "Sở Tư pháp" in l and _planted("Sở Tư pháp") in l
               for l in lines)
    assert any(l.startswith("So Y te/Báo cáo tháng 2.xlsx") and "Sở Y tế" in l and _planted("Sở Y tế") in l
               for l in lines)
    assert any(l.startswith("So Y te/ghi chu.xlsx") and "(cả tệp)" in l and "no_table" in l for l in lines)
    assert not any(re.search(r"\s\d+\s+Sở", l) for l in lines)  # no bare row number as the cell
    assert lines[-1] == "Tổng cộng: 3 tệp, 2 bảng, 4 lỗi, 0 cảnh báo, 0 thông tin"
    errors_only = run("check", two_months, "--min-severity", "error").output
    assert errors_only.splitlines()[-1] == lines[-1]


def test_repeated_info_findings_are_grouped(tmp_path):
    from xl_tthc.consolidate.findings import Finding, grouped
    from xl_tthc.cli.common import findings_text

    same = [Finding(f"{k}.xlsx", f"/d/{k}.xlsx", "S", "B7", "Sở Y tế", None, "received_new", "info",
                    "denominator_convention", "Tỷ lệ trực tuyến được tính trên tổng tiếp nhận.", None, None)
            for k in range(74)]
    other = Finding("x.xlsx", "/d/x.xlsx", "S", "C9", "Sở Tư pháp", None, None, "error", "balance", "Sai.", "1", "2")
    assert [n for n, _ in grouped([*same, other])] == [74, 1]
    text = findings_text([*same, other])
    assert len(text.splitlines()) == 3 and "74 tệp: Tỷ lệ trực tuyến" in text


def test_json_values_are_typed():
    data = json.loads(run("check", "--json", SAMPLES / "15_so_y_te.xlsx").output)
    issue = data["files"][0]["tables"][0]["issues"][0]
    assert (issue["found"], issue["expected"]) == (26, 29)
    assert (issue["found_text"], issue["expected_text"]) == ("26", "29")
    data = json.loads(run("check", "--json", SAMPLES / "12_so_tu_phap.xlsx").output)
    issue = data["files"][0]["tables"][0]["issues"][0]
    assert issue["found"] == 1 and issue["expected"] == pytest.approx(0.986)


def test_findings_workbook_with_links(two_months, tmp_path):
    out = tmp_path / "ra" / "phat_hien.xlsx"
    res = run("check", two_months, "-o", out)
    assert res.exit_code == 1 and f"đã ghi {out}" in res.output
    wb = openpyxl.load_workbook(out)
    (ws,) = wb.worksheets
    assert ws.title == "Phát hiện"
    head = [c.value for c in ws[1]]
    assert head[:9] == ["Tệp", "Trang tính", "Ô", "Đơn vị báo cáo", "Dòng", "Chỉ tiêu", "Mức độ", "Quy tắc",
                        "Nội dung"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 4  # one row per finding
    for row in rows:
        link = row[0].hyperlink.target
        target = (out.parent / unquote(link)).resolve()
        assert target.is_file() and target.name == Path(row[0].value).name
        if row[1].value:
            cell_link = row[2].hyperlink.target
            assert cell_link.endswith(f"!{row[2].value}") and cell_link.startswith(link + "#")
            sheet = cell_link.split("#", 1)[1].rsplit("!", 1)[0].strip("'")
            assert sheet in openpyxl.load_workbook(target, read_only=True).sheetnames
    assert {r[6].value for r in rows} == {"Lỗi"}
    per_unit = tmp_path / "theo_don_vi.xlsx"
    assert run("check", two_months, "-o", per_unit, "--per-unit").exit_code == 1
    # the file without a table says nothing of its department: a sheet of its own, last
    assert openpyxl.load_workbook(per_unit).sheetnames == ["Sở Tư pháp", "Sở Y tế", "(không rõ đơn vị)"]


def test_findings_csv_opens_in_excel(two_months, tmp_path):
    out = tmp_path / "phat_hien.csv"
    assert run("check", two_months, "-o", out, "--lang", "en").exit_code == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel on Windows reads the diacritics
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["File", "Sheet", "Cell"] and len(rows) == 5
    assert any(r[3] == "Sở Y tế" and r[2] == _planted("Sở Y tế") for r in rows)
    assert run("check", two_months, "-o", tmp_path / "f.txt").exit_code == 2


@pytest.mark.libreoffice
def test_findings_workbook_opens_in_libreoffice(two_months, tmp_path):
    import lo

    if lo.SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "phat_hien.xlsx"
    run("check", two_months, "-o", out)
    csv_path = lo.convert(out, tmp_path / "lo", "csv:Text - txt - csv (StarCalc):44,34,76,1")
    text = csv_path.read_text(encoding="utf-8", errors="replace")
    assert "Đơn vị báo cáo" in text and "Sở Y tế" in text and text.count("\n") >= 5


# ---- progress ------------------------------------------------------------------------------------------------

def test_progress_line_and_quiet_when_not_a_terminal():
    stream = io.StringIO()
    p = Progress("Đang kiểm tra", stream=stream)
    p(0, 3, "/x/a.xlsx")
    p(2, 3, "/x/Báo cáo tháng 2.xlsx")
    p.close()
    text = stream.getvalue()
    assert "Đang kiểm tra 2/3" in text and "Báo cáo tháng 2.xlsx" in text and "còn khoảng" in text
    assert text.endswith("\r")
    stream = io.StringIO()
    q = Progress("Đang đọc", stream=stream, files=["/x/a.xlsx", "/y/b.xlsx"])
    q(1, 2)  # the consolidation's callback says how many; the next file is shown
    assert "Đang đọc 1/2" in stream.getvalue() and "b.xlsx" in stream.getvalue()
    res = CliRunner().invoke(cli, ["check", str(SAMPLES)])
    assert "\r" not in res.output and "Đang kiểm tra" not in res.output


@pytest.mark.skipif(sys.platform.startswith("win"), reason="pseudo-terminals are POSIX")
def test_progress_on_a_terminal_only():
    import pty
    import threading

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.run([sys.executable, "-c", MAIN, "check", str(SAMPLES)], stdout=subprocess.PIPE,
                          stderr=slave, timeout=300)
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 1
    assert "Đang kiểm tra 18/19" in shown and "19_" in shown and "đã chạy" in shown and "còn khoảng" in shown
    assert "Đang kiểm tra" not in proc.stdout.decode("utf-8")  # stdout (not a terminal) stays clean


def test_consolidate_hands_its_findings_on_too(two_months, tmp_path):
    out, findings = tmp_path / "tong.xlsx", tmp_path / "phat_hien.xlsx"
    res = run("consolidate", two_months, "-o", out, "--findings", findings)
    assert res.exit_code == 1, res.output
    assert res.output.splitlines()[-1].startswith("Tổng cộng: 3 tệp, 2 bảng, ")
    rows = list(openpyxl.load_workbook(findings).active.iter_rows(min_row=2, values_only=True))
    # the findings workbook lies in the input folder: not read back as an input
    issues = json.loads(run("consolidate", two_months, "-o", out, "--force", "--json", "--findings", findings).output
                        )["issues"]
    assert len(rows) == len(issues) > 0
    assert {r[0] for r in rows} >= {"So Y te/Báo cáo tháng 2.xlsx", "So Y te/ghi chu.xlsx"}
    again = run("consolidate", two_months, "-o", tmp_path / "tong2.xlsx", "--findings", findings)
    assert again.exit_code == 2 and "--force" in again.output  # the findings file is not replaced either
    assert not (tmp_path / "tong2.xlsx").exists()
    named = run("check", two_months / "So Y te" / "ghi chu.xlsx", "-o", two_months / "So Y te" / "ghi chu.xlsx",
                "--force")
    assert named.exit_code == 2 and "không ghi đè lên tệp đầu vào" in named.output
