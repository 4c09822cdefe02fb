"""The official appendix forms: for each template its columns, their multi-row
Vietnamese header paths, the column-numbering text ("3=4+5") and the formula of every
computed cell on unit rows, the total row and the "Tỷ lệ %" row.

This is the single source the template writer, the consolidated provincial sheet and
the recompute button read.  Formula patterns name fields in braces (``{resolved}``);
:func:`row_formula`, :func:`total_formula` and :func:`share_formula` turn them into
Excel formulas with plain functions (IF, SUM, ROUND, SUMPRODUCT, SUMIF) that
LibreOffice evaluates the same way.  :func:`compute` is the exact recomputation of
the same cells in Python, so the two can be compared.

Ratios are fractions (0,9487) shown as % by the cell format, rounded to
``RATIO_DECIMALS`` decimals of the fraction (two decimals of the percent); a zero
denominator gives "" (the default ``blank`` convention of the profiles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from fractions import Fraction
from typing import Iterable, Mapping

from ..domain.fields import FIELDS, RATIOS, SHARE_OF, STATED_RATIOS, STATED_WEIGHTS
from ..domain.issues import column_letter
from ..domain.numbers import round_scaled
from ..read.marker import FORM_PROPERTY, PROVINCIAL, PROVINCIAL_SHEET

__all__ = [
    "FormColumn",
    "Form",
    "FORMS",
    "FORM_PROPERTY",
    "RATIO_DECIMALS",
    "NOT_REPORTED",
    "get_form",
    "row_formula",
    "total_formula",
    "share_formula",
    "compute",
    "Computed",
]

RATIO_DECIMALS = 4  # of the fraction: 0,9487 = 94,87%


class _NotReported:
    """The value of a formula field on a row that does not report its terms."""

    def __repr__(self) -> str:
        return "NOT_REPORTED"

    def __reduce__(self) -> str:
        return "NOT_REPORTED"


# A formula field of a row mapped to this is a blank cell there, without its formula.
NOT_REPORTED = _NotReported()

_REF = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class FormColumn:
    """One column of a form.

    ``formula``: pattern of the cell on unit rows (None: an input cell).  ``total``:
    "sum" (SUM of the unit rows), "row" (the unit-row pattern applied to the total
    row: ratios of sums), "covered" (a ratio of the sums over the unit rows where every
    term of the pattern is filled in: the departments that report both its numerator
    and its denominator), "weighted" (a stated ratio weighted by ``weight``), or None
    (left empty).  ``share``: the field whose total the "Tỷ lệ %" row divides by.
    """

    field: str
    path: tuple[str, ...]
    numbering: str
    formula: str | None = None
    total: str | None = "sum"
    share: str | None = None
    weight: str | None = None
    width: float = 9.5

    @property
    def kind(self) -> str:
        return FIELDS[self.field].kind

    @property
    def is_input(self) -> bool:
        return self.formula is None and self.kind not in ("label",)


@dataclass(frozen=True)
class Form:
    name: str
    description: str  # English, for ``xl-tthc template --list``
    appendix: str  # "PHỤ LỤC I"
    title: str  # the heading line, the period follows it
    sheet: str  # worksheet name
    columns: tuple[FormColumn, ...]
    ratio_row: bool = True
    unit_label: str = "Đơn vị báo cáo"  # placeholder line "Đơn vị báo cáo: …"

    @property
    def header_depth(self) -> int:
        return max(len(c.path) for c in self.columns)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)

    def column(self, field: str) -> FormColumn:
        for c in self.columns:
            if c.field == field:
                return c
        raise KeyError(f"form {self.name!r} has no column {field!r}")

    def letter(self, field: str) -> str:
        """Excel column letter of ``field`` (the first column is A)."""
        return column_letter(self.fields.index(field))

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns if c.is_input)


def _ratio_pattern(name: str, fields: Iterable[str]) -> str:
    """IF(den=0,"",ROUND(num/den,4)) for a ratio of fields.RATIOS, with the first
    numerator alternative the form has."""
    r = RATIOS[name]
    present = set(fields)
    num = next(alt for alt in r.numerators if set(alt) <= present)
    den = "{" + r.denominator + "}"
    top = "+".join("{" + f + "}" for f in num)
    if len(num) > 1:
        top = f"({top})"
    return f'IF({den}=0,"",ROUND({top}/{den},{RATIO_DECIMALS}))'


def _sum_pattern(parts: Iterable[str]) -> str:
    return "+".join("{" + p + "}" for p in parts)


_STT = FormColumn("stt", ("STT",), "1", total=None, width=5)
_RECEIVED_HEAD = "Số hồ sơ nhận giải quyết"
_RESOLVED_HEAD = "Số hồ sơ đã giải quyết"
_PENDING_HEAD = "Số hồ sơ đang giải quyết"


def _result_columns(unit_header: str) -> list[FormColumn]:
    """STT, unit and the count columns of the official result form (1 … 15)."""
    return [
        _STT,
        FormColumn("unit", (unit_header,), "2", total=None, width=30),
        FormColumn("received", (_RECEIVED_HEAD, "Tổng số"), "3=4+5",
                   _sum_pattern(("carried_over", "received_new")), share="received"),
        FormColumn("carried_over", (_RECEIVED_HEAD, "Trong đó", "Từ kỳ trước chuyển sang"), "4",
                   share="received"),
        FormColumn("received_new", (_RECEIVED_HEAD, "Trong đó", "Mới tiếp nhận trong kỳ"), "5=6+7",
                   share="received"),
        FormColumn("received_online", (_RECEIVED_HEAD, "Hình thức tiếp nhận mới", "Trực tuyến"), "6",
                   share="received_new"),
        FormColumn("received_offline", (_RECEIVED_HEAD, "Hình thức tiếp nhận mới", "Trực tiếp, bưu chính"),
                   "7", share="received_new"),
        FormColumn("resolved", (_RESOLVED_HEAD, "Tổng số"), "8=9+10+11",
                   _sum_pattern(("resolved_early", "resolved_on_time", "resolved_late")), share="received"),
        FormColumn("resolved_early", (_RESOLVED_HEAD, "Trước hạn"), "9", share="resolved"),
        FormColumn("resolved_on_time", (_RESOLVED_HEAD, "Đúng hạn"), "10", share="resolved"),
        FormColumn("resolved_late", (_RESOLVED_HEAD, "Quá hạn"), "11", share="resolved"),
        FormColumn("pending", (_PENDING_HEAD, "Tổng số"), "12=13+14",
                   _sum_pattern(("pending_in_time", "pending_overdue")), share="received"),
        FormColumn("pending_in_time", (_PENDING_HEAD, "Trong hạn"), "13", share="pending"),
        FormColumn("pending_overdue", (_PENDING_HEAD, "Quá hạn"), "14", share="pending"),
        FormColumn("returned", ("Số hồ sơ trả lại",), "15", share="received"),
    ]


def _count_fields(cols: list[FormColumn]) -> list[str]:
    return [c.field for c in cols if c.kind == "count"]


def _rate_columns(fields: list[str]) -> list[FormColumn]:
    """The on-time and online rates every result form ends with."""
    return [
        FormColumn("ontime_rate", ("Tỷ lệ giải quyết đúng hạn (%)",), "16=(9+10)/8",
                   _ratio_pattern("ontime_rate", fields), total="row", width=11),
        FormColumn("online_rate", ("Tỷ lệ hồ sơ trực tuyến (%)",), "17=6/5",
                   _ratio_pattern("online_rate", fields), total="row", width=11),
    ]


def _department_results() -> Form:
    cols = _result_columns("Tên lĩnh vực")
    fields = _count_fields(cols)
    cols += _rate_columns(fields)
    return Form(
        "department_results",
        "Department result form: one row per field of procedures (lĩnh vực)",
        "BIỂU MẪU",
        "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "Kết quả giải quyết",
        tuple(cols),
    )


_STATED = {
    "online_payment_rate": "Tỷ lệ thanh toán trực tuyến (%)",
    "population_db_rate": "Tỷ lệ khai thác CSDL quốc gia về dân cư (%)",
    "digitisation_rate": "Tỷ lệ số hóa hồ sơ (%)",
    "e_result_rate": "Tỷ lệ trả kết quả bản điện tử (%)",
}


def _provincial_appendix() -> Form:
    cols = _result_columns("Tên đơn vị")
    fields = _count_fields(cols)
    cols += _rate_columns(fields)
    # Stated digital-service ratios: typed by each department; the total row weighs
    # them by their count of fields.STATED_WEIGHTS (dossiers received in the period,
    # resolved for electronic results), over the departments that state one.
    for i, f in enumerate(STATED_RATIOS):
        cols.append(FormColumn(f, (_STATED[f],), str(18 + i), total="weighted", weight=STATED_WEIGHTS[f],
                               width=12))
    return Form(
        PROVINCIAL,
        "Provincial consolidated appendix: one row per department, with digital-service ratios",
        "PHỤ LỤC I",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        PROVINCIAL_SHEET,
        tuple(cols),
        unit_label="Cơ quan tổng hợp",
    )


_SAT_HEAD = "Số lượt đánh giá mức độ hài lòng"


def _satisfaction() -> Form:
    parts = ("sat_service", "sat_attitude", "unsat_skill", "unsat_time", "feedback")
    cols = [
        _STT,
        FormColumn("unit", ("Tên đơn vị",), "2", total=None, width=30),
        FormColumn("sat_service", (_SAT_HEAD, "Hài lòng với dịch vụ"), "3", share="sat_total", width=12),
        FormColumn("sat_attitude", (_SAT_HEAD, "Hài lòng về thái độ phục vụ"), "4", share="sat_total", width=12),
        FormColumn("unsat_skill", (_SAT_HEAD, "Không hài lòng về nghiệp vụ nhân viên"), "5", share="sat_total",
                   width=12),
        FormColumn("unsat_time", (_SAT_HEAD, "Không hài lòng về thời gian giao dịch"), "6", share="sat_total",
                   width=12),
        FormColumn("feedback", ("Ý kiến góp ý",), "7", share="sat_total", width=12),
        FormColumn("sat_total", ("Tổng cộng",), "8=3+4+5+6+7", _sum_pattern(parts), share="sat_total", width=12),
    ]
    return Form(
        "satisfaction",
        "Satisfaction appendix: satisfaction votes and suggestions per department",
        "PHỤ LỤC II",
        "THỐNG KÊ SỐ HỒ SƠ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG VÀ Ý KIẾN GÓP Ý CỦA TỔ CHỨC, CÁ NHÂN",
        "Phụ lục II",
        tuple(cols),
        unit_label="Cơ quan tổng hợp",
    )


def _fees() -> Form:
    cols = [
        _STT,
        FormColumn("unit", ("Tên đơn vị",), "2", total=None, width=30),
        FormColumn("online_tx", ("Giao dịch trực tuyến", "Số giao dịch"), "3", width=12),
        FormColumn("online_amount", ("Giao dịch trực tuyến", "Số tiền (đồng)"), "4", width=16),
        FormColumn("direct_tx", ("Giao dịch trực tiếp", "Số giao dịch"), "5", width=12),
        FormColumn("direct_amount", ("Giao dịch trực tiếp", "Số tiền (đồng)"), "6", width=16),
    ]
    return Form(
        "fees",
        "Fee appendix: fee and charge transactions, online and in person, per department",
        "PHỤ LỤC III",
        "KẾT QUẢ THU PHÍ, LỆ PHÍ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "Phụ lục III",
        tuple(cols),
        ratio_row=False,
        unit_label="Cơ quan tổng hợp",
    )


FORMS: dict[str, Form] = {f.name: f for f in (_department_results(), _provincial_appendix(), _satisfaction(),
                                                _fees())}


def get_form(name: str) -> Form:
    try:
        return FORMS[name]
    except KeyError:
        raise KeyError(f"unknown form {name!r}; forms: {', '.join(FORMS)}") from None


# --- Excel formulas -------------------------------------------------------------


def _fill(form: Form, pattern: str, row: int) -> str:
    return _REF.sub(lambda m: f"{form.letter(m.group(1))}{row}", pattern)


def row_formula(form: Form, field: str, row: int) -> str | None:
    """The formula of ``field`` on a unit row (1-based ``row``), None for an input."""
    col = form.column(field)
    return None if col.formula is None else "=" + _fill(form, col.formula, row)


def total_formula(form: Form, field: str, total_row: int, first: int, last: int) -> str | None:
    """The formula of ``field`` on the total row over unit rows ``first``..``last``."""
    col = form.column(field)
    letter = form.letter(field)
    if col.total == "sum":
        if last < first:
            return "=0"
        return f"=SUM({letter}{first}:{letter}{last})"
    if col.total == "row":
        return "=" + _fill(form, col.formula, total_row)
    if col.total == "covered":
        den, parts = _parse(col.formula)
        span = lambda f: f"{form.letter(f)}{first}:{form.letter(f)}{last}"  # noqa: E731
        mask = "*".join(f'({span(f)}<>"")' for f in dict.fromkeys((*parts, den)))
        top = f"SUMPRODUCT({mask}*({'+'.join(span(p) for p in parts)}))"
        bottom = f"SUMPRODUCT({mask}*{span(den)})"
        return f'=IF({bottom}=0,"",ROUND({top}/{bottom},{RATIO_DECIMALS}))'
    if col.total == "weighted":
        w = form.letter(col.weight)
        rates, weights = f"{letter}{first}:{letter}{last}", f"{w}{first}:{w}{last}"
        den = f"SUMIF({rates},\">=0\",{weights})"
        return (f'=IF({den}=0,"",ROUND(SUMPRODUCT({rates},{weights})/{den},{RATIO_DECIMALS}))')
    return None


def share_formula(form: Form, field: str, total_row: int) -> str | None:
    """The "Tỷ lệ %" row: the total of ``field`` as a share of its whole's total."""
    col = form.column(field)
    if col.share is None:
        return None
    num, den = f"{form.letter(field)}{total_row}", f"{form.letter(col.share)}{total_row}"
    return f'=IF({den}=0,"",ROUND({num}/{den},{RATIO_DECIMALS}))'


