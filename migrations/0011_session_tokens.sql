-- Agents use baton from inside their session: the daemon asks the server for a short-lived
-- session token (`bta_`) per turn and hands it to the agent in its environment. Stored only
-- as a SHA-256 hash; gone with its session.
CREATE TABLE session_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX session_tokens_by_session ON session_tokens(session_id, expires_at);

-- Comments may come from a session's agent: attributed to the session and its worker.
CREATE TABLE task_comments_v2 (
  id                INTEGER PRIMARY KEY,
  task_id           INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  author_kind       TEXT NOT NULL CHECK (author_kind IN ('user', 'worker', 'agent')),
  author_id         INTEGER NOT NULL,
  author_name       TEXT NOT NULL,
  author_session_id INTEGER,
  author_worker_id  INTEGER,
  body              TEXT NOT NULL,
  created_at        INTEGER NOT NULL
);
INSERT INTO task_comments_v2 (id, task_id, author_kind, author_id, author_name, body, created_at)
  SELECT id, task_id, author_kind, author_id, author_name, body, created_at FROM task_comments;
DROP TABLE task_comments;
ALTER TABLE task_comments_v2 RENAME TO task_comments;
CREATE INDEX task_comments_by_task ON task_comments(task_id, id);
