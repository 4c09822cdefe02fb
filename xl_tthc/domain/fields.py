"""The canonical fields of domain.md, their labels, and the ratios between them.

This is the one place that says what a field is; the header matcher, the rules, the
templates and the narrative all read it.
"""

from __future__ import annotations

from functools import lru_cache

from dataclasses import dataclass
from typing import Container, Iterable

__all__ = [
    "derive",
    "Field",
    "FIELDS",
    "COUNT_FIELDS",
    "RESULT_FIELDS",
    "SATISFACTION_FIELDS",
    "FEE_FIELDS",
    "Ratio",
    "RATIOS",
    "ratio_terms",
    "STATED_RATIOS",
    "STATED_WEIGHTS",
    "SHARE_OF",
    "label",
    "share_of",
    "is_ratio_field",
    "IDENTITIES",
    "SUBSETS",
    "DENOMINATOR_SUMS",
    "CONVENTION_DENOMINATORS",
    "choose_parts",
]


@dataclass(frozen=True)
class Field:
    name: str
    vi: str
    en: str
    kind: str = "count"  # count | amount | ratio | label


_RESULT = [
    Field("carried_over", "Kỳ trước chuyển sang", "Carried over"),
    Field("received_new", "Tiếp nhận mới", "Received this period"),
    Field("received", "Tổng số tiếp nhận", "Received"),
    Field("received_online", "Tiếp nhận trực tuyến", "Received online"),
    Field("received_offline", "Trực tiếp, bưu chính", "Received offline"),
    Field("received_direct", "Trực tiếp", "Received in person"),
    Field("received_postal", "Bưu chính công ích", "Received by post"),
    Field("resolved", "Đã giải quyết", "Resolved"),
    Field("resolved_early", "Giải quyết trước hạn", "Resolved early"),
    Field("resolved_on_time", "Giải quyết đúng hạn", "Resolved on time"),
    Field("resolved_in_time", "Trước hạn và đúng hạn", "Resolved in time"),
    Field("resolved_late", "Giải quyết quá hạn", "Resolved late"),
    Field("pending", "Đang giải quyết", "Pending"),
    Field("pending_in_time", "Đang giải quyết trong hạn", "Pending in time"),
    Field("pending_due", "Đang giải quyết đến hạn", "Pending, due now"),
    Field("pending_overdue", "Đang giải quyết quá hạn", "Pending overdue"),
    Field("returned", "Hồ sơ trả lại", "Returned"),
    Field("withdrawn", "Hồ sơ rút", "Withdrawn"),
    Field("supplement_requested", "Yêu cầu bổ sung", "Supplement requested"),
]
_SATISFACTION = [
    Field("sat_service", "Hài lòng với dịch vụ", "Satisfied with the service"),
    Field("sat_attitude", "Hài lòng về thái độ phục vụ", "Satisfied with the attitude"),
    Field("unsat_skill", "Không hài lòng về nghiệp vụ nhân viên", "Unsatisfied with staff skill"),
    Field("unsat_time", "Không hài lòng về thời gian giao dịch", "Unsatisfied with the time"),
    Field("feedback", "Ý kiến góp ý", "Suggestions"),
    Field("sat_total", "Tổng cộng", "Total"),
]
_FEES = [
    Field("online_tx", "Số giao dịch trực tuyến", "Online transactions"),
    Field("online_amount", "Số tiền trực tuyến", "Online amount (VND)", "amount"),
    Field("direct_tx", "Số giao dịch trực tiếp", "Direct transactions"),
    Field("direct_amount", "Số tiền trực tiếp", "Direct amount (VND)", "amount"),
]
_RATIOS = [
    Field("ontime_rate", "Tỷ lệ đúng hạn", "On-time rate", "ratio"),
    Field("late_rate", "Tỷ lệ quá hạn", "Late rate", "ratio"),
    Field("online_rate", "Tỷ lệ hồ sơ trực tuyến", "Online rate", "ratio"),
    Field("resolved_rate", "Tỷ lệ đã giải quyết", "Resolved rate", "ratio"),
    Field("overdue_pending_rate", "Tỷ lệ đang giải quyết quá hạn", "Overdue pending rate", "ratio"),
    Field("postal_rate", "Tỷ lệ qua bưu chính", "Postal rate", "ratio"),
    Field("online_payment_rate", "Tỷ lệ thanh toán trực tuyến", "Online payment rate", "ratio"),
    Field("population_db_rate", "Tỷ lệ khai thác CSDL quốc gia về dân cư", "Population DB use", "ratio"),
    Field("digitisation_rate", "Tỷ lệ số hóa", "Digitisation rate", "ratio"),
    Field("e_result_rate", "Tỷ lệ trả kết quả bản điện tử", "Electronic results rate", "ratio"),
]
_LABELS = [
    Field("unit", "Tên đơn vị", "Unit", "label"),
    Field("stt", "STT", "No.", "label"),
]

