"""The ``xl-tthc`` command line: each command is one library call plus formatting.

Commands live one per module in this package and are registered in ``COMMANDS``.
Exit codes: 0 no error-level finding, 1 error-level findings, 2 the command could not
run (usage, unreadable file, an output the file system refused), 3 the tool itself
failed: one line on stderr naming the log file that holds the traceback (:func:`main`).
Help and messages are Vietnamese unless ``--lang en`` or ``XL_TTHC_LANG=en`` (``common``,
``i18n``).
"""

from __future__ import annotations

import datetime
import importlib
import os
import sys
import tempfile
import traceback
from pathlib import Path

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


TOOL_FAILED = 3


def _log_dirs() -> list[Path]:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [Path(cache) / "xl-tthc" / "logs", Path(tempfile.gettempdir()) / "xl-tthc-logs"]


def _write_log(text: str) -> Path | None:
    """The traceback in a new log file of the user's cache (or temp) folder; None when
    neither can be written."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in _log_dirs():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"xl-tthc-{stamp}-{os.getpid()}.log"
            with open(path, "x", encoding="utf-8") as f:
                f.write(text)
            return path
        except OSError:
            continue
    return None


def main(argv: list[str] | None = None) -> None:
    """The console script.  A failure of the tool itself (not of an input file, which is
    that file's record) exits 3 with one line and the log file holding the traceback."""
    args = sys.argv[1:] if argv is None else argv
    try:
        setup_console()
        cli.main(args=args, prog_name="xl-tthc", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - the one place the tool's own failures are caught
        log = _write_log(f"xl-tthc {' '.join(args)}\n\n{traceback.format_exc()}")
        where = str(log) if log else tr("(không ghi được nhật ký)", "(no log could be written)")
        click.echo(tr(f"xl-tthc gặp lỗi nội bộ và đã dừng ({type(e).__name__}); chi tiết ghi tại {where}. "
                      "Hãy gửi tệp này cho người quản trị.",
                      f"xl-tthc failed because of an internal error ({type(e).__name__}); details in {where}. "
                      "Please send that file to the maintainers."), err=True)
        sys.exit(TOOL_FAILED)
