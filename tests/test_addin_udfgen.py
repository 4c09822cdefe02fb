"""The VBA wrappers of the worksheet functions are what xlwings' own
"Import Functions" would write.

xlwings' generator (``xlwings.udfs.generate_vba_wrapper``) needs pywin32; a
subprocess runs it here with empty stand-ins for the pywin32 modules, which it
imports but never uses while generating text.
"""

import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest
from xlwings_offline import PREAMBLE
import xlwings

from udfs.addin.udfgen import generate_udf_module, load_with_metadata, wrapper_code

SAMPLE = textwrap.dedent('''
    import xlwings as xw


    @xw.func
    @xw.arg("early", doc="Số hồ sơ trước hạn")
    def TTHC_ONTIME_RATE(early, on_time, late, if_zero=""):
        """Tỷ lệ giải quyết đúng hạn."""
        return 1


    @xw.func(volatile=True, call_in_wizard=False, category="TTHC")
    def TTHC_SUM(first, *rest):
        return first


    @xw.func
    @xw.arg("table", expand="table", ndim=2)
    @xw.arg("book", vba="ActiveWorkbook")
    @xw.ret(expand="table")
    def TTHC_CHECK(table, book, profile=None, caller=None):
        return [["OK"]]


    @xw.sub
    def tthc_refresh(x):
        pass


    def helper(x):
        return x
''')

XLWINGS_SIDE = PREAMBLE + textwrap.dedent('''
    import io, json, sys, types
    import tthc_sample_udfs as module

    class AddinBook:
        Name = "xl_tthc.xlam"

    metas = [getattr(module, a).__xlfunc__ for a in dir(module) if hasattr(getattr(module, a), "__xlfunc__")]
    metas = json.loads(json.dumps(metas, default=repr))  # before generating, which marks "caller"
    out = io.StringIO()
    udfs.generate_vba_wrapper("tthc_sample_udfs", module, out, AddinBook())
    print(json.dumps({"vba": out.getvalue(), "meta": metas}))
''')

KEYS = ("name", "sub", "category", "call_in_wizard", "volatile")
ARG_KEYS = ("name", "pos", "vba", "doc", "vararg", "optional")


@pytest.fixture()
def sample(tmp_path, monkeypatch):
    (tmp_path / "tthc_sample_udfs.py").write_text(SAMPLE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


@pytest.fixture()
def xlwings_output(sample):
    run = subprocess.run([sys.executable, "-c", XLWINGS_SIDE], cwd=sample, capture_output=True,
                         text=True, env={"PYTHONPATH": str(sample), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _summary(meta):
    return {**{k: meta[k] for k in KEYS},
            "args": [{k: a.get(k, "<required>") for k in ARG_KEYS} for a in meta["args"]]}


def test_wrappers_equal_xlwings_import_functions(xlwings_output):
    ours = wrapper_code("tthc_sample_udfs", load_with_metadata("tthc_sample_udfs"))
    assert ours == xlwings_output["vba"]


def test_metadata_equals_xlwings_decorators(xlwings_output):
    module = load_with_metadata("tthc_sample_udfs")
    ours = [getattr(module, a).__xlfunc__ for a in dir(module) if hasattr(getattr(module, a), "__xlfunc__")]
    assert [_summary(m) for m in ours] == [_summary(m) for m in xlwings_output["meta"]]


def test_module_header_and_order(sample):
    text = generate_udf_module({"tthc_sample_udfs": load_with_metadata("tthc_sample_udfs")})
    lines = text.splitlines()
    assert lines[0] == 'Attribute VB_Name = "xlwings_udfs"'
    assert lines[2] == "#Const App = \"Microsoft Excel\" 'Adjust when using outside of Excel"
    declared = [line.split("(")[0] for line in lines if line.startswith(("Function ", "Sub "))]
    assert declared == ["Function TTHC_CHECK", "Function TTHC_ONTIME_RATE", "Function TTHC_SUM",
                        "Sub tthc_refresh"]
    assert "helper" not in text
    assert text.isascii()


def test_loading_leaves_xlwings_and_sys_modules_alone(sample):
    before = (xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub)
    load_with_metadata("tthc_sample_udfs")
    assert (xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub) == before
    assert "tthc_sample_udfs" not in sys.modules


def test_bad_arg_name_is_reported(tmp_path, monkeypatch):
    (tmp_path / "tthc_bad_udfs.py").write_text(
        "import xlwings as xw\n@xw.func\n@xw.arg('nope', doc='x')\ndef F(a):\n    return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError, match="nope"):
        load_with_metadata("tthc_bad_udfs")


def test_missing_module_is_reported():
    with pytest.raises(ModuleNotFoundError, match="tthc_no_such_module"):
        load_with_metadata("tthc_no_such_module")


EXPECTED_FUNCTIONS = {
    "TTHC_ONTIME_RATE", "TTHC_LATE_RATE", "TTHC_ONLINE_RATE", "TTHC_RATE", "TTHC_CHECK",
    "TTHC_ROW_STATUS", "TTHC_NUMBER", "TTHC_PERCENT_TEXT", "TTHC_NARRATIVE",
}


@pytest.mark.skipif(importlib.util.find_spec("udfs.functions") is None,
                    reason="udfs/functions.py (the worksheet functions) does not exist yet")
def test_every_design_function_gets_a_wrapper():
    text = wrapper_code("udfs.functions", load_with_metadata("udfs.functions"))
    declared = {line.split("(")[0].split()[1] for line in text.splitlines()
                if line.startswith("Function ")}
    assert EXPECTED_FUNCTIONS <= declared