FIELDS: dict[str, Field] = {f.name: f for f in _RESULT + _SATISFACTION + _FEES + _RATIOS + _LABELS}
RESULT_FIELDS = tuple(f.name for f in _RESULT)
SATISFACTION_FIELDS = tuple(f.name for f in _SATISFACTION)
FEE_FIELDS = tuple(f.name for f in _FEES)
COUNT_FIELDS = RESULT_FIELDS + SATISFACTION_FIELDS + FEE_FIELDS


@dataclass(frozen=True)
class Ratio:
    """numerator (the sum of one of the alternatives) / denominator."""

    name: str
    numerators: tuple[tuple[str, ...], ...]
    denominator: str
    alt_denominators: tuple[str, ...] = ()


RATIOS: dict[str, Ratio] = {
    r.name: r
    for r in (
        Ratio("ontime_rate", (("resolved_early", "resolved_on_time"), ("resolved_in_time",)), "resolved"),
        Ratio("late_rate", (("resolved_late",),), "resolved"),
        Ratio("online_rate", (("received_online",),), "received_new", ("received",)),
        Ratio("resolved_rate", (("resolved",),), "received"),
        Ratio("overdue_pending_rate", (("pending_overdue",),), "pending"),
        Ratio("postal_rate", (("received_postal",),), "received"),
    )
}


def ratio_terms(name: str, fields: Iterable[str], online_denominator: str = "received_new") -> \
        tuple[tuple[str, ...], str] | None:
    """The numerator fields and the denominator of ratio ``name`` over the given fields
    (the shortest numerator alternative they hold; for the online rate the profile's
    denominator first), or None when they hold none."""
    have = set(fields)
    r = RATIOS[name]
    denominators = [r.denominator, *r.alt_denominators]
    if name == "online_rate" and online_denominator in denominators:
        denominators.remove(online_denominator)
        denominators.insert(0, online_denominator)
    den = next((d for d in denominators if d in have), None)
    num = next((n for n in sorted(r.numerators, key=len) if set(n) <= have), None)
    return (num, den) if num and den else None


# Stated figures that cannot be recomputed from counts: range-checked only.
STATED_RATIOS = ("online_payment_rate", "population_db_rate", "digitisation_rate", "e_result_rate")

# The count that weighs each stated ratio when departments are consolidated (and on the
# total row of the provincial form): the provincial figure is
# sum(rate x weight) / sum(weight) over the departments that state the rate and report
# the weight.  Online payment, use of the population database and digitisation happen
# when a dossier is received, so they are shares of the dossiers received in the period
# ("received_new": carried-over dossiers were paid, looked up and digitised in the
# period they arrived; every layout seen reports it, the one-column "Đã tiếp nhận"
# included).  Electronic results are handed out when a dossier is resolved: a share of
# "resolved".  One weight per ratio, so the provincial sheet weighs with one column.
STATED_WEIGHTS: dict[str, str] = {
    "online_payment_rate": "received_new",
    "population_db_rate": "received_new",
    "digitisation_rate": "received_new",
    "e_result_rate": "resolved",
}

# In a "Tỷ lệ %" row under the total row, each count column holds its share of this whole.
SHARE_OF: dict[str, tuple[str, ...]] = {
    "received": ("received",),
    "carried_over": ("received",),
    "received_new": ("received",),
    "received_online": ("received_new", "received"),
    "received_offline": ("received_new", "received"),
    "received_direct": ("received_new", "received"),
    "received_postal": ("received_new", "received"),
    "resolved": ("received",),
    "resolved_early": ("resolved",),
    "resolved_on_time": ("resolved",),
    "resolved_in_time": ("resolved",),
    "resolved_late": ("resolved",),
    "pending": ("received",),
    "pending_in_time": ("pending",),
    "pending_due": ("pending",),
    "pending_overdue": ("pending",),
    "returned": ("received",),
    "withdrawn": ("received",),
    "supplement_requested": ("received",),
    "sat_service": ("sat_total",),
    "sat_attitude": ("sat_total",),
    "unsat_skill": ("sat_total",),
    "unsat_time": ("sat_total",),
    "feedback": ("sat_total",),
    "sat_total": ("sat_total",),
}


