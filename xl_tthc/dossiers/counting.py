"""The counting rules as SQL: which rows are left out, and the one query that counts.

Everything a province may count differently is a key of the profile
(:class:`xl_tthc.domain.profiles.Profile`): ``returned_in_resolved`` (withdrawn dossiers,
status 7, inside "resolved" as on time, or beside it), ``deadline_compare`` (the date of
the end against the date of the deadline, or the moment), ``subtract_supplement`` (the
days waiting for the applicant's supplement added to the deadline),
``repeat_supplement_late`` (more than one supplement request is late), ``waiting_in_time``
(statuses 5, 6, 8 pending in time) and ``cutoff_day`` (periods from the day after it).
The default is the provincial one-stop systems' counting (domain.md, Thanh Hóa's open
code).  The export is a snapshot: a dossier ended after the period's end was pending at
that end, which is what "not ended by the end" below says.

The same query is what a distributed SQL engine would run past one machine: the view and
the query are plain SQL (CASE, FILTER, GROUP BY, a join on the duplicated ids) that
Spark SQL accepts as they are; nothing here is an engine of our own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..domain.profiles import Profile

__all__ = ["CHECKS", "Check", "bad_sql", "count_sql", "COUNTS", "FINISHED", "NEVER_RECEIVED", "DUPLICATES_SQL",
           "FROM_SQL", "FIRST_ROW_SQL"]

NEVER_RECEIVED = (1, 3)  # registered but not received, refused: counted nowhere
FINISHED = (7, 9, 10)  # statuses that carry an end date
WAITING = (5, 6, 8)  # waiting for a supplement or a fee, stopped


@dataclass(frozen=True)
class Check:
    """A reason to leave a dossier row out: ``name`` (the message key's suffix of
    ``dossier_invalid``), the SQL that is true for a failing row of the view ``d``."""

    name: str
    sql: str


CHECKS: tuple[Check, ...] = (
    Check("date", "NOT (submitted_at_ok AND received_at_ok AND deadline_ok AND ended_at_ok AND returned_at_ok "
                  "AND refused_at_ok)"),
    Check("status", "status IS NULL"),
    Check("channel", "channel_column AND channel IS NULL"),
    Check("no_id", "id_column AND d.dossier_id IS NULL"),
    Check("no_receipt", f"received_at IS NULL AND received_at_ok AND status NOT IN {NEVER_RECEIVED}"),
    Check("deadline", "CAST(deadline AS DATE) < CAST(received_at AS DATE)"),
    Check("end", "CAST(coalesce(ended_at, returned_at) AS DATE) < CAST(received_at AS DATE)"),
    Check("no_end", f"status IN {FINISHED} AND ended_at IS NULL AND returned_at IS NULL "
                    "AND ended_at_ok AND returned_at_ok"),
    Check("duplicate", "dup.first IS NOT NULL"),
)


def bad_sql() -> str:
    return "(" + " OR ".join(f"coalesce({c.sql}, false)" for c in CHECKS) + ")"


# Every later occurrence of a dossier id seen more than once (its position, and the
# position of the first): ids grouped by their 64-bit hash first, which is twice as fast
# as grouping ten million strings, then the few candidates by the ids themselves.
DUPLICATES_SQL = """CREATE OR REPLACE TEMP TABLE dup AS
WITH h AS (SELECT hash(dossier_id) AS h FROM dossiers WHERE dossier_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1),
c AS (SELECT pos, min(pos) OVER (PARTITION BY dossier_id) AS first FROM dossiers
      WHERE dossier_id IS NOT NULL AND hash(dossier_id) IN (SELECT h FROM h))
