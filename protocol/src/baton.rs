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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    pub url: String,
    pub secret: String,
}

/// `POST /api/pass`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Passed {
    pub baton_id: String,
    pub pickup_url: String,
    pub status: BatonStatus,
    pub expires_at: String,
}

/// Where a baton is in its life. `expired` is derived: an unfinished baton past its TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// Who passed or caught a baton: a user or a worker; `name` the username or `W-N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BatonParty {
    pub kind: crate::event::AuthorKind,
    pub id: i64,
    pub name: String,
}

/// A baton as `GET /api/status/:id`, `done`, `fail`, `cancel` and the list show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Lease {
    pub token: String,
    pub expires_at: String,
}

/// The answer to `GET /api/catch/:id`: the baton (status `caught`) and the lease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Caught {
    #[serde(flatten)]
    pub baton: Baton,
    pub lease: Lease,
}

/// `POST /api/done/:id` (the body may be empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Fail {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_token: Option<String>,
}

/// `POST /api/heartbeat/:id` (the body may be empty): extends the lease.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_seconds: Option<i64>,
}

/// A baton's id: `bt_` and 26 lowercase base32 characters (130 random bits). The one parser
/// of baton ids: [`FromStr`](std::str::FromStr) takes exactly that shape; [`BatonId::from_input`] also takes a
/// whole pickup URL (`https://host/api/catch/<id>`), so people and agents can paste either.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BatonId(String);

impl BatonId {
    /// The id in `input`: an id, or the last path segment of a pickup URL.
    pub fn from_input(input: &str) -> Result<BatonId, String> {
        let input = input.trim();
        let path = input.split(['?', '#']).next().unwrap_or(input);
        path.trim_end_matches('/').rsplit('/').next().unwrap_or(path).parse()
    }

    /// Makes an id from 26 random bytes (each taken modulo 32).
    pub fn from_random(bytes: &[u8; 32]) -> BatonId {
        const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
        let id: String = bytes.iter().take(26).map(|b| ALPHABET[usize::from(b & 31)] as char).collect();
        BatonId(format!("bt_{id}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for BatonId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let well_formed = text.strip_prefix("bt_").is_some_and(|rest| {
            rest.len() == 26 && rest.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
        });
        if well_formed {
            Ok(BatonId(text.to_owned()))
        } else {
            Err(format!("{text:?} is not a baton id (bt_ and 26 letters or digits 2-7) or a pickup URL"))
        }
    }
}

impl std::fmt::Display for BatonId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for BatonId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for BatonId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for BatonId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "BatonId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^bt_[a-z2-7]{26}$",
            "description": "A baton's id."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pickup_url_or_an_id_gives_the_id() {
        let id = "bt_abcdefghijklmnopqrstuvwxyz";
        assert_eq!(BatonId::from_input(id).unwrap().as_str(), id);
        assert_eq!(BatonId::from_input(&format!("https://b.example/api/catch/{id}")).unwrap().as_str(), id);
        assert_eq!(BatonId::from_input(&format!(" http://127.0.0.1:8787/api/catch/{id}/?x=1 ")).unwrap().as_str(), id);
        assert!(BatonId::from_input("https://b.example/api/catch/").is_err());
    }

    #[test]
    fn baton_ids_have_one_shape() {
        let is_baton_id = |t: &str| t.parse::<BatonId>().is_ok();
        assert!(is_baton_id("bt_abcdefghijklmnopqrstuvwx23"));
        let minted = BatonId::from_random(&[255; 32]);
        assert_eq!(minted.to_string().parse::<BatonId>(), Ok(minted.clone()));
        assert_eq!(serde_json::to_string(&minted).unwrap(), format!("\"{minted}\""));
        assert!(serde_json::from_str::<BatonId>("\"bt_x\"").is_err());
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
