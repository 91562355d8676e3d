"""Settings: connect a ticket system (Test connection in words), edit rules with live validation.

The HTTP fake answers like Redmine's "Rest_Users" page
(https://www.redmine.org/projects/redmine/wiki/Rest_Users: GET /users/current.json → {"user": {...}}).
"""
from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QPoint, Qt

from oncall_desktop.services.paging.rules_store import RulesStore
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.settings.connection_dialog import ConnectionDialog
from oncall_desktop.ui.settings.rules_editor import RulesEditor
from oncall_desktop.ui.settings.settings_tab import SettingsTab
from oncall_desktop.ui.tasks import TaskRunner

KEY = "ui-redmine-key-51"
SHOTS = os.environ.get("ONCALL_SCREENSHOTS")


@pytest.fixture
def controller(qtbot, workspace_dir, fake_clock):
    ctl = AppController(workspace_dir, runner=TaskRunner(synchronous=True), clock=fake_clock)
    ctl.start()
    yield ctl
    ctl.shutdown()


def _click(qtbot, button) -> None:
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _choose(dialog: ConnectionDialog, kind: str) -> None:
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))


def test_connect_redmine_test_then_save(qtbot, controller, httpserver, memory_keyring) -> None:
    httpserver.expect_request("/users/current.json", headers={"X-Redmine-API-Key": KEY}).respond_with_json(
        {"user": {"id": 1, "login": "oncall"}})
    httpserver.expect_request("/users/current.json").respond_with_data("", status=401)
    tab = SettingsTab(controller)
    qtbot.addWidget(tab)
    _click(qtbot, tab.connect_button)
    dialog = tab.dialog
    assert isinstance(dialog, ConnectionDialog)
    _choose(dialog, "redmine")
    assert dialog.url.isVisibleTo(dialog) and not dialog.user.isVisibleTo(dialog)
    rows = [dialog.priorities.item(r, 0).text() for r in range(dialog.priorities.rowCount())]
    assert rows == ["immediate", "urgent", "high", "normal", "low"]  # Redmine's default enumerations
    qtbot.keyClicks(dialog.url, httpserver.url_for("/"))
    qtbot.keyClicks(dialog.secret, "wrong")
    _click(qtbot, dialog.test_button)
    assert dialog.outcome.text().startswith("✗ Wrong user name, password or API key: Redmine: could not sign in")
    dialog.secret.clear()
    qtbot.keyClicks(dialog.secret, KEY)
    _click(qtbot, dialog.test_button)
    assert dialog.outcome.text() == f"✓ Connected to Redmine at {httpserver.host}:{httpserver.port} as oncall."
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "connection-dialog.png"))
    dialog.priorities.cellWidget(0, 1).setCurrentIndex(1)  # "immediate" pages as P2 here
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Save))
    assert dialog.outcome.text() == "" or not dialog.isVisible()
    conn = controller.ws.connection()
    assert (conn.kind, conn.url) == ("redmine", httpserver.url_for("/"))
    assert conn.options["mapping"]["priorities"]["immediate"] == 2
    assert list(memory_keyring.secrets.values()) == [KEY]
    assert tab.system.text() == f"Redmine at {httpserver.url_for('/')}"


def test_distinct_messages_for_wrong_url_no_network_and_missing_secret(qtbot, controller, httpserver) -> None:
    httpserver.expect_request("/nothing/users/current.json").respond_with_data("Not Found", status=404)
    dialog = ConnectionDialog(controller)
    qtbot.addWidget(dialog)
    _choose(dialog, "redmine")
    qtbot.keyClicks(dialog.url, httpserver.url_for("/nothing/"))
    _click(qtbot, dialog.test_button)
    assert dialog.outcome.text().startswith("✗ Something is missing: No api key is stored for Redmine")
    qtbot.keyClicks(dialog.secret, KEY)
    _click(qtbot, dialog.test_button)
    assert dialog.outcome.text().startswith("✗ Wrong address (nothing there):")
    dialog.url.setText("http://127.0.0.1:9")  # discard port: nothing listens
    _click(qtbot, dialog.test_button)
    assert dialog.outcome.text().startswith("✗ Cannot reach the server (network):")
    dialog.url.setText(f"https://{httpserver.host}:{httpserver.port}")
    _click(qtbot, dialog.test_button)
    assert dialog.outcome.text().startswith("✗ Certificate (TLS) problem:")


