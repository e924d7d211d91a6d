-- Requirements (R-N) and tasks (T-N) of a project, task dependencies and comments.
-- Per-project handle numbers come from counters on the project row, bumped in the same
-- batch as the insert, so numbers are unique, gapless under concurrency and never reused.

ALTER TABLE projects ADD COLUMN requirement_counter INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN task_counter INTEGER NOT NULL DEFAULT 0;

CREATE TABLE requirements (
  id          INTEGER PRIMARY KEY,
  project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  number      INTEGER NOT NULL,
  title       TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  body        TEXT NOT NULL DEFAULT '',
  resources   TEXT NOT NULL DEFAULT '[]',
  status      TEXT NOT NULL CHECK (status IN ('active', 'done', 'cancelled')),
  created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  UNIQUE (project_id, number)
);
CREATE INDEX requirements_by_project ON requirements(project_id, id);
CREATE INDEX requirements_by_status ON requirements(project_id, status, id);

CREATE TABLE tasks (
  id             INTEGER PRIMARY KEY,
  project_id     INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  requirement_id INTEGER NOT NULL REFERENCES requirements(id) ON DELETE CASCADE,
  -- The requirement's number (its handle R-N), kept with the row like depends_on below.
  requirement_number INTEGER NOT NULL,
  number         INTEGER NOT NULL,
  title          TEXT NOT NULL,
  body           TEXT NOT NULL DEFAULT '',
  status         TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'blocked', 'done', 'failed', 'cancelled')),
  -- Kept with the row so a page of tasks reads only its own rows: the handles this task
  -- depends on (JSON array, ascending) and how many of them are not done yet.
  depends_on        TEXT NOT NULL DEFAULT '[]',
  open_dependencies INTEGER NOT NULL DEFAULT 0,
  created_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (project_id, number)
);
CREATE INDEX tasks_by_project ON tasks(project_id, id);
CREATE INDEX tasks_by_status ON tasks(project_id, status, id);
CREATE INDEX tasks_ready ON tasks(project_id, open_dependencies, status, id);
CREATE INDEX tasks_by_requirement ON tasks(requirement_id, id);

-- task_id depends on depends_on_id (same project, no cycles: checked on write). The edges
-- serve the reverse look-ups (who waits for this task) and the cycle check.
CREATE TABLE task_dependencies (
  task_id       INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  depends_on_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  PRIMARY KEY (task_id, depends_on_id)
);
CREATE INDEX task_dependents ON task_dependencies(depends_on_id, task_id);

-- Append-only.
CREATE TABLE task_comments (
  id          INTEGER PRIMARY KEY,
  task_id     INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  author_kind TEXT NOT NULL CHECK (author_kind IN ('user', 'worker')),
  author_id   INTEGER NOT NULL,
  author_name TEXT NOT NULL,
  body        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX task_comments_by_task ON task_comments(task_id, id);
