"""Folding Vietnamese text for matching: one place for how headers, labels and unit
names are compared."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable

__all__ = ["fold", "strip_accents", "nfc"]

# Old-style tone placement ("hoá", "thuỷ") folded to the new style ("hóa", "thủy").
_TONE_MOVES = {
    "oá": "óa", "oà": "òa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oé": "óe", "oè": "òe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uý": "úy", "uỳ": "ùy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
# one character class rather than an alternation of the pairs, and no look-behind, so the
# search skips to the next "o" or "u": a pair not in the table, or after "q" ("quý"), is put
# back as it was (the same result as the alternation after (?<!q), in one cheap pass)
_TONE_RE = re.compile(r"[ou][áàảãạéèẻẽẹýỳỷỹỵ](?=\b|[^a-zà-ỹ])")
_NOTE = re.compile(r"\((\*+|\d{1,2}|[a-z])\)|\*+")


def nfc(text: object) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def fold(text: object) -> str:
    """NFC, lower case, new-style tone marks, "tỉ" as "tỷ", footnote marks removed,
    spacing collapsed.  "Tỉ lệ  đúng hẹn (%)\\n" -> "tỷ lệ đúng hẹn (%)"."""
    if type(text) is not str:
        text = "" if text is None else str(text)
    folded = _FOLDED.get(text)
    return remember(_FOLDED, text, _fold) if folded is None else folded


def remember(memo: dict, key: Any, make: Callable[[Any], Any], limit: int = 1 << 16) -> Any:
    """``make(key)``, kept in ``memo`` (emptied when it holds ``limit`` entries): the miss
    of a memo its callers read inline (``memo.get(key)``: a hit costs no call)."""
    if len(memo) >= limit:
        memo.clear()
    value = memo[key] = make(key)
    return value


# headers, labels and unit names repeat across a batch: each text folded once (a plain
# dict, looked up in fold itself: a 10,000-row range's first check folds 10,000 new names)
_FOLDED: dict[str, str] = {}


def _move_tone(m: re.Match) -> str:
    pair, at = m.group(0), m.start()
    if at and m.string[at - 1] == "q":
        return pair
    return _TONE_MOVES.get(pair, pair)


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFC", text).lower()
    if "(" in t or "*" in t:  # the only characters a footnote mark begins with
        t = _NOTE.sub(" ", t)
    t = _TONE_RE.sub(_move_tone, t)
    if "tỉ lệ" in t:
        t = t.replace("tỉ lệ", "tỷ lệ")
    if "–" in t or "—" in t:
        t = t.replace("–", "-").replace("—", "-")
    # spacing collapsed: str.split's whitespace is re's \s (the edges are stripped anyway)
    return " ".join(t.split()).strip(" :;.")


_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")  # combining marks


def strip_accents(text: str) -> str:
    """Without diacritics, for typo-tolerant comparison ("đ" -> "d")."""
    return _MARKS.sub("", unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")))
