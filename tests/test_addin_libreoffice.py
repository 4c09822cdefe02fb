"""LibreOffice, an independent reader of VBA projects, opens the built add-in.

LibreOffice imports the VBA project of an Excel file as a Basic library; converted
to .ods, each module becomes ``Basic/<project>/<module>.xml``. That lists the
modules LibreOffice found and the source it read.
"""

import html
import re
import shutil
import subprocess
import textwrap
import zipfile

import pytest
from conftest import module_on_path

from udfs.addin import build_addin
from udfs.addin.build import PROJECT_NAME, read_sources, ribbon_callbacks

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

SAMPLE_UDFS = textwrap.dedent('''
    import xlwings as xw

    @xw.func
    def TTHC_NUMBER(text):
        return text
''')


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lo")
    with module_on_path(folder, "tthc_lo_sample", SAMPLE_UDFS) as name:
        result = build_addin(folder / "xl_tthc.xlam", udf_modules=[name])
    # .xlam is not in LibreOffice's type detection: name the Excel VBA filter explicitly.
    run = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{folder}/profile", "--headless",
         "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(folder),
         str(result.path)],
        capture_output=True, text=True, timeout=180,
    )
    ods = folder / "xl_tthc.ods"
    assert ods.exists(), run.stdout + run.stderr
    with zipfile.ZipFile(ods) as z:
        modules = {
            name.rsplit("/", 1)[-1][:-4]: z.read(name).decode("utf-8")
            for name in z.namelist()
            if name.startswith(f"Basic/{PROJECT_NAME}/") and not name.endswith("script-lb.xml")
        }
    return result, modules


def test_libreoffice_lists_every_module(converted):
    result, modules = converted
    assert sorted(modules) == sorted(result.modules)


def _code(module_xml: str) -> str:
    return html.unescape(re.search(r"<script:module[^>]*>(.*)</script:module>", module_xml, re.S).group(1))


def test_libreoffice_reads_the_ribbon_callbacks_and_wrappers(converted):
    _, modules = converted
    ribbon = _code(modules["Ribbon"])
    for sub, macro in ribbon_callbacks(read_sources()[1]).items():
        assert f"Public Sub {sub}(control As IRibbonControl)" in ribbon
        assert f'RunPython "import udfs.macros; udfs.macros.{macro}()"' in ribbon
    assert "Function TTHC_NUMBER(text)" in _code(modules["xlwings_udfs"])
    assert "Public Function RunPython(PythonCommand As String)" in _code(modules["xlwings"])


def test_libreoffice_reads_the_function_wizard_registration(converted):
    _, modules = converted
    this_workbook = _code(modules["ThisWorkbook"])
    assert re.search(r"Private Sub Workbook_Open\(\)\s+(?:'[^\n]*\n\s*)*On Error Resume Next\s+"
                     r"FunctionHelp\.RegisterFunctionHelp\s+End Sub", this_workbook), this_workbook
    help_module = _code(modules["FunctionHelp"])
    assert "Public Sub RegisterFunctionHelp()" in help_module
    assert 'app.MacroOptions Macro:=book & "TTHC_NUMBER", Description:=desc, Category:=cat, ' \
           "ArgumentDescriptions:=Array(arg1)" in help_module
