"""The shipped samples, consolidated, reproduce the seed figures they were built from."""

from __future__ import annotations

from pathlib import Path

import seeds
from xl_tthc.consolidate.consolidation import consolidate

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "samples"
FIELDS = ("received", "carried_over", "received_new", "resolved", "resolved_early", "resolved_on_time",
          "resolved_late", "pending", "pending_in_time", "pending_overdue", "returned", "received_online")


def test_samples_reproduce_the_soc_trang_appendix():
    result = consolidate([SAMPLES], jobs=1)
    rows = {r.unit: r.figures for r in result.rows}
    rejected = [s for s in result.sources if s.status == "rejected"]
    # the planted row that does not add up keeps Sở Y tế out, and says why
    assert [Path(s.path).name for s in rejected] == ["15_so_y_te.xlsx"]
    seed = {r[0]: dict(zip(seeds.SOC_TRANG_FIELDS, r[1:])) for r in seeds.SOC_TRANG_ROWS}
    for unit, figures in seed.items():
        if unit == "Sở Y tế":
            continue
        assert {f: rows[unit][f] for f in FIELDS} == {f: figures[f] for f in FIELDS}, unit
    consolidated = {f: sum(rows[u][f] for u in seed if u != "Sở Y tế") for f in FIELDS}
    with_health = {f: consolidated[f] + seed["Sở Y tế"][f] for f in FIELDS}
    assert with_health == {f: t for f, t in zip(seeds.SOC_TRANG_FIELDS, seeds.SOC_TRANG_TOTAL) if f}
    assert with_health["received"] == 8605 and with_health["resolved"] == 7718
    assert rows["Ban Dân tộc"]["received"] == 0
