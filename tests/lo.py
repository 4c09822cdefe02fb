"""LibreOffice Calc headless, for tests: full recalculation of a workbook, read-back of
the recalculated values, and PDF export.

Each process uses its own throwaway LibreOffice user profile whose OOXML and ODF
recalculation modes are set to "always", so every formula is recomputed on load
(LibreOffice otherwise trusts the cached values a file carries).
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any


__all__ = ["SOFFICE", "recalculate", "to_pdf", "read_values", "convert"]

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
_profile: Path | None = None


def _user_profile() -> Path:
    global _profile
    if _profile is None:
        root = Path(tempfile.mkdtemp(prefix="xl_tthc_lo_"))
        atexit.register(shutil.rmtree, root, True)
        user = root / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
        _profile = root
    return _profile


def convert(src: Path, out_dir: Path, target: str) -> Path:
    """``soffice --convert-to target`` into ``out_dir`` (which must not hold ``src``)."""
    if SOFFICE is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    src, out_dir = Path(src).resolve(), Path(out_dir).resolve()
    if src.parent == out_dir:
        raise ValueError(f"{out_dir}: the output folder must differ from the input's folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [SOFFICE, f"-env:UserInstallation={_user_profile().as_uri()}", "--headless", "--norestore",
           "--convert-to", target, "--outdir", str(out_dir), str(src)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    out = out_dir / f"{src.stem}.{target.split(':')[0]}"
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"LibreOffice failed on {src}: {proc.stdout}\n{proc.stderr}")
    return out


def recalculate(src: Path, out_dir: Path) -> Path:
    """Open ``src`` in LibreOffice Calc, recalculate every formula, save as .xlsx in
    ``out_dir``; returns the new file (same stem)."""
    return convert(src, out_dir, "xlsx:Calc MS Excel 2007 XML")


def to_pdf(src: Path, out_dir: Path) -> Path:
    """The workbook as LibreOffice prints it (page setup, print titles), as PDF."""
    return convert(src, out_dir, "pdf:calc_pdf_Export")


def read_values(path: Path, sheet: str | None = None) -> dict[str, Any]:
    """The cached values of one sheet (default: the first), keyed by cell ("C9")."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
    finally:
        wb.close()
