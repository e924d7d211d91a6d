//! Batons addressed to this worker or its project: catching them, and keeping each caught one
//! until its session's first turn ends.
//!
//! - A `baton_offered` command, and a sweep on start and every `BATON_SWEEP_MS` (30 s), try
//!   to catch every pending baton the worker may see. Several workers of a project race; the
//!   lease picks one and the others' 409 is expected, not an error.
//! - The server answers a worker's catch with a session that runs the baton (its brief is the
//!   first message); the daemon starts it like any other session.
//! - A keeper per caught baton follows the session's transcript from its start, extends the
//!   lease while the work goes on, and when the brief's turn ends calls `done` with
//!   `{"answer": <the agent's last message>, "session_id": N}`, or `fail` with the turn's
//!   error. After a daemon restart the sweep finds the batons this worker still holds and
//!   starts their keepers again, with the lease tokens kept in `.baton/leases.json`; reading
//!   the transcript from the start, a keeper also
//!   finishes a baton whose turn ended while the daemon was down. A baton whose session is
//!   deleted fails, saying so.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use protocol::agent::AgentEvent;
use protocol::baton::{Baton, Caught, Fail, Finish, Heartbeat};
use protocol::event::EventBody;
use reqwest::{Method, StatusCode};
use tokio::sync::mpsc;

use crate::backoff::Backoff;
use crate::client::Client;
use crate::resolve;
use crate::watch::Follower;