# --- the same cells in exact arithmetic --------------------------------------------


@dataclass
class Computed:
    """Every value of a filled form: ``rows`` (inputs and formula results per unit
    row), ``total`` and ``shares``.  Exact: an ``int`` where every term is an integer,
    otherwise a Fraction; ratios rounded like the template's ROUND (Fractions), ""
    where the denominator is 0; blank inputs count as 0."""

    rows: list[dict[str, Fraction | int | str | None]]
    total: dict[str, Fraction | int | str | None]
    shares: dict[str, Fraction | str]


_RATIO = re.compile(r'IF\(\{(\w+)\}=0,"",ROUND\((.+)/\{\w+\},\d+\)\)')
_SCALE = 10**RATIO_DECIMALS
_SHARES: dict[int, Fraction] = {}  # q -> q/10000 for the q seen, 0 <= q <= 10000


@lru_cache(maxsize=None)
def _parse(pattern: str) -> tuple[str | None, tuple[str, ...]]:
    """A pattern built above as (denominator, summed fields): (None, parts) for a sum,
    (den, numerator parts) for a ratio IF(den=0,"",ROUND(num/den,4))."""
    m = _RATIO.fullmatch(pattern)
    if m:
        return m.group(1), tuple(_REF.findall(m.group(2)))
    return None, tuple(_REF.findall(pattern))


