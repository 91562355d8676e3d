-- The spine: event log, settings, directory, local book, ticket cache, pages, timers.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_kind_at ON events(kind, at);
CREATE INDEX events_subject ON events(subject);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE people (
    name TEXT PRIMARY KEY,
    email TEXT NOT NULL DEFAULT '',
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    role TEXT NOT NULL DEFAULT 'tech'
);
CREATE TABLE schedules (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE clients (name TEXT PRIMARY KEY, data TEXT NOT NULL);

-- the embedded ticket system ("local book")
CREATE TABLE local_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,
    priority INTEGER NOT NULL, status TEXT NOT NULL, contact TEXT NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL,
    seq INTEGER NOT NULL  -- bumped on every change: the exact poll cursor
);
CREATE INDEX local_tickets_seq ON local_tickets(seq);
CREATE TABLE local_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES local_tickets(id),
    text TEXT NOT NULL, internal INTEGER NOT NULL, at TEXT NOT NULL
);
CREATE TABLE local_time_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES local_tickets(id),
    start TEXT NOT NULL, end TEXT NOT NULL,
    worked_minutes INTEGER NOT NULL, billable_minutes INTEGER NOT NULL,
    multiplier REAL NOT NULL, note TEXT NOT NULL, at TEXT NOT NULL
);

-- tickets as last seen from whichever system is configured
CREATE TABLE tickets (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, remote_id TEXT NOT NULL,
    client TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,
    priority INTEGER NOT NULL, status TEXT NOT NULL, contact TEXT NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL
);
CREATE TABLE cursors (source TEXT PRIMARY KEY, cursor TEXT, at TEXT NOT NULL);

CREATE TABLE pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL,
    state TEXT NOT NULL, level INTEGER NOT NULL DEFAULT 1,
    person TEXT NOT NULL DEFAULT '', severity TEXT NOT NULL,
    reason TEXT NOT NULL, created TEXT NOT NULL,
    ack_deadline TEXT, sla_deadline TEXT,
    acknowledged_at TEXT, acknowledged_by TEXT NOT NULL DEFAULT '',
    resolved_at TEXT, data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX pages_state ON pages(state);
CREATE INDEX pages_ticket ON pages(ticket_id);

CREATE TABLE timers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL, client TEXT NOT NULL,
    started TEXT NOT NULL, heartbeat TEXT NOT NULL, stopped TEXT,
    data TEXT NOT NULL DEFAULT '{}'
);
