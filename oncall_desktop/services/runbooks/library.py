"""The runbook library: bundled content plus the workspace's and team pack's folders.

A folder is accepted or refused *whole*: half a team pack (a tree whose runbook
failed to load) is worse at 3 AM than yesterday's complete one.  All file
reading is in :func:`read_folder`; parsing and checks are the pure core's.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from oncall_desktop.core.runbooks.bundle import Bundle, load_texts
from oncall_desktop.core.runbooks.runbooks import BUNDLED_DIR, MAX_TEXT_CHARS, Runbook
from oncall_desktop.core.runbooks.trees import DecisionTree
from oncall_desktop.core.runbooks.yaml_reader import Problem

CONTENT_SUFFIXES = (".md", ".yaml", ".yml")


def read_folder(folder: Path) -> tuple[dict[str, str], list[Problem]]:
    """Texts of every runbook/tree below ``folder`` (path → text), skipping hidden entries.

    Unreadable files become problems rather than exceptions, so one bad file is
    reported beside the others instead of hiding them.
    """
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return texts, [Problem(str(folder), 1, "not a folder (or it cannot be opened); check the path")]
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not file.is_file():
            continue
        if file.suffix.lower() in CONTENT_SUFFIXES:
            _read_into(file, texts, problems)
    return texts, problems


def _read_into(file: Path, texts: dict[str, str], problems: list[Problem]) -> None:
    try:
        if file.stat().st_size > MAX_TEXT_CHARS * 4:
            problems.append(Problem(str(file), 1, "file is far too large for a runbook; split it up"))
            return
        texts[str(file)] = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(file), 1, f"not UTF-8 text (byte {exc.start}); save it as UTF-8"))
    except OSError as exc:
        problems.append(Problem(str(file), 1, f"cannot read the file: {exc.strerror or exc}"))


@dataclass(frozen=True)
class RefusedFolder:
    """A folder left out of the library, with every reason."""

    folder: str
    problems: tuple[Problem, ...]


@dataclass
class RunbookLibrary:
    """Everything the Runbooks tab, the search index and the walker read from."""

    runbooks: dict[str, Runbook] = field(default_factory=dict)
    trees: dict[str, DecisionTree] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # runbook/tree id → folder it came from
    refused: list[RefusedFolder] = field(default_factory=list)

    def add_folder(self, folder: Path) -> RefusedFolder | None:
        """Validates ``folder`` against what is loaded; later folders override earlier ids."""
        texts, problems = read_folder(folder)
        bundle = load_texts(texts, known_runbook_ids=set(self.runbooks))
        problems.extend(bundle.problems)
        if problems:
            refused = RefusedFolder(str(folder), tuple(sorted(problems)))
            self.refused.append(refused)
            return refused
        self.merge(bundle, str(folder))
        return None

    def merge(self, bundle: Bundle, origin: str) -> None:
        """Take a checked bundle's runbooks and trees, over any of the same id, noting where they came from."""
        for runbook_id, runbook in bundle.runbooks.items():
            self.runbooks[runbook_id] = runbook
            self.origin[runbook_id] = origin
        for tree_id, tree in bundle.trees.items():
            self.trees[tree_id] = tree
            self.origin[tree_id] = origin


def load_library(extra_folders: Iterable[Path] = (), include_bundled: bool = True) -> RunbookLibrary:
    """The bundled content, then each extra folder (workspace, team pack) in order."""
    library = RunbookLibrary()
    folders = ([BUNDLED_DIR] if include_bundled else []) + [Path(f) for f in extra_folders]
    for folder in folders:
        library.add_folder(folder)
    return library


def validate_paths(paths: Sequence[str | Path]) -> list[str]:
    """``PATH:LINE: message`` lines for ``runbooks validate``; empty means every file is fine.

    The given files and folders are checked together, so a tree may open a runbook
    from another given path; bundled runbook ids count as known too.
    """
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            folder_texts, folder_problems = read_folder(path)
            texts.update(folder_texts)
            problems.extend(folder_problems)
        elif path.is_file():
            if path.suffix.lower() not in CONTENT_SUFFIXES:
                problems.append(Problem(str(path), 1, "not a runbook (.md) or decision tree (.yaml/.yml)"))
            else:
                _read_into(path, texts, problems)
        else:
            problems.append(Problem(str(path), 1, "no such file or folder"))
    bundled, _ = read_folder(BUNDLED_DIR)
    bundled_ids = set(load_texts(bundled).runbooks)
    problems.extend(load_texts(texts, known_runbook_ids=bundled_ids).problems)
    return [str(p) for p in sorted(set(problems))]
