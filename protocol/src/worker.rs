//! Workers (`W-N`): registration and what the API shows of a worker.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which coding agent a worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum AgentKind {
    /// Claude Code: `claude -p --input-format stream-json --output-format stream-json --verbose`.
    #[serde(rename = "claude-code")]
    ClaudeCode,
    /// Codex: `codex exec --json`.
    #[serde(rename = "codex")]
    Codex,
    /// Any command: the prompt on stdin, each line of stdout an agent message.
    #[serde(rename = "command")]
    Command,
    /// The built-in scripted agent, for tests and demos.
    #[serde(rename = "scripted")]
    Scripted,
}

impl AgentKind {
    pub const ALL: [AgentKind; 4] = [AgentKind::ClaudeCode, AgentKind::Codex, AgentKind::Command, AgentKind::Scripted];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentKind::ClaudeCode => "claude-code",
            AgentKind::Codex => "codex",
            AgentKind::Command => "command",
            AgentKind::Scripted => "scripted",
        }
    }
}

impl fmt::Display for AgentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AgentKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not an agent: use claude-code, codex, command or scripted"))
    }
}

/// `POST /api/workers`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterWorker {
    pub project_id: i64,
    /// A stable id of the machine (kept in the user's data dir): registering again from the
    /// same machine reattaches.
    pub machine_id: String,
    pub name: String,
    pub agent: AgentKind,
    pub base_branch: String,
    #[serde(default)]
    pub hostname: Option<String>,
    /// Sessions run at once; the rest wait. Default 4.
    #[serde(default)]
    pub max_sessions: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Worker {
    pub id: i64,
    /// `W-<id>`.
    pub handle: String,
    pub project_id: i64,
    pub name: String,
    pub hostname: String,
    pub agent: AgentKind,
    pub base_branch: String,
    pub max_sessions: u32,
    /// Whether its daemon holds its command stream right now.
    pub online: bool,
    /// How many of its sessions are in a turn now (lists only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy_sessions: Option<u32>,
    /// When its daemon was last heard from (its heartbeat, recorded at most every 15 s); none
    /// before the first. A list's `online` trusts this heartbeat, so a daemon that died shows
    /// online for up to 30 s there (`baton worker ls` asks again about the ones listed online;
    /// `GET /api/workers/:id` knows within seconds): `last_seen_at` says how stale it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<String>,
    /// Its session worktrees on disk, as its daemon last reported them (after each cleanup,
    /// every 10 minutes); none before the first report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktrees: Option<WorktreeUsage>,
    pub created_at: String,
}

/// A worker's session worktrees on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorktreeUsage {
    pub count: u32,
    pub bytes: u64,
}

/// `POST /api/workers/:id/heartbeat`'s body (optional): what the daemon reports with it.
/// Its schema is `WorkerHeartbeat`: a baton's `Heartbeat` has the name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "WorkerHeartbeat"))]
pub struct Heartbeat {
    /// Its worktrees' disk use, once its first cleanup has measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktrees: Option<WorktreeUsage>,
}

/// The answer to a registration: the worker and its token (shown only now; a reattach mints
/// a new one and the old one stops working).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkerRegistered {
    pub worker: Worker,
    pub token: String,
    pub outcome: RegistrationOutcome,
}

/// What a registration (or a token rotation) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationOutcome {
    /// A new worker.
    Created,
    /// The same machine again: the worker took the new settings and a new token.
    Reattached,
    /// `POST /api/workers/:id/token`: a new token; the old one stopped working.
    Rotated,
}

impl RegistrationOutcome {
    pub const ALL: [RegistrationOutcome; 3] =
        [RegistrationOutcome::Created, RegistrationOutcome::Reattached, RegistrationOutcome::Rotated];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationOutcome::Created => "created",
            RegistrationOutcome::Reattached => "reattached",
            RegistrationOutcome::Rotated => "rotated",
        }
    }
}

impl fmt::Display for RegistrationOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
