-- Retention for the append-only event log. A DELETE passes only for events
-- older than the cutoff in events_prune; store.prune_events() writes that row
-- and removes it again inside one transaction, so no other connection ever
-- sees it and every ordinary DELETE is still refused. UPDATE stays refused.
CREATE TABLE events_prune (id INTEGER PRIMARY KEY CHECK (id = 1), before TEXT NOT NULL);
DROP TRIGGER events_no_delete;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    WHEN NOT EXISTS (SELECT 1 FROM events_prune WHERE OLD.at < events_prune.before)
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
