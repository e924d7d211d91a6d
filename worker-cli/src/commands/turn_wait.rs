//! Waiting for a turn's answer: what `baton delegate --wait` and `baton session send --wait`
//! share. [`TurnWatch`] decides from a session's events alone (pure, tested); [`wait`] feeds it
//! from the session's stream; [`report`] prints the result the same way for both commands.
//! [`NextTurnEnd`] is the same decision for `baton session watch --until-turn-end`, which does
//! not know the message up front.
//!
//! Not here: following a stream (that is [`crate::watch::Follower`]), or sending the message.

use std::time::Duration;

use anyhow::Result;
use protocol::agent::AgentEvent;
use protocol::api::{Input, InputStatus, MessagePosted};
use protocol::event::EventBody;
use serde::Serialize;

use super::Env;
use crate::client::Client;
use crate::failure::CliFailure;
use crate::progress::Progress;
use crate::watch::Follower;
use crate::{messages, output};

/// `--wait` and `--timeout`, the same on every command that sends a message.
#[derive(Debug, Clone, clap::Args)]
pub struct WaitArgs {
    /// Follow the session until this message's turn ends, and print the agent's final message
    /// (exit 1 if the turn fails)
    #[arg(long)]
    pub wait: bool,
    /// With --wait: stop waiting after this many seconds (exit 1; the work goes on)
    #[arg(long, value_name = "SECS", requires = "wait")]
    pub timeout: Option<u64>,
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It completed: the agent's last message of the turn (empty when it wrote none).
    Answer(String),
    /// It failed: the error's message.
    Error(String),
}

/// What one event means to someone waiting for the turn of message `message_seq`.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// Nothing to do yet.
    Nothing,
    /// The turn waits for a person (an approval or a question).
    Asked(Box<Input>),
    /// The turn is over.
    Finished(Outcome),
}

/// The decision of the wait, from the events after the message: remembers the turn's last
/// agent message and ends at its `turn_complete` or `turn_error`. Other turns' events are
/// ignored (messages sent before ours run first).
#[derive(Debug)]
pub struct TurnWatch {
    message_seq: u64,
    last_message: Option<String>,
}

impl TurnWatch {
    pub fn new(message_seq: u64) -> Self {
        TurnWatch { message_seq, last_message: None }
    }

    pub fn see(&mut self, body: &EventBody) -> Seen {
        let ours = |seq: &u64| *seq == self.message_seq;
        match body {
            EventBody::AgentEvent { message_seq, event: AgentEvent::AgentMessage { text } } if ours(message_seq) => {
                self.last_message = Some(text.clone());
                Seen::Nothing
            }
            EventBody::TurnComplete { message_seq } if ours(message_seq) => {
                Seen::Finished(Outcome::Answer(self.last_message.take().unwrap_or_default()))
            }
            EventBody::TurnError { message_seq, message, .. } if ours(message_seq) => {
                Seen::Finished(Outcome::Error(message.clone()))
            }
            EventBody::InputRequested { input } if ours(&input.message_seq) && input.status == InputStatus::Pending => {
                Seen::Asked(Box::new(input.clone()))
            }
            _ => Seen::Nothing,
        }
    }
}

/// The wait of `baton session watch --until-turn-end`: ends with the first turn that is seen
/// alive after `live_from` (the newest event when the watch began), which is the turn running
/// then or, when none was, the next one. The first event of a turn past `live_from` (its start,
/// an agent event, a heartbeat, its end) names the turn; a [`TurnWatch`] of it decides from there.
#[derive(Debug)]
pub struct NextTurnEnd {
    live_from: u64,
    turn: Option<TurnWatch>,
}

impl NextTurnEnd {
    pub fn new(live_from: u64) -> Self {
        NextTurnEnd { live_from, turn: None }
    }

    /// The message whose turn is awaited, once known.
    pub fn message_seq(&self) -> Option<u64> {
        self.turn.as_ref().map(|t| t.message_seq)
    }

    /// What event `seq` with `body` means: only [`Seen::Finished`] matters to the watch.
    pub fn see(&mut self, seq: u64, body: &EventBody) -> Seen {
        if self.turn.is_none() && seq > self.live_from {
            self.turn = turn_of(body).map(TurnWatch::new);
        }
        match &mut self.turn {
            Some(turn) => turn.see(body),
            None => Seen::Nothing,
        }
    }
}

