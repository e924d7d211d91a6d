-- Workers (W-N): machines that run a coding agent for a project's sessions. A worker is
-- identified by the machine it runs on (machine_id, kept in the user's data dir), so
-- registering again from the same machine reattaches instead of duplicating. Its token is
-- stored only as a SHA-256 hash and scopes it to its own command stream and sessions.

CREATE TABLE workers (
  id           INTEGER PRIMARY KEY,
  project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  machine_id   TEXT NOT NULL,
  name         TEXT NOT NULL COLLATE NOCASE,
  hostname     TEXT NOT NULL DEFAULT '',
  agent        TEXT NOT NULL CHECK (agent IN ('claude-code', 'codex', 'command', 'scripted')),
  base_branch  TEXT NOT NULL,
  max_sessions INTEGER NOT NULL DEFAULT 4,
  token_hash   TEXT NOT NULL UNIQUE,
  created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at   INTEGER NOT NULL,
  UNIQUE (project_id, machine_id),
  UNIQUE (project_id, name)
);
CREATE INDEX workers_by_project ON workers(project_id, id);

ALTER TABLE sessions ADD COLUMN worker_id INTEGER REFERENCES workers(id) ON DELETE CASCADE;
CREATE INDEX sessions_by_worker ON sessions(worker_id, id);
