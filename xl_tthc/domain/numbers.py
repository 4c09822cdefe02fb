"""Numbers as Vietnamese staff write them, in and out, in exact arithmetic.

Reading: "1.692" = 1692, "94,87%" = 94.87 %, "07" = 7, "99.14%" = 99.14 % written
with an English dot decimal (reported by the rules as ``decimal_separator``).
Writing: 1692 -> "1.692", 0.9487 -> "94,87%".  Rounding is Excel's ROUND (half away
from zero) on exact fractions, never Python's ``round`` on floats.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Literal

__all__ = [
    "Number",
    "NumberError",
    "parse_number",
    "excel_round",
    "percent_agrees",
    "ratio",
    "format_count",
    "format_decimal",
    "format_percent",
    "to_fraction",
    "whole_number",
]

Style = Literal["vi", "en"]

_DASHES = {"-", "–", "—", "−", "_", "--", "---"}
_FOOTNOTE = re.compile(r"(\s*(\(\*+\)|\*+|\(\d\)|[¹²³⁽⁾*]+))+$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_VI_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")  # 1.692  12.345,5
_EN_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,692  12,345.5
_COMMA_DECIMAL = re.compile(r"^\d+,\d+$")  # 94,87
_DOT_DECIMAL = re.compile(r"^\d+\.\d+$")  # 99.14
_PLAIN = re.compile(r"^\d+$")  # 07
MAX_DIGITS = 40  # characters of a number as written, signs and separators included


class NumberError(ValueError):
    """A text that is not a number.  ``text`` is what was written, ``reason`` why it fails."""

    def __init__(self, text: str, reason: str):
        super().__init__(f"{text!r} is not a number: {reason}")
        self.text = text
        self.reason = reason


@dataclass(frozen=True)
class Number:
    """A parsed number.

    ``value`` is exact; for a text with a percent sign it is the number as written
    (94.87 for "94,87%"), ``percent`` says the sign was there.  ``decimals`` is the
    number of decimals as written (the stated precision).  ``style`` is the decimal
    convention the text proves ("vi" comma decimal, "en" dot decimal) or None when
    the text cannot tell.  ``from_text`` is False for numeric cells.
    """

    value: Fraction
    decimals: int = 0
    percent: bool = False
    style: Style | None = None
    from_text: bool = False
    text: str | None = None

    @property
    def is_integer(self) -> bool:
        return self.value.denominator == 1


def to_fraction(x: float | int | Fraction | Decimal) -> Fraction:
    """The exact value a spreadsheet cell means: floats go through their shortest repr,
    so 0.1 is 1/10 and not the binary approximation."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, bool):
        return Fraction(int(x))
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise NumberError(str(x), "not a finite number")
        return Fraction(Decimal(repr(x)))
    return Fraction(x)


def _float_decimals(x: float) -> int:
    text = repr(float(x))
    if "e" in text or "E" in text:
        mantissa, _, exp = text.lower().partition("e")
        frac = mantissa.partition(".")[2].rstrip("0")
        return max(0, len(frac) - int(exp))
    frac = text.partition(".")[2].rstrip("0")
    return len(frac)


def clean_text(text: str) -> str:
    """NFC, trimmed, footnote markers and inner spaces removed."""
    t = unicodedata.normalize("NFC", str(text)).strip()
    t = _FOOTNOTE.sub("", t).strip()
    return _SPACES.sub("", t)


@lru_cache(maxsize=1 << 16)  # counts and their sums recur across a batch (a Number is frozen: shared)
def whole_number(n: int) -> Number:
    """The Number of a whole count ``n``."""
    return Number(Fraction(n))


@lru_cache(maxsize=1 << 16)  # stated ratios (0.9286) and counts recur across a batch
def _float_number(x: float) -> Number:
    if x.is_integer() and abs(x) < 2**53:
        return Number(Fraction(int(x)))
    return Number(to_fraction(x), decimals=_float_decimals(x))


def parse_number(raw: object) -> Number | None:
    """Parse a cell value.  Returns None for a blank or a lone dash; raises NumberError
    for text that is not a number.

    >>> parse_number("1.692").value
    Fraction(1692, 1)
    >>> parse_number("94,87%").value, parse_number("94,87%").percent
    (Fraction(9487, 100), True)
    """
    if raw is None:
        return None
    if isinstance(raw, float):
        return _float_number(float(raw))
    if isinstance(raw, bool):
        raise NumberError(str(raw), "a TRUE/FALSE value, not a number")
    if type(raw) is int:
        return whole_number(raw)  # the common case: a whole count, no decimals
    if isinstance(raw, (int, Fraction, Decimal)):
        return Number(to_fraction(raw))
    text = raw if type(raw) is str else str(raw)
    if len(text) > _REMEMBERED:
        return _parse_text(text)
    parsed = _text_number(text)
    if type(parsed) is tuple:
        raise NumberError(*parsed)
    return parsed


_REMEMBERED = 64  # characters: longer texts are parsed each time, not kept


@lru_cache(maxsize=1 << 16)  # texts such as "1.692" and "94,87%" recur across a batch
def _text_number(text: str) -> Number | None | tuple[str, str]:
    """:func:`parse_number` of a text; (text, reason) of its NumberError for a text that
    is no number."""
    try:
        return _parse_text(text)
    except NumberError as e:
        return e.text, e.reason


