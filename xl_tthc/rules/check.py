"""Checking files: read every table, run the rules, collect reports.

A file that cannot be read becomes a report with an error, never an exception, so
the other files of the same run still go through.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..read.grid import ReadError, Workbook
from ..domain.issues import Issue, has_errors, message, sort_issues
from ..domain.profiles import Profile, load_profile
from ..read.reader import read_tables
from .cache import ResultCache, open_cache
from .table_rules import check_table
from .stale import mark_stale
from ..read.table import Table

__all__ = ["TableReport", "FileReport", "check_file", "check_files"]


@dataclass
class TableReport:
    table: Table
    issues: list[Issue]

    def to_dict(self) -> dict[str, Any]:
        t = self.table
        return {
            "sheet": t.sheet,
            "form": t.form,
            "header_rows": [r + 1 for r in t.header_rows],
            "period": t.period.key if t.period else None,
            "columns": {c.letter: c.field for c in t.columns if c.field},
            "units": t.units,
            "issues": [i.to_dict() for i in self.issues],
        }


@dataclass
class FileReport:
    path: str
    tables: list[TableReport] = field(default_factory=list)
    error: ReadError | None = None
    issues: list[Issue] = field(default_factory=list)  # file-level findings (no table)
    lang: str = "vi"

    @property
    def all_issues(self) -> list[Issue]:
        return self.issues + [i for t in self.tables for i in t.issues]

    @property
    def ok(self) -> bool:
        return self.error is None and not has_errors(self.all_issues)

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"path": self.path, "error": self.error.text(self.lang)}
        out: dict[str, Any] = {"path": self.path, "tables": [t.to_dict() for t in self.tables]}
        if self.issues:
            out["issues"] = [i.to_dict() for i in self.issues]
        return out


def check_book(book: Workbook, tables: list[Table], profile: Profile, lang: str = "vi") -> list[TableReport]:
    reports = []
    for t in tables:
        issues = mark_stale(book, t, check_table(t, profile, lang), lang)
        reports.append(TableReport(t, sort_issues(issues)))
    return reports


def check_file(path: str | Path, profile: Profile | str | None = None, lang: str = "vi",
               cache: ResultCache | bool | str | Path | None = None) -> FileReport:
    """Read and check one workbook.  Never raises for a bad file.  ``cache`` (see
    :mod:`.cache`): the report of a file whose bytes were checked before, with the same
    code, profile, language and path, is reused instead of reading it again."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    store = open_cache(cache)
    data = key = None
    if store is not None:
        try:
            data = Path(path).read_bytes()
        except OSError:
            data = None  # reading it below says why
        if data:
            key = store.key(hashlib.sha256(data).hexdigest(), "check.FileReport", str(path), lang, repr(prof))
            stored = store.get(key)
            if isinstance(stored, FileReport):
                return stored
    report = _check_file(path, prof, lang, data)
    if key is not None:
        store.put(key, report)
    return report


def _check_file(path: str | Path, prof: Profile, lang: str, data: bytes | None) -> FileReport:
    report = FileReport(str(path), lang=lang)
    try:
        book, tables = read_tables(path, prof.cutoff_day, data, columns=prof.columns)
    except ReadError as e:
        report.error = e
        return report
    report.tables = check_book(book, tables, prof, lang)
    if not tables:
        report.issues.append(Issue(str(path), None, None, None, None, None, "no_table", "error",
                                   None, None, message("no_table", lang)))
    return report


def check_files(paths: Iterable[str | Path], profile: Profile | str | None = None, lang: str = "vi",
                progress: Callable[[int, int, str], None] | None = None,
                cache: ResultCache | bool | str | Path | None = None) -> list[FileReport]:
    """Check every file; ``progress(done, total, current)`` is called before each file
    and once at the end (current ""); ``cache``: see :func:`open_cache`."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    store = open_cache(cache)
    paths = list(paths)
    reports = []
    for k, p in enumerate(paths):
        if progress is not None:
            progress(k, len(paths), str(p))
        reports.append(check_file(p, prof, lang, store))
    if progress is not None:
        progress(len(paths), len(paths), "")
    if store is not None:
        store.prune()
    return reports
