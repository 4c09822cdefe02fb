"""Excel's Function Wizard help in the built add-in: the ``FunctionHelp`` module that
``Workbook_Open`` runs, read back by olevba and decoded by a small evaluator of the
VBA the generator writes, against the functions' xlwings metadata and against the
``Application.MacroOptions`` calls xlwings' own "Import Functions" makes."""

import importlib.util
import json
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
from conftest import module_on_path
from xlwings_offline import PREAMBLE
from hypothesis import given, settings
from hypothesis import strategies as st

from udfs.addin import build_addin
from udfs.addin.build import this_workbook_source
from udfs.addin.udfgen import load_with_metadata, worksheet_functions
from udfs.addin.wizard import (
    DESCRIPTION_LIMIT,
    HELP_MODULE_NAME,
    LINE_WIDTH,
    REGISTER_SUB,
    FunctionHelp,
    function_help,
    generate_help_module,
    vba_assignments,
    vba_string,
    wizard_text,
)

with warnings.catch_warnings():  # oletools uses deprecated pyparsing names
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

REPO = Path(__file__).resolve().parents[1]
HAS_FUNCTIONS = importlib.util.find_spec("udfs.functions") is not None
NEEDS_FUNCTIONS = pytest.mark.skipif(
    not HAS_FUNCTIONS, reason="udfs/functions.py (the worksheet functions) does not exist yet")

LONG = " ".join(["Mô tả rất dài của hàm, để thử cắt ở ranh giới từ;"] * 8)
SAMPLE_UDFS = textwrap.dedent(f'''
    import xlwings as xw


    @xw.func(category="Thủ tục hành chính")
    @xw.arg("x", doc='Giá trị "x" — có dấu ngoặc kép')
    @xw.arg("book", vba="ActiveWorkbook")
    def TTHC_SAMPLE(x, book, y=None, caller=None):
        """Hàm mẫu: một dòng,
        rồi dòng thứ hai."""
        return x


    @xw.func
    @xw.arg("values", doc="{LONG}")
    def TTHC_LONG(*values):
        """{LONG}"""
        return 0


    @xw.func(category=3)
    def TTHC_NOARGS():
        """Không có đối số 😀."""
        return 1


    @xw.sub
    def tthc_refresh(x):
        """Một macro, không phải hàm."""
''')

# xlwings' "Import Functions" (xlwings.udfs.import_udfs) run against a stand-in
# workbook that records the Application.MacroOptions calls it makes.
XLWINGS_IMPORT = PREAMBLE + textwrap.dedent('''
    import importlib, json, sys, types
    name = sys.argv[1]
    module = importlib.import_module(name)
    udfs.udf_modules[name] = {"filename": module.__file__, "filetime": None, "module": module}
    calls = []

    class Application:
        Version = "16.0"

        def MacroOptions(self, macro, **options):
            calls.append({"Macro": macro, **options})

    class Components:
        def __call__(self, name):
            return name

        def Remove(self, component):
            pass

        def Import(self, path):
            pass

    class AddinBook:
        Name = "xl_tthc.xlam"
        Application = Application()
        VBProject = types.SimpleNamespace(VBComponents=Components())

    udfs.import_udfs(name, AddinBook())
    print(json.dumps(calls))
''')


# ------------------------------------------------- the evaluator of generated VBA

_TERM = re.compile(r'"((?:[^"]|"")*)"|ChrW\((\d+)\)|([A-Za-z]\w*)')
_ASSIGNMENT = re.compile(r"^ *([A-Za-z]\w*) = (.*)$")


def _raw_value(expression: str, variables: dict[str, str] | None = None, target: str | None = None) -> str:
    """The value of a VBA string expression of exactly the kind the generator writes:
    "literals" (quotes doubled) and ChrW(n) joined by &, optionally starting with the
    variable being assigned (``s = s & ...``), as UTF-16 code units (a VBA string may
    hold half a surrogate pair for a while). Anything else raises ValueError."""
    units, rest, first = [], expression.strip(), True
    while True:
        match = _TERM.match(rest)
        if not match:
            raise ValueError(f"not a generated VBA string expression at: {rest!r}")
        literal, code, variable = match.groups()
        if variable is not None:
            if not first or variable != target or variables is None or variable not in variables:
                raise ValueError(f"unexpected variable {variable!r} in {expression!r}")
            units.append(variables[variable])
        elif code is not None:
            if not 0 <= int(code) <= 0xFFFF:
                raise ValueError(f"ChrW({code}) is outside VBA's range")
            units.append(chr(int(code)))
        else:
            units.append(literal.replace('""', '"'))
        rest, first = rest[match.end():].lstrip(), False
        if not rest:
            break
        if not rest.startswith("&"):
            raise ValueError(f"expected & at: {rest!r}")
        rest = rest[1:].lstrip()
    return "".join(units)


