"""``xl-tthc check FILE_OR_FOLDER…``"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..consolidate.consolidation import collect_inputs
from ..consolidate.findings import findings_of_reports, severities_from, summarize
from ..domain.issues import has_errors
from ..domain.profiles import ProfileError, load_profile
from ..rules.check import check_files
from .common import (Progress, check_findings_path, command, echo_json, findings_output, findings_text, force_option, json_option,
                     lang_option, min_severity_option, no_cache_option, no_inputs, per_unit_option, profile_option, tr,
                     write_findings_or_fail)


@command(en="""Check department workbooks (.xlsx .xlsm .xls .xlsb .ods; files, or folders
searched recursively) and list what is wrong: file (relative to the common folder),
sheet, cell, department, row, field, severity, rule and message, then one summary line.

Exit code 0: no error-level finding; 1: errors found; 2: a file could not be read, or the
command could not run.""")
@click.argument("inputs", nargs=-1, required=True, type=str)  # a bad path is its own report
@findings_output
@per_unit_option
@force_option
@min_severity_option
@json_option
@no_cache_option
@profile_option
@lang_option
def check(inputs: tuple[str, ...], output: Path | None, per_unit: bool, force: bool, min_severity: str,
          as_json: bool, no_cache: bool, profile: str | None,
          lang: str) -> None:
    """Kiểm tra các tệp báo cáo của đơn vị (.xlsx .xlsm .xls .xlsb .ods; tệp, hoặc thư mục
    tìm cả thư mục con) và liệt kê chỗ sai: tệp (tính từ thư mục chung), trang tính, ô,
    đơn vị báo cáo, dòng, chỉ tiêu, mức độ, quy tắc và nội dung, rồi một dòng tổng kết.

    Mã thoát 0: không có lỗi; 1: có lỗi; 2: có tệp không đọc được, hoặc lệnh không chạy được.
    """
    try:
        prof = load_profile(profile)
    except ProfileError as e:
        raise click.UsageError(str(e))
    if output is not None:  # before reading: an input named as the output is refused, not skipped
        check_findings_path(output, [Path(p) for p in inputs if not Path(p).is_dir()], force)
    files = collect_inputs(inputs, exclude=[output] if output is not None else [])
    if not files:
        no_inputs(inputs, "no_input.check")
    with Progress(tr("Đang kiểm tra", "Checking")) as progress:
        reports = check_files(files, prof, lang, progress=progress, cache=not no_cache)
    findings = findings_of_reports(reports, min_severity)
    summary = summarize(reports, findings)
    if output is not None:
        write_findings_or_fail(findings, output, lang, per_unit, True, [])
    if as_json:
        kept = severities_from(min_severity)
        data = [r.to_dict() for r in reports]
        for part in [p for f in data for p in (f, *f.get("tables", []))]:
            if "issues" in part:
                part["issues"] = [i for i in part["issues"] if i["severity"] in kept]
        echo_json({"files": data, "summary": summary.to_dict(),
                   **({"output": str(output)} if output is not None else {})})
    else:
        if findings:
            click.echo(findings_text(findings, lang))
        click.echo(summary.text(lang) + (f"; {tr('đã ghi', 'written to')} {output}" if output else ""))
    if any(r.error is not None for r in reports):
        sys.exit(2)
    sys.exit(1 if any(has_errors(r.all_issues) for r in reports) else 0)
