"""Checking files: read every table, run the rules, collect reports.

A file that cannot be read becomes a report with an error, never an exception, so
the other files of the same run still go through.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable

from ..read.errors import ReadError, unexpected_error
from ..read.grid import Workbook
from ..read.untrusted import checked_in_process, read_untrusted
from ..domain.issues import Issue, has_errors, message, sort_issues
from ..domain.profiles import Profile, load_profile
from ..read.reader import read_tables
from .cache import ResultCache, map_counted, open_cache
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
               cache: ResultCache | bool | str | Path | None = None, *, thorough: bool = True) -> FileReport:
    """Read and check one workbook.  Never raises for a bad file.  ``cache`` (see
    :mod:`.cache`): the report of a file whose bytes were checked before, with the same
    code, profile, language and path, is reused instead of reading it again.  Never
    raises: whatever happens while the file is read and checked becomes its error.
    ``thorough``: see :func:`~xl_tthc.read.grid.open_workbook`."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    try:
        return _cached_check(path, prof, lang, open_cache(cache), thorough)
    except Exception as e:  # noqa: BLE001 - the file's error boundary
        return FileReport(str(path), error=unexpected_error(str(path), e), lang=lang)


def _cached_check(path: str | Path, prof: Profile, lang: str, store: ResultCache | None,
                  thorough: bool) -> FileReport:
    data = key = None
    if store is not None:
        try:
            data = read_untrusted(path)
        except ReadError:
            data = None  # reading it below says why
        if data:
            key = store.key(hashlib.sha256(data).hexdigest(), "check.FileReport", str(path), lang, repr(prof))
            stored = store.get(key)
            if isinstance(stored, FileReport):
                return stored
    report = _check_file(path, prof, lang, data, thorough)
    if key is not None:
        store.put(key, report)
    return report


def _check_file(path: str | Path, prof: Profile, lang: str, data: bytes | None, thorough: bool) -> FileReport:
    report = FileReport(str(path), lang=lang)
    try:
        book, tables = read_tables(path, prof.cutoff_day, data, columns=prof.columns, thorough=thorough)
        report.tables = check_book(book, tables, prof, lang)
    except Exception as e:  # noqa: BLE001 - the file's error boundary
        report.tables = []
        report.error = unexpected_error(str(path), e)
        return report
    if not tables:
        report.issues.append(Issue(str(path), None, None, None, None, None, "no_table", "error",
                                   None, None, message("no_table", lang)))
    return report


def _unreadable(path: str, e: ReadError, lang: str) -> FileReport:
    return FileReport(path, error=e, lang=lang)


def check_files(paths: Iterable[str | Path], profile: Profile | str | None = None, lang: str = "vi",
                progress: Callable[[int, int, str], None] | None = None,
                cache: ResultCache | bool | str | Path | None = None, jobs: int | None = None) -> list[FileReport]:
    """Every file checked, in input order.  One small .xlsx is checked here after the
    thorough pre-checks; otherwise in worker processes (``jobs``, default one per CPU)
    with memory and time limits, so a file that crashes or exhausts the reader costs
    only its own report.  ``progress(done, total, current)`` is called before the first
    file, as files are done (current: the next one) and at the end (current "");
    ``cache``: see :func:`open_cache`."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    store = open_cache(cache)
    items = [str(p) for p in paths]
    n = len(items)
    if progress is not None:
        progress(0, n, items[0] if items else "")
    if n == 1 and jobs is None and checked_in_process(items[0]):
        reports = [check_file(items[0], prof, lang, store)]
    else:
        step = None if progress is None else (lambda done, total: progress(done, total, items[done] if done < total
                                                                             else ""))
        reports = map_counted(partial(check_file, profile=prof, lang=lang, cache=store, thorough=False), items,
                              lambda path, e: _unreadable(path, e, lang), store=store,
                              retry=partial(check_file, profile=prof, lang=lang, cache=store, thorough=True),
                              retry_store=store, jobs=jobs, chunk=16, progress=step)
    if progress is not None and n:
        progress(n, n, "")
    if store is not None:
        store.prune_if_due()
    return reports
