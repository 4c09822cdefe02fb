"""The ``xl-tthc`` command line: each command is one library call plus formatting.

Commands live one per module in this package and are registered in ``COMMANDS``.
Exit codes: 0 no error-level finding, 1 error-level findings, 2 the command could not
run (usage, unreadable file).
"""

from __future__ import annotations

import importlib

import click

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


class _LazyGroup(click.Group):
    """Imports a command's module only when that command is asked for, so that
    ``xl-tthc consolidate`` does not load what ``recompute`` or ``addin`` need."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, _ in COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = dict(COMMANDS).get(name)
        if module is None:
            return None
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xl-tthc")
def cli() -> None:
    """xl-tthc: read, check, recompute and consolidate TTHC result workbooks."""


def main() -> None:
    cli(prog_name="xl-tthc")
