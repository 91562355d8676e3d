"""How the package is laid out: modules of a readable size, importing from each other only
what the defining module makes public.

Why: a re-export hides where a name lives, and a private name (``_x``) taken
from another module ties the two together behind the reader's back; either
way, moving or splitting a module breaks callers far away and the tree stops
reading as the architecture.  Checked on the source (ast): no run-time cost.
Past 600 lines a module holds more than one thing; split it where it divides.
"""
from __future__ import annotations

import ast
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
