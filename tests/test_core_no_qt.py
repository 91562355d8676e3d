"""The core and the services never import Qt (ui > services > core)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import oncall_desktop

PKG = Path(oncall_desktop.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _non_ui_modules() -> list[Path]:
    return [p for p in PKG.rglob("*.py") if "ui" not in p.relative_to(PKG).parts]


def test_core_and_services_do_not_import_qt() -> None:
    offenders = {str(p.relative_to(PKG)): sorted(n for n in _imports(p) if n.split(".")[0] in ("PySide6", "shiboken6"))
                 for p in _non_ui_modules()}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_and_services_do_not_import_ui() -> None:
    offenders = {}
    for p in _non_ui_modules():
        if p.name == "cli.py":
            continue  # the entry point starts the UI (lazily)
        bad = sorted(n for n in _imports(p) if n.startswith("oncall_desktop.ui"))
        if bad:
            offenders[str(p.relative_to(PKG))] = bad
    assert offenders == {}


def test_core_does_not_import_services() -> None:
    core = [*(PKG / "core").rglob("*.py"), PKG / "__init__.py"]
    assert len(core) > 20  # the core was found where it lives
    offenders = {str(p.relative_to(PKG)): sorted(n for n in _imports(p) if n.startswith("oncall_desktop.services"))
                 for p in core}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_core_loads_no_qt() -> None:
    code = ("import sys, oncall_desktop.core.tickets.tickets, oncall_desktop.core.time.clock;"
            "import oncall_desktop.commands.cli;"
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
