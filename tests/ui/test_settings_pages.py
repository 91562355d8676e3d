"""Settings pages: each group's real controls clicked, the stored value checked, refusals shown in words.

Screenshots of each page are written to $ONCALL_SCREENSHOTS when it is set.
"""
from __future__ import annotations

import os
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from oncall_desktop.services.paging import ack_clock
from oncall_desktop.ui.settings.client_editor import ClientEditor
from oncall_desktop.ui.settings.settings_tab import SettingsTab

SHOTS = os.environ.get("ONCALL_SCREENSHOTS")


@pytest.fixture
def login_dir(tmp_path, monkeypatch) -> Path:
    """Start-at-login writes under XDG_CONFIG_HOME: keep it inside the test's folder."""
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)  # no systemd user session: the XDG file
    return config / "autostart"


@pytest.fixture
def controller(make_controller, login_dir):
    return make_controller(start=True)


@pytest.fixture
def tab(qtbot, controller) -> SettingsTab:
    widget = SettingsTab(controller)
    qtbot.addWidget(widget)
    widget.resize(900, 560)
    controller.check_now()  # a snapshot arrives: the pages fill themselves
    return widget


def _show(tab: SettingsTab, title: str, shot: str = "") -> None:
    row = [tab.sections.item(i).text() for i in range(tab.sections.count())].index(title)
    tab.sections.setCurrentRow(row)
    if SHOTS and shot:
        tab.grab().save(os.path.join(SHOTS, f"settings-{shot}.png"))


