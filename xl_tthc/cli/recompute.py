"""``xl-tthc recompute FILE -o OUTPUT.xlsx``"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..read.grid import ReadError
from ..domain.issues import has_errors
from ..domain.profiles import ProfileError, load_profile
from ..sheet.recompute import recompute_file
from ..domain.numbers import format_count
from ..domain.output import OutputError
from .common import (check_output_path, command, echo_json, force_option, issue_table, json_option, lang_option,
                     option, output_failed, profile_option, tr)


@command(en="""Restore the formulas of every recognised table in FILE and write the result to the
file given by -o: computed columns (received = carried over + new, resolved = early +
on time + late …), SUM on the total row, ratios as IF/ROUND formulas (ratio of the sums
on the total row) and the shares of the "Tỷ lệ %" row.  This is the ribbon's "Tính lại"
on a file.

Lists every cell whose typed value differed from what its formula computes.

Exit code 0: nothing differed; 1: typed-over values differed (they are replaced in the
output); 2: the command could not run.""")
@click.argument("file", type=click.Path(path_type=Path))  # the library says what is wrong with it
@option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
        help="Bản tính lại sẽ ghi (.xlsx, hoặc .xlsm cho sổ có macro).",
        en="The recomputed copy to write (.xlsx, or .xlsm for a macro workbook).")
@json_option
@force_option
@profile_option
@lang_option
def recompute(file: Path, out: Path, as_json: bool, force: bool, profile: str | None, lang: str) -> None:
    """Khôi phục công thức của mọi bảng nhận ra được trong FILE và ghi kết quả ra tệp -o:
    các cột tính (tổng tiếp nhận = kỳ trước chuyển sang + mới, đã giải quyết = trước hạn +
    đúng hạn + quá hạn …), SUM ở dòng tổng, tỷ lệ bằng công thức IF/ROUND (tỷ lệ của các
    số tổng ở dòng tổng) và các tỷ lệ của dòng "Tỷ lệ %".  Đây là nút "Tính lại" của thanh
    công cụ, chạy trên một tệp.

    Liệt kê mọi ô có số nhập tay khác giá trị công thức tính ra.

    Mã thoát 0: không ô nào khác; 1: có số nhập tay khác (đã thay trong tệp kết quả);
    2: lệnh không chạy được.
    """
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise click.UsageError(tr(f"{out}: tệp kết quả phải là .xlsx hoặc .xlsm",
                                  f"{out}: the output must be an .xlsx or .xlsm file"))
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
    except OutputError as e:
        raise output_failed(e) from None
    if as_json:
        echo_json({"path": str(file), "output": str(out), **result.to_dict()})
    else:
        differing = sum(c.differs for c in result.changes)
        n, k = len(result.tables), len(result.changes)
        click.echo(tr(f"{out}: {format_count(n)} bảng, {format_count(k)} công thức khôi phục, "
                      f"{format_count(differing)} ô khác giá trị tính lại",
                      f"{out}: {n:,} table{'' if n == 1 else 's'}, {k:,} formula{'' if k == 1 else 's'} restored, "
                      f"{differing:,} cell{'' if differing == 1 else 's'} differed"))
        if result.issues:
            click.echo(issue_table(result.issues, result.tables))
    sys.exit(1 if has_errors(result.issues) else 0)
