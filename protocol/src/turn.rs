//! Waiting for a turn's answer, decided from a session's events alone: what `baton delegate
//! --wait`, `baton session send --wait` and the MCP `delegate` tool share. [`TurnWatch`] follows
//! one message's turn; [`NextTurnEnd`] the next turn to end when the message is not known up front.
//! Pure: feeding it the events is the caller's.

use serde::Serialize;

use crate::agent::AgentEvent;
use crate::api::{Input, InputStatus};
use crate::event::EventBody;

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
}
