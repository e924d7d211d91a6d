//! The requests of a running turn that wait for a person. [`Inputs`] is the sans-I/O core:
//! what the server says of a request ([`Input`]s from the post's reply, the session stream's
//! `input_answered`, or the reply to an expiry) goes in; the answer for the agent comes out,
//! **once per request**, whichever source says it first; and it says when a request's time is
//! up (`expires_at`, read against a `now` the caller passes) so the daemon asks the server to
//! expire it, then acts on what the server answers (a person may have answered just before).
//!
//! [`ask`] and [`expire`] are the thin drivers: the two calls to the server, retried (the same
//! `request_id` again is the same request). The runner ([`super::runner`]) carries the answers
//! to the agent. A request the server never took is denied at once; an expiry the server never
//! took is retried, then denied locally: nothing waits forever.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;
use protocol::api::{Input, RequestInput};
use protocol::time::ms_from_rfc3339;

use crate::agent::requests::{Answer, Request, EXPIRED};
use crate::backoff::{self, Backoff};
use crate::client::{self, Client};

/// How long after a failed expiry the daemon tries again.
pub const EXPIRE_RETRY_MS: i64 = 30_000;
/// Failed expiries before the daemon denies the request by itself.
pub const EXPIRE_ATTEMPTS: u32 = 3;

#[derive(Debug)]
struct Waiting {
    /// Unix ms when the request expires.
    deadline_ms: i64,
    /// An expiry was sent and has not come back.
    expiring: bool,
    failed_expiries: u32,
}

/// A turn's requests that wait, by request id.
#[derive(Debug, Default)]
pub struct Inputs {
    waiting: BTreeMap<String, Waiting>,
}

impl Inputs {
    pub fn new() -> Self {
        Self::default()
    }

    /// A request is being asked: it waits until `deadline_ms` (the session's timeout from now)
    /// unless the server says when. Called before the post, so an answer that races the post's
    /// reply still finds it.
    pub fn asked(&mut self, request_id: &str, deadline_ms: i64) {
        self.waiting.entry(request_id.to_owned()).or_insert(Waiting {
            deadline_ms,
            expiring: false,
            failed_expiries: 0,
        });
    }

    /// What the server says of a request. Returns the answer for the agent the first time the
    /// request is answered or expired; nothing for a pending one (its `expires_at` becomes its
    /// deadline), nor for one already settled or not of this turn.
    pub fn settle(&mut self, input: &Input) -> Option<(String, Answer)> {
        let waiting = self.waiting.get_mut(&input.request_id)?;
        match Answer::of(input) {
            Some(answer) => {
                self.waiting.remove(&input.request_id);
                Some((input.request_id.clone(), answer))
            }
            None => {
                if let Some(ms) = ms_from_rfc3339(&input.expires_at) {
                    waiting.deadline_ms = ms;
                }
                None
            }
        }
    }

    /// The request could not be asked: the agent is told so, once.
    pub fn failed(&mut self, request_id: &str, message: &str) -> Option<(String, Answer)> {
        self.waiting.remove(request_id).map(|_| (request_id.to_owned(), Answer::deny(message)))
    }

    /// The earliest deadline of a request not being expired already (Unix ms).
    pub fn next_deadline(&self) -> Option<i64> {
        self.waiting.values().filter(|w| !w.expiring).map(|w| w.deadline_ms).min()
    }

    /// The requests whose time is up at `now_ms`: expire each on the server (once; again only
    /// after [`Inputs::expire_failed`]).
    pub fn due(&mut self, now_ms: i64) -> Vec<String> {
        let mut due = Vec::new();
        for (id, w) in self.waiting.iter_mut().filter(|(_, w)| !w.expiring && w.deadline_ms <= now_ms) {
            w.expiring = true;
            due.push(id.clone());
        }
        due
    }

    /// The server did not take an expiry: try again later, and after [`EXPIRE_ATTEMPTS`] deny
    /// the request locally.
    pub fn expire_failed(&mut self, request_id: &str, now_ms: i64) -> Option<(String, Answer)> {
        let w = self.waiting.get_mut(request_id)?;
        w.failed_expiries += 1;
        if w.failed_expiries >= EXPIRE_ATTEMPTS {
            return self.failed(request_id, EXPIRED);
        }
        w.expiring = false;
        w.deadline_ms = now_ms + EXPIRE_RETRY_MS;
        None
    }

    /// The requests still waiting (at the end of a turn: nobody will act on their answers).
    pub fn pending(&self) -> Vec<String> {
        self.waiting.keys().cloned().collect()
    }
}

/// What the agent is told when its request could not reach the server.
pub fn not_asked(err: &anyhow::Error) -> String {
    format!("denied: the request could not reach the session's people ({err:#})")
}

/// `POST /api/sessions/:id/inputs`: asks the session's people.
pub async fn ask(client: &Client, session_id: i64, message_seq: u64, request: Request) -> Result<Input> {
    let body = RequestInput {
        request_id: request.request_id,
        kind: request.kind,
        tool: request.tool,
        summary: request.summary,
        input: request.input,
        message_seq,
    };
    call(client, "ask a person", &format!("/api/sessions/{session_id}/inputs"), Some(&body)).await
}

