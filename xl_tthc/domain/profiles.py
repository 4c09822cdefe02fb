"""Conventions that differ between provinces, chosen by a named profile.

A profile is data: the rules read it, nothing hard-codes one province's habit.
``load_profile`` takes a built-in name or the path of a TOML/JSON file with the same keys.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

from .fields import FIELDS as _FIELDS

__all__ = ["Profile", "PROFILES", "load_profile", "ProfileError"]

ZERO_CONVENTIONS = ("blank", "dash", "zero", "hundred", "any")


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Profile:
    """``zero_ratio``: how a ratio with a zero denominator is written (blank, dash "—",
    zero "0%", hundred "100%", or any of them).  ``returned_in_resolved``: True when
    returned/withdrawn dossiers are counted inside "resolved", False when beside it.
    ``online_denominator``: "received_new" or "received".  ``cutoff_day``: None for
    calendar months, 15 for periods from the 16th of the previous month to the 15th.
    ``reorg_date``: when the 2025 department mergers took effect in this province.
    ``columns``: columns named explicitly, for a layout nothing can infer: (a column
    letter or a header text, field) pairs; in a file ``columns = {"G" = "resolved"}``
    or ``{"Số liệu A" = "resolved"}`` (the header's whole path or its last cell)."""

    name: str = "default"
    zero_ratio: str = "blank"
    returned_in_resolved: bool = True
    online_denominator: str = "received_new"
    cutoff_day: int | None = None
    reorg_date: date = date(2025, 3, 1)
    decimal: str = "vi"
    ratio_decimals: int = 2
    pad_small_counts: bool = True
    columns: tuple[tuple[str, str], ...] = ()
    deadline_compare: str = "date"
    subtract_supplement: bool = False
    repeat_supplement_late: bool = False
    waiting_in_time: bool = True

    def __post_init__(self) -> None:
        if self.zero_ratio not in ZERO_CONVENTIONS:
            raise ProfileError(f"zero_ratio must be one of {ZERO_CONVENTIONS}, not {self.zero_ratio!r}")
        if self.online_denominator not in ("received_new", "received"):
            raise ProfileError("online_denominator must be 'received_new' or 'received'")
        if self.deadline_compare not in ("date", "timestamp"):
            raise ProfileError("deadline_compare must be 'date' or 'timestamp'")


PROFILES: dict[str, Profile] = {
    "default": Profile(),
    # 0/0 written as 100 %, as in the Bình Thuận appendices.
    "zero-as-100": Profile(name="zero-as-100", zero_ratio="hundred"),
    # Cut-off months (16th to 15th) and online share over all received dossiers (Sóc Trăng).
    "cutoff-15": Profile(name="cutoff-15", cutoff_day=15, online_denominator="received"),
    # Returned and withdrawn dossiers reported beside "resolved".
    "returned-beside": Profile(name="returned-beside", returned_in_resolved=False),
    # Cut-off periods from the 15th of the previous month to the 14th (domain.md, dossier data).
    "cutoff-14": Profile(name="cutoff-14", cutoff_day=14),
    # Quyết định 766/QĐ-TTg style: the moment of the end against the deadline, the time
    # waiting for the applicant's supplement added to it, more than one request late.
    "qd766": Profile(name="qd766", deadline_compare="timestamp", subtract_supplement=True,
                     repeat_supplement_late=True, waiting_in_time=False),
}


def load_profile(name_or_path: str | None) -> Profile:
    """A built-in profile by name, or one read from a .toml/.json file."""
    if not name_or_path:
        return PROFILES["default"]
    if name_or_path in PROFILES:
        return PROFILES[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise ProfileError(
            f"unknown profile {name_or_path!r}: use one of {', '.join(PROFILES)} or a .toml/.json file"
        )
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode("utf-8")) if path.suffix == ".toml" else json.loads(raw)
    known = {f.name for f in fields(Profile)}
    unknown = set(data) - known
    if unknown:
        raise ProfileError(f"{path}: unknown keys {sorted(unknown)}; allowed: {sorted(known)}")
    if "columns" in data:
        data["columns"] = _columns(path, data["columns"])
    if "reorg_date" in data and isinstance(data["reorg_date"], str):
        data["reorg_date"] = date.fromisoformat(data["reorg_date"])
    return replace(PROFILES["default"], **{"name": path.stem, **data})


def _columns(path: Path, raw: object) -> tuple[tuple[str, str], ...]:
    """The ``columns`` key: {letter or header text: field}, every field a canonical one."""
    if not isinstance(raw, dict):
        raise ProfileError(f'{path}: columns must be a table such as {{"G" = "resolved"}}')
    out = []
    for key, field in raw.items():
        if not isinstance(field, str) or field not in _FIELDS:
            near = difflib.get_close_matches(str(field), list(_FIELDS), n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else f"; fields: {', '.join(_FIELDS)}"
            raise ProfileError(f"{path}: columns: {key!r} names an unknown field {field!r}{hint}")
        out.append((str(key).strip(), field))
    return tuple(out)
