"""How the package is laid out: modules of a readable size, importing from each other only
what the defining module makes public.

Why: a re-export hides where a name lives, and a private name (``_x``) taken
from another module ties the two together behind the reader's back; either
way, moving or splitting a module breaks callers far away and the tree stops
reading as the architecture.  Checked on the source (ast): no run-time cost.
Past 600 lines a module holds more than one thing; split it where it divides.
And no import cycle: a module that is imported while its importer is still half
initialised fails with an ImportError that depends on which module came first.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import oncall_desktop

PKG = Path(oncall_desktop.__file__).parent
ROOT = PKG.parent


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PKG.rglob("*.py")}


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@cache
def _defined(module: str) -> frozenset[str]:
    """Names a module binds itself at its top level (not the ones it imports)."""
    names: set[str] = set()
    for node in _tree(MODULES[module]).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.If, ast.Try)):  # version or platform branches define names too
            names |= {n.name for n in ast.walk(node) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            names |= {t.id for n in ast.walk(node) if isinstance(n, ast.Assign)
                      for t in n.targets if isinstance(t, ast.Name)}
    return frozenset(names)


def _imports_from_our_modules(path: Path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module in MODULES:
            yield node


def _sources() -> list[Path]:
    return [*PKG.rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").glob("*.py")]


def _imports_from_other_modules(path: Path):
    """``from M import …`` of this repository (the package and the tests), M not the importing file."""
    for node in ast.walk(_tree(path)):
        ours = isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("oncall_desktop", "tests")
        if ours and (ROOT / node.module.replace(".", "/")).with_suffix(".py") != path:
            yield node


def test_names_are_imported_from_the_module_that_defines_them() -> None:
    through = []
    for path in _sources():
        for node in _imports_from_our_modules(path):
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES or alias.name in _defined(node.module):
                    continue
                through.append(f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} from {node.module}")
    assert through == []


def test_no_private_name_is_imported_from_another_module() -> None:
    private = [f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} from {node.module}"
               for path in _sources() for node in _imports_from_other_modules(path)
               for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert private == []


def test_no_module_is_over_600_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in PKG.rglob("*.py")}
    assert {path: lines for path, lines in sizes.items() if lines > 600} == {}


def test_comments_speak_of_the_code_not_of_tracker_issues() -> None:
    """Issue numbers belong to a tracker outside the repository; a reader of the code cannot follow them."""
    pointer = re.compile(r"\(issue \d+|\bissue \d+ (?:target|proof)|contract for issue \d+", re.IGNORECASE)
    found = [f"{p.relative_to(ROOT)}:{n}" for folder in ("oncall_desktop", "tests", "bench", "scripts")
             for p in (ROOT / folder).rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pointer.search(line)]
    assert found == []


def _module_level_imports(module: str) -> set[str]:
    """Our modules this one imports while it is being imported (not in functions, not for type checkers)."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                    visit(block)

    visit(_tree(MODULES[module]).body)
    return {name for name in found if name in MODULES and name != module}


def test_module_level_imports_form_no_cycle() -> None:
    graph = {module: _module_level_imports(module) for module in MODULES}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append(path[path.index(imported):] + [imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


FRESH_IMPORTS = """
import importlib, json, pkgutil, sys
import oncall_desktop
failed = {}
for info in pkgutil.walk_packages(oncall_desktop.__path__, "oncall_desktop."):
    for name in [m for m in sys.modules if m.split(".")[0] == "oncall_desktop"]:
        del sys.modules[name]
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed[info.name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(failed))
"""


def test_every_module_imports_on_its_own_first() -> None:
    """Each module imported first, with none of ours loaded: the order a lazy import or a script meets."""
    done = subprocess.run([sys.executable, "-c", FRESH_IMPORTS], capture_output=True, text=True, timeout=300,
                          check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}
