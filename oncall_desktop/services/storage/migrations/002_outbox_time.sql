-- Issue 6 (billing): the outbox (durable writes to ticket systems), time entries, timer segments.

-- Every write to a ticket system is first a row here (services/outbox.py).
-- ``in_doubt`` = an attempt began and its outcome is unknown (sent, then no
-- clear answer, or the app died mid-call): look the key up before posting again.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    ticket_id TEXT NOT NULL,                -- ours: "source:remote_id"
    kind TEXT NOT NULL CHECK (kind IN ('note', 'time_entry')),
    payload TEXT NOT NULL,                  -- JSON
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',    -- words for the technician
    in_doubt INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,                        -- the delivering process, while a call is under way
    claimed_until TEXT,
    created TEXT NOT NULL,
    sent_at TEXT,
    remote_id TEXT
);
CREATE INDEX outbox_pending ON outbox(state, ticket_id, id);

-- A timer is a list of segments (pause/resume); a manual entry is a timer with one segment.
ALTER TABLE timers ADD COLUMN state TEXT NOT NULL DEFAULT 'running';  -- running | paused | stopped
ALTER TABLE timers ADD COLUMN flag TEXT;                              -- no-charge | regular-charge
ALTER TABLE timers ADD COLUMN origin TEXT NOT NULL DEFAULT 'timer';   -- timer | manual
ALTER TABLE timers ADD COLUMN billed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE timers ADD COLUMN question TEXT;                          -- JSON: "were you working?" gap

CREATE TABLE timer_segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timer_id INTEGER NOT NULL REFERENCES timers(id),
    start TEXT NOT NULL,
    end TEXT,                               -- NULL while it runs
    rev INTEGER NOT NULL DEFAULT 0          -- bumped by a manual edit: new idempotency keys
);
CREATE INDEX timer_segments_timer ON timer_segments(timer_id);
CREATE UNIQUE INDEX timer_segments_one_open ON timer_segments(timer_id) WHERE end IS NULL;

-- Billed entries (billing.TimeEntry as rows), one outbox time entry each (same key).
CREATE TABLE time_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    segment_id INTEGER NOT NULL REFERENCES timer_segments(id),
    ticket TEXT NOT NULL,
    client TEXT NOT NULL,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    worked_minutes INTEGER NOT NULL,
    in_hours_minutes INTEGER NOT NULL,
    after_hours_minutes INTEGER NOT NULL,
    billable_minutes INTEGER NOT NULL,
    multiplier REAL NOT NULL,
    rate_class TEXT NOT NULL,
    reasons TEXT NOT NULL,                  -- JSON list of words
    agreement TEXT NOT NULL,
    amount_cents INTEGER,
    billed_at TEXT NOT NULL
);
CREATE INDEX time_entries_start ON time_entries(start);
CREATE INDEX time_entries_segment ON time_entries(segment_id);