def test_each_system_shows_its_own_fields(qtbot, controller) -> None:
    dialog = ConnectionDialog(controller)
    qtbot.addWidget(dialog)
    _choose(dialog, "connectwise")
    assert dialog.user.isVisibleTo(dialog) and dialog.company.isVisibleTo(dialog)
    assert set(dialog.option_edits) == {"client_id", "conditions", "member"}
    _choose(dialog, "local")
    assert not dialog.url.isVisibleTo(dialog) and not dialog.priorities.isVisibleTo(dialog)
    _choose(dialog, "imap")
    assert set(dialog.option_edits) == {"security", "port", "mailbox"}
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "connection-imap.png"))


def test_rules_editor_validates_live_and_saves_only_valid_rules(qtbot, controller) -> None:
    tab = SettingsTab(controller)
    qtbot.addWidget(tab)
    _click(qtbot, tab.rules_button)
    editor = tab.dialog
    assert isinstance(editor, RulesEditor)
    assert editor.editor.toPlainText().startswith("# The built-in rules")
    assert editor.save_button.isEnabled() and editor.status.text().count("✓") == 1
    editor.editor.setPlainText('page_at = "P1"\n\n[[rule]]\nkind = "keywords"\nwords = []\n')
    assert not editor.save_button.isEnabled()
    assert "rules line 5: rule 1: 'words' is empty" in editor.status.text()
    assert len(editor.editor.extraSelections()) == 1
    if SHOTS:
        editor.grab().save(os.path.join(SHOTS, "rules-editor-invalid.png"))
    editor.editor.setPlainText('page_at = "P1"\n\n[[rule]]\nkind = "keywords"\nwords = ["ransomware"]\n')
    assert editor.save_button.isEnabled() and editor.editor.extraSelections() == []
    _click(qtbot, editor.save_button)
    assert RulesStore(controller.ws.store).rules().page_at == 1


def test_quiet_hours_and_sound_are_saved(qtbot, controller) -> None:
    tab = SettingsTab(controller)
    qtbot.addWidget(tab)
    tab.quiet.setText("after ten")
    tab.quiet.editingFinished.emit()
    assert tab.quiet_status.text().startswith("✗ quiet hours 'after ten' are not like 22:00-07:00")
    assert controller.ws.store.get_setting("quiet_hours") is None
    tab.quiet.setText("22:00-07:00")
    tab.quiet.editingFinished.emit()
    assert controller.ws.store.get_setting("quiet_hours") == "22:00-07:00" and tab.quiet_status.text() == ""
    assert tab.sound.isChecked()  # pages chime unless the tech turns it off
    qtbot.mouseClick(tab.sound, Qt.MouseButton.LeftButton, pos=QPoint(6, tab.sound.height() // 2))  # the box
    assert controller.ws.store.get_setting("sound") is False
    qtbot.mouseClick(tab.sound, Qt.MouseButton.LeftButton, pos=QPoint(6, tab.sound.height() // 2))
    assert controller.ws.store.get_setting("sound") is True
    if SHOTS:
        tab.grab().save(os.path.join(SHOTS, "settings-tab.png"))


def test_the_request_budget_is_saved_and_the_use_shown(qtbot, controller) -> None:
    tab = SettingsTab(controller)
    qtbot.addWidget(tab)
    tab.reload()
    assert tab.budget.value() == 240  # the default: an on-call app's minute polls and writes, with headroom
    assert tab.requests.text().startswith("0 of 240 requests in the last hour. Next check in 60 s")
    tab.budget.setValue(90)
    tab.budget.editingFinished.emit()
    assert controller.ws.store.get_setting("request_budget_per_hour") == 90
    assert tab.requests.text().startswith("0 of 90 requests in the last hour")


def test_turning_the_chime_on_without_a_player_says_what_to_install(qtbot, controller, tmp_path, monkeypatch) -> None:
    from oncall_desktop.services.paging.page_sound import PageSound

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no pw-play, paplay or aplay
    controller.actions.sound = PageSound(platform="linux")
    tab = SettingsTab(controller)
    qtbot.addWidget(tab)
    qtbot.mouseClick(tab.sound, Qt.MouseButton.LeftButton, pos=QPoint(6, tab.sound.height() // 2))  # on by default
    assert controller.ws.store.get_setting("sound") is False and tab.sound_status.text() == ""
    qtbot.mouseClick(tab.sound, Qt.MouseButton.LeftButton, pos=QPoint(6, tab.sound.height() // 2))
    assert controller.ws.store.get_setting("sound") is True  # saved all the same: a player may come later
    assert tab.sound_status.text().startswith("✗ no sound player found") and "alsa-utils" in tab.sound_status.text()
