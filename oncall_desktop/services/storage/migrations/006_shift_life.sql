-- Issue 7 (shift life): handoff notes, maintenance windows, readiness results.

-- Handoffs written here or read from the team's handoff folder (``source``).
-- The JSON ``data`` is the handoff as shared; read_at/read_by are this
-- workspace's own "the incoming tech has read it".
CREATE TABLE handoffs (
    id TEXT PRIMARY KEY,
    author TEXT NOT NULL,
    written_at TEXT NOT NULL,
    for_person TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'local',
    shared_at TEXT,
    share_problem TEXT NOT NULL DEFAULT '',
    read_at TEXT,
    read_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX handoffs_written ON handoffs(written_at);

-- Maintenance windows; a window is never deleted (it explains past
-- suppressions), only cancelled.  reminded_at: the end-of-window reminder fired.
CREATE TABLE maintenance_windows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    clients TEXT NOT NULL DEFAULT '[]',
    systems TEXT NOT NULL DEFAULT '[]',
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    cancelled_at TEXT,
    reminded_at TEXT
);
CREATE INDEX maintenance_windows_end ON maintenance_windows(end);

-- The latest result of each readiness item (history is in the event log).
CREATE TABLE readiness (
    item TEXT PRIMARY KEY,
    ok INTEGER NOT NULL,
    detail TEXT NOT NULL,
    fix TEXT NOT NULL DEFAULT '',
    checked_at TEXT NOT NULL
);
