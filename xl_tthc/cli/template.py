"""``xl-tthc template NAME -o OUT.xlsx`` and ``xl-tthc template --list``"""

from __future__ import annotations

from pathlib import Path

import click

from ..forms.definitions import FORMS
from ..forms.templates import save_template
from .common import (check_output_path, command, echo_json, force_option, json_option, lang_option, option, tr,
                     write_atomically)


# the Vietnamese of each form's ``description`` (a form without one shows its title)
DESCRIPTIONS_VI = {
    "department_results": "Biểu kết quả của đơn vị: mỗi lĩnh vực thủ tục một dòng",
    "provincial_appendix": "Phụ lục tổng hợp của tỉnh: mỗi đơn vị một dòng, kèm các tỷ lệ dịch vụ số",
    "satisfaction": "Phụ lục hài lòng: số phiếu đánh giá mức độ hài lòng và ý kiến góp ý của từng đơn vị",
    "fees": "Phụ lục phí, lệ phí: số giao dịch thu phí, lệ phí trực tuyến và trực tiếp của từng đơn vị",
}


@command(en="""Write a blank appendix template that computes its totals and ratios with Excel
formulas and colours the rows that do not add up.

Templates: department_results, provincial_appendix, satisfaction, fees
(``--list`` describes them).""")
@click.argument("name", required=False, type=click.Choice(sorted(FORMS)))
@option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Tệp .xlsx sẽ ghi.",
        en="The .xlsx to write.")
@option("--period", default=None, help='Kỳ ghi ở tiêu đề, ví dụ "tháng 02 năm 2021".',
        en='Period shown in the title, e.g. "tháng 02 năm 2021".')
@option("--unit", "unit_label", default=None, help="Đơn vị báo cáo ghi ở tiêu đề.",
        en="Reporting unit shown in the title.")
@option("--list", "list_forms", is_flag=True, help="Liệt kê các mẫu.", en="List the templates.")
@force_option
@json_option
@lang_option
def template(name: str | None, output: Path | None, period: str | None, unit_label: str | None,
             list_forms: bool, force: bool, as_json: bool, lang: str) -> None:
    """Ghi một mẫu phụ lục trống, tự tính tổng và tỷ lệ bằng công thức Excel và tô màu
    những dòng không khớp.

    Các mẫu: department_results, provincial_appendix, satisfaction, fees
    (``--list`` mô tả từng mẫu).
    """
    if list_forms:
        if as_json:
            echo_json({"templates": [{"name": f.name, "sheet": f.sheet, "description": _description(f.name, lang)}
                                     for f in FORMS.values()]})
        else:
            for f in FORMS.values():
                click.echo(f"{f.name:<22} {_description(f.name, lang)}")
        return
    if name is None or output is None:
        raise click.UsageError(tr("cần tên mẫu NAME và -o TỆP.xlsx, hoặc --list",
                                  "give a template NAME and -o FILE.xlsx, or --list"))
    if output.suffix.lower() != ".xlsx":
        raise click.UsageError(tr(f"{output}: tệp kết quả phải là .xlsx", f"{output}: the output must be an .xlsx file"))
    check_output_path(output, [], force)
    write_atomically(output, lambda tmp: save_template(name, tmp, period_label=period, unit_label=unit_label))
    if as_json:
        echo_json({"template": name, "output": str(output)})
    else:
        click.echo(f"{output}: {name}")


def _description(name: str, lang: str) -> str:
    form = FORMS[name]
    return form.description if lang == "en" else DESCRIPTIONS_VI.get(name, form.title)
