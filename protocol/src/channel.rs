//! Channels: rooms of a workspace where agents and people talk. The room's messages and
//! arrivals are the events of its stream (`channel_message`, `member_joined`, `member_left`);
//! these are the request and answer bodies of its API.

use serde::{Deserialize, Serialize};

/// `POST /api/workspaces/:id/channels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// Unique within the workspace.
    pub name: String,
    /// What the room is for, shown to whoever joins.
    #[serde(default)]
    pub topic: Option<String>,
    /// Private delivery: a message `to` some names is shown only to them, its sender, and the
    /// room's creator and admins [default: false, everyone in the room sees everything].
    #[serde(default)]
    pub private: Option<bool>,
}

/// `PATCH /api/channels/:id`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateChannel {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub private: Option<bool>,
}

/// A channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Channel {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub topic: String,
    /// Addressed messages reach only their sender and recipients (and the room's creator and
    /// admins).
    pub private: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Who a member is: an agent or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    #[default]
    Agent,
    Human,
}

impl MemberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::Agent => "agent",
            MemberKind::Human => "human",
        }
    }
}

/// `PUT /api/channels/:id/members/:name` (the body may be empty): join, or say you are still
/// there.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct JoinChannel {
    /// Default: `agent` for a session's agent, `human` for a person's token.
    #[serde(default)]
    pub kind: Option<MemberKind>,
}

/// A member of a channel, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChannelMember {
    pub name: String,
    pub kind: MemberKind,
    /// Heard from (a join, a heartbeat, a message) within the presence window (90 s).
    pub online: bool,
    pub joined_at: String,
    pub last_seen: String,
}

/// `POST /api/channels/:id/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PostChannelMessage {
    /// The member name the caller holds in the room.
    pub from: String,
    pub text: String,
    /// Members the message is for (everyone in the room still sees it, unless the room is
    /// private); none: everyone.
    #[serde(default)]
    pub to: Vec<String>,
    /// Files uploaded to the room first (`POST /api/channels/:id/attachments`), at most 20.
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// `POST /api/channels/:id/invites`: a token that lets an outsider into this one room.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateChannelInvite {
    /// `read` (the default): read and follow the room; `write`: also join and speak.
    #[serde(default)]
    pub mode: crate::api::ShareMode,
    /// The invite stops working after this many seconds (1 to 31,536,000); none: until revoked.
    #[serde(default)]
    pub expires_in_s: Option<u32>,
}

/// An invite as listed (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChannelInvite {
    pub id: i64,
    pub channel_id: i64,
    pub mode: crate::api::ShareMode,
    pub created_at: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Only when created: the token (`btc_...`), shown once; the outsider sends it as a
    /// Bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// `POST /api/relays` (the body may be empty for a session's agent).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateRelay {
    /// The workspace [default: a session's agent's own; required otherwise].
    #[serde(default)]
    pub workspace_id: Option<i64>,
    /// Close the line after this many seconds without a message (2 to 86,400; default 3,600).
    #[serde(default)]
    pub idle_s: Option<u32>,
}

/// A relay line, as opened: shown once, with its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Relay {
    pub channel_id: i64,
    /// The line's key (`btc_...`): every call of either side carries it as its Bearer token.
    pub token: String,
    /// `relay:<channel id>:<token>`: what the host hands to its peer.
    pub join: String,
    pub idle_s: u32,
}

/// Whether an event of a room concerns the member `reader`: a message to everyone, to the
/// reader or from it; any arrival or departure. What `?for=NAME` and `listen --for` keep.
pub fn concerns(body: &crate::event::EventBody, reader: &str) -> bool {
    delivered(body, &[reader])
}

/// Whether a private room delivers an event to whoever holds `names`: a message to everyone,
/// or from or to one of the names; any arrival or departure.
pub fn delivered<S: AsRef<str>>(body: &crate::event::EventBody, names: &[S]) -> bool {
    let held = |name: &String| names.iter().any(|n| n.as_ref() == name);
    match body {
        crate::event::EventBody::ChannelMessage { from, to, .. } => to.is_empty() || held(from) || to.iter().any(held),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Author, AuthorKind, EventBody};

    #[test]
    fn a_reader_sees_what_is_for_everyone_for_it_or_from_it() {
        let author = Author::new(AuthorKind::User, 1, "ann");
        let said = |to: &[&str]| EventBody::ChannelMessage {
            from: "ann".into(),
            to: to.iter().map(|s| s.to_string()).collect(),
            text: "x".into(),
            author: author.clone(),
            attachments: Vec::new(),
        };
        assert!(concerns(&said(&["bob"]), "bob") && concerns(&said(&["bob"]), "ann"));
        assert!(!concerns(&said(&["bob"]), "cy"));
        assert!(concerns(&said(&[]), "cy"));
        assert!(concerns(&EventBody::MemberLeft { name: "bob".into() }, "cy"));
    }

    #[test]
    fn a_private_room_delivers_an_addressed_message_to_the_names_it_concerns_only() {
        let said = |from: &str, to: &[&str]| EventBody::ChannelMessage {
            from: from.into(),
            to: to.iter().map(|s| s.to_string()).collect(),
            text: "x".into(),
            author: Author::new(AuthorKind::User, 1, "ann"),
            attachments: Vec::new(),
        };
        let mine = ["cy", "dee"];
        assert!(delivered(&said("ann", &["dee"]), &mine), "to one of my names");
        assert!(delivered(&said("cy", &["bob"]), &mine), "from one of my names");
        assert!(delivered(&said("ann", &[]), &mine), "to everyone");
        assert!(!delivered(&said("ann", &["bob"]), &mine), "between others");
        assert!(!delivered(&said("ann", &["bob"]), &[] as &[&str]), "a reader holding no name");
        assert!(delivered(&EventBody::MemberJoined { name: "eve".into(), kind: MemberKind::Agent }, &mine));
    }
}
