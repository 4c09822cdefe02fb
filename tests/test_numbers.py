"""Numbers as Vietnamese staff write them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from xl_tthc.domain.numbers import NumberError, excel_round, format_count, format_decimal, format_percent, parse_number


@pytest.mark.parametrize("text, value, percent, style, decimals", [
    ("1.692", 1692, False, None, 0),
    ("07", 7, False, None, 0),
    ("94,87%", Fraction(9487, 100), True, "vi", 2),
    ("99.14%", Fraction(9914, 100), True, "en", 2),
    ("12.345.678", 12345678, False, None, 0),
    ("1.234,5", Fraction(12345, 10), False, "vi", 1),
    ("1,234,567", 1234567, False, "en", 0),
    ("36,21(*)", Fraction(3621, 100), False, "vi", 2),
    (" 4 225 ", 4225, False, None, 0),
    ("100%", 100, True, None, 0),
    ("-5", -5, False, None, 0),
    (1692.0, 1692, False, None, 0),
    (0.9487, Fraction(9487, 10000), False, None, 4),
])
def test_parse_as_written(text, value, percent, style, decimals):
    n = parse_number(text)
    assert (n.value, n.percent, n.style, n.decimals) == (value, percent, style, decimals)


@pytest.mark.parametrize("blank", [None, "", "  ", "-", "—"])
def test_blanks_and_dashes_are_none(blank):
    assert parse_number(blank) is None


@pytest.mark.parametrize("text", ["abc", "1.2.3,4,5", "12a", "#DIV/0!", "1..2"])
def test_not_numbers_raise_with_the_text(text):
    with pytest.raises(NumberError) as e:
        parse_number(text)
    assert e.value.text == text


def test_excel_round_is_half_away_from_zero():
    assert excel_round(Fraction(1965, 2000) * 100, 1) == Fraction(983, 10)  # 98,25 -> 98,3
    assert excel_round(Fraction(-5, 2)) == -3
    assert excel_round(Fraction(5, 2)) == 3
    assert format_decimal(Fraction(1965, 2000) * 100, 1) == "98,3"


def test_formatting_the_vietnamese_way():
    assert format_count(1692) == "1.692"
    assert format_count(7, pad=True) == "07"
    assert format_percent(Fraction(4225, 4232)) == "99,83%"
    assert format_percent(None) == ""
    assert format_decimal(Fraction(-12345678, 100), 2) == "-123.456,78"


@given(st.integers(min_value=0, max_value=10**12))
def test_counts_round_trip(n):
    assert parse_number(format_count(n)).value == n


@given(st.fractions(min_value=0, max_value=10**6), st.integers(0, 4))
def test_percent_text_round_trips_at_its_precision(x, d):
    text = format_decimal(x, d) + "%"
    n = parse_number(text)
    assert n.percent and n.value == excel_round(x, d)
    assert n.decimals == d or (d == 0)


@given(st.decimals(min_value=-10**6, max_value=10**6, places=6, allow_nan=False), st.integers(0, 4))
def test_excel_round_matches_decimal_half_up(x, d):
    expected = Fraction(x.quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP))
    assert excel_round(Fraction(x), d) == expected