def _parse_text(text: str) -> Number | None:
    t = clean_text(text)
    if t == "" or t in _DASHES:
        return None
    percent = False
    if t.endswith("%"):
        percent = True
        t = t[:-1]
    if len(t) > MAX_DIGITS:  # Excel keeps 15 significant digits; Python refuses past 4,300
        raise NumberError(text[:40] + "…", f"more than {MAX_DIGITS} characters: not a number a report holds")
    sign = 1
    if t[:1] in ("-", "−", "–") and len(t) > 1:
        sign, t = -1, t[1:]
    elif t[:1] == "+":
        t = t[1:]
    style: Style | None = None
    if _PLAIN.match(t):
        digits, decimals = t, 0
        value = Fraction(int(t))
    elif _VI_GROUPED.match(t):
        whole, _, frac = t.partition(",")
        value = Fraction(Decimal(whole.replace(".", "") + ("." + frac if frac else "")))
        # "1.692" alone cannot prove the convention (an English 1.692 looks the same)
        decimals, style = len(frac), ("vi" if frac else None)
    elif _EN_GROUPED.match(t) and ("." in t or t.count(",") > 1):
        whole, _, frac = t.partition(".")
        value = Fraction(Decimal(whole.replace(",", "") + ("." + frac if frac else "")))
        decimals, style = len(frac), "en"
    elif _COMMA_DECIMAL.match(t):
        whole, _, frac = t.partition(",")
        value = Fraction(Decimal(whole + "." + frac))
        decimals, style = len(frac), "vi"
    elif _DOT_DECIMAL.match(t):
        whole, _, frac = t.partition(".")
        value = Fraction(Decimal(t))
        decimals, style = len(frac), "en"
    else:
        raise NumberError(text, "not a number as written in Vietnamese (e.g. 1.692 or 94,87%)")
    return Number(sign * value, decimals=decimals, percent=percent, style=style, from_text=True, text=text)


def round_scaled(num: int | Fraction, den: int | Fraction, decimals: int) -> int:
    """ROUND(num / den, decimals) * 10**decimals, as an int (den != 0, decimals >= 0):
    Excel's rounding, half away from zero, in integers; it runs for every ratio cell of
    a batch, so no Fraction is built."""
    top = num.numerator * den.denominator * 10**decimals  # num / den * 10**decimals = top / bottom
    bottom = num.denominator * den.numerator
    if bottom < 0:
        top, bottom = -top, -bottom
    n, r = divmod(abs(top), bottom)
    if 2 * r >= bottom:
        n += 1
    return -n if top < 0 else n


def percent_agrees(stated: Fraction, decimals: int, num: int | Fraction, den: int | Fraction) -> bool:
    """Whether a stated percent with ``decimals`` decimals is num / den (den != 0) in
    percent, rounded as Excel's ROUND does; in integers, as it runs for every ratio
    cell of a batch."""
    if decimals > 6:
        return abs(stated - Fraction(num) * 100 / den) < Fraction(1, 10**6)
    scale = 10**decimals
    if type(num) is int and type(den) is int:  # nearly always: round_scaled's arithmetic, inline
        top, bottom = num * 100 * scale, den
        if bottom < 0:
            top, bottom = -top, -bottom
        n, r = divmod(abs(top), bottom)
        if 2 * r >= bottom:
            n += 1
        p, q = stated.as_integer_ratio()  # (one call, not two properties)
        return p * scale == (-n if top < 0 else n) * q
    return stated.numerator * scale == round_scaled(num * 100, den, decimals) * stated.denominator


def excel_round(x: Fraction, decimals: int = 0) -> Fraction:
    """Excel's ROUND: half away from zero, exact."""
    x = Fraction(x)
    if decimals >= 0:
        return Fraction(round_scaled(x.numerator, x.denominator, decimals), 10**decimals)
    scale = Fraction(10) ** decimals
    scaled = x * scale
    sign = -1 if scaled < 0 else 1
    a = abs(scaled)
    n, r = divmod(a.numerator, a.denominator)
    if 2 * r >= a.denominator:
        n += 1
    return Fraction(sign * n) / scale


def ratio(numerator: Fraction | int, denominator: Fraction | int) -> Fraction | None:
    """numerator / denominator as an exact fraction, None when the denominator is 0."""
    if denominator == 0:
        return None
    return Fraction(numerator) / Fraction(denominator)


def format_decimal(x: Fraction | int | float, decimals: int = 0, lang: str = "vi") -> str:
    """Vietnamese number text: dots for thousands, comma for decimals, Excel rounding;
    ``lang="en"``: commas for thousands, a dot for decimals (1,692.5)."""
    f = excel_round(to_fraction(x), decimals)
    sign = "-" if f < 0 else ""
    f = abs(f)
    scaled = f * (10**decimals)
    n = scaled.numerator // scaled.denominator
    whole, frac = divmod(n, 10**decimals) if decimals else (n, 0)
    thousands, point = (",", ".") if lang == "en" else (".", ",")
    grouped = f"{whole:,}".replace(",", thousands)
    if decimals:
        return f"{sign}{grouped}{point}{frac:0{decimals}d}"
    return f"{sign}{grouped}"


def format_count(n: int | Fraction | float, pad: bool = False, lang: str = "vi") -> str:
    """A count as written in the reports: 1.692; with ``pad``, counts under ten as 07."""
    text = format_decimal(n, 0, lang)
    if pad and 0 <= to_fraction(n) < 10:
        return text.zfill(2)
    return text


def format_percent(fraction: Fraction | float | None, decimals: int = 2, blank: str = "", lang: str = "vi") -> str:
    """A ratio (a fraction, 0.9487) as Vietnamese percent text "94,87%" ("94.87%" in English)."""
    if fraction is None:
        return blank
    return format_decimal(to_fraction(fraction) * 100, decimals, lang) + "%"
