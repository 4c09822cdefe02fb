"""Build ``xl_tthc.xlam`` from the text sources in ``udfs/addin/src``.

The add-in is an OOXML package: a workbook with one sheet, the ribbon
(``customUI/customUI14.xml``) and ``xl/vbaProject.bin`` holding

- ``Ribbon``: the ribbon callbacks (``src/Ribbon.bas``);
- ``xlwings``: xlwings' VBA module for custom add-ins, read from the installed
  xlwings package so the VBA and the Python side always have the same version;
- ``xlwings_udfs``: the wrappers of the worksheet functions, generated from the
  Python signatures (see :mod:`udfs.addin.udfgen`);
- ``FunctionHelp``: the Function Wizard help of those functions, registered with
  ``Application.MacroOptions`` (see :mod:`udfs.addin.wizard`);
- the document modules ``ThisWorkbook`` (``src/ThisWorkbook.cls``: its
  ``Workbook_Open`` runs ``FunctionHelp.RegisterFunctionHelp``) and ``Sheet1``.

Zip entries carry a fixed time stamp, so building twice gives the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .cfb import write_compound_file
from .ovba import Module, vba_project_storage
from .udfgen import UDF_MODULE_NAME, generate_udf_module, load_with_metadata, worksheet_functions
from .wizard import HELP_MODULE_NAME, generate_help_module

__all__ = [
    "BuildResult",
    "build_addin",
    "read_sources",
    "ribbon_callbacks",
    "this_workbook_source",
    "vba_modules",
    "write_atomically",
    "xlwings_module",
]

SRC = Path(__file__).with_name("src")
PROJECT_NAME = "xl_tthc"
UDF_MODULES = ("udfs.functions",)
XLWINGS_BAS = "xlwings_custom_addin.bas"
_PROJECT_NAME_LINE = 'Public Const PROJECT_NAME As String = "{}"'
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = _XML + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = _XML + (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" '
    'Target="customUI/customUI14.xml"/>'
    "</Relationships>"
)
_WORKBOOK = _XML + (
    f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
    '<workbookPr codeName="ThisWorkbook"/>'
    '<sheets><sheet name="TTHC" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = _XML + (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
    'Target="vbaProject.bin"/>'
    "</Relationships>"
)
_SHEET = _XML + (
    f'<worksheet xmlns="{_MAIN}"><sheetPr codeName="Sheet1"/><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Add-in xl_tthc: thẻ TTHC trên Ribbon '
    "và các hàm TTHC_* cho báo cáo kết quả giải quyết thủ tục hành chính.</t></is></c></row>"
    "</sheetData></worksheet>"
)
_STYLES = _XML + (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_addin` wrote."""

    path: Path
    sha256: str
    modules: tuple[str, ...]  # VBA modules in the project
    functions: tuple[str, ...]  # worksheet functions with a VBA wrapper
    callbacks: dict[str, str]  # ribbon onAction -> Python macro name
    xlwings_version: str


def xlwings_module() -> str:
    """xlwings' VBA module for custom add-ins, from the installed package, renamed
    so that its configuration lives in ``%USERPROFILE%\\.xl_tthc\\xl_tthc.conf``."""
    text = (importlib.resources.files("xlwings") / XLWINGS_BAS).read_text(encoding="cp1252")
    placeholder = _PROJECT_NAME_LINE.format("myaddin")
    if text.count(placeholder) != 1:
        raise RuntimeError(
            f"the installed xlwings {importlib.metadata.version('xlwings')} changed "
            f"{XLWINGS_BAS}: expected one line {placeholder!r}"
        )
    return text.replace(placeholder, _PROJECT_NAME_LINE.format(PROJECT_NAME))


def read_sources() -> tuple[str, str]:
    """The ribbon XML and the ribbon VBA module, as kept in ``src/``."""
    ribbon_xml = (SRC / "ribbon.xml").read_text(encoding="utf-8")
    ribbon_bas = (SRC / "Ribbon.bas").read_text(encoding="ascii")
    return ribbon_xml, ribbon_bas


