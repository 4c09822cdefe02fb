"""``xl-tthc consolidate INPUT… -o OUT.xlsx``"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click


def _openpyxl_without_numpy() -> None:
    """openpyxl imported without numpy, when neither is loaded yet: its cell types list
    numpy's scalars when numpy can be imported, and importing numpy took a third of this
    command's imports (0.08 s of every run).  The provincial workbook is written from
    Python numbers only; numpy can still be imported later, openpyxl just does not take
    its scalars as cell values in this process."""
    if "openpyxl" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # "import numpy" raises ImportError
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]


_openpyxl_without_numpy()

from ..consolidate.consolidation import collect_inputs, consolidate as consolidate_files, status_label
from ..domain.fields import label
from ..read.grid import ReadError
from ..domain.issues import has_errors
from ..domain.numbers import format_count
from ..domain.profiles import ProfileError, load_profile
from ..consolidate.findings import Places, common_folder, findings_of_issues, shown_path, summarize_sources
from ..consolidate.provincial import SelfContradiction, write_provincial
from ..forms.templates import ReportInfo
from .common import (Progress, check_findings_path, check_output_path, command, echo_json, force_option, issue_table,
                     json_option, lang_option, no_cache_option, no_inputs, option, per_unit_option, profile_option,
                     spare_collector, sparing_collector, tr, write_atomically, write_findings_or_fail)


@command(en="""Consolidate department workbooks (files, or folders searched recursively) into the
provincial workbook: the consolidated sheet with totals and ratios as formulas, charts,
every row read, every finding linked to its source cell, and every source file.

Files that cannot be read, report another period, conflict with another file for the
same department, or have errors in their counts are listed with the reason; the
others are consolidated.  No workbook among the inputs (an empty folder) is an error.

The appendix carries the line "(Kèm theo Báo cáo số … ngày … của …)", the date line
and the signature block: --report-no, --report-date, --agency, --place, --preparer
and --signer fill them, the rest stay dotted placeholders to fill by hand.

