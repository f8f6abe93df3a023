-- The language a role holder named in the configuration was answered in while they have no
-- users row (their first message a command such as /area): the notifications that reach them
-- before any /start (the month's figures, a deadline's escalation) speak it too. Kept apart
-- from users, where a row makes one of "everyone registered" for the office's notices.
CREATE TABLE role_languages (
    user_id     INTEGER PRIMARY KEY,
    language    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
