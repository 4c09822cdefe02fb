"""``xl-tthc tally EXPORT… --period P -o OUT.xlsx``"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..domain.fields import label
from ..domain.issues import has_errors
from ..domain.numbers import format_count
from ..domain.profiles import ProfileError
from ..dossiers.columns import MappingError
from ..dossiers.source import DossierError, collect_exports
from ..dossiers.tally import tally as tally_exports, write_tally
from .common import (check_output_path, command, echo_json, force_option, issue_table, json_option, lang_option, option,
                     write_atomically)

export_options = [
    option("--period", required=True, metavar="P",
           help="Kỳ báo cáo: 2024-03, 2024-Q1, 2024-H1, 2024-9M, 2024 hoặc \"tháng 03 năm 2024\".",
           en="The period: 2024-03, 2024-Q1, 2024-H1, 2024-9M, 2024 or \"tháng 03 năm 2024\"."),
    option("--profile", default=None, metavar="TÊN|TỆP",
           en="Counting conventions: default (as the province's one-stop system counts), returned-beside "
              "(withdrawn dossiers apart), cutoff-14 (periods from the 15th of the previous month to the 14th), "
              "cutoff-15, qd766 (time stamps compared, supplement waiting subtracted), or a .toml/.json file.",
                 help="Quy ước đếm: default (như hệ thống một cửa của tỉnh), returned-beside (hồ sơ rút tính "
                      "riêng), cutoff-14 (kỳ từ ngày 15 tháng trước đến ngày 14), cutoff-15, qd766 (so sánh theo "
                      "thời điểm, trừ thời gian chờ bổ sung), hoặc tệp .toml/.json."),
    option("--map", "mapping", en="A .toml/.json file naming columns: {\"column in the file\": \"canonical name\"}, "
                                  "e.g. {\"Số biên nhận\": \"dossier_id\"}.", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Tệp .toml/.json đặt tên cột: {\"cột trong tệp\": \"tên chuẩn\"}, ví dụ "
                      "{\"Số biên nhận\": \"dossier_id\"}."),
    option("--unit", default=None, metavar="TÊN", help="Chỉ đếm hồ sơ của một cơ quan (ví dụ \"Sở Tư pháp\").",
           en="Count only one agency's dossiers (e.g. \"Sở Tư pháp\")."),
    option("--province", default=None, metavar="TỈNH",
           en="Count only one province's dossiers (a name from before 1 July 2025 means today's province).",
                 help="Chỉ đếm hồ sơ của một tỉnh (tên cũ trước 1/7/2025 được hiểu là tỉnh mới)."),
    option("--memory-limit", default=None, metavar="KÍCH_THƯỚC",
           en="DuckDB's memory limit, e.g. 2GB (default: half the RAM, at most 4GB); the rest spills to disk.",
                 help="Giới hạn bộ nhớ của DuckDB, ví dụ 2GB (mặc định: một nửa RAM, tối đa 4GB); phần vượt "
                      "được ghi tạm ra đĩa."),
]


def with_export_options(f):
    for option in reversed(export_options):
        f = option(f)
    return f


def fail(e: Exception, lang: str) -> None:
    """A usage error (exit 2) from a DossierError, MappingError or ProfileError."""
    raise click.UsageError(e.text(lang) if isinstance(e, DossierError) else str(e))


@command(en="""Tally the one-stop software's dossier export (CSV, Parquet, XLSX; files or folders,
    hive-partitioned Parquet tinh=…/thang=…/ included) into the TTHC result form: formulas with
    their values, a sheet of digital-service ratios with their definitions, a data summary and a
    findings sheet (each invalid row with its file and row; invalid rows are not counted).

    Exit code 0: no error; 1: invalid rows or other errors; 2: the command could not run, or an
    export could not be read (the others are counted and written, the unreadable ones listed).""")
@click.argument("exports", nargs=-1, required=True, type=click.Path(path_type=Path))
@option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
        help="Sổ tính kết quả (.xlsx) cần ghi.", en="The result workbook (.xlsx) to write.")
@option("--by", type=click.Choice(["field", "unit", "province"]), default="field", show_default=True,
        help="field: mỗi lĩnh vực một dòng (biểu mẫu của sở); unit: mỗi cơ quan một dòng (phụ lục của tỉnh); "
             "province: mỗi tỉnh một dòng.",
        en="field: a row per field of procedures (the department form); unit: a row per agency (the "
           "provincial appendix); province: a row per province.")
@with_export_options
@json_option
@force_option
@lang_option
def tally(exports: tuple[Path, ...], out: Path, by: str, period: str, profile: str | None, mapping: Path | None,
          unit: str | None, province: str | None, memory_limit: str | None, as_json: bool, force: bool,
          lang: str) -> None:
    """Đếm hồ sơ từ dữ liệu xuất của phần mềm một cửa (CSV, Parquet, XLSX; tệp hoặc thư mục,
    kể cả Parquet chia thư mục tinh=…/thang=…/) thành biểu kết quả giải quyết TTHC: công
    thức kèm giá trị, trang các chỉ số số hóa kèm định nghĩa, trang tóm tắt dữ liệu và
    trang phát hiện (mỗi dòng dữ liệu sai, với tệp và dòng; dòng sai không được đếm).

    Mã thoát 0: không có lỗi; 1: có dòng dữ liệu sai hoặc lỗi khác; 2: lệnh không chạy
    được (tham số sai), hoặc có tệp không đọc được (các tệp khác vẫn được đếm và ghi, tệp
    không đọc được được liệt kê).
    """
    if out.suffix.lower() != ".xlsx":
        raise click.UsageError(f"{out}: tệp kết quả phải là .xlsx" if lang == "vi" else
                               f"{out}: the output must be an .xlsx file")
    try:
        check_output_path(out, collect_exports(exports, []), force)
        result = tally_exports(exports, period, by=by, profile=profile, mapping=mapping, unit=unit,
                               province=province, lang=lang, memory_limit=memory_limit)
    except (DossierError, MappingError, ProfileError) as e:
        fail(e, lang)
    write_atomically(out, lambda tmp: write_tally(result, tmp))
    if as_json:
        echo_json({"output": str(out), **result.to_dict()})
    else:
        vi = lang == "vi"
        s, total = result.summary, result.total
        head = ", ".join(f"{label(f, lang)} {format_count(total[f])}"
                         for f in ("received", "received_new", "resolved", "pending") if f in total)
        click.echo(f"{out}: {len(result.rows)} {'dòng' if vi else 'rows'}; "
                   f"{'kỳ' if vi else 'period'} {result.period.label if vi else result.period.key}; {head}")
        click.echo(f"  {'đã đọc' if vi else 'read'} {format_count(s['rows'])}, "
                   f"{'đã đếm' if vi else 'counted'} {format_count(s['counted'])}, "
                   f"{'loại vì dữ liệu sai' if vi else 'left out as invalid'} {format_count(s['bad'])}, "
                   f"{'chưa/không được tiếp nhận' if vi else 'never received'} {format_count(s['never_received'])}"
                   + (f", {'ngoài phạm vi chọn' if vi else 'outside the filter'} {format_count(s['outside_filter'])}"
                      if s["outside_filter"] else ""))
        if result.issues:
            click.echo(issue_table(result.issues))
    sys.exit(2 if any(i.rule == "unreadable" for i in result.issues) else 1 if has_errors(result.issues) else 0)
