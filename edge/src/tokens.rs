//! Personal API tokens: minted with a name, shown once, listed without their secret,
//! revoked by deletion. Owns the `api_tokens` table (authentication reads it in `auth`).

use protocol::api::{CreateToken, Page, TokenCreated, TokenInfo};
use serde::Deserialize;
use worker::{Request, Response};

use crate::auth::{self, Principal};
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::pagination::PageRequest;
use crate::secrets::{self, TokenKind};
use crate::{body, db, query::Query, respond, validate};

use protocol::time::rfc3339_from_ms;

#[derive(Deserialize)]
struct TokenRow {
    id: i64,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

/// Mints a token for `user_id` and stores its hash; the returned secret is never stored.
pub async fn mint_for(ctx: &Ctx, user_id: i64, name: &str) -> ApiResult<TokenCreated> {
    let token = secrets::mint(TokenKind::Personal)?;
    let row: Option<TokenRow> = ctx
        .db
        .first(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)
         RETURNING id, name, created_at, last_used_at",
            &[db::int(user_id), db::text(name), db::text(&secrets::hash(&token)), db::int(ctx.now)],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::internal("token insert returned no row"))?;
    Ok(TokenCreated { id: row.id, name: row.name, token, created_at: rfc3339_from_ms(row.created_at) })
}

/// `POST /api/tokens`.
pub async fn create(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    let input: CreateToken = body::read_json(req).await?;
    let name = validate::name("name", &input.name)?;
    Ok(respond::created(&mint_for(ctx, who.user_id, &name).await?))
}

/// `GET /api/tokens`: the caller's own tokens.
pub async fn list(ctx: &Ctx, who: &Principal, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let rows: Vec<TokenRow> = ctx
        .db
        .all(
            "SELECT id, name, created_at, last_used_at FROM api_tokens
         WHERE user_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            &[db::int(who.user_id), db::int(page.after_id), db::int(page.fetch_count().into())],
        )
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    let items = rows
        .into_iter()
        .map(|r| TokenInfo {
            id: r.id,
            name: r.name,
            created_at: rfc3339_from_ms(r.created_at),
            last_used_at: r.last_used_at.map(rfc3339_from_ms),
        })
        .collect();
    Ok(respond::ok(&Page { items, next_cursor }))
}

/// `DELETE /api/tokens/:id`: revokes one of the caller's tokens.
pub async fn revoke(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    #[derive(Deserialize)]
    struct Revoked {
        token_hash: String,
    }
    let revoked: Option<Revoked> = ctx
        .db
        .first(
            "DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2 RETURNING token_hash",
            &[db::int(id), db::int(who.user_id)],
        )
        .await?;
    let revoked = revoked.ok_or_else(|| ApiError::not_found(format!("token {id}")))?;
    auth::forget_credential(&revoked.token_hash);
    Ok(respond::no_content())
}