/// The message whose turn an event belongs to, for the events of a turn.
fn turn_of(body: &EventBody) -> Option<u64> {
    match body {
        EventBody::TurnStart { message_seq }
        | EventBody::AgentEvent { message_seq, .. }
        | EventBody::TurnHeartbeat { message_seq }
        | EventBody::TurnComplete { message_seq }
        | EventBody::TurnError { message_seq, .. } => Some(*message_seq),
        EventBody::InputRequested { input } | EventBody::InputAnswered { input } => Some(input.message_seq),
        _ => None,
    }
}

/// Follows session `session_id` from its message `message_seq` until that message's turn ends;
/// says on stderr when the turn waits for a person. `timeout`: give up waiting (the work goes on).
pub async fn wait(
    client: &Client,
    session_id: i64,
    message_seq: u64,
    timeout: Option<Duration>,
    progress: &Progress,
) -> Result<Outcome> {
    let mut follower = Follower::new(client.clone(), format!("/api/sessions/{session_id}/stream"), message_seq);
    let mut watch = TurnWatch::new(message_seq);
    let follow = async {
        loop {
            let received = follower.next().await?;
            match watch.see(&received.event.body) {
                Seen::Nothing => {}
                Seen::Asked(input) => progress.note(&messages::turn_waits_for_input(&input)),
                Seen::Finished(outcome) => return Ok(outcome),
            }
        }
    };
    match timeout {
        None => follow.await,
        Some(limit) => tokio::time::timeout(limit, follow).await.map_err(|_| {
            CliFailure::new("timeout", messages::wait_timed_out(session_id, message_seq, limit.as_secs()))
        })?,
    }
}

/// After posting `posted`: says on stderr what is awaited, waits for the turn, and
/// [`report`]s it: `base` with the outcome.
pub async fn wait_and_report(env: &Env, posted: &MessagePosted, args: &WaitArgs, base: Report) -> Result<()> {
    let (id, seq) = (base.session_id, posted.event.seq);
    let why =
        if posted.queued == Some(true) { "its worker is offline; the message runs when it returns" } else { "sent" };
    output::note(&format!(
        "baton: S-{id} #{seq}: {why}; waiting for the turn to end (Ctrl-C stops waiting, not the work)"
    ));
    let progress = Progress::spinner(env.json, &format!("S-{id} #{seq}: waiting for the turn to end"));
    let outcome = wait(&env.client, id, seq, args.timeout.map(Duration::from_secs), &progress).await;
    drop(progress);
    report(env, &Report { outcome: Some(outcome?), ..base })
}