Exit code 0: everything consolidated without error-level findings; 1: some file
failed or errors were found; 2: the command could not run.""")
@click.argument("inputs", nargs=-1, required=True, type=str)  # a bad path is its own record
@option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
        help="Tệp tổng hợp của tỉnh sẽ ghi (.xlsx).", en="The provincial workbook to write (.xlsx).")
@option("--period", default=None, metavar="P",
        help="Kỳ cần tổng hợp, ví dụ 'tháng 02 năm 2021' hoặc 2021-02, 2024-Q1, 2023 (mặc định: kỳ mà "
             "nhiều tệp báo cáo nhất).",
        en="The period to consolidate, e.g. 'tháng 02 năm 2021' or 2021-02, 2024-Q1, 2023 "
           "(default: the period most files report).")
@option("--previous", default=None, type=click.Path(path_type=Path),
        help="Tệp tổng hợp kỳ trước: đối chiếu số kỳ trước chuyển sang.",
        en="The previous period's consolidated workbook: check carried-over figures against it.")
@option("--jobs", type=click.IntRange(min=1), default=None,
        help="Số tiến trình đọc song song (mặc định: mỗi CPU một tiến trình khi có nhiều tệp).",
        en="Worker processes for reading (default: one per CPU for many files).")
@option("--findings", "findings_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Ghi thêm các phát hiện ra findings.xlsx (có liên kết tới ô nguồn) hoặc findings.csv.",
        en="Also write the findings to findings.xlsx (linked to the source cells) or findings.csv.")
@per_unit_option
@option("--report-no", default=None, metavar="SỐ",
        help="Số, ký hiệu của báo cáo mà phụ lục kèm theo, ví dụ 03/BC-TTHC (mặc định: để trống để điền tay).",
        en="Number and symbol of the report the appendix is attached to, e.g. 03/BC-TTHC (default: a blank "
           "to fill by hand).")
@option("--report-date", default=None, type=click.DateTime(formats=["%d/%m/%Y", "%Y-%m-%d"]), metavar="NGÀY",
        help="Ngày của báo cáo, dạng 20/02/2021 hoặc 2021-02-20: dòng \"Kèm theo\" và dòng ngày tháng trên "
             "chữ ký.",
        en="Date of the report, 20/02/2021 or 2021-02-20: the \"Kèm theo\" line and the date line above the "
           "signatures.")
@option("--agency", default=None, metavar="TÊN",
        help="Cơ quan ban hành báo cáo, ví dụ \"Trung tâm Phục vụ hành chính công tỉnh Sóc Trăng\".",
        en="The agency issuing the report, e.g. \"Trung tâm Phục vụ hành chính công tỉnh Sóc Trăng\".")
@option("--place", default=None, metavar="ĐỊA DANH", help="Địa danh của dòng ngày tháng, ví dụ Sóc Trăng.",
        en="The place of the date line, e.g. Sóc Trăng.")
@option("--preparer", default=None, metavar="HỌ TÊN", help="Họ tên người lập biểu.",
        en="Name of the person who prepared the table (người lập biểu).")
@option("--signer", default=None, metavar="HỌ TÊN", help="Họ tên thủ trưởng đơn vị ký phụ lục.",
        en="Name of the head of the unit who signs the appendix (thủ trưởng đơn vị).")
@option("--online-target", default=None, type=click.FloatRange(0, 100), metavar="PHẦN TRĂM",
        help="Chỉ tiêu tỷ lệ hồ sơ trực tuyến của tỉnh, tính bằng %, ví dụ 80: biểu đồ so sánh từng đơn vị "
             "với chỉ tiêu.",
        en="The province's target for the online rate, in %, e.g. 80: the chart compares each department "
           "with it.")
@json_option
@force_option
@no_cache_option
@profile_option
@lang_option
@sparing_collector
def consolidate(inputs: tuple[str, ...], out: Path, period: str | None, previous: Path | None, jobs: int | None,
                findings_out: Path | None, per_unit: bool, report_no: str | None, report_date: datetime | None,
                agency: str | None, place: str | None, preparer: str | None, signer: str | None,
                online_target: float | None, as_json: bool, force: bool, no_cache: bool, profile: str | None,
                lang: str) -> None:
    """Tổng hợp các tệp báo cáo của đơn vị (tệp, hoặc thư mục tìm cả thư mục con) thành tệp
    tổng hợp của tỉnh: trang tổng hợp với tổng và tỷ lệ bằng công thức, biểu đồ, mọi dòng
    đã đọc, mọi phát hiện có liên kết tới ô nguồn, và danh sách tệp nguồn.

    Tệp không đọc được, báo cáo kỳ khác, trùng đơn vị với tệp khác, hoặc có lỗi số liệu
    được liệt kê kèm lý do; các tệp còn lại được tổng hợp.  Không có tệp báo cáo nào
    (thư mục rỗng) là lỗi.

    Phụ lục có dòng "(Kèm theo Báo cáo số … ngày … của …)", dòng ngày tháng và phần chữ ký:
    --report-no, --report-date, --agency, --place, --preparer và --signer điền các chỗ đó,
    chỗ nào không có thì để dấu chấm để điền tay.

    Mã thoát 0: đã tổng hợp hết, không có lỗi; 1: có tệp không tổng hợp được hoặc có lỗi;
    2: lệnh không chạy được.
    """
    if out.suffix.lower() != ".xlsx":
        raise click.UsageError(tr(f"{out}: tệp kết quả phải là .xlsx", f"{out}: the output must be an .xlsx file"))
    if findings_out is not None:  # before reading: an input named as the output is refused, not skipped
        check_findings_path(findings_out, [*(Path(p) for p in inputs if not Path(p).is_dir()), out], force)
    files = collect_inputs(inputs, exclude=[findings_out] if findings_out is not None else [],
                           provincial_later=True).replacing(out)
    if not files:
        no_inputs(map(str, inputs))
    check_output_path(out, [*files, *([previous] if previous else [])], force)
    try:
        prof = load_profile(profile)
    except ProfileError as e:
        raise click.UsageError(str(e))
    try:
        with Progress(tr("Đang đọc", "Reading"), files=files) as progress:
            try:
                result = consolidate_files(files, period=period, previous=previous, jobs=jobs, profile=prof,
                                           lang=lang, progress=progress,
                                           exclude=[out, *([findings_out] if findings_out else [])],
                                           cache=not no_cache)
            except ValueError as e:
                raise click.UsageError(str(e))
            except ReadError as e:
                raise click.UsageError(f"{previous}: {e.text(lang)}")
        spare_collector()
        report = ReportInfo(report_no, report_date.date() if report_date else None, agency, place, preparer, signer)
        write_atomically(out, lambda tmp: write_provincial(result, tmp, report=report, online_target=online_target))
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
    base = common_folder(files)
    places = Places.of_sources(result.sources)
    if findings_out is not None:
        write_findings_or_fail(findings_of_issues(result.issues, base=base, places=places), findings_out, lang,
                               per_unit, True, [])
    if as_json:
        echo_json({"output": str(out), **result.to_dict()})
    else:
        total = result.total
        partial = set(result.partial)
        head = ", ".join(
            f"{label(f, lang)} "
            f"{format_count(total[f], lang=lang) if f in total else tr('không cộng', 'not totalled')}"
            + (f" ({result.coverage_text(f)})" if f in partial else "")
            for f in ("received", "received_new", "resolved", "pending") if f in result.fields)
        n_ok = sum(1 for s in result.sources if s.status == "consolidated")
        rows, n_files = format_count(len(result.rows), lang=lang), format_count(len(result.sources), lang=lang)
        click.echo(tr(f"{out}: {rows} đơn vị, {format_count(n_ok)}/{n_files} tệp đã tổng hợp"
                      f"{'; kỳ ' + result.period.label if result.period else ''}{'; ' + head if head else ''}",
                      f"{out}: {rows} unit{'' if len(result.rows) == 1 else 's'}, {n_ok:,}/{n_files} "
                      f"file{'' if len(result.sources) == 1 else 's'} consolidated"
                      f"{'; period ' + result.period.key if result.period else ''}{'; ' + head if head else ''}"))
        for s in result.failed:
            click.echo(f"  {shown_path(s.path, base)}: {status_label(s.status, lang)}: {s.reason}")
        if result.issues:
            click.echo(issue_table(result.issues, places=places))
        click.echo(summarize_sources(result.sources, result.issues).text(lang)
                   + (f"; {tr('đã ghi', 'written to')} {findings_out}" if findings_out else ""))
    sys.exit(0 if result.ok and not has_errors(result.issues) else 1)
