"""``xl-tthc recompute FILE -o OUT.xlsx``"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..read.grid import ReadError
from ..domain.issues import has_errors
from ..domain.profiles import ProfileError, load_profile
from ..sheet.recompute import recompute_file
from .common import check_output_path, echo_json, force_option, issue_table, json_option, lang_option, profile_option


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The recomputed copy to write (.xlsx, or .xlsm for a macro workbook).")
@json_option
@force_option
@profile_option
@lang_option
def recompute(file: Path, out: Path, as_json: bool, force: bool, profile: str | None, lang: str) -> None:
    """Restore the formulas of every recognised table in FILE and write the result to OUT:
    computed columns (received = carried over + new, resolved = early + on time + late …),
    SUM on the total row, ratios as IF/ROUND formulas (ratio of the sums on the total row)
    and the shares of the "Tỷ lệ %" row.  This is the ribbon's "Tính lại" on a file.

    Lists every cell whose typed value differed from what its formula computes.

    Exit code 0: nothing differed; 1: typed-over values differed (they are replaced in
    OUT); 2: the command could not run.
    """
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise click.UsageError(f"{out}: the output must be an .xlsx or .xlsm file")
    check_output_path(out, [file], force)
    try:
        prof = load_profile(profile)
    except ProfileError as e:
        raise click.UsageError(str(e))
    try:
        result = recompute_file(file, out, prof, lang)
    except ReadError as e:
        click.echo(f"{file}: {e.text(lang)}", err=True)
        sys.exit(2)
    if as_json:
        echo_json({"path": str(file), "output": str(out), **result.to_dict()})
    else:
        differing = sum(c.differs for c in result.changes)
        click.echo(f"{out}: {len(result.tables)} bảng, {len(result.changes)} công thức khôi phục, "
                   f"{differing} ô khác giá trị tính lại" if lang == "vi" else
                   f"{out}: {len(result.tables)} tables, {len(result.changes)} formulas restored, "
                   f"{differing} cells differed")
        if result.issues:
            click.echo(issue_table(result.issues))
    sys.exit(1 if has_errors(result.issues) else 0)
