//! The events of a Hub stream.
//!
//! On the wire an event is one JSON object: the envelope fields `seq` (the stream's sequence
//! number, also the SSE `id:`) and `at` (RFC 3339), and the body's fields flattened beside
//! them, with the body's `type` (also the SSE `event:`). Readers must tolerate types they do
//! not know: they deserialize as [`EventBody::Unknown`].

use serde::{Deserialize, Serialize};

/// One event of a stream, as stored and as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Event {
    pub seq: u64,
    pub at: String,
    #[serde(flatten)]
    pub body: EventBody,
}

/// Who said or did something: a person, a worker daemon, or the agent of a session (then
/// `id` is the session's, `name` its handle, and `session_id` and `worker_id` say where the
/// agent runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Author {
    pub kind: AuthorKind,
    pub id: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<i64>,
}

impl Author {
    /// A person or a worker daemon.
    pub fn new(kind: AuthorKind, id: i64, name: impl Into<String>) -> Self {
        Author { kind, id, name: name.into(), session_id: None, worker_id: None }
    }

    /// The agent of session `session_id` on worker `worker_id`.
    pub fn agent(session_id: i64, worker_id: Option<i64>) -> Self {
        let name = crate::handle::Handle::session(session_id).to_string();
        Author { kind: AuthorKind::Agent, id: session_id, name, session_id: Some(session_id), worker_id }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    User,
    Worker,
    /// The coding agent of a session, through its session token.
    Agent,
    /// Someone holding a write share link of the session (`id` is the link's).
    Guest,
    /// A loop of the session (`id` is the loop's): its scheduled message.
    Loop,
    /// A person in a chat app, through a bridge (`id` is the bridge's; `name` the sender's).
    Chat,
}

impl AuthorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::User => "user",
            AuthorKind::Worker => "worker",
            AuthorKind::Agent => "agent",
            AuthorKind::Loop => "loop",
            AuthorKind::Chat => "chat",
            AuthorKind::Guest => "guest",
        }
    }
}

impl std::fmt::Display for AuthorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of object a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Entity {
    Project,
    Requirement,
    Task,
    Comment,
    Session,
    Worker,
    /// A baton addressed to the project or to one of its workers (`id` is its sequence
    /// number, `handle` its baton id).
    Baton,
    /// A session's agent asks a person, or was answered (`id` is the session's, `handle` its
    /// `S-N`).
    Input,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    Created,
    Updated,
    Deleted,
    #[serde(other)]
    Unknown,
}

/// What happened. Internally tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventBody {
    /// A person (or an agent on their behalf) wrote into the session.
    UserMessage {
        text: String,
        author: Author,
        /// Files that come with the message; the worker saves them into the worktree.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<crate::api::Attachment>,
    },
    /// Something the server wants the reader to know (session created, renamed, ...). Only
    /// the server writes it.
    SystemNotice { text: String },
    /// Something the session's worker daemon wants the reader to know (it could not run the
    /// session, ...). Its own type, so a worker can never pass for the server.
    WorkerNotice { text: String },
    /// Something in a project changed (the `project:<id>` stream): a small signal, not the
    /// object; readers fetch what they need.
    /// It names the entity itself (`handle`: `T-3`, `R-1`, `S-4`, `W-2`, a baton's id; none
    /// for a comment or a request) and its parent by the parent's kind (a comment's `task`, a
    /// task's `requirement`, a request's `session`), and an update of something with a status
    /// carries the new one: a follower knows what happened without a read.
    Change {
        entity: Entity,
        action: Action,
        id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handle: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requirement: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
    },
    /// Worker command (`worker:<id>` stream): run the session (create or restore its worktree,
    /// then work through its queued messages).
    SessionStart { session_id: i64 },
    /// Worker command: stop the session's agent; keep its worktree.
    SessionStop { session_id: i64 },
    /// Worker command: stop the session and remove its worktree (the branch stays).
    SessionDelete { session_id: i64 },
    /// Worker command: interrupt the running turn (the agent's whole process group).
    SessionInterrupt { session_id: i64 },
    /// Worker command: a baton addressed to this worker or its project is ready to catch
    /// (a nudge: several workers may race, the lease picks one).
    BatonOffered { baton_id: String },
    /// Transcript: the next turn starts a new agent conversation (same worktree).
    ContextCleared {},
    /// Transcript: a turn for the message `message_seq` began.
    TurnStart { message_seq: u64 },
    /// Transcript: something the agent did during the turn.
    AgentEvent { message_seq: u64, event: crate::agent::AgentEvent },
    /// Transcript: the turn is alive (every 30 s).
    TurnHeartbeat { message_seq: u64 },
    /// Transcript: the turn ended normally.
    TurnComplete { message_seq: u64 },
    /// Transcript: the turn ended in an error. `synthetic` when the server or a restarted
    /// worker closed an abandoned turn.
    TurnError {
        message_seq: u64,
        message: String,
        #[serde(default)]
        synthetic: bool,
    },
    /// Transcript: the agent asks a person (a tool approval or a question) and waits. Written
    /// by the server when the worker registers the request (`POST /api/sessions/:id/inputs`).
    InputRequested { input: crate::api::Input },
    /// Transcript: a request was answered (or expired, as a deny). The worker hands the
    /// decision to the waiting agent.
    InputAnswered { input: crate::api::Input },
    /// Channel (`channel:<id>` stream): a member said something, to everyone or to some
    /// names (everyone in the room still sees it). `author` is who posted it.
    ChannelMessage {
        from: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        to: Vec<String>,
        text: String,
        author: Author,
        /// Files that come with it: `GET /api/channels/:id/attachments/:attachment_id`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<crate::api::Attachment>,
    },
    /// Channel: someone took a name in the room.
    MemberJoined { name: String, kind: crate::channel::MemberKind },
    /// Channel: a name was given back.
    MemberLeft { name: String },
    /// Transcript: a loop's run was due at `scheduled_at` and did not post its message (the
    /// worker was offline, a turn was still running). A run that did post is the
    /// `user_message` it wrote, by an author of kind `loop`.
    LoopSkipped { loop_id: i64, name: String, scheduled_at: String, reason: String },
    /// A type this version does not know.
    #[serde(other)]
    Unknown,
}

