"""The official appendix forms: for each template its columns, their multi-row
Vietnamese header paths, the column-numbering text ("3=4+5", derived from the formulas
and identities) and the formula of every computed cell on unit rows, the total row and
the "Tỷ lệ %" row.

This is the single source the template writer, the consolidated provincial sheet and
the recompute button read: :func:`fit_form` fits a form to the figures given (the
consolidated sheet), :func:`template_form` is the same fit for a blank template.
Formula patterns name fields in braces (``{resolved}``); :func:`row_formula`,
:func:`total_formula` and :func:`share_formula` turn them into Excel formulas with
plain functions (IF, COUNT, SUM, ROUND, SUMPRODUCT, SUMIF) that LibreOffice evaluates
the same way, blank ("") while their inputs are blank (:func:`excel_pattern`).
:func:`compute` is the exact recomputation of the same cells in Python, so the two can
be compared.

Ratios are fractions (0,9487) shown as % by the cell format, rounded to
``RATIO_DECIMALS`` decimals of the fraction (two decimals of the percent); a zero
denominator gives "" (the default ``blank`` convention of the profiles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from ..domain.fields import FIELDS, RATIOS, SHARE_OF, STATED_RATIOS, STATED_WEIGHTS, label, ratio_terms
from ..domain.issues import column_letter
from ..domain.numbers import round_scaled
from ..read.marker import FORM_PROPERTY, PROVINCIAL, PROVINCIAL_SHEET
from ..rules.table_rules import IDENTITIES

__all__ = [
    "FormColumn",
    "Form",
    "FORMS",
    "FORM_PROPERTY",
    "RATIO_DECIMALS",
    "NOT_REPORTED",
    "get_form",
    "fit_form",
    "template_form",
    "ratio_pattern",
    "row_formula",
    "total_formula",
    "share_formula",
    "compute",
    "excel_pattern",
    "pattern_terms",
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




@dataclass(frozen=True)
class FormColumn:
    """One column of a form.

    ``formula``: pattern of the cell on unit rows (None: an input cell).  ``total``:
    "sum" (SUM of the unit rows), "row" (the unit-row pattern applied to the total
    row: ratios of sums), "covered" (a ratio of the sums over the unit rows where every
    term of the pattern is filled in: the departments that report both its numerator
    and its denominator), "weighted" (a stated ratio weighted by ``weight``), or None
    (left empty).  ``share``: the field whose total the "Tỷ lệ %" row divides by.
    ``optional``: a column the form has only where figures for it are given (see
    :func:`fit_form`).  ``numbering``: the text of the column-numbering row ("3=4+5"),
    derived by :class:`Form` from the column's place, formula or identity, never typed.
    """

    field: str
    path: tuple[str, ...]
    formula: str | None = None
    total: str | None = "sum"
    share: str | None = None
    weight: str | None = None
    width: float = 9.5
    optional: bool = False
    numbering: str = ""

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
    measure: str | None = "hồ sơ"  # the line "Đơn vị tính: hồ sơ" above the table (None: none)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", _numbered(self.columns))

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


def ratio_pattern(numerator: Sequence[str], denominator: str) -> str:
    """The pattern IF({den}=0,"",ROUND(({a}+{b})/{den},4)) of the ratio of the sum of
    ``numerator`` to ``denominator``."""
    top = "+".join("{" + f + "}" for f in numerator)
    if len(numerator) > 1:
        top = f"({top})"
    return f'IF({{{denominator}}}=0,"",ROUND({top}/{{{denominator}}},{RATIO_DECIMALS}))'


def _ratio_pattern(name: str, fields: Iterable[str]) -> str:
    """The pattern of ratio ``name`` of fields.RATIOS over the given fields."""
    terms = ratio_terms(name, fields)
    assert terms, f"{name}: the form lacks its terms"
    return ratio_pattern(*terms)


def _numbered(columns: tuple[FormColumn, ...]) -> tuple[FormColumn, ...]:
    """``columns`` with their numbering text: the column's number, and for a sum or an
    identity of xl_tthc.rules.table_rules.IDENTITIES whose parts the form has the
    numbers of its parts ("3=4+5", "5=6+7"), for a ratio its terms ("16=(9+10)/8")."""
    number = {c.field: i for i, c in enumerate(columns, start=1)}
    out = []
    for i, c in enumerate(columns, start=1):
        text = str(i)
        den, parts = _parse(c.formula) if c.formula else (None, ())
        if c.formula and den is not None:
            top = "+".join(str(number[p]) for p in parts)
            text = f"{i}=({top})/{number[den]}" if len(parts) > 1 else f"{i}={top}/{number[den]}"
        else:
            if not parts:
                parts = next((alt for whole, alts, _r, _k in IDENTITIES if whole == c.field for alt in alts
                              if all(p in number for p in alt)), ())
            if parts:
                text = f"{i}=" + "+".join(str(number[p]) for p in parts)
        out.append(c if c.numbering == text else replace(c, numbering=text))
    return tuple(out)


def _sum_pattern(parts: Iterable[str]) -> str:
    return "+".join("{" + p + "}" for p in parts)


_STT = FormColumn("stt", ("STT",), total=None, width=5)
_RECEIVED_HEAD = "Số hồ sơ nhận giải quyết"
_RESOLVED_HEAD = "Số hồ sơ đã giải quyết"
_PENDING_HEAD = "Số hồ sơ đang giải quyết"


def _result_columns(unit_header: str) -> list[FormColumn]:
    """STT, unit and the count columns of the official result form (1 … 15)."""
    return [
        _STT,
        FormColumn("unit", (unit_header,), total=None, width=30),
        FormColumn("received", (_RECEIVED_HEAD, "Tổng số"),
                   _sum_pattern(("carried_over", "received_new")), share="received"),
        FormColumn("carried_over", (_RECEIVED_HEAD, "Trong đó", "Từ kỳ trước chuyển sang"),
                   share="received"),
        FormColumn("received_new", (_RECEIVED_HEAD, "Trong đó", "Mới tiếp nhận trong kỳ"),
                   share="received"),
        FormColumn("received_online", (_RECEIVED_HEAD, "Hình thức tiếp nhận mới", "Trực tuyến"),
                   share="received_new"),
        FormColumn("received_offline", (_RECEIVED_HEAD, "Hình thức tiếp nhận mới", "Trực tiếp, bưu chính"),
                   share="received_new"),
        FormColumn("resolved", (_RESOLVED_HEAD, "Tổng số"),
                   _sum_pattern(("resolved_early", "resolved_on_time", "resolved_late")), share="received"),
        FormColumn("resolved_early", (_RESOLVED_HEAD, "Trước hạn"), share="resolved"),
        FormColumn("resolved_on_time", (_RESOLVED_HEAD, "Đúng hạn"), share="resolved"),
        FormColumn("resolved_late", (_RESOLVED_HEAD, "Quá hạn"), share="resolved"),
        FormColumn("pending", (_PENDING_HEAD, "Tổng số"),
                   _sum_pattern(("pending_in_time", "pending_overdue")), share="received"),
        FormColumn("pending_in_time", (_PENDING_HEAD, "Trong hạn"), share="pending"),
        FormColumn("pending_overdue", (_PENDING_HEAD, "Quá hạn"), share="pending"),
        FormColumn("returned", ("Số hồ sơ trả lại",), share="received"),
    ]


def _count_fields(cols: list[FormColumn]) -> list[str]:
    return [c.field for c in cols if c.kind == "count"]


def _rate_columns(fields: list[str]) -> list[FormColumn]:
    """The on-time and online rates every result form ends with."""
    return [
        FormColumn("ontime_rate", ("Tỷ lệ giải quyết đúng hạn (%)",),
                   _ratio_pattern("ontime_rate", fields), total="row", width=11),
        FormColumn("online_rate", ("Tỷ lệ hồ sơ trực tuyến (%)",),
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




def _provincial_appendix() -> Form:
    cols = _result_columns("Tên đơn vị")
    fields = _count_fields(cols)
    cols += _rate_columns(fields)
    # Stated digital-service ratios: typed by each department; the total row weighs
    # them by their count of fields.STATED_WEIGHTS (dossiers received in the period,
    # resolved for electronic results), over the departments that state one.
    # They are optional: a column only where some department states the ratio (the
    # template, which has no figures yet, leaves them out; see fit_form).
    for f in STATED_RATIOS:
        cols.append(FormColumn(f, (f"{label(f)} (%)",), total="weighted", weight=STATED_WEIGHTS[f], width=12,
                               optional=True))
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
        FormColumn("unit", ("Tên đơn vị",), total=None, width=30),
        FormColumn("sat_service", (_SAT_HEAD, "Hài lòng với dịch vụ"), share="sat_total", width=12),
        FormColumn("sat_attitude", (_SAT_HEAD, "Hài lòng về thái độ phục vụ"), share="sat_total", width=12),
        FormColumn("unsat_skill", (_SAT_HEAD, "Không hài lòng về nghiệp vụ nhân viên"), share="sat_total",
                   width=12),
        FormColumn("unsat_time", (_SAT_HEAD, "Không hài lòng về thời gian giao dịch"), share="sat_total",
                   width=12),
        FormColumn("feedback", ("Ý kiến góp ý",), share="sat_total", width=12),
        FormColumn("sat_total", ("Tổng cộng",), _sum_pattern(parts), share="sat_total", width=12),
    ]
    return Form(
        "satisfaction",
        "Satisfaction appendix: satisfaction votes and suggestions per department",
        "PHỤ LỤC II",
        "THỐNG KÊ SỐ HỒ SƠ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG VÀ Ý KIẾN GÓP Ý CỦA TỔ CHỨC, CÁ NHÂN",
        "Phụ lục II",
        tuple(cols),
        unit_label="Cơ quan tổng hợp",
        measure="lượt đánh giá",
    )


def _fees() -> Form:
    cols = [
        _STT,
        FormColumn("unit", ("Tên đơn vị",), total=None, width=30),
        FormColumn("online_tx", ("Giao dịch trực tuyến", "Số giao dịch"), width=12),
        FormColumn("online_amount", ("Giao dịch trực tuyến", "Số tiền (đồng)"), width=16),
        FormColumn("direct_tx", ("Giao dịch trực tiếp", "Số giao dịch"), width=12),
        FormColumn("direct_amount", ("Giao dịch trực tiếp", "Số tiền (đồng)"), width=16),
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
        measure=None,  # transactions and đồng, each column says which
    )


FORMS: dict[str, Form] = {f.name: f for f in (_department_results(), _provincial_appendix(), _satisfaction(),
                                                _fees())}


def get_form(name: str) -> Form:
    try:
        return FORMS[name]
    except KeyError:
        raise KeyError(f"unknown form {name!r}; forms: {', '.join(FORMS)}") from None


def template_form(name: str) -> Form:
    """The form ``name`` as its blank template has it: every column but the optional
    ones (:func:`fit_form` of figures holding every field of the form)."""
    form = get_form(name)
    return replace(form, columns=tuple(c for c in form.columns if not c.optional))


def fit_form(form: Form, rows: Sequence[Mapping[str, object]], online_denominator: str = "received_new",
             optional: Sequence[str] = ()) -> Form:
    """``form`` fitted to the figures of ``rows`` (mappings keyed by field): columns
    nobody reported are left out; where a row gives only "trước hạn và đúng hạn", that
    column replaces the early/on-time pair; a whole whose parts some row lacks is an
    input column instead of a formula; each ratio uses the numerator and denominator the
    figures allow (the online rate ``online_denominator`` first); of the optional
    columns, those of ``optional`` (the stated ratios some row reports).  Rows holding
    every field give :func:`template_form`: the consolidated sheet and the template are
    one form."""
    have = {f for r in rows for f in r}
    split = all({"resolved_early", "resolved_on_time"} <= set(r) for r in rows if "resolved_in_time" in r)
    have -= {"resolved_in_time"} if split else {"resolved_early", "resolved_on_time"}
    columns = []
    for c in form.columns:
        if c.optional and c.field not in optional:
            continue
        if c.kind == "label":
            columns.append(c)
        elif c.kind in ("count", "amount") and c.field in have:
            if c.formula is not None and not all(set(_REF.findall(c.formula)) <= set(r) for r in rows):
                c = replace(c, formula=None)
            columns.append(c)
            if c.field == "resolved_late" and "resolved_in_time" in have:
                columns.insert(-1, FormColumn("resolved_in_time", (c.path[0], "Trước hạn và đúng hạn"),
                                              share="resolved"))
        elif c.kind == "ratio" and c.formula is not None:
            if c.field in RATIOS and (terms := ratio_terms(c.field, have, online_denominator)):
                columns.append(replace(c, formula=ratio_pattern(*terms)))
        elif c.kind == "ratio" and c.formula is None and (c.optional or c.field in have):
            columns.append(c)
    present = {c.field for c in columns}
    # a stated ratio whose weight nobody reports has no provincial figure
    columns = [replace(c, total=None) if c.total == "weighted" and c.weight not in present else c for c in columns]
    fitted = []
    for c in columns:
        share = c.share if c.share in present else None
        if c.share is not None and share is None:
            share = next((w for w in SHARE_OF.get(c.field, ()) if w in present), None)
        fitted.append(c if share == c.share else replace(c, share=share))
    return replace(form, columns=tuple(fitted))


def pattern_terms(pattern: str) -> tuple[str | None, tuple[str, ...]]:
    """The terms of a pattern built here: (None, summed fields) for a sum, (denominator,
    numerator fields) for a ratio IF({den}=0,"",ROUND(num/{den},4))."""
    return _parse(pattern)


# --- Excel formulas -------------------------------------------------------------


def _fill(form: Form, pattern: str, row: int) -> str:
    return _REF.sub(lambda m: f"{form.letter(m.group(1))}{row}", pattern)


def excel_pattern(pattern: str) -> str:
    """The unit-row ``pattern`` of a computed column as its Excel cells hold it: blank
    ("") while its inputs are blank, so a blank row of a template prints nothing.  A
    sum is ``IF(COUNT(parts)=0,"",parts)``; a ratio tests ``SUM(den)=0``, which is also
    true of a denominator that is itself blank ("")."""
    den, parts = _parse(pattern)
    if den is None:
        return f'IF(COUNT({",".join("{" + p + "}" for p in parts)})=0,"",{pattern})'
    return "IF(SUM(" + pattern[3:].replace("=0,", ")=0,", 1)


def row_formula(form: Form, field: str, row: int) -> str | None:
    """The formula of ``field`` on a unit row (1-based ``row``), None for an input."""
    col = form.column(field)
    return None if col.formula is None else "=" + _fill(form, excel_pattern(col.formula), row)


def total_formula(form: Form, field: str, total_row: int, first: int, last: int) -> str | None:
    """The formula of ``field`` on the total row over unit rows ``first``..``last``."""
    col = form.column(field)
    letter = form.letter(field)
    if col.total == "sum":
        if last < first:
            return '=""'
        cells = f"{letter}{first}:{letter}{last}"
        return f'=IF(COUNT({cells})=0,"",SUM({cells}))'
    if col.total == "row":
        return "=" + _fill(form, excel_pattern(col.formula), total_row)
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
    return f'=IF(OR(COUNT({num})=0,SUM({den})=0),"",ROUND({num}/{den},{RATIO_DECIMALS}))'


# --- the same cells in exact arithmetic --------------------------------------------


@dataclass
class Computed:
    """Every value of a filled form: ``rows`` (inputs and formula results per unit
    row), ``total`` and ``shares``.  Exact: an ``int`` where every term is an integer,
    otherwise a Fraction; ratios rounded like the template's ROUND (Fractions), ""
    where the denominator is 0 or blank; a sum is "" where all its terms are blank
    (:func:`excel_pattern`), otherwise blank terms count as 0."""

    rows: list[dict[str, Fraction | int | str | None]]
    total: dict[str, Fraction | int | str | None]
    shares: dict[str, Fraction | str]


def _number(v: object) -> Fraction | int:
    """A computed value as a term: itself when a number (int or Fraction), else 0."""
    return v if type(v) is int or isinstance(v, Fraction) else 0  # type: ignore[return-value]


def _eval(den: str | None, parts: tuple[str, ...],
          values: Mapping[str, Fraction | int | str | None]) -> Fraction | int | str:
    """Evaluate a pattern built above, as :func:`_parse` gives it and
    :func:`excel_pattern` guards it, on exact values."""
    top = 0
    seen = False
    for p in parts:
        v = values.get(p)
        if type(v) is int or isinstance(v, Fraction):
            top += v  # type: ignore[operator]
            seen = True
    if den is None:
        return top if seen else ""
    return _ratio_cell(top, _number(values.get(den)))


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


def _share(num: object, den: object) -> Fraction | str:
    """A cell of the "Tỷ lệ %" row: "" where the total is blank or its whole's is 0."""
    if not (type(num) is int or isinstance(num, Fraction)):
        return ""
    return _ratio_cell(num, _number(den))  # type: ignore[arg-type]


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
            terms = [v for r in out_rows if type(v := r[c.field]) is int or isinstance(v, Fraction)]
            total[c.field] = sum(terms) if terms else ""
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
    shares = {c.field: _share(total[c.field], total[c.share])
              for c in form.columns if c.share is not None and form.ratio_row}
    return Computed(out_rows, total, shares)
