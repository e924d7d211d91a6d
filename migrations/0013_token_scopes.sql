-- Least privilege for agents' keys: a personal token may be scoped to one workspace; and
-- people have a default workspace, used when a baton is passed without naming one.
ALTER TABLE api_tokens ADD COLUMN workspace_id INTEGER REFERENCES workspaces(id) ON DELETE CASCADE;
ALTER TABLE users ADD COLUMN default_workspace_id INTEGER REFERENCES workspaces(id) ON DELETE SET NULL;

-- A session's running cost totals, kept with the row (recomputed from turn_costs, by its
-- primary key, whenever a turn reports usage), so reading a session costs no extra query.
ALTER TABLE sessions ADD COLUMN cost_turns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN cost_input_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN cost_output_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN cost_usd REAL NOT NULL DEFAULT 0;

-- The message whose turn runs now, as the session's worker wrote it (turn_start sets it, its
-- end clears it), so lists show each session's state and each worker's busy sessions from D1.
ALTER TABLE sessions ADD COLUMN open_turn INTEGER;
CREATE INDEX sessions_busy_by_worker ON sessions(worker_id) WHERE open_turn IS NOT NULL;

-- A scoped token may be narrowed further, to one project of its workspace.
ALTER TABLE api_tokens ADD COLUMN project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE;
