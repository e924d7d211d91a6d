//! Channel invites: how an outsider enters one room. Owns the `channel_invites` table.
//!
//! A member who sees a room (not an invite's holder) makes an invite, `read` or `write`,
//! optionally expiring; its token (`btc_`) is shown once and stored only as its hash. Sent as a
//! Bearer token it reaches that room and nothing else (`app::invite_may`): read, follow, and
//! with `write` join, leave and speak. A revoked, expired or unknown invite answers the same
//! 404 as a room one may not see (`auth::ROOM_NOT_FOUND`); revoking forgets the cached
//! principal at once in this isolate (`access::invalidate`).

use protocol::api::ShareMode;
use protocol::channel::{ChannelInvite, CreateChannelInvite};
use serde::Deserialize;
use worker::{Request, Response};

use super::find_visible;
use crate::access::auth::Principal;
use crate::access::invalidate;
use crate::batons::record::principal_key;
use crate::crypto::secrets::{self, TokenKind};
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::{http::body, http::respond, platform::db};

#[derive(Deserialize)]
struct InviteRow {
    id: i64,
    channel_id: i64,
    mode: String,
    created_by: String,
    created_at: i64,
    expires_at: Option<i64>,
    token_hash: String,
}

impl InviteRow {
    fn view(&self, token: Option<String>) -> ChannelInvite {
        ChannelInvite {
            id: self.id,
            channel_id: self.channel_id,
            mode: if self.mode == "write" { ShareMode::Write } else { ShareMode::Read },
            created_at: protocol::time::rfc3339_from_ms(self.created_at),
            expires_at: self.expires_at.map(protocol::time::rfc3339_from_ms),
            token,
        }
    }
}

const COLUMNS: &str = "id, channel_id, mode, created_by, created_at, expires_at, token_hash";

fn not_for_guests(who: &Principal) -> ApiResult<()> {
    if who.invite.is_some() {
        return Err(ApiError::forbidden("an invite cannot make or see invites"));
    }
    Ok(())
}

/// `POST /api/channels/:id/invites`.
pub async fn create(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    not_for_guests(who)?;
    find_visible(ctx, who, id).await?;
    let input: CreateChannelInvite = body::read_json_or_default(req).await?;
    let expires_at = crate::http::validate::expires_at(ctx.now, input.expires_in_s)?;
    let (row, token) = store(ctx, who, id, input.mode == ShareMode::Write, expires_at).await?;
    Ok(respond::created(&row.view(Some(token))))
}

/// Makes a write (or read) invite to room `id`: its id and its token (what a relay hands over).
pub async fn mint(
    ctx: &Ctx,
    who: &Principal,
    id: i64,
    write: bool,
    expires_at: Option<i64>,
) -> ApiResult<(i64, String)> {
    let (row, token) = store(ctx, who, id, write, expires_at).await?;
    Ok((row.id, token))
}

async fn store(
    ctx: &Ctx,
    who: &Principal,
    id: i64,
    write: bool,
    expires_at: Option<i64>,
) -> ApiResult<(InviteRow, String)> {
    let mode = if write { "write" } else { "read" };
    let token = secrets::mint(TokenKind::ChannelInvite)?;
    let row: Option<InviteRow> = ctx
        .db
        .first(
            &format!(
                "INSERT INTO channel_invites (channel_id, token_hash, mode, created_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING {COLUMNS}"
            ),
            &[
                db::int(id),
                db::text(&secrets::hash(&token)),
                db::text(mode),
                db::text(&principal_key(who).0),
                db::int(ctx.now),
                db::opt_int(expires_at),
            ],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::internal("the invite was not stored"))?;
    Ok((row, token))
}

/// `GET /api/channels/:id/invites`: the room's live invites (never their tokens).
pub async fn list(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    not_for_guests(who)?;
    find_visible(ctx, who, id).await?;
    let rows: Vec<InviteRow> = ctx
        .db
        .all(
            &format!(
                "SELECT {COLUMNS} FROM channel_invites WHERE channel_id = ?1 AND revoked_at IS NULL
                   AND (expires_at IS NULL OR expires_at > ?2) ORDER BY id"
            ),
            &[db::int(id), db::int(ctx.now)],
        )
        .await?;
    let items: Vec<ChannelInvite> = rows.iter().map(|r| r.view(None)).collect();
    Ok(respond::ok(&serde_json::json!({ "items": items })))
}

/// `DELETE /api/channels/:id/invites/:invite_id`: its maker, the room's creator or an admin.
pub async fn revoke(ctx: &Ctx, who: &Principal, id: i64, invite_id: i64) -> ApiResult<Response> {
    not_for_guests(who)?;
    let room = find_visible(ctx, who, id).await?;
    let row: Option<InviteRow> = ctx
        .db
        .first(
            &format!("SELECT {COLUMNS} FROM channel_invites WHERE id = ?1 AND channel_id = ?2 AND revoked_at IS NULL"),
            &[db::int(invite_id), db::int(id)],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::not_found(format!("invite {invite_id}")))?;
    if row.created_by != principal_key(who).0 {
        super::require_owner(who, &room)?;
    }
    ctx.db
        .run("UPDATE channel_invites SET revoked_at = ?2 WHERE id = ?1", &[db::int(invite_id), db::int(ctx.now)])
        .await?;
    invalidate::credential_revoked(&row.token_hash);
    Ok(respond::no_content())
}
