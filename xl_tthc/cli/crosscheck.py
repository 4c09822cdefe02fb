"""``xl-tthc crosscheck REPORT [TABLE]``"""

from __future__ import annotations

import sys

import click

from ..read.grid import ReadError
from ..domain.issues import has_errors
from ..prose.report import ProseError
from ..prose.prose_check import crosscheck_report
from .common import command, echo_json, issue_table, json_option, lang_option, tr


@command(en="""Check the figures of a report's prose (.txt .md .docx) against its appendix workbook,
and against each other when no workbook is given.  Each finding quotes the sentence.""")
@click.argument("report", type=str)
@click.argument("table", required=False, type=str)
@json_option
@lang_option
def crosscheck(report: str, table: str | None, as_json: bool, lang: str) -> None:
    """Đối chiếu các số trong văn bản báo cáo (.txt .md .docx) với tệp phụ lục, và giữa các
    số với nhau khi không có tệp phụ lục.  Mỗi phát hiện trích câu văn có số sai."""
    try:
        issues = crosscheck_report(report, table, lang)
    except ReadError as e:
        click.echo(f"{e.file}: {e.text(lang)}", err=True)
        sys.exit(2)
    except (ProseError, OSError) as e:
        click.echo(f"{report}: {e}", err=True)
        sys.exit(2)
    if as_json:
        echo_json({"report": report, "table": table, "issues": [i.to_dict() for i in issues]})
    elif issues:
        click.echo(issue_table(issues))
    else:
        click.echo(tr("Không có sai lệch.", "No inconsistencies."))
    sys.exit(1 if has_errors(issues) else 0)
