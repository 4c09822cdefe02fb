"""``xl-tthc reconcile EXPORT… WORKBOOK --period P``"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..domain.issues import has_errors
from ..domain.profiles import ProfileError
from ..dossiers.columns import MappingError
from ..dossiers.reconcile import reconcile as reconcile_workbook
from ..dossiers.source import DossierError
from .common import command, echo_json, issue_table, json_option, lang_option
from .tally import fail, with_export_options


@command(en="""Reconcile a typed appendix (the last argument, .xlsx) with the dossier export of the
    one-stop software (the arguments before it): every figure of the table against the count of
    the same unit and field; each difference a reconcile_mismatch finding at the table's cell,
    with both figures. Units on one side only are reported too.

    Exit code 0: everything agrees; 1: differences or errors; 2: the command could not run, or an
    export could not be read (listed; the comparison is then with the rest of the data).""")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_export_options
@json_option
@lang_option
def reconcile(paths: tuple[Path, ...], period: str, profile: str | None, mapping: Path | None, unit: str | None,
              province: str | None, memory_limit: str | None, as_json: bool, lang: str) -> None:
    """Đối chiếu một phụ lục đã nhập tay (tham số cuối cùng, .xlsx) với dữ liệu hồ sơ xuất
    từ phần mềm một cửa (các tham số trước): mỗi số của bảng so với số đếm được của cùng
    đơn vị và chỉ tiêu; mỗi chênh lệch là một phát hiện reconcile_mismatch tại ô của bảng,
    ghi cả hai số. Đơn vị chỉ có ở một bên cũng được báo.

    Mã thoát 0: khớp hoàn toàn; 1: có chênh lệch hoặc lỗi; 2: lệnh không chạy được, hoặc có
    tệp dữ liệu không đọc được (được liệt kê; khi đó chỉ so với phần dữ liệu còn lại).
    """
    if len(paths) < 2:
        raise click.UsageError("cần ít nhất một tệp dữ liệu hồ sơ và một sổ tính" if lang == "vi" else
                               "give at least one dossier export and one workbook")
    *exports, workbook = paths
    try:
        result = reconcile_workbook(exports, workbook, period, profile=profile, mapping=mapping, unit=unit,
                                    province=province, lang=lang, memory_limit=memory_limit)
    except (DossierError, MappingError, ProfileError) as e:
        fail(e, lang)
    if as_json:
        echo_json(result.to_dict())
    else:
        vi = lang == "vi"
        n = sum(1 for i in result.issues if i.rule == "reconcile_mismatch")
        click.echo(f"{workbook}: {'đã so' if vi else 'compared'} {result.compared} {'ô' if vi else 'cells'}, "
                   f"{n} {'chênh lệch' if vi else 'differences'}; "
                   f"{'kỳ' if vi else 'period'} {result.period.label if vi else result.period.key}")
        shown = [i for i in result.issues if i.rule != "dossier_column"]
        if shown:
            click.echo(issue_table(shown))
    if any(i.rule == "unreadable" for i in result.issues):
        sys.exit(2)  # an export was not read: the comparison is with part of the data
    sys.exit(1 if has_errors(i for i in result.issues if i.file == str(workbook)) else 0)
