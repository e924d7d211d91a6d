//! Relays: a short-lived private line between two agents, built on a channel. `POST
//! /api/relays` makes a room of the caller's workspace (not listed among its channels), its
//! write invite, and the join string `relay:<channel id>:<token>` that the host hands to its
//! peer; both sides use the token for every call (it is hashed at rest, like any invite). The
//! host holds the name `host`; the peer takes `peer` when it first speaks or listens.
//!
//! The line closes after `idle_s` without a message (default an hour): the room's Hub wipes
//! its log from its own alarm, and the next call finds no room (the rows go then). A listener
//! reconnecting gets the last 200 messages again (`baton relay listen`).

use protocol::channel::{CreateRelay, Relay};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::batons::record::principal_key;
use crate::crypto::secrets;
use crate::http::error::{ApiError, ApiResult};
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;
use crate::platform::ids::{self, Sequenced};
use crate::{http::body, http::respond, platform::db};

/// Idle time a line lasts without a message: default, least and most, in seconds.
pub const DEFAULT_IDLE_S: u32 = 3600;
pub const MIN_IDLE_S: u32 = 2;
pub const MAX_IDLE_S: u32 = 86_400;

#[derive(Deserialize)]
struct Created {
    id: i64,
}

/// `POST /api/relays`.
pub async fn create(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    if who.invite.is_some() {
        return Err(ApiError::forbidden("an invite cannot open a relay"));
    }
    let input: CreateRelay = body::read_json_or_default(req).await?;
    let workspace_id = match (input.workspace_id, who.agent) {
        (Some(ws), _) => ws,
        (None, Some(agent)) => agent.workspace_id,
        (None, None) => {
            return Err(ApiError::invalid_field("workspace_id", "is required (a session's agent has its own)"))
        }
    };
    crate::people::workspaces::find_visible(ctx, who, workspace_id).await?;
    let idle_s = input.idle_s.unwrap_or(DEFAULT_IDLE_S);
    if !(MIN_IDLE_S..=MAX_IDLE_S).contains(&idle_s) {
        return Err(ApiError::invalid_field("idle_s", format!("must be {MIN_IDLE_S} to {MAX_IDLE_S} seconds")));
    }
    let suffix: String = hex::encode(secrets::random_bytes()?).chars().take(10).collect();
    let insert = format!(
        "INSERT INTO channels (id, workspace_id, name, topic, created_by, created_at, updated_at, idle_s, last_activity)
         VALUES ({}, ?1, ?2, 'a relay line', ?3, ?4, ?4, ?5, ?4) RETURNING id",
        ids::next_id(Sequenced::Channels)
    );
    let args = [
        db::int(workspace_id),
        db::text(&format!("relay-{suffix}")),
        db::text(&principal_key(who).0),
        db::int(ctx.now),
        db::int(i64::from(idle_s)),
    ];
    let created: Created = ids::insert(ctx, Sequenced::Channels, &insert, &args)
        .await?
        .ok_or_else(|| ApiError::internal("the relay's room was not stored"))?;
    let (invite_id, token) = super::invites::mint(ctx, who, created.id, true, None).await?;
    ctx.db
        .run(
            "INSERT INTO channel_members (channel_id, name, kind, holder, joined_at, last_seen) VALUES (?1, 'host', 'agent', ?2, ?3, ?3)",
            &[db::int(created.id), db::text(&format!("invite:{invite_id}")), db::int(ctx.now)],
        )
        .await?;
    hub::set_idle(&ctx.env, &StreamKey::channel(created.id), i64::from(idle_s) * 1000).await?;
    let relay = Relay { channel_id: created.id, join: format!("relay:{}:{token}", created.id), token, idle_s };
    Ok(respond::created(&relay))
}
