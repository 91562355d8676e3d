"""Handoffs kept in the workspace and shared with the team, online or not.

Why three places: the workspace row is the truth for *this* laptop (it works
offline and remembers who read what); a JSON file per handoff in the team's
handoff folder reaches the incoming tech's laptop, in any time zone, through
whatever syncs that folder; and where a lead designated a ticket, an internal
note on it (through the outbox, so it survives being offline) reaches people
who live in the PSA.  A share that fails is retried on the next poll.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from oncall_desktop.core.shift.handoff import Handoff, HandoffError, draft, render_text
from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.storage.paths import write_private

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

FOLDER_SETTING = "handoff_folder"
TICKET_SETTING = "handoff_ticket"
#: A handoff older than this is history, not something to read before the shift.
PENDING_FOR = timedelta(days=3)
#: Without a shift to go by, a draft covers this much of the log.
DEFAULT_SPAN = timedelta(hours=16)


@dataclass(frozen=True)
class StoredHandoff:
    handoff: Handoff
    source: str
    shared_at: datetime | None
    share_problem: str
    read_at: datetime | None
    read_by: str

    def to_json(self) -> dict[str, Any]:
        return {**self.handoff.to_dict(), "source": self.source,
                "shared_at": iso(self.shared_at) if self.shared_at else None, "share_problem": self.share_problem,
                "read_at": iso(self.read_at) if self.read_at else None, "read_by": self.read_by,
                "text": render_text(self.handoff, _local_zone())}


class HandoffService:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.store = ws.store

    # ---------------------------------------------------------------- where
    def folder(self) -> Path | None:
        """The handoff folder: the setting, else ``handoffs/`` inside a folder team pack."""
        configured = str(self.store.get_setting(FOLDER_SETTING, "") or "")
        if configured:
            return Path(configured).expanduser()
        pack = str(self.store.get_setting("team_pack_source", "") or "")
        if pack and urlparse(pack).scheme not in ("http", "https"):
            return Path(pack).expanduser() / "handoffs"
        return None

    # ---------------------------------------------------------------- draft
    def draft(self, author: str | None = None, for_person: str | None = None) -> Handoff:
        """What the log says about the author's shift so far, ready to edit."""
        from oncall_desktop.services.app.now import page_rows

        author = author or self.ws.me or "me"
        now = self.ws.clock.now()
        since, shift_end, following = self._shift_of(author, now)
        titles = {r[0]: (r[1], r[2]) for r in self.store.db.conn.execute("SELECT id, client, title FROM tickets")}
        return draft(author=author, now=now, since=since, events=self.store.events(since=since),
                     open_pages=page_rows(self.ws), titles=titles,
                     windows=[s.window for s in self.ws.maintenance.windows()], tz=_local_zone(),
                     for_person=following if for_person is None else for_person, shift_end=shift_end)

    def _shift_of(self, author: str, now: datetime) -> tuple[datetime, datetime | None, str]:
        """(since, shift end, who is on next) from the paging schedule.

        ``since`` is the start of the author's current (or just-ended) shift,
        or their previous handoff if they wrote one during it; without a
        schedule, the last 16 hours.
        """
        from oncall_desktop.core.rotation.compute import on_call, shifts
        from oncall_desktop.core.rotation.model import RotationError

        last = self._latest_by(author)
        written = last.handoff.written_at if last is not None else None

        def after_last(start: datetime) -> datetime:
            return max(start, written) if written is not None and written < now else start

        schedule = self.ws.paging()[0]
        if schedule is not None:
            try:
                current = on_call(schedule, now)
                if current is not None and current.person == author:
                    following = on_call(schedule, current.end)
                    return after_last(current.start), current.end, following.person if following else ""
                # the author's shift just ended: hand off to whoever has it now
                mine = [s for s in shifts(schedule, now - timedelta(days=8), now) if s.person == author]
                if mine:
                    return after_last(mine[-1].start), mine[-1].end, current.person if current else ""
            except RotationError:
                pass
        return after_last(now - DEFAULT_SPAN), None, ""

    # ---------------------------------------------------------------- write
    def write(self, handoff: Handoff) -> StoredHandoff:
        """Keep it, log it, and share it (folder and/or ticket note) as configured."""
        if handoff.empty:
            raise HandoffError("this handoff is empty; write at least a note, or 'quiet shift, nothing open'")
        with self.store.transaction() as db:
            db.conn.execute(
                "INSERT INTO handoffs (id, author, written_at, for_person, data, source) VALUES (?, ?, ?, ?, ?, "
                "'local') ON CONFLICT(id) DO UPDATE SET data = excluded.data, for_person = excluded.for_person",
                (handoff.id, handoff.author, iso(handoff.written_at), handoff.for_person,
                 json.dumps(handoff.to_dict(), sort_keys=True)))
            self.store.log("handoff.written", handoff.id, {
                "author": handoff.author, "for": handoff.for_person, "open_pages": len(handoff.open_pages),
                "time_sensitive": len(handoff.time_sensitive), "done": len(handoff.done)})
            ticket = str(self.store.get_setting(TICKET_SETTING, "") or "")
            if ticket:
                self.ws.outbox.enqueue_note(ticket, render_text(handoff), f"handoff:{handoff.id}")
        self.share_pending()
        return self.get(handoff.id)

    def share_pending(self) -> int:
        """Write unshared local handoffs into the folder; a failure is kept and retried later."""
        folder = self.folder()
        if folder is None:
            return 0
        rows = self.store.db.conn.execute(
            "SELECT id, data FROM handoffs WHERE source = 'local' AND shared_at IS NULL").fetchall()
        shared = 0
        for handoff_id, data in rows:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"handoff-{handoff_id}.json"
                tmp = folder / f".{target.name}.tmp"
                write_private(tmp, json.dumps(json.loads(data), indent=2, ensure_ascii=False))
                os.replace(tmp, target)
            except OSError as exc:
                problem = f"could not write to the handoff folder {folder}: {exc.strerror or exc}"
                self.store.db.conn.execute("UPDATE handoffs SET share_problem = ? WHERE id = ?", (problem, handoff_id))
                continue
            self.store.db.conn.execute("UPDATE handoffs SET shared_at = ?, share_problem = '' WHERE id = ?",
                                       (iso(self.ws.clock.now()), handoff_id))
            self.store.log("handoff.shared", handoff_id, {"folder": str(folder)})
            shared += 1
        return shared

    def import_folder(self) -> list[str]:
        """Colleagues' handoffs from the folder into the workspace; returns problems (bad files)."""
        self.share_pending()
        folder = self.folder()
        if folder is None or not folder.is_dir():
            return []
        known = {r[0] for r in self.store.db.conn.execute("SELECT id FROM handoffs")}
        problems = []
        try:
            files = sorted(folder.glob("handoff-*.json"))
        except OSError as exc:
            return [f"cannot read the handoff folder {folder}: {exc.strerror or exc}"]
        for file in files:
            if file.stem.removeprefix("handoff-") in known:
                continue
            try:
                handoff = Handoff.from_dict(json.loads(file.read_text(encoding="utf-8")), where=file.name)
            except (OSError, ValueError) as exc:  # JSONDecodeError and HandoffError are ValueErrors
                problems.append(f"{file.name}: {exc}")
                continue
            if handoff.id in known:
                continue
            self.store.db.conn.execute(
                "INSERT INTO handoffs (id, author, written_at, for_person, data, source, shared_at) "
                "VALUES (?, ?, ?, ?, ?, 'folder', ?)",
                (handoff.id, handoff.author, iso(handoff.written_at), handoff.for_person,
                 json.dumps(handoff.to_dict(), sort_keys=True), iso(handoff.written_at)))
            self.store.log("handoff.received", handoff.id, {"author": handoff.author, "file": file.name})
            known.add(handoff.id)
        return problems

    # ----------------------------------------------------------------- read
    def get(self, handoff_id: str) -> StoredHandoff:
        row = self.store.db.conn.execute(f"SELECT {_COLS} FROM handoffs WHERE id = ?", (handoff_id,)).fetchone()
        if row is None:
            raise HandoffError(f"there is no handoff {handoff_id}; see 'handoff show'")
        return _stored(row)

    def recent(self, limit: int = 20) -> list[StoredHandoff]:
        rows = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM handoffs ORDER BY written_at DESC, id DESC LIMIT ?", (limit,)).fetchall()
        return [_stored(r) for r in rows]

    def _latest_by(self, author: str) -> StoredHandoff | None:
        row = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM handoffs WHERE author = ? ORDER BY written_at DESC LIMIT 1", (author,)).fetchone()
        return _stored(row) if row else None

    def pending(self, reader: str | None = None) -> StoredHandoff | None:
        """The newest unread handoff someone else wrote for ``reader`` (or for anyone) lately."""
        reader = reader or self.ws.me
        since = iso(self.ws.clock.now() - PENDING_FOR)
        row = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM handoffs WHERE read_at IS NULL AND author != ? AND written_at >= ? "
            "AND (for_person = '' OR for_person = ?) ORDER BY written_at DESC LIMIT 1",
            (reader, since, reader)).fetchone()
        return _stored(row) if row else None

    def mark_read(self, handoff_id: str, by: str | None = None) -> StoredHandoff:
        by = by or self.ws.me or "me"
        stored = self.get(handoff_id)
        if stored.read_at is not None:
            return stored
        with self.store.transaction() as db:
            db.conn.execute("UPDATE handoffs SET read_at = ?, read_by = ? WHERE id = ?",
                            (iso(self.ws.clock.now()), by, handoff_id))
            self.store.log("handoff.read", handoff_id, {"by": by, "author": stored.handoff.author})
        return self.get(handoff_id)


_COLS = "data, source, shared_at, share_problem, read_at, read_by"


def _stored(row: tuple[Any, ...]) -> StoredHandoff:
    return StoredHandoff(handoff=Handoff.from_dict(json.loads(row[0])), source=row[1],
                         shared_at=parse_instant(row[2]) if row[2] else None, share_problem=row[3],
                         read_at=parse_instant(row[4]) if row[4] else None, read_by=row[5])


def _local_zone() -> Any:
    """The reader's zone (the machine's): handoffs are shown on the reader's clock."""
    return datetime.now().astimezone().tzinfo