# Other denominators some provinces state a ratio or share over, recognised by the rules
# as a table-wide convention (said once, then checked that way) when every stated value
# follows one of them; never chosen by the consolidation or the recomputation.
# (Over "received_new" where a table has no carried-over column: its only received figure.)
CONVENTION_DENOMINATORS: dict[str, tuple[str, ...]] = {
    "ontime_rate": ("received", "received_new", "due"),
    "late_rate": ("received", "received_new", "due"),
    "resolved_early": ("received", "received_new", "due"),
    "resolved_on_time": ("received", "received_new", "due"),
    "resolved_in_time": ("received", "received_new", "due"),
    "resolved_late": ("received", "received_new", "due"),
    "pending_in_time": ("received",),
    "pending_due": ("received",),
    "pending_overdue": ("received",),
}

# Denominators that are sums of fields rather than a column: "dossiers due" in the period
# (Quyết định 766's on-time share: resolved plus those pending past their deadline).
DENOMINATOR_SUMS: dict[str, tuple[str, ...]] = {"due": ("resolved", "pending_overdue")}
_SUM_LABELS = {"due": ("Hồ sơ đến hạn (đã giải quyết + đang giải quyết quá hạn)",
                       "Dossiers due (resolved + pending overdue)")}

# The identities of domain.md: (whole, alternatives of parts, rule id, message key).
# The rules, the reader's evidence, the recomputation and the consolidation all read them.
IDENTITIES: tuple[tuple[str, tuple[tuple[str, ...], ...], str, str], ...] = (
    ("received", (("carried_over", "received_new"),
                  # form 06a: (3) = (4) + (5) + (6), online and offline being parts of the new
                  ("carried_over", "received_online", "received_offline"),
                  ("carried_over", "received_online", "received_direct", "received_postal")),
     "received_total", "received_total"),
    ("received_offline", (("received_direct", "received_postal"),), "received_channels", "received_channels.offline"),
    ("received_new", (("received_online", "received_offline"), ("received_online", "received_direct", "received_postal")),
     "received_channels", "received_channels"),
    ("resolved", (("resolved_early", "resolved_on_time", "resolved_late"), ("resolved_in_time", "resolved_late")),
     "resolved_total", "resolved_total"),
    # three-way split (Chưa đến hạn / Đến hạn / Quá hạn) where "Đến hạn" is a column of its own
    ("pending", (("pending_in_time", "pending_overdue"), ("pending_in_time", "pending_due", "pending_overdue")),
     "pending_total", "pending_total"),
    ("sat_total", (("sat_service", "sat_attitude", "unsat_skill", "unsat_time", "feedback"),),
     "satisfaction_total", "satisfaction_total"),
)
# part <= whole, checked only where the identity that contains the part was not evaluated
SUBSETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("received_online", ("received_new", "received")),
    ("received_offline", ("received_new", "received")),
    ("received_direct", ("received_offline", "received_new")),
    ("received_postal", ("received_offline", "received_new")),
    ("carried_over", ("received",)),
    ("received_new", ("received",)),
    ("resolved_early", ("resolved",)),
    ("resolved_on_time", ("resolved",)),
    ("resolved_in_time", ("resolved",)),
    ("resolved_late", ("resolved",)),
    ("pending_in_time", ("pending",)),
    ("pending_due", ("pending",)),
    ("pending_overdue", ("pending",)),
)


def choose_parts(alternatives: tuple[tuple[str, ...], ...], present) -> tuple[str, ...] | None:
    """The alternative of an identity that the fields ``present`` allow: the first one,
    unless a later one holds it and more ("Trong hạn + Đến hạn + Quá hạn" over
    "Trong hạn + Quá hạn" when "Đến hạn" is a column of its own)."""
    chosen = None
    for parts in alternatives:
        if all(p in present for p in parts) and (chosen is None or set(parts) > set(chosen)):
            chosen = parts
    return chosen


SHARE_PREFIX = "share:"


@lru_cache(maxsize=4096)  # a few dozen field names, asked for every cell
def share_of(field: str | None) -> str | None:
    """The count field of a share column ("Trước hạn / Tỷ lệ (%)" is "share:resolved_early")."""
    if field and field.startswith(SHARE_PREFIX) and field[len(SHARE_PREFIX):] in SHARE_OF:
        return field[len(SHARE_PREFIX):]
    return None


