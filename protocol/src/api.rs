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
}

/// A session: one conversation with a coding agent, with its transcript in a Hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub const ALL: [SessionState; 4] =
        [SessionState::Busy, SessionState::Idle, SessionState::Offline, SessionState::Conversation];

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
        SessionState::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a session state: use busy, idle, offline or conversation"))
    }
}