def _number(v: object) -> Fraction | int:
    """A computed value as a term: itself when a number (int or Fraction), else 0."""
    return v if type(v) is int or isinstance(v, Fraction) else 0  # type: ignore[return-value]


def _eval(den: str | None, parts: tuple[str, ...],
          values: Mapping[str, Fraction | int | str | None]) -> Fraction | int | str:
    """Evaluate a pattern built above, as :func:`_parse` gives it, on exact values."""
    top = 0
    for p in parts:
        v = values.get(p)
        if type(v) is int or isinstance(v, Fraction):
            top += v  # type: ignore[operator]
    return top if den is None else _ratio_cell(top, _number(values.get(den)))


def _ratio_cell(num: Fraction | int, den: Fraction | int) -> Fraction | str:
    """num/den rounded like ROUND(num/den, RATIO_DECIMALS), "" for a zero denominator."""
    if den == 0:
        return ""
    q = round_scaled(num, den, RATIO_DECIMALS)
    share = _SHARES.get(q)
    if share is None:
        share = Fraction(q, _SCALE)
        if 0 <= q <= _SCALE:  # a ratio of 0 % to 100 %: each Fraction made once
            _SHARES[q] = share
    return share


def _input(v: object) -> Fraction | int | None:
    """An input cell's value: an int as it is, a blank as None, else an exact Fraction."""
    if type(v) is int:
        return v  # type: ignore[return-value]
    return None if v is None or v == "" else Fraction(v)  # type: ignore[arg-type]


