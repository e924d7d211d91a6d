//! Batons: the agent-to-agent handoff API (`/api/pass`, `/api/catch/:id`, `/api/done/:id`,
//! `/api/status/:id` and friends). One agent passes a piece of work with its context; another
//! catches it under a lease, and finishes it with its result.
//!
//! `output` travels like the baton itself: it is what the passer hands over (its own work
//! product, read by the catcher) until `done` brings the finisher's output, which then takes
//! its place. So both ends name it the same: pass with `output`, done with `output`, and the
//! final record's `output` is what came back. The record also keeps them apart:
//! `handed_over` is always the passer's, `result` only ever the finisher's. `error` is what
//! `fail` said.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where a baton is sent. Exactly one of the two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatonTarget {
    /// A project id (an integer, or its digits as a string): any worker of the project may
    /// catch it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Value>,
    /// A worker handle (`W-2`) or id: only that worker's daemon catches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<Value>,
}

/// A completion webhook: when the baton is done, failed or cancelled, its record is POSTed
/// to `url`, signed with HMAC-SHA256 of `secret` in `X-Baton-Signature-256: sha256=<hex>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    pub url: String,
    pub secret: String,
}

/// `POST /api/pass`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassBaton {
    pub task: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<BatonTarget>,
    /// The workspace of an unaddressed baton, needed only when the token reaches several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookSpec>,
}

/// The answer to `POST /api/pass` (201), replayed as is for a repeated `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passed {
    pub baton_id: String,
    pub pickup_url: String,
    pub status: BatonStatus,
    pub expires_at: String,
}

/// Where a baton is in its life. `expired` is derived: an unfinished baton past its TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatonStatus {
    Pending,
    Caught,
    Done,
    Failed,
    Cancelled,
    Expired,
}

impl BatonStatus {
    pub const ALL: [BatonStatus; 6] = [
        BatonStatus::Pending,
        BatonStatus::Caught,
        BatonStatus::Done,
        BatonStatus::Failed,
        BatonStatus::Cancelled,
        BatonStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BatonStatus::Pending => "pending",
            BatonStatus::Caught => "caught",
            BatonStatus::Done => "done",
            BatonStatus::Failed => "failed",
            BatonStatus::Cancelled => "cancelled",
            BatonStatus::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(self, BatonStatus::Done | BatonStatus::Failed | BatonStatus::Cancelled | BatonStatus::Expired)
    }
}

/// Who passed or caught a baton: `kind` is `user` or `worker`, `name` the username or `W-N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatonParty {
    pub kind: String,
    pub id: i64,
    pub name: String,
}

/// A baton as `GET /api/status/:id`, `done`, `fail`, `cancel` and the list show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baton {
    pub baton_id: String,
    pub status: BatonStatus,
    pub task: String,
    /// The latest output: the finisher's once `done` sent one, else the passer's.
    #[serde(default)]
    pub output: Value,
    /// What the passer handed over.
    #[serde(default)]
    pub handed_over: Value,
    #[serde(default)]
    pub context: Value,
    #[serde(default)]
    pub constraints: Value,
    pub workspace_id: i64,
    #[serde(default)]
    pub to: Option<BatonTarget>,
    /// How many times it was caught.
    pub attempt: i64,
    pub passed_by: BatonParty,
    /// The holder of the latest lease.
    #[serde(default)]
    pub caught_by: Option<BatonParty>,
    /// The session a worker runs it in.
    #[serde(default)]
    pub session_id: Option<i64>,
    #[serde(default)]
    pub result: Value,
    #[serde(default)]
    pub error: Option<String>,
    pub pickup_url: String,
    pub created_at: String,
    pub expires_at: String,
    #[serde(default)]
    pub caught_at: Option<String>,
    #[serde(default)]
    pub lease_expires_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    /// Where the completion is POSTed (the secret is never shown).
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// A lease: proof of holding a caught baton until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub token: String,
    pub expires_at: String,
}

/// The answer to `GET /api/catch/:id`: the baton (status `caught`) and the lease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caught {
    #[serde(flatten)]
    pub baton: Baton,
    pub lease: Lease,
}

/// `POST /api/done/:id` (the body may be empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finish {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// Fences off a stale attempt: when sent it must be the current lease's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_token: Option<String>,
}

/// `POST /api/fail/:id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fail {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_token: Option<String>,
}

/// `POST /api/heartbeat/:id` (the body may be empty): extends the lease.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_seconds: Option<i64>,
}

/// The id part of a baton id or of a whole pickup URL (`https://host/api/catch/<id>`), so
/// people and agents can paste either.
pub fn id_from_input(input: &str) -> &str {
    let input = input.trim();
    let path = input.split(['?', '#']).next().unwrap_or(input);
    path.trim_end_matches('/').rsplit('/').next().unwrap_or(path)
}

/// The shape of a baton id: `bt_` and 26 lowercase base32 characters (130 random bits).
pub fn is_baton_id(text: &str) -> bool {
    text.strip_prefix("bt_").is_some_and(|rest| {
        rest.len() == 26 && rest.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pickup_url_or_an_id_gives_the_id() {
        let id = "bt_abcdefghijklmnopqrstuvwxyz";
        assert_eq!(id_from_input(id), id);
        assert_eq!(id_from_input(&format!("https://b.example/api/catch/{id}")), id);
        assert_eq!(id_from_input(&format!(" http://127.0.0.1:8787/api/catch/{id}/?x=1 ")), id);
    }

    #[test]
    fn baton_ids_have_one_shape() {
        assert!(is_baton_id("bt_abcdefghijklmnopqrstuvwx23"));
        for bad in [
            "",
            "bt_",
            "bt_ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "xx_abcdefghijklmnopqrstuvwx23",
            "bt_abcdefghijklmnopqrstuvwx18",
        ] {
            assert!(!is_baton_id(bad), "{bad}");
        }
    }

    #[test]
    fn statuses_round_trip_their_names() {
        for s in BatonStatus::ALL {
            assert_eq!(BatonStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), Value::String(s.as_str().into()));
        }
        assert!(BatonStatus::Expired.is_final() && !BatonStatus::Caught.is_final());
    }

    #[test]
    fn a_caught_baton_flattens_the_record_beside_the_lease() {
        let text = r#"{"baton_id":"bt_x","status":"caught","task":"t","output":null,"context":{},"constraints":null,
            "workspace_id":1,"attempt":1,"passed_by":{"kind":"user","id":1,"name":"ada"},"result":null,
            "pickup_url":"u","created_at":"a","expires_at":"b","lease":{"token":"btl_x","expires_at":"c"}}"#;
        let caught: Caught = serde_json::from_str(text).unwrap();
        assert_eq!(caught.baton.status, BatonStatus::Caught);
        assert_eq!(caught.lease.token, "btl_x");
    }
}
