//! Personal API tokens: minted with a name and an optional expiry, shown once, listed without
//! their secret, revoked by deletion (one, or all of a user's). Owns the `api_tokens` table
//! (authentication reads it in `auth`, and refuses an expired token there).

use protocol::api::{CreateToken, Page, TokenCreated, TokenInfo};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::access::invalidate;
use crate::crypto::secrets::{self, TokenKind};
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::platform::context::Ctx;
use crate::{http::body, http::query::Query, http::respond, http::validate, platform::db};

use protocol::time::rfc3339_from_ms;

#[derive(Deserialize)]
struct TokenRow {
    id: i64,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    #[serde(default)]
    expires_at: Option<i64>,
    #[serde(default)]
    workspace_id: Option<i64>,
    #[serde(default)]
    project_id: Option<i64>,
}

const COLUMNS: &str = "id, name, created_at, last_used_at, expires_at, workspace_id, project_id";

/// The longest a token may be made to last, in days.
pub const MAX_EXPIRY_DAYS: u32 = 3650;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Mints a token for `user_id` and stores its hash; the returned secret is never stored.
pub async fn mint_for(ctx: &Ctx, user_id: i64, name: &str) -> ApiResult<TokenCreated> {
    mint_expiring(ctx, user_id, name, None, Scope::default()).await
}

async fn mint_expiring(
    ctx: &Ctx,
    user_id: i64,
    name: &str,
    expires_at: Option<i64>,
    scope: Scope,
) -> ApiResult<TokenCreated> {
    let token = secrets::mint(TokenKind::Personal)?;
    let row: Option<TokenRow> = ctx
        .db
        .first(
            &format!(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at, workspace_id, project_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING {COLUMNS}"
            ),
            &[
                db::int(user_id),
                db::text(name),
                db::text(&secrets::hash(&token)),
                db::int(ctx.now),
                db::opt_int(expires_at),
                db::opt_int(scope.workspace_id),
                db::opt_int(scope.project_id),
            ],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::internal("token insert returned no row"))?;
    Ok(TokenCreated {
        id: row.id,
        name: row.name,
        token,
        created_at: rfc3339_from_ms(row.created_at),
        expires_at: row.expires_at.map(rfc3339_from_ms),
        workspace_id: row.workspace_id,
        project_id: row.project_id,
    })
}

/// `POST /api/users/:id/tokens` (admins): a token for another person, for instance a second
/// agent's own identity. Its scope is checked against what that person reaches.
pub async fn create_for(ctx: &Ctx, who: &Principal, user_id: i64, req: &mut Request) -> ApiResult<Response> {
    who.require_admin("mint tokens for other people")?;
    #[derive(Deserialize)]
    struct Person {
        id: i64,
        username: String,
        role: String,
    }
    let person: Person = ctx
        .db
        .first("SELECT id, username, role FROM users WHERE id = ?1 AND disabled_at IS NULL", &[db::int(user_id)])
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {user_id}")))?;
    let as_them = Principal {
        user_id: person.id,
        username: person.username,
        role: crate::access::auth::parse_role(&person.role),
        web_login_hash: None,
        worker: None,
        agent: None,
        token_scope: None,
        invite: None,
    };
    mint_from_request(ctx, &as_them, req).await
}

/// `POST /api/tokens`.
pub async fn create(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    mint_from_request(ctx, who, req).await
}

async fn mint_from_request(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    let input: CreateToken = body::read_json(req).await?;
    let name = validate::name("name", &input.name)?;
    let expires_at = match input.expires_in_days {
        None => None,
        Some(days @ 1..=MAX_EXPIRY_DAYS) => Some(ctx.now + i64::from(days) * DAY_MS),
        Some(_) => {
            return Err(ApiError::invalid_field("expires_in_days", format!("must be 1 to {MAX_EXPIRY_DAYS}")));
        }
    };
    if who.worker.is_some() || who.agent.is_some() {
        return Err(ApiError::forbidden("only people mint personal tokens"));
    }
    let scope = scope_of(ctx, who, &input).await?;
    Ok(respond::created(&mint_expiring(ctx, who.user_id, &name, expires_at, scope).await?))
}

/// Where a new token reaches: a project (its workspace follows), a workspace, or everything;
/// a scoped token can only narrow what its maker reaches, never widen it.
#[derive(Debug, Clone, Copy, Default)]
struct Scope {
    workspace_id: Option<i64>,
    project_id: Option<i64>,
}

async fn scope_of(ctx: &Ctx, who: &Principal, input: &CreateToken) -> ApiResult<Scope> {
    let inherited = who
        .token_scope
        .map_or(Scope::default(), |s| Scope { workspace_id: Some(s.workspace_id), project_id: s.project_id });
    if let Some(id) = input.project_id {
        let project = crate::people::projects::find_visible(ctx, who, id)
            .await
            .map_err(|_| ApiError::invalid_field("project_id", format!("{id} is not a project you see")))?;
        if input.workspace_id.is_some_and(|w| w != project.workspace_id) {
            return Err(ApiError::invalid_field("workspace_id", "is not the project's workspace"));
        }
        return Ok(Scope { workspace_id: Some(project.workspace_id), project_id: Some(project.id) });
    }
    match input.workspace_id {
        Some(id) => {
            let workspace = crate::people::workspaces::find_visible(ctx, who, id)
                .await
                .map_err(|_| ApiError::invalid_field("workspace_id", format!("{id} is not a workspace you see")))?;
            Ok(Scope { workspace_id: Some(workspace.id), project_id: inherited.project_id })
        }
        None => Ok(inherited),
    }
}

/// Revokes every API token of `user_id`; answers how many.
pub async fn revoke_all(ctx: &Ctx, user_id: i64) -> ApiResult<u32> {
    #[derive(Deserialize)]
    struct Revoked {
        token_hash: String,
    }
    let revoked: Vec<Revoked> =
        ctx.db.all("DELETE FROM api_tokens WHERE user_id = ?1 RETURNING token_hash", &[db::int(user_id)]).await?;
    for r in &revoked {
        invalidate::credential_revoked(&r.token_hash);
    }
    Ok(u32::try_from(revoked.len()).unwrap_or(u32::MAX))
}

/// `GET /api/tokens`: the caller's own tokens.
pub async fn list(ctx: &Ctx, who: &Principal, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let rows: Vec<TokenRow> =
        ctx.db.page_where(&page, COLUMNS, "api_tokens", "user_id", "id", db::int(who.user_id)).await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    let items = rows
        .into_iter()
        .map(|r| TokenInfo {
            id: r.id,
            name: r.name,
            created_at: rfc3339_from_ms(r.created_at),
            last_used_at: r.last_used_at.map(rfc3339_from_ms),
            expires_at: r.expires_at.map(rfc3339_from_ms),
            workspace_id: r.workspace_id,
            project_id: r.project_id,
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
    invalidate::credential_revoked(&revoked.token_hash);
    Ok(respond::no_content())
}
