//! GitHub sync: linking a repository to a project, and the reports of a backfill.

use serde::{Deserialize, Serialize};

/// `POST /api/projects/:id/github`: link a repository (`owner/name`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectGithub {
    pub repo: String,
    /// Mirror pull requests too (GitHub sends them as issues). Default: no.
    #[serde(default)]
    pub include_pull_requests: Option<bool>,
    /// A GitHub token for backfill (`sync`), stored sealed. Optional for public repositories.
    #[serde(default)]
    pub api_token: Option<String>,
}

/// `PATCH /api/github/links/:id`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateGithubLink {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_pull_requests: Option<bool>,
    /// A new token; an empty string forgets the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_token: Option<String>,
}

/// A link as listed: never its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GithubLink {
    pub id: i64,
    pub project_id: i64,
    pub repo: String,
    pub include_pull_requests: bool,
    pub has_api_token: bool,
    /// Where GitHub must send the repository's webhooks.
    pub webhook_url: String,
    pub created_at: String,
}

/// The answer to a connect: the link and its webhook secret, shown only this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GithubLinkCreated {
    #[serde(flatten)]
    pub link: GithubLink,
    /// Paste into the webhook's "Secret" field on GitHub.
    pub secret: String,
}

/// `POST /api/github/links/:id/sync`: one step of a backfill.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Where the previous step stopped; none to start.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// What one step of a backfill changed. Repeat with `next_cursor` until it is null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SyncReport {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Pull requests passed over (the link does not mirror them).
    pub skipped: u32,
    pub next_cursor: Option<String>,
}

/// The answer to a GitHub delivery (`POST /api/github/webhook/:link_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookAnswer {
    pub status: WebhookStatus,
    /// `ping`: the linked repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// A duplicate: the delivery id seen before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    /// An issue event: the mirrored requirement's handle and the event's action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Ignored: the event, or why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a GitHub delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WebhookStatus {
    Pong,
    Created,
    Updated,
    Unchanged,
    Duplicate,
    Ignored,
}

impl WebhookAnswer {
    pub fn new(status: WebhookStatus) -> Self {
        WebhookAnswer { status, repo: None, delivery: None, requirement: None, action: None, event: None, reason: None }
    }
}
