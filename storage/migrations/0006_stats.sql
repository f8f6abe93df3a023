-- The office's numbers are computed from the event log for any period, so the log must say
-- what was done (not only which state it led to: an escalation or a deferral changes no
-- state) and which fix deadline a step set (so a later change of a category's hours does not
-- rewrite past on-time figures). Plus the indexes the period queries need, and one row per
-- digest period so that each digest is sent once.

-- (`action` itself came with 0005_schedules.)
ALTER TABLE report_events ADD COLUMN due_at TEXT;

-- Name the action of the events written before this column existed. Every (from, to) pair
-- of the lifecycle table has one action, except submitted → assigned, which the system does
-- (route, no actor) or the office does by hand (assign). The log stays append-only: the
-- guard is lifted for this one statement only.
DROP TRIGGER report_events_no_update;
UPDATE report_events SET action = CASE
    WHEN from_state IS NULL THEN 'submit'
    WHEN to_state = 'duplicate' THEN 'mark_duplicate'
    WHEN to_state = 'rejected' THEN 'reject'
    WHEN to_state = 'accepted' THEN 'accept'
    WHEN to_state = 'fixed' THEN 'fix'
    WHEN to_state = 'closed' THEN 'confirm'
    WHEN to_state = 'reopened' THEN 'reopen'
    WHEN to_state = 'submitted' THEN 'not_my_area'
    WHEN to_state = 'assigned' AND from_state = 'submitted' AND actor_id IS NULL THEN 'route'
    WHEN to_state = 'assigned' THEN 'assign'
END
WHERE action IS NULL;
CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events
BEGIN SELECT RAISE(ABORT, 'report_events is append-only'); END;

CREATE INDEX report_events_by_time ON report_events(at, report_id);
CREATE INDEX report_events_by_state_time ON report_events(to_state, at, report_id);
CREATE INDEX report_events_by_state_report ON report_events(to_state, report_id, at);
CREATE INDEX report_events_by_action_time ON report_events(action, at, report_id);
CREATE INDEX reports_by_created ON reports(created_at, id);

CREATE TABLE stats_digests (
    period_kind   TEXT NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start  TEXT NOT NULL,
    queued_at     TEXT NOT NULL,
    PRIMARY KEY (period_kind, period_start)
);
