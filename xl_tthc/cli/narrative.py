"""``xl-tthc narrative TABLE.xlsx``"""

from __future__ import annotations

import sys

import click

from ..read.grid import ReadError
from ..prose.prose_check import narrate_file
from .common import command, echo_json, json_option, lang_option, option


@command(en="Write the Vietnamese summary paragraphs of a workbook's result table(s).")
@click.argument("table", type=str)
@option("--period", default=None, help='Tên kỳ, ví dụ "tháng 02 năm 2021" (mặc định: lấy từ tiêu đề bảng).',
        en='Period label, e.g. "tháng 02 năm 2021" (default: from the title).')
@option("--no-pad", is_flag=True, help="Viết số dưới mười không có số 0 đứng trước (7, không phải 07).",
        en="Write counts under ten without a leading zero (7, not 07).")
@json_option
@lang_option
def narrative(table: str, period: str | None, no_pad: bool, as_json: bool, lang: str) -> None:
    """Viết các đoạn văn tóm tắt (tiếng Việt) của bảng kết quả trong một tệp."""
    try:
        texts = narrate_file(table, period, pad_small=not no_pad)
    except ReadError as e:
        click.echo(f"{table}: {e.text(lang)}", err=True)
        sys.exit(2)
    if as_json:
        echo_json({"path": table, "narratives": [n.__dict__ for n in texts]})
    else:
        click.echo("\n\n".join(n.text for n in texts))
    sys.exit(0 if texts else 1)
