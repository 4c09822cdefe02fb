"""The canonical dossier frame's contract (pandera) and its failures as Issues.

DuckDB selects the rows some check of :data:`xl_tthc.dossiers.counting.CHECKS` fails
(a handful among millions); :class:`DossierFrame` validates that frame lazily, and every
failure case becomes an Issue at the export's file, row and column.  The whole frame is
never brought into pandas: only the rows DuckDB selects, in batches.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ..domain.issues import Issue, RULES, message
from ..domain.numbers import format_count
from .columns import DATE_COLUMNS, LABELS
from .counting import FINISHED, NEVER_RECEIVED

__all__ = ["DossierFrame", "failures", "BATCH_ROWS"]

BATCH_ROWS = 20_000
LISTED_PER_CHECK = 1_000  # Issues of one check in one file listed one by one


def _day(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.normalize()


class DossierFrame(pa.DataFrameModel):
    """One row per dossier of an export, as the canonical view gives it: ``file`` and
    ``row`` (1-based line or sheet row) place it; dates are timestamps with the text as
    written in ``<date>_raw``; ``status`` 1–10 and ``channel`` 1–3 are codes."""

    src: Series[int]
    file: Series[str]
    row: Series[int] = pa.Field(ge=1)
    dossier_id: Series[str] = pa.Field(nullable=True)
    status: Series[pd.Int64Dtype] = pa.Field(nullable=True, isin=list(range(1, 11)))
    status_raw: Series[str] = pa.Field(nullable=True)
    channel: Series[pd.Int64Dtype] = pa.Field(nullable=True, isin=[1, 2, 3])
    channel_raw: Series[str] = pa.Field(nullable=True)
    id_column: Series[bool]
    channel_column: Series[bool]
    first_row: Series[pd.Int64Dtype] = pa.Field(nullable=True)  # the first row of a repeated id
    submitted_at: Series[pd.Timestamp] = pa.Field(nullable=True)
    received_at: Series[pd.Timestamp] = pa.Field(nullable=True)
    deadline: Series[pd.Timestamp] = pa.Field(nullable=True)
    ended_at: Series[pd.Timestamp] = pa.Field(nullable=True)
    returned_at: Series[pd.Timestamp] = pa.Field(nullable=True)
    refused_at: Series[pd.Timestamp] = pa.Field(nullable=True)

    class Config:
        strict = False  # the *_raw texts of the dates ride along

    @pa.dataframe_check(name="date")
    def dates_read(cls, df: pd.DataFrame) -> Series[bool]:
        ok = pd.Series(True, index=df.index)
        for c in DATE_COLUMNS:
            ok &= df[c].notna() | df[f"{c}_raw"].isna()
        return ok

    @pa.dataframe_check(name="status")
    def status_known(cls, df: pd.DataFrame) -> Series[bool]:
        return df["status"].notna()

    @pa.dataframe_check(name="channel")
    def channel_known(cls, df: pd.DataFrame) -> Series[bool]:
        return df["channel"].notna() | ~df["channel_column"]

    @pa.dataframe_check(name="no_id")
    def has_id(cls, df: pd.DataFrame) -> Series[bool]:
        return df["dossier_id"].notna() | ~df["id_column"]

    @pa.dataframe_check(name="no_receipt")
    def received(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["received_at"].notna() | df["received_at_raw"].notna()
                | df["status"].isin(NEVER_RECEIVED).fillna(True).astype(bool))

    @pa.dataframe_check(name="deadline")
    def deadline_after_receipt(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(_day(df["deadline"]) < _day(df["received_at"]))

    @pa.dataframe_check(name="end")
    def end_after_receipt(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(_day(df["ended_at"].fillna(df["returned_at"])) < _day(df["received_at"]))

    @pa.dataframe_check(name="no_end")
    def finished_has_end(cls, df: pd.DataFrame) -> Series[bool]:
        finished = df["status"].isin(FINISHED).fillna(False).astype(bool)
        unread = df["ended_at_raw"].notna() & df["ended_at"].isna() | df["returned_at_raw"].notna() & \
            df["returned_at"].isna()
        return ~finished | df["ended_at"].notna() | df["returned_at"].notna() | unread

    @pa.dataframe_check(name="duplicate")
    def first_of_its_id(cls, df: pd.DataFrame) -> Series[bool]:
        return df["first_row"].isna()


def _fmt(ts: object) -> str:
    return "" if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%d/%m/%Y %H:%M")


def _frame_failures(df: pd.DataFrame) -> dict[int, list[str]]:
    """index -> the names of the checks the row fails (pandera, lazily: every failure)."""
    try:
        DossierFrame.validate(df, lazy=True)
        return {}
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    cases = cases[cases["index"].notna()]
    checks = cases["check"].astype(str)
    names = checks.where(~checks.str.startswith("isin"), cases["column"].astype(str))  # status/channel isin
    out: dict[int, list[str]] = {}
    for index, name in zip(cases["index"].astype(int).tolist(), names.tolist()):
        out.setdefault(index, []).append(name)
    return out


def _issues_of(row: dict, checks: list[str], locate, lang: str) -> Iterator[tuple[str, Issue]]:
    """(the check, with the column of a date, and its Issue) for each check ``row`` fails."""
    file, line = row["file"], int(row["row"])
    sheet = row.get("sheet")
    seen: set[str] = set()
    for check in checks:
        if check in seen:
            continue
        seen.add(check)
        if check == "date":
            for c in DATE_COLUMNS:
                if _text(row[f"{c}_raw"]) is not None and pd.isna(row[c]):
                    yield f"date:{c}", _issue(file, sheet, line, locate(row, c), row, c, "date", lang,
                                              found=row[f"{c}_raw"], label=LABELS[c][lang == "en"])
            continue
        field, found, expected = _WHAT[check](row)
        yield check, _issue(file, sheet, line, locate(row, field), row, field, check, lang, found=found,
                            expected=expected)


# Per check: (the field it is about, what the row holds, what was expected), of a row.
_WHAT = {
    "status": lambda r: ("status", r["status_raw"] or "", None),
    "channel": lambda r: ("channel", r["channel_raw"] or "", None),
    "no_id": lambda r: ("dossier_id", None, None),
    "no_receipt": lambda r: ("received_at", None, None),
    "deadline": lambda r: ("deadline", _fmt(r["deadline"]), _fmt(r["received_at"])),
    "end": lambda r: ("ended_at", _fmt(r["ended_at"] if pd.notna(r["ended_at"]) else r["returned_at"]),
                      _fmt(r["received_at"])),
    "no_end": lambda r: ("ended_at", r["status_raw"] or "", None),
    "duplicate": lambda r: ("dossier_id", r["dossier_id"], str(r["first_row"])),
}


def _text(v: object) -> str | None:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _issue(file, sheet, line, column, row, field, check, lang, found=None, expected=None, label="") -> Issue:
    found, expected = _text(found), _text(expected)
    return Issue(file=str(file), sheet=_text(sheet), row=line, column=column, unit=_text(row.get("unit")), field=field,
                 rule="dossier_invalid", severity=RULES["dossier_invalid"], expected=expected, found=found,
                 message=message(f"dossier_invalid.{check}", lang, found=found, expected=expected, label=label))


# What the contract judges; the other columns of a batch (its position, unit, sheet) only
# place the Issues.
CONTRACT_COLUMNS = tuple(DossierFrame.to_schema().columns) + tuple(f"{c}_raw" for c in DATE_COLUMNS)


def failures(batches: Iterable[tuple[pd.DataFrame, list[dict]]], locate,
             lang: str = "vi") -> tuple[list[Issue], int]:
    """Issues of the selected rows, batch by batch — each batch the frame the contract
    validates and the same rows as dicts (they place and word the Issues) — and how many
    rows no check of the contract refuses (0 unless the SQL selection and the contract
    disagree).  Every row is validated; past :data:`LISTED_PER_CHECK` Issues of one
    check in one file the rest are counted in one Issue "… N more rows" (a findings
    sheet holds at most a million rows, and nobody reads more)."""
    issues: list[Issue] = []
    unexplained = 0
    listed: dict[tuple[str, str], int] = {}
    more: dict[tuple[str, str], tuple[dict, int]] = {}
    for df, records in batches:
        df = df.reset_index(drop=True)
        failed = _frame_failures(df[[c for c in CONTRACT_COLUMNS if c in df.columns]])
        unexplained += len(df) - len(failed)
        for i, checks in sorted(failed.items()):
            row = records[i]
            for check, issue in _issues_of(row, checks, locate, lang):
                key = (issue.file, check)
                n = listed.get(key, 0)
                if n < LISTED_PER_CHECK:
                    listed[key] = n + 1
                    issues.append(issue)
                else:
                    first, count = more.get(key, (row, 0))
                    more[key] = (first, count + 1)
    for (file, check), (row, count) in more.items():
        name, _, column = check.partition(":")
        what = LABELS[column][lang == "en"] if column else message(f"dossier_check.{name}", lang)
        issues.append(Issue(file=file, sheet=_text(row.get("sheet")), row=None, column=None, unit=None,
                            field=column or None, rule="dossier_invalid", severity=RULES["dossier_invalid"],
                            expected=format_count(LISTED_PER_CHECK), found=format_count(count),
                            message=message("dossier_invalid.more", lang, found=format_count(count),
                                            expected=format_count(LISTED_PER_CHECK), label=what)))
    return issues, unexplained
