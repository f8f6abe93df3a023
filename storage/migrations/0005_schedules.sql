-- Reminders that run themselves: recurring schedules and their firings (each recorded once),
-- the deadline sweep's next step per report, rectification orders as reports of kind 'order',
-- the action behind each logged event, and outbox rows held for quiet hours.

-- A rectification order (整改函) is tracked like a villager's report: same states and buttons.
ALTER TABLE reports ADD COLUMN kind TEXT NOT NULL DEFAULT 'report'
    CHECK (kind IN ('report', 'order'));
-- When the sweep must next look at the report (a reminder, an escalation, an auto-close);
-- NULL when nothing is pending. Times are UTC ISO text, so they compare as text.
ALTER TABLE reports ADD COLUMN next_step_at TEXT;
CREATE INDEX reports_next_step ON reports(next_step_at) WHERE next_step_at IS NOT NULL;
CREATE INDEX reports_orders ON reports(state, village_id, id) WHERE kind = 'order';

-- remind, escalate, auto_close, issue … (NULL for events logged before this migration).
ALTER TABLE report_events ADD COLUMN action TEXT;

-- Held until the end of quiet hours (NULL: send as soon as possible).
ALTER TABLE outbox ADD COLUMN not_before TEXT;

CREATE TABLE schedules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    seed_key       TEXT UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('cleanup', 'inspection', 'custom')),
    title          TEXT NOT NULL,
    recurrence     TEXT NOT NULL,
    reminders      TEXT NOT NULL DEFAULT '[]',
    audience       TEXT NOT NULL,
    message        TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('active', 'paused', 'finished', 'deleted')),
    -- Every firing at or before this instant has been handled (sent, missed or skipped).
    checked_until  TEXT NOT NULL,
    created_by     INTEGER,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX schedules_by_state ON schedules(state, id);

-- One row per firing, written in the same transaction as its outbox rows: the unique key is
-- what makes a firing happen exactly once, whatever restarts or duplicate jobs do.
CREATE TABLE schedule_firings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id    INTEGER NOT NULL REFERENCES schedules(id),
    occurrence_at  TEXT NOT NULL,
    step           TEXT NOT NULL,
    due_at         TEXT NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('sent', 'missed', 'skipped')),
    recipients     INTEGER NOT NULL DEFAULT 0,
    handled_at     TEXT NOT NULL,
    UNIQUE (schedule_id, occurrence_at, step)
);
CREATE INDEX schedule_firings_recent ON schedule_firings(schedule_id, due_at);
