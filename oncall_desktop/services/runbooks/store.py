"""The workspace's own runbooks and trees, with history, layered over the bundled set and the team pack.

Why versions and not files: a tech lead who broke a tree at 23:00 must be able
to see what changed and put yesterday's text back in one click, and an edit
must never be half-saved.  Every save is a new row (``runbook_versions`` is
append-only); a revert saves the old text again, so history is never rewritten.

The library the app reads is three layers — bundled, team pack, workspace —
each validated *as a whole* against the ones below it: a layer with even one
problem is left out with its reasons (``library().refused``), never half-used.
The search index is rebuilt lazily on whichever thread asks (the store thread in
the app), never the GUI thread.
"""
from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.runbooks.bundle import load_texts
from oncall_desktop.core.runbooks.runbooks import Runbook
from oncall_desktop.core.runbooks.trees import DecisionTree, WalkResult, walk
from oncall_desktop.core.runbooks.yaml_reader import Problem
from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.runbooks.library import RefusedFolder, RunbookLibrary, load_library, read_folder
from oncall_desktop.services.runbooks.search import Hit, RunbookIndex

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace
    from oncall_desktop.services.storage.store import Store

KINDS = ("runbook", "tree")
SUFFIX = {"runbook": ".md", "tree": ".yaml"}
WORKSPACE_LAYER = "workspace"
PACK_LAYER = "team pack"
BUNDLED_LAYER = "bundled"
_ID_LINE = re.compile(r"^id:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


class RunbookStoreError(ValueError):
    """A save, revert or import that was refused; ``problems`` says what to fix, line by line."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        self.problems = list(problems)
        detail = "".join(f"\n  {p}" for p in self.problems[:20])
        more = f"\n  … and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(message + detail + more)


@dataclass(frozen=True)
class Version:
    """One saved text of one workspace runbook or tree."""

    kind: str
    doc_id: str
    version: int
    text: str
    saved_at: str
    saved_by: str = ""
    note: str = ""

    def to_dict(self, with_text: bool = False) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "id": self.doc_id, "version": self.version,
                                  "saved_at": self.saved_at, "saved_by": self.saved_by, "note": self.note}
        if with_text:
            out["text"] = self.text
        return out


def doc_id_of(text: str) -> str | None:
    """The ``id:`` a text declares (top-level line), before any full parse; None if there is none."""
    match = _ID_LINE.search(text)
    return match.group(1) if match else None


_BUNDLED: RunbookLibrary | None = None
_BUNDLED_LOCK = threading.Lock()


def bundled_library() -> RunbookLibrary:
    """The bundled content, read from disk once per process (it cannot change while running)."""
    global _BUNDLED
    with _BUNDLED_LOCK:
        if _BUNDLED is None:
            _BUNDLED = load_library()
        return _BUNDLED


def add_layer(library: RunbookLibrary, label: str, texts: Mapping[str, str]) -> RefusedFolder | None:
    """Adds a set of texts on top of ``library`` — all of it, or none of it (then returns why)."""
    if not texts:
        return None
    bundle = load_texts(texts, known_runbook_ids=set(library.runbooks))
    if bundle.problems:
        refused = RefusedFolder(label, tuple(bundle.problems))
        library.refused.append(refused)
        return refused
    library.merge(bundle, label)
    return None


def layered_library(pack_texts: Mapping[str, str], workspace_texts: Mapping[str, str]) -> RunbookLibrary:
    """Bundled, then the team pack, then the workspace; later layers override ids."""
    base = bundled_library()
    library = RunbookLibrary(dict(base.runbooks), dict(base.trees),
                             {key: BUNDLED_LAYER for key in (*base.runbooks, *base.trees)}, list(base.refused))
    add_layer(library, PACK_LAYER, pack_texts)
    add_layer(library, WORKSPACE_LAYER, workspace_texts)
    return library


class RunbookStore:
    """Reads and writes one workspace's runbooks; every write lands in the event log."""

    def __init__(self, store: Store, pack_texts: Callable[[], Mapping[str, str]] | None = None) -> None:
        self.store = store
        self._pack_texts = pack_texts or (lambda: {})
        self._lock = threading.RLock()
        self._generation: tuple[Any, ...] | None = None
        self._library: RunbookLibrary | None = None
        self._index: RunbookIndex | None = None
        self._index_generation: tuple[Any, ...] | None = None

    # ------------------------------------------------------------------ reading
    def _current_generation(self) -> tuple[Any, ...]:
        conn = self.store.db.conn
        versions = conn.execute("SELECT COUNT(*), MAX(id) FROM runbook_versions").fetchone()
        pack = conn.execute("SELECT version, etag, synced_at FROM team_pack WHERE slot = 1").fetchone()
        return (tuple(versions), tuple(pack) if pack else None)

    def library(self) -> RunbookLibrary:
        """The layered library, rebuilt only when a save or a pack sync changed something."""
        with self._lock:
            generation = self._current_generation()
            if self._library is None or generation != self._generation:
                self._library = layered_library(self._pack_texts(), self.workspace_texts())
                self._generation = generation
            return self._library

    def workspace_texts(self) -> dict[str, str]:
        """Current text of every workspace document, by the path problems are reported under."""
        rows = self.store.db.conn.execute(
            "SELECT v.kind, v.doc_id, v.text FROM runbook_versions v "
            "JOIN (SELECT kind, doc_id, MAX(version) AS version FROM runbook_versions GROUP BY kind, doc_id) m "
            "ON m.kind = v.kind AND m.doc_id = v.doc_id AND m.version = v.version ORDER BY v.kind, v.doc_id")
        return {_virtual_path(kind, doc_id): text for kind, doc_id, text in rows}

    def runbook(self, runbook_id: str) -> Runbook:
        runbook = self.library().runbooks.get(runbook_id)
        if runbook is None:
            raise RunbookStoreError(f"there is no runbook '{runbook_id}'{_hint(runbook_id, self.library().runbooks)}")
        return runbook

    def tree(self, tree_id: str) -> DecisionTree:
        tree = self.library().trees.get(tree_id)
        if tree is None:
            raise RunbookStoreError(f"there is no decision tree '{tree_id}'{_hint(tree_id, self.library().trees)}")
        return tree

    def summaries(self) -> dict[str, list[dict[str, Any]]]:
        """What the Runbooks tab lists: runbooks (with body, for the viewer) and trees."""
        library = self.library()
        runbooks = [{"id": r.id, "title": r.title, "tags": list(r.tags), "severity": r.severity, "body": r.body,
                     "version": r.version, "owner": r.owner, "reviewed_on": r.reviewed_on.isoformat(),
                     "origin": library.origin.get(r.id, BUNDLED_LAYER)}
                    for r in sorted(library.runbooks.values(), key=lambda r: r.title.casefold())]
        trees = [{"id": t.id, "title": t.title, "description": t.description, "start": t.start,
                  "origin": library.origin.get(t.id, BUNDLED_LAYER)}
                 for t in sorted(library.trees.values(), key=lambda t: t.title.casefold())]
        refused = [{"layer": r.folder, "problems": [str(p) for p in r.problems]} for r in library.refused]
        return {"runbooks": runbooks, "trees": trees, "refused": refused}

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """Typo-tolerant search over every runbook in the library, best first."""
        with self._lock:
            library = self.library()
            if self._index is None or self._index_generation != self._generation:
                if self._index is not None:
                    self._index.close()
                self._index = RunbookIndex.build(library.runbooks.values())
                self._index_generation = self._generation
            index = self._index
        return index.search(query, limit)

    def text_of(self, kind: str, doc_id: str) -> str:
        """The source text to edit: the workspace's current version, else the pack's or bundled file."""
        _check_kind(kind)
        rows = self.history(kind, doc_id)
        if rows:
            return rows[0].text
        library = self.library()
        found: Runbook | DecisionTree | None = (library.runbooks if kind == "runbook" else library.trees).get(doc_id)
        if found is None:
            raise RunbookStoreError(f"there is no {kind} '{doc_id}' to edit")
        pack = self._pack_texts()
        if found.path in pack:
            return pack[found.path]
        return Path(found.path).read_text(encoding="utf-8")

    # ---------------------------------------------------------------- validating
    def validate(self, kind: str, text: str) -> list[Problem]:
        """Problems that would block saving ``text``; empty means it can be saved."""
        _check_kind(kind)
        path = _virtual_path(kind, doc_id_of(text) or "new")
        texts = self.workspace_texts()
        texts[path] = text
        with self._lock:
            library = self.library()
            known = {rid for rid, layer in library.origin.items()
                     if layer != WORKSPACE_LAYER and rid in library.runbooks}
        bundle = load_texts(texts, known_runbook_ids=known)
        problems = [p for p in bundle.problems if p.path == path]
        if not problems and kind == "runbook" and not bundle.runbooks:
            problems.append(Problem(path, 1, "this is not a runbook (Markdown with front matter)"))
        if not problems and kind == "tree" and not bundle.trees:
            problems.append(Problem(path, 1, "this is not a decision tree (YAML with nodes and outcomes)"))
        return problems

    # ------------------------------------------------------------------ writing
    def save(self, kind: str, text: str, by: str = "", note: str = "") -> Version:
        """A new version of a workspace document; refused whole (with every problem) if invalid.

        Saving the text the document already has adds no version and returns the current one.
        """
        problems = self.validate(kind, text)
        doc_id = doc_id_of(text) or "new"
        if problems:
            raise RunbookStoreError(f"{kind} '{doc_id}' was not saved: fix these first", problems)
        with self._lock, self.store.transaction():
            return self._append(kind, doc_id, text, by, note)

    def _append(self, kind: str, doc_id: str, text: str, by: str, note: str) -> Version:
        history = self.history(kind, doc_id, limit=1)
        if history and history[0].text == text:
            return history[0]
        number = history[0].version + 1 if history else 1
        now = iso(self.store.clock.now())
        self.store.db.conn.execute(
            "INSERT INTO runbook_versions (kind, doc_id, version, text, saved_at, saved_by, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (kind, doc_id, number, text, now, by, note))
        self.store.log(f"{kind}.saved", doc_id, {"version": number, "by": by, "note": note})
        return Version(kind, doc_id, number, text, now, by, note)

    def history(self, kind: str, doc_id: str, limit: int | None = None) -> list[Version]:
        """Saved versions, newest first (empty for a document only bundled or in the pack)."""
        _check_kind(kind)
        sql = ("SELECT version, text, saved_at, saved_by, note FROM runbook_versions "
               "WHERE kind = ? AND doc_id = ? ORDER BY version DESC")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [Version(kind, doc_id, r[0], r[1], r[2], r[3], r[4])
                for r in self.store.db.conn.execute(sql, (kind, doc_id))]

    def version(self, kind: str, doc_id: str, number: int) -> Version:
        for v in self.history(kind, doc_id):
            if v.version == number:
                return v
        raise RunbookStoreError(f"{kind} '{doc_id}' has no version {number}; see its history for the ones it has")

    def diff(self, kind: str, doc_id: str, old: int, new: int | None = None) -> str:
        """A unified diff from version ``old`` to ``new`` (default: the current one)."""
        a = self.version(kind, doc_id, old)
        b = self.version(kind, doc_id, new) if new is not None else self.history(kind, doc_id, limit=1)[0]
        return "".join(difflib.unified_diff(
            a.text.splitlines(keepends=True), b.text.splitlines(keepends=True),
            fromfile=f"{doc_id} v{a.version}", tofile=f"{doc_id} v{b.version}"))

    def revert(self, kind: str, doc_id: str, number: int, by: str = "") -> Version:
        """Saves version ``number``'s text as a new version (checked again: the library may have moved on)."""
        old = self.version(kind, doc_id, number)
        saved = self.save(kind, old.text, by, note=f"revert to version {number}")
        self.store.log(f"{kind}.reverted", doc_id, {"to": number, "as": saved.version, "by": by})
        return saved

    # ------------------------------------------------------------ import/export
    def import_folder(self, folder: Path | str, by: str = "") -> list[Version]:
        """Every runbook and tree in ``folder``, or nothing: one problem refuses the whole folder."""
        folder = Path(folder)
        texts, problems = read_folder(folder)
        with self._lock:
            library = self.library()
            known = set(library.runbooks)
        bundle = load_texts(texts, known_runbook_ids=known)
        problems = sorted(set(problems) | set(bundle.problems))
        if not problems and not texts:
            problems = [Problem(str(folder), 1, "no runbooks (.md) or trees (.yaml) in this folder")]
        if problems:
            self.store.log("runbooks.import_refused", str(folder), {"problems": len(problems)})
            raise RunbookStoreError(f"folder {folder} was refused: {len(problems)} problem(s); "
                                    f"nothing was imported, the current runbooks stay as they are", problems)
        saved: list[Version] = []
        by_id = {r.path: ("runbook", r.id) for r in bundle.runbooks.values()}
        by_id.update({t.path: ("tree", t.id) for t in bundle.trees.values()})
        with self._lock, self.store.transaction():
            for path in sorted(by_id):
                kind, doc_id = by_id[path]
                saved.append(self._append(kind, doc_id, texts[path], by, note=f"imported from {folder}"))
            self.store.log("runbooks.imported", str(folder), {"documents": len(saved), "by": by})
        return saved

    def export_folder(self, folder: Path | str) -> list[Path]:
        """Writes the workspace's documents as ``<id>.md`` / ``<id>.yaml`` (ready for a team pack)."""
        from oncall_desktop.services.storage.paths import private_dir, write_private

        folder = private_dir(folder)
        written = []
        for path, text in self.workspace_texts().items():
            target = folder / Path(path).name
            write_private(target, text)
            written.append(target)
        self.store.log("runbooks.exported", str(folder), {"documents": len(written)})
        return written

    # ------------------------------------------------------------------ walking
    def walk(self, tree_id: str, answers: Sequence[str], page_id: int | None = None) -> WalkResult:
        """Follows ``answers`` through a tree and records the walk in the event log."""
        tree = self.tree(tree_id)
        result = walk(tree, answers)
        self.record_walk(tree, result, page_id)
        return result

    def record_walk(self, tree: DecisionTree, result: WalkResult, page_id: int | None = None) -> None:
        outcome = result.outcome
        self.store.log("tree.walked", tree.id, {
            "answers": [s.answer_key for s in result.path], "page": page_id,
            "outcome": outcome.id if outcome else None, "severity": outcome.severity if outcome else None,
            "paged": outcome.page if outcome else None, "runbook": outcome.runbook if outcome else None,
        })


def apply_outcome(ws: Workspace, page_id: int, tree_id: str, answers: Sequence[str], by: str = "",
                  record_walk: bool = True) -> dict[str, Any]:
    """A walk opened from a page: record it, queue its note to the ticket, set the page's severity.

    The outbox key is derived from page, tree and answers, so pressing Apply
    twice (or after a crash) never queues the same note twice.  The walker has
    already recorded its walk when it reached the outcome (``record_walk=False``).
    """
    result = ws.runbooks.walk(tree_id, answers, page_id) if record_walk else walk(ws.runbooks.tree(tree_id), answers)
    if result.outcome is None:
        raise RunbookStoreError(f"the walk through '{tree_id}' has not reached an outcome yet; answer "
                                f"'{result.pending.question if result.pending else '?'}' first")
    page = ws.pages.get(page_id)
    keys = ",".join(s.answer_key for s in result.path)
    key = f"triage:{page_id}:{tree_id}:{keys}"
    done: dict[str, Any] = {"page": page_id, "ticket": page.ticket_id, "note": result.note, "key": key,
                            "note_queued": False, "severity": None, "runbook": result.outcome.runbook}
    if result.note:
        ws.outbox.enqueue_note(page.ticket_id, result.note, key)
        done["note_queued"] = True
    severity = result.outcome.severity
    if severity and severity != page.severity:
        ws.pages.set_severity(page_id, severity, by)
        done["severity"] = severity
    ws.store.log("tree.applied", page.ticket_id, {**done, "tree": tree_id, "by": by})
    return done


def _virtual_path(kind: str, doc_id: str) -> str:
    return f"{WORKSPACE_LAYER}/{doc_id}{SUFFIX[kind]}"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise RunbookStoreError(f"unknown kind '{kind}'; use 'runbook' or 'tree'")


def _hint(wanted: str, known: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(wanted, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
