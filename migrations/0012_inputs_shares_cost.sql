-- People in the loop (issue 12): session settings, questions and approvals, share links, cost.

-- How a session's agent may act, and how long it waits for a person.
ALTER TABLE sessions ADD COLUMN permissions TEXT NOT NULL DEFAULT 'ask'
  CHECK (permissions IN ('ask', 'allow_all', 'plan'));
ALTER TABLE sessions ADD COLUMN input_timeout_s INTEGER NOT NULL DEFAULT 1800;
-- The task a session works on: its cost adds to the task's.
ALTER TABLE sessions ADD COLUMN task_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL;

-- An agent's requests for a person (tool approvals, questions) and their answers.
CREATE TABLE session_inputs (
  id               INTEGER PRIMARY KEY,
  session_id       INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  request_id       TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('approval', 'question')),
  tool             TEXT,
  summary          TEXT NOT NULL,
  input            TEXT NOT NULL,
  message_seq      INTEGER NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'answered', 'expired')),
  requested_at     INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  decision         TEXT CHECK (decision IN ('allow', 'deny')),
  message          TEXT,
  answers          TEXT,
  answered_by      TEXT,
  answered_at      INTEGER,
  UNIQUE (session_id, request_id)
);
CREATE INDEX session_inputs_pending ON session_inputs(session_id) WHERE status = 'pending';

-- Share links: one session each, the token stored only as its hash.
CREATE TABLE session_shares (
  id         INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  mode       TEXT NOT NULL CHECK (mode IN ('read', 'write')),
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX session_shares_by_session ON session_shares(session_id, id);

-- What each turn cost, as its agent reported it; totals are sums over these rows. A deleted
-- session's turns still count for its project (session ids are never reused).
CREATE TABLE turn_costs (
  session_id    INTEGER NOT NULL,
  message_seq   INTEGER NOT NULL,
  project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  task_id       INTEGER,
  input_tokens  INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd      REAL NOT NULL DEFAULT 0,
  at            INTEGER NOT NULL,
  PRIMARY KEY (session_id, message_seq)
);
CREATE INDEX turn_costs_by_project ON turn_costs(project_id, at);
CREATE INDEX turn_costs_by_task ON turn_costs(task_id) WHERE task_id IS NOT NULL;

-- A project's notification webhooks: signed like batons' webhooks, retried the same way.
CREATE TABLE project_webhooks (
  id            INTEGER PRIMARY KEY,
  project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  url           TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  events        TEXT NOT NULL,
  created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX project_webhooks_by_project ON project_webhooks(project_id, id);
