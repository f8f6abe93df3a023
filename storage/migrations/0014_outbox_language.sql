-- The language an outbox row is being sent in: chosen from its reader's language when its
-- first part goes (so a message queued before their hello, or held while they switched with
-- /lang, speaks the language they read by then), and kept once a part has gone, so a resumed
-- row ends in the language it began in.
ALTER TABLE outbox ADD COLUMN language TEXT;
