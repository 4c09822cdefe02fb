"""The command line: contracts of design.md, run as a user would, checked through the library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import seeds
import xl_tthc.cli as cli_package
from xl_tthc.cli import COMMANDS, cli


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def _commands(group, prefix=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path, command", list(_commands(cli)), ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_is_documented(path, command):
    """In Vietnamese by default, in English with --lang en (the help text changes with it)."""
    assert command.help and len(command.help.strip()) > 20, f"{' '.join(path)} has no documentation"
    assert command.help_en and len(command.help_en.strip()) > 20, f"{' '.join(path)} has no English help"
    result = run(*path, "--help")
    assert result.exit_code == 0 and "Cách dùng:" in result.output and "Tùy chọn:" in result.output
    assert "Usage" not in result.output and "Show this message" not in result.output
    assert "--lang" in result.output, f"{' '.join(path)} takes no --lang"
    english = run(*path, "--help", "--lang", "en")
    assert english.exit_code == 0 and "Usage:" in english.output and "Show this message and exit." in english.output
    assert english.output != result.output


def test_every_registered_module_is_a_command():
    ctx = click.Context(cli)
    assert all(isinstance(cli.get_command(ctx, name), click.Command) for name, _ in COMMANDS)
    assert cli.get_command(ctx, "nope") is None
    modules = {p.stem for p in Path(cli_package.__file__).parent.glob("*.py")} - {"__init__", "common", "i18n"}
    assert modules == {module for _, module in COMMANDS}


def test_a_command_loads_only_its_own_module():
    """``xl-tthc consolidate`` must not pay for importing the other commands."""
    code = ("import sys; from xl_tthc.cli import main; sys.argv = ['xl-tthc', 'consolidate', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('xl_tthc.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['xl_tthc.cli.common', 'xl_tthc.cli.consolidate', 'xl_tthc.cli.i18n']"


def test_check_exit_codes(tmp_path, binh_thuan_xlsx, soc_trang_xlsx):
    assert run("check", soc_trang_xlsx).exit_code == 0
    assert run("check", binh_thuan_xlsx).exit_code == 1
    assert run("check", tmp_path / "missing.xlsx").exit_code == 2
    assert run("check").exit_code == 2  # usage
    assert run("check", "--profile", "nope", soc_trang_xlsx).exit_code == 2


def test_check_json_shape(binh_thuan_xlsx):
    result = run("check", "--json", binh_thuan_xlsx)
    data = json.loads(result.output)
    (f,) = data["files"]
    (t,) = f["tables"]
    assert set(t) >= {"sheet", "form", "header_rows", "units", "issues"}
    assert t["header_rows"] == [6] and t["form"] == "results" and len(t["units"]) == 20
    issue = t["issues"][0]
    assert set(issue) == {"file", "sheet", "row", "column", "unit", "field", "rule", "severity", "expected",
                          "found", "message", "expected_text", "found_text"}


def test_check_readable_table_in_english(binh_thuan_xlsx):
    result = run("check", "--lang", "en", binh_thuan_xlsx)
    assert "G10" in result.output and "ratio_mismatch" in result.output
    assert "On-time rate states 94.87%, recomputed 100.00%." in result.output  # English numbers (#16)


def test_profile_from_a_toml_file(tmp_path, binh_thuan_xlsx):
    prof = tmp_path / "binhthuan.toml"
    prof.write_text('zero_ratio = "hundred"\n', encoding="utf-8")
    data = json.loads(run("check", "--json", "--profile", prof, binh_thuan_xlsx).output)
    assert sorted(i["rule"] for i in data["files"][0]["tables"][0]["issues"]) == [
        "decimal_separator", "ratio_mismatch"]


def test_narrative_then_crosscheck_round_trip(tmp_path, soc_trang_xlsx):
    result = run("narrative", soc_trang_xlsx)
    assert result.exit_code == 0
    assert "8.605 hồ sơ" in result.output and "06 hồ sơ" in result.output
    prose = tmp_path / "baocao.txt"
    prose.write_text(result.output, encoding="utf-8")
    assert run("crosscheck", prose, soc_trang_xlsx).exit_code == 0
    prose.write_text(result.output.replace("7.718 hồ sơ", "7.781 hồ sơ"), encoding="utf-8")
    data = json.loads(run("crosscheck", "--json", prose, soc_trang_xlsx).output)
    # typed values (issue #16): the count as a number, as written in found_text
    assert [(i["rule"], i["found"], i["found_text"]) for i in data["issues"]] == [("narrative_mismatch", 7781, "7.781")]
    assert run("crosscheck", prose, soc_trang_xlsx).exit_code == 1


def test_crosscheck_of_the_seed_reports_against_their_appendices(binh_thuan_xlsx, soc_trang_xlsx):
    assert run("crosscheck", seeds.SEEDS / "000_940a727b160e5016.txt", binh_thuan_xlsx).exit_code == 0
    assert run("crosscheck", seeds.SEEDS / "004_1adce9f0e8eaa467.txt", soc_trang_xlsx).exit_code == 0
    # Bắc Giang: "100% hồ sơ trả kết quả trước hạn" while 52 of 54 were early (02 on time): really inconsistent
    data = json.loads(run("crosscheck", "--json", seeds.SEEDS / "003_75e4332413230d9a.txt").output)
    assert [(i["field"], i["found"], i["found_text"]) for i in data["issues"]] == [("resolved_early", 1, "100%")]
