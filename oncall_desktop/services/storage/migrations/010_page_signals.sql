-- What a page was opened on, kept for the tech's verdict and for replaying the rules.
-- signals: the triage kinds that counted, [{"kind", "weight", "words"}, ...] (core/paging/signals_fired.py);
-- reasons: the decision's reasons as a list (``reason`` keeps the sentence the notification showed).
ALTER TABLE pages ADD COLUMN signals TEXT NOT NULL DEFAULT '[]';
ALTER TABLE pages ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]';

-- Whether the ticket system gave the ticket its priority (a mail without an importance header gives
-- none): a replay must not read a default as the client's word.  Rows stored before this say 1.
ALTER TABLE tickets ADD COLUMN priority_given INTEGER NOT NULL DEFAULT 1;
