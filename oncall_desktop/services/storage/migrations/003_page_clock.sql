-- Issue 4 (ack clock, SLA): page state machine columns and the clock's stored deadlines.
-- ack_state: ack.PageState as JSON (the whole clock of one page; survives restarts).
-- next_due:  the earliest instant something happens on its own (window end, stale check,
--            reminder); the clock service scans this index on every tick.
-- clock_seq: transitions applied so far; with the page id it makes each note's outbox key.
-- sla_pauses: [[start, end|null], ...] while the ticket waited on the client.
ALTER TABLE pages ADD COLUMN ack_state TEXT;
ALTER TABLE pages ADD COLUMN next_due TEXT;
ALTER TABLE pages ADD COLUMN clock_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN sla_pauses TEXT NOT NULL DEFAULT '[]';
CREATE INDEX pages_next_due ON pages(next_due) WHERE next_due IS NOT NULL;
