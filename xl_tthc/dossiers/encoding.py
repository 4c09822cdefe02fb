"""The text encoding of a CSV export, and a UTF-8 copy when it is not UTF-8.

DuckDB reads UTF-8 only (its encodings extension cannot be installed offline), while a
one-stop system or Excel on Windows also writes UTF-16 ("Unicode Text", with its byte
order mark) and the Windows code page of Vietnamese (cp1258), and a file edited by hand
may carry a few bytes that are not UTF-8.  :func:`readable_copy` tells which, and gives
the path DuckDB should read: the file itself when it is UTF-8, else a UTF-8 copy (NFC:
cp1258 writes tone marks as combining characters) in ``workdir``, line for line, so
every line number still points into the original.  Nothing is silent: what was decided
is returned as notes for the findings.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Reading", "readable_copy", "LISTED_BAD_LINES"]

_CHUNK = 1 << 24
LISTED_BAD_LINES = 50  # lines with bytes that are not UTF-8 listed one by one; the rest counted
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class Reading:
    """How a CSV export is read: ``path`` (the file, or its UTF-8 copy), ``encoding`` as
    found ("utf-8", "utf-8-sig", "utf-16", "cp1258", "utf-8+invalid"), and ``bad_lines``
    (1-based lines with bytes that are not UTF-8, when read as UTF-8 with replacements)
    with their total ``bad_count``."""

    path: Path
    encoding: str
    bad_lines: list[int] = field(default_factory=list)
    bad_count: int = 0


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        try:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _lines_not_utf8(path: Path) -> tuple[list[int], int, int]:
    """(the first bad lines, how many lines are not UTF-8, how many lines hold valid
    non-ASCII UTF-8)."""
    bad: list[int] = []
    n_bad = n_good = 0
    with path.open("rb") as f:
        for i, raw in enumerate(f, start=1):
            if raw.isascii():
                continue
            try:
                raw.decode("utf-8")
                n_good += 1
            except UnicodeDecodeError:
                n_bad += 1
                if len(bad) < LISTED_BAD_LINES:
                    bad.append(i)
    return bad, n_bad, n_good


def _copy(path: Path, workdir: Path, encoding: str, errors: str = "strict") -> Path:
    out = workdir / f"{len(list(workdir.iterdir()))}-{path.stem}.utf8.csv"
    with path.open("r", encoding=encoding, errors=errors, newline="") as src, \
            out.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(_CHUNK):
            dst.write(unicodedata.normalize("NFC", chunk))
    return out


def readable_copy(path: Path, workdir: Path) -> Reading:
    """How to read ``path`` as UTF-8 (see the module).  Raises UnicodeError when the file
    is in no encoding this knows (UTF-16 without pairs, a code page with undefined
    bytes)."""
    with path.open("rb") as f:
        head = f.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            if name == "utf-8-sig":
                break
            return Reading(_copy(path, workdir, name), name)
    if _is_utf8(path):
        return Reading(path, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8")
    bad, n_bad, n_good = _lines_not_utf8(path)
    if n_good == 0 or n_bad > 10 * n_good:
        # no (or hardly any) UTF-8 beyond ASCII: a Windows code page, Vietnamese's
        return Reading(_copy(path, workdir, "cp1258"), "cp1258")
    return Reading(_copy(path, workdir, "utf-8", errors="replace"), "utf-8+invalid", bad, n_bad)
