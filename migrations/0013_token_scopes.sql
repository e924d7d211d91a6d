-- Least privilege for agents' keys: a personal token may be scoped to one workspace; and
-- people have a default workspace, used when a baton is passed without naming one.
ALTER TABLE api_tokens ADD COLUMN workspace_id INTEGER REFERENCES workspaces(id) ON DELETE CASCADE;
ALTER TABLE users ADD COLUMN default_workspace_id INTEGER REFERENCES workspaces(id) ON DELETE SET NULL;
