"""The tree editor: questions and where each answer leads, picked from a list — plus the raw YAML.

Why a dropdown for targets: the most common broken tree is an answer pointing
at a node id with a typo.  Choosing the target from the nodes and outcomes that
exist makes that mistake impossible in the structured view; the YAML view stays
for everything else (outcomes, comments), and both edit the same text.

The structured view reads YAML with ``BaseLoader`` (every value a string, so
``no`` stays the word no) and writes it back with ``safe_dump``; comments are
kept only while editing in the YAML view.
"""
from __future__ import annotations

from typing import Any

import yaml
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.core.runbooks.runbooks import MAX_TEXT_CHARS
from oncall_desktop.ui.runbooks.runbook_editor import DocumentEditor, monospace

NEW_TREE = """id: new-tree
title: What this tree decides
version: 1
description: When to open it.
nodes:
  - id: first
    question: The first thing to ask?
    answers:
      - key: "yes"
        label: "Yes"
        outcome: page-now
      - key: "no"
        label: "No"
        outcome: next-business-day
outcomes:
  - id: page-now
    title: Page now
    severity: P1
    page: yes
    note: "Triage: {answers}. Paged."
  - id: next-business-day
    title: Next business day — no page
    severity: P4
    page: no
    note: "Triage: {answers}. Not paged."
"""


def read_model(text: str) -> dict[str, Any] | None:
    """The tree as plain dicts/lists of strings, or None when the YAML is not a tree-shaped mapping."""
    if len(text) > MAX_TEXT_CHARS:
        return None
    try:
        model = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 — BaseLoader builds only str/list/dict
    except yaml.YAMLError:
        return None
    if not isinstance(model, dict) or not isinstance(model.get("nodes", []), list):
        return None
    if not all(isinstance(n, dict) and isinstance(n.get("answers", []), list) for n in model.get("nodes", [])):
        return None
    if not isinstance(model.get("outcomes", []), list):
        return None
    return model


