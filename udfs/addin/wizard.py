"""Excel's Function Wizard help for the worksheet functions, registered when the add-in loads.

xlwings' "Import Functions" calls ``Application.MacroOptions`` once per function,
after writing the wrappers, with the function's description (its docstring), its
category (``@xw.func(category=...)``) and one description per argument
(``@xw.arg(..., doc=...)``). The built add-in replaces "Import Functions", so it
makes the same calls itself: the generated module ``FunctionHelp`` holds one
``Describe_<name>`` procedure per worksheet function, and ``RegisterFunctionHelp``,
called by ``Workbook_Open`` in ``ThisWorkbook`` (``src/ThisWorkbook.cls``), runs them.

Limits the generated code respects:

- ``MacroOptions`` refuses (error 1004) a description longer than 255 characters:
  longer texts are cut at a word boundary and end in "…" (:func:`wizard_text`).
- ``ArgumentDescriptions`` exists from Excel 2010 on. ``Application`` is called late
  bound (``As Object``), so an Excel without it fails at run time, where
  ``On Error Resume Next`` ignores the error, never at compile time.
- The VBA project uses code page 1252, which has no Vietnamese letters: every
  character outside printable ASCII is written as ``ChrW(n)`` (:func:`vba_string`).
- A VBA line holds at most 1023 characters: long texts are built in several
  statements (``s = s & ...``) of at most :data:`LINE_WIDTH` characters, with no
  line continuations.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from .udfgen import worksheet_functions

__all__ = [
    "DESCRIPTION_LIMIT",
    "HELP_MODULE_NAME",
    "LINE_WIDTH",
    "REGISTER_SUB",
    "FunctionHelp",
    "function_help",
    "generate_help_module",
    "vba_assignments",
    "vba_string",
    "wizard_text",
]

HELP_MODULE_NAME = "FunctionHelp"
REGISTER_SUB = "RegisterFunctionHelp"
DESCRIPTION_LIMIT = 255  # MacroOptions: Description and each ArgumentDescriptions item
LINE_WIDTH = 200  # our own limit for generated lines; VBA's is 1023
VBA_LINE_LIMIT = 1023
_LITERAL_CHUNK = 60  # characters of text per "literal" term
_ELLIPSIS = "\u2026"


def _units(text: str) -> int:
    """The length of ``text`` as VBA's Len counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def wizard_text(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``text`` as the Function Wizard gets it: a docstring's lines joined with single
    spaces, and, when longer than ``limit``, cut after the last whole word that fits
    and ended with "…"."""
    text = " ".join(inspect.cleandoc(text).split())
    if _units(text) <= limit:
        return text
    room = limit - _units(_ELLIPSIS)
    head = text[:room]  # a character is one or two UTF-16 units
    while _units(head) > room:
        head = head[:-1]
    if text[len(head)] != " " and " " in head:  # the cut falls inside a word: drop it
        head = head[: head.rindex(" ")]
    return head.rstrip() + _ELLIPSIS


def _string_terms(text: str, chunk: int = _LITERAL_CHUNK) -> list[str]:
    """The terms of a VBA string expression equal to ``text``: ``"literal"`` for runs
    of printable ASCII (quotes doubled), ``ChrW(n)`` for each UTF-16 code unit of
    every other character."""
    terms: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            terms.append('"' + "".join(run).replace('"', '""') + '"')
            run.clear()

    for char in text:
        if " " <= char <= "~":
            run.append(char)
            if len(run) == chunk:
                flush()
            continue
        flush()
        encoded = char.encode("utf-16-le")
        terms += [f"ChrW({int.from_bytes(encoded[i:i + 2], 'little')})" for i in range(0, len(encoded), 2)]
    flush()
    return terms or ['""']


def vba_string(text: str) -> str:
    """A VBA expression of ASCII characters only whose value is ``text``, e.g.
    ``"T" & ChrW(7927) & " l" & ChrW(7879)`` for "Tỷ lệ"."""
    return " & ".join(_string_terms(text))


def vba_assignments(variable: str, text: str, indent: str = "    ", width: int = LINE_WIDTH) -> list[str]:
    """Statements that leave ``text`` in the String ``variable``: ``v = <terms>`` then
    ``v = v & <terms>``, each line at most ``width`` characters."""
    first, more = f"{indent}{variable} = ", f"{indent}{variable} = {variable} & "
    lines: list[str] = []
    current = ""
    # a literal of ``chunk`` quotes, doubled, still fits after ``more``
    chunk = min(_LITERAL_CHUNK, (width - len(more) - 2) // 2)
    if chunk < 1:
        raise ValueError(f"a {width}-character line is too narrow for {variable}")
    for term in _string_terms(text, chunk):
        if current.endswith('"') and term.startswith('"') and len(current) + len(term) - 2 <= width:
            current = current[:-1] + term[1:]  # two literals in a row: one literal
            continue
        if current and len(current) + len(" & ") + len(term) <= width:
            current += " & " + term
            continue
        if current:
            lines.append(current)
        current = (more if lines else first) + term
        if len(current) > width:
            raise ValueError(f"a term of {variable} does not fit in a {width}-character line: {term}")
    lines.append(current)
    return lines


@dataclass(frozen=True)
class FunctionHelp:
    """What the Function Wizard shows for one worksheet function."""

    name: str
    category: str | int  # a name, or 1-14 for one of Excel's own categories (as in xlwings)
    description: str
    arguments: tuple[str, ...]  # one per parameter of the VBA wrapper, in order


def function_help(module: ModuleType) -> list[FunctionHelp]:
    """The help of every worksheet function of ``module`` (loaded by
    :func:`~udfs.addin.udfgen.load_with_metadata`), as xlwings' "Import Functions"
    registers it: the docstring, the category, and the ``doc`` of each argument the
    VBA wrapper takes (not those given by ``vba=`` nor ``caller``). Subs (``@xw.sub``)
    are macros, not functions, and are left out."""
    found = []
    for meta in worksheet_functions(module):
        if meta["sub"]:
            continue
        arguments = tuple(
            wizard_text(a["doc"]) for a in meta["args"] if not a["vba"] and a["name"] != "caller"
        )
        found.append(FunctionHelp(meta["name"], meta["category"], wizard_text(meta["ret"]["doc"]), arguments))
    return found


def _describe_sub(help: FunctionHelp) -> list[str]:
    names = [f"arg{i}" for i in range(1, len(help.arguments) + 1)]
    lines = [
        f"Private Sub Describe_{help.name}(ByVal app As Object, ByVal book As String)",
        "    Dim desc As String",
        "    Dim cat As Variant",
        *(f"    Dim {n} As String" for n in names),
        "    On Error Resume Next",
        *vba_assignments("desc", help.description),
    ]
    if isinstance(help.category, int):
        lines.append(f"    cat = {help.category}")
    else:
        lines += vba_assignments("cat", help.category)
    for name, text in zip(names, help.arguments):
        lines += vba_assignments(name, text)
    call = f'    app.MacroOptions Macro:=book & "{help.name}", Description:=desc, Category:=cat'
    if names:
        call += f", ArgumentDescriptions:=Array({', '.join(names)})"
    return [*lines, call, "End Sub", ""]


def generate_help_module(modules: Mapping[str, ModuleType]) -> str:
    """The ``FunctionHelp`` module source for the worksheet functions of ``modules``
    (import name -> module loaded by :func:`~udfs.addin.udfgen.load_with_metadata`)."""
    helps = [h for module in modules.values() for h in function_help(module)]
    if any(h.name.lower() == REGISTER_SUB.lower() for h in helps):
        raise ValueError(f"a worksheet function may not be called {REGISTER_SUB}")
    lines = [
        f'Attribute VB_Name = "{HELP_MODULE_NAME}"',
        "' Generated by xl_tthc (udfs/addin/wizard.py) from the functions' xlwings metadata:",
        "' changes are lost at the next build. Registers the Function Wizard help that",
        "' xlwings' \"Import Functions\" would register (Application.MacroOptions).",
        "' Vietnamese text is written with ChrW(): the project's code page is 1252.",
        "Option Explicit",
        "Option Private Module",
        "",
        f"Public Sub {REGISTER_SUB}()",
        "    ' Called by Workbook_Open. Never raises: a function Excel refuses keeps no help.",
        "    Dim app As Object",
        "    Dim book As String",
        "    Dim wasSaved As Boolean",
        "    On Error Resume Next",
        "    Set app = Application",
        "    wasSaved = ThisWorkbook.Saved",
        "    book = \"'\" & Replace(ThisWorkbook.Name, \"'\", \"''\") & \"'!\"",
        *(f"    Describe_{h.name} app, book" for h in helps),
        "    ThisWorkbook.Saved = wasSaved",
        "End Sub",
        "",
    ]
    for h in helps:
        lines += _describe_sub(h)
    text = "\n".join(lines)
    too_long = [line for line in lines if len(line) > VBA_LINE_LIMIT]
    if too_long:
        raise ValueError(f"generated VBA lines exceed {VBA_LINE_LIMIT} characters: {too_long[0][:80]}…")
    return text
