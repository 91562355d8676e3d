"""The Runbooks tab: find the right runbook by typing (typos welcome), read it, walk a triage tree.

Markdown renders through ``QTextBrowser.setMarkdown`` with external links and
remote resources disabled (``SafeBrowser``), so a runbook cannot run scripts or
load URLs.  Search runs on the store thread through the controller: each
keystroke first narrows the list instantly by title and tags, then the FTS5
trigram results (typo tolerant, ranked) replace it once typing pauses.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.services.app.now import local_stamp
from oncall_desktop.services.app.view_model import RunbookSummary, TreeSummary
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.runbooks.tree_walker import SafeBrowser, TreeWalker

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import PageView, Snapshot

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_DELAY_MS = 120
TREE_COLOUR = QColor("#1a73e8")


class RunbooksTab(QWidget):
    """Search, viewer, walker, and the lead's editing tools (new, edit, import, export)."""

    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.runbooks: dict[str, RunbookSummary] = {}
        #: runbook bodies fetched on demand (the snapshot carries summaries only), by (id, body_crc)
        self.bodies: dict[tuple[str, int], str] = {}
        self._show_seq = 0
        self.trees: dict[str, TreeSummary] = {}
        self.pages: dict[int, PageView] = {}
        self._search_seq = 0
        self._editors: list[QWidget] = []

        self.search = QLineEdit()
        self.search.setPlaceholderText("Find runbook or triage tree… (Ctrl+F) — typos are fine")
        self.search.setClearButtonEnabled(True)
        self.search.setStyleSheet("QLineEdit { font-size: 15px; padding: 6px; }")
        self.filter = self.search  # the name older tests and scripts use
        self.list = QListWidget()
        self.list.setStyleSheet("QListWidget { font-size: 14px; } QListWidget::item { padding: 5px; }")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view = SafeBrowser()
        self.walker = TreeWalker(self._runbook_body)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.walker)

        self.walk_button = QPushButton("Start &triage")
        self.edit_button = QPushButton("&Edit…")
        self.new_runbook_button = QPushButton("New runbook…")
        self.new_tree_button = QPushButton("New tree…")
        self.import_button = QPushButton("Import folder…")
        self.export_button = QPushButton("Export folder…")
        self.pack_label = QLabel()
        self.pack_label.setStyleSheet("color: #5f6368;")
        self.walk_button.clicked.connect(self._walk_current)
        self.edit_button.clicked.connect(self._edit_current)
        self.new_runbook_button.clicked.connect(lambda: self.open_editor("runbook", None))
        self.new_tree_button.clicked.connect(lambda: self.open_editor("tree", None))
        self.import_button.clicked.connect(self._import)
        self.export_button.clicked.connect(self._export)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.list, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 3)
        split.setSizes([340, 760])
        tools = QHBoxLayout()
        for b in (self.walk_button, self.edit_button, self.new_runbook_button, self.new_tree_button,
                  self.import_button, self.export_button):
            tools.addWidget(b)
        tools.addStretch(1)
        tools.addWidget(self.pack_label)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(tools)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self._open_first)
        self.list.currentItemChanged.connect(self._show)
        self.list.itemActivated.connect(lambda item: self._walk_current())
        self.walker.sig_finished.connect(self._walk_finished)
        self.walker.sig_apply.connect(self._apply)
        self.walker.sig_open_runbook.connect(self.show_runbook)
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_search)
        controller.watch(self, ("pages", "runbooks"), self.update_snapshot)
        if hasattr(controller, "sig_open_triage"):
            controller.sig_open_triage.connect(self.open_triage)
        if hasattr(controller, "sig_find_runbook"):
            controller.sig_find_runbook.connect(self.focus_search)
        self._sync_buttons()

    # --------------------------------------------------------------- snapshot
    def update_snapshot(self, snapshot: Snapshot, _parts: frozenset[str] = frozenset()) -> None:
        self.pages = {p.id: p for p in snapshot.pages}
        library = snapshot.runbooks
        pack = library.team_pack
        if pack.active:
            synced = f" · synced {local_stamp(pack.synced_at)}" if pack.synced_at else ""
            self.pack_label.setText(f"Team pack {pack.name} {pack.version}{synced}")
        elif pack.source:
            self.pack_label.setText("Team pack: not synced yet")
        refused = library.refused
        if refused:
            self.pack_label.setText(self.pack_label.text() + f" · {len(refused)} folder(s) refused")
            self.pack_label.setToolTip("\n".join(p for problems in refused for p in problems[:5]))
        runbooks = {r.id: r for r in library.runbooks}
        trees = {t.id: t for t in library.trees}
        if runbooks == self.runbooks and trees == self.trees:
            return
        self.runbooks, self.trees = runbooks, trees
        self._refresh_bodies()
        if self.search.text().strip():
            self._run_search(quiet=True)
        else:
            self._fill(self._all_entries(), quiet=True)

    def _all_entries(self) -> list[tuple[str, str]]:
        """Every tree, then every runbook by title: the list with no search typed."""
        return [("tree", t) for t in sorted(self.trees)] + [
            ("runbook", r.id) for r in sorted(self.runbooks.values(), key=lambda r: r.title.lower())]

    def _fill(self, entries: list[tuple[str, str]], keep: str | None = None, quiet: bool = False) -> None:
        current = keep or self._current()[1]
        self.list.blockSignals(True)
        self.list.clear()
        for kind, doc_id in entries:
            data: RunbookSummary | TreeSummary | None = (self.trees if kind == "tree" else self.runbooks).get(doc_id)
            if data is None:
                continue
            item = QListWidgetItem(("Triage · " if kind == "tree" else "") + data.title)
            item.setData(Qt.ItemDataRole.UserRole, doc_id)
            item.setData(KIND_ROLE, kind)
            if kind == "tree":
                item.setForeground(QBrush(TREE_COLOUR))
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            if data.origin != "bundled":
                item.setToolTip(f"from the {data.origin}")
            self.list.addItem(item)
        row = next((i for i in range(self.list.count()) if self.list.item(i).data(Qt.ItemDataRole.UserRole) == current),
                   0 if self.list.count() else -1)
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        self._sync_buttons()
        if row >= 0 and not (quiet and self.stack.currentWidget() is self.walker):  # a walk in progress stays
            self._show(self.list.currentItem())

    # ----------------------------------------------------------------- search
    def focus_search(self) -> None:
        """Bring this tab forward with the search box focused (tray: "Find runbook…")."""
        self._raise_self()
        self.search.setFocus()
        self.search.selectAll()

    def _typed(self, text: str) -> None:
        needle = text.casefold().strip()
        for i in range(self.list.count()):  # instant narrowing while the ranked search waits
            item = self.list.item(i)
            doc_id = item.data(Qt.ItemDataRole.UserRole)
            hay = _filter_text(self.trees.get(doc_id) if item.data(KIND_ROLE) == "tree" else self.runbooks.get(doc_id))
            item.setHidden(bool(needle) and needle not in hay)
        self._timer.start()

    def _run_search(self, quiet: bool = False) -> None:
        query = self.search.text().strip()
        self._search_seq += 1
        seq = self._search_seq
        if not query:
            self._fill(self._all_entries(), quiet=quiet)
            return
        words = query.casefold().split()
        trees = [t for t, d in sorted(self.trees.items())
                 if any(w in f"{d.title} {d.id} {d.description}".casefold() for w in words)]

        def done(hits: list[Any]) -> None:
            if seq == self._search_seq:  # a newer keystroke wins
                self._fill([("tree", t) for t in trees] + [("runbook", h.id) for h in hits], quiet=quiet)

        self.controller.query(lambda ws: ws.runbooks.search(query, 25), done, lambda exc: None)

    def _open_first(self) -> None:
        self._timer.stop()
        self._run_search()
        self.list.setFocus()

    # ---------------------------------------------------------------- viewing
    def _current(self) -> tuple[str | None, str | None]:
        item = self.list.currentItem()
        return (item.data(KIND_ROLE), item.data(Qt.ItemDataRole.UserRole)) if item else (None, None)

    def _key(self, runbook_id: str) -> tuple[str, int]:
        return runbook_id, self.runbooks[runbook_id].body_crc

    def _runbook_body(self, runbook_id: str) -> str | None:
        """For the walker's outcome screen: fetched with the tree when the walk started.

        If the library changed since, the new body is being fetched; until it
        arrives the one fetched with the tree stands in.
        """
        if runbook_id not in self.runbooks:
            return None
        body = self.bodies.get(self._key(runbook_id))
        if body is None:
            body = next((b for (rid, _), b in reversed(self.bodies.items()) if rid == runbook_id), None)
        return body

    def _refresh_bodies(self) -> None:
        """After a library change: forget removed runbooks, fetch the changed bodies we had (a walk may need them)."""
        for key in [k for k in self.bodies if k[0] not in self.runbooks]:
            del self.bodies[key]
        changed = sorted({rid for rid, _ in self.bodies} - {rid for rid in self.runbooks if self._key(rid) in self.bodies})
        if changed:
            self.controller.query(lambda ws: _bodies(ws, changed), self._got_bodies, lambda exc: None)

    def _got_bodies(self, bodies: dict[tuple[str, int], str]) -> None:
        self.bodies.update(bodies)

    def _show(self, item: QListWidgetItem | None) -> None:
        self._sync_buttons()
        if item is None:
            return
        doc_id = item.data(Qt.ItemDataRole.UserRole)
        if item.data(KIND_ROLE) == "tree":
            tree = self.trees[doc_id]
            self.stack.setCurrentWidget(self.view)
            self.view.show_markdown(f"# {tree.title}\n\n{tree.description}\n\n"
                                    f"Press **Enter** or **Start triage** to walk it, one question at a time.")
            return
        self.show_runbook(doc_id)

    def show_runbook(self, runbook_id: str) -> None:
        """Show a runbook; its body is read on the store thread the first time it is shown (and after it changed)."""
        if runbook_id not in self.runbooks:
            self.controller.sig_error.emit(f"Runbook '{runbook_id}' is not in the library.")
            return
        self._show_seq += 1
        seq = self._show_seq
        self.stack.setCurrentWidget(self.view)
        key = self._key(runbook_id)
        if key in self.bodies:
            self.view.show_markdown(self.bodies[key])
            return

        def loaded(bodies: dict[tuple[str, int], str]) -> None:
            self.bodies.update(bodies)
            if seq == self._show_seq and self.stack.currentWidget() is self.view:  # nothing newer was opened
                self.view.show_markdown(next(iter(bodies.values()), ""))  # the body as it is now

        self.controller.query(lambda ws: _bodies(ws, [runbook_id]), loaded)

    def _sync_buttons(self) -> None:
        kind, _ = self._current()
        self.walk_button.setEnabled(kind == "tree")
        self.edit_button.setEnabled(kind is not None)

    # ---------------------------------------------------------------- walking
    def _walk_current(self) -> None:
        kind, doc_id = self._current()
        if kind == "tree" and doc_id:
            self.start_tree(doc_id)

    def start_tree(self, tree_id: str, page_id: int | None = None) -> None:
        """Load the tree on the store thread, then walk it here."""
        page = self.pages.get(page_id) if page_id is not None else None
        if page_id is not None and page is None:  # resolved meanwhile: the walk is still recorded on its id
            from oncall_desktop.services.app.view_model import PageView

            page = PageView(id=page_id, ticket="", state="", level=1, person="", severity="?", reason="", created="",
                            client="", title="")

        def loaded(found: tuple[Any, dict[tuple[str, int], str]]) -> None:
            tree, bodies = found
            self.bodies.update(bodies)  # the outcome screen shows its runbook without another round trip
            self.stack.setCurrentWidget(self.walker)
            self.walker.start(tree, page)
            self.walker.setFocus()

        self.controller.query(lambda ws: _tree_and_bodies(ws, tree_id), loaded)

    def open_triage(self, page_id: int, tree_id: str) -> None:
        """From a page's "Open triage": show this tab and walk ``tree_id`` for that page."""
        self._raise_self()
        self.start_tree(tree_id, page_id)

    def _walk_finished(self, result: Any) -> None:
        tree = self.walker.tree
        page_id = self.walker.page.id if self.walker.page else None
        self.controller.query(lambda ws: ws.runbooks.record_walk(tree, result, page_id), lambda _: None)

    def _apply(self, result: Any) -> None:
        from oncall_desktop.services.runbooks.store import apply_outcome

        tree_id = self.walker.tree.id if self.walker.tree else ""
        page_id = self.walker.page.id if self.walker.page else 0
        answers = [s.answer_key for s in result.path]

        def done(applied: dict[str, Any]) -> None:
            parts = ["note queued to " + applied["ticket"] if applied["note_queued"] else "note NOT queued (no outbox)"]
            if applied.get("severity"):
                parts.append(f"severity set to {applied['severity']}")
            self.walker.mark_applied("✓ " + ", ".join(parts))

        self.controller.act(lambda ws: apply_outcome(ws, page_id, tree_id, answers, ws.me, record_walk=False), done)

    # ---------------------------------------------------------------- editing
    def _edit_current(self) -> None:
        kind, doc_id = self._current()
        if kind:
            self.open_editor(kind, doc_id)

    def open_editor(self, kind: str, doc_id: str | None) -> QWidget:
        """A separate window, so the tech lead can read the runbook while editing it."""
        from oncall_desktop.ui.runbooks.runbook_editor import RunbookEditor
        from oncall_desktop.ui.runbooks.tree_editor import TreeEditor

        editor: QWidget = (RunbookEditor if kind == "runbook" else TreeEditor)(self.controller, doc_id)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.destroyed.connect(lambda _=None, e=editor: self._editors.remove(e) if e in self._editors else None)
        self._editors.append(editor)
        editor.show()
        return editor

    def _import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import runbooks and trees from a folder")
        if folder:
            self.import_folder(folder)

    def import_folder(self, folder: str) -> None:
        def done(saved: list[Any]) -> None:
            QMessageBox.information(self, "Imported", f"Imported {len(saved)} runbook(s) and tree(s) from {folder}.")

        self.controller.act(lambda ws: ws.runbooks.import_folder(folder, ws.me), done, self._refused)

    def _refused(self, exc: BaseException) -> None:
        QMessageBox.warning(self, "Folder refused", str(exc))

    def _export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export the workspace's runbooks and trees to a folder")
        if folder:
            def exported(written: list[Any]) -> None:
                QMessageBox.information(self, "Exported", f"Wrote {len(written)} file(s) to {folder}.")

            self.controller.query(lambda ws: ws.runbooks.export_folder(folder), exported)

    # ------------------------------------------------------------------ misc
    def _raise_self(self) -> None:
        widget: QWidget | None = self.parentWidget()
        while widget is not None and not isinstance(widget, QTabWidget):
            widget = widget.parentWidget()
        if widget is not None:
            widget.setCurrentWidget(self)
        window = self.window()
        if hasattr(window, "show_and_raise") and window is not self:
            window.show_and_raise()


def _filter_text(data: RunbookSummary | TreeSummary | None) -> str:
    """What typing narrows the list by, before the ranked search answers: title, id and a runbook's tags."""
    if data is None:
        return ""
    tags = data.tags if isinstance(data, RunbookSummary) else ()
    return " ".join([data.title, data.id, *tags]).casefold()


def _bodies(ws: Any, runbook_ids: list[str]) -> dict[tuple[str, int], str]:
    """(id, body_crc) → body for those runbooks still in the library (store thread); crc as in the snapshot."""
    from zlib import crc32

    library = ws.runbooks.library().runbooks
    if len(runbook_ids) == 1 and runbook_ids[0] not in library:
        ws.runbooks.runbook(runbook_ids[0])  # raises, saying which runbook is missing
    return {(rid, crc32(library[rid].body.encode())): library[rid].body for rid in runbook_ids if rid in library}


def _tree_and_bodies(ws: Any, tree_id: str) -> tuple[Any, dict[tuple[str, int], str]]:
    """A tree and the bodies of the runbooks its outcomes open (store thread)."""
    tree = ws.runbooks.tree(tree_id)
    return tree, _bodies(ws, sorted({o.runbook for o in tree.outcomes.values() if o.runbook}))
