"""The built add-in: its VBA project read back by olevba, its ribbon, its package,
and reproducible, safe writing."""

import importlib.util
import re
import textwrap
import unicodedata
import warnings
import zipfile
from pathlib import Path

import pytest
from conftest import module_on_path
from lxml import etree

from udfs.addin import build_addin
from udfs.addin.build import SRC, read_sources, ribbon_callbacks, vba_modules, xlwings_module
from udfs.addin.udfgen import load_with_metadata

with warnings.catch_warnings():  # oletools uses deprecated pyparsing names
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

REPO = Path(__file__).resolve().parents[1]
CUSTOMUI = "{http://schemas.microsoft.com/office/2009/07/customui}"
LABELS = ["Tính lại", "Kiểm tra", "Xóa đánh dấu", "Tổng hợp", "Mẫu biểu", "Báo cáo", "Giới thiệu"]
MACROS = ["recompute", "check", "clear_marks", "consolidate", "insert_template", "narrative", "about"]
SAMPLE_UDFS = textwrap.dedent('''
    import xlwings as xw

    @xw.func
    def TTHC_RATE(numerator, denominator, if_zero=""):
        """Tỷ lệ."""
        return numerator / denominator
''')
HAS_FUNCTIONS = importlib.util.find_spec("udfs.functions") is not None
NEEDS_FUNCTIONS = pytest.mark.skipif(
    not HAS_FUNCTIONS, reason="udfs/functions.py (the worksheet functions) does not exist yet")


@pytest.fixture(scope="module")
def sample_module(tmp_path_factory):
    with module_on_path(tmp_path_factory.mktemp("udfs"), "tthc_build_sample", SAMPLE_UDFS) as name:
        yield name


@pytest.fixture(scope="module")
def built(tmp_path_factory, sample_module):
    out = tmp_path_factory.mktemp("addin") / "xl_tthc.xlam"
    return build_addin(out, udf_modules=[sample_module])


def _expected_sources(udf_module):
    _, ribbon_bas = read_sources()
    modules = vba_modules(ribbon_bas, {udf_module: load_with_metadata(udf_module)})
    return {m.name: m.text() for m in modules}


def test_olevba_reads_every_module_with_its_exact_source(built, sample_module):
    parser = VBA_Parser(str(built.path))
    found = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    parser.close()
    assert found == _expected_sources(sample_module)
    assert list(found) == list(built.modules)


def test_xlwings_module_is_the_installed_one_renamed():
    import xlwings

    text = xlwings_module()
    assert f'Public Const XLWINGS_VERSION As String = "{xlwings.__version__}"' in text
    assert 'Public Const PROJECT_NAME As String = "xl_tthc"' in text
    assert "myaddin" not in text


def test_building_twice_gives_identical_bytes(built, sample_module, tmp_path):
    again = build_addin(tmp_path / "again.xlam", udf_modules=[sample_module])
    assert again.path.read_bytes() == built.path.read_bytes()
    assert again.sha256 == built.sha256


def test_output_has_ordinary_permissions(built):
    import os

    umask = os.umask(0)
    os.umask(umask)
    assert built.path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in built.path.parent.iterdir()] == [built.path.name]  # no temp file left


def test_existing_output_is_kept_without_force(built, sample_module):
    before = built.path.read_bytes()
    with pytest.raises(FileExistsError, match="force"):
        build_addin(built.path, udf_modules=[sample_module])
    assert built.path.read_bytes() == before
    assert build_addin(built.path, force=True, udf_modules=[sample_module]).sha256 == built.sha256


def test_never_writes_into_the_sources(sample_module):
    before = sorted(p.name for p in SRC.iterdir())
    with pytest.raises(ValueError, match="sources"):
        build_addin(SRC / "xl_tthc.xlam", udf_modules=[sample_module])
    assert sorted(p.name for p in SRC.iterdir()) == before


def test_output_must_be_an_xlam(tmp_path, sample_module):
    with pytest.raises(ValueError, match=".xlam"):
        build_addin(tmp_path / "x.xlsx", udf_modules=[sample_module])
    assert not list(tmp_path.iterdir())


