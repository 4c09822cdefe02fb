"""``xl-tthc consolidate INPUT… -o OUT.xlsx``"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..consolidate.consolidation import collect_inputs, consolidate as consolidate_files, status_label
from ..domain.fields import label
from ..read.grid import ReadError
from ..domain.issues import has_errors
from ..domain.numbers import format_count
from ..domain.profiles import ProfileError, load_profile
from ..consolidate.provincial import SelfContradiction, write_provincial
from .common import (check_output_path, echo_json, force_option, issue_table, json_option, lang_option,
                     profile_option, stderr_is_tty, write_atomically)


class _Progress:
    """A progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The provincial workbook to write (.xlsx).")
@click.option("--period", default=None, metavar="P",
              help="The period to consolidate, e.g. 'tháng 02 năm 2021' or 2021-02, 2024-Q1, 2023 "
                   "(default: the period most files report).")
@click.option("--previous", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The previous period's consolidated workbook: check carried-over figures against it.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for reading (default: one per CPU for many files).")
@json_option
@force_option
@profile_option
@lang_option
def consolidate(inputs: tuple[Path, ...], out: Path, period: str | None, previous: Path | None, jobs: int | None,
                as_json: bool, force: bool, profile: str | None, lang: str) -> None:
    """Consolidate department workbooks (files, or folders searched recursively) into the
    provincial workbook: the consolidated sheet with totals and ratios as formulas, charts,
    every row read, every finding linked to its source cell, and every source file.

    Files that cannot be read, report another period, conflict with another file for the
    same department, or have errors in their counts are listed with the reason; the
    others are consolidated.

    Exit code 0: everything consolidated without error-level findings; 1: some file
    failed or errors were found; 2: the command could not run.
    """
    if out.suffix.lower() != ".xlsx":
        raise click.UsageError(f"{out}: the output must be an .xlsx file")
    files = collect_inputs(inputs)
    check_output_path(out, [*files, *([previous] if previous else [])], force)
    try:
        prof = load_profile(profile)
    except ProfileError as e:
        raise click.UsageError(str(e))
    progress = _Progress("Đang đọc" if lang == "vi" else "Reading") if stderr_is_tty() else None
    try:
        try:
            result = consolidate_files(files or inputs, period=period, previous=previous, jobs=jobs, profile=prof,
                                       lang=lang, progress=progress, exclude=[out])
        except ValueError as e:
            raise click.UsageError(str(e))
        except ReadError as e:
            raise click.UsageError(f"{previous}: {e.text(lang)}")
        finally:
            if progress:
                progress.close()
        write_atomically(out, lambda tmp: write_provincial(result, tmp))
    except SelfContradiction as e:  # a bug: say so, and leave nothing written
        click.echo(issue_table(e.issues), err=True)
        said = ("bảng tổng hợp tự mâu thuẫn (lỗi của xl-tthc), không ghi tệp" if lang == "vi"
                else "the consolidated sheet contradicts itself (a bug of xl-tthc); nothing written")
        click.echo(f"{out}: {said}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:  # Ctrl-C: the workers are stopped and no output is left half-written
        click.echo(f"\n{'Đã dừng theo yêu cầu; chưa ghi' if lang == 'vi' else 'Interrupted; nothing written to'} "
                   f"{out}", err=True)
        sys.exit(130)
    if as_json:
        echo_json({"output": str(out), **result.to_dict()})
    else:
        vi = lang == "vi"
        total = result.total
        partial = set(result.partial)
        head = ", ".join(
            f"{label(f, lang)} {format_count(total[f]) if f in total else ('không cộng' if vi else 'not totalled')}"
            + (f" ({result.coverage_text(f)})" if f in partial else "")
            for f in ("received", "received_new", "resolved", "pending") if f in result.fields)
        n_ok = sum(1 for s in result.sources if s.status == "consolidated")
        click.echo(f"{out}: {len(result.rows)} {'đơn vị' if vi else 'units'}, "
                   f"{n_ok}/{len(result.sources)} {'tệp đã tổng hợp' if vi else 'files consolidated'}"
                   f"{'; kỳ ' + result.period.label if vi and result.period else ''}"
                   f"{'; period ' + result.period.key if not vi and result.period else ''}{'; ' + head if head else ''}")
        for s in result.failed:
            click.echo(f"  {s.path}: {status_label(s.status, lang)}: {s.reason}")
        if result.issues:
            click.echo(issue_table(result.issues))
    sys.exit(0 if result.ok and not has_errors(result.issues) else 1)
