"""The core's rooms by stage, and the direction of their imports.

Each room (a subpackage of ``xl_tthc``) may import only the rooms below it in ``ROOMS``;
nothing in the core imports the CLI, the Excel-facing ``udfs`` package, xlwings or click.
Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "xl_tthc"

# bottom to top: a room may import the rooms before it, never those after it
ROOMS = ("domain", "read", "rules", "forms", "prose", "consolidate", "sheet", "dossiers", "cli")
FORBIDDEN_IN_CORE = ("xlwings", "click", "udfs")


def _modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def _room(path: Path) -> str | None:
    parts = path.relative_to(CORE).parts
    return parts[0] if len(parts) > 1 else None


def _imports(path: Path, core: Path = CORE) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file, relative ones resolved."""
    package = ["xl_tthc", *path.relative_to(core).parts[:-1]]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import x, y: each name may be a module
                    found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
                    continue
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def _target_room(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "xl_tthc" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in ROOMS else None


def test_every_module_lives_in_a_ranked_room():
    loose = [p.name for p in CORE.glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"modules outside the rooms: {loose}"
    rooms = sorted(p.name for p in CORE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert set(rooms) <= set(ROOMS), f"rooms without a rank in ROOMS: {set(rooms) - set(ROOMS)}"


@pytest.mark.parametrize("room", [r for r in ROOMS if (CORE / r).is_dir()])
def test_each_room_says_what_it_holds_and_may_import(room):
    doc = ast.get_docstring(ast.parse((CORE / room / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc.splitlines()) >= 2, f"xl_tthc/{room}/__init__.py needs a docstring"
    if room not in ("domain", "cli"):
        assert "may import" in doc.lower()


def test_rooms_import_only_the_rooms_below_them():
    upward = []
    for path in _modules():
        own = _room(path)
        if own is None:
            continue
        for line, module in _imports(path):
            target = _target_room(module)
            if target is not None and ROOMS.index(target) > ROOMS.index(own):
                upward.append(f"{path.relative_to(CORE)}:{line} ({own}) imports {module} ({target})")
    assert upward == []


def test_the_core_never_imports_the_doors():
    doors = []
    for path in _modules():
        if _room(path) == "cli":
            continue
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in FORBIDDEN_IN_CORE or module.startswith("xl_tthc.cli"):
                doors.append(f"{path.relative_to(CORE)}:{line} imports {module}")
    assert doors == []


def test_the_checker_sees_relative_and_lazy_imports(tmp_path):
    """The resolver itself: a relative import two levels up and one inside a function."""
    room = tmp_path / "xl_tthc" / "read"
    room.mkdir(parents=True)
    f = room / "x.py"
    f.write_text("from ..consolidate.provincial import a\n"
                 "def g():\n    from . import grid\n    import click\n", encoding="utf-8")
    assert sorted(m for _, m in _imports(f, tmp_path / "xl_tthc")) == [
        "click", "xl_tthc.consolidate.provincial", "xl_tthc.read.grid"]