def this_workbook_source() -> str:
    """The code of the ``ThisWorkbook`` document module, as kept in ``src/``."""
    return (SRC / "ThisWorkbook.cls").read_text(encoding="ascii")


_SUB = re.compile(r"^Public Sub (\w+)\(control As IRibbonControl\)$", re.MULTILINE)
_RUN = re.compile(r'RunPython "import udfs\.macros; udfs\.macros\.(\w+)\(\)"')


def ribbon_callbacks(ribbon_bas: str) -> dict[str, str]:
    """Each ribbon callback Sub of ``ribbon_bas`` and the ``udfs.macros`` function it runs."""
    callbacks = {}
    for match in _SUB.finditer(ribbon_bas):
        body = ribbon_bas[match.end() : ribbon_bas.index("End Sub", match.end())]
        runs = _RUN.findall(body)
        if len(runs) != 1:
            raise ValueError(f"ribbon callback {match.group(1)} must run exactly one udfs.macros function")
        callbacks[match.group(1)] = runs[0]
    return callbacks


def vba_modules(ribbon_bas: str, udf_modules: Mapping[str, ModuleType]) -> list[Module]:
    """The modules of the add-in's VBA project, in project order."""
    return [
        Module("ThisWorkbook", this_workbook_source(), document="workbook"),
        Module("Sheet1", "", document="worksheet"),
        Module("Ribbon", ribbon_bas),
        Module("xlwings", xlwings_module()),
        Module(UDF_MODULE_NAME, generate_udf_module(udf_modules)),
        Module(HELP_MODULE_NAME, generate_help_module(udf_modules)),
    ]


def _package(ribbon_xml: str, vba_project: bytes) -> bytes:
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES.encode(),
        "_rels/.rels": _ROOT_RELS.encode(),
        "customUI/customUI14.xml": ribbon_xml.encode("utf-8"),
        "xl/workbook.xml": _WORKBOOK.encode(),
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.encode(),
        "xl/worksheets/sheet1.xml": _SHEET.encode(),
        "xl/styles.xml": _STYLES.encode(),
        "xl/vbaProject.bin": vba_project,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def _default_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give (mkstemp makes files 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _default_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_addin(
    out_path: str | os.PathLike[str],
    *,
    force: bool = False,
    udf_modules: Sequence[str] = UDF_MODULES,
) -> BuildResult:
    """Build the add-in at ``out_path`` and return what was written.

    Refuses to replace an existing file unless ``force``; never writes inside
    ``udfs/addin/src``. ``udf_modules`` are the importable Python modules whose
    xlwings worksheet functions get VBA wrappers.
    """
    out = Path(out_path).absolute()
    if out.resolve().is_relative_to(SRC.resolve()):
        raise ValueError(f"refusing to write the add-in into its sources: {out}")
    if out.suffix.lower() != ".xlam":
        raise ValueError(f"an Excel add-in file must end in .xlam: {out}")
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass force=True to replace it")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"the folder for the add-in does not exist: {out.parent}")
    ribbon_xml, ribbon_bas = read_sources()
    loaded = {name: load_with_metadata(name) for name in udf_modules}
    modules = vba_modules(ribbon_bas, loaded)
    data = _package(ribbon_xml, write_compound_file(vba_project_storage(PROJECT_NAME, modules)))
    write_atomically(out, data)
    functions = tuple(meta["name"] for m in loaded.values() for meta in worksheet_functions(m))
    return BuildResult(
        path=out,
        sha256=hashlib.sha256(data).hexdigest(),
        modules=tuple(m.name for m in modules),
        functions=functions,
        callbacks=ribbon_callbacks(ribbon_bas),
        xlwings_version=importlib.metadata.version("xlwings"),
    )
