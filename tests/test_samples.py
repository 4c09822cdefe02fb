"""The demo-province sample workbooks: built from the seed figures, committed files
equal to the code's output, and ``xl-tthc check`` reports exactly the planted mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import seeds
from xl_tthc.rules.check import check_file
from xl_tthc.cli import cli
from xl_tthc.forms.definitions import compute, get_form
from xl_tthc.forms.samples import DEPARTMENTS, PLANTED, department_rows, file_name, write_samples

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "workbooks" / "samples"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_samples(tmp_path_factory.mktemp("samples"))


def test_committed_samples_equal_generated(generated: list[Path]) -> None:
    assert sorted(p.name for p in SAMPLES.glob("*.xlsx")) == sorted(p.name for p in generated)
    for p in generated:
        assert (SAMPLES / p.name).read_bytes() == p.read_bytes(), (
            f"workbooks/samples/{p.name} is stale: run python -m xl_tthc.forms.samples workbooks/samples")


SOC_TRANG = {row[0]: row[1:] for row in seeds.SOC_TRANG_ROWS}


@pytest.mark.parametrize("dept", [d for d in DEPARTMENTS if d.name in SOC_TRANG], ids=lambda d: d.name)
def test_rows_add_up_to_the_seed_totals(dept) -> None:
    total = compute(get_form("department_results"), department_rows(dept)).total
    seed = dict(zip(seeds.SOC_TRANG_FIELDS, SOC_TRANG[dept.name]))
    for f in ("received", "carried_over", "received_new", "resolved", "resolved_early", "resolved_on_time",
              "resolved_late", "pending", "pending_in_time", "pending_overdue", "returned"):
        assert total[f] == seed[f], f
    assert total["received_online"] == seed["received_online"]


def test_rows_obey_every_identity() -> None:
    for d in DEPARTMENTS:
        for r in department_rows(d):
            assert r["received_new"] == r["received_online"] + r["received_offline"]
            assert r["carried_over"] + r["received_new"] == (
                r["resolved_early"] + r["resolved_on_time"] + r["resolved_late"] + r["pending_in_time"]
                + r["pending_overdue"])
            assert all(v >= 0 for k, v in r.items() if k != "unit")


def test_check_reports_exactly_the_planted_mistakes() -> None:
    expected = {(file_name(i, d), cell, rule) for i, d in enumerate(DEPARTMENTS, start=1)
                for p in PLANTED if p.department == d.name for cell, rule in p.findings}
    found = set()
    for path in sorted(SAMPLES.glob("*.xlsx")):
        report = check_file(path)
        assert report.error is None and len(report.tables) == 1, path
        assert report.tables[0].table.units, path
        found |= {(path.name, i.cell, i.rule) for i in report.all_issues}
    assert found == expected


def test_cli_check_on_the_samples_exits_1_with_the_planted_errors() -> None:
    res = CliRunner().invoke(cli, ["check", "--json", *map(str, sorted(SAMPLES.glob("*.xlsx")))])
    assert res.exit_code == 1
    assert res.output.count('"rule": "stale_value"') == 2
    assert res.output.count('"rule": "received_channels"') == 2
