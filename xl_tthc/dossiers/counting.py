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
from .columns import DATE_COLUMNS

__all__ = ["CHECKS", "Check", "bad_sql", "count_sql", "COUNTS", "COUNT_RULES", "FINISHED", "NEVER_RECEIVED",
           "DUPLICATES_SQL", "FROM_SQL", "BAD_ROW_COLUMNS"]

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

# The counts the query returns per group, before the profile's sums (tally.py), each
# a condition over the row's classification (the flags of ``w`` below; ``ok``: not left
# out and received).  The rules as data: one line per count.
COUNT_RULES: tuple[tuple[str, str], ...] = (
    ("rows", "true"),
    ("bad", "bad"),
    ("never_received", "NOT bad AND never"),
    ("carried_over", "ok AND carried"),
    ("received_new", "ok AND new"),
    ("received_online", "ok AND new AND online"),
    ("received_direct", "ok AND new AND direct"),
    ("received_postal", "ok AND new AND postal"),
    ("resolved_early", "ok AND resolved AND early"),
    ("resolved_on_time", "ok AND resolved AND NOT late AND NOT early"),
    ("resolved_late", "ok AND resolved AND late"),
    ("withdrawn", "ok AND withdrawn"),
    ("pending_in_time", "ok AND pending AND NOT overdue"),
    ("pending_overdue", "ok AND pending AND overdue"),
    ("paid_online", "ok AND new AND paid_online"),
    ("digitised", "ok AND new AND digitised"),
    ("e_result", "ok AND resolved AND e_result"),
    ("resolved_all", "ok AND resolved"),
)
COUNTS = tuple(name for name, _ in COUNT_RULES)

def _raw(c: str) -> str:
    return f"nullif(trim(CAST(d.{c}_src AS VARCHAR)), '')"


# A row left out, as the contract (schema.py) validates it: its place, its canonical
# values and, for what is parsed, the text as written.  Built for those rows only (the
# view passes the source columns through untouched as ``<name>_src``).
BAD_ROW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("src", "d.src"), ("file", "d.file"), ("row", "d.row"), ("pos", "d.pos"), ("dossier_id", "d.dossier_id"),
    ("unit", "d.unit"), ("status", "d.status"), ("status_raw", _raw("status")), ("channel", "d.channel"),
    ("channel_raw", _raw("channel")), ("id_column", "d.id_column"), ("channel_column", "d.channel_column"),
    ("first_row", "dup.first & 68719476735"),  # the first occurrence's row: the low 36 bits of its position
    *((x, y) for c in DATE_COLUMNS for x, y in ((c, f"d.{c}"), (f"{c}_raw", _raw(c)))),
)


def _ts(d: date) -> str:
    return f"TIMESTAMP '{d.isoformat()} 00:00:00'"


def count_sql(start: date, end: date, profile: Profile) -> str:
    """The one query over the view ``dossiers``: first (``part`` 0) per (unit, province,
    field) the counts of :data:`COUNTS` for the period [start, end] (whole days), then
    (``part`` 1) every row left out, in the order of its position, as a struct of
    :data:`BAD_ROW_COLUMNS` (``bad_row``).

    Each row is first reduced to a few small classes — its status, channel and flags as
    they are, where its receipt and its end fall against the period (``r``, ``en``: 0
    before, 1 inside, 2 after), its end against its deadline (``cmp``: -1 early, 0 on
    time, 1 late) and whether its deadline is past the period (``overdue``) — and the rows
    are grouped by those (a few thousand groups; each row left out is a group of its
    own, so that it is returned whole however many there are); :data:`COUNT_RULES` are
    then summed over the groups.  Per row that is four small expressions and one
    hash-table update instead of eighteen filtered counts, and the rows left out come
    from the same scan."""
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
    early = f"{deadline} IS NOT NULL AND CAST(ended AS DATE) < CAST({deadline} AS DATE)"
    if profile.waiting_in_time:
        overdue = f"status NOT IN {WAITING} AND {overdue}"
    struct = "struct_pack(" + ", ".join(f"{name} := {sql}" for name, sql in BAD_ROW_COLUMNS) + ")"
    nulls = ", ".join("NULL" for _ in COUNT_RULES)
    sums = ",\n  ".join(f"CAST(coalesce(sum(n) FILTER (WHERE {cond}), 0) AS BIGINT) AS {name}"
                        for name, cond in COUNT_RULES)
    return f"""
WITH v AS (
  SELECT d.unit, d.province, coalesce(d.field, d.field_code) AS field, d.status, d.channel, d.received_at,
         d.deadline, d.supplement_days, d.supplement_count, d.paid_online, d.digitised, d.e_result, d.pos,
         CASE WHEN d.status IN {FINISHED} THEN coalesce(d.ended_at, d.returned_at) END AS ended,
         {bad_sql()} AS bad,
         CASE WHEN bad THEN {struct} END AS bad_row
  {FROM_SQL}
), g AS MATERIALIZED (
  SELECT unit, province, field, bad, status, channel, paid_online, digitised, e_result,
         CAST(received_at >= {s} AS INTEGER) + CAST(received_at >= {e} AS INTEGER) AS r,
         CAST(ended >= {s} AS INTEGER) + CAST(ended >= {e} AS INTEGER) AS en,
         CASE WHEN {late} THEN 1 WHEN {early} THEN -1 ELSE 0 END AS cmp,
         coalesce({overdue}, false) AS overdue,
         CASE WHEN bad THEN pos END AS bad_pos,
         count(*) AS n, any_value(bad_row) AS bad_row
  FROM v GROUP BY ALL
), f AS (
  SELECT *, coalesce(status IN {NEVER_RECEIVED}, false) AS never,
         NOT bad AND NOT coalesce(status IN {NEVER_RECEIVED}, false) AS ok,
         r = 0 AND (en IS NULL OR en >= 1) AS carried, r = 1 AS new,
         channel = 2 AS online, channel = 1 AS direct, channel = 3 AS postal,
         status IN (9, 10) AND en = 1 AS resolved, status = 7 AND en = 1 AS withdrawn,
         r <= 1 AND (en IS NULL OR en = 2) AS pending,
         cmp = 1 AS late, cmp = -1 AS early
  FROM g
)
SELECT 0 AS part, unit, province, field,
  {sums},
  NULL AS bad_row, NULL AS bad_pos
FROM f GROUP BY unit, province, field
UNION ALL
SELECT 1, unit, province, field, {nulls}, bad_row, bad_pos FROM g WHERE bad_pos IS NOT NULL
ORDER BY part, bad_pos
"""