def test_package_declares_an_addin_with_ribbon_and_vba(built):
    with zipfile.ZipFile(built.path) as z:
        assert z.testzip() is None
        types = etree.fromstring(z.read("[Content_Types].xml"))
        rels = etree.fromstring(z.read("_rels/.rels"))
        book_rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    overrides = {o.get("PartName"): o.get("ContentType") for o in types if o.get("PartName")}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    targets = {r.get("Type").rsplit("/", 1)[-1]: r.get("Target") for r in rels}
    assert targets["extensibility"] == "customUI/customUI14.xml"
    assert targets["officeDocument"] == "xl/workbook.xml"
    assert {r.get("Target") for r in book_rels} >= {"vbaProject.bin", "worksheets/sheet1.xml"}


def _ribbon():
    return etree.fromstring(read_sources()[0].encode("utf-8"))


def test_ribbon_tab_and_buttons():
    root = _ribbon()
    tab = root.find(f"{CUSTOMUI}ribbon/{CUSTOMUI}tabs/{CUSTOMUI}tab")
    assert (tab.get("id"), tab.get("label")) == ("TTHC", "TTHC")
    groups = tab.findall(f"{CUSTOMUI}group")
    assert len(groups) == 1
    buttons = groups[0].findall(f"{CUSTOMUI}button")
    assert [b.get("label") for b in buttons] == LABELS
    for b in buttons:
        assert b.get("imageMso") and b.get("onAction")
        tip = b.get("screentip")
        assert tip and unicodedata.normalize("NFC", tip) == tip and not tip.isascii()


def test_every_onaction_has_its_vba_sub_and_its_macro():
    callbacks = ribbon_callbacks(read_sources()[1])
    actions = [b.get("onAction") for b in _ribbon().iter(f"{CUSTOMUI}button")]
    assert sorted(actions) == sorted(callbacks)
    assert [callbacks[a] for a in actions] == MACROS


@pytest.mark.skipif(importlib.util.find_spec("udfs.macros") is None,
                    reason="udfs/macros.py (the ribbon macros) does not exist yet")
def test_every_ribbon_macro_exists_in_udfs_macros():
    import udfs.macros

    for name in ribbon_callbacks(read_sources()[1]).values():
        assert callable(getattr(udfs.macros, name, None)), f"udfs.macros.{name} is missing"


