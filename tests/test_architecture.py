"""The dependency rules of architecture.md, read from the source with ast (imports inside functions count)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
MODULES = sorted(p.relative_to(ROOT).as_posix() for p in ENGINE.rglob("*.py"))
OUTSIDE_WEB = [m for m in MODULES if not m.startswith("engine/web/")]
MAX_LINES = 400

# engine/law is pure (it imports engine.core only), so the catalogue's validation may ask it too (the legal
# statuses of a path); data and law never import each other.
# engine's packages by layer: a module may import its own package and any package of a LOWER layer only
# (architecture.md). The edges are ordered too: the command line starts the web and the timer service; the
# web faces never run the simulator; the timer service is below both.
LAYERS = {
    "core": 0, "data": 1, "law": 1, "process": 2, "paperwork": 3, "cases": 4, "reports": 4,
    "timers": 5, "simulate": 6, "web": 6, "cli": 7,
}

# third-party library (top-level import name) -> the only modules that may import it
HOMES = {
    "SpiffWorkflow": {"engine/process/bpmnparser.py", "engine/process/runtime.py", "engine/process/scripting.py",
                      "engine/process/timerevents.py", "engine/process/specmigration.py"},
    "RestrictedPython": {"engine/process/scripting.py"},
    "apscheduler": {"engine/timers.py"},
    "reportlab": {"engine/paperwork/pdf.py", "engine/paperwork/register_pdf.py"},
    # signatures: the signing and verifying; beside it, the keys (pki), tokens, remote signing and long-term data
    "pyhanko": {"engine/paperwork/signatures.py", "engine/paperwork/pki.py", "engine/paperwork/tokens.py",
                "engine/paperwork/remote.py", "engine/paperwork/longterm.py"},
    "pyhanko_certvalidator": {"engine/paperwork/signatures.py", "engine/paperwork/longterm.py"},
    "pkcs11": {"engine/paperwork/tokens.py"},  # PKCS#11 tokens (python-pkcs11)
    "aiohttp": {"engine/paperwork/remote.py"},  # the HTTP client pyHanko's remote signer works with
    "waitress": {"engine/cli/service.py"},  # the WSGI server of `tthc serve`
    "PIL": {"engine/paperwork/images.py", "engine/paperwork/pdf.py"},  # Pillow: uploads decoded; the QR code
}
# The command line is an edge like the web: `tthc serve` starts the web application (and nothing else
# outside engine/web may import it). It still never imports flask itself.
WEB_STARTERS = {"engine/cli/service.py"}


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
    assert "engine.process.procedures" in imported_modules("engine/web/api.py")  # from .. import procedures
    assert "engine.core.errors" in imported_modules("engine/process/procedures.py")  # from .errors import ...
    assert "alembic.command" in imported_modules("engine/cases/preflight.py")  # inside upgrade_database()


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
def test_each_module_is_under_400_lines(module):
    lines = len((ROOT / module).read_text(encoding="utf-8").splitlines())
    assert lines < MAX_LINES, f"{module} has {lines} lines: split it by noun"


def package_of(relative: str) -> str:
    """engine/law/deadlines.py -> law; engine/web/api.py -> web; engine/timers.py -> timers."""
    return Path(relative).with_suffix("").parts[1]


def package_imports() -> dict[tuple[str, str], set[str]]:
    """(importer package, imported package) -> the importing modules, across engine/ (self-imports left out)."""
    edges: dict[tuple[str, str], set[str]] = {}
    for module in MODULES:
        mine = package_of(module)
        for name in imported_modules(module):
            parts = name.split(".")
            if parts[0] == "engine" and len(parts) > 1 and parts[1] in LAYERS and parts[1] != mine:
                edges.setdefault((mine, parts[1]), set()).add(module)
    return edges


def test_every_package_has_a_layer():
    assert {package_of(m) for m in MODULES} - {"__init__"} <= set(LAYERS)


def test_imports_point_down_the_layers_package_to_package():
    upward = sorted(f"{a} -> {b} ({', '.join(sorted(mods))})" for (a, b), mods in package_imports().items()
                    if LAYERS[b] >= LAYERS[a])
    assert upward == [], "imports that point up or sideways: " + "; ".join(upward)


def test_the_law_reads_no_clock_and_opens_no_session():
    """engine/law answers legal questions from facts, now and a calendar: no system time, no new session."""
    for module in (m for m in MODULES if m.startswith("engine/law/")):
        names = imported_modules(module)
        assert "engine.core.clock.SystemClock" not in names, module
        assert not any(n.startswith("engine.data.db.make_") for n in names), module


def describe_map() -> str:
    """The package map as text: each package with its layer and the packages it imports."""
    edges = package_imports()
    lines = []
    for package in sorted(LAYERS, key=lambda p: (LAYERS[p], p)):
        targets = sorted({b for (a, b) in edges if a == package}, key=lambda p: (LAYERS[p], p))
        lines.append(f"{LAYERS[package]}  {package:<10} -> {', '.join(targets) or '(nothing)'}")
    return "\n".join(lines)


def module_graph() -> dict[str, set[str]]:
    """engine module -> the engine modules it imports (files; a package's __init__ left out: it only hands names on
    or builds the app, and every module of its package would otherwise be in a circle with it)."""
    files = {}
    for module in MODULES:
        name = module[:-3].replace("/", ".")
        if not name.endswith(".__init__"):
            files[name] = module
    return {module: {files[n] for n in imported_modules(module) if n in files and files[n] != module}
            for module in MODULES}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_circles_are_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_modules_import_each_other_round():
    """Inside a package too, imports form no circle (imports inside functions count): a module that needs another
    that needs it back is two halves of one thing, or a third thing both need."""
    assert circles(module_graph()) == []


def test_every_module_that_saves_a_process_opens_the_hand_overs_it_reaches():
    """engine.cases.dossiers.save_process queues the hand-over tasks a transaction reaches (D33) and the listener of
    engine.cases.lienthong opens them before the commit: a module that saves a process loads lienthong with it."""
    savers = sorted(m[:-3].replace("/", ".") for m in MODULES
                    if "save_process(" in (ROOT / m).read_text(encoding="utf-8") and not m.endswith("dossiers.py"))
    assert "engine.cases.tasks" in savers and "engine.timers" in savers
    code = ("import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
            "    assert 'engine.cases.lienthong' in sys.modules, name\n")
    for module in savers:  # each in an interpreter of its own: nothing else loaded first
        done = subprocess.run([sys.executable, "-c", code, module], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]


if __name__ == "__main__":  # python3 tests/test_architecture.py prints the package map
    print(describe_map())