/// What `--wait` (and `baton delegate`) print: `{session, session_id, worker?, message_seq,
/// share_url?, answer | error}` in JSON.
#[derive(Debug, Serialize)]
pub struct Report {
    pub session: String,
    pub session_id: i64,
    /// The worker's handle, for `baton delegate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    pub message_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_url: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// Prints a finished wait: the answer on stdout (JSON: the whole report). A turn error is
/// printed in JSON too, and returned as the command's error (exit 1, message on stderr).
pub fn report(env: &Env, report: &Report) -> Result<()> {
    if env.json {
        output::json(report)?;
    }
    match &report.outcome {
        Some(Outcome::Error(message)) => {
            Err(CliFailure::new("turn_failed", messages::turn_failed(report.session_id, report.message_seq, message))
                .into())
        }
        Some(Outcome::Answer(answer)) if !env.json => Ok(output::line(answer)?),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> EventBody {
        serde_json::from_value(json).unwrap()
    }

    fn said(seq: u64, text: &str) -> EventBody {
        body(
            serde_json::json!({"type": "agent_event", "message_seq": seq, "event": {"kind": "agent_message", "text": text}}),
        )
    }

    #[test]
    fn the_answer_is_the_last_agent_message_of_our_turn() {
        let mut watch = TurnWatch::new(5);
        assert_eq!(watch.see(&body(serde_json::json!({"type": "turn_start", "message_seq": 5}))), Seen::Nothing);
        assert_eq!(watch.see(&said(5, "looking")), Seen::Nothing);
        assert_eq!(watch.see(&said(5, "done: 3 files")), Seen::Nothing);
        assert_eq!(
            watch.see(&body(serde_json::json!({"type": "turn_complete", "message_seq": 5}))),
            Seen::Finished(Outcome::Answer("done: 3 files".into()))
        );
    }

    #[test]
    fn other_turns_do_not_end_the_wait_nor_give_the_answer() {
        let mut watch = TurnWatch::new(5);
        assert_eq!(watch.see(&said(3, "an earlier turn")), Seen::Nothing);
        assert_eq!(watch.see(&body(serde_json::json!({"type": "turn_complete", "message_seq": 3}))), Seen::Nothing);
        assert_eq!(
            watch.see(&body(serde_json::json!({"type": "turn_error", "message_seq": 3, "message": "x"}))),
            Seen::Nothing
        );
        assert_eq!(
            watch.see(&body(serde_json::json!({"type": "turn_complete", "message_seq": 5}))),
            Seen::Finished(Outcome::Answer(String::new()))
        );
    }

    #[test]
    fn a_turn_error_ends_the_wait_with_its_message() {
        let mut watch = TurnWatch::new(2);
        watch.see(&said(2, "trying"));
        assert_eq!(
            watch.see(&body(serde_json::json!({"type": "turn_error", "message_seq": 2, "message": "agent exited 1"}))),
            Seen::Finished(Outcome::Error("agent exited 1".into()))
        );
    }

    #[test]
    fn a_pending_request_of_our_turn_is_reported_and_an_answered_one_is_not() {
        let mut watch = TurnWatch::new(6);
        let input = serde_json::to_value(Input::example()).unwrap();
        let asked = watch.see(&body(serde_json::json!({"type": "input_requested", "input": input})));
        assert!(matches!(asked, Seen::Asked(i) if i.request_id == "toolu_01"));
        let mut other = TurnWatch::new(7);
        assert_eq!(other.see(&body(serde_json::json!({"type": "input_requested", "input": input}))), Seen::Nothing);
        assert_eq!(watch.see(&body(serde_json::json!({"type": "input_answered", "input": input}))), Seen::Nothing);
    }

    #[test]
    fn until_turn_end_ends_with_the_turn_running_when_the_watch_began() {
        // Live from #10; the turn of #8 started at #9 and is still running.
        let mut next = NextTurnEnd::new(10);
        let replayed = body(serde_json::json!({"type": "turn_complete", "message_seq": 4}));
        assert_eq!(next.see(6, &replayed), Seen::Nothing, "a turn that ended before the watch began");
        assert_eq!(next.see(11, &said(8, "still at it")), Seen::Nothing);
        assert_eq!(next.message_seq(), Some(8));
        assert_eq!(
            next.see(12, &body(serde_json::json!({"type": "turn_complete", "message_seq": 8}))),
            Seen::Finished(Outcome::Answer("still at it".into()))
        );
    }

    #[test]
    fn until_turn_end_waits_for_the_next_turn_when_none_runs() {
        let mut next = NextTurnEnd::new(10);
        let message = body(serde_json::json!({"type": "system_notice", "text": "renamed"}));
        assert_eq!(next.see(11, &message), Seen::Nothing);
        assert_eq!(next.message_seq(), None);
        assert_eq!(next.see(13, &body(serde_json::json!({"type": "turn_start", "message_seq": 12}))), Seen::Nothing);
        assert_eq!(
            next.see(14, &body(serde_json::json!({"type": "turn_error", "message_seq": 12, "message": "boom"}))),
            Seen::Finished(Outcome::Error("boom".into()))
        );
    }

    #[test]
    fn the_report_carries_answer_or_error_as_its_own_key() {
        let report = Report {
            session: "S-9".into(),
            session_id: 9,
            worker: None,
            message_seq: 2,
            share_url: None,
            outcome: Some(Outcome::Answer("ok".into())),
        };
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            serde_json::json!({"session": "S-9", "session_id": 9, "message_seq": 2, "answer": "ok"})
        );
        let failed = Report {
            outcome: Some(Outcome::Error("boom".into())),
            share_url: Some("u".into()),
            worker: Some("W-2".into()),
            ..report
        };
        assert_eq!(
            serde_json::to_value(&failed).unwrap(),
            serde_json::json!({"session": "S-9", "session_id": 9, "worker": "W-2", "message_seq": 2, "share_url": "u", "error": "boom"})
        );
    }
}
