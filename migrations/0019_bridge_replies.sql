-- Chat bridges (issue 18), continued: each turn of a bridged session is answered into its chat
-- once (a row claims it before anything is sent), and each bridge's platform token is kept,
-- sealed, until it expires.
CREATE TABLE bridge_replies (
  session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  message_seq INTEGER NOT NULL,
  bridge_id   INTEGER NOT NULL REFERENCES bridges(id) ON DELETE CASCADE,
  status      TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
  error       TEXT,
  at          INTEGER NOT NULL,
  PRIMARY KEY (session_id, message_seq)
);

CREATE TABLE bridge_tokens (
  bridge_id    INTEGER PRIMARY KEY REFERENCES bridges(id) ON DELETE CASCADE,
  token_sealed TEXT NOT NULL,
  expires_at   INTEGER NOT NULL
);
