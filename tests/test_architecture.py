"""The dependency rules of architecture.md, read from the source with ast (imports inside functions count)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
MODULES = sorted(p.relative_to(ROOT).as_posix() for p in ENGINE.rglob("*.py"))
OUTSIDE_WEB = [m for m in MODULES if not m.startswith("engine/web/")]
MAX_LINES = 450

# third-party library (top-level import name) -> the only modules that may import it
HOMES = {
    "SpiffWorkflow": {"engine/procedures.py", "engine/runtime.py", "engine/scripting.py"},
    "RestrictedPython": {"engine/scripting.py"},
    "apscheduler": {"engine/timers.py"},
    "reportlab": {"engine/pdf.py"},
    "pyhanko": {"engine/signatures.py"},
    "pyhanko_certvalidator": {"engine/signatures.py"},
    "waitress": {"engine/cli.py"},  # the WSGI server of `tthc serve`
}
# The command line is an edge like the web: `tthc serve` starts the web application (and nothing else
# outside engine/web may import it). It still never imports flask itself.
WEB_STARTERS = {"engine/cli.py"}


def imported_modules(relative: str) -> set[str]:
    """Absolute names of every module ``relative`` imports, ``from X import y`` giving X and X.y."""
    path = ROOT / relative
    package = list(path.relative_to(ROOT).parent.parts)  # engine.web for web/__init__.py and web/api.py
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def importing(library: str) -> set[str]:
    return {m for m in MODULES if any(name.split(".")[0] == library for name in imported_modules(m))}


def test_the_parser_sees_relative_and_nested_imports():
    assert "engine.web" in imported_modules("engine/web/api.py")  # from . import db ...
    assert "engine.procedures" in imported_modules("engine/web/api.py")  # from .. import procedures
    assert "engine.errors" in imported_modules("engine/procedures.py")  # from .errors import ...
    assert "alembic.command" in imported_modules("engine/cli.py")  # inside upgrade_database()


@pytest.mark.parametrize("module", OUTSIDE_WEB)
def test_nothing_outside_web_imports_web_or_flask(module):
    may_start_web = module in WEB_STARTERS
    bad = sorted(name for name in imported_modules(module)
                 if ((name == "engine.web" or name.startswith("engine.web.")) and not may_start_web)
                 or name.split(".")[0] == "flask")
    assert bad == [], f"{module} imports {bad}"


@pytest.mark.parametrize("library", sorted(HOMES))
def test_each_library_is_imported_only_from_its_home(library):
    strangers = sorted(importing(library) - HOMES[library])
    assert strangers == [], f"{library} imported by {strangers}"


def test_spiffworkflow_and_restrictedpython_have_their_homes():
    assert importing("SpiffWorkflow") == HOMES["SpiffWorkflow"]
    assert importing("RestrictedPython") == HOMES["RestrictedPython"]


@pytest.mark.parametrize("module", MODULES)
def test_each_module_is_under_450_lines(module):
    lines = len((ROOT / module).read_text(encoding="utf-8").splitlines())
    assert lines < MAX_LINES, f"{module} has {lines} lines: split it by noun"
