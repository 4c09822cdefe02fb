"""Consolidation: many department workbooks in, one provincial table out.

Each input file is read and checked with the same reader and rules as ``xl-tthc check``
(in worker processes when there are many).  A file yields one *entry* per department:

* a table of fields of procedures ("Lĩnh vực" rows) gives one entry for the department
  named above the table (or in the sheet or file name): its total row, or the sum of
  its field rows when it has none;
* a table of departments gives one entry per department row.

Entries are then merged, in an order that does not depend on the order of the inputs:
names are normalised through the unit registry; two entries for the same department
are a ``conflict`` and are never summed; a file whose period differs from the run's
period is a ``period_mismatch``; an entry whose counts carry an error-level finding is
not consolidated.  With a previous consolidated workbook, each department's carried-over
figure is checked against its previous pending figure (``carry_over``).

The stated digital-service ratios (fields.STATED_RATIOS: online payment, population
database, digitisation, electronic results) cannot be recomputed from counts: each entry
carries them as written on its department or total row (percent, exact; a value outside
0–100 is a ``range`` finding and left out), and the provincial figure of each is the
mean weighted by its count of fields.STATED_WEIGHTS over the departments that state it
and report that count.  A department that states one without the count is left out of
that figure and said once (``unweighted_ratio``, a warning).  Two entries of one
department differing only in a stated ratio are a conflict, as for the counts.

Nothing here raises for a bad input file: it becomes a :class:`Source` with a status
and a reason.  Only the previous workbook, when it cannot be read, raises ReadError.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Iterator

from ..rules.cache import ResultCache, dumps, loads, map_counted, open_cache, settled, stamp
from ..rules.check import check_book
from ..domain.fields import (COUNT_FIELDS, derive, RATIOS, RESULT_FIELDS, STATED_RATIOS, STATED_WEIGHTS, label,
                             ratio_terms)
from ..read.marker import EXCLUDED_MARK, PROVINCIAL, form_marker
from ..read.grid import ReadError
from ..read.errors import unexpected_error
from ..read.untrusted import checked_in_process, read_tail, read_untrusted
from ..domain.issues import Issue, has_errors, message, sort_issues
from ..domain.numbers import format_count, format_percent, ratio
from ..domain.periods import Period, parse_period
from ..domain.profiles import Profile, load_profile
from ..read.reader import read_tables
from ..rules.table_rules import IDENTITIES, SUBSETS
from ..read.table import Row, Table
from ..domain.text import fold
from ..domain.units import REGISTRY, match_unit

__all__ = [
    "WORKBOOK_SUFFIXES",
    "STATUSES",
    "status_label",
    "CONSOLIDATED_RATIOS",
    "ratio_terms",
    "Entry",
    "Source",
    "ConsolidatedRow",
    "Consolidation",
    "Excluded",
    "NoInputs",
    "DERIVATIONS",
    "InputFiles",
    "collect_inputs",
    "is_provincial_workbook",
    "read_source",
    "consolidate",
    "parse_period_option",
    "previous_pending",
]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

# Source and entry statuses (stable ids) and their Vietnamese / English labels.
STATUSES: dict[str, tuple[str, str]] = {
    "consolidated": ("Đã tổng hợp", "consolidated"),
    "partial": ("Tổng hợp một phần", "partly consolidated"),
    "duplicate": ("Trùng lặp, chỉ tính một lần", "duplicate, counted once"),
    "conflict": ("Xung đột, không tổng hợp", "conflict, not consolidated"),
    "rejected": ("Có lỗi số liệu, không tổng hợp", "count errors, not consolidated"),
    "period_mismatch": ("Sai kỳ báo cáo, không tổng hợp", "other period, not consolidated"),
    "unknown_unit": ("Không xác định được đơn vị", "reporting unit not identified"),
    "no_table": ("Không có bảng số liệu", "no result table"),
    "unreadable": ("Không đọc được tệp", "unreadable file"),
}
_RESULT_COUNTS = tuple(f for f in RESULT_FIELDS if f in COUNT_FIELDS)
_REGISTRY_ORDER = {u.code: i for i, u in enumerate(REGISTRY)}
_SUPERIOR = "UBND"


def status_label(status: str, lang: str = "vi") -> str:
    vi, en = STATUSES[status]
    return en if lang == "en" else vi


@dataclass(frozen=True)
class DetailRow:
    """One row read from a department file: a field of procedures or a department."""

    unit: str  # the department it belongs to (canonical name)
    label: str  # as written on the row
    file: str
    sheet: str
    row: int  # 1-based Excel row
    kind: str  # field | department | total
    figures: dict[str, int]
    stated: dict[str, Fraction] = field(default_factory=dict)  # stated ratios, in percent


@dataclass
class Entry:
    """One department's figures from one file."""

    unit: str  # canonical name
    key: str  # registry code, or the folded name of an unregistered unit
    written: str  # the name as written in the file
    file: str
    sheet: str
    row: int | None  # 1-based row of the figures (department or total row), None when summed
    figures: dict[str, int]
    columns: dict[str, str]  # field -> column letter in the file
    details: list[DetailRow]
    blocking: tuple[str, ...] = ()  # error-level rules on the counts
    status: str = "consolidated"
    stated: dict[str, Fraction] = field(default_factory=dict)  # stated ratios in percent (94.87)

    @property
    def order(self) -> tuple[int, str]:
        return (_REGISTRY_ORDER.get(self.key, len(_REGISTRY_ORDER)), fold(self.unit))


@dataclass
class Source:
    """One input file: what it is, what it gave, and what happened to it."""

    path: str
    sha256: str = ""
    size: int = 0
    period: Period | None = None
    sheets: tuple[str, ...] = ()
    rows_read: int = 0
    entries: list[Entry] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    error: str | None = None  # unreadable: the reason, in the run's language
    status: str = "consolidated"
    provincial: bool = False  # a provincial workbook written by xl-tthc (left out when found in a folder)

    @property
    def units(self) -> list[str]:
        return [e.unit for e in self.entries]

    @property
    def reason(self) -> str:
        """Why this file was not (fully) consolidated, in the run's language; "" when it was."""
        if self.error:
            return self.error
        if self.status == "consolidated":
            return ""
        return " ".join(dict.fromkeys(i.message for i in self.issues if i.severity == "error")) or \
            " ".join(dict.fromkeys(i.message for i in self.issues))

    def to_dict(self, lang: str = "vi") -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "period": self.period.key if self.period else None,
            "sheets": list(self.sheets),
            "units": self.units,
            "rows_read": self.rows_read,
            "status": self.status,
            "reason": self.reason,
            "issues": [i.to_dict() for i in self.issues],
        }