def _text(units: str) -> str:
    """UTF-16 code units as text: surrogates paired, as Excel reads a VBA string."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def vba_value(expression: str) -> str:
    return _text(_raw_value(expression))


def run_assignments(lines: list[str]) -> dict[str, str]:
    """The String variables after running ``lines``, assignments ``v = <expression>``."""
    variables: dict[str, str] = {}
    for line in lines:
        match = _ASSIGNMENT.match(line)
        assert match, f"not an assignment: {line!r}"
        name, expression = match.groups()
        variables[name] = _raw_value(expression, variables, target=name)
    return {name: _text(units) for name, units in variables.items()}


_CALL = re.compile(
    r'^    app\.MacroOptions Macro:=book & "(\w+)", Description:=desc, Category:=cat'
    r"(?:, ArgumentDescriptions:=Array\(((?:arg\d+, )*arg\d+)\))?$")
_DESCRIBE = re.compile(r"^Private Sub Describe_(\w+)\(ByVal app As Object, ByVal book As String\)$")


def registered(help_module: str) -> dict[str, FunctionHelp]:
    """What each Describe_ procedure of the FunctionHelp module passes to MacroOptions."""
    lines = help_module.replace("\r\n", "\n").split("\n")
    found = {}
    for start, line in enumerate(lines):
        header = _DESCRIBE.match(line)
        if not header:
            continue
        end = lines.index("End Sub", start)
        body = lines[start + 1 : end]
        assert "    On Error Resume Next" in body
        resume = body.index("    On Error Resume Next")
        assert body[:2] == ["    Dim desc As String", "    Dim cat As Variant"]
        assert all(re.fullmatch(r"    Dim arg\d+ As String", b) for b in body[2:resume])
        calls = [b for b in body if "MacroOptions" in b]
        assert len(calls) == 1 and body[-1] == calls[0], body
        call = _CALL.match(calls[0])
        assert call and call.group(1) == header.group(1), calls[0]
        category = [b for b in body if re.fullmatch(r"    cat = \d+", b)]  # one of Excel's own
        values = run_assignments([b for b in body[resume + 1 : -1] if b not in category])
        if category:
            values["cat"] = int(category[0].split(" = ")[1])
        args = call.group(2).split(", ") if call.group(2) else []
        assert args == [f"arg{i}" for i in range(1, len(args) + 1)]
        assert set(values) == {"desc", "cat", *args}
        found[call.group(1)] = FunctionHelp(call.group(1), values["cat"], values["desc"],
                                            tuple(values[a] for a in args))
    return found


def test_evaluator_reads_the_subset_and_refuses_the_rest():
    assert vba_value('"T" & ChrW(7927) & " l" & ChrW(7879) & " ""OK"""') == 'Tỷ lệ "OK"'
    assert vba_value("ChrW(55357) & ChrW(56832)") == "😀"
    assert run_assignments(['    s = "a"', '    s = s & ChrW(7879)']) == {"s": "aệ"}
    for bad in ['"a" + "b"', 'Chr(65)', '"a" & t', '"a', 'ChrW(70000)', '"a" "b"']:
        with pytest.raises(ValueError):
            vba_value(bad)


# ------------------------------------------------------------------ the encoder


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_vba_string_decodes_to_the_text(text):
    expression = vba_string(text)
    assert expression.isascii() and "\n" not in expression and "\r" not in expression
    assert vba_value(expression) == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600), st.integers(min_value=30, max_value=LINE_WIDTH))
