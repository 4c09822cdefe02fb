"""``xl-tthc addin build|install``"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import echo_json, force_option, json_option


@click.group()
def addin() -> None:
    """Build the Excel add-in xl_tthc.xlam from its text sources, or install it (Windows)."""


@addin.command()
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("workbooks/xl_tthc.xlam"), show_default=True, help="The .xlam to write.")
@force_option
@json_option
def build(out: Path, force: bool, as_json: bool) -> None:
    """Build the add-in (ribbon, VBA callbacks, worksheet-function wrappers, xlwings module)."""
    from udfs.addin import build_addin

    try:
        result = build_addin(out, force=force)
    except (FileExistsError, ValueError) as e:
        raise click.UsageError(str(e))
    if as_json:
        echo_json({"path": str(result.path), "sha256": result.sha256, "modules": result.modules,
                   "functions": result.functions, "callbacks": result.callbacks,
                   "xlwings_version": result.xlwings_version})
    else:
        click.echo(f"{result.path}  sha256 {result.sha256[:16]}…  modules: {', '.join(result.modules)}; "
                   f"{len(result.functions)} functions, {len(result.callbacks)} buttons")


@addin.command()
@click.argument("addin_path", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@force_option
def install(addin_path: Path | None, force: bool) -> None:
    """Install the add-in where Excel loads it and write its configuration (Windows only;
    elsewhere, print the steps to follow on Windows)."""
    from udfs.addin import InstallUnsupported, install_addin

    try:
        result = install_addin(addin_path, force=force)
    except InstallUnsupported as e:
        click.echo(str(e))
        sys.exit(2)
    click.echo(f"{result.addin_path}\n{result.config_path}  (interpreter {result.interpreter}, "
               f"UDF modules {result.udf_modules})")
