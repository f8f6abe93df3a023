-- A report's description as everyone but the office reads it: scrubbed at submission of phone
-- and ID numbers and the reporter's own name (bot/reporting/redact.py), with placeholders the
-- notifier puts in the reader's words. The office keeps reading `description` as written.
-- Reports stored before this have none (the notifier scrubs their numbers when rendering);
-- an order's text is the office's own and public as it is.
ALTER TABLE reports ADD COLUMN public_description TEXT;
UPDATE reports SET public_description = description WHERE kind = 'order';
