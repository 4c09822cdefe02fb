"""Install the add-in for the current Windows user.

Excel opens every workbook in ``%APPDATA%\\Microsoft\\Excel\\XLSTART`` at start-up,
so the add-in goes there. Its xlwings VBA module (``PROJECT_NAME = "xl_tthc"``)
reads its settings from ``%USERPROFILE%\\.xl_tthc\\xl_tthc.conf``: one
``"KEY","VALUE"`` line per setting, read with VBA's ``Input #`` (the format of
``xlwings config create``). We set the interpreter and the worksheet-function
module there and keep any other line.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .build import PROJECT_NAME, UDF_MODULES, build_addin, write_atomically

__all__ = ["InstallResult", "InstallUnsupported", "install_addin", "windows_steps"]

ADDIN_NAME = f"{PROJECT_NAME}.xlam"
# VBA's ``Input #`` reads the file in the ANSI code page ("mbcs" exists only on Windows).
_CONFIG_ENCODING = "mbcs" if sys.platform == "win32" else "cp1252"

_STEPS = {
    "vi": (
        "Trên máy Windows có Microsoft Excel (bản cài đặt từ trình cài Office, không phải bản Microsoft Store):",
        "1. Cài Python 64-bit nếu Excel 64-bit (32-bit nếu Excel 32-bit), từ python.org, không dùng bản Microsoft Store.",
        "2. Chạy: python -m pip install xl-tthc",
        "3. Đóng Excel, rồi chạy: xl-tthc addin install",
        "4. Mở Excel: thẻ TTHC xuất hiện trên Ribbon và các hàm TTHC_* dùng được trong mọi sổ tính.",
    ),
    "en": (
        "On Windows with Microsoft Excel (installed by the Office installer, not the Microsoft Store edition):",
        "1. Install 64-bit Python for 64-bit Excel (32-bit for 32-bit Excel) from python.org, not from the Microsoft Store.",
        "2. Run: python -m pip install xl-tthc",
        "3. Close Excel, then run: xl-tthc addin install",
        "4. Open Excel: the TTHC tab is on the ribbon and the TTHC_* functions work in every workbook.",
    ),
}


def windows_steps(lang: str = "vi") -> str:
    """The installation steps for a Windows user, in Vietnamese or English."""
    return "\n".join(_STEPS[lang])


class InstallUnsupported(RuntimeError):
    """The add-in can only be installed on Windows, where Excel runs Python through xlwings."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        super().__init__(
            f"xl-tthc addin install works only on Windows (this is {platform!r}): "
            "Excel add-ins built on xlwings' VBA module call Python through a Windows DLL.\n"
            + windows_steps("en")
        )


@dataclass(frozen=True)
class InstallResult:
    """Where :func:`install_addin` put the add-in and its configuration."""

    addin_path: Path
    config_path: Path
    interpreter: str
    udf_modules: str


def _config_text(existing: str, settings: Mapping[str, str]) -> str:
    rows = [row for row in csv.reader(io.StringIO(existing)) if row]
    kept = [row for row in rows if row[0].upper() not in {k.upper() for k in settings}]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows(kept + [[key, value] for key, value in settings.items()])
    return out.getvalue()


def install_addin(
    addin_path: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    interpreter: str | None = None,
    platform: str = sys.platform,
    environ: Mapping[str, str] = os.environ,
) -> InstallResult:
    """Put the add-in in Excel's XLSTART folder and write its xlwings configuration.

    ``addin_path`` is a built ``.xlam`` to copy; without it the add-in is built
    afresh from the installed packages. An add-in already in XLSTART is replaced
    only with ``force``. ``interpreter`` defaults to this Python
    (``sys.executable``). On any other system than Windows this raises
    :class:`InstallUnsupported`, whose message says what to do on Windows.
    """
    if not platform.startswith("win"):
        raise InstallUnsupported(platform)
    for var in ("APPDATA", "USERPROFILE"):
        if not environ.get(var):
            raise RuntimeError(f"%{var}% is not set: cannot tell where Excel and xlwings look")
    xlstart = Path(environ["APPDATA"]) / "Microsoft" / "Excel" / "XLSTART"
    target = xlstart / ADDIN_NAME
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists; pass force=True to replace it")
    xlstart.mkdir(parents=True, exist_ok=True)
    try:
        if addin_path is None:
            build_addin(target, force=True)
        else:
            _copy_atomically(Path(addin_path), target)
    except PermissionError as exc:
        raise PermissionError(
            f"cannot write {target}: close Excel (it keeps the add-in open) and try again"
        ) from exc

    interpreter = interpreter or sys.executable
    settings = {"INTERPRETER_WIN": interpreter, "UDF MODULES": ";".join(UDF_MODULES)}
    if any('"' in v for v in settings.values()):
        raise ValueError(f"xlwings cannot read a setting with a double quote: {settings}")
    config = Path(environ["USERPROFILE"]) / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"
    config.parent.mkdir(parents=True, exist_ok=True)
    existing = config.read_text(encoding=_CONFIG_ENCODING) if config.exists() else ""
    try:
        data = _config_text(existing, settings).encode(_CONFIG_ENCODING)
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"the interpreter path {interpreter!r} has characters that VBA cannot read "
            "from the xlwings configuration file: install Python in a folder with a plain ASCII path"
        ) from exc
    config.write_bytes(data)
    return InstallResult(target, config, interpreter, settings["UDF MODULES"])


def _copy_atomically(source: Path, target: Path) -> None:
    if source.suffix.lower() != ".xlam" or not source.is_file():
        raise FileNotFoundError(f"not an add-in file: {source}")
    write_atomically(target, source.read_bytes())
