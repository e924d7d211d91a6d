//! Loops: a message posted into a session on a schedule (a check-in every morning, a "how is
//! it going?" every 30 minutes). Each run is a `user_message` authored by the loop; a run the
//! session could not take (its worker offline, a turn still running) is a `loop_skipped` event
//! with the reason. These are the request and answer bodies of its API.

use serde::{Deserialize, Serialize};

/// The shortest interval, in seconds.
pub const MIN_INTERVAL_S: u32 = 30;
/// The longest interval (90 days), in seconds.
pub const MAX_INTERVAL_S: u32 = 90 * 24 * 3600;

/// `POST /api/sessions/:id/loops`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateLoop {
    /// What is posted into the session at every run.
    pub message: String,
    /// Seconds between runs (30 to 7,776,000, that is 90 days). The first run is one interval
    /// after creation, never at once.
    pub interval_s: u32,
    /// A label shown as the message's author (default: `loop <id>`).
    #[serde(default)]
    pub name: Option<String>,
    /// [default: true]
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `PATCH /api/loops/:id`: a changed interval, or enabling a disabled loop, starts its
/// schedule again from now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateLoop {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub interval_s: Option<u32>,
    /// An empty name goes back to the default.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// How a loop's last due run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LoopOutcome {
    /// The message was posted.
    Ran,
    /// It was not (see `last_reason`).
    Skipped,
}

impl LoopOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            LoopOutcome::Ran => "ran",
            LoopOutcome::Skipped => "skipped",
        }
    }
}

/// A loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Loop {
    pub id: i64,
    pub session_id: i64,
    pub name: String,
    pub message: String,
    pub interval_s: u32,
    pub enabled: bool,
    /// When it runs next; none while disabled.
    #[serde(default)]
    pub next_run_at: Option<String>,
    #[serde(default)]
    pub last_run_at: Option<String>,
    #[serde(default)]
    pub last_outcome: Option<LoopOutcome>,
    /// Why the last run was skipped.
    #[serde(default)]
    pub last_reason: Option<String>,
    pub runs: u32,
    pub skips: u32,
    pub created_at: String,
    pub updated_at: String,
}
