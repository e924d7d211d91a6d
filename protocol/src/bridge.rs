//! Chat bridges: a DingTalk or Feishu bot of a project, whose chats become sessions on one of
//! its workers. These are the request and answer bodies of its API; the platforms' own
//! payloads are read by the server (`edge/src/bridges`).

use serde::{Deserialize, Serialize};

/// Which chat platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Dingtalk,
    Feishu,
}

impl Platform {
    pub const ALL: [Platform; 2] = [Platform::Dingtalk, Platform::Feishu];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Dingtalk => "dingtalk",
            Platform::Feishu => "feishu",
        }
    }

    pub fn parse(text: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// What is put before a chat message for the agent when a bridge names no template of its own:
/// who wrote it and where. `{sender}`, `{chat}` and `{text}` are filled in.
pub const DEFAULT_PROMPT: &str = "{sender} wrote in {chat}:\n\n{text}";

/// `POST /api/projects/:id/bridges`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateBridge {
    pub platform: Platform,
    /// The worker whose agent answers the chats (of this project).
    pub worker_id: i64,
    /// [default: the platform's name]
    #[serde(default)]
    pub name: Option<String>,
    /// DingTalk: the app's AppKey (its robot code); Feishu: the App ID.
    pub app_key: String,
    /// The app's secret (DingTalk AppSecret, Feishu App Secret): sealed at rest, never shown.
    pub app_secret: String,
    /// Feishu: the verification token of the event subscription (sealed at rest).
    #[serde(default)]
    pub verification_token: Option<String>,
    /// Feishu: the encrypt key, when the app encrypts its events (sealed at rest).
    #[serde(default)]
    pub encrypt_key: Option<String>,
    /// The template a chat message is put into for the agent [default: [`DEFAULT_PROMPT`]].
    #[serde(default)]
    pub prompt: Option<String>,
}

/// `PATCH /api/bridges/:id`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateBridge {
    #[serde(default)]
    pub worker_id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub app_key: Option<String>,
    #[serde(default)]
    pub app_secret: Option<String>,
    #[serde(default)]
    pub verification_token: Option<String>,
    /// An empty string removes it.
    #[serde(default)]
    pub encrypt_key: Option<String>,
    /// An empty string goes back to the default.
    #[serde(default)]
    pub prompt: Option<String>,
}

/// A bridge, as shown (never its secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Bridge {
    pub id: i64,
    pub project_id: i64,
    pub worker_id: Option<i64>,
    pub platform: Platform,
    pub name: String,
    pub app_key: String,
    /// Feishu: whether events come encrypted (and signed).
    pub encrypted: bool,
    pub prompt: String,
    /// What to paste into the platform's console as the callback (event) URL.
    pub callback_url: String,
    /// Step-by-step setup of the platform's console for this bridge.
    pub help_url: String,
    pub created_at: String,
    pub updated_at: String,
}
