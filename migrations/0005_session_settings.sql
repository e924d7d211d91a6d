-- Per-session agent settings, read by the worker before each turn.
ALTER TABLE sessions ADD COLUMN plan_mode INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN model TEXT;
ALTER TABLE sessions ADD COLUMN effort TEXT CHECK (effort IN ('low', 'medium', 'high'));
