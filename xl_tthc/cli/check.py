"""``xl-tthc check FILE…``"""

from __future__ import annotations

import sys

import click

from ..rules.check import check_files
from ..domain.issues import has_errors
from ..domain.profiles import ProfileError, load_profile
from .common import echo_json, issue_table, json_option, lang_option, profile_option


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@json_option
@profile_option
@lang_option
def check(files: tuple[str, ...], as_json: bool, profile: str | None, lang: str) -> None:
    """Check department workbooks (.xlsx .xlsm .xls .xlsb .ods) and list what is wrong.

    Exit code 0: no error-level finding; 1: errors found; 2: a file could not be read.
    """
    try:
        prof = load_profile(profile)
    except ProfileError as e:
        raise click.UsageError(str(e))
    reports = check_files(files, prof, lang)
    if as_json:
        echo_json({"files": [r.to_dict() for r in reports]})
    else:
        for r in reports:
            if r.error is not None:
                click.echo(f"{r.path}: {'LỖI' if lang == 'vi' else 'ERROR'}: {r.error.text(lang)}")
                continue
            issues = r.all_issues
            n_units = sum(len(t.table.rows) for t in r.tables)
            summary = (f"{r.path}: {len(r.tables)} bảng, {n_units} đơn vị, {len(issues)} phát hiện"
                       if lang == "vi" else
                       f"{r.path}: {len(r.tables)} tables, {n_units} units, {len(issues)} findings")
            click.echo(summary)
            if issues:
                click.echo(issue_table(issues))
    if any(r.error is not None for r in reports):
        sys.exit(2)
    sys.exit(1 if any(has_errors(r.all_issues) for r in reports) else 0)
