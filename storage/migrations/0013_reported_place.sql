-- The hamlet the villager gave (picked by name, or where their location fell), kept when a grid
-- member hands the report back: hamlet_id is whom it is routed to and is cleared then, so the
-- office would not see where the villager said it was.
ALTER TABLE reports ADD COLUMN reported_hamlet_id TEXT;
UPDATE reports SET reported_hamlet_id = hamlet_id;
