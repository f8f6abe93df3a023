-- Who may hear a report's voice description: 'office' (the default: a voice identifies its
-- speaker, and the grid member is a neighbour) or 'member' (the reporter allowed it). When only
-- the office may, the office can pass it on in words: voice_relay keeps those words.
ALTER TABLE reports ADD COLUMN voice_audience TEXT NOT NULL DEFAULT 'office';
ALTER TABLE reports ADD COLUMN voice_relay TEXT;
