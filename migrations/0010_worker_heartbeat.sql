-- When a worker's daemon last said it was alive, kept at most every 15 s (the daemon beats
-- every 10 s), so a list of workers shows who is online without one Hub call per worker.
ALTER TABLE workers ADD COLUMN last_heartbeat_at INTEGER;
