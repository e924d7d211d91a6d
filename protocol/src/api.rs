//! Request and response bodies of the HTTP API under `/api`.
//!
//! Field names are snake_case; ids are integers; times are RFC 3339 strings in UTC. Response
//! types tolerate fields they do not know (a newer server may add some); request types used
//! by the server reject unknown fields so a typo is a 400 instead of being silently ignored.

use serde::{Deserialize, Serialize};

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health {
    pub status: String,
    /// The server's build version (its crate version).
    pub version: String,
    /// [`crate::PROTOCOL_VERSION`] of the server.
    pub protocol: u32,
}

/// A page of a list: `{"items": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

/// A person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub created_at: String,
    /// A disabled user cannot log in; their tokens, web logins and workers stop working.
    #[serde(default)]
    pub disabled: bool,
    /// Where a baton passed without a workspace goes (none: the first one joined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_workspace_id: Option<i64>,
}

/// `PATCH /api/users/:id` (admins only): disable or re-enable a person. Disabling ends their
/// web logins at once and makes their API tokens and the workers they registered stop
/// working; re-enabling brings back tokens and workers (web logins stay ended).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// The answer to `DELETE /api/users/:id/tokens` (admins, or the user themself): how many API
/// tokens were revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokensRevoked {
    pub revoked: u32,
}

/// `POST /api/auth/bootstrap`: creates the very first admin, once, with the deployment's
/// setup secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BootstrapRequest {
    pub secret: String,
    pub username: String,
    pub password: String,
}

/// The answer to a bootstrap: the admin and a first personal API token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BootstrapResponse {
    pub user: User,
    pub token: TokenCreated,
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `POST /api/users` (admins only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: String,
    pub password: String,
    #[serde(default = "default_role")]
    pub role: Role,
}

fn default_role() -> Role {
    Role::Member
}

/// `POST /api/auth/password`: changes the caller's password and ends their web logins.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
    /// Also revoke every personal API token (for a password that may have leaked with them).
    #[serde(default)]
    pub revoke_tokens: bool,
}

/// The answer to `POST /api/auth/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasswordChanged {
    /// Web logins ended (every one but the caller's own).
    pub logins_ended: u32,
    /// API tokens revoked (0 unless `revoke_tokens`).
    pub tokens_revoked: u32,
}

/// `POST /api/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    /// The token stops working after this many days (1 to 3650); none: until revoked.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
    /// The token reaches this workspace only (least privilege for an agent's key), and never
    /// acts as an admin; none: everything its person reaches.
    #[serde(default)]
    pub workspace_id: Option<i64>,
    /// Narrower still: this project only (its workspace follows from it).
    #[serde(default)]
    pub project_id: Option<i64>,
}

/// A freshly minted token: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenCreated {
    pub id: i64,
    pub name: String,
    pub token: String,
    pub created_at: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub workspace_id: Option<i64>,
    #[serde(default)]
    pub project_id: Option<i64>,
}

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub workspace_id: Option<i64>,
    #[serde(default)]
    pub project_id: Option<i64>,
}

/// `PATCH /api/auth/me`: the caller's own settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    /// The workspace a baton passed without one goes to (`null`: the first one joined).
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<i64>"))]
    pub default_workspace_id: Option<Option<i64>>,
}

/// `POST /api/workspaces`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWorkspace {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Workspace {
    pub id: i64,
    pub name: String,
    pub created_at: String,
}

/// `PATCH /api/workspaces/:id` and `PATCH /api/projects/:id`: a rename.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Rename {
    pub name: String,
}

/// `POST /api/workspaces/:id/members`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    pub username: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Member {
    pub user_id: i64,
    pub username: String,
    pub added_at: String,
}

/// `POST /api/projects`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    pub workspace_id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Project {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub created_at: String,
}

/// The name of a session opened for a brief (`baton delegate`, the MCP `delegate` tool): its
/// first line, at most 60 characters, with `…` when anything was left out.
pub fn session_name(brief: &str) -> String {
    let brief = brief.trim();
    let first = brief.lines().next().unwrap_or("");
    if first.chars().count() <= 60 && !brief.contains('\n') {
        return first.to_owned();
    }
    let kept: String = first.chars().take(59).collect();
    format!("{kept}…")
}

/// `POST /api/sessions`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    pub project_id: i64,
    #[serde(default)]
    pub worker_id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    /// The task the session works on (`T-3` or its id): its cost adds to the task's.
    #[serde(default)]
    pub task: Option<crate::model::ItemRef>,
    #[serde(default)]
    pub permissions: Option<PermissionPolicy>,
}