/// The lease a worker takes, in seconds (`BATON_LEASE_SECONDS` overrides, for tests).
fn lease_seconds() -> i64 {
    std::env::var("BATON_LEASE_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

/// How often the sweep looks for batons (`BATON_SWEEP_MS` overrides).
pub fn sweep_every() -> Duration {
    Duration::from_millis(std::env::var("BATON_SWEEP_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(30_000))
}

/// Catches batons and keeps them. Cheap to clone; the sessions to start go to the daemon.
#[derive(Clone)]
pub struct Catcher {
    client: Client,
    worker_id: i64,
    start_session: mpsc::UnboundedSender<i64>,
    /// Batons with a running keeper.
    kept: Arc<Mutex<HashSet<String>>>,
    leases: Arc<Leases>,
    /// How many batons it holds at once (the worker's `max_sessions`): more would sit in its
    /// queue while another worker of the project is free.
    capacity: usize,
}

/// The lease tokens of the batons this worker holds, on disk next to its config (mode 600),
/// so that after a restart its keepers still send them and a stale attempt stays fenced off.
pub struct Leases {
    path: PathBuf,
    tokens: Mutex<HashMap<String, String>>,
}

impl Leases {
    /// The tokens saved at `path` (none when the file is missing or unreadable).
    pub fn load(path: PathBuf) -> Self {
        let tokens =
            std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
        Leases { path, tokens: Mutex::new(tokens) }
    }

    fn get(&self, baton_id: &str) -> Option<String> {
        self.tokens.lock().ok()?.get(baton_id).cloned()
    }

    fn put(&self, baton_id: &str, token: &str) {
        self.change(|t| {
            t.insert(baton_id.to_owned(), token.to_owned());
        });
    }

    fn forget(&self, baton_id: &str) {
        self.change(|t| {
            t.remove(baton_id);
        });
    }

    fn change(&self, edit: impl FnOnce(&mut HashMap<String, String>)) {
        let Ok(mut tokens) = self.tokens.lock() else { return };
        edit(&mut tokens);
        if let Err(err) = crate::private_file::write_json(&self.path, &*tokens) {
            super::log::warn(&format!("cannot save baton leases: {err:#}"));
        }
    }
}

impl Catcher {
    pub fn new(
        client: Client,
        worker_id: i64,
        start_session: mpsc::UnboundedSender<i64>,
        leases: Leases,
        capacity: usize,
    ) -> Self {
        let leases = Arc::new(leases);
        Catcher { client, worker_id, start_session, kept: Arc::default(), leases, capacity: capacity.max(1) }
    }

    fn full(&self) -> bool {
        self.kept.lock().map_or(true, |k| k.len() >= self.capacity)
    }

    /// Tries to catch one baton, if there is room; a refusal (someone else holds it, it
    /// expired) is normal. False when there was no room: the baton is left, for another
    /// worker or a later sweep.
    pub async fn try_catch(&self, baton_id: &str) -> bool {
        if self.full() {
            return false;
        }
        let path = format!("/api/catch/{baton_id}?lease_seconds={}", lease_seconds());
        let response = match self.client.request(Method::GET, &path) {
            Ok(request) => self.client.send(request).await,
            Err(err) => Err(err),
        };
        let response = match response {
            Ok(r) => r,
            Err(err) => {
                super::log::warn(&format!("cannot catch {baton_id}: {err:#}"));
                return true;
            }
        };
        if matches!(response.status(), StatusCode::CONFLICT | StatusCode::GONE | StatusCode::NOT_FOUND) {
            return true;
        }
        match crate::client::decode::<Caught>("catch a baton", response).await {
            Ok(caught) => {
                super::log::info(&format!("caught {baton_id} (attempt {})", caught.baton.attempt));
                self.leases.put(baton_id, &caught.lease.token);
                self.keep(&caught.baton);
            }
            Err(err) => super::log::warn(&format!("cannot catch {baton_id}: {err:#}")),
        }
        true
    }

    /// Starts the baton's session and its keeper, unless a keeper already runs.
    fn keep(&self, baton: &Baton) {
        let Some(session_id) = baton.session_id else { return };
        if !self.kept.lock().map(|mut k| k.insert(baton.baton_id.clone())).unwrap_or(false) {
            return;
        }
        let _ = self.start_session.send(session_id);
        let keeper = Keeper {
            client: self.client.clone(),
            baton_id: baton.baton_id.clone(),
            session_id,
            lease_token: self.leases.get(&baton.baton_id),
        };
        let catcher = self.clone();
        tokio::spawn(async move {
            keeper.run().await;
            catcher.leases.forget(&keeper.baton_id);
            if let Ok(mut k) = catcher.kept.lock() {
                k.remove(&keeper.baton_id);
            }
            // Room again: take what waited.
            if let Err(err) = catcher.sweep().await {
                super::log::warn(&format!("baton sweep: {err:#}"));
            }
        });
    }

    /// Catches what is pending and keeps what this worker already holds.
    pub async fn sweep(&self) -> Result<()> {
        let pending: Vec<Baton> =
            resolve::all_pages(&self.client, "list pending batons", "/api/batons?status=pending").await?;
        for b in &pending {
            self.try_catch(&b.baton_id).await;
        }
        let caught: Vec<Baton> =
            resolve::all_pages(&self.client, "list caught batons", "/api/batons?status=caught").await?;
        let mine = caught.iter().filter(|b| {
            b.caught_by
                .as_ref()
                .is_some_and(|p| p.kind == protocol::event::AuthorKind::Worker && p.id == self.worker_id)
        });
        for b in mine {
            self.keep(b);
        }
        Ok(())
    }

    /// Sweeps now and then forever.
    pub async fn sweep_forever(self) {
        loop {
            if let Err(err) = self.sweep().await {
                super::log::warn(&format!("baton sweep: {err:#}"));
            }
            tokio::time::sleep(sweep_every()).await;
        }
    }
}

/// How the brief's turn ended, as read from the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Answered(String),
    Failed(String),
}

/// Reads a session's transcript for the end of its first message's turn. Pure.
#[derive(Debug, Default)]
pub struct BriefTurn {
    brief_seq: Option<u64>,
    last_answer: String,
}

impl BriefTurn {
    /// Takes one event; answers the ending once the brief's turn is over.
    pub fn apply(&mut self, seq: u64, body: &EventBody) -> Option<Ending> {
        match body {
            EventBody::UserMessage { .. } if self.brief_seq.is_none() => self.brief_seq = Some(seq),
            EventBody::AgentEvent { message_seq, event: AgentEvent::AgentMessage { text } }
                if Some(*message_seq) == self.brief_seq =>
            {
                self.last_answer = text.clone();
            }
            EventBody::TurnComplete { message_seq } if Some(*message_seq) == self.brief_seq => {
                return Some(Ending::Answered(self.last_answer.clone()));
            }
            EventBody::TurnError { message_seq, message, .. } if Some(*message_seq) == self.brief_seq => {
                return Some(Ending::Failed(message.clone()));
            }
            _ => {}
        }
        None
    }
}

#[derive(Clone)]
struct Keeper {
    client: Client,
    baton_id: String,
    session_id: i64,
    lease_token: Option<String>,
}

impl Keeper {
    async fn run(&self) {
        let mut follower = Follower::new(self.client.clone(), format!("/api/sessions/{}/stream", self.session_id), 0);
        let mut brief = BriefTurn::default();
        // The lease is extended from its own task, so the transcript is read without pause.
        let (lost_tx, mut lost) = tokio::sync::oneshot::channel::<()>();
        let beater = tokio::spawn(self.clone().extend_until_lost(lost_tx));
        let ending = loop {
            tokio::select! {
                received = follower.next() => match received {
                    Ok(r) => {
                        if let Some(ending) = brief.apply(r.event.seq, &r.event.body) {
                            break ending;
                        }
                    }
                    Err(err) => {
                        if self.session_gone().await {
                            break Ending::Failed("the session running this baton was deleted".into());
                        }
                        super::log::warn(&format!("{}: cannot follow S-{}: {err:#}", self.baton_id, self.session_id));
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
                _ = &mut lost => return, // someone else may hold the baton now
            }
        };
        beater.abort();
        self.finish(ending).await;
    }

    /// Extends the lease every third of it (or at the turn heartbeat, if sooner) until the
    /// server says it is no longer ours.
    async fn extend_until_lost(self, lost: tokio::sync::oneshot::Sender<()>) {
        let every =
            Duration::from_secs((lease_seconds() / 3).max(1) as u64).min(crate::daemon::runner::heartbeat_every());
        loop {
            tokio::time::sleep(every).await;
            if !self.extend().await {
                let _ = lost.send(());
                return;
            }
        }
    }

    /// Whether the server says the baton's session no longer exists (someone deleted it).
    async fn session_gone(&self) -> bool {
        let path = format!("/api/sessions/{}", self.session_id);
        match self.client.request(Method::GET, &path) {
            Ok(request) => self.client.send(request).await.is_ok_and(|r| r.status() == StatusCode::NOT_FOUND),
            Err(_) => false,
        }
    }

    /// Extends the lease; false when the server says it is no longer ours.
    async fn extend(&self) -> bool {
        let body = Heartbeat { lease_token: self.lease_token.clone(), lease_seconds: Some(lease_seconds()) };
        match self.call("heartbeat", &body).await {
            Ok(Some(_)) | Err(_) => true, // a transport failure is retried at the next beat
            Ok(None) => {
                super::log::warn(&format!("{}: the lease was lost", self.baton_id));
                false
            }
        }
    }

    /// Calls `done` or `fail` until the server has answered it (either way).
    async fn finish(&self, ending: Ending) {
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
        loop {
            let outcome = match &ending {
                Ending::Answered(text) => {
                    let output = serde_json::json!({"answer": text, "session_id": self.session_id});
                    self.call("done", &Finish { output: Some(output), lease_token: self.lease_token.clone() }).await
                }
                Ending::Failed(error) => {
                    self.call("fail", &Fail { error: error.clone(), lease_token: self.lease_token.clone() }).await
                }
            };
            match outcome {
                Ok(Some(b)) => return super::log::info(&format!("{} {}", self.baton_id, b.status.as_str())),
                Ok(None) => return super::log::warn(&format!("{} was refused: the lease is gone", self.baton_id)),
                Err(err) => {
                    super::log::warn(&format!("{}: {err:#}; retrying", self.baton_id));
                    tokio::time::sleep(backoff.next_delay(crate::backoff::jitter())).await;
                }
            }
        }
    }

    /// POSTs a move: the record, `None` when refused (409, 410, 404), or a transport error.
    async fn call<B: serde::Serialize>(&self, verb: &str, body: &B) -> Result<Option<Baton>> {
        let path = format!("/api/{verb}/{}", self.baton_id);
        let response = self.client.send(self.client.request(Method::POST, &path)?.json(body)).await?;
        if matches!(response.status(), StatusCode::CONFLICT | StatusCode::GONE | StatusCode::NOT_FOUND) {
            return Ok(None);
        }
        Ok(Some(crate::client::decode(verb, response).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::event::{Author, AuthorKind};

    fn message(text: &str) -> EventBody {
        EventBody::UserMessage {
            text: text.into(),
            author: Author::new(AuthorKind::User, 1, "ada"),
            attachments: vec![],
        }
    }

    fn said(message_seq: u64, text: &str) -> EventBody {
        EventBody::AgentEvent { message_seq, event: AgentEvent::AgentMessage { text: text.into() } }
    }

    #[test]
    fn the_answer_is_the_last_agent_message_of_the_brief_turn() {
        let mut turn = BriefTurn::default();
        assert_eq!(turn.apply(1, &EventBody::SystemNotice { text: "created".into() }), None);
        assert_eq!(turn.apply(2, &message("brief")), None);
        assert_eq!(turn.apply(3, &EventBody::TurnStart { message_seq: 2 }), None);
        assert_eq!(turn.apply(4, &said(2, "working")), None);
        assert_eq!(turn.apply(5, &message("a later message")), None);
        assert_eq!(turn.apply(6, &said(2, "all done")), None);
        assert_eq!(turn.apply(7, &said(5, "not the brief's turn")), None);
        assert_eq!(
            turn.apply(8, &EventBody::TurnComplete { message_seq: 2 }),
            Some(Ending::Answered("all done".into()))
        );
    }

    #[test]
    fn a_failed_brief_turn_fails_the_baton() {
        let mut turn = BriefTurn::default();
        turn.apply(1, &message("brief"));
        assert_eq!(turn.apply(2, &EventBody::TurnComplete { message_seq: 9 }), None);
        let error = EventBody::TurnError { message_seq: 1, message: "agent crashed".into(), synthetic: false };
        assert_eq!(turn.apply(3, &error), Some(Ending::Failed("agent crashed".into())));
    }
}