def _click(qtbot, button) -> None:
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _tick(qtbot, box) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def _type(qtbot, edit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def _pick(qtbot, combo, text: str) -> None:
    """Keyboard through a closed combo box until ``text`` is chosen (each step emits ``activated``)."""
    combo.setFocus()
    target = combo.findText(text)
    assert target >= 0, [combo.itemText(i) for i in range(combo.count())]
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def _setting(controller, key: str):
    return controller.ws.store.get_setting(key)


# --------------------------------------------------------------------- You
def test_sections_instead_of_one_long_form(tab) -> None:
    titles = [tab.sections.item(i).text() for i in range(tab.sections.count())]
    assert titles == ["General", "You", "Pages & timers", "Rotation", "Team", "Clients"]
    _show(tab, "General", "general")


def test_who_am_i_is_a_dropdown_of_people_and_saved(qtbot, tab, controller) -> None:
    _show(tab, "You")
    page = tab.you
    names = [page.me.itemText(i) for i in range(page.me.count())]
    assert "Ben Okafor" in names and page.me.currentText() == "Ana Souza"
    assert "this computer's zone" in page.zone.text()
    _pick(qtbot, page.me, "Ben Okafor")
    assert _setting(controller, "me") == "Ben Okafor"
    assert page.me_status.text() == "✓ You are Ben Okafor"
    assert controller.snapshot.me == "Ben Okafor"
    _pick(qtbot, page.me, "— choose your name —")
    assert page.me_status.text().startswith("✗ pick your own name")
    assert _setting(controller, "me") == "Ana Souza"  # passed on the way up the list; never cleared


def test_start_at_login_toggle_writes_the_login_item(qtbot, tab, login_dir) -> None:
    _show(tab, "You")
    page = tab.you
    assert not page.autostart.isChecked()
    _tick(qtbot, page.autostart)
    entry = login_dir / "oncall-desktop.desktop"
    assert entry.exists() and "--workspace" in entry.read_text()
    assert page.autostart_status.text() == "✓ starts when you log in"
    _show(tab, "You", "you")
    _tick(qtbot, page.autostart)
    assert not entry.exists() and page.autostart_status.text().startswith("✓ will not start by itself")


# ---------------------------------------------------------- Pages & timers
def test_ack_policy_minutes_are_saved_and_used(qtbot, tab, controller) -> None:
    _show(tab, "Pages & timers")
    page = tab.work
    assert (page.ack.value(), page.stale.value(), page.renotify.value()) == (15, 30, 5)
    _type(qtbot, page.ack, "10")
    _type(qtbot, page.renotify, "3")
    policy = ack_clock.ack_policy(controller.ws)
    assert (policy.ack_minutes, policy.stale_minutes, policy.renotify_minutes) == (10, 30, 3)
    assert page.ack_status.text().startswith("✓ pages wait 10 min, repeat every 3 min")
    _type(qtbot, page.stale, "45")
    assert ack_clock.ack_policy(controller.ws).stale_minutes == 45


def test_ack_policy_refusal_is_shown_beside_the_fields(qtbot, tab, controller) -> None:
    controller.ws.store.set_setting("ack_policy", {"ack_minutes": 15, "levels": 12})  # damaged elsewhere
    tab.reload()
    _type(qtbot, tab.work.ack, "20")
    assert tab.work.ack_status.text().startswith("✗ the stored ack policy has a problem: levels must be 1–9")
    assert _setting(controller, "ack_policy") == {"ack_minutes": 15, "levels": 12}


def test_timer_settings_are_saved(qtbot, tab, controller) -> None:
    _show(tab, "Pages & timers")
    page = tab.work
    assert page.autostart.isChecked()
    _tick(qtbot, page.autostart)
    assert _setting(controller, "timer_autostart") is False and not controller.ws.timers.autostart_enabled()
    _pick(qtbot, page.after_crash, "Close it at the last heartbeat (≤ 1 s lost)")
    assert _setting(controller, "timer_after_crash") == "close"
    _type(qtbot, page.gap, "12")
    assert controller.ws.timers.gap_minutes() == 12
    assert page.timer_status.text() == "✓ a gap longer than 12 min asks whether you were working"
    _show(tab, "Pages & timers", "pages-timers")


def test_event_log_retention_is_saved_and_used_by_the_prune(qtbot, tab, controller) -> None:
    from oncall_desktop.services.storage.store import events_keep_days

    _show(tab, "Pages & timers")
    page = tab.work
    assert page.keep.value() == 400  # the default keeps a year of insights and last month's audits
    _type(qtbot, page.keep, "90")
    assert events_keep_days(controller.ws.store) == 90
    assert page.keep_status.text().startswith("✓ the event log keeps 90 days")
    _type(qtbot, page.keep, "10")  # below the floor: the box stops at it, nothing shorter is stored
    assert events_keep_days(controller.ws.store) >= 60


# ---------------------------------------------------------------- Rotation
ROTATION = textwrap.dedent("""\
    [[schedule]]
    name = "Weekend"
    time_zone = "Europe/Berlin"

      [[schedule.layers]]
      name = "Weekends"
      members = ["Ana Souza", "Dev Patel"]
      start = 2026-01-03T09:00:00
      turn_length = "weekly"
    """)


def test_notice_days_validated_and_saved(qtbot, tab, controller) -> None:
    _show(tab, "Rotation")
    page = tab.rotation
    assert page.notice_days.text() == "14, 1"
    _type(qtbot, page.notice_days, "a fortnight")
    assert page.notice_status.text().startswith("✗ notice days 'a fortnight' must be whole numbers")
    assert _setting(controller, "rotation_notice_days") is None
    _type(qtbot, page.notice_days, "1, 14,3")
    assert _setting(controller, "rotation_notice_days") == [14, 3, 1]
    assert controller.ws.rotation.notice_days() == (14, 3, 1)
    assert page.notice_status.text() == "✓ you hear about a shift 14 days and 3 days and 1 day before it starts"


def test_calendar_refresh_interval_validated_and_saved(qtbot, tab, controller) -> None:
    _show(tab, "Rotation")
    page = tab.rotation
    assert page.calendar_refresh.text() == "60"
    _type(qtbot, page.calendar_refresh, "2")
    assert page.refresh_status.text().startswith("✗ the calendar refresh interval must be 0 (never) or 5 to 1440")
    assert _setting(controller, "rotation_refresh_minutes") is None
    _type(qtbot, page.calendar_refresh, "30")
    assert _setting(controller, "rotation_refresh_minutes") == 30
    assert page.refresh_status.text() == "✓ calendar links are downloaded again every 30 minutes"
    _type(qtbot, page.calendar_refresh, "0")
    assert page.refresh_status.text() == "✓ calendar links are downloaded only when you import them"


def test_holiday_country_per_schedule_and_paging_schedule(qtbot, tab, controller) -> None:
    _show(tab, "Rotation")
    page = tab.rotation
    assert set(page.country_edits) == {"Primary", "Backup"}
    _type(qtbot, page.country_edits["Backup"], "Narnia")
    assert page.holiday_status.text().startswith("✗ no holiday calendar is known for 'NARNIA'")
    _type(qtbot, page.country_edits["Backup"], "us-ca")
    assert _setting(controller, "holiday_country") == {"Backup": "US-CA"}
    rotation = controller.ws.rotation
    assert rotation.holiday_country(rotation.schedule("Backup")) == "US-CA"
    assert rotation.holiday_country(rotation.schedule("Primary")) != "US-CA"  # still from its own zone
    assert page.page_schedule.currentText() == "Automatic (Primary)"
    _pick(qtbot, page.page_schedule, "Backup")
    assert _setting(controller, "page_schedule") == "Backup" and controller.ws.paging_schedule() == "Backup"
    _show(tab, "Rotation", "rotation")


def test_load_rotation_file_shows_parse_errors_in_words(qtbot, tab, controller, tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(ROTATION.replace('turn_length = "weekly"', 'turn_length = "fortnightly-ish"'), encoding="utf-8")
    good = tmp_path / "rota.toml"
    good.write_text(ROTATION, encoding="utf-8")
    page = tab.rotation
    page.pick_file = lambda *_: str(bad)
    _click(qtbot, page.load_button)
    assert page.load_status.text().startswith("✗ ") and "line 9" in page.load_status.text()
    assert "fortnightly-ish" in page.load_status.text()
    assert "Weekend" not in [s.name for s in controller.ws.rotation.schedules()]
    page.pick_file = lambda *_: str(tmp_path / "missing.toml")
    _click(qtbot, page.load_button)
    assert page.load_status.text().startswith("✗ cannot read the rotation file") and "missing.toml" in \
        page.load_status.text()
    page.pick_file = lambda *_: str(good)
    _click(qtbot, page.load_button)
    assert page.load_status.text() == "✓ loaded 1 schedule(s): Weekend"
    assert "Weekend" in page.country_edits  # the page redrew from the new values


# -------------------------------------------------------------------- Team
def _pack(folder: Path, version: str, runbook: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(f'name = "Northwind runbooks"\nversion = "{version}"\n', encoding="utf-8")
    if runbook:
        (folder / "broken.yaml").write_text(runbook, encoding="utf-8")
    return folder


def test_team_pack_sync_now_shows_the_result(qtbot, tab, controller, tmp_path) -> None:
    _show(tab, "Team")
    page = tab.team
    _click(qtbot, page.sync_button)
    assert page.pack_status.text().startswith("✗ type a folder path or an https:// link")
    folder = _pack(tmp_path / "pack", "2026.11.1")
    page.pack_source.setText(str(folder))
    _click(qtbot, page.sync_button)
    assert page.pack_status.text().startswith("✓ team pack Northwind runbooks 2026.11.1 is now active")
    assert controller.ws.team_pack.status().version == "2026.11.1"
    assert page.pack_state.text().startswith("In use: Northwind runbooks 2026.11.1")
    _pack(folder, "2026.11.2", runbook="id: broken\ntitle: [unclosed\n")
    _click(qtbot, page.sync_button)
    text = page.pack_status.text()
    assert text.startswith("✗ team pack refused") and "still using Northwind runbooks 2026.11.1" in text
    assert "pack/broken.yaml" in text
    assert controller.ws.team_pack.status().version == "2026.11.1"
    page.pack_source.setText("http://example.com/pack.zip")
    _click(qtbot, page.sync_button)
    assert page.pack_status.text() == "✗ team pack URLs must use https, not http: http://example.com/pack.zip"
    _show(tab, "Team", "team")


def test_handoff_folder_and_ticket_are_checked(qtbot, tab, controller, tmp_path) -> None:
    page = tab.team
    _type(qtbot, page.folder, str(tmp_path / "nowhere"))
    assert page.handoff_status.text().startswith("✗ the handoff folder") and "does not exist" in \
        page.handoff_status.text()
    assert not _setting(controller, "handoff_folder")
    shared = tmp_path / "shared"
    shared.mkdir()
    page.pick_folder = lambda *_: str(shared)
    _click(qtbot, page.browse_button)
    assert _setting(controller, "handoff_folder") == str(shared)
    assert controller.ws.handoffs.folder() == shared
    _type(qtbot, page.ticket, "47 11")
    assert page.handoff_status.text().startswith("✗ '47 11' does not look like a ticket id")
    _type(qtbot, page.ticket, "4711")
    assert _setting(controller, "handoff_ticket") == "4711"
    assert page.handoff_status.text() == "✓ each handoff is also a note on ticket 4711"


# ----------------------------------------------------------------- Clients
CLIENTS = textwrap.dedent("""\
    [default]
    time_zone = "Europe/Berlin"
    hours = { "mon-fri" = "08:00-18:00" }

    [default.agreement]
    multiplier = 1.5
    rounding_increment = 15

    [clients.acme]
    name = "Acme Dental"
    tier = "gold"
    """)  # the format of docs/billing.md


def test_load_clients_file_refuses_a_broken_file_in_words(qtbot, tab, controller, tmp_path, fake_clock) -> None:
    _show(tab, "Clients")
    page = tab.clients
    ws = controller.ws
    ws.timers.add_manual("local:1", "Acme Dental", fake_clock.now() - timedelta(minutes=38), fake_clock.now())
    entries = "SELECT key, billable_minutes, multiplier FROM time_entries ORDER BY key"
    billed = ws.store.db.conn.execute(entries).fetchall()
    assert billed and ws.store.db.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == len(billed)
    before = controller.ws.store.get_setting("clients_toml")
    bad = tmp_path / "clients.toml"
    bad.write_text(CLIENTS.replace("multiplier = 1.5", "multiplier = lots"), encoding="utf-8")
    page.pick_file = lambda *_: str(bad)
    _click(qtbot, page.load_button)
    assert page.load_status.text().startswith("✗ ") and "line 6" in page.load_status.text()
    assert controller.ws.store.get_setting("clients_toml") == before
    bad.write_text(CLIENTS, encoding="utf-8")
    _click(qtbot, page.load_button)
    assert page.load_status.text() == "✓ loaded agreements for 1 client(s): Acme Dental"
    assert controller.ws.store.get_setting("clients_toml") == CLIENTS
    assert "A clients file with billing agreements is loaded" in page.summary.text()
    # work billed before the new file keeps its entries: nothing re-billed, nothing queued again
    assert ws.store.db.conn.execute(entries).fetchall() == billed
    assert ws.store.db.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == len(billed)
    _show(tab, "Clients", "clients")


def test_client_editor_edits_domains_tier_and_systems(qtbot, tab, controller) -> None:
    _click(qtbot, tab.clients.edit_button)
    editor = tab.clients.editor
    assert isinstance(editor, ClientEditor)
    names = [editor.table.item(r, 0).text() for r in range(editor.table.rowCount())]
    acme = names.index("Acme Dental")
    assert editor.table.item(acme, 2).text() == "acmedental.example"
    if SHOTS:
        editor.grab().save(os.path.join(SHOTS, "client-editor.png"))
    editor.table.item(acme, 2).setText("acmedental.example, user@acme-smile.example")
    _click(qtbot, editor.save_button)
    assert editor.status.text().startswith("✗ Acme Dental: 'user@acme-smile.example' is not a mail domain")
    assert editor.isVisible()
    editor.table.item(acme, 2).setText("acmedental.example, @Acme-Smile.example")
    editor.table.item(acme, 1).setText("Platinum")
    editor.table.item(acme, 3).setText("practice server, imaging, phones")
    _click(qtbot, editor.add_button)
    new = editor.table.rowCount() - 1
    for col, text in enumerate(("Grove Pharmacy", "silver", "grovepharmacy.example", "dispensing")):
        editor.table.item(new, col).setText(text)
    _click(qtbot, editor.save_button)
    assert not editor.isVisible()
    clients = controller.ws.directory_service.clients()
    assert clients["Acme Dental"]["domains"] == ["acmedental.example", "acme-smile.example"]
    assert clients["Acme Dental"]["tier"] == "platinum"
    assert clients["Acme Dental"]["production_systems"] == ["practice server", "imaging", "phones"]
    assert "calendar" in clients["Acme Dental"]  # what the editor does not show is kept
    assert clients["Grove Pharmacy"] == {"tier": "silver", "domains": ["grovepharmacy.example"],
                                         "production_systems": ["dispensing"]}
    domains = controller.ws._domain_clients()  # the IMAP adapter's sender domain → client map
    assert domains["acme-smile.example"] == "Acme Dental" and domains["grovepharmacy.example"] == "Grove Pharmacy"
    assert [e["subject"] for e in controller.ws.store.events(kind="client.edited")] == ["Acme Dental",
                                                                                       "Grove Pharmacy"]


def test_client_editor_refuses_a_domain_claimed_twice(qtbot, tab, controller) -> None:
    _click(qtbot, tab.clients.edit_button)
    editor = tab.clients.editor
    names = [editor.table.item(r, 0).text() for r in range(editor.table.rowCount())]
    editor.table.item(names.index("Delta Veterinary"), 2).setText("deltavet.example, acmedental.example")
    _click(qtbot, editor.save_button)
    assert "acmedental.example already belongs to Acme Dental" in editor.status.text()
    assert controller.ws.directory_service.clients()["Delta Veterinary"]["domains"] == ["deltavet.example"]