/// A session: one conversation with a coding agent, with its transcript in a Hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Session {
    pub id: i64,
    /// `S-<id>`.
    pub handle: String,
    pub project_id: i64,
    pub worker_id: Option<i64>,
    pub name: Option<String>,
    /// The agent only plans (reads and proposes), it does not change files.
    #[serde(default)]
    pub plan_mode: bool,
    /// The agent's model, as its CLI names it; none for its default.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub effort: Option<Effort>,
    /// On `GET /api/sessions/:id` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SessionState>,
    /// How the agent may act: what is asked of a person.
    #[serde(default)]
    pub permissions: PermissionPolicy,
    /// How long the agent waits for a person before a request expires as a deny.
    #[serde(default = "default_input_timeout_s")]
    pub input_timeout_s: u32,
    /// The task the session works on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<i64>,
    /// What its turns cost so far.
    #[serde(default)]
    pub cost: Cost,
    pub created_at: String,
}

/// How hard the agent thinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Effort {
    Low,
    Medium,
    High,
}

impl Effort {
    pub const ALL: [Effort; 3] = [Effort::Low, Effort::Medium, Effort::High];

    /// The names of [`Effort::ALL`], for a command line's choices.
    pub fn names() -> [&'static str; 3] {
        Effort::ALL.map(Effort::as_str)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
        }
    }
}

/// `PATCH /api/sessions/:id`: rename, plan mode, model and effort. Absent fields stay; a
/// `null` model or effort goes back to the agent's default.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateSession {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_mode: Option<bool>,
    /// `null` goes back to the agent's default model.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub model: Option<Option<String>>,
    /// `null` goes back to the agent's default effort.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Effort>"))]
    pub effort: Option<Option<Effort>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<PermissionPolicy>,
    /// 60 to 86400 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_timeout_s: Option<u32>,
}

/// A request waits 30 minutes for a person unless the session says otherwise.
pub const DEFAULT_INPUT_TIMEOUT_S: u32 = 1800;

fn default_input_timeout_s() -> u32 {
    DEFAULT_INPUT_TIMEOUT_S
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `POST /api/sessions/:id/messages`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PostMessage {
    pub text: String,
    /// Ids of attachments uploaded to this session (`POST /api/sessions/:id/attachments`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<i64>,
}

/// A file attached to a session; its bytes are at `GET /api/sessions/:id/attachments/:id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attachment {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
}

/// The answer to `POST /api/sessions/:id/messages`: the stored message event, and for a
/// session with a worker whether it waits for the worker (`queued`: its daemon is not
/// connected now; the message runs when it returns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessagePosted {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<bool>,
    #[serde(flatten)]
    pub event: crate::event::Event,
}

/// The answer to `POST /api/sessions/:id/{stop,resume,abort}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionControlled {
    pub session: Session,
    /// Whether the session's worker holds its command stream now (it gets the command when it
    /// returns otherwise).
    pub worker_online: bool,
}

/// What a session is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// A turn runs and its agent waits for a person (an approval or an answer).
    AwaitingInput,
    /// A turn runs.
    Busy,
    /// Its worker is online and ready for a message.
    Idle,
    /// Its worker is not connected: messages wait for it.
    Offline,
    /// A session without a worker: people talking.
    Conversation,
}

impl SessionState {
    pub const ALL: [SessionState; 5] = [
        SessionState::AwaitingInput,
        SessionState::Busy,
        SessionState::Idle,
        SessionState::Offline,
        SessionState::Conversation,
    ];

    /// `busy` while a turn runs; else `idle` when its worker is online, `offline` when it is
    /// not, and `conversation` for a session without a worker.
    pub fn of(worker_online: Option<bool>, turn_open: bool) -> SessionState {
        match (worker_online, turn_open) {
            (_, true) => SessionState::Busy,
            (Some(true), false) => SessionState::Idle,
            (Some(false), false) => SessionState::Offline,
            (None, false) => SessionState::Conversation,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::AwaitingInput => "awaiting_input",
            SessionState::Busy => "busy",
            SessionState::Idle => "idle",
            SessionState::Offline => "offline",
            SessionState::Conversation => "conversation",
        }
    }
}

impl std::fmt::Display for SessionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SessionState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SessionState::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            format!("{s:?} is not a session state: use awaiting_input, busy, idle, offline or conversation")
        })
    }
}

/// The answer to `POST /api/sessions/:id/token` (the session's worker only): a session token
/// (`bta_`) for the agent of one turn, shown only here. It acts as the agent of the session
/// (see SECURITY.md), expires at `expires_at`, and dies with the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionToken {
    pub token: String,
    pub expires_at: String,
    pub session_id: i64,
    pub project_id: i64,
}

/// What an agent waiting for a person asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// May the agent use this tool with this input?
    Approval,
    /// The agent asks a question (Claude Code's `AskUserQuestion`): `answers` carry the reply.
    Question,
}

/// A person's decision on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InputStatus {
    Pending,
    Answered,
    /// Nobody answered in time: a deny, with a reason the agent sees.
    Expired,
}

