//! The turn queue of a session, sans I/O: transcript events in, the next message to run out.
//!
//! The transcript is the truth. A runner that starts (or restarts) reads the whole transcript
//! through [`TurnQueue::apply`]: every user message is a turn to run, unless a `turn_start`
//! for it is already there. A turn that started but never ended was abandoned (the worker
//! died): [`TurnQueue::abandoned`] names it so the runner closes it with a synthetic
//! `turn_error` instead of running it twice. Messages run one at a time, in order.

use std::collections::{BTreeMap, BTreeSet};

use protocol::agent::AgentEvent;
use protocol::api::Attachment;
use protocol::event::EventBody;

#[derive(Debug, Default)]
pub struct TurnQueue {
    /// Messages not started yet, by sequence number (so in order).
    pending: BTreeMap<u64, String>,
    /// Started, not ended.
    open: BTreeSet<u64>,
    /// Every message whose turn started.
    started: BTreeSet<u64>,
    /// Attachments of messages, by sequence number.
    attachments: BTreeMap<u64, Vec<Attachment>>,
    /// The agent's own conversation id, to resume it.
    thread: Option<String>,
    last_seq: u64,
}

impl TurnQueue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one transcript event into account. Events at or below the last one seen are
    /// ignored (a replay after a reconnect).
    pub fn apply(&mut self, seq: u64, body: &EventBody) {
        if seq <= self.last_seq {
            return;
        }
        self.last_seq = seq;
        match body {
            EventBody::UserMessage { text, attachments, .. } if !self.started.contains(&seq) => {
                self.pending.insert(seq, text.clone());
                if !attachments.is_empty() {
                    self.attachments.insert(seq, attachments.clone());
                }
            }
            EventBody::TurnStart { message_seq } => {
                self.pending.remove(message_seq);
                self.started.insert(*message_seq);
                self.open.insert(*message_seq);
            }
            EventBody::TurnComplete { message_seq } | EventBody::TurnError { message_seq, .. } => {
                self.open.remove(message_seq);
            }
            EventBody::AgentEvent { event: AgentEvent::Thread { id }, .. } => self.thread = Some(id.clone()),
            EventBody::ContextCleared {} => self.thread = None,
            _ => {}
        }
    }

    /// The runner started the turn of `message_seq` (before its `turn_start` comes back on the
    /// stream, so the message is not picked twice).
    pub fn mark_started(&mut self, message_seq: u64) {
        self.pending.remove(&message_seq);
        self.started.insert(message_seq);
        self.open.insert(message_seq);
    }

    /// The runner ended the turn of `message_seq`.
    pub fn mark_ended(&mut self, message_seq: u64) {
        self.open.remove(&message_seq);
    }

    /// The sequence number of the last event taken into account.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Turns that started and never ended.
    pub fn abandoned(&self) -> Vec<u64> {
        self.open.iter().copied().collect()
    }

    /// The next message to run: the oldest not started, if no turn is open.
    pub fn next(&self) -> Option<(u64, String)> {
        if !self.open.is_empty() {
            return None;
        }
        self.pending.iter().next().map(|(seq, text)| (*seq, text.clone()))
    }

    /// The files that came with message `seq`.
    pub fn attachments(&self, seq: u64) -> Vec<Attachment> {
        self.attachments.get(&seq).cloned().unwrap_or_default()
    }

    /// The agent conversation to resume, if a turn reported one.
    pub fn thread(&self) -> Option<&str> {
        self.thread.as_deref()
    }

    pub fn is_idle(&self) -> bool {
        self.open.is_empty() && self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::event::{Author, AuthorKind};

    fn msg(text: &str) -> EventBody {
        EventBody::UserMessage {
            text: text.into(),
            author: Author::new(AuthorKind::User, 1, "a"),
            attachments: Vec::new(),
        }
    }

    #[test]
    fn messages_run_in_order_one_at_a_time() {
        let mut q = TurnQueue::new();
        q.apply(1, &EventBody::SystemNotice { text: "created".into() });
        q.apply(2, &msg("first"));
        q.apply(3, &msg("second"));
        assert_eq!(q.next(), Some((2, "first".into())));
        q.apply(4, &EventBody::TurnStart { message_seq: 2 });
        assert_eq!(q.next(), None, "one turn at a time");
        q.apply(5, &EventBody::TurnComplete { message_seq: 2 });
        assert_eq!(q.next(), Some((3, "second".into())));
        q.apply(6, &EventBody::TurnStart { message_seq: 3 });
        q.apply(7, &EventBody::TurnError { message_seq: 3, message: "x".into(), synthetic: false });
        assert!(q.is_idle());
    }

    #[test]
    fn a_restart_finds_the_abandoned_turn_and_does_not_run_it_again() {
        let mut q = TurnQueue::new();
        for (seq, body) in [(2, msg("a")), (3, EventBody::TurnStart { message_seq: 2 }), (4, msg("b"))] {
            q.apply(seq, &body);
        }
        assert_eq!(q.abandoned(), vec![2]);
        assert_eq!(q.next(), None, "closed first");
        q.apply(5, &EventBody::TurnError { message_seq: 2, message: "abandoned".into(), synthetic: true });
        assert_eq!(q.next(), Some((4, "b".into())));
    }

    #[test]
    fn turns_marked_locally_are_not_picked_again_when_their_events_come_back() {
        let mut q = TurnQueue::new();
        q.apply(2, &msg("a"));
        q.mark_started(2);
        q.apply(3, &msg("b"));
        assert_eq!(q.next(), None);
        q.mark_ended(2);
        q.apply(4, &EventBody::TurnStart { message_seq: 2 });
        q.apply(5, &EventBody::TurnComplete { message_seq: 2 });
        assert_eq!(q.next(), Some((3, "b".into())));
    }

    #[test]
    fn replays_are_ignored_and_the_thread_is_remembered() {
        let mut q = TurnQueue::new();
        q.apply(2, &msg("a"));
        q.apply(3, &EventBody::AgentEvent { message_seq: 2, event: AgentEvent::Thread { id: "th-1".into() } });
        q.apply(2, &msg("a again"));
        assert_eq!(q.next(), Some((2, "a".into())));
        assert_eq!((q.thread(), q.last_seq()), (Some("th-1"), 3));
        q.apply(4, &EventBody::ContextCleared {});
        assert_eq!(q.thread(), None, "a cleared session starts a new conversation");
    }
}
