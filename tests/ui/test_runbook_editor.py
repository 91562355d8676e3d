"""The lead's editors: live preview, validation blocking Save, history with diff and revert, tree targets."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.runbooks.runbook_editor import RunbookEditor, diff_html
from oncall_desktop.ui.runbooks.tree_editor import TreeEditor, read_model
from oncall_desktop.ui.tasks import TaskRunner


@pytest.fixture
def controller(qtbot, workspace_dir, fake_clock):
    Workspace(workspace_dir, fake_clock).close()
    ctl = AppController(workspace_dir, runner=TaskRunner(synchronous=True), clock=fake_clock)
    ctl.start()
    yield ctl
    ctl.shutdown()


def _settle(qtbot, editor) -> None:
    qtbot.waitUntil(lambda: editor.status.text() != "Checking…", timeout=2000)


def test_new_runbook_previews_live_and_saves_a_version(qtbot, controller) -> None:
    editor = RunbookEditor(controller, None)
    qtbot.addWidget(editor)
    editor.show()
    text = editor.text().replace("id: new-runbook", "id: printer-jam").replace("# Title", "# Printer jammed")
    editor.source.setPlainText(text)
    assert "Printer jammed" in editor.preview.toPlainText()
    assert "id: printer-jam" not in editor.preview.toPlainText()  # front matter is not shown
    _settle(qtbot, editor)
    assert editor.save_button.isEnabled() and editor.problem_list.count() == 0
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.status.text() == "Saved as version 1"
    assert controller.ws.runbooks.runbook("printer-jam").title.startswith("What is broken")
    assert editor.history.list.count() == 1 and not editor.save_button.isEnabled()
    assert any(r.id == "printer-jam" for r in controller.snapshot.runbooks.runbooks)


def test_problems_block_saving_and_jump_to_their_line(qtbot, controller) -> None:
    editor = RunbookEditor(controller, None)
    qtbot.addWidget(editor)
    editor.source.setPlainText(editor.text().replace("severity: P3", "severity: urgent"))
    _settle(qtbot, editor)
    assert not editor.save_button.isEnabled()
    assert editor.problem_list.count() == 1
    assert editor.problem_list.item(0).text().startswith("line 5: ")
    assert "problem(s) — fix them to save" in editor.status.text()
    editor.problem_list.itemActivated.emit(editor.problem_list.item(0))
    assert editor.source.textCursor().blockNumber() == 4
    editor.save()  # Ctrl+S while invalid does nothing
    assert controller.ws.runbooks.history("runbook", "new-runbook") == []


def test_history_diff_and_revert(qtbot, controller) -> None:
    ws = controller.ws
    original = ws.runbooks.text_of("runbook", "dns-failure")
    ws.runbooks.save("runbook", original)
    ws.runbooks.save("runbook", original.replace("version: 1", "version: 2", 1) + "\nExtra line from v2.\n")
    editor = RunbookEditor(controller, "dns-failure")
    qtbot.addWidget(editor)
    assert editor.history.list.count() == 2 and "Extra line from v2." in editor.text()
    editor.history.list.setCurrentRow(1)  # v1
    assert "+Extra line from v2." in editor.history.diff.toPlainText()
    assert editor.history.revert_button.isEnabled()
    qtbot.mouseClick(editor.history.revert_button, Qt.MouseButton.LeftButton)
    assert [v.version for v in ws.runbooks.history("runbook", "dns-failure")] == [3, 2, 1]
    assert "Extra line from v2." not in editor.text()
    assert editor.history.list.count() == 3 and editor.history.list.item(0).text().endswith("revert to version 1")


def test_bundled_runbook_opens_with_a_note_that_saving_makes_a_copy(qtbot, controller) -> None:
    editor = RunbookEditor(controller, "vpn-down")
    qtbot.addWidget(editor)
    assert "saving makes the workspace's own version" in editor.heading.text()
    assert editor.history.list.count() == 0 and "# VPN down" in editor.text()


def test_tree_editor_targets_come_from_a_dropdown_and_rewrite_the_yaml(qtbot, controller) -> None:
    editor = TreeEditor(controller, None)
    qtbot.addWidget(editor)
    editor.show()
    assert editor.nodes.count() == 1 and editor.answers.rowCount() == 2
    combo = editor.answers.cellWidget(0, 2)
    assert isinstance(combo, QComboBox)
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels == ["→ question: first", "■ outcome: Page now (page-now)",
                      "■ outcome: Next business day — no page (next-business-day)"]
    qtbot.mouseClick(editor.add_node_button, Qt.MouseButton.LeftButton)
    assert editor.nodes.count() == 2 and editor.nodes.currentRow() == 1
    editor.nodes.setCurrentRow(0)
    combo = editor.answers.cellWidget(0, 2)
    combo.setCurrentIndex(combo.findData("next:question-2"))
    model = read_model(editor.text())
    assert model["nodes"][0]["answers"][0] == {"key": "yes", "label": "Yes", "next": "question-2"}
    _settle(qtbot, editor)
    assert editor.problem_list.count() == 0 and editor.save_button.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    tree = controller.ws.runbooks.tree("new-tree")
    assert tree.nodes["first"].answers[0].next == "question-2"
    assert tree.nodes["first"].answers[1].key == "no"  # quoted keys survive the round trip


def test_tree_editor_rename_follows_answers_and_raw_yaml_errors_block_save(qtbot, controller) -> None:
    editor = TreeEditor(controller, "after-hours-triage")
    qtbot.addWidget(editor)
    editor.nodes.setCurrentRow(1)
    assert editor.node_id.text() == "scope"
    editor.node_id.setText("scope-of-impact")
    editor.node_id.editingFinished.emit()
    model = read_model(editor.text())
    assert model["nodes"][0]["answers"][1]["next"] == "scope-of-impact"
    assert "{scope-of-impact}" in editor.text() and "{scope}" not in editor.text()  # note templates follow
    _settle(qtbot, editor)
    assert editor.problem_list.count() == 0
    editor.yaml.setPlainText(editor.text().replace("next: scope-of-impact", "next: scope-of-impakt", 1))
    _settle(qtbot, editor)
    assert not editor.save_button.isEnabled()
    assert any("did you mean 'scope-of-impact'" in editor.problem_list.item(i).text()
               for i in range(editor.problem_list.count()))
    editor.nodes.setCurrentRow(0)
    combo = editor.answers.cellWidget(1, 2)
    assert combo.currentText() == "⚠ missing: scope-of-impakt"
    editor.yaml.setPlainText("nodes: [unclosed")
    assert not editor.tabs.widget(0).isEnabled() and "fix the YAML first" in editor.tabs.tabText(0)


def test_diff_html_colours_lines() -> None:
    out = diff_html("a\nb\n", "a\nc\n", "v1", "current")
    assert "color:#c5221f'>-b<" in out and "color:#137333'>+c<" in out
