//! Waiting for a turn's answer: what `baton delegate --wait` and `baton session send --wait`
//! share. [`TurnWatch`] decides from a session's events alone (in `protocol::turn`, which the
//! server's MCP `delegate` tool shares); [`wait`] feeds it from the session's stream; [`report`]
//! prints the result the same way for both commands. [`NextTurnEnd`] is the same decision for
//! `baton session watch --until-turn-end`, which does not know the message up front.
//!
//! Not here: following a stream (that is [`crate::watch::Follower`]), or sending the message.

use std::time::Duration;

use anyhow::Result;
use protocol::api::MessagePosted;
pub use protocol::turn::{NextTurnEnd, Outcome, Seen, TurnWatch};
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