@dataclass
class ConsolidatedRow:
    unit: str
    key: str
    figures: dict[str, int]
    source: Entry
    stated: dict[str, Fraction] = field(default_factory=dict)  # stated ratios in percent (94.87)

    def weighted(self, name: str) -> bool:
        """Whether this row's stated ``name`` counts in the provincial figure (it states
        it and reports its weight)."""
        return name in self.stated and STATED_WEIGHTS[name] in self.figures

    def to_dict(self, online_denominator: str = "received_new") -> dict[str, Any]:
        return {"unit": self.unit, **self.figures, **_ratios(self.figures, online_denominator),
                **{f: float(v / 100) for f, v in self.stated.items()}}


@dataclass(frozen=True)
class Excluded:
    """A department (or, when none could be named, a file) left out of the consolidation:
    a marked row with blank figures on Phụ lục I."""

    unit: str  # canonical name, or "Tệp <name>" for a file whose department is unknown
    key: str
    status: str  # a STATUSES id: conflict, rejected, period_mismatch, unreadable, no_table, unknown_unit
    files: tuple[str, ...]
    reason: str  # Vietnamese, as the sheet shows it

    @property
    def label(self) -> str:
        """The row label on Phụ lục I: "Sở Tư pháp (không tổng hợp: …)"."""
        return f"{self.unit} ({EXCLUDED_MARK}: {self.reason})"

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "status": self.status, "reason": self.reason, "files": list(self.files)}


@dataclass
class Consolidation:
    period: Period | None
    sources: list[Source]
    rows: list[ConsolidatedRow]
    fields: list[str]  # count fields present in any row, in canonical order
    issues: list[Issue]  # run-level findings (conflict, period_mismatch, carry_over) and every file's
    lang: str = "vi"
    online_denominator: str = "received_new"  # the profile's convention for the online rate
    stated: list[str] = field(default_factory=list)  # stated ratios some row carries, in canonical order
    # field -> (departments reporting it, departments consolidated), for every field of ``fields``
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)
    # fields some departments lack whose sum would contradict an identity: blank on the total row
    untotalled: list[str] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)  # marked rows of Phụ lục I, blank figures
    profile: Profile | None = None  # the run's conventions, for checking the written output

    @property
    def totalled(self) -> list[str]:
        """The count fields the total row states."""
        return [f for f in self.fields if f not in self.untotalled]

    @property
    def partial(self) -> list[str]:
        """The count fields only some consolidated departments report."""
        return [f for f in self.fields if self.coverage.get(f, (0, 0))[0] < len(self.rows)]

    def coverage_text(self, name: str) -> str:
        """"12/18 đơn vị" (or "12/18 units") for a field or ratio."""
        n, of = self.coverage[name] if name in self.coverage else self.ratio_coverage(name)
        return f"{n}/{of} {'đơn vị' if self.lang == 'vi' else 'units'}"

    @property
    def total(self) -> dict[str, int]:
        return {f: sum(r.figures[f] for r in self.rows if f in r.figures) for f in self.totalled}

    def ratio_rows(self, name: str) -> tuple[tuple[tuple[str, ...], str] | None, list[ConsolidatedRow]]:
        """The terms of a consolidated ratio and the departments its total is computed
        over: those reporting its numerator and its denominator."""
        terms = ratio_terms(name, self.fields, self.online_denominator)
        if terms is None:
            return None, []
        need = (*terms[0], terms[1])
        return terms, [r for r in self.rows if all(f in r.figures for f in need)]

    def ratio_coverage(self, name: str) -> tuple[int, int]:
        return len(self.ratio_rows(name)[1]), len(self.rows)

    def total_ratios(self) -> dict[str, float | None]:
        """Each consolidated ratio of the total row: the ratio of the sums over the
        departments that report both its numerator and its denominator."""
        out: dict[str, float | None] = {}
        for name in CONSOLIDATED_RATIOS:
            terms, rows = self.ratio_rows(name)
            if terms is None:
                continue
            value = ratio(sum(r.figures[f] for r in rows for f in terms[0]), sum(r.figures[terms[1]] for r in rows))
            out[name] = float(value) if value is not None else None
        return out

    @property
    def stated_total(self) -> dict[str, Fraction | None]:
        """The provincial figure of each stated ratio, in percent, exact:
        sum(rate x weight) / sum(weight) over the rows that state it and report its
        weight (fields.STATED_WEIGHTS); None when that weight sums to 0."""
        out: dict[str, Fraction | None] = {}
        for name in self.stated:
            w = STATED_WEIGHTS[name]
            pairs = [(r.stated[name], r.figures[w]) for r in self.rows if r.weighted(name)]
            den = sum(x for _, x in pairs)
            out[name] = sum((v * x for v, x in pairs), Fraction(0)) / den if den else None
        return out

    @property
    def failed(self) -> list[Source]:
        return [s for s in self.sources if s.status != "consolidated"]

    @property
    def ok(self) -> bool:
        return not self.failed and not has_errors(self.issues)

    @property
    def details(self) -> list[DetailRow]:
        return [d for r in self.rows for d in r.source.details]

    def to_dict(self) -> dict[str, Any]:
        total = self.total
        stated = self.stated_total
        n = len(self.rows)
        return {
            "period": self.period.key if self.period else None,
            "period_label": self.period.label if self.period else None,
            "fields": self.fields,
            "rows": [r.to_dict(self.online_denominator) for r in self.rows],
            "total": {"unit": "Tổng cộng" if self.lang == "vi" else "Total",
                      **{f: total.get(f) for f in self.fields}, **self.total_ratios(),
                      **{f: None if v is None else float(v / 100) for f, v in stated.items()}},
            "coverage": {f: {"units": k, "of": n, "text": self.coverage_text(f), "totalled": f in total}
                         for f, (k, n) in self.coverage.items()}
                        | {name: {"units": k, "of": n, "text": self.coverage_text(name), "totalled": True}
                           for name in CONSOLIDATED_RATIOS if self.ratio_rows(name)[0]
                           for k, n in [self.ratio_coverage(name)]},
            "excluded": [e.to_dict() for e in self.excluded],
            "stated_ratios": {
                f: {"weight": STATED_WEIGHTS[f], "value": None if v is None else float(v / 100),
                    "units": [r.unit for r in self.rows if r.weighted(f)],
                    "left_out": [r.unit for r in self.rows if f in r.stated and not r.weighted(f)]}
                for f, v in stated.items()},
            "files": [s.to_dict(self.lang) for s in self.sources],
            "summary": {
                "files": len(self.sources),
                "consolidated": sum(1 for s in self.sources if s.status == "consolidated"),
                "failed": len(self.failed),
                "units": n,
                "excluded": len(self.excluded),
                "untotalled": list(self.untotalled),
                "errors": sum(1 for i in self.issues if i.severity == "error"),
                "warnings": sum(1 for i in self.issues if i.severity == "warning"),
            },
            "issues": [i.to_dict() for i in self.issues],
        }


