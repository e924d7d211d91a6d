//! Following one message's turn from inside a request: reads the session's stream (as the
//! Hub sends it to any subscriber), feeds each event to a [`TurnWatch`], and says what
//! happened as it happens, until the turn ends, the stream ends or the deadline passes.
//! What the MCP `wait_for_turn` and `delegate` tools stream back as progress.

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use protocol::event::{Event, EventBody};
use protocol::turn::{Outcome, Seen, TurnWatch};
use worker::{ByteStream, Delay, Response};

use crate::platform::clock;

/// What the waiter reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A sign of life worth showing: the agent said or did something.
    Progress(String),
    /// The turn waits for a person: the request's id and its text.
    Asked { request_id: String, text: String },
    /// The turn ended.
    Finished(Outcome),
    /// The stream ended first (the session was deleted), or the deadline passed: the work may
    /// go on; the reason says which.
    Stopped(String),
}

/// The wait of one turn, over the session stream `stream` (a response from the session's
/// `/stream?after=` route): [`TurnWait::next`] until it answers a final step.
pub struct TurnWait {
    body: Option<ByteStream>,
    parser: protocol::sse::Parser,
    watch: TurnWatch,
    message_seq: u64,
    deadline_ms: i64,
    queued: std::collections::VecDeque<Step>,
    done: bool,
}

impl TurnWait {
    pub fn new(mut stream: Response, message_seq: u64, timeout: Duration) -> Self {
        TurnWait {
            body: stream.stream().ok(),
            parser: protocol::sse::Parser::new(),
            watch: TurnWatch::new(message_seq),
            message_seq,
            deadline_ms: clock::now_ms() + timeout.as_millis() as i64,
            queued: Default::default(),
            done: false,
        }
    }

    /// The next step, or `None` once a final one ([`Step::Finished`], [`Step::Stopped`]) was
    /// given.
    pub async fn next(&mut self) -> Option<Step> {
        loop {
            if let Some(step) = self.queued.pop_front() {
                self.done = matches!(step, Step::Finished(_) | Step::Stopped(_));
                return Some(step);
            }
            if self.done {
                return None;
            }
            let left = self.deadline_ms - clock::now_ms();
            let Some(body) = self.body.as_mut().filter(|_| left > 0) else {
                let why = if left > 0 { "the session's stream ended" } else { "timed out: the turn goes on" };
                self.queued.push_back(Step::Stopped(why.into()));
                continue;
            };
            let chunk = match select(body.next(), Delay::from(Duration::from_millis(left as u64))).await {
                Either::Left((Some(Ok(bytes)), _)) => bytes,
                Either::Left((None | Some(Err(_)), _)) => {
                    self.body = None;
                    self.queued.push_back(Step::Stopped("the session's stream ended".into()));
                    continue;
                }
                Either::Right(_) => {
                    self.deadline_ms = clock::now_ms();
                    continue;
                }
            };
            for frame in self.parser.push(&chunk) {
                let Ok(event) = serde_json::from_str::<Event>(&frame.data) else { continue };
                if let Some(step) = step_of(&mut self.watch, self.message_seq, &event.body) {
                    self.queued.push_back(step);
                }
            }
        }
    }
}

/// What one event of the session means to the waiter of message `message_seq`'s turn (pure).
pub fn step_of(watch: &mut TurnWatch, message_seq: u64, body: &EventBody) -> Option<Step> {
    match watch.see(body) {
        Seen::Finished(outcome) => Some(Step::Finished(outcome)),
        Seen::Asked(input) => Some(Step::Asked { request_id: input.request_id.clone(), text: input.summary.clone() }),
        Seen::Nothing => progress_of(message_seq, body).map(Step::Progress),
    }
}

/// A line for the agent's visible work in the turn: its start, its messages, its tools.
fn progress_of(ours: u64, body: &EventBody) -> Option<String> {
    use protocol::agent::AgentEvent;
    match body {
        EventBody::TurnStart { message_seq } if *message_seq == ours => Some("the agent started".into()),
        EventBody::AgentEvent { message_seq, event } if *message_seq == ours => match event {
            AgentEvent::AgentMessage { text } => Some(shorten(text)),
            AgentEvent::ToolCall { name, .. } => Some(format!("running {name}")),
            AgentEvent::CommandExecution { command, .. } => Some(format!("running {}", shorten(command))),
            _ => None,
        },
        _ => None,
    }
}

fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> EventBody {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_agents_work_is_progress_and_its_turn_end_is_final() {
        let mut watch = TurnWatch::new(4);
        assert_eq!(
            step_of(&mut watch, 4, &body(serde_json::json!({"type": "turn_start", "message_seq": 4}))),
            Some(Step::Progress("the agent started".into()))
        );
        let said = serde_json::json!({"type": "agent_event", "message_seq": 4, "event": {"kind": "agent_message", "text": "half way\nmore"}});
        assert_eq!(step_of(&mut watch, 4, &body(said)), Some(Step::Progress("half way".into())));
        assert_eq!(
            step_of(&mut watch, 4, &body(serde_json::json!({"type": "turn_complete", "message_seq": 4}))),
            Some(Step::Finished(Outcome::Answer("half way\nmore".into())))
        );
        assert_eq!(shorten(&"é".repeat(300)).chars().count(), 201);
    }
}
