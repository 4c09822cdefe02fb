"""The ``xl-tthc`` command line: each command is one library call plus formatting.

Commands live one per module in this package and are registered in ``COMMANDS``.
Exit codes: 0 no error-level finding, 1 error-level findings, 2 the command could not
run (usage, unreadable file).
"""

from __future__ import annotations

import importlib

import click

__all__ = ["main", "cli"]

# module name in this package -> click command attribute
COMMANDS: tuple[tuple[str, str], ...] = (
    ("check", "check"),
    ("addin", "addin"),
    ("narrative", "narrative"),
    ("crosscheck", "crosscheck"),
    ("template", "template"),
    ("consolidate", "consolidate"),
    ("recompute", "recompute"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xl-tthc")
def cli() -> None:
    """xl-tthc: read, check, recompute and consolidate TTHC result workbooks."""


for _module, _attr in COMMANDS:
    cli.add_command(getattr(importlib.import_module(f"{__name__}.{_module}"), _attr))


def main() -> None:
    cli(prog_name="xl-tthc")
