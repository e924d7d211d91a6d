-- GitHub sync: a repository linked to a project mirrors its issues into requirements.
-- Secrets (the webhook secret, an optional API token) are stored sealed with AES-256-GCM under
-- a key held as a Worker secret (BATON_SEALING_KEY), so a dump of the database alone reveals
-- neither.

CREATE TABLE github_links (
  id                    INTEGER PRIMARY KEY,
  project_id            INTEGER NOT NULL UNIQUE REFERENCES projects(id) ON DELETE CASCADE,
  repo                  TEXT NOT NULL COLLATE NOCASE,
  secret_sealed         TEXT NOT NULL,
  api_token_sealed      TEXT,
  include_pull_requests INTEGER NOT NULL DEFAULT 0,
  created_by            INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at            INTEGER NOT NULL
);

-- Deliveries already applied, so a redelivery changes nothing.
CREATE TABLE github_deliveries (
  link_id     INTEGER NOT NULL REFERENCES github_links(id) ON DELETE CASCADE,
  delivery_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (link_id, delivery_id)
);

-- The mirrored issue of a requirement: number, link and state, and the issue's updated_at that
-- the mirror reflects (events arriving out of order never move it backwards).
ALTER TABLE requirements ADD COLUMN github_link_id INTEGER REFERENCES github_links(id) ON DELETE SET NULL;
ALTER TABLE requirements ADD COLUMN github_number INTEGER;
ALTER TABLE requirements ADD COLUMN github_url TEXT;
ALTER TABLE requirements ADD COLUMN github_state TEXT;
ALTER TABLE requirements ADD COLUMN github_updated_at INTEGER;
CREATE UNIQUE INDEX requirements_by_github_issue ON requirements(github_link_id, github_number);
CREATE INDEX requirements_by_github_number ON requirements(project_id, github_number);