def test_assignments_decode_to_the_text_in_short_lines(text, width):
    lines = vba_assignments("desc", text, width=width)
    assert all(line.isascii() and len(line) <= width for line in lines)
    assert not any(line.rstrip().endswith(" _") for line in lines)
    assert run_assignments(lines) == {"desc": text}


def test_vietnamese_letters_become_chrw_and_ascii_stays_literal():
    assert vba_string("Tỷ lệ") == '"T" & ChrW(7927) & " l" & ChrW(7879)'
    assert vba_string('a "b"') == '"a ""b"""'
    assert vba_string("") == '""'
    assert vba_string("—\n") == "ChrW(8212) & ChrW(10)"


# -------------------------------------------------------------- the 255 limit

def _units(text):
    return len(text.encode("utf-16-le")) // 2


def test_texts_within_the_limit_are_kept():
    exact = "x" * 251 + " ầ ệ"
    assert _units(exact) == DESCRIPTION_LIMIT
    assert wizard_text(exact) == exact
    assert wizard_text("Một dòng.\n    Dòng hai.") == "Một dòng. Dòng hai."


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyỷệữ😀,;:.", min_size=1, max_size=30),
                min_size=1, max_size=20), st.integers(min_value=1, max_value=40))
def test_long_texts_are_cut_at_a_word_boundary(words, repeat):
    words = words * repeat
    text = " ".join(words)
    cut = wizard_text(text)
    assert _units(cut) <= DESCRIPTION_LIMIT
    if _units(text) <= DESCRIPTION_LIMIT:
        assert cut == text
        return
    assert cut.endswith("…")
    head = cut[:-1]
    assert text.startswith(head)
    if len(words[0]) < DESCRIPTION_LIMIT // 2:  # a word fits: the cut falls between words
        assert text[len(head)] == " "
        following = text.find(" ", len(head) + 1)
        longer = text if following < 0 else text[:following]
        assert _units(longer) + 1 > DESCRIPTION_LIMIT  # one word more would not fit


def test_a_long_text_loses_its_last_words_not_half_a_word():
    text = "Tỷ lệ giải quyết đúng hạn, " * 12  # 27 characters a time
    cut = wizard_text(text)
    assert cut == "Tỷ lệ giải quyết đúng hạn, " * 9 + "Tỷ lệ giải…"  # " quyết" would make 260
    assert _units(cut) == 9 * 27 + 10 + 1 <= DESCRIPTION_LIMIT


def test_a_single_overlong_word_is_cut_hard():
    cut = wizard_text("ệ" * 300)
    assert cut == "ệ" * 254 + "…"


# ----------------------------------------------------- the module and the build


@pytest.fixture(scope="module")
def sample_module(tmp_path_factory):
    with module_on_path(tmp_path_factory.mktemp("udfs"), "tthc_wizard_sample", SAMPLE_UDFS) as name:
        yield name


def _extract(path):
    parser = VBA_Parser(str(path))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory, sample_module):
    result = build_addin(tmp_path_factory.mktemp("addin") / "xl_tthc.xlam", udf_modules=[sample_module])
    return result, _extract(result.path)


@pytest.fixture(scope="module")
def real_build(tmp_path_factory):
    if not HAS_FUNCTIONS:
        pytest.skip("udfs/functions.py (the worksheet functions) does not exist yet")
    result = build_addin(tmp_path_factory.mktemp("addin") / "xl_tthc.xlam")
    return result, _extract(result.path)


def _expected(module_name):
    """Straight from the xlwings metadata: (category, docstring, argument docs) per function."""
    expected = {}
    for meta in worksheet_functions(load_with_metadata(module_name)):
        if not meta["sub"]:
            args = [a["doc"] for a in meta["args"] if not a["vba"] and a["name"] != "caller"]
            expected[meta["name"]] = (meta["category"], meta["ret"]["doc"], args)
    return expected


def _wrapper_parameters(udfs_module: str) -> dict[str, int]:
    found = re.findall(r"^Function (\w+)\((.*)\)$", udfs_module.replace("\r\n", "\n"), re.M)
    return {name: len([p for p in params.split(", ") if p]) for name, params in found}


