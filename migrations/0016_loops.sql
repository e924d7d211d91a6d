-- Loops (issue 17): a message posted into a session on a schedule. D1 holds the schedule;
-- each loop's clock is a Durable Object (`loop:<id>`, class LoopClock) whose alarm fires at
-- next_run_at. Ids are never reused: a new loop must never inherit an old one's clock.
CREATE TABLE loops (
  id            INTEGER PRIMARY KEY,
  session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  name          TEXT NOT NULL DEFAULT '',
  message       TEXT NOT NULL,
  interval_s    INTEGER NOT NULL,
  enabled       INTEGER NOT NULL DEFAULT 1,
  -- The run due next (unix ms), counted from the anchor: creation, a change of interval, or
  -- enabling. Kept while disabled (the clock ignores it then).
  next_run_at   INTEGER NOT NULL,
  last_run_at   INTEGER,
  last_outcome  TEXT CHECK (last_outcome IN ('ran', 'skipped')),
  last_reason   TEXT,
  runs          INTEGER NOT NULL DEFAULT 0,
  skips         INTEGER NOT NULL DEFAULT 0,
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX loops_by_session ON loops(session_id, id);

INSERT INTO id_high_water (name, last) VALUES ('loops', 0);
