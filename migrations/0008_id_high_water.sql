-- Ids that name a Hub stream (project:<id>, worker:<id>, session:<id>) are never reused:
-- without AUTOINCREMENT SQLite gives a deleted row's id to the next insert when that row had
-- the highest id, and the new row would inherit the old one's stream. Inserts into these
-- tables take MAX(last, MAX(id)) + 1 and raise `last` in the same batch (see edge/src/ids.rs).
CREATE TABLE id_high_water (
  name TEXT PRIMARY KEY,
  last INTEGER NOT NULL
);
INSERT INTO id_high_water (name, last) SELECT 'projects', COALESCE(MAX(id), 0) FROM projects;
INSERT INTO id_high_water (name, last) SELECT 'workers', COALESCE(MAX(id), 0) FROM workers;
INSERT INTO id_high_water (name, last) SELECT 'sessions', COALESCE(MAX(id), 0) FROM sessions;