@NEEDS_FUNCTIONS
def test_every_worksheet_function_gets_its_vietnamese_help_exactly(real_build):
    result, modules = real_build
    found = registered(modules[HELP_MODULE_NAME])
    expected = _expected("udfs.functions")
    assert sorted(found) == sorted(expected) == sorted(result.functions)
    for name, (category, doc, args) in expected.items():
        help = found[name]
        # all of udfs.functions fits Excel's limits: nothing is cut or rewritten
        assert (help.category, help.description, list(help.arguments)) == (category, doc, args), name
        assert help.category == "TTHC"
    parameters = _wrapper_parameters(modules["xlwings_udfs"])
    assert {n: len(h.arguments) for n, h in found.items()} == parameters


def test_sample_help_follows_the_metadata(sample_build, sample_module):
    _, modules = sample_build
    found = registered(modules[HELP_MODULE_NAME])
    expected = _expected(sample_module)
    assert sorted(found) == sorted(expected) == ["TTHC_LONG", "TTHC_NOARGS", "TTHC_SAMPLE"]
    for name, (category, doc, args) in expected.items():
        help = found[name]
        assert help.category == category
        assert help.description == wizard_text(doc)
        assert list(help.arguments) == [wizard_text(a) for a in args]
    sample = found["TTHC_SAMPLE"]
    assert sample.category == "Thủ tục hành chính"
    assert sample.description == "Hàm mẫu: một dòng, rồi dòng thứ hai."
    assert sample.arguments == ('Giá trị "x" — có dấu ngoặc kép', "Positional argument 3")  # not book, caller
    long = found["TTHC_LONG"]
    assert _units(long.description) <= DESCRIPTION_LIMIT < _units(LONG)
    assert long.description.endswith("…") and LONG.startswith(long.description[:-1])
    assert long.arguments == (long.description,)
    assert found["TTHC_NOARGS"].arguments == ()
    assert found["TTHC_NOARGS"].category == 3  # Excel's category 3, as a number
    assert "tthc_refresh" not in modules[HELP_MODULE_NAME]  # a Sub is a macro, not a function
    assert _wrapper_parameters(modules["xlwings_udfs"]) == {n: len(h.arguments) for n, h in found.items()}


def test_a_wrong_character_is_noticed(sample_build):
    _, modules = sample_build
    text = modules[HELP_MODULE_NAME]
    assert "ChrW(7897)" in text
    broken = registered(text.replace("ChrW(7897)", "ChrW(7899)", 1))
    assert broken != registered(text)


@pytest.mark.parametrize("which", ["sample", "real"])
def test_registration_runs_on_load_and_never_raises(which, request):
    _, modules = request.getfixturevalue(f"{which}_build")
    this_workbook = modules["ThisWorkbook"].replace("\r\n", "\n")
    body = re.search(r"^Private Sub Workbook_Open\(\)\n(.*?)^End Sub$", this_workbook, re.S | re.M)
    assert body, this_workbook
    statements = [s.strip() for s in body.group(1).split("\n") if s.strip() and not s.strip().startswith("'")]
    assert statements == ["On Error Resume Next", f"{HELP_MODULE_NAME}.{REGISTER_SUB}"]
    assert this_workbook.endswith(this_workbook_source().replace("\r\n", "\n"))

    lines = modules[HELP_MODULE_NAME].replace("\r\n", "\n").split("\n")
    start = lines.index(f"Public Sub {REGISTER_SUB}()")
    register = lines[start + 1 : lines.index("End Sub", start)]
    code = [s.strip() for s in register if s.strip() and not s.strip().startswith("'")]
    resume = code.index("On Error Resume Next")
    assert all(c.startswith("Dim ") for c in code[:resume])
    assert code[resume + 1 :][:3] == [
        "Set app = Application",  # late bound: an Excel without ArgumentDescriptions fails at run time
        "wasSaved = ThisWorkbook.Saved",
        "book = \"'\" & Replace(ThisWorkbook.Name, \"'\", \"''\") & \"'!\"",
    ]
    assert code[-1] == "ThisWorkbook.Saved = wasSaved"
    described = re.findall(r"^Private Sub Describe_(\w+)\(", "\n".join(lines), re.M)
    assert code[resume + 4 : -1] == [f"Describe_{name} app, book" for name in described]
    assert "Option Private Module" in lines and "Option Explicit" in lines
    assert len([line for line in lines if "MacroOptions Macro:=" in line]) == len(described)


