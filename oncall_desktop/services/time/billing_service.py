"""Billing in the workspace: the clients file, billed entries, their outbox rows, reports.

Why entries are billed once, when the work finishes, and stored: the number
sent to the PSA, the number in the report and the number in the CSV must be
the same number, even after the clients file changes; and a report over a
year of work must not re-bill 100,000 sessions (bench/report.py).

Idempotency keys are ``<workspace id>-<segment id>.<revision>-<rate class>``:
stable across restarts and re-billing (a session that straddles closing time
gives one ``normal`` and one ``after_hours`` entry), unique across the
workspaces of a team (two techs may log time on the same PSA ticket), and new
after an edit (the old entries were withdrawn first, see :meth:`unbill`).
"""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.billing.billing import RATE_NO_CHARGE, TimeEntry, WorkSession, bill
from oncall_desktop.core.billing.calendar_hours import local_zone_name
from oncall_desktop.core.billing.clients import ClientBook, parse_clients
from oncall_desktop.core.csv_safe import csv_writer
from oncall_desktop.core.time.clock import iso, parse_instant

if TYPE_CHECKING:
    from oncall_desktop.services.delivery.outbox import Outbox
    from oncall_desktop.services.storage.store import Store

#: Sessions of the same ticket this far back are billed along (one call-out may span timers).
CALLOUT_LOOKBACK = timedelta(days=2)

REPORT_KEYS = ("ticket", "client", "start", "end", "worked_minutes", "after_hours_minutes",
               "billable_minutes", "multiplier", "reasons", "sync")
CSV_COLUMNS = ("ticket", "client", "start", "end", "worked_minutes", "in_hours_minutes", "after_hours_minutes",
               "billable_minutes", "multiplier", "rate_class", "agreement", "amount_cents", "reasons", "sync",
               "key")

_SYNC_SQL = "CASE o.state WHEN 'sent' THEN 'synced' WHEN 'failed' THEN 'failed' ELSE 'pending' END"


