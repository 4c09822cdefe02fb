"""The Vietnamese summary paragraphs of a result table, in the register of the centres'
monthly reports:

    Tổng số hồ sơ tiếp nhận trong tháng 02 năm 2021 là 8.605 hồ sơ (kỳ trước chuyển
    sang 1.378 hồ sơ, tiếp nhận mới 7.227 hồ sơ), trong đó tiếp nhận trực tuyến 3.116
    hồ sơ (chiếm 43,12% số hồ sơ tiếp nhận mới).

Input is plain data: the total row as ``{canonical field: count}`` and, optionally, the
unit rows as dicts with ``"unit"`` and the same fields.  A sentence is written only for
figures the table has (or that follow from them by the identities of domain.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from ..domain.fields import RESULT_FIELDS, derive
from ..domain.numbers import format_count, format_percent, ratio

__all__ = ["Totals", "complete_totals", "narrative"]

Totals = dict[str, int]

# total = sum(parts): the identities of domain.md that narrative and cross-check use.
IDENTITIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("received", ("carried_over", "received_new")),
    ("resolved_in_time", ("resolved_early", "resolved_on_time")),
    ("resolved", ("resolved_in_time", "resolved_late")),
    ("resolved", ("resolved_early", "resolved_on_time", "resolved_late")),
    ("pending", ("pending_in_time", "pending_overdue")),
)


def _whole(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = Fraction(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(f) if f.denominator == 1 and f >= 0 else None


def complete_totals(totals: Mapping[str, object]) -> Totals:
    """The count fields of ``totals`` (blanks and non-counts dropped) plus what follows
    from them: a total from all its parts, a missing part from its total and the other
    parts (received = carried_over + received_new, resolved_in_time = early + on time, …)."""
    out: Totals = {}
    for k, v in totals.items():
        n = _whole(v)
        if k in RESULT_FIELDS and n is not None:
            out[k] = n
    return derive(out, IDENTITIES)


class _Writer:
    def __init__(self, totals: Totals, pad_small: bool, coverage: Mapping[str, tuple[int, int]] | None = None):
        self.t = totals
        self.pad = pad_small
        self.coverage = dict(coverage or {})

    def n(self, field_or_value: str | int) -> str:
        v = self.t[field_or_value] if isinstance(field_or_value, str) else field_or_value
        return format_count(v, pad=self.pad and 0 < v < 10)

    def share(self, part: str, whole: str, of_text: str = "") -> str:
        if whole not in self.t or self.coverage.get(part) != self.coverage.get(whole):
            return ""  # not over the same departments: no share to state
        r = ratio(self.t[part], self.t[whole])
        if r is None:
            return ""
        return f" (chiếm {format_percent(r)}{' ' + of_text if of_text else ''})"

    def item(self, field: str, words: str, whole: str) -> str:
        """ "trễ hạn 07 hồ sơ (chiếm 0,08%)", or "không có hồ sơ trễ hạn" for a zero."""
        if self.t[field] == 0:
            return f"không có hồ sơ {words}"
        return f"{words} {self.n(field)} hồ sơ{self.share(field, whole)}"

    def received(self, period: str | None) -> str:
        t = self.t
        where = "trong kỳ" if not period else period if period.startswith("từ") else f"trong {period}"
        head = ""
        if "received" in t:
            head = f"Tổng số hồ sơ tiếp nhận {where} là {self.n('received')} hồ sơ"
            parts = [f"{w} {self.n(f)} hồ sơ" for f, w in (("carried_over", "kỳ trước chuyển sang"),
                                                            ("received_new", "tiếp nhận mới")) if f in t]
            if parts:
                head += f" ({', '.join(parts)})"
        elif "received_new" in t:
            head = f"Tổng số hồ sơ tiếp nhận mới {where} là {self.n('received_new')} hồ sơ"
        if "received_online" in t:
            whole, of_text = (("received_new", "số hồ sơ tiếp nhận mới") if "received_new" in t
                              else ("received", "tổng số hồ sơ tiếp nhận"))
            online = f"{self.n('received_online')} hồ sơ{self.share('received_online', whole, of_text)}"
            head = f"{head}, trong đó tiếp nhận trực tuyến {online}" if head else \
                f"Tiếp nhận trực tuyến {where} {online}"
        return head + "." if head else ""

    def resolved(self) -> str:
        t = self.t
        items = []
        if "resolved_early" in t and "resolved_on_time" in t:
            items += [self.item("resolved_early", "trước hạn", "resolved"),
                      self.item("resolved_on_time", "đúng hạn", "resolved")]
        elif "resolved_in_time" in t:
            items.append(self.item("resolved_in_time", "trước hạn và đúng hạn", "resolved"))
        else:
            items += [self.item(f, w, "resolved") for f, w in (("resolved_early", "trước hạn"),
                                                                ("resolved_on_time", "đúng hạn")) if f in t]
        if "resolved_late" in t:
            items.append(self.item("resolved_late", "trễ hạn", "resolved"))
        if "resolved" in t:
            text = f"Đã giải quyết {self.n('resolved')} hồ sơ" + self.share(
                "resolved", "received", "trên tổng số hồ sơ tiếp nhận")
            text += f", trong đó {'; '.join(items)}." if items else "."
        elif items:
            text = f"Kết quả giải quyết: {'; '.join(items)}."
        else:
            return ""
        if "resolved_early" in t and "resolved_on_time" in t and t.get("resolved"):
            rate = format_percent(ratio(t["resolved_in_time"], t["resolved"]))
            text += f" Tỷ lệ giải quyết trước hạn và đúng hạn đạt {rate}."
        return text

    def pending(self) -> str:
        t = self.t
        items = [self.item(f, w, "pending") for f, w in (("pending_in_time", "còn hạn"),
                                                          ("pending_overdue", "quá hạn")) if f in t]
        if "pending" in t:
            text = f"Đang giải quyết {self.n('pending')} hồ sơ" + self.share(
                "pending", "received", "trên tổng số hồ sơ tiếp nhận")
            return text + (f", trong đó {'; '.join(items)}." if items else ".")
        return f"Hồ sơ đang giải quyết: {'; '.join(items)}." if items else ""

    def covered(self) -> str:
        """ "Số liệu đang giải quyết, trả lại chỉ gồm 5/10 đơn vị có số liệu." """
        groups: dict[tuple[int, int], list[str]] = {}
        for f, cov in self.coverage.items():
            if f in self.t and f in _WORDS and cov[0] < cov[1]:
                groups.setdefault(cov, []).append(_WORDS[f])
        return " ".join(f"Số liệu {', '.join(words)} chỉ gồm {k}/{n} đơn vị có số liệu."
                        for (k, n), words in groups.items())

    def others(self) -> str:
        out = []
        for f, words in (("returned", "bị trả lại"), ("withdrawn", "xin rút"),
                         ("supplement_requested", "yêu cầu bổ sung")):
            if f in self.t:
                out.append(f"Không có hồ sơ {words}." if self.t[f] == 0
                           else f"Hồ sơ {words}: {self.n(f)} hồ sơ.")
        return " ".join(out)


_WORDS = {"carried_over": "kỳ trước chuyển sang", "received_new": "tiếp nhận mới", "received": "tổng tiếp nhận",
          "received_online": "tiếp nhận trực tuyến", "received_offline": "tiếp nhận trực tiếp, bưu chính",
          "resolved": "đã giải quyết", "resolved_early": "giải quyết trước hạn",
          "resolved_on_time": "giải quyết đúng hạn", "resolved_in_time": "giải quyết trước hạn và đúng hạn",
          "resolved_late": "giải quyết trễ hạn", "pending": "đang giải quyết", "pending_in_time": "còn hạn",
          "pending_overdue": "quá hạn", "returned": "trả lại", "withdrawn": "xin rút",
          "supplement_requested": "yêu cầu bổ sung"}


def _unit_rows(units: Iterable[Mapping[str, object]] | None) -> list[dict[str, object]]:
    rows = []
    for u in units or ():
        name = str(u.get("unit") or "").strip()
        if name:
            rows.append({"unit": name, **{k: _whole(v) for k, v in u.items() if k in RESULT_FIELDS}})
    return rows


def _ranked(rows: list[dict[str, object]], field: str) -> list[tuple[str, int]]:
    vals = [(str(r["unit"]), r[field]) for r in rows if isinstance(r.get(field), int) and r[field] > 0]
    return sorted(vals, key=lambda x: (-x[1], x[0]))  # type: ignore[return-value]


def _units(rows: list[dict[str, object]], w: _Writer, top: int) -> list[str]:
    def listed(pairs: list[tuple[str, int]]) -> str:
        return ", ".join(f"{name} ({w.n(v)} hồ sơ)" for name, v in pairs)

    out = []
    key = "received" if any(isinstance(r.get("received"), int) for r in rows) else "received_new"
    busiest = _ranked(rows, key)[:top]
    if busiest:
        out.append(f"Các đơn vị tiếp nhận nhiều hồ sơ nhất: {listed(busiest)}.")
    for field, words in (("resolved_late", "có hồ sơ giải quyết trễ hạn"),
                         ("pending_overdue", "có hồ sơ đang giải quyết quá hạn")):
        if not any(isinstance(r.get(field), int) for r in rows):
            continue
        late = _ranked(rows, field)
        out.append(f"Các đơn vị {words}: {listed(late)}." if late else f"Không có đơn vị nào {words}.")
    return out


def narrative(totals: Mapping[str, object], units: Iterable[Mapping[str, object]] | None = None,
              period: str | None = None, *, pad_small: bool = True, top: int = 3,
              coverage: Mapping[str, tuple[int, int]] | None = None) -> str:
    """The summary paragraphs, one a line.

    ``totals``: the total row, canonical field -> count.  ``units``: the unit rows
    (dicts with "unit" and the same fields; not the total row), for the departments
    with the most dossiers and those with late ones.  ``period``: a label such as
    "tháng 02 năm 2021" or "từ ngày 16/01/2021 đến ngày 15/02/2021".  ``pad_small``
    writes counts under ten as "07", the convention of most reports.  ``coverage``:
    field -> (units reporting it, units) of a consolidated table whose columns not
    every department reports: no share between figures of different departments, and
    a sentence saying which figures cover which part.
    """
    w = _Writer(complete_totals(totals), pad_small, coverage)
    paragraphs = [w.received(period), w.resolved(), w.pending(), w.others(), w.covered(),
                  *_units(_unit_rows(units), w, top)]
    return "\n".join(p for p in paragraphs if p)
