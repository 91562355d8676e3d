"""How modules import each other: from the module that defines a name, never through a re-export.

Why: a re-export hides where a name lives, so moving or splitting a module
breaks callers far away, and the tree stops reading as the architecture.
Checked on the source (ast), so it costs nothing at run time.
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


def test_names_are_imported_from_the_module_that_defines_them() -> None:
    through = []
    for path in _sources():
        for node in _imports_from_our_modules(path):
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES or alias.name in _defined(node.module):
                    continue
                through.append(f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} from {node.module}")
    assert through == []
