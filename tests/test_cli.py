"""The command line: contracts of design.md, run as a user would, checked through the library."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import seeds
from xl_tthc.cli import COMMANDS, cli


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def _commands(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path, command", list(_commands(cli)), ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_is_documented(path, command):
    assert command.help and len(command.help.strip()) > 20, f"{' '.join(path)} has no documentation"
    result = run(*path, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


def test_every_registered_module_is_a_command():
    assert len(COMMANDS) == len(cli.commands)


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
                          "found", "message"}


def test_check_readable_table_in_english(binh_thuan_xlsx):
    result = run("check", "--lang", "en", binh_thuan_xlsx)
    assert "G10" in result.output and "ratio_mismatch" in result.output
    assert "On-time rate states 94,87%, recomputed 100,00%." in result.output


def test_profile_from_a_toml_file(tmp_path, binh_thuan_xlsx):
    prof = tmp_path / "binhthuan.toml"
    prof.write_text('zero_ratio = "hundred"\n', encoding="utf-8")
    data = json.loads(run("check", "--json", "--profile", prof, binh_thuan_xlsx).output)
    assert sorted(i["rule"] for i in data["files"][0]["tables"][0]["issues"]) == [
        "decimal_separator", "ratio_mismatch"]
