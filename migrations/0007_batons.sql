-- Batons: the handoff API. One row per baton; the finisher's result lives in its own table so
-- that neither row can pass D1's row size limit (each JSON value is at most 1 MiB).
CREATE TABLE batons (
  seq              INTEGER PRIMARY KEY,          -- order of passing; the list cursor
  id               TEXT NOT NULL UNIQUE,         -- the public id, bt_ + 26 base32 characters
  workspace_id     INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  to_project_id    INTEGER REFERENCES projects(id) ON DELETE CASCADE,
  to_worker_id     INTEGER REFERENCES workers(id) ON DELETE SET NULL,
  project_id       INTEGER REFERENCES projects(id) ON DELETE CASCADE, -- the project it concerns (its change stream hears of it)
  task             TEXT NOT NULL,
  payload          TEXT NOT NULL,                -- {"output","context","constraints"} from the passer
  status           TEXT NOT NULL CHECK (status IN ('pending', 'caught', 'done', 'failed', 'cancelled')),
  rev              INTEGER NOT NULL DEFAULT 0,   -- bumped by every move: the compare-and-set guard
  attempt          INTEGER NOT NULL DEFAULT 0,
  passed_by        TEXT NOT NULL,                -- principal key: user:<id>
  passed_by_name   TEXT NOT NULL,
  holder           TEXT,                         -- principal key of the latest lease's holder
  holder_name      TEXT,
  lease_hash       TEXT,                         -- SHA-256 of the lease token
  lease_expires_at INTEGER,
  expires_at       INTEGER NOT NULL,             -- the TTL: an unfinished baton expires here
  created_at       INTEGER NOT NULL,
  caught_at        INTEGER,
  finished_at      INTEGER,
  updated_at       INTEGER NOT NULL,
  error            TEXT,
  session_id       INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
  webhook_url      TEXT,
  webhook_secret   TEXT,                         -- sealed with BATON_SEALING_KEY
  idempotency_key  TEXT,
  request_hash     TEXT                          -- SHA-256 of the pass body, for key replays
);
CREATE UNIQUE INDEX batons_by_idempotency_key ON batons(passed_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX batons_by_workspace ON batons(workspace_id, seq);
CREATE INDEX batons_by_project ON batons(to_project_id, seq);
CREATE INDEX batons_by_worker ON batons(to_worker_id, seq);
-- Unfinished batons: what workers sweep for stays small however many batons have finished.
CREATE INDEX batons_open ON batons(seq) WHERE status IN ('pending', 'caught');

CREATE TABLE baton_results (
  baton_seq INTEGER PRIMARY KEY REFERENCES batons(seq) ON DELETE CASCADE,
  result    TEXT NOT NULL
);
