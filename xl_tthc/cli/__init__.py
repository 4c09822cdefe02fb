"""The ``xl-tthc`` command line: each command is one library call plus formatting.

Commands live one per module in this package and are registered in ``COMMANDS``.
Exit codes: 0 no error-level finding, 1 error-level findings, 2 the command could not
run (usage, unreadable file, an output the file system refused).  Help and messages are
Vietnamese unless ``--lang en`` or ``XL_TTHC_LANG=en`` (``common``, ``i18n``).
"""

from __future__ import annotations

import importlib

import click

from .common import XlGroup, group_lang_option, option, setup_console, tr

__all__ = ["main", "cli"]

# command name -> its module in this package (a click command of the same name)
COMMANDS: tuple[tuple[str, str], ...] = (
    ("check", "check"),
    ("addin", "addin"),
    ("narrative", "narrative"),
    ("crosscheck", "crosscheck"),
    ("template", "template"),
    ("consolidate", "consolidate"),
    ("recompute", "recompute"),
    ("tally", "tally"),
    ("reconcile", "reconcile"),
)


class _LazyGroup(XlGroup):
    """Imports a command's module only when that command is asked for, so that
    ``xl-tthc consolidate`` does not load what ``recompute`` or ``addin`` need."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, _ in COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = dict(COMMANDS).get(name)
        if module is None:
            return None
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import version

    click.echo(tr(f"xl-tthc, phiên bản {version('xl-tthc')}", f"xl-tthc, version {version('xl-tthc')}"))
    ctx.exit()


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help_en="xl-tthc: read, check, recompute and consolidate TTHC result workbooks.")
@option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
        help="Hiện phiên bản rồi thoát.", en="Show the version and exit.")
@group_lang_option
def cli() -> None:
    """xl-tthc: đọc, kiểm tra, tính lại và tổng hợp các biểu kết quả giải quyết TTHC."""


def main() -> None:
    setup_console()
    cli(prog_name="xl-tthc")