def write_model(model: dict[str, Any]) -> str:
    return yaml.safe_dump(model, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


class TreeEditor(DocumentEditor):
    """Node list, the selected question's answers with target dropdowns, and a YAML tab."""

    kind = "tree"
    template = NEW_TREE

    def build_editing_area(self) -> QWidget:
        self.model: dict[str, Any] | None = None
        self._updating = False
        self.tabs = QTabWidget()
        structure = QWidget()
        self.nodes = QListWidget()
        self.add_node_button = QPushButton("Add question")
        self.remove_node_button = QPushButton("Remove question")
        self.node_id = QLineEdit()
        self.question = QLineEdit()
        self.help = QLineEdit()
        self.answers = QTableWidget(0, 3)
        self.answers.setHorizontalHeaderLabels(["Key", "Button label", "Goes to"])
        header = self.answers.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.answers.setColumnWidth(0, 100)
        self.answers.setColumnWidth(2, 230)
        self.answers.setWordWrap(True)
        self.nodes.setMinimumWidth(240)
        self.add_answer_button = QPushButton("Add answer")
        self.remove_answer_button = QPushButton("Remove answer")
        self.structure_note = QLabel("Outcomes (severity, page, runbook, note) are edited in the YAML tab.")
        self.structure_note.setWordWrap(True)
        self.structure_note.setStyleSheet("color: #5f6368;")

        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Questions</b>"))
        left.addWidget(self.nodes, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_node_button)
        row.addWidget(self.remove_node_button)
        left.addLayout(row)
        form = QFormLayout()
        form.addRow("Id", self.node_id)
        form.addRow("Question", self.question)
        form.addRow("Help", self.help)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(QLabel("<b>Answers</b> (the walker's keys 1–9, in this order)"))
        right.addWidget(self.answers, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_answer_button)
        row.addWidget(self.remove_answer_button)
        row.addStretch(1)
        right.addLayout(row)
        right.addWidget(self.structure_note)
        outer = QHBoxLayout(structure)
        outer.addLayout(left, 2)
        outer.addLayout(right, 5)

        self.yaml = QPlainTextEdit()
        self.yaml.setFont(monospace())
        self.tabs.addTab(structure, "Structure")
        self.tabs.addTab(self.yaml, "YAML")

        self.yaml.textChanged.connect(self._yaml_edited)
        self.nodes.currentRowChanged.connect(self._node_selected)
        for field in (self.node_id, self.question, self.help):
            field.editingFinished.connect(self._node_fields_edited)
        self.answers.cellChanged.connect(lambda *_: self._answers_edited())
        self.add_node_button.clicked.connect(self.add_node)
        self.remove_node_button.clicked.connect(self.remove_node)
        self.add_answer_button.clicked.connect(self.add_answer)
        self.remove_answer_button.clicked.connect(self.remove_answer)
        return self.tabs

    # --------------------------------------------------------------- text side
    def text(self) -> str:
        return self.yaml.toPlainText()

    def set_text(self, text: str) -> None:
        self.yaml.setPlainText(text)

    def goto_line(self, line: int) -> None:
        self.tabs.setCurrentWidget(self.yaml)
        self.yaml.setTextCursor(QTextCursor(self.yaml.document().findBlockByLineNumber(max(0, line - 1))))
        self.yaml.setFocus()

    def _yaml_edited(self) -> None:
        if not self._updating:
            self.model = read_model(self.yaml.toPlainText())
            self._draw_structure()
        self.changed()

    def _commit_model(self) -> None:
        """Structured edit → YAML text (which drives validation and saving)."""
        assert self.model is not None
        self._updating = True
        try:
            self.yaml.setPlainText(write_model(self.model))
        finally:
            self._updating = False

    # ---------------------------------------------------------- structure side
    def _node_list(self) -> list[dict[str, Any]]:
        return self.model.setdefault("nodes", []) if self.model is not None else []

    def _draw_structure(self, select: int | None = None) -> None:
        usable = self.model is not None
        structure = self.tabs.widget(0)
        if structure is not None:
            structure.setEnabled(usable)
        self.tabs.setTabText(0, "Structure" if usable else "Structure (fix the YAML first)")
        row = self.nodes.currentRow() if select is None else select
        self.nodes.blockSignals(True)
        self.nodes.clear()
        for node in self._node_list():
            self.nodes.addItem(f"{node.get('id', '?')} — {node.get('question', '')}")
        self.nodes.blockSignals(False)
        if self.nodes.count():
            self.nodes.setCurrentRow(min(max(row, 0), self.nodes.count() - 1))
        self._node_selected(self.nodes.currentRow())

    def _current_node(self) -> dict[str, Any] | None:
        nodes = self._node_list()
        row = self.nodes.currentRow()
        return nodes[row] if 0 <= row < len(nodes) else None

    def targets(self) -> list[tuple[str, str, str]]:
        """(label, kind, id) for every place an answer can lead: other questions, then named outcomes."""
        out = [(f"→ question: {n.get('id', '')}", "next", str(n.get("id", ""))) for n in self._node_list()]
        if self.model is not None:
            out += [(f"■ outcome: {o.get('title', '')} ({o.get('id', '')})", "outcome", str(o.get("id", "")))
                    for o in self.model.get("outcomes", []) if isinstance(o, dict)]
        return out

    def _node_selected(self, row: int) -> None:
        node = self._current_node()
        self._updating = True
        try:
            for field, key in ((self.node_id, "id"), (self.question, "question"), (self.help, "help")):
                field.setText(str(node.get(key, "")) if node else "")
                field.setEnabled(node is not None)
            answers = node.get("answers", []) if node else []
            for row in range(self.answers.rowCount()):  # old dropdowns vanish now, not at the next idle
                old = self.answers.cellWidget(row, 2)
                if old is not None:
                    old.hide()
            self.answers.setRowCount(0)
            self.answers.setRowCount(len(answers))
            targets = self.targets()
            for index, answer in enumerate(answers):
                answer = answer if isinstance(answer, dict) else {}
                for col, key in ((0, "key"), (1, "label")):
                    self.answers.setItem(index, col, QTableWidgetItem(str(answer.get(key, ""))))
                combo = QComboBox()
                for label, kind, target in targets:
                    combo.addItem(label, f"{kind}:{target}")
                if isinstance(answer.get("outcome"), dict):
                    combo.addItem(f"■ outcome written here: {answer['outcome'].get('title', '')}", "inline:")
                    combo.setCurrentIndex(combo.count() - 1)
                else:
                    kind = "next" if "next" in answer else "outcome"
                    target = str(answer.get(kind, ""))
                    found = combo.findData(f"{kind}:{target}")
                    if found < 0:  # a dangling target stays visible (the problem list says why)
                        combo.addItem(f"⚠ missing: {target}", f"{kind}:{target}")
                        found = combo.count() - 1
                    combo.setCurrentIndex(found)
                combo.currentIndexChanged.connect(lambda _=0, r=index: self._target_chosen(r))
                self.answers.setCellWidget(index, 2, combo)
            self.answers.resizeRowsToContents()
        finally:
            self._updating = False

    def _node_fields_edited(self) -> None:
        node = self._current_node()
        if node is None or self._updating:
            return
        old_id = node.get("id")
        new_id = self.node_id.text().strip()
        node["id"], node["question"] = new_id, self.question.text().strip()
        if self.help.text().strip():
            node["help"] = self.help.text().strip()
        else:
            node.pop("help", None)
        if old_id != new_id:  # answers that led to the old id follow the rename
            for other in self._node_list():
                for answer in other.get("answers", []):
                    if isinstance(answer, dict) and answer.get("next") == old_id:
                        answer["next"] = new_id
            if self.model is not None and self.model.get("start") == old_id:
                self.model["start"] = new_id
            self._rename_placeholders(f"{{{old_id}}}", f"{{{new_id}}}")
        self._commit_model()
        self._draw_structure()

    def _rename_placeholders(self, old: str, new: str) -> None:
        """Note templates that quoted the renamed question's answer keep quoting it."""
        if self.model is None:
            return
        outcomes = [o for o in self.model.get("outcomes", []) if isinstance(o, dict)]
        outcomes += [a["outcome"] for n in self._node_list() for a in n.get("answers", [])
                     if isinstance(a, dict) and isinstance(a.get("outcome"), dict)]
        for outcome in outcomes:
            if isinstance(outcome.get("note"), str):
                outcome["note"] = outcome["note"].replace(old, new)

    def _answers_edited(self) -> None:
        node = self._current_node()
        if node is None or self._updating:
            return
        for row, answer in enumerate(node.get("answers", [])):
            for col, key in ((0, "key"), (1, "label")):
                item = self.answers.item(row, col)
                if item is not None and isinstance(answer, dict):
                    answer[key] = item.text()
        self._commit_model()

    def _target_chosen(self, row: int) -> None:
        node = self._current_node()
        combo = self.answers.cellWidget(row, 2)
        if node is None or self._updating or not isinstance(combo, QComboBox):
            return
        kind, target = str(combo.currentData()).split(":", 1)
        answer = node["answers"][row]
        if kind == "inline":
            return
        answer.pop("next", None)
        answer.pop("outcome", None)
        answer[kind] = target
        self._commit_model()

    def add_node(self) -> None:
        if self.model is None:
            return
        ids = {n.get("id") for n in self._node_list()}
        number = len(ids) + 1
        while f"question-{number}" in ids:
            number += 1
        outcomes = [o.get("id") for o in self.model.get("outcomes", []) if isinstance(o, dict)]
        answer: dict[str, Any] = {"key": "yes", "label": "Yes"}
        answer["outcome" if outcomes else "next"] = outcomes[0] if outcomes else ""
        self._node_list().append({"id": f"question-{number}", "question": "New question?", "answers": [answer]})
        self._commit_model()
        self._draw_structure(select=len(self._node_list()) - 1)

    def remove_node(self) -> None:
        row = self.nodes.currentRow()
        if self.model is not None and 0 <= row < len(self._node_list()):
            del self._node_list()[row]
            self._commit_model()
            self._draw_structure(select=max(0, row - 1))

    def add_answer(self) -> None:
        node = self._current_node()
        targets = self.targets()
        if node is None or not targets:
            return
        answers = node.setdefault("answers", [])
        keys = {a.get("key") for a in answers if isinstance(a, dict)}
        number = len(answers) + 1
        while f"answer-{number}" in keys:
            number += 1
        _, kind, target = targets[-1]
        answers.append({"key": f"answer-{number}", "label": "New answer", kind: target})
        self._commit_model()
        self._node_selected(self.nodes.currentRow())

    def remove_answer(self) -> None:
        node = self._current_node()
        row = self.answers.currentRow()
        if node is not None and 0 <= row < len(node.get("answers", [])):
            del node["answers"][row]
            self._commit_model()
            self._node_selected(self.nodes.currentRow())