# --- ratios of consolidated figures ---------------------------------------------------

CONSOLIDATED_RATIOS = ("ontime_rate", "online_rate")


def _ratios(figures: dict[str, int], online_denominator: str) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name in CONSOLIDATED_RATIOS:
        terms = ratio_terms(name, figures, online_denominator)
        if terms:
            value = ratio(sum(figures[f] for f in terms[0]), figures[terms[1]])
            out[name] = float(value) if value is not None else None
    return out


# --- inputs -----------------------------------------------------------------------------

def is_provincial_workbook(path: str | Path) -> bool:
    """True for a provincial workbook written by xl-tthc (it carries the form property
    of :mod:`xl_tthc.forms.definitions`), so a folder holding an earlier output is not read back."""
    return _may_have_custom_properties(Path(path)) and form_marker(path) == PROVINCIAL


_CUSTOM_PART = b"docProps/custom.xml"


def _may_have_custom_properties(path: Path) -> bool:
    """False when the zip's central directory, read from the file's tail, lists no
    custom-properties part: most workbooks of a folder, told apart without unzipping."""
    tail = read_tail(path, 65536)
    if tail is None:
        return False
    end = tail.rfind(b"PK\x05\x06")  # end of central directory: its size, then its offset
    if end < 0 or end + 22 > len(tail):
        return True  # not a plain zip: let zipfile decide
    start = end - int.from_bytes(tail[end + 12:end + 16], "little")
    return start < 0 or _CUSTOM_PART in tail[start:end]


class InputFiles(list):
    """The files :func:`collect_inputs` found: :func:`consolidate` given this list does
    not look for them again.  ``unchecked``: those found in folders that may still be
    provincial workbooks written by xl-tthc (``provincial_later``): consolidate leaves
    each such one out when it reads it."""

    def __init__(self, items: Iterable[Path] = (), unchecked: dict[str, tuple[int, int]] | None = None) -> None:
        super().__init__(items)
        self._ids = unchecked or {}  # path -> (device, inode)

    @property
    def unchecked(self) -> Collection[str]:
        return self._ids.keys()

    def replacing(self, output: str | Path) -> "InputFiles":
        """These files but ``output`` when it is one of the ``unchecked`` and a
        provincial workbook: an earlier output found in a folder is written over, not
        read (any other input named as the output is the caller's to refuse)."""
        ident = _identity(Path(output))
        hit = [p for p, i in self._ids.items() if i == ident] if ident is not None else []
        if not hit or not is_provincial_workbook(output):
            return self
        return InputFiles([p for p in self if str(p) not in hit],
                          {p: i for p, i in self._ids.items() if p not in hit})


def collect_inputs(inputs: Iterable[str | Path], exclude: Iterable[str | Path] = (), *,
                   provincial_later: bool = False) -> InputFiles:
    """Files as given and workbooks found (recursively) in folders, each once, sorted.
    In folders, Excel's lock files (``~$…``), hidden files and provincial workbooks
    written by xl-tthc are skipped (with ``provincial_later``, the last are told apart
    when they are read, in the workers: the list's ``unchecked`` names the files found
    in folders, and no file is opened here); an entry named like a workbook that is no regular
    file (a FIFO, a broken link) and a subfolder that cannot be listed are kept, so that
    each is reported (a FIFO is never opened for reading); a folder named like a workbook
    (``x.xlsx``) given as an input is kept, so that it is reported.  A file is the same file under another path (a
    link, "..") when the file system says so."""
    skip = {_identity(Path(p)) for p in exclude} - {None}
    seen: set[tuple[int, int]] = set()
    out: list[Path] = []
    unchecked: dict[tuple[int, int], str] = {}  # identity -> path, of files found in folders
    for item in inputs:
        p = Path(item)
        in_folder = p.is_dir() and p.suffix.lower() not in WORKBOOK_SUFFIXES  # "x.xlsx" a folder: its record
        if in_folder:
            found = sorted(_workbooks_in(p, check=not provincial_later), key=_path_order)
            found_ids = [ident for _q, ident in found]
            found_paths = [q for q, _ident in found]
        else:
            found_paths, found_ids = [p], [_identity(p)]
        for q, ident in zip(found_paths, found_ids):
            if ident is not None and (ident in seen or ident in skip):
                if not in_folder:  # given as such too: read, whatever it is
                    unchecked.pop(ident, None)
                continue
            if ident is not None:
                seen.add(ident)
            out.append(q)
            if in_folder and provincial_later and ident is not None:
                unchecked[ident] = str(q)
    return InputFiles(sorted(out, key=str), {p: i for i, p in unchecked.items()})


def _path_order(item: tuple[Path, Any]) -> tuple[str, ...]:
    """The order of Path objects (by their parts; case-blind on Windows), as a key."""
    parts = item[0].parts
    return tuple(x.lower() for x in parts) if os.name == "nt" else parts