/// A request of an agent for a person: an approval or a question, and once answered, the
/// answer. `request_id` is the agent's own (Claude Code's `control_request` id), unique within
/// its session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Input {
    pub session_id: i64,
    pub request_id: String,
    pub kind: InputKind,
    /// The tool the agent wants to use (`Bash`, `Edit`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// One line for a person: what is asked.
    pub summary: String,
    /// The tool's input, or the question's details, as the agent sent them.
    #[serde(default)]
    pub input: serde_json::Value,
    /// The message whose turn asks.
    pub message_seq: u64,
    pub status: InputStatus,
    pub requested_at: String,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// A deny's reason (the agent reads it), or a note with an allow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A question's answers, as the agent expects them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<crate::event::Author>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
}

impl Input {
    /// A pending approval, for examples and tests.
    pub fn example() -> Input {
        Input {
            session_id: 4,
            request_id: "toolu_01".into(),
            kind: InputKind::Approval,
            tool: Some("Bash".into()),
            summary: "Bash: rm -f build.log".into(),
            input: serde_json::json!({"command": "rm -f build.log"}),
            message_seq: 6,
            status: InputStatus::Pending,
            requested_at: "2026-11-21T10:00:00.000Z".into(),
            expires_at: "2026-11-21T10:30:00.000Z".into(),
            decision: None,
            message: None,
            answers: None,
            answered_by: None,
            answered_at: None,
        }
    }
}

/// `POST /api/sessions/:id/inputs` (the session's worker): the agent asks; the server records
/// the request, tells the transcript (`input_requested`) and the project, and answers the
/// [`Input`]. The same `request_id` again answers the same request (a retried post).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub request_id: String,
    pub kind: InputKind,
    #[serde(default)]
    pub tool: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub input: serde_json::Value,
    pub message_seq: u64,
}

/// `POST /api/sessions/:id/inputs/:request_id`: a person answers. The same answer twice is the
/// same 200; another answer after the first is 409; an answer after expiry is 410.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub decision: Decision,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub answers: Option<serde_json::Value>,
}

/// How a session's agent is allowed to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PermissionPolicy {
    /// What the worker's permission mode does not allow by itself is asked of a person.
    #[default]
    Ask,
    /// Every request is allowed at once, nobody asked (the worker's own limits still hold).
    AllowAll,
    /// The agent reads and proposes only.
    Plan,
}

impl PermissionPolicy {
    pub const ALL: [PermissionPolicy; 3] = [PermissionPolicy::Ask, PermissionPolicy::AllowAll, PermissionPolicy::Plan];

    pub fn as_str(self) -> &'static str {
        match self {
            PermissionPolicy::Ask => "ask",
            PermissionPolicy::AllowAll => "allow_all",
            PermissionPolicy::Plan => "plan",
        }
    }

    /// The names of [`PermissionPolicy::ALL`], for a command line's choices.
    pub fn names() -> [&'static str; 3] {
        PermissionPolicy::ALL.map(PermissionPolicy::as_str)
    }
}

/// What work cost, as the agents reported it: running totals of a session, a task or a
/// project.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Cost {
    pub turns: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// In US dollars, where the agent reports it (Claude Code does; Codex reports tokens only).
    pub cost_usd: f64,
}

/// `POST /api/sessions/:id/shares`: a share link to one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateShare {
    #[serde(default)]
    pub mode: ShareMode,
    /// The link stops working after this many seconds (1 to 31,536,000: a year); none: until
    /// revoked.
    #[serde(default)]
    pub expires_in_s: Option<u32>,
}

/// What a share link lets its holder do with its one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShareMode {
    /// Read the transcript and follow it live.
    #[default]
    Read,
    /// Also send messages and answer the agent's requests.
    Write,
}

/// A share link as listed (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Share {
    pub id: i64,
    pub session_id: i64,
    pub mode: ShareMode,
    pub created_at: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Only when created or rotated: `<public origin>/s/<token>`, shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What a project's notification webhook hears of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotifyEvent {
    /// An agent waits for a person.
    InputRequested,
    /// A turn ended normally.
    TurnComplete,
    /// A turn ended in an error.
    TurnError,
    /// A baton addressed to the project or one of its workers was finished (done, failed or
    /// cancelled).
    BatonDone,
}

impl NotifyEvent {
    pub const ALL: [NotifyEvent; 4] =
        [NotifyEvent::InputRequested, NotifyEvent::TurnComplete, NotifyEvent::TurnError, NotifyEvent::BatonDone];

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::InputRequested => "input_requested",
            NotifyEvent::TurnComplete => "turn_complete",
            NotifyEvent::TurnError => "turn_error",
            NotifyEvent::BatonDone => "baton_done",
        }
    }
}

/// `POST /api/projects/:id/webhooks`: notifications of the project's events to a URL, signed
/// with `secret` (`X-Baton-Signature-256`, as batons' webhooks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateProjectWebhook {
    pub url: String,
    pub secret: String,
    /// Which events; none given: all of them.
    #[serde(default)]
    pub events: Vec<NotifyEvent>,
}

/// A project's notification webhook (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProjectWebhook {
    pub id: i64,
    pub project_id: i64,
    pub url: String,
    pub events: Vec<NotifyEvent>,
    pub created_at: String,
}