impl EventBody {
    /// The value of the `type` tag, which is also the SSE `event:` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventBody::UserMessage { .. } => "user_message",
            EventBody::SystemNotice { .. } => "system_notice",
            EventBody::WorkerNotice { .. } => "worker_notice",
            EventBody::Change { .. } => "change",
            EventBody::SessionStart { .. } => "session_start",
            EventBody::SessionStop { .. } => "session_stop",
            EventBody::SessionDelete { .. } => "session_delete",
            EventBody::SessionInterrupt { .. } => "session_interrupt",
            EventBody::BatonOffered { .. } => "baton_offered",
            EventBody::ContextCleared {} => "context_cleared",
            EventBody::TurnStart { .. } => "turn_start",
            EventBody::AgentEvent { .. } => "agent_event",
            EventBody::TurnHeartbeat { .. } => "turn_heartbeat",
            EventBody::TurnComplete { .. } => "turn_complete",
            EventBody::TurnError { .. } => "turn_error",
            EventBody::InputRequested { .. } => "input_requested",
            EventBody::InputAnswered { .. } => "input_answered",
            EventBody::ChannelMessage { .. } => "channel_message",
            EventBody::MemberJoined { .. } => "member_joined",
            EventBody::MemberLeft { .. } => "member_left",
            EventBody::LoopSkipped { .. } => "loop_skipped",
            EventBody::Unknown => "unknown",
        }
    }
}