def compute(form: Form, rows: Iterable[Mapping[str, object]]) -> Computed:
    """Recompute every formula cell of ``form`` filled with ``rows`` (input values
    keyed by field; numbers, or None for a blank).  A formula field a row maps to
    :data:`NOT_REPORTED` is a blank cell on that row (no formula: a ratio whose terms it
    does not report)."""
    plain = [(c.field, c.kind == "label") for c in form.columns if c.kind == "label" or c.formula is None]
    formulas = [(c.field, *_parse(c.formula)) for c in form.columns if c.formula is not None]
    out_rows: list[dict[str, Fraction | int | str | None]] = []
    for given in rows:
        get = given.get
        vals: dict[str, Fraction | int | str | None] = {}
        for f, is_label in plain:
            v = get(f)
            vals[f] = v if is_label or type(v) is int else _input(v)  # type: ignore[assignment]
        for f, den, parts in formulas:
            vals[f] = None if get(f) is NOT_REPORTED else _eval(den, parts, vals)
        out_rows.append(vals)
    total: dict[str, Fraction | int | str | None] = {}
    for c in form.columns:
        if c.total == "sum":
            total[c.field] = sum(_number(r[c.field]) for r in out_rows)
    for c in form.columns:
        if c.total == "row":
            total[c.field] = _eval(*_parse(c.formula), total)  # type: ignore[arg-type]
        elif c.total == "covered":
            den, parts = _parse(c.formula)
            covered = [r for r in out_rows if all(r[f] is not None and r[f] != "" for f in (*parts, den))]
            total[c.field] = _ratio_cell(sum(_number(r[p]) for r in covered for p in parts),
                                         sum(_number(r[den]) for r in covered))
        elif c.total == "weighted":
            pairs = [(v, _number(r[c.weight])) for r in out_rows if (v := r[c.field]) is not None and v != ""]
            den = sum(w for _, w in pairs)
            top = sum(v * w for v, w in pairs)
            total[c.field] = _ratio_cell(top, den)
    shares = {c.field: _ratio_cell(total[c.field], total[c.share])  # type: ignore[arg-type]
              for c in form.columns if c.share is not None and form.ratio_row}
    return Computed(out_rows, total, shares)
