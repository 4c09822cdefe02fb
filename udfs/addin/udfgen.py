"""VBA wrappers for xlwings worksheet functions, generated at build time.

xlwings' "Import Functions" button imports the Python module inside Excel and
writes an ``xlwings_udfs`` VBA module (``xlwings.udfs.generate_vba_wrapper``).
That code needs pywin32 and a running Excel, so it cannot run on Linux, where the
classic decorators (``@xw.func``, ``@xw.arg``, ``@xw.ret``, ``@xw.sub``) do nothing.

Here the module is imported once more with recording decorators that attach the
same ``__xlfunc__`` metadata as xlwings' own, and the wrapper text is written the
way xlwings writes it, with xlwings' ``VBAWriter``. Users then never press
"Import Functions" and never need trust access to the VBA project.
"""

from __future__ import annotations

import importlib.util
import inspect
import io
import typing
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import xlwings
from xlwings.utils import VBAWriter

__all__ = [
    "UDF_MODULE_NAME",
    "generate_udf_module",
    "load_with_metadata",
    "worksheet_functions",
    "wrapper_code",
]

UDF_MODULE_NAME = "xlwings_udfs"


def _signature(f: Callable) -> tuple[list[str], list[Any], str | None]:
    args, defaults, vararg = [], [], None
    for p in inspect.signature(f).parameters.values():
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            args.append(p.name)
            if p.default is not inspect.Parameter.empty:
                defaults.append(p.default)
        elif p.kind is inspect.Parameter.VAR_POSITIONAL:
            args.append(p.name)
            vararg = p.name
        else:
            raise TypeError(
                f"{f.__name__}: worksheet functions cannot take keyword-only arguments ({p.name})"
            )
    return args, defaults, vararg


def _doc_of(hint: Any) -> str | None:
    if typing.get_origin(hint) is typing.Annotated:
        for extra in typing.get_args(hint)[1:]:
            if isinstance(extra, dict) and "doc" in extra:
                return extra["doc"]
    return None


def _ensure_meta(f: Callable) -> dict:
    """Attach xlwings' ``__xlfunc__`` record to ``f`` (as ``xlwings.udfs.xlfunc`` does)."""
    if hasattr(f, "__xlfunc__"):
        return f.__xlfunc__
    args, defaults, vararg = _signature(f)
    if vararg and defaults:
        raise TypeError(f"{f.__name__}: xlwings does not support optional and variable arguments together")
    hints = typing.get_type_hints(f, include_extras=True)
    required = len(args) - len(defaults)
    meta: dict[str, Any] = {"name": f.__name__, "sub": False, "args": [], "argmap": {}}
    for pos, name in enumerate(args):
        info = {
            "name": name,
            "pos": pos,
            "vba": None,
            "doc": _doc_of(hints.get(name)) or f"Positional argument {pos + 1}",
            "vararg": name == vararg,
            "options": {},
        }
        if pos >= required:
            info["optional"] = defaults[pos - required]
        meta["args"].append(info)
        meta["argmap"][name] = info
    meta["ret"] = {"doc": f.__doc__ or f"Python function '{f.__name__}'.", "options": {}}
    meta.update(category="xlwings", call_in_wizard=True, volatile=False, async_mode=None)
    f.__xlfunc__ = meta
    return meta


def _func(f: Callable | None = None, **options: Any):
    def inner(g: Callable) -> Callable:
        meta = _ensure_meta(g)
        meta["category"] = options.get("category", "xlwings")
        meta["call_in_wizard"] = options.get("call_in_wizard", True)
        meta["volatile"] = options.get("volatile", False)
        meta["async_mode"] = options.get("async_mode")
        return g

    return inner if f is None else inner(f)


def _sub(f: Callable | None = None, **options: Any):
    def inner(g: Callable) -> Callable:
        _func(**options)(g).__xlfunc__["sub"] = True
        return g

    return inner if f is None else inner(f)


def _arg(name: str, convert: Any = None, **options: Any):
    def inner(g: Callable) -> Callable:
        meta = _ensure_meta(g)
        key = name.lstrip("*")
        if key not in meta["argmap"]:
            raise TypeError(f"{g.__name__}: @xw.arg names {name!r}, which is not an argument")
        info = meta["argmap"][key]
        for special in ("vba", "doc"):
            if special in options:
                info[special] = options.pop(special)
        info["options"].update(options, **({"convert": convert} if convert else {}))
        return g

    return inner


def _ret(convert: Any = None, **options: Any):
    def inner(g: Callable) -> Callable:
        _ensure_meta(g)["ret"]["options"].update(options, **({"convert": convert} if convert else {}))
        return g

    return inner


@contextmanager
def _recording_decorators() -> Iterator[None]:
    names = ("func", "sub", "arg", "ret")
    saved = {n: getattr(xlwings, n) for n in names}
    xlwings.func, xlwings.sub, xlwings.arg, xlwings.ret = _func, _sub, _arg, _ret
    try:
        yield
    finally:
        for n, value in saved.items():
            setattr(xlwings, n, value)