/// The answer to `GET /api/sessions/:id/events`: a page of the log. `next_after` is the
/// `after=` to ask for next; `last_seq` is the newest sequence number in the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventPage {
    pub items: Vec<Event>,
    pub next_after: Option<u64>,
    pub last_seq: u64,
    /// On a page asked for with `?before=N` (the newest events before `N`, oldest first): the
    /// `before=` that reaches further back, or none at the start of the stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event type, by an exhaustive match: a new variant does not compile until it is
    /// named here, and then it needs its example in `protocol/samples/events/`.
    fn every_type() -> Vec<&'static str> {
        let name = |body: &EventBody| match body {
            EventBody::UserMessage { .. }
            | EventBody::SystemNotice { .. }
            | EventBody::WorkerNotice { .. }
            | EventBody::Change { .. }
            | EventBody::SessionStart { .. }
            | EventBody::SessionStop { .. }
            | EventBody::SessionDelete { .. }
            | EventBody::SessionInterrupt { .. }
            | EventBody::BatonOffered { .. }
            | EventBody::ContextCleared {}
            | EventBody::TurnStart { .. }
            | EventBody::AgentEvent { .. }
            | EventBody::TurnHeartbeat { .. }
            | EventBody::TurnComplete { .. }
            | EventBody::TurnError { .. }
            | EventBody::InputRequested { .. }
            | EventBody::InputAnswered { .. }
            | EventBody::ChannelMessage { .. }
            | EventBody::MemberJoined { .. }
            | EventBody::MemberLeft { .. }
            | EventBody::LoopSkipped { .. }
            | EventBody::Unknown => body.type_name(),
        };
        let text = |s: &str| s.to_owned();
        [
            EventBody::UserMessage {
                text: text("x"),
                author: Author::new(AuthorKind::User, 1, "a"),
                attachments: Vec::new(),
            },
            EventBody::SystemNotice { text: text("x") },
            EventBody::WorkerNotice { text: text("x") },
            EventBody::Change {
                entity: Entity::Task,
                action: Action::Created,
                id: 1,
                handle: None,
                requirement: None,
                task: None,
                session: None,
                status: None,
            },
            EventBody::SessionStart { session_id: 1 },
            EventBody::SessionStop { session_id: 1 },
            EventBody::SessionDelete { session_id: 1 },
            EventBody::SessionInterrupt { session_id: 1 },
            EventBody::BatonOffered { baton_id: text("bt_x") },
            EventBody::ContextCleared {},
            EventBody::TurnStart { message_seq: 1 },
            EventBody::AgentEvent { message_seq: 1, event: crate::agent::AgentEvent::AgentMessage { text: text("x") } },
            EventBody::TurnHeartbeat { message_seq: 1 },
            EventBody::ChannelMessage {
                from: text("a"),
                to: vec![text("b")],
                text: text("x"),
                author: Author::new(AuthorKind::User, 1, "a"),
                attachments: Vec::new(),
            },
            EventBody::MemberJoined { name: text("a"), kind: crate::channel::MemberKind::Agent },
            EventBody::MemberLeft { name: text("a") },
            EventBody::LoopSkipped {
                loop_id: 1,
                name: text("a"),
                scheduled_at: text("2026-01-01T00:00:00.000Z"),
                reason: text("x"),
            },
            EventBody::TurnComplete { message_seq: 1 },
            EventBody::TurnError { message_seq: 1, message: text("x"), synthetic: false },
            EventBody::InputRequested { input: crate::api::Input::example() },
            EventBody::InputAnswered { input: crate::api::Input::example() },
        ]
        .iter()
        .map(name)
        .collect()
    }

    /// Each event type has a checked-in example that round-trips to the same text, and its
    /// `type_name()` is its serde tag.
    #[test]
    fn every_event_type_has_an_example_that_round_trips() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/events");
        for name in every_type() {
            let path = dir.join(format!("{name}.json"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
            let text = text.trim();
            let event: Event = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(event.body.type_name(), name, "type_name() of {name}");
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(value["type"], name, "the example's tag");
            assert_ne!(event.body, EventBody::Unknown, "{name} parsed as unknown");
            assert_eq!(serde_json::to_string(&event).unwrap(), text, "{name} round-trips");
        }
        let files = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(files, every_type().len(), "an example for a type that does not exist");
    }

    const USER_MESSAGE: &str = r#"{"seq":3,"at":"2026-11-21T10:00:00.000Z","type":"user_message","text":"fix the build","author":{"kind":"user","id":1,"name":"ada"}}"#;

    #[test]
    fn user_message_round_trips_the_documented_example() {
        let event: Event = serde_json::from_str(USER_MESSAGE).unwrap();
        assert_eq!(event.seq, 3);
        assert_eq!(event.body.type_name(), "user_message");
        let EventBody::UserMessage { text, author, .. } = &event.body else {
            unreachable!("parsed as {:?}", event.body)
        };
        assert_eq!(text, "fix the build");
        assert_eq!(author.kind, AuthorKind::User);
        assert_eq!(serde_json::to_string(&event).unwrap(), USER_MESSAGE);
    }

    #[test]
    fn unknown_event_types_are_tolerated() {
        let text = r#"{"seq":9,"at":"2026-11-21T10:00:00.000Z","type":"from_the_future","x":[1,2]}"#;
        let event: Event = serde_json::from_str(text).unwrap();
        assert_eq!(event.seq, 9);
        assert_eq!(event.body, EventBody::Unknown);
    }

    #[test]
    fn a_change_round_trips_and_tolerates_new_entities() {
        let text = r#"{"seq":4,"at":"2026-11-21T10:00:00.000Z","type":"change","entity":"task","action":"created","id":9,"handle":"T-3"}"#;
        let event: Event = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&event).unwrap(), text);
        let newer = r#"{"seq":5,"at":"x","type":"change","entity":"gizmo","action":"exploded","id":1}"#;
        let event: Event = serde_json::from_str(newer).unwrap();
        assert!(matches!(event.body, EventBody::Change { entity: Entity::Unknown, action: Action::Unknown, .. }));
    }

    #[test]
    fn system_notice_round_trips() {
        let text = r#"{"seq":1,"at":"2026-11-21T10:00:00.000Z","type":"system_notice","text":"session created"}"#;
        let event: Event = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&event).unwrap(), text);
    }
}
