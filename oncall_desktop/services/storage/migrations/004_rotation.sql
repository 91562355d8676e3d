-- Issue 2 (rotation): swap proposals, iCalendar sources and their offline cache.

-- A swap is proposed by one tech and accepted (or declined) by the named colleague;
-- the proposal itself is the core's SwapProposal as JSON.
CREATE TABLE rotation_swaps (
    id TEXT PRIMARY KEY,
    schedule TEXT NOT NULL,
    from_person TEXT NOT NULL,
    to_person TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'proposed',   -- proposed | accepted | declined
    data TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rotation_swaps_state ON rotation_swaps(state);

-- Where a schedule's calendar comes from (.ics file or URL), with the last good copy
-- so the rotation still answers offline, and the ETag for conditional requests.
CREATE TABLE rotation_sources (
    schedule TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    person_pattern TEXT NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);

-- Shift notices already shown (one row per notice), so each fires once, even after sleep.
CREATE TABLE rotation_notices (
    key TEXT PRIMARY KEY,
    sent_at TEXT NOT NULL
);
