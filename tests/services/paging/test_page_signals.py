"""What a page is opened on is kept: its signals and reasons, the ticket's priority source; and the verdict."""
from __future__ import annotations

import json
import sqlite3

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import FakeClock, parse_instant
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.paging.poller import Poller
from oncall_desktop.services.psa.base import PollResult
from oncall_desktop.services.storage.store import MIGRATIONS, Store

NOW = parse_instant("2026-11-02T22:00:00Z")


class _Mail:
    """A ticket system whose one ticket came without a priority (a mail with no importance header)."""

    name = "imap"

    def poll(self, cursor):
        return PollResult([Ticket(title="Server offline", source="imap", remote_id="7", client="Harbor",
                                  priority_given=False, created=NOW)], "c1")


def test_a_page_keeps_its_signals_and_reasons_and_the_verdict_carries_them(tmp_path) -> None:
    ws = Workspace(tmp_path / "ws", FakeClock(NOW))
    ws.book.add(Ticket(title="Server offline", client="Harbor", priority=3))
    ws.poll()
    signals, reasons = ws.store.db.conn.execute("SELECT signals, reasons FROM pages").fetchone()
    assert json.loads(signals) == [{"kind": "outage", "weight": 2, "words": "offline"},
                                   {"kind": "shared", "weight": 2, "words": "server"}]
    assert json.loads(reasons)[-1] == "triage score 4 (pages at 4, P1 at 9): P2"
    opened = ws.store.events(kind="page.opened")[0]["data"]
    assert opened["client"] == "Harbor" and [s["kind"] for s in opened["signals"]] == ["outage", "shared"]
    page = ws.pages.find("local:1")
    ws.resolve(int(page.id), outcome="false alarm")
    resolved = ws.store.events(kind="page.resolved")[0]["data"]
    assert resolved["verdict"] == "false_alarm" and resolved["client"] == "Harbor"
    assert resolved["signals"] == json.loads(signals) and resolved["outcome"] == "false alarm"


def test_a_fixed_page_is_a_needed_one(tmp_path) -> None:
    ws = Workspace(tmp_path / "ws", FakeClock(NOW))
    ws.book.add(Ticket(title="Exchange down for everyone", client="Acme", priority=3))
    ws.poll()
    ws.resolve(int(ws.pages.find("local:1").id))
    assert ws.store.events(kind="page.resolved")[0]["data"]["verdict"] == "needed"


def test_the_poller_stores_whether_the_priority_was_given(tmp_path) -> None:
    store = Store.open(tmp_path / "ws", FakeClock(NOW))
    Poller(store, _Mail(), open_page=lambda t, d: {}).poll_once()
    assert store.db.conn.execute("SELECT priority_given FROM tickets").fetchone() == (0,)


def test_a_workspace_from_before_migrates_with_its_pages_and_tickets(tmp_path) -> None:
    path = tmp_path / "ws"
    path.mkdir()
    conn = sqlite3.connect(path / "workspace.sqlite3")
    for number, script in enumerate(MIGRATIONS[:9], start=1):
        conn.executescript(f"{script}\nPRAGMA user_version = {number};")
    conn.execute("INSERT INTO tickets (id, source, remote_id, client, title, body, priority, status, contact, created, "
                 "updated, first_seen, last_seen) VALUES ('local:1', 'local', '1', 'Acme', 'Down', '', 2, 'new', '', "
                 "'2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')")
    conn.execute("INSERT INTO pages (ticket_id, state, severity, reason, created) VALUES ('local:1', 'resolved', 'P2', "
                 "'P2 at client Acme', '2026-11-01T00:00:00Z')")
    conn.commit()
    conn.close()
    store = Store.open(path, FakeClock(NOW))
    assert store.db.conn.execute("SELECT signals, reasons FROM pages").fetchone() == ("[]", "[]")
    assert store.db.conn.execute("SELECT priority_given FROM tickets").fetchone() == (1,)