def _workbooks_in(folder: Path, check: bool = True) -> list[tuple[Path, tuple[int, int] | None]]:
    """(path, identity) of every workbook under ``folder``, as ``Path.rglob`` finds them
    (symbolic links to folders are not followed; to files, they are), in one pass of
    ``os.scandir``: a name is filtered before its file is looked at.  Nothing is passed
    over in silence: an entry named like a workbook that is no regular file (a pipe, a
    link to nowhere) and a folder that cannot be listed come with no identity, and
    reading them says what they are (without opening a pipe).  ``check``: provincial
    workbooks written by xl-tthc are left out here (False: by the caller, once read)."""
    out: list[tuple[Path, tuple[int, int] | None]] = []
    stack = [folder]
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            out.append((d, None))  # its record: no permission, or gone
            continue
        with it:
            for e in it:
                name = e.name
                q = d / name
                try:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(q)
                        continue
                    if name.startswith(("~$", ".")) or os.path.splitext(name)[1].lower() not in WORKBOOK_SUFFIXES:
                        continue
                    if not e.is_file():
                        out.append((q, None))  # a pipe, a device, a link to nowhere: its record
                        continue
                    # on Windows a DirEntry's stat carries no inode: ask the path
                    st = e.stat() if os.name != "nt" else os.stat(e.path)
                except OSError:
                    out.append((q, None))
                    continue
                if not check or not is_provincial_workbook(q):
                    out.append((q, (st.st_dev, st.st_ino)))
    return out


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode): one stat instead of resolving every path component."""
    try:
        st = path.stat()
    except OSError:
        return None  # a missing file is kept: reading it says why
    return st.st_dev, st.st_ino


def parse_period_option(text: str, cutoff_day: int | None = None) -> Period | None:
    """A --period value: Vietnamese text ("tháng 02 năm 2021", "quý I năm 2024") or a
    period key (2021-02, 2024-Q1, 2023-H1, 2023-9M, 2023)."""
    t = text.strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}|Q[1-4]|H1|9M))?", t, re.IGNORECASE)
    if m:
        year, part = m.group(1), (m.group(2) or "").upper()
        t = {"": f"năm {year}", "H1": f"6 tháng đầu năm {year}", "9M": f"9 tháng năm {year}"}.get(part) or (
            f"quý {part[1]} năm {year}" if part.startswith("Q") else f"tháng {int(part):02d} năm {year}")
    return parse_period(t, cutoff_day)


# --- reading one file (runs in a worker process) ----------------------------------------

def _figures(row: Row, fields: Iterable[str]) -> dict[str, int]:
    out = {}
    values = row.values
    for f in fields:
        v = values.get(f)
        if v is not None and v.whole is not None:  # a shared whole count: Row.exact's int, without the call
            out[f] = v.whole
            continue
        x = row.exact(f)
        if type(x) is int:
            out[f] = x
    return out


def _stated(row: Row | None) -> dict[str, Fraction]:
    """The stated digital-service ratios of a row, in percent; a value outside 0–100 (a
    ``range`` finding) or unusable is left out."""
    out = {}
    if row is None:
        return out
    for f in STATED_RATIOS:
        v = row.values.get(f)
        if v is not None and v.usable and v.percent is not None and 0 <= v.percent <= 100:
            out[f] = v.percent
    return out


# (whole, parts): the identities a department's figures obey, each alternative apart
DERIVATIONS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (whole, parts) for whole, alternatives, _rule, _key in IDENTITIES for parts in alternatives
) + (("resolved_in_time", ("resolved_early", "resolved_on_time")),)
# the channels of new dossiers are never derived as a remainder: a department that gives
# the online count alone would get an offline column it never reported; nor the "due now"
# part of a three-way pending split, which a two-way department's "in time" already holds
_REMAINDERS_NOT_DERIVED = frozenset(("received_offline", "received_direct", "received_postal", "pending_due"))


def _complete(figures: dict[str, int]) -> dict[str, int]:
    """Add what the identities give exactly (:data:`DERIVATIONS`): a whole from all its
    parts (received from carried over + new, resolved_in_time from early + on time, …)
    and a missing part from its whole and the other parts (received_new from received −
    carried over, …) where that is not negative, channels of new dossiers excepted; so
    departments reporting in different layouts add up in the same columns (figures that
    disagree carry an error finding and are not consolidated)."""
    return derive(figures, DERIVATIONS, _REMAINDERS_NOT_DERIVED)


def _department_of(table: Table, path: Path) -> tuple[str, str] | None:
    """The department a table of fields of procedures belongs to: a registered name in
    a title line above the table, the sheet name or the file name."""
    candidates = []
    for line in table.title.splitlines():  # "SỞ TƯ PHÁP", "Đơn vị báo cáo: Sở Tư pháp"
        candidates += [line, line.rpartition(":")[2]]
    candidates += [table.sheet, path.stem, re.sub(r"[_\s]+", " ", path.stem)]
    first = None
    for text in candidates:  # the first one found, in this order; the later ones are not looked up
        text = text.strip()
        if not text or len(text) > 80:
            continue
        m = match_unit(text, suggest=False)
        if m.unit is not None:
            found = m.unit.name, m.unit.code
        elif m.local:
            found = _unit_key(text)
        else:
            continue
        # the superior "UBND TỈNH …" line of an official header is not the reporting unit
        if found[1] != _SUPERIOR:
            return found
        first = first or found
    return first


def _unit_key(name: str) -> tuple[str, str]:
    m = match_unit(name, suggest=False)
    if m.unit is not None:
        return m.unit.name, m.unit.code
    canonical = " ".join(name.split())
    return canonical, fold(canonical)


def _blocking(issues: list[Issue], rows: set[int]) -> tuple[str, ...]:
    return tuple(sorted({i.rule for i in issues if i.severity == "error" and i.row in rows
                         and i.field in COUNT_FIELDS}))


_CURRENT_PERIOD_LABELS = frozenset({"trong kỳ", "kỳ này", "kỳ báo cáo", "trong kỳ báo cáo", "phát sinh trong kỳ"})


def _entries(table: Table, issues: list[Issue], path: Path, lang: str) -> tuple[list[Entry], list[Issue]]:
    fields = [f for f in table.count_fields if f in _RESULT_COUNTS]
    wanted = {*fields, *STATED_RATIOS}
    columns = {c.field: c.letter for c in table.columns if c.field in wanted}
    file = table.file
    if table.unit_kind == "department":
        out = []
        for row in table.rows:
            if row.label.startswith("(dòng "):
                continue
            unit, key = _unit_key(row.label)
            figures = _complete(_figures(row, fields))
            stated = _stated(row)
            detail = DetailRow(unit, row.label, file, table.sheet, row.excel_row, "department", figures, stated)
            out.append(Entry(unit, key, row.label, file, table.sheet, row.excel_row, figures, columns, [detail],
                             _blocking(issues, {row.excel_row}), stated=stated))
        return out, []
    body, total = table.rows, table.total
    if table.unit_kind == "period":
        # rows "Kỳ trước / Trong kỳ / Lũy kế": the period's figures are its own row, never
        # their sum or the cumulative row; a table without exactly one such row is not guessed at
        body, total = [r for r in table.rows if fold(r.label) in _CURRENT_PERIOD_LABELS], None
        if len(body) != 1:
            return [], [Issue(file, table.sheet, table.rows[0].excel_row if table.rows else None, None, None,
                              "unit", "period_rows", "error", None, path.name,
                              message("period_rows", lang, found=path.name))]
    dept = _department_of(table, path)
    if dept is None:
        return [], [Issue(file, table.sheet, None, None, None, "unit", "unknown_unit", "error", None,
                          path.name, message("unknown_unit.source", lang, found=path.name))]
    unit, key = dept
    details = [DetailRow(unit, r.label, file, table.sheet, r.excel_row, "field", _complete(_figures(r, fields)),
                         _stated(r)) for r in body]
    rows = {r.excel_row for r in body}
    if total is not None:
        figures = _complete(_figures(total, fields))
        row = total.excel_row
        details.append(DetailRow(unit, total.label, file, table.sheet, row, "total", figures,
                                 _stated(total)))
        rows.add(row)
    else:
        row = None
        sums: dict[str, int] = {}
        for f in fields:  # blanks count as 0, as Excel's SUM does
            sums[f] = sum(d.figures.get(f, 0) for d in details)
        figures = _complete(sums)
    # the department's stated ratios are those of its total row: field rows alone do
    # not say how the department weighs them
    return [Entry(unit, key, unit, file, table.sheet, row, figures, columns, details,
                  _blocking(issues, rows), stated=_stated(total if table.unit_kind != "period" else body[0]))], []


def read_source(path: str | Path, profile: Profile | None = None, lang: str = "vi",
                cache: ResultCache | None = None, *, thorough: bool = True) -> Source:
    """Read, check and extract the department entries of one file.  Never raises for a
    bad file: whatever happens while it is read and checked is its ``unreadable``
    record; picklable, so it runs in worker processes.  With ``cache``, a file whose
    bytes were read before (with the same code, profile, language and path) is not
    read again: its stored Source is returned.  ``thorough``: see
    :func:`~xl_tthc.read.grid.open_workbook`."""
    prof = profile or load_profile(None)
    try:
        data = read_untrusted(path)
    except ReadError as e:
        return unreadable_source(str(path), e, lang)
    except Exception as e:  # noqa: BLE001 - the file's error boundary
        return unreadable_source(str(path), unexpected_error(str(path), e), lang)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        key = _cache_key(cache, sha256, path, prof, lang) if cache and data else None
        if key is not None:
            stored = cache.get(key)
            if isinstance(stored, Source):
                return stored
        src = _read_source(path, Path(path), data, sha256, prof, lang, thorough)
        if key is not None:
            cache.put(key, src)
        return src
    except Exception as e:  # noqa: BLE001 - the file's error boundary
        out = unreadable_source(str(path), unexpected_error(str(path), e), lang)
        out.sha256, out.size = sha256, len(data)
        return out


def unreadable_source(path: str, e: ReadError, lang: str = "vi") -> Source:
    """The record of a file that could not be read, with the reason and the fix."""
    src = Source(path, error=e.text(lang), status="unreadable")
    reason, hint = (e.reason_en, e.hint_en) if lang == "en" else (e.reason, e.hint)
    src.issues.append(Issue(path, e.sheet, None, e.cell, None, None, "unreadable", "error", None, reason,
                            message("unreadable", lang, found=reason, hint=hint)))
    return src


def _cache_key(cache: ResultCache, sha256: str, path: str | Path, prof: Profile, lang: str) -> str:
    return cache.key(sha256, "consolidate.Source", str(path), lang, _profile_text(prof))


_PROFILE_TEXT: dict[int, tuple[Profile, str]] = {}


def _profile_text(prof: Profile) -> str:
    """``repr(prof)``, worked out once per profile object (a key per file asks for it)."""
    got = _PROFILE_TEXT.get(id(prof))
    if got is None or got[0] is not prof:
        if len(_PROFILE_TEXT) > 16:  # a long-lived process making profiles: keep a few
            _PROFILE_TEXT.clear()
        got = _PROFILE_TEXT[id(prof)] = (prof, repr(prof))
    return got[1]


def _read_pickled(path: str | Path, prof: Profile, lang: str, cache: ResultCache, thorough: bool) -> bytes | Source:
    """In a worker: the Source of one file pickled, as the cache holds it (a hit is sent
    to the parent as stored, not unpickled and pickled again); the Source itself when it
    cannot be pickled, or when the file cannot be read."""
    try:
        data = read_untrusted(path)
        sha256 = hashlib.sha256(data).hexdigest()
        key = _cache_key(cache, sha256, path, prof, lang) if data else None
        if key is not None:
            payload = cache.get_payload(key)
            if payload is not None:
                return payload
        src = _read_source(path, Path(path), data, sha256, prof, lang, thorough)
    except Exception:  # noqa: BLE001 - read_source says why, within its boundary
        return read_source(path, prof, lang, thorough=thorough)
    payload = dumps(src)
    if payload is None:
        return src
    if key is not None:
        cache.put_payload(key, payload)
    return payload


def _read_source(path: str | Path, p: Path, data: bytes, sha256: str, prof: Profile, lang: str,
                 thorough: bool) -> Source:
    src = Source(str(path))
    src.sha256, src.size = sha256, len(data)
    src.provincial = form_marker(path, data) == PROVINCIAL
    try:
        book, tables = read_tables(p, prof.cutoff_day, data, prof.columns, thorough=thorough)
    except ReadError as e:
        out = unreadable_source(str(path), e, lang)
        out.sha256, out.size, out.provincial = src.sha256, src.size, src.provincial  # an earlier output, damaged
        return out
    results = [t for t in tables if t.form == "results" and not (t.period and t.period.cumulative)]
    reports = check_book(book, results, prof, lang)
    for rep in reports:
        t = rep.table
        entries, extra = _entries(t, rep.issues, p, lang)
        src.entries += entries
        src.issues += rep.issues + extra
        src.rows_read += len(t.rows) + (1 if t.total else 0)
        if t.period and src.period is None:
            src.period = t.period
    src.sheets = tuple(dict.fromkeys(t.sheet for t in results))
    if not results:
        src.status = "no_table"
        src.issues.append(Issue(path, None, None, None, None, None, "no_table", "error", None, None,
                                message("no_table", lang)))
    elif not src.entries:
        src.status = "unknown_unit"
    for e in src.entries:
        if e.blocking:
            e.status = "rejected"
    src.issues = sort_issues(src.issues)
    return src


def _read_one(path: str, prof: Profile, lang: str, cache: ResultCache | None, thorough: bool) -> Source | bytes:
    if cache is None:
        return read_source(path, prof, lang, thorough=thorough)
    return _read_pickled(path, prof, lang, cache, thorough)


def _received(got: Source | bytes, path: str, prof: Profile, lang: str) -> Source:
    """A worker's Source, unpickled when it came as the cache's bytes; read here when
    those cannot be read back."""
    if isinstance(got, Source):
        return got
    src = loads(got)
    return src if isinstance(src, Source) else read_source(path, prof, lang)


def read_sources(paths: list[Path], profile: Profile, lang: str, jobs: int | None,
                 progress: Callable[[int, int], None] | None, cache: ResultCache | None = None,
                 unchecked: Collection[str] = ()) -> list[Source]:
    """Every file read, in input order, but the provincial workbooks written by xl-tthc
    among ``unchecked`` (found in folders: InputFiles.unchecked).  One file is read here, after the thorough
    pre-checks; more are read in worker processes (``jobs``, default one per CPU), where
    a file that crashes or exhausts its worker costs only that file's record.  With
    ``cache``, a file unchanged since the last run over the same folder (its stat stamp
    in the run set's pack, rules.cache) is taken from the pack, neither read nor hashed."""
    n = len(paths)
    if n == 1 and jobs is None and checked_in_process(paths[0]):
        out = [read_source(paths[0], profile, lang, cache)]
        if progress:
            progress(1, 1)
        return _outside(out, unchecked)
    items = [str(p) for p in paths]
    pack = _Pack(cache, items, profile, lang) if cache is not None else None
    found: list[Source | None] = [None] * n
    todo = []
    for i, path in enumerate(items):
        found[i] = pack.known(path) if pack is not None else None
        if found[i] is None:
            todo.append(i)
    if progress and n > len(todo):
        progress(n - len(todo), n)
    done = n - len(todo)
    got = map_counted(partial(_read_one, prof=profile, lang=lang, cache=cache, thorough=False),
                      [items[i] for i in todo], lambda path, e: unreadable_source(path, e, lang), store=cache,
                      retry=partial(_read_one, prof=profile, lang=lang, cache=None, thorough=True), retry_store=None,
                      jobs=jobs, chunk=32,
                      progress=(lambda k, _total: progress(done + k, n)) if progress else None) if todo else []
    for i, g in zip(todo, got):
        found[i] = src = _received(g, items[i], profile, lang)
        if pack is not None and isinstance(g, bytes):
            pack.add(items[i], src, g)
    if pack is not None:
        pack.save()
    return _outside(found, unchecked)  # type: ignore[arg-type]


def _outside(sources: list[Source], unchecked: Collection[str]) -> list[Source]:
    """``sources`` but the provincial workbooks among the ``unchecked`` paths."""
    if not unchecked:
        return sources
    return [s for s in sources if not (s.provincial and s.path in unchecked)]


class _Pack:
    """The run set's pack (rules.cache): the inputs of the last run over the same
    folder, by path, with their stat stamps, SHA-256 and stored Sources."""

    def __init__(self, cache: ResultCache, items: list[str], profile: Profile, lang: str) -> None:
        self.cache, self.profile, self.lang = cache, profile, lang
        try:
            folder = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in items])
        except ValueError:  # paths on several drives
            folder = ""
        self.name = cache.pack_name("consolidate.Source", lang, _profile_text(profile), folder)
        self.old = cache.load_pack(self.name)
        self.new: dict[str, Any] = {}
        self.stats: dict[str, tuple[os.stat_result, int]] = {}

    def known(self, path: str) -> Source | None:
        """The Source of ``path`` when its stamp is the one in the pack (a hit), else None."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        self.stats[path] = st, time.time_ns()
        rec = self.old.get(path)
        try:
            if rec is None or rec[:5] != stamp(st) or rec[6] != _cache_key(self.cache, rec[5], path, self.profile,
                                                                           self.lang):
                return None
            src = loads(rec[7])
        except (TypeError, IndexError, AttributeError, ValueError):  # a record of another shape: a miss
            return None
        if not isinstance(src, Source) or src.sha256 != rec[5]:
            return None
        self.cache.hits += 1
        self.new[path] = rec
        return src

    def add(self, path: str, src: Source, payload: bytes) -> None:
        """Record what a worker read, when the file had settled before it was looked at."""
        seen = self.stats.get(path)
        if seen is None or not src.sha256 or not src.size or seen[0].st_size != src.size or not settled(*seen):
            return
        self.new[path] = (*stamp(seen[0]), src.sha256, _cache_key(self.cache, src.sha256, path, self.profile,
                                                                  self.lang), payload)

    def save(self) -> None:
        if self.new != self.old:
            self.cache.save_pack(self.name, self.new)


# --- merging ------------------------------------------------------------------------------

def _run_period(sources: list[Source], wanted: Period | None) -> Period | None:
    if wanted is not None:
        return wanted
    counts = Counter(s.period.key for s in sources if s.period is not None)
    if not counts:
        return None
    key = max(counts, key=lambda k: (counts[k], k))
    return min((s.period for s in sources if s.period and s.period.key == key), key=lambda p: (p.start, p.end))


def _fmt_figures(e: Entry) -> str:
    return ", ".join([f"{f}={format_count(v)}" for f, v in sorted(e.figures.items())] +
                     [f"{f}={format_percent(v / 100)}" for f, v in sorted(e.stated.items())])


def _merge(sources: list[Source], period: Period | None, lang: str) -> tuple[list[ConsolidatedRow], list[Issue]]:
    issues: list[Issue] = []
    period_label = period.label if period else ""
    groups: dict[str, list[Entry]] = defaultdict(list)
    for s in sources:
        if s.status != "consolidated":
            continue
        if period is not None and s.period is not None and s.period.key != period.key:
            s.status = "period_mismatch"
            issue = Issue(s.path, None, None, None, None, None, "period_mismatch", "error", period.label,
                          s.period.label, message("period_mismatch", lang, found=s.period.label,
                                                  expected=period.label))
            s.issues.insert(0, issue)
            continue
        for e in s.entries:
            if e.status == "consolidated":
                groups[e.key].append(e)
    rows = []
    for key, entries in groups.items():
        entries.sort(key=lambda e: (e.file, e.sheet, e.row or 0))
        first = entries[0]
        if len(entries) == 1:
            rows.append(ConsolidatedRow(first.unit, key, first.figures, first, first.stated))
            continue
        same = all(e.figures == first.figures and e.stated == first.stated for e in entries[1:])
        for other in entries[1:]:
            if same:
                other.status = "duplicate"
                issues.append(Issue(other.file, other.sheet, other.row, None, first.unit, None, "conflict",
                                    "warning", first.file, other.file,
                                    message("conflict.same", lang, unit=first.unit, period=period_label,
                                            found=other.file, expected=first.file)))
            else:
                issues.append(Issue(other.file, other.sheet, other.row, None, first.unit, None, "conflict",
                                    "error", first.file, other.file,
                                    message("conflict", lang, unit=first.unit, period=period_label,
                                            found=f"{other.file} ({_fmt_figures(other)})",
                                            expected=f"{first.file} ({_fmt_figures(first)})")))
        if same:
            rows.append(ConsolidatedRow(first.unit, key, first.figures, first, first.stated))
        else:
            # the first file is in conflict too: its record says with which files, and why
            others = "; ".join(f"{e.file} ({_fmt_figures(e)})" for e in entries[1:])
            issues.append(Issue(first.file, first.sheet, first.row, None, first.unit, None, "conflict", "error",
                                ", ".join(e.file for e in entries[1:]), first.file,
                                message("conflict", lang, unit=first.unit, period=period_label,
                                        found=f"{first.file} ({_fmt_figures(first)})", expected=others)))
            for e in entries:
                e.status = "conflict"
    rows.sort(key=lambda r: r.source.order)
    return rows, issues


def previous_pending(path: str | Path, profile: Profile | None = None) -> dict[str, int]:
    """Each department's pending figure in a previous consolidated workbook, by unit key.
    Raises ReadError when it cannot be read."""
    prof = profile or load_profile(None)
    _book, tables = read_tables(path, prof.cutoff_day, columns=prof.columns)
    for t in tables:
        if t.form != "results" or t.unit_kind != "department" or t.column("pending") is None:
            continue
        out = {}
        for row in t.rows:
            x = row.count("pending")
            if x is not None and x.denominator == 1:
                out[_unit_key(row.label)[1]] = int(x)
        return out
    raise ReadError(str(path), "không tìm thấy bảng tổng hợp có cột \"Đang giải quyết\"",
                    "Hãy chọn bảng tổng hợp kỳ trước do xl-tthc tạo ra.",
                    reason_en="no consolidated table with a pending column",
                    hint_en="Choose the previous period's consolidated workbook made by xl-tthc.")


def _carry_over(rows: list[ConsolidatedRow], pending: dict[str, int], lang: str) -> list[Issue]:
    out = []
    for r in rows:
        cur, prev = r.figures.get("carried_over"), pending.get(r.key)
        if cur is None or prev is None or cur == prev:
            continue
        e = r.source
        out.append(Issue(e.file, e.sheet, e.row, e.columns.get("carried_over"), r.unit, "carried_over",
                         "carry_over", "error", format_count(prev), format_count(cur),
                         message("carry_over", lang, found=format_count(cur), expected=format_count(prev))))
    return out


def _unweighted(rows: list[ConsolidatedRow], lang: str) -> list[Issue]:
    """One finding per department that states a ratio without the count weighing it:
    that ratio is left out of the provincial figure."""
    out = []
    for r in rows:
        missing = [f for f in r.stated if not r.weighted(f)]
        if not missing:
            continue
        e = r.source
        weights = list(dict.fromkeys(STATED_WEIGHTS[f] for f in missing))
        stated = [f"{label(f, lang)} {format_percent(r.stated[f] / 100)}" for f in missing]
        expected = ", ".join(label(w, lang) for w in weights)
        out.append(Issue(e.file, e.sheet, e.row, e.columns.get(missing[0]), r.unit, missing[0], "unweighted_ratio",
                         "warning", expected, ", ".join(stated),
                         message("unweighted_ratio", lang, unit=r.unit, found="; ".join(stated), expected=expected)))
    return out


def _source_status(s: Source) -> str:
    if s.status != "consolidated":
        return s.status
    statuses = {e.status for e in s.entries}
    if statuses <= {"consolidated"}:
        return "consolidated"
    if "consolidated" in statuses:
        return "partial"
    for st in ("conflict", "rejected", "duplicate"):
        if st in statuses:
            return st
    return "consolidated"


class NoInputs(ValueError):
    """No workbook to consolidate among the inputs: an error, never an empty appendix."""

    def __init__(self, inputs: Iterable[str | Path], lang: str = "vi"):
        where = ", ".join(str(p) for p in inputs) or "(không có đầu vào)"
        super().__init__(message("no_input", lang, found=where))


def _coverage(rows: list[ConsolidatedRow], fields: list[str]) -> dict[str, frozenset[int]]:
    """Field -> the indexes of the rows reporting it, in one pass over the rows."""
    found: dict[str, list[int]] = {f: [] for f in fields}
    for i, r in enumerate(rows):
        for f in r.figures:
            if f in found:
                found[f].append(i)
    return {f: frozenset(found[f]) for f in fields}


def _constraints(fields: list[str], inside: bool) -> list[tuple[str, tuple[str, ...]]]:
    """What the rules check on a total row, as ("equal", terms) for an identity whose
    terms must be summed over the same departments, and ("within", (part, whole)) for a
    part that must not be summed over departments its whole leaves out."""
    have = set(fields)
    out = [("equal", (whole, *parts)) for whole, parts in DERIVATIONS if whole in have]
    received = ("received",) if "received" in have else ("carried_over", "received_new")
    extras = () if inside else tuple(f for f in ("returned", "withdrawn") if f in have)
    out.append(("equal", (*received, "resolved", "pending", *extras)))
    out += [("within", (part, whole)) for part, wholes in SUBSETS for whole in wholes]
    return out


def _untotalled(rows: list[ConsolidatedRow], fields: list[str], inside: bool,
                reporters: dict[str, frozenset[int]]) -> dict[str, tuple[str, ...]]:
    """The fields whose total would contradict a rule of the total row, each with the
    terms it conflicts with: a field some departments lack, in an identity with fields
    summed over other departments.  Fields every department reports are always
    totalled; the others are taken out until every stated identity holds."""
    everyone = frozenset(range(len(rows)))
    out: dict[str, tuple[str, ...]] = {}
    changed = True
    while changed:
        changed = False
        for kind, terms in _constraints(fields, inside):
            if any(t not in reporters or t in out for t in terms):
                continue  # not stated on the total row
            if kind == "equal":
                broken = len({reporters[t] for t in terms}) > 1
            else:
                broken = not reporters[terms[0]] <= reporters[terms[1]]
            if broken:
                for t in terms:
                    if reporters[t] != everyone:
                        out[t] = tuple(x for x in terms if x != t)
                        changed = True
    return out


def _coverage_issues(rows: list[ConsolidatedRow], reporters: dict[str, frozenset[int]],
                     untotalled: dict[str, tuple[str, ...]], lang: str) -> list[Issue]:
    n = len(rows)
    out = []
    for f, who in reporters.items():
        if len(who) == n:
            continue
        found = f"{len(who)}/{n}"
        if f in untotalled:
            others = ", ".join(label(x, lang) for x in untotalled[f])
            out.append(Issue("", None, None, None, None, f, "partial_coverage", "warning", others, found,
                             message("partial_coverage", lang, label=label(f, lang), found=found, expected=others)))
        else:
            out.append(Issue("", None, None, None, None, f, "partial_coverage", "info", None, found,
                             message("partial_coverage.totalled", lang, label=label(f, lang), found=found)))
    return out


_EXCLUDED_REASONS = {
    "conflict": "xung đột số liệu giữa các tệp {files}",
    "rejected": "có lỗi số liệu trong tệp {files}",
    "period_mismatch": "tệp {files} báo cáo {period}",
    "unreadable": "không đọc được tệp",
    "no_table": "không có bảng số liệu trong tệp",
    "unknown_unit": "không xác định được đơn vị báo cáo",
}


def _excluded(sources: list[Source], rows: list[ConsolidatedRow]) -> list[Excluded]:
    """The departments (or files) left out, once each, in registry order; a department
    consolidated from another file is not among them."""
    done = {r.key for r in rows}
    found: dict[str, tuple[str, str, list[str], int, str]] = {}  # key -> unit, status, files, order, period
    for s in sources:
        if s.status in ("unreadable", "no_table", "unknown_unit") and not s.entries:
            name = os.path.basename(s.path) or s.path
            found.setdefault("file:" + s.path, (f"Tệp {name}", s.status, [name], len(_REGISTRY_ORDER), ""))
            continue
        for e in s.entries:
            status = "period_mismatch" if s.status == "period_mismatch" else e.status
            if status not in ("conflict", "rejected", "period_mismatch") or e.key in done:
                continue
            item = found.setdefault(e.key, (e.unit, status, [], e.order[0], s.period.label if s.period else ""))
            if os.path.basename(e.file) not in item[2]:
                item[2].append(os.path.basename(e.file))
    out = []
    for key, (unit, status, files, _order, period) in sorted(found.items(), key=lambda kv: (kv[1][3], fold(kv[1][0]))):
        reason = _EXCLUDED_REASONS[status].format(files=", ".join(sorted(files)), period=period)
        out.append(Excluded(unit, key, status, tuple(sorted(files)), reason))
    return out


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the sources arrive: they are millions of
    long-lived objects (a file's tables, entries and findings), which would make every
    full collection on the way scan all those before them again."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():
            # what arrived goes to the oldest generation unscanned: else the first
            # collection after this walks all of it (0.07-0.2 s for 8,000 files)
            gc.freeze()
            gc.unfreeze()
        if was:
            gc.enable()


def _skipped(paths: list[Path], sources: list[Source], lang: str) -> list[Issue]:
    """An ``info`` finding for each file found in a folder and left out when it was read,
    as a provincial workbook written by xl-tthc (nothing is passed over in silence)."""
    if len(paths) == len(sources):
        return []
    read = {s.path for s in sources}
    return [Issue(str(p), None, None, None, None, None, "provincial_skipped", "info", None, None,
                  message("provincial_skipped", lang)) for p in paths if str(p) not in read]


def _collected(inputs: Iterable[str | Path], exclude: Iterable[str | Path]) -> InputFiles:
    """The input files: found by collect_inputs, once (a list it returned is not looked
    at again, only ``exclude`` taken out of it)."""
    if not isinstance(inputs, InputFiles):
        return collect_inputs(inputs, exclude, provincial_later=True)
    skip = {_identity(Path(p)) for p in exclude} - {None}
    return InputFiles([p for p in inputs if _identity(p) not in skip] if skip else inputs, inputs._ids)


def consolidate(inputs: Iterable[str | Path], *, period: Period | str | None = None,
                previous: str | Path | None = None, jobs: int | None = None,
                profile: Profile | str | None = None, lang: str = "vi",
                progress: Callable[[int, int], None] | None = None,
                exclude: Iterable[str | Path] = (), cache: ResultCache | bool | str | Path | None = None) \
        -> Consolidation:
    """Consolidate department workbooks (files and folders) into one provincial table.

    ``period``: the run's period (a Period or a --period text); by default the period
    most files report.  ``previous``: the previous consolidated workbook, for the
    ``carry_over`` check.  ``jobs``: worker processes (default: one per CPU when there
    are many files).  ``progress(done, total)`` is called as files are read.
    ``cache``: True for the user's result cache (rules.cache), a folder or a ResultCache;
    None or False to read every file.  The result is the same whatever the order of the
    inputs, the number of jobs or what the cache holds.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    wanted = parse_period_option(period, prof.cutoff_day) if isinstance(period, str) else period
    if isinstance(period, str) and wanted is None:
        raise ValueError(f"cannot read the period {period!r}: write e.g. 'tháng 02 năm 2021' or 2021-02")
    pending = previous_pending(previous, prof) if previous is not None else None
    inputs = inputs if isinstance(inputs, InputFiles) else list(inputs)
    paths = _collected(inputs, exclude)
    if not paths:
        raise NoInputs(inputs, lang)
    store = open_cache(cache)
    with _collector_paused():
        sources = read_sources(paths, prof, lang, jobs, progress, store, paths.unchecked)
        if not sources:  # every file found was a provincial workbook written by xl-tthc
            raise NoInputs(inputs, lang)
        skipped = _skipped(paths, sources, lang)
        if store is not None:
            store.prune_if_due()
        run_period = _run_period(sources, wanted)
        rows, run_issues = _merge(sources, run_period, lang)
        if pending is not None:
            run_issues += _carry_over(rows, pending, lang)
        run_issues += _unweighted(rows, lang)
        by_file: dict[str, list[Issue]] = defaultdict(list)
        for i in run_issues:
            by_file[i.file].append(i)
        for s in sources:
            s.status = _source_status(s)
            s.issues = sort_issues(s.issues + by_file.get(s.path, []))
        present = {f for r in rows for f in r.figures}
        fields = [f for f in _RESULT_COUNTS if f in present]
        reporters = _coverage(rows, fields)
        untotalled = _untotalled(rows, fields, prof.returned_in_resolved, reporters)
        issues = sort_issues([i for s in sources for i in s.issues] + skipped +
                             _coverage_issues(rows, reporters, untotalled, lang))
    stated = [f for f in STATED_RATIOS if any(f in r.stated for r in rows)]
    coverage = {f: (len(who), len(rows)) for f, who in reporters.items()}
    return Consolidation(run_period, sources, rows, fields, issues, lang, prof.online_denominator, stated,
                         coverage, [f for f in fields if f in untotalled], _excluded(sources, rows), prof)
