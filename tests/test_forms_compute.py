""":func:`xl_tthc.forms.definitions.compute` against a plain Fraction recomputation of every
pattern (the way it was first written: every term a Fraction, every ratio through
``excel_round``): the same values for every form and input of any kind, and the cached
values written to workbooks (int or float) of the same type."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tthc.forms.definitions import FORMS, RATIO_DECIMALS, compute
from xl_tthc.domain.numbers import excel_round

_REF = re.compile(r"\{(\w+)\}")
_RATIO = re.compile(r'IF\(\{(\w+)\}=0,"",ROUND\((.+)/\{\w+\},\d+\)\)')


def _frac(v):
    return v if isinstance(v, Fraction) else Fraction(0)


def _ratio(num, den):
    return "" if den == 0 else excel_round(num / den, RATIO_DECIMALS)


def _eval(pattern, values):
    """As the cell's Excel formula (definitions.excel_pattern) computes it: a sum is ""
    where every term is blank, a ratio "" where its denominator is 0 or blank."""
    m = _RATIO.fullmatch(pattern)
    if m:
        top = sum((_frac(values.get(f)) for f in _REF.findall(m.group(2))), Fraction(0))
        return _ratio(top, _frac(values.get(m.group(1))))
    terms = [values.get(f) for f in _REF.findall(pattern)]
    if not any(isinstance(v, Fraction) for v in terms):
        return ""
    return sum((_frac(v) for v in terms), Fraction(0))


def reference(form, rows):
    out = []
    for given_ in rows:
        vals = {}
        for c in form.columns:
            if c.kind == "label":
                vals[c.field] = given_.get(c.field)
            elif c.formula is None:
                v = given_.get(c.field)
                vals[c.field] = None if v is None or v == "" else Fraction(v)
        for c in form.columns:
            if c.formula is not None:
                vals[c.field] = _eval(c.formula, vals)
        out.append(vals)
    total = {}
    for c in form.columns:
        if c.total == "sum":
            terms = [v for r in out if isinstance(v := r[c.field], Fraction)]
            total[c.field] = sum(terms, Fraction(0)) if terms else ""
    for c in form.columns:
        if c.total == "row":
            total[c.field] = _eval(c.formula, total)
        elif c.total == "weighted":
            pairs = [(r[c.field], r[c.weight]) for r in out if isinstance(r[c.field], Fraction)]
            den = sum((w or Fraction(0) for _, w in pairs), Fraction(0))
            top = sum((v * (w or 0) for v, w in pairs), Fraction(0))
            total[c.field] = _ratio(top, den)
    shares = {c.field: _ratio(total[c.field], _frac(total[c.share])) if isinstance(total[c.field], Fraction) else ""
              for c in form.columns if c.share is not None and form.ratio_row}
    return out, total, shares


def _cached(v):
    """What a workbook's <v> gets (templates._cache_value)."""
    return (int(v) if v.denominator == 1 else float(v)) if isinstance(v, Fraction) else v


def _same(a: dict, b: dict) -> bool:
    return list(a) == list(b) and all(
        a[k] == b[k] and type(_cached(a[k])) is type(_cached(b[k])) and _cached(a[k]) == _cached(b[k]) for k in a)


values = st.one_of(
    st.none(), st.just(""), st.integers(0, 60), st.integers(-10**15, 10**15), st.booleans(),
    st.fractions(min_value=-1000, max_value=1000, max_denominator=400),
    st.integers(-10**9, 10**9).map(lambda i: i / 1000),  # floats whose ratios a float can hold
    st.decimals(min_value=-10**6, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
)


@st.composite
def filled(draw):
    form = draw(st.sampled_from(sorted(FORMS)))
    fields = [f for f in FORMS[form].fields if f not in ("stt", "unit")]
    rows = draw(st.lists(st.fixed_dictionaries({"unit": st.text(max_size=3)},
                                               optional={f: values for f in fields}), max_size=6))
    return form, rows


@settings(max_examples=400, deadline=None)
@given(filled())
def test_compute_equals_the_fraction_recomputation(case) -> None:
    name, rows = case
    form = FORMS[name]
    got = compute(form, rows)
    want_rows, want_total, want_shares = reference(form, rows)
    assert len(got.rows) == len(want_rows)
    for a, b in zip(got.rows, want_rows):
        assert _same(a, b), (a, b)
    assert _same(got.total, want_total), (got.total, want_total)
    assert _same(got.shares, want_shares), (got.shares, want_shares)


def test_ratios_round_half_away_from_zero_in_integers() -> None:
    form = FORMS["department_results"]  # online_rate = received_online / received_new
    for (num, den), want in {(1, 8): Fraction(1250, 10000), (1, 3): Fraction(3333, 10000),
                             (2, 3): Fraction(6667, 10000), (1, 20000): Fraction(1, 10000),
                             (-1, 20000): Fraction(-1, 10000), (3, -20000): Fraction(-2, 10000),
                             (1, 20001): 0, (0, 5): 0, (5, 0): ""}.items():
        c = compute(form, [{"received_online": num, "received_new": den}])
        assert c.rows[0]["online_rate"] == want == reference(form, [{"received_online": num,
                                                                      "received_new": den}])[0][0]["online_rate"]
    c = compute(form, [{"received_online": Decimal("0.5"), "received_new": 2.0}])
    assert c.rows[0]["online_rate"] == Fraction(2500, 10000)