/// `POST /api/sessions/:id/inputs/:request_id/expire`: the request's time is up; the server
/// answers the request as it ends up.
pub async fn expire(client: &Client, session_id: i64, request_id: &str) -> Result<Input> {
    let path = format!("/api/sessions/{session_id}/inputs/{}/expire", encode(request_id));
    call(client, "expire a request", &path, None).await
}

/// A POST retried with backoff on transport errors and retryable statuses (both calls are
/// idempotent).
async fn call(client: &Client, action: &str, path: &str, body: Option<&RequestInput>) -> Result<Input> {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    let mut last = None;
    for _ in 0..6 {
        let request = client.request(reqwest::Method::POST, path)?;
        let request = match body {
            Some(body) => request.json(body),
            None => request.json(&serde_json::json!({})),
        };
        match client.send(request).await {
            Ok(response) if response.status().is_success() => return client::decode(action, response).await,
            Ok(response) if !client::retryable(response.status()) => {
                return Err(client::error_of(action, response).await)
            }
            Ok(response) => last = Some(client::error_of(action, response).await),
            Err(err) => last = Some(err),
        }
        tokio::time::sleep(backoff.next_delay(backoff::jitter())).await;
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("{action}: no attempt was made")))
}

/// A request id as one path segment.
fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::api::{Decision, InputStatus};

    const T0: i64 = 1_800_000_000_000;

    fn input(id: &str, status: InputStatus, decision: Option<Decision>) -> Input {
        Input {
            request_id: id.into(),
            status,
            decision,
            expires_at: protocol::time::rfc3339_from_ms(T0 + 60_000),
            ..Input::example()
        }
    }

    #[test]
    fn an_answer_reaches_the_agent_exactly_once_whichever_source_says_it_first() {
        let mut inputs = Inputs::new();
        inputs.asked("r1", T0 + 1_800_000);
        // The stream's input_answered comes before the post's reply.
        let answered = input("r1", InputStatus::Answered, Some(Decision::Allow));
        assert_eq!(inputs.settle(&answered), Some(("r1".into(), Answer::allow())));
        assert_eq!(inputs.settle(&answered), None, "the post's reply, or a replayed event, changes nothing");
        assert_eq!(inputs.settle(&input("r1", InputStatus::Expired, None)), None);
        assert_eq!(inputs.settle(&input("other-turn", InputStatus::Answered, Some(Decision::Deny))), None);
        assert!(inputs.pending().is_empty());
    }

    #[test]
    fn a_request_expires_at_the_servers_expires_at_and_is_expired_once() {
        let mut inputs = Inputs::new();
        inputs.asked("r1", T0 + 1_800_000);
        assert_eq!(inputs.next_deadline(), Some(T0 + 1_800_000));
        assert_eq!(inputs.settle(&input("r1", InputStatus::Pending, None)), None);
        assert_eq!(inputs.next_deadline(), Some(T0 + 60_000), "the server's expires_at wins");
        assert!(inputs.due(T0 + 59_999).is_empty());
        assert_eq!(inputs.due(T0 + 60_000), vec!["r1".to_owned()]);
        assert!(inputs.due(T0 + 90_000).is_empty(), "asked to expire once");
        assert_eq!(inputs.next_deadline(), None);
        // The server says a person answered just before the expiry: that answer holds.
        let answered = input("r1", InputStatus::Answered, Some(Decision::Allow));
        assert_eq!(inputs.settle(&answered), Some(("r1".into(), Answer::allow())));
        assert_eq!(inputs.settle(&input("r1", InputStatus::Expired, None)), None);
    }

    #[test]
    fn an_expiry_the_server_never_takes_is_retried_then_denied_locally() {
        let mut inputs = Inputs::new();
        inputs.asked("r1", T0);
        let mut now = T0;
        for _ in 1..EXPIRE_ATTEMPTS {
            assert_eq!(inputs.due(now), vec!["r1".to_owned()]);
            assert_eq!(inputs.expire_failed("r1", now), None);
            assert_eq!(inputs.next_deadline(), Some(now + EXPIRE_RETRY_MS));
            now += EXPIRE_RETRY_MS;
        }
        assert_eq!(inputs.due(now), vec!["r1".to_owned()]);
        assert_eq!(inputs.expire_failed("r1", now), Some(("r1".into(), Answer::deny(EXPIRED))));
        assert_eq!(inputs.settle(&input("r1", InputStatus::Expired, None)), None, "and only once");
    }

    #[test]
    fn a_request_the_server_never_took_is_denied_once() {
        let mut inputs = Inputs::new();
        inputs.asked("r1", T0);
        assert_eq!(inputs.failed("r1", "no server"), Some(("r1".into(), Answer::deny("no server"))));
        assert_eq!(inputs.failed("r1", "no server"), None);
        assert_eq!(inputs.next_deadline(), None);
    }

    #[test]
    fn request_ids_travel_as_one_path_segment() {
        assert_eq!(encode("req_1-a.b~"), "req_1-a.b~");
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
    }
}