# The customUI14 types this ribbon uses, as the Office schema defines them
# ([MS-CUSTOMUI] customUI14.xsd: CT_CustomUI, CT_Ribbon, CT_Tabs, CT_Tab, CT_Group,
# CT_Button, ST_UniqueID, ST_String, ST_ID, ST_Delegate, ST_Size, ST_Keytip).
CUSTOMUI_SUBSET_XSD = b"""<?xml version="1.0"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    targetNamespace="http://schemas.microsoft.com/office/2009/07/customui"
    xmlns="http://schemas.microsoft.com/office/2009/07/customui" elementFormDefault="qualified">
  <xsd:simpleType name="ST_UniqueID"><xsd:restriction base="xsd:ID">
    <xsd:minLength value="1"/><xsd:maxLength value="1024"/></xsd:restriction></xsd:simpleType>
  <xsd:simpleType name="ST_ID"><xsd:restriction base="xsd:NCName">
    <xsd:minLength value="1"/><xsd:maxLength value="1024"/></xsd:restriction></xsd:simpleType>
  <xsd:simpleType name="ST_String"><xsd:restriction base="xsd:string">
    <xsd:minLength value="1"/><xsd:maxLength value="1024"/></xsd:restriction></xsd:simpleType>
  <xsd:simpleType name="ST_Delegate"><xsd:restriction base="xsd:string">
    <xsd:minLength value="1"/><xsd:maxLength value="1024"/></xsd:restriction></xsd:simpleType>
  <xsd:simpleType name="ST_Size"><xsd:restriction base="xsd:string">
    <xsd:enumeration value="normal"/><xsd:enumeration value="large"/></xsd:restriction></xsd:simpleType>
  <xsd:simpleType name="ST_Keytip"><xsd:restriction base="xsd:token">
    <xsd:minLength value="1"/><xsd:maxLength value="3"/></xsd:restriction></xsd:simpleType>
  <xsd:complexType name="CT_Button">
    <xsd:attribute name="id" type="ST_UniqueID" use="required"/>
    <xsd:attribute name="label" type="ST_String"/>
    <xsd:attribute name="size" type="ST_Size"/>
    <xsd:attribute name="imageMso" type="ST_ID"/>
    <xsd:attribute name="screentip" type="ST_String"/>
    <xsd:attribute name="supertip" type="ST_String"/>
    <xsd:attribute name="keytip" type="ST_Keytip"/>
    <xsd:attribute name="onAction" type="ST_Delegate"/>
  </xsd:complexType>
  <xsd:complexType name="CT_Group">
    <xsd:sequence><xsd:element name="button" type="CT_Button" minOccurs="0" maxOccurs="1000"/></xsd:sequence>
    <xsd:attribute name="id" type="ST_UniqueID" use="required"/>
    <xsd:attribute name="label" type="ST_String"/>
  </xsd:complexType>
  <xsd:complexType name="CT_Tab">
    <xsd:sequence><xsd:element name="group" type="CT_Group" minOccurs="0" maxOccurs="100"/></xsd:sequence>
    <xsd:attribute name="id" type="ST_UniqueID" use="required"/>
    <xsd:attribute name="label" type="ST_String"/>
  </xsd:complexType>
  <xsd:complexType name="CT_Tabs">
    <xsd:sequence><xsd:element name="tab" type="CT_Tab" minOccurs="0" maxOccurs="100"/></xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="CT_Ribbon">
    <xsd:sequence><xsd:element name="tabs" type="CT_Tabs" minOccurs="0"/></xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="CT_CustomUI">
    <xsd:sequence><xsd:element name="ribbon" type="CT_Ribbon" minOccurs="0"/></xsd:sequence>
  </xsd:complexType>
  <xsd:element name="customUI" type="CT_CustomUI"/>
</xsd:schema>
"""


def test_ribbon_validates_against_the_customui_types():
    schema = etree.XMLSchema(etree.fromstring(CUSTOMUI_SUBSET_XSD))
    doc = etree.fromstring(read_sources()[0].encode("utf-8"))
    assert schema.validate(doc), schema.error_log
    broken = etree.fromstring(read_sources()[0].replace('size="large"', 'size="huge"', 1).encode())
    assert not schema.validate(broken)


def _vba_string(expression: str) -> str:
    """Evaluate a VBA string expression made of "literals" & ChrW(n)."""
    parts = re.findall(r'"((?:[^"]|"")*)"|ChrW\((\d+)\)', expression)
    return "".join(lit.replace('""', '"') if lit else chr(int(code)) for lit, code in parts)


def test_vba_is_ascii_and_vietnamese_text_goes_through_chrw(built, sample_module):
    for name, text in _expected_sources(sample_module).items():
        assert text.isascii(), f"VBA module {name} is not ASCII"
    message = re.search(r"MsgBox (.*), vbExclamation", read_sources()[1]).group(1)
    assert _vba_string(message) == "Hãy mở hoặc tạo một sổ tính trước khi dùng thẻ TTHC."


def test_result_describes_the_build(built):
    assert built.modules == ("ThisWorkbook", "Sheet1", "Ribbon", "xlwings", "xlwings_udfs", "FunctionHelp")
    assert built.functions == ("TTHC_RATE",)
    assert list(built.callbacks.values()) == MACROS


@NEEDS_FUNCTIONS
def test_committed_addin_matches_the_sources(tmp_path):
    committed = REPO / "workbooks" / "xl_tthc.xlam"
    fresh = build_addin(tmp_path / "xl_tthc.xlam").path
    with zipfile.ZipFile(committed) as old, zipfile.ZipFile(fresh) as new:
        stale = [n for n in new.namelist() if n not in old.namelist() or old.read(n) != new.read(n)]
    assert not stale, (f"workbooks/xl_tthc.xlam is out of date ({stale}): rebuild it with "
                       "xl-tthc addin build -o workbooks/xl_tthc.xlam --force")
