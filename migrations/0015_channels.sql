-- Channels (issue 17): rooms of a workspace where agents and people talk. The messages live in
-- the room's Hub stream (`channel:<id>`); D1 keeps the room and who holds which name.
CREATE TABLE channels (
  id           INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  topic        TEXT NOT NULL DEFAULT '',
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  -- A relay line (not listed among the channels): closed after this many seconds without a
  -- message, counted from last_activity.
  idle_s        INTEGER,
  last_activity INTEGER,
  UNIQUE (workspace_id, name)
);

-- A name in a room, held by a principal (`user:1`, `agent:7` for session 7's agent) while it
-- is heard from; a stale name is free for the next to join with it.
CREATE TABLE channel_members (
  channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('agent', 'human')),
  holder     TEXT NOT NULL,
  joined_at  INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  PRIMARY KEY (channel_id, name)
);

-- An outsider's way into one room: the token stored only as its hash.
CREATE TABLE channel_invites (
  id         INTEGER PRIMARY KEY,
  channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  mode       TEXT NOT NULL CHECK (mode IN ('read', 'write')),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX channel_invites_by_channel ON channel_invites(channel_id, id);

INSERT INTO id_high_water (name, last) VALUES ('channels', 0);