class BillingServiceError(ValueError):
    """A billing action that cannot be done as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, as the CLI and the Time tab ask for it."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise BillingServiceError(f"the period ends ({iso(self.end)}) before it starts ({iso(self.start)}); "
                                      "swap --from and --to")


class BillingService:
    def __init__(self, store: Store, outbox: Outbox, *, source: Callable[[], str] = lambda: "local",
                 person: Callable[[], str] = lambda: "",
                 environ: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.outbox = outbox
        self.source = source
        self.person = person
        self.environ = os.environ if environ is None else environ
        self._book: tuple[str, ClientBook] | None = None

    # ------------------------------------------------------------ clients file
    def book(self) -> ClientBook:
        """The loaded clients file (parsed once per text); an empty one bills everyone by the defaults."""
        text = str(self.store.get_setting("clients_toml", "") or "[default]\n")
        if self._book is None or self._book[0] != text:
            self._book = (text, parse_clients(text, self._local_zone()))
        return self._book[1]

    def load_clients(self, text: str, source: str = "") -> ClientBook:
        """Check and store a clients file; work finished from now on is billed by it."""
        book = parse_clients(text, self._local_zone())  # refuses the whole file on any error
        if self.store.get_setting("clients_toml") == text:
            self._book = (text, book)
            return book  # the same file again: nothing changes, nothing to log
        with self.store.transaction():
            self.store.set_setting("clients_toml", text)
            self.store.log("clients.loaded", source, {"clients": sorted(book.clients),
                                                      "default_agreement": book.default_agreement.name})
        self._book = (text, book)
        return book

    def _local_zone(self) -> str:
        return local_zone_name(self.environ)

    def workspace_uid(self) -> str:
        uid = self.store.get_setting("workspace_uid")
        if not uid:
            uid = "oc" + uuid.uuid4().hex[:10]
            self.store.set_setting("workspace_uid", uid)
        return str(uid)

    # -------------------------------------------------------------- billing
    def bill_timer(self, timer_id: int) -> list[TimeEntry]:
        """Bill a finished timer or manual entry and queue one outbox time entry per billed entry.

        Earlier sessions of the same ticket are billed along so a paused job
        or a restarted timer is one call-out; only this timer's entries are new.
        """
        conn = self.store.db.conn
        row = conn.execute("SELECT ticket_id, client, flag, started, state FROM timers WHERE id = ?",
                           (timer_id,)).fetchone()
        if row is None or row[4] != "stopped":
            return []
        ticket, client, started = row[0], row[1], row[3]
        since = iso(parse_instant(started) - CALLOUT_LOOKBACK)
        sessions = conn.execute(
            "SELECT s.id, s.rev, s.start, s.end, t.flag, t.id FROM timer_segments s JOIN timers t ON t.id = s.timer_id "
            "WHERE t.ticket_id = ? AND t.client = ? AND t.state = 'stopped' AND s.end IS NOT NULL AND s.start >= ? "
            "ORDER BY s.start, s.id", (ticket, client, since)).fetchall()
        work = [WorkSession(ticket, client, parse_instant(s[2]), parse_instant(s[3]), s[4]) for s in sessions]
        book = self.book()
        profile = book.profile(client)
        agreements, calendar, default = profile.agreements, profile.calendar, book.default_agreement
        billed: list[TimeEntry] = []
        uid = self.workspace_uid()
        now = iso(self.store.clock.now())
        with self.store.transaction():
            before = 0
            for index, session in enumerate(sessions):
                # bill() never changes an earlier entry when a later session is added, and appends
                # each session's entries in order: the new tail of a longer prefix is this session's.
                prefix = bill(work[: index + 1], agreements, calendar, default)
                mine, before = prefix[before:], len(prefix)
                if session[5] != timer_id:
                    continue
                for entry in mine:
                    if entry.worked_minutes == 0:  # under 30 s: nothing to bill, nothing to post
                        continue
                    key = f"{uid}-{session[0]}.{session[1]}-{entry.rate_class}"
                    self._store_entry(key, session[0], entry, now)
                    billed.append(entry)
            conn.execute("UPDATE timers SET billed = 1 WHERE id = ?", (timer_id,))
            self.store.log("time.billed", ticket, {
                "timer": timer_id, "entries": len(billed), "billable_minutes": sum(e.billable_minutes for e in billed),
                "after_hours_minutes": sum(e.after_hours_minutes for e in billed)})
        return billed

    def _store_entry(self, key: str, segment_id: int, entry: TimeEntry, now: str) -> None:
        cur = self.store.db.conn.execute(
            "INSERT INTO time_entries (key, segment_id, ticket, client, start, end, worked_minutes, in_hours_minutes, "
            "after_hours_minutes, billable_minutes, multiplier, rate_class, reasons, agreement, amount_cents, "
            "billed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
            (key, segment_id, entry.ticket, entry.client, iso(entry.start), iso(entry.end), entry.worked_minutes,
             entry.in_hours_minutes, entry.after_hours_minutes, entry.billable_minutes, float(entry.multiplier),
             entry.rate_class, json.dumps(entry.reasons, ensure_ascii=False), entry.agreement, entry.amount_cents,
             now))
        if not cur.rowcount:
            return
        self.outbox.enqueue_time_entry({
            "start": entry.start, "end": entry.end, "worked_minutes": entry.worked_minutes,
            "billable_minutes": entry.billable_minutes, "multiplier": float(entry.multiplier),
            "billable": entry.rate_class != RATE_NO_CHARGE, "note": _remote_note(entry), "person": self.person(),
            "extra": {"rate_class": entry.rate_class, "agreement": entry.agreement},
        }, self.ticket_ref(entry.ticket), key)

    def ticket_ref(self, ticket: str) -> str:
        """Our "source:remote_id" for a ticket given either way (``time add --ticket 42``)."""
        return ticket if ":" in ticket else f"{self.source()}:{ticket}"

    def unbill(self, timer_id: int) -> int:
        """Withdraw a timer's entries before it is edited or deleted; refuse once the PSA may have them."""
        conn = self.store.db.conn
        rows = conn.execute(
            "SELECT e.key, o.state, o.in_doubt, o.remote_id FROM time_entries e "
            "JOIN timer_segments s ON s.id = e.segment_id LEFT JOIN outbox o ON o.key = e.key "
            "WHERE s.timer_id = ?", (timer_id,)).fetchall()
        for key, state, in_doubt, remote_id in rows:
            if state == "sent":
                raise BillingServiceError(
                    f"this work is already on the ticket in the ticket system (entry {remote_id or key}); "
                    "correct it there, or add a correcting entry here — the local copy cannot change it")
            if in_doubt:
                raise BillingServiceError(
                    "this work is being sent to the ticket system right now (or may have arrived); "
                    "wait until its sync state shows synced or failed, then correct it")
        with self.store.transaction() as db:
            for key, *_ in rows:
                self.outbox.cancel(key)
                db.conn.execute("DELETE FROM time_entries WHERE key = ?", (key,))
            db.conn.execute("UPDATE timers SET billed = 0 WHERE id = ?", (timer_id,))
            if rows:
                self.store.log("time.unbilled", "", {"timer": timer_id, "keys": [r[0] for r in rows]})
        return len(rows)

    def bill_pending(self) -> int:
        """Bill finished work that was not billed yet (a crash, an older version); returns timers billed."""
        ids = [r[0] for r in self.store.db.conn.execute(
            "SELECT id FROM timers WHERE state = 'stopped' AND billed = 0 ORDER BY id")]
        for timer_id in ids:
            self.bill_timer(timer_id)
        return len(ids)

    # -------------------------------------------------------------- reports
    def report(self, period: Period, client: str | None = None) -> list[dict[str, Any]]:
        """The ``time report --json`` rows (contract keys, in order), by start time."""
        rows: list[dict[str, Any]] = json.loads(self.report_json(period, client))
        return rows

    def report_json(self, period: Period, client: str | None = None) -> str:
        """The report as JSON text, built inside SQLite (100,000 rows in well under a second)."""
        where, args = self._where(period, client)
        sql = (
            "SELECT json_object('ticket', e.ticket, 'client', e.client, 'start', e.start, 'end', e.end, "
            "'worked_minutes', e.worked_minutes, 'after_hours_minutes', e.after_hours_minutes, "
            "'billable_minutes', e.billable_minutes, 'multiplier', e.multiplier, 'reasons', json(e.reasons), "
            f"'sync', {_SYNC_SQL}) FROM time_entries e LEFT JOIN outbox o ON o.key = e.key "
            f"WHERE {where} ORDER BY e.start, e.id")
        rows = [r[0] for r in self.store.db.conn.execute(sql, args)]
        return "[\n" + ",\n".join(rows) + "\n]" if rows else "[]"

    def export_csv(self, period: Period, path: Path | str, client: str | None = None) -> int:
        """What billing staff import into invoicing: one line per billed entry; returns the count."""
        where, args = self._where(period, client)
        rows = self.store.db.conn.execute(
            "SELECT e.ticket, e.client, e.start, e.end, e.worked_minutes, e.in_hours_minutes, e.after_hours_minutes, "
            "e.billable_minutes, e.multiplier, e.rate_class, e.agreement, e.amount_cents, e.reasons, "
            f"{_SYNC_SQL}, e.key FROM time_entries e LEFT JOIN outbox o ON o.key = e.key "
            f"WHERE {where} ORDER BY e.client, e.start, e.id", args)
        target = Path(path)
        count = 0
        try:
            from oncall_desktop.services.storage.paths import open_private

            with open_private(target, "w", newline="", encoding="utf-8") as fh:
                writer = csv_writer(fh)
                writer.writerow(CSV_COLUMNS)
                for r in rows:
                    writer.writerow((*r[:12], "; ".join(json.loads(r[12])), r[13], r[14]))
                    count += 1
        except OSError as exc:
            raise BillingServiceError(f"cannot write {target}: {exc.strerror}; choose another file") from None
        self.store.log("time.exported", "", {"file": str(target), "entries": count, "from": iso(period.start),
                                             "to": iso(period.end), "client": client})
        return count

    @staticmethod
    def _where(period: Period, client: str | None) -> tuple[str, list[Any]]:
        where, args = "e.start >= ? AND e.start < ?", [iso(period.start), iso(period.end)]
        if client:
            where += " AND e.client = ?"
            args.append(client)
        return where, args

    def totals(self, period: Period) -> list[dict[str, Any]]:
        """Worked / billable / after-hours minutes per client in the period (the Time tab's tables)."""
        rows = self.store.db.conn.execute(
            "SELECT client, SUM(worked_minutes), SUM(billable_minutes), SUM(after_hours_minutes), COUNT(*) "
            "FROM time_entries e WHERE e.start >= ? AND e.start < ? GROUP BY client ORDER BY client",
            (iso(period.start), iso(period.end))).fetchall()
        return [{"client": r[0], "worked_minutes": r[1], "billable_minutes": r[2], "after_hours_minutes": r[3],
                 "entries": r[4]} for r in rows]

    def recent_entries(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest billed entries with their sync state and last error in words."""
        rows = self.store.db.conn.execute(
            "SELECT e.key, e.ticket, e.client, e.start, e.end, e.worked_minutes, e.after_hours_minutes, "
            "e.billable_minutes, e.multiplier, e.reasons, s.timer_id, o.state, o.last_error, o.attempts, o.in_doubt, "
            "o.remote_id FROM time_entries e JOIN timer_segments s ON s.id = e.segment_id "
            "LEFT JOIN outbox o ON o.key = e.key ORDER BY e.start DESC, e.id DESC LIMIT ?", (limit,)).fetchall()
        return [{"key": r[0], "ticket": r[1], "client": r[2], "start": r[3], "end": r[4], "worked_minutes": r[5],
                 "after_hours_minutes": r[6], "billable_minutes": r[7], "multiplier": r[8],
                 "reasons": json.loads(r[9]), "timer": r[10], "sync": _sync_words(r[11], r[12], r[13], r[14], r[15]),
                 "state": {"sent": "synced"}.get(r[11] or "", r[11] or "pending"), "last_error": r[12] or ""}
                for r in rows]

    def snapshot(self, now: datetime, local_zone: Any = None) -> dict[str, Any]:
        """What the Time tab draws: today's and this week's totals per client, entries, sync health.

        Days and weeks are the technician's own (the machine's zone), Monday first.
        """
        local = now.astimezone(local_zone) if local_zone is not None else now.astimezone()
        today = local.replace(hour=0, minute=0, second=0, microsecond=0)
        week = today - timedelta(days=today.weekday())
        counts = self.outbox.counts()
        recent = iso(now - timedelta(days=92))  # the index on start keeps this cheap with a year of entries
        clients = sorted({r[0] for r in self.store.db.conn.execute(
            "SELECT DISTINCT client FROM time_entries WHERE start >= ?", (recent,))}
            | {p.name for p in self.book().clients.values()})
        return {
            "today": self.totals(Period(today, today + timedelta(days=1))),
            "week": self.totals(Period(week, week + timedelta(days=7))),
            "entries": self.recent_entries(50),
            "sync": {**counts, "last_error": self.outbox.last_error()},
            "clients": clients,
            "today_start": iso(today), "week_start": iso(week),
        }


def _sync_words(state: str | None, error: str | None, attempts: int | None, in_doubt: int | None,
                remote_id: str | None) -> str:
    if state == "sent":
        return f"synced ({remote_id})" if remote_id else "synced"
    if state == "failed":
        return f"failed: {error}"
    if not attempts:
        return "waiting to be sent"
    doubt = " — may have arrived, will be checked first" if in_doubt else ""
    return f"retrying{doubt}: {error}" if error else f"retrying{doubt}"


def _remote_note(entry: TimeEntry) -> str:
    label = {"after_hours": "After-hours work", "normal": "Work", "no_charge": "No-charge work"}.get(
        entry.rate_class, "Work")
    reasons = "; ".join(entry.reasons)
    return f"{label} ({entry.agreement})" + (f": {reasons}" if reasons else "")


def period_of(start: str, end: str) -> Period:
    return Period(parse_instant(start), parse_instant(end))


def demo_clients_toml(clients: Mapping[str, Mapping[str, Any]], effective_from: str = "2020-01-01") -> str:
    """The demo MSP's clients as a clients file (docs/billing.md format), in the machine's zone."""
    lines = ["# The demo MSP's clients (generated from services/demo/demo.py).", "[default]", 'time_zone = "local"', ""]
    for name, data in clients.items():
        ident = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
        while "--" in ident:
            ident = ident.replace("--", "-")
        lines += [f"[clients.{ident}]", f"name = {json.dumps(name)}"]
        if data.get("tier"):
            lines.append(f"tier = {json.dumps(str(data['tier']))}")
        if data.get("domains"):
            lines.append("email_domains = [" + ", ".join(json.dumps(str(d)) for d in data["domains"]) + "]")
        terms = dict(data.get("agreement") or {})
        if terms:
            lines += ["", f"[[clients.{ident}.agreements]]", f'name = "{name} after-hours"',
                      f"effective_from = {effective_from}"]
            lines += [f"{key} = {json.dumps(value)}" for key, value in sorted(terms.items())]
        lines.append("")
    return "\n".join(lines)
