//! One session's runner: makes sure the worktree exists, reads the transcript to learn which
//! messages still need a turn (closing turns a dead worker left open), then runs them one at
//! a time as they come, each turn bracketed by `turn_start` and `turn_complete`/`turn_error`,
//! with the agent's events in between and a heartbeat every 30 s while it works (waiting for
//! a person included).
//!
//! During a turn it keeps following the session's stream: the agent's requests for a person
//! go through the session's permission policy ([`crate::agent::requests::route`]), then to the
//! server, and their answers (`input_answered`) back to the agent; [`inputs`] decides what
//! reaches the agent, once, and when to ask the server to expire a request. A daemon restarted
//! mid-wait closes the turn as abandoned, as any turn it finds open.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use protocol::agent::AgentEvent;
use protocol::api::Attachment;
use protocol::event::{EventBody, EventPage};
use tokio::sync::{mpsc, watch};

use super::attachments;
use super::inputs::{self, Inputs};
use super::poster;
use super::worktrees;
use super::Shared;
use crate::agent::process::{self, Stop};
use crate::agent::requests::{self, Answer};
use crate::agent::{scripted, AgentSpec, Outcome, Settings, TurnInput};
use crate::messages;
use crate::turns::TurnQueue;
use crate::watch::Follower;
use protocol::api::{Input, PermissionPolicy};

