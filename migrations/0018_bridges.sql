-- Chat bridges (issue 18): a DingTalk or Feishu bot of a project, answered by one worker's
-- agent. Secrets are sealed (AES-GCM, BATON_SEALING_KEY) like a GitHub link's.
CREATE TABLE bridges (
  id                        INTEGER PRIMARY KEY,
  project_id                INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  worker_id                 INTEGER REFERENCES workers(id) ON DELETE SET NULL,
  platform                  TEXT NOT NULL CHECK (platform IN ('dingtalk', 'feishu')),
  name                      TEXT NOT NULL,
  app_key                   TEXT NOT NULL,
  app_secret_sealed         TEXT NOT NULL,
  verification_token_sealed TEXT,
  encrypt_key_sealed        TEXT,
  prompt                    TEXT NOT NULL DEFAULT '',
  created_by                TEXT NOT NULL,
  created_at                INTEGER NOT NULL,
  updated_at                INTEGER NOT NULL
);
CREATE INDEX bridges_by_project ON bridges(project_id, id);

-- A conversation of a bridge (a chat and its sender, or a thread) and the session it talks
-- to, reused while the session lives; `/new` points it at a fresh one.
CREATE TABLE bridge_chats (
  bridge_id  INTEGER NOT NULL REFERENCES bridges(id) ON DELETE CASCADE,
  chat_key   TEXT NOT NULL,
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  -- Where the answer goes (the platform's reply target, JSON), as of the last message.
  reply_to   TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (bridge_id, chat_key)
);

-- Deliveries already taken (DingTalk's msgId, Feishu's event_id): a retry or a replay is
-- answered and changes nothing.
CREATE TABLE bridge_deliveries (
  bridge_id   INTEGER NOT NULL REFERENCES bridges(id) ON DELETE CASCADE,
  delivery_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (bridge_id, delivery_id)
);

INSERT INTO id_high_water (name, last) VALUES ('bridges', 0);