def load_with_metadata(module_name: str) -> ModuleType:
    """A fresh copy of ``module_name`` whose worksheet functions carry ``__xlfunc__``.

    The copy is not put in ``sys.modules``; the imported module, if any, is untouched.
    """
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"cannot find the worksheet-function module {module_name!r}")
    module = importlib.util.module_from_spec(spec)
    with _recording_decorators():
        spec.loader.exec_module(module)
    return module


def _write_wrapper(vba: VBAWriter, module_name: str, meta: dict) -> None:
    """One wrapper, line for line as ``xlwings.udfs.generate_vba_wrapper`` writes it
    for an add-in (which passes ``ActiveWorkbook``)."""
    fname, kind = meta["name"], "Sub" if meta["sub"] else "Function"
    # The reserved argument "caller" is passed as Nothing; xlwings puts the calling range there.
    vba_args = {a["name"]: "Nothing" if a["name"] == "caller" else a["vba"] for a in meta["args"]}
    params, vararg = [], ""
    for arg in meta["args"]:
        if vba_args[arg["name"]]:
            continue
        prefix = "Optional " if "optional" in arg else "ParamArray " if arg["vararg"] else ""
        if arg["vararg"]:
            vararg = arg["name"]
        params.append(prefix + arg["name"] + ("()" if arg["vararg"] else ""))
    with vba.block(f"{kind} {fname}({', '.join(params)})"):
        if kind == "Function":
            if not meta["call_in_wizard"]:
                vba.writeln(
                    'If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function'
                )
            if meta["volatile"]:
                vba.writeln("Application.Volatile")
        if vararg:
            fixed = [vba_args[a["name"]] or a["name"] for a in meta["args"] if not a["vararg"]]
            vba.writeln("Dim argsArray() As Variant")
            vba.writeln(f"argsArray = Array({', '.join(fixed)})")
            vba.writeln(
                f"ReDim Preserve argsArray(0 to UBound({vararg}) - LBound({vararg}) + {len(fixed)})"
            )
            vba.writeln(f"For k = LBound({vararg}) To UBound({vararg})")
            vba.writeln(f"argsArray({len(fixed)} + k - LBound({vararg})) = {vararg}(k)")
            vba.writeln("Next k")
            args_vba = "argsArray"
        else:
            args_vba = "Array(" + ", ".join(vba_args[a["name"]] or a["name"] for a in meta["args"]) + ")"
        call = f'"{module_name}", "{fname}", {args_vba}'
        if kind == "Sub":
            with vba.block('#If App = "Microsoft Excel" Then'):
                vba.writeln(f"XLPy.CallUDF {call}, ActiveWorkbook, Application.Caller")
            with vba.block("#Else"):
                vba.writeln(f"XLPy.CallUDF {call}")
            vba.writeln("#End If")
        else:
            with vba.block('#If App = "Microsoft Excel" Then'):
                vba.writeln("If TypeOf Application.Caller Is Range Then On Error GoTo failed")
                vba.writeln(f"{fname} = XLPy.CallUDF({call}, ActiveWorkbook, Application.Caller)")
                vba.writeln(f"Exit {kind}")
            with vba.block("#Else"):
                vba.writeln(f"{fname} = XLPy.CallUDF({call})")
                vba.writeln(f"Exit {kind}")
            vba.writeln("#End If")
            vba.write_label("failed")
            vba.writeln(f"{fname} = Err.Description")
    vba.writeln(f"End {kind}")
    vba.writeln("")


def worksheet_functions(module: ModuleType) -> list[dict]:
    """The ``__xlfunc__`` records of ``module``, in ``dir()`` order as xlwings walks them."""
    found = (getattr(module, attr) for attr in dir(module))
    return [obj.__xlfunc__ for obj in found if hasattr(obj, "__xlfunc__")]


def wrapper_code(module_name: str, module: ModuleType) -> str:
    """The wrappers of every worksheet function of ``module`` (no module header)."""
    buffer = io.StringIO()
    vba = VBAWriter(buffer)
    for meta in worksheet_functions(module):
        _write_wrapper(vba, module_name, meta)
    return buffer.getvalue()


def generate_udf_module(modules: Mapping[str, ModuleType]) -> str:
    """The ``xlwings_udfs`` module source for the worksheet functions of ``modules``
    (import name -> module loaded by :func:`load_with_metadata`)."""
    parts = [
        f'Attribute VB_Name = "{UDF_MODULE_NAME}"\n',
        "'Generated by xl_tthc (udfs/addin) from the Python signatures: "
        "changes are lost at the next build.\n",
        "#Const App = \"Microsoft Excel\" 'Adjust when using outside of Excel\n",
    ]
    for name, module in modules.items():
        parts.append(wrapper_code(name, module))
    return "".join(parts)