/// How often a running turn says it is alive (`BATON_HEARTBEAT_MS` overrides, for tests).
pub fn heartbeat_every() -> Duration {
    let ms = std::env::var("BATON_HEARTBEAT_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(30_000);
    Duration::from_millis(ms)
}

pub async fn run(
    shared: Arc<Shared>,
    session_id: i64,
    interrupts: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
) {
    if let Err(err) = session(&shared, session_id, interrupts, shutdown).await {
        super::log::warn(&format!("S-{session_id}: {err:#}"));
        let _ = poster::post(&shared.client, session_id, &could_not_run(&err)).await;
    }
}

/// What the transcript says when the worker cannot run a session: a worker notice, its own
/// type, since only the server writes system notices.
fn could_not_run(err: &anyhow::Error) -> EventBody {
    EventBody::WorkerNotice { text: messages::could_not_run(err) }
}

async fn session(
    shared: &Shared,
    session_id: i64,
    mut interrupts: watch::Receiver<u64>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    let mut queue = TurnQueue::new();
    let mut after = 0;
    loop {
        let path = format!("/api/sessions/{session_id}/events?after={after}&limit=1000");
        let page: EventPage = shared.client.get("read the transcript", &path).await?;
        for event in &page.items {
            queue.apply(event.seq, &event.body);
        }
        match page.next_after {
            Some(next) => after = next,
            None => break,
        }
    }
    for message_seq in queue.abandoned() {
        let closing =
            EventBody::TurnError { message_seq, message: messages::TURN_ABANDONED_BY_RESTART.into(), synthetic: true };
        poster::post(&shared.client, session_id, &closing).await?;
        queue.mark_ended(message_seq);
    }

    let mut follower =
        Follower::new(shared.client.clone(), format!("/api/sessions/{session_id}/stream"), queue.last_seq());
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        if let Some((message_seq, text)) = queue.next() {
            let current: protocol::api::Session =
                shared.client.get("read the session's settings", &format!("/api/sessions/{session_id}")).await?;
            // The `plan` policy runs the agent in plan mode (and denies whatever it asks).
            let plan_mode = current.plan_mode || current.permissions == PermissionPolicy::Plan;
            let settings = Settings { plan_mode, model: current.model, effort: current.effort };
            let asking = Asking { policy: current.permissions, timeout_s: current.input_timeout_s };
            // The worktree is held from here to the turn's end: no cleanup removes it meanwhile.
            let held = Held::claim(shared, session_id).await;
            let prepared = prepare(shared, session_id).await?;
            let token = session_token(shared, session_id).await;
            let credentials = token.as_ref().map(|t| (shared.client.base_url(), t));
            let mut env = shared.agent_env.environment(std::env::vars_os(), credentials);
            env.extend(prepared.ports);
            let input = TurnInput {
                message_seq,
                prompt: text,
                worktree: prepared.path,
                resume: queue.thread().map(str::to_owned),
                settings,
                env,
            };
            let attachments = queue.attachments(message_seq);
            queue.mark_started(message_seq);
            let mut turn_state = TurnState { follower: &mut follower, queue: &mut queue, asking };
            turn(shared, session_id, input, &attachments, &mut turn_state, &mut interrupts, &mut shutdown).await?;
            drop(held);
            queue.mark_ended(message_seq);
            continue;
        }
        tokio::select! {
            received = follower.next() => {
                let received = received?;
                queue.apply(received.event.seq, &received.event.body);
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

/// A session's worktree held by its runner (see `worktrees::InUse`), let go when dropped.
struct Held<'a> {
    shared: &'a Shared,
    session_id: i64,
}

impl<'a> Held<'a> {
    async fn claim(shared: &'a Shared, session_id: i64) -> Held<'a> {
        shared.worktrees.claim(session_id).await;
        Held { shared, session_id }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.shared.worktrees.release(self.session_id);
    }
}

/// Makes the session's worktree ready for a turn (see `worktrees::prepare`) and says in the
/// transcript what that did (files copied in, the setup command's outcome).
async fn prepare(shared: &Shared, session_id: i64) -> Result<worktrees::Prepared> {
    let config = shared.config.clone();
    // The setup command gets the agent's environment, never its session credentials.
    let env = shared.agent_env.environment(std::env::vars_os(), None);
    let prepared = tokio::task::spawn_blocking(move || worktrees::prepare(&config, session_id, &env))
        .await
        .with_context(|| format!("the preparation of the worktree of S-{session_id} stopped"))??;
    if let Some(took) = prepared.made_in {
        super::log::info(&format!("S-{session_id}: worktree made in {:.1} s", took.as_secs_f64()));
    }
    for text in &prepared.notices {
        poster::post(&shared.client, session_id, &EventBody::WorkerNotice { text: text.clone() }).await?;
    }
    Ok(prepared)
}

/// A session token for the agent's next turn, so it can use baton from inside the session.
/// Without one (an older server, a network error) the turn runs all the same, and says so in
/// the daemon's log.
async fn session_token(shared: &Shared, session_id: i64) -> Option<protocol::api::SessionToken> {
    let path = format!("/api/sessions/{session_id}/token");
    match shared.client.post("mint the agent's session token", &path, &serde_json::json!({})).await {
        Ok(token) => Some(token),
        Err(err) => {
            super::log::warn(&format!("S-{session_id}: the agent runs without baton credentials: {err:#}"));
            None
        }
    }
}

/// How a session settles its agent's requests, read at the start of each turn.
struct Asking {
    policy: PermissionPolicy,
    timeout_s: u32,
}

/// What a turn shares with its session's runner: the stream it keeps following.
struct TurnState<'a> {
    follower: &'a mut Follower,
    queue: &'a mut TurnQueue,
    asking: Asking,
}

async fn turn(
    shared: &Shared,
    session_id: i64,
    mut input: TurnInput,
    attachments: &[Attachment],
    state: &mut TurnState<'_>,
    interrupts: &mut watch::Receiver<u64>,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<()> {
    let message_seq = input.message_seq;
    let _permit = tokio::select! {
        permit = shared.permits.acquire() => permit.context("the worker's turn slots were closed")?,
        _ = shutdown.changed() => return Ok(()),
    };
    let client = &shared.client;
    poster::post(client, session_id, &EventBody::TurnStart { message_seq }).await?;
    super::log::info(&format!("S-{session_id}: turn for message {message_seq} started"));
    if !attachments.is_empty() {
        match attachments::save(client, session_id, &input.worktree, attachments).await {
            Ok(saved) => input.prompt = attachments::with_attachments(&input.prompt, &saved),
            Err(err) => {
                let message = messages::attachments_not_saved(&err);
                poster::post(client, session_id, &EventBody::TurnError { message_seq, message, synthetic: false })
                    .await?;
                return Ok(());
            }
        }
    }

    let (events_tx, mut events_rx) = mpsc::unbounded_channel::<AgentEvent>();
    let forward_client = client.clone();
    let forwarder = tokio::spawn(async move {
        while let Some(event) = events_rx.recv().await {
            let body = EventBody::AgentEvent { message_seq, event };
            if let Err(err) = poster::post(&forward_client, session_id, &body).await {
                super::log::warn(&format!("S-{session_id}: an agent event was lost: {err:#}"));
            }
        }
    });
    let beat_client = client.clone();
    let heartbeat = tokio::spawn(async move {
        let every = heartbeat_every();
        loop {
            tokio::time::sleep(every).await;
            let _ = poster::post(&beat_client, session_id, &EventBody::TurnHeartbeat { message_seq }).await;
        }
    });

    // An interrupt or a shutdown stops the agent; the turn still ends with its own event.
    let (stop_tx, mut stop_rx) = watch::channel(Stop::Running);
    interrupts.borrow_and_update();
    let mut watch_interrupts = interrupts.clone();
    let mut watch_shutdown = shutdown.clone();
    let stopper = tokio::spawn(async move {
        tokio::select! {
            _ = watch_interrupts.changed() => {}
            _ = watch_shutdown.changed() => {}
        }
        let _ = stop_tx.send(Stop::Interrupted);
    });

    let timeout = Duration::from_secs(shared.config.turn_timeout_secs);
    let (mut asking, answering) = requests::channel();
    let agent = async {
        match &shared.agent {
            AgentSpec::Scripted => scripted::run(&input, &events_tx, &mut asking, &mut stop_rx, timeout).await,
            spec => match spec.adapter() {
                Some(mut adapter) => {
                    process::run(adapter.as_mut(), &input, &events_tx, &mut asking, &mut stop_rx, timeout).await
                }
                None => Outcome::Failed("no adapter for this agent".into()),
            },
        }
    };
    let outcome = wait_on_agent(shared, session_id, message_seq, agent, answering, state).await;
    stopper.abort();
    drop(events_tx);
    let _ = forwarder.await;
    heartbeat.abort();

    let end = match outcome {
        Outcome::Completed => EventBody::TurnComplete { message_seq },
        Outcome::Failed(message) => EventBody::TurnError { message_seq, message, synthetic: false },
    };
    let how = match &end {
        EventBody::TurnError { message, .. } => format!("failed: {message}"),
        _ => "completed".to_owned(),
    };
    super::log::info(&format!("S-{session_id}: turn for message {message_seq} {how}"));
    poster::post(client, session_id, &end).await?;
    Ok(())
}

/// What the server said of a request, back from a call.
enum Reply {
    Asked(String, Result<Input>),
    Expired(String, Result<Input>),
}

/// Runs the agent to the end of its turn while carrying its requests to the server and the
/// answers back, and following the session's stream.
async fn wait_on_agent(
    shared: &Shared,
    session_id: i64,
    message_seq: u64,
    agent: impl std::future::Future<Output = Outcome>,
    mut answering: requests::Answering,
    state: &mut TurnState<'_>,
) -> Outcome {
    tokio::pin!(agent);
    let (replies_tx, mut replies_rx) = mpsc::unbounded_channel::<Reply>();
    let mut waiting = Inputs::new();
    let mut following = true;
    let answer = |answering: &requests::Answering, settled: Option<(String, Answer)>| {
        if let Some(settled) = settled {
            let _ = answering.answers.send(settled);
        }
    };
    let outcome = loop {
        let wake = waiting
            .next_deadline()
            .map(|ms| tokio::time::Instant::now() + Duration::from_millis(ms.saturating_sub(now_ms()).max(0) as u64));
        tokio::select! {
            outcome = &mut agent => break outcome,
            Some(request) = answering.requests.recv() => {
                if let Some(at_once) = requests::route(state.asking.policy, &request) {
                    let _ = answering.answers.send((request.request_id, at_once));
                    continue;
                }
                let id = request.request_id.clone();
                waiting.asked(&id, now_ms() + i64::from(state.asking.timeout_s) * 1000);
                let (client, replies) = (shared.client.clone(), replies_tx.clone());
                tokio::spawn(async move {
                    let reply = inputs::ask(&client, session_id, message_seq, request).await;
                    let _ = replies.send(Reply::Asked(id, reply));
                });
            }
            Some(reply) = replies_rx.recv() => match reply {
                Reply::Asked(_, Ok(input)) | Reply::Expired(_, Ok(input)) => answer(&answering, waiting.settle(&input)),
                Reply::Asked(id, Err(err)) => {
                    super::log::warn(&format!("S-{session_id}: a request was denied: {err:#}"));
                    answer(&answering, waiting.failed(&id, &inputs::not_asked(&err)));
                }
                Reply::Expired(id, Err(err)) => {
                    super::log::warn(&format!("S-{session_id}: could not expire {id}: {err:#}"));
                    answer(&answering, waiting.expire_failed(&id, now_ms()));
                }
            },
            received = state.follower.next(), if following => match received {
                Ok(received) => {
                    state.queue.apply(received.event.seq, &received.event.body);
                    if let EventBody::InputAnswered { input } = &received.event.body {
                        answer(&answering, waiting.settle(input));
                    }
                }
                Err(err) => {
                    // Answers can still come back from expiries; the runner sees the error again after the turn.
                    super::log::warn(&format!("S-{session_id}: the session's stream was lost: {err:#}"));
                    following = false;
                }
            },
            _ = sleep_until_some(wake), if wake.is_some() => {
                for id in waiting.due(now_ms()) {
                    let (client, replies) = (shared.client.clone(), replies_tx.clone());
                    tokio::spawn(async move {
                        let reply = inputs::expire(&client, session_id, &id).await;
                        let _ = replies.send(Reply::Expired(id, reply));
                    });
                }
            }
        }
    };
    // Requests still waiting when the turn ended (interrupted, or the agent gave up): nobody
    // acts on their answers any more, so they leave the people's inbox.
    for id in waiting.pending() {
        let client = shared.client.clone();
        tokio::spawn(async move {
            let _ = inputs::expire(&client, session_id, &id).await;
        });
    }
    outcome
}

async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

use crate::clock::now_ms;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_writes_worker_notices_never_system_notices() {
        let notice = could_not_run(&anyhow::anyhow!("the base branch \"nope\" does not exist"));
        assert_eq!(notice.type_name(), "worker_notice");
        assert!(matches!(notice, EventBody::WorkerNotice { text } if text.contains("\"nope\" does not exist")));
    }
}
