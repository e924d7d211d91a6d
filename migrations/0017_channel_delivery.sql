-- Channels (issue 17), continued. A private room shows an addressed message only to its
-- sender and its recipients (and to the room's creator and admins); files attached to a
-- room's messages live in R2 like a session's, listed here.
ALTER TABLE channels ADD COLUMN private INTEGER NOT NULL DEFAULT 0;

CREATE TABLE channel_attachments (
  id           INTEGER PRIMARY KEY,
  channel_id   INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  r2_key       TEXT NOT NULL UNIQUE,
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX channel_attachments_by_channel ON channel_attachments(channel_id, id);
