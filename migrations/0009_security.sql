-- Fixes of the security review (issue 10).

-- GitHub link ids are never reused: a delivery signed for a deleted link must not reach a
-- new one (see edge/src/ids.rs).
INSERT INTO id_high_water (name, last) SELECT 'github_links', COALESCE(MAX(id), 0) FROM github_links;

-- Account lifecycle: a disabled user's logins, tokens and workers stop working; tokens may
-- expire.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;

-- Failed authentication attempts per key (`login-user:<name>`, `login-client:<ip>`, ...), in
-- fixed windows: past a threshold the key answers 429 until its window ends (edge/src/limits.rs).
CREATE TABLE auth_failures (
  key          TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  failures     INTEGER NOT NULL
);
CREATE INDEX auth_failures_by_window ON auth_failures(window_start);
