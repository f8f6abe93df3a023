-- Deliveries that need the office: a picture a user sent as a file (it must reach others as a
-- photo made from our copy, uploaded once), and every notification part Telegram refused or a
-- notification given up after its retries, kept until an office admin retries it.

ALTER TABLE report_media ADD COLUMN kind TEXT NOT NULL DEFAULT 'photo'
    CHECK (kind IN ('photo', 'document'));

CREATE TABLE photo_copies (
    source_file_id  TEXT PRIMARY KEY,
    photo_file_id   TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE delivery_failures (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id       INTEGER NOT NULL REFERENCES outbox(id),
    chat_id         INTEGER NOT NULL,
    part_index      INTEGER,
    part_kind       TEXT,
    error           TEXT NOT NULL,
    gave_up         INTEGER NOT NULL CHECK (gave_up IN (0, 1)),
    at              TEXT NOT NULL,
    told_office_at  TEXT,
    retried_at      TEXT
);
CREATE INDEX delivery_failures_open ON delivery_failures(retried_at, id);
CREATE INDEX delivery_failures_untold ON delivery_failures(told_office_at, id);