@lru_cache(maxsize=4096)
def is_ratio_field(field: str | None) -> bool:
    return bool(field) and (share_of(field) is not None or (field in FIELDS and FIELDS[field].kind == "ratio"))


def label(field: str, lang: str = "vi") -> str:
    count = share_of(field)
    if count:
        inner = label(count, lang)
        return f"Tỷ lệ ({inner})" if lang == "vi" else f"Share ({inner})"
    f = FIELDS.get(field)
    if f is None:
        if field in _SUM_LABELS:
            return _SUM_LABELS[field][lang == "en"]
        return field
    return f.en if lang == "en" else f.vi


def derive(figures: dict[str, int], identities: Iterable[tuple[str, tuple[str, ...]]],
           no_remainder: Container[str] = ()) -> dict[str, int]:
    """``figures`` plus what the ``identities`` (whole, parts) give exactly, to a fixed
    point: a missing whole from all its parts, a missing part from its whole and the
    other parts where that is not negative (never the parts of ``no_remainder``).

    Identities are tried in order, pass after pass, as long as one adds a figure.  Which
    of them can act depends only on the fields present, but for a remainder's sign: the
    steps taken when no remainder is negative are worked out once per set of fields (a
    batch has a few layouts, :class:`_Derivation`) and replayed; a negative remainder
    takes the passes one by one."""
    d = _Derivation.of(identities, no_remainder)
    out = dict(figures)
    for whole, parts, missing in d.steps(frozenset(out)):
        total = 0
        for p in parts:
            if p != missing:
                total += out[p]
        if missing is None:
            out[whole] = total
        elif out[whole] - total < 0:
            return d.passes(figures)
        else:
            out[missing] = out[whole] - total
    return out


class _Derivation:
    """The identities (whole, parts) of :func:`derive`, the parts never derived as a
    remainder, and per set of fields present the steps taken from it when no remainder
    is negative: (whole, parts, None) for a whole added from all its parts, (whole,
    parts, the part) for a part added as the remainder."""

    _made: dict[tuple[int, int], tuple[object, object, "_Derivation"]] = {}

    def __init__(self, identities: tuple[tuple[str, tuple[str, ...]], ...], no_remainder: Container[str]):
        self.identities, self.no_remainder = identities, no_remainder
        self._steps: dict[frozenset[str], tuple] = {}

    @classmethod
    def of(cls, identities, no_remainder) -> "_Derivation":
        if not isinstance(identities, tuple) or not isinstance(no_remainder, (tuple, frozenset)):
            return cls(tuple(identities), no_remainder)  # not kept: worked out for this call
        key = (id(identities), id(no_remainder))
        got = cls._made.get(key)
        if got is None or got[0] is not identities or got[1] is not no_remainder:
            if len(cls._made) > 64:
                cls._made.clear()
            got = cls._made[key] = (identities, no_remainder, cls(identities, no_remainder))
        return got[2]

    def steps(self, fields: frozenset[str]) -> tuple:
        got = self._steps.get(fields)
        if got is None:
            if len(self._steps) > 4096:
                self._steps.clear()
            got = self._steps[fields] = tuple(self._walk(set(fields)))
        return got

    def _walk(self, have: set[str], out: dict[str, int] | None = None):
        """The steps from the fields ``have``, in :func:`derive`'s passes; with ``out``
        (the figures), each step is taken there too, and a negative remainder is not."""
        changed = True
        while changed:
            changed = False
            for whole, parts in self.identities:
                missing = [p for p in parts if p not in have]
                if whole not in have and not missing:
                    step = whole, parts, None
                elif whole in have and len(missing) == 1 and missing[0] not in self.no_remainder:
                    step = whole, parts, missing[0]
                else:
                    continue
                if out is not None:
                    total = sum(out[p] for p in parts if p in out)
                    if not missing:
                        out[whole] = total
                    elif out[whole] - total >= 0:
                        out[missing[0]] = out[whole] - total
                    else:
                        continue
                have.add(whole if not missing else missing[0])
                changed = True
                yield step

    def passes(self, figures: dict[str, int]) -> dict[str, int]:
        """:func:`derive` pass by pass, each remainder's sign tested."""
        out = dict(figures)
        for _step in self._walk(set(out), out):
            pass
        return out