SELECT pos, first FROM c WHERE pos <> first"""
FROM_SQL = "FROM dossiers d LEFT JOIN dup ON d.pos = dup.pos"
# The row of the first occurrence, for a later occurrence of a repeated id (else NULL).
FIRST_ROW_SQL = "dup.first & 68719476735 AS first_row"  # its row: the low 36 bits of its position

# The counts the query returns per group, before the profile's sums (tally.py).
COUNTS = ("rows", "bad", "never_received", "carried_over", "received_new", "received_online", "received_direct",
          "received_postal", "resolved_early", "resolved_on_time", "resolved_late", "withdrawn", "pending_in_time",
          "pending_overdue", "paid_online", "digitised", "e_result", "resolved_all")


def _ts(d: date) -> str:
    return f"TIMESTAMP '{d.isoformat()} 00:00:00'"


def count_sql(start: date, end: date, profile: Profile) -> str:
    """The one query: per (unit, province, field) of the view ``dossiers``, the counts of
    :data:`COUNTS` for the period [start, end] (whole days)."""
    s, e = _ts(start), _ts(end + timedelta(days=1))
    deadline = ("(deadline + to_days(CAST(round(supplement_days) AS INTEGER)))" if profile.subtract_supplement
                else "deadline")
    if profile.deadline_compare == "timestamp":
        late = f"{deadline} IS NOT NULL AND ended > {deadline}"
        overdue = f"{deadline} IS NOT NULL AND {deadline} < {e}"
    else:
        late = f"{deadline} IS NOT NULL AND CAST(ended AS DATE) > CAST({deadline} AS DATE)"
        overdue = f"{deadline} IS NOT NULL AND CAST({deadline} AS DATE) < DATE '{end.isoformat()}'"
    if profile.repeat_supplement_late:
        late = f"({late}) OR supplement_count > 1"
    early = f"NOT ({late}) AND {deadline} IS NOT NULL AND CAST(ended AS DATE) < CAST({deadline} AS DATE)"
    if profile.waiting_in_time:
        overdue = f"status NOT IN {WAITING} AND {overdue}"
    new = f"received_at >= {s} AND received_at < {e}"

    def n(cond: str) -> str:
        return f"count(*) FILTER (WHERE ok AND {cond})"

    # v: the canonical columns and whether the row is left out; w: each row classified
    # once (a condition used by several counts is evaluated once per row).
    return f"""
WITH v AS (
  SELECT d.unit, d.province, coalesce(d.field, d.field_code) AS field, d.status, d.channel, d.received_at,
         d.deadline, d.supplement_days, d.supplement_count, d.paid_online, d.digitised, d.e_result,
         CASE WHEN d.status IN {FINISHED} THEN coalesce(d.ended_at, d.returned_at) END AS ended,
         {bad_sql()} AS bad
  {FROM_SQL}
), w AS (
  SELECT unit, province, field, bad, channel, paid_online, digitised, e_result, status,
    NOT bad AND status NOT IN {NEVER_RECEIVED} AS ok,
    received_at < {s} AND (ended IS NULL OR ended >= {s}) AS carried,
    {new} AS new,
    status IN (9, 10) AND ended >= {s} AND ended < {e} AS resolved,
    status = 7 AND ended >= {s} AND ended < {e} AS withdrawn,
    received_at < {e} AND (ended IS NULL OR ended >= {e}) AS pending,
    coalesce({late}, false) AS late,
    coalesce({early}, false) AS early,
    coalesce({overdue}, false) AS overdue
  FROM v
)
SELECT unit, province, field,
  count(*) AS rows,
  count(*) FILTER (WHERE bad) AS bad,
  count(*) FILTER (WHERE NOT bad AND status IN {NEVER_RECEIVED}) AS never_received,
  {n("carried")} AS carried_over,
  {n("new")} AS received_new,
  {n("new AND channel = 2")} AS received_online,
  {n("new AND channel = 1")} AS received_direct,
  {n("new AND channel = 3")} AS received_postal,
  {n("resolved AND early")} AS resolved_early,
  {n("resolved AND NOT late AND NOT early")} AS resolved_on_time,
  {n("resolved AND late")} AS resolved_late,
  {n("withdrawn")} AS withdrawn,
  {n("pending AND NOT overdue")} AS pending_in_time,
  {n("pending AND overdue")} AS pending_overdue,
  {n("new AND paid_online")} AS paid_online,
  {n("new AND digitised")} AS digitised,
  {n("resolved AND e_result")} AS e_result,
  {n("resolved")} AS resolved_all
FROM w GROUP BY ALL
"""
