"""Options and output helpers shared by the commands."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from ..domain.issues import Issue

json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")
lang_option = click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
                           help="Language of messages.")
profile_option = click.option("--profile", default=None, metavar="NAME|FILE",
                              help="Conventions profile: default, zero-as-100, cutoff-15, returned-beside, "
                                   "or a .toml/.json file.")
force_option = click.option("--force", is_flag=True, help="Replace an existing output file.")


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def issue_table(issues: Iterable[Issue]) -> str:
    """Issues as an aligned text table: file, sheet, cell, unit, rule, message."""
    rows = [(Path(i.file).name, i.sheet or "", i.cell, i.unit or "", f"{i.rule} ({i.severity})", i.message)
            for i in issues]
    if not rows:
        return ""
    head = ("file", "sheet", "cell", "unit", "rule", "message")
    widths = [min(max(len(str(r[k])) for r in rows + [head]), 40) for k in range(5)]
    lines = []
    for r in [head] + rows:
        cells = [str(r[k])[:widths[k]].ljust(widths[k]) for k in range(5)]
        lines.append("  ".join(cells + [str(r[5])]))
    return "\n".join(lines)


def check_output_path(out: Path, inputs: Iterable[Path], force: bool) -> None:
    """Refuse to overwrite an input, or an existing output without --force (exit 2)."""
    resolved = out.resolve()
    for p in inputs:
        if Path(p).resolve() == resolved:
            raise click.UsageError(f"{out}: refusing to overwrite an input file")
    if out.exists() and not force:
        raise click.UsageError(f"{out} exists; use --force to replace it")


def write_atomically(out: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``out``, then move it into place,
    so an interrupted run leaves no half-written output."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


__all__ = ["json_option", "lang_option", "profile_option", "force_option", "echo_json", "issue_table",
           "check_output_path", "write_atomically", "stderr_is_tty"]
