-- Issue 5 (shared escalation): who holds a ticket, and reassignment through the outbox.

-- The assignee last seen for each ticket (display name as the ticket system
-- shows it): the poller pages me when this changes to me, once per assignment.
ALTER TABLE tickets ADD COLUMN assignee TEXT NOT NULL DEFAULT '';

-- The local book keeps its tickets' assignee too (it is a ticket system like the others).
ALTER TABLE local_tickets ADD COLUMN assignee TEXT NOT NULL DEFAULT '';

-- The outbox learns a third kind, "assign" (reassign the ticket; idempotent).  SQLite
-- cannot change a CHECK constraint in place, so the table is rebuilt with the same
-- columns and rows (the documented create-copy-drop-rename procedure).
CREATE TABLE outbox_007 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    ticket_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('note', 'time_entry', 'assign')),
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    in_doubt INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until TEXT,
    created TEXT NOT NULL,
    sent_at TEXT,
    remote_id TEXT
);
INSERT INTO outbox_007 (id, key, ticket_id, kind, payload, state, attempts, next_try, last_error, in_doubt,
                        claimed_by, claimed_until, created, sent_at, remote_id)
    SELECT id, key, ticket_id, kind, payload, state, attempts, next_try, last_error, in_doubt,
           claimed_by, claimed_until, created, sent_at, remote_id FROM outbox;
-- keep the id counter: a cancelled row's id is never handed out again
DELETE FROM sqlite_sequence WHERE name = 'outbox_007';
INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_007', seq FROM sqlite_sequence WHERE name = 'outbox';
DROP TABLE outbox;
ALTER TABLE outbox_007 RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(state, ticket_id, id);