@pytest.mark.parametrize("which", ["sample", "real"])
def test_vba_is_ascii_and_within_line_limits(which, request):
    _, modules = request.getfixturevalue(f"{which}_build")
    for name, text in modules.items():
        lines = text.replace("\r\n", "\n").split("\n")
        assert text.isascii(), name
        assert max(len(line) for line in lines) <= 1023, name
        run = longest = 0
        for line in lines:  # at most 24 line continuations in one statement
            run = run + 1 if line.endswith(" _") else 0
            longest = max(longest, run)
        assert longest <= 24, name
    for name in (HELP_MODULE_NAME, "ThisWorkbook"):
        lines = modules[name].replace("\r\n", "\n").split("\n")
        assert max(len(line) for line in lines) <= LINE_WIDTH
        assert not any(line.endswith(" _") for line in lines)


def test_help_module_refuses_a_function_named_like_the_registration(tmp_path, monkeypatch):
    (tmp_path / "tthc_clash.py").write_text(
        "import xlwings as xw\n\n@xw.func\ndef RegisterFunctionHelp(x):\n    return x\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match=REGISTER_SUB):
        generate_help_module({"tthc_clash": load_with_metadata("tthc_clash")})


# ----------------------------------------------- against xlwings' Import Functions


def _xlwings_calls(module_name, folder=None):
    paths = [str(REPO)] + ([str(folder)] if folder else [])
    run = subprocess.run([sys.executable, "-c", XLWINGS_IMPORT, module_name], cwd=folder or REPO,
                         capture_output=True, text=True,
                         env={"PYTHONPATH": ":".join(paths), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@NEEDS_FUNCTIONS
def test_same_calls_as_xlwings_import_functions(real_build):
    _, modules = real_build
    ours = registered(modules[HELP_MODULE_NAME])
    theirs = _xlwings_calls("udfs.functions")
    assert len(theirs) == len(ours)
    for call in theirs:
        name = call["Macro"].removeprefix("'xl_tthc.xlam'!")
        assert call["Macro"] == f"'xl_tthc.xlam'!{name}"  # our book & name, for this file name
        help = ours[name]
        assert (help.description, help.category, list(help.arguments)) == (
            call["Description"], call["Category"], call["ArgumentDescriptions"])


def test_sample_calls_match_xlwings_except_for_clean_cuts(sample_build, sample_module):
    _, modules = sample_build
    ours = registered(modules[HELP_MODULE_NAME])
    folder = Path(importlib.util.find_spec(sample_module).origin).parent
    theirs = {c["Macro"].removeprefix("'xl_tthc.xlam'!"): c for c in _xlwings_calls(sample_module, folder)}
    assert sorted(theirs) == sorted(ours) + ["tthc_refresh"]  # xlwings also describes Subs
    for name, help in ours.items():
        call = theirs[name]
        assert help.category == call["Category"]
        for mine, xlwings_text in [(help.description, call["Description"]),
                                   *zip(help.arguments, call["ArgumentDescriptions"] or [])]:
            # xlwings cuts at 255 characters, wherever that falls; we cut before the word
            if mine.endswith("…"):
                assert xlwings_text.startswith(mine[:-1]) and len(xlwings_text) == 255
            else:
                assert mine == " ".join(xlwings_text.split())
        assert len(help.arguments) == len(call["ArgumentDescriptions"] or [])


@NEEDS_FUNCTIONS
def test_committed_addin_registers_the_help(real_build):
    committed = _extract(REPO / "workbooks" / "xl_tthc.xlam")
    assert registered(committed[HELP_MODULE_NAME]) == registered(real_build[1][HELP_MODULE_NAME])
    assert "Workbook_Open" in committed["ThisWorkbook"]


def test_generated_module_equals_the_one_in_the_build(sample_build, sample_module):
    _, modules = sample_build
    text = generate_help_module({sample_module: load_with_metadata(sample_module)})
    assert modules[HELP_MODULE_NAME] == text.replace("\n", "\r\n")
    assert [h.name for h in function_help(load_with_metadata(sample_module))] == [
        "TTHC_LONG", "TTHC_NOARGS", "TTHC_SAMPLE"]
