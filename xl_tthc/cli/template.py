"""``xl-tthc template NAME -o OUT.xlsx`` and ``xl-tthc template --list``"""

from __future__ import annotations

from pathlib import Path

import click

from ..forms.definitions import FORMS
from ..forms.templates import save_template
from .common import check_output_path, echo_json, force_option, json_option, write_atomically


@click.command()
@click.argument("name", required=False, type=click.Choice(sorted(FORMS)))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The .xlsx to write.")
@click.option("--period", default=None, help='Period shown in the title, e.g. "tháng 02 năm 2021".')
@click.option("--unit", "unit_label", default=None, help="Reporting unit shown in the title.")
@click.option("--list", "list_forms", is_flag=True, help="List the templates.")
@force_option
@json_option
def template(name: str | None, output: Path | None, period: str | None, unit_label: str | None,
             list_forms: bool, force: bool, as_json: bool) -> None:
    """Write a blank appendix template that computes its totals and ratios with Excel
    formulas and colours the rows that do not add up.

    Templates: department_results, provincial_appendix, satisfaction, fees
    (``--list`` describes them).
    """
    if list_forms:
        if as_json:
            echo_json({"templates": [{"name": f.name, "sheet": f.sheet, "description": f.description}
                                     for f in FORMS.values()]})
        else:
            for f in FORMS.values():
                click.echo(f"{f.name:<22} {f.description}")
        return
    if name is None or output is None:
        raise click.UsageError("give a template NAME and -o OUT.xlsx, or --list")
    if output.suffix.lower() != ".xlsx":
        raise click.UsageError(f"{output}: the output must be an .xlsx file")
    check_output_path(output, [], force)
    write_atomically(output, lambda tmp: save_template(name, tmp, period_label=period, unit_label=unit_label))
    if as_json:
        echo_json({"template": name, "output": str(output)})
    else:
        click.echo(f"{output}: {name}")
