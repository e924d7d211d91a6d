//! Share links: one session shown to someone outside the workspace. Owns the
//! `session_shares` table.
//!
//! A member who sees a session (or its agent) makes a link on demand, `read` or `write`,
//! optionally expiring; the token (`bts_`) is shown once, in the link's URL on the public
//! origin, and stored only as its hash. The link's holder reaches that one session and nothing
//! else: `GET /s/:token` (the web app, showing that session only) and `/api/share/:token/...`
//! (the session, its transcript and live stream with resume; with a write link, messages and
//! answers to the agent's requests). Unknown, revoked and expired tokens answer the same 404,
//! every share answer carries `Cache-Control: no-store` and `X-Robots-Tag: noindex`, and
//! failed look-ups count against the client's rate limit (`access::limits`).

use protocol::api::{CreateShare, Share, ShareMode};
use protocol::event::{Author, AuthorKind};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::access::cache::SessionScope;
use crate::access::limits::{self, Limit};
use crate::crypto::secrets::{self, TokenKind};
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::http::query::Query;
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::bindings;
use crate::platform::context::Ctx;
use crate::{http::body, http::respond, platform::db};

/// The header of `GET /api/share/:token` that says what the link allows (`read` or `write`).
pub const MODE_HEADER: &str = "x-baton-share-mode";

const COLUMNS: &str = "id, session_id, mode, created_at, expires_at";

#[derive(Deserialize)]
struct ShareRow {
    id: i64,
    session_id: i64,
    mode: String,
    created_at: i64,
    expires_at: Option<i64>,
    /// Read with a link's visibility only.
    #[serde(default)]
    project_id: Option<i64>,
}

impl ShareRow {
    fn mode(&self) -> ShareMode {
        if self.mode == "write" {
            ShareMode::Write
        } else {
            ShareMode::Read
        }
    }

    fn view(&self, url: Option<String>) -> Share {
        Share {
            id: self.id,
            session_id: self.session_id,
            mode: self.mode(),
            created_at: protocol::time::rfc3339_from_ms(self.created_at),
            expires_at: self.expires_at.map(protocol::time::rfc3339_from_ms),
            url,
        }
    }
}

fn mode_text(mode: ShareMode) -> &'static str {
    match mode {
        ShareMode::Read => "read",
        ShareMode::Write => "write",
    }
}

fn url_of(ctx: &Ctx, req: &Request, token: &str) -> ApiResult<String> {
    Ok(format!("{}/s/{token}", crate::access::origin::public(ctx, req)?))
}

/// A read-only link to session `session_id` for `expires_in_s` seconds, made by the server
/// itself (a chat answer too long for the chat links to the rest); answers its token.
pub async fn mint_read(ctx: &Ctx, session_id: i64, expires_in_s: u32) -> ApiResult<String> {
    let expires_at = crate::http::validate::expires_at(ctx.now, Some(expires_in_s))?;
    let token = secrets::mint(TokenKind::Share)?;
    ctx.db
        .run(
            "INSERT INTO session_shares (session_id, token_hash, mode, created_by, created_at, expires_at)
             VALUES (?1, ?2, 'read', NULL, ?3, ?4)",
            &[db::int(session_id), db::text(&secrets::hash(&token)), db::int(ctx.now), db::opt_int(expires_at)],
        )
        .await?;
    Ok(token)
}

/// `POST /api/sessions/:id/shares` (the caller sees the session).
pub async fn create(ctx: &Ctx, who: &Principal, session: SessionScope, req: &mut Request) -> ApiResult<Response> {
    if who.worker.is_some() {
        return Err(ApiError::forbidden("a worker does not share sessions: people (and agents) do"));
    }
    let input: CreateShare = body::read_json(req).await?;
    let expires_at = crate::http::validate::expires_at(ctx.now, input.expires_in_s)?;
    let token = secrets::mint(TokenKind::Share)?;
    let row: Option<ShareRow> = ctx
        .db
        .first(
            &format!(
                "INSERT INTO session_shares (session_id, token_hash, mode, created_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING {COLUMNS}"
            ),
            &[
                db::int(session.id),
                db::text(&secrets::hash(&token)),
                db::text(mode_text(input.mode)),
                db::opt_int(Some(who.user_id).filter(|id| *id > 0)),
                db::int(ctx.now),
                db::opt_int(expires_at),
            ],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::internal("share insert returned no row"))?;
    Ok(respond::created(&row.view(Some(url_of(ctx, req, &token)?))))
}

/// `GET /api/sessions/:id/shares`: the session's links, never their tokens.
pub async fn list(ctx: &Ctx, session: SessionScope, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let rows: Vec<ShareRow> =
        ctx.db.page_where(&page, COLUMNS, "session_shares", "session_id", "id", db::int(session.id)).await?;
    Ok(respond::ok(&page.page(rows, |r| r.id, |r| r.view(None))))
}

/// The link `id` if the caller sees its session, else 404.
async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<ShareRow> {
    let (visible, [admin, user, worker]) = who.project_row_clause("s.worker_id", 2);
    let sql = format!(
        "SELECT sh.id, sh.session_id, sh.mode, sh.created_at, sh.expires_at, s.project_id FROM session_shares sh
           JOIN sessions s ON s.id = sh.session_id JOIN projects p ON p.id = s.project_id
         WHERE sh.id = ?1 AND {visible}"
    );
    let row: ShareRow = ctx
        .db
        .first(&sql, &[db::int(id), admin, user, worker])
        .await?
        .ok_or_else(|| ApiError::not_found(format!("share link {id}")))?;
    who.require_project(row.project_id.unwrap_or(0), format!("share link {id}"))?;
    Ok(row)
}

/// `DELETE /api/shares/:id`: the link stops working at once.
pub async fn revoke(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    if who.worker.is_some() {
        return Err(ApiError::forbidden("a worker does not manage share links"));
    }
    let row = find_visible(ctx, who, id).await?;
    ctx.db.run("DELETE FROM session_shares WHERE id = ?1", &[db::int(row.id)]).await?;
    Ok(respond::no_content())
}

/// `POST /api/shares/:id/rotate`: a new token for the link; the old URL stops working.
pub async fn rotate(ctx: &Ctx, who: &Principal, id: i64, req: &Request) -> ApiResult<Response> {
    if who.worker.is_some() {
        return Err(ApiError::forbidden("a worker does not manage share links"));
    }
    let row = find_visible(ctx, who, id).await?;
    let token = secrets::mint(TokenKind::Share)?;
    ctx.db
        .run(
            "UPDATE session_shares SET token_hash = ?2 WHERE id = ?1",
            &[db::int(row.id), db::text(&secrets::hash(&token))],
        )
        .await?;
    Ok(respond::ok(&row.view(Some(url_of(ctx, req, &token)?))))
}

/// What a share link grants.
struct Granted {
    share_id: i64,
    mode: ShareMode,
    session: SessionScope,
    shown: protocol::api::Session,
}

/// The one answer to every unknown, revoked or expired link.
fn not_found() -> ApiError {
    ApiError::not_found("share link")
}

/// Resolves a share token, or the uniform 404 (and a failure counted for the client).
async fn grant(ctx: &Ctx, req: &Request, token: &str) -> ApiResult<Granted> {
    let limit = [Limit::share_client(&limits::client(req))];
    limits::check(ctx, &limit, "share link look-ups from this client").await?;
    #[derive(Deserialize)]
    struct Found {
        id: i64,
        session_id: i64,
        mode: String,
    }
    let found: Option<Found> = if token.starts_with("bts_") && token.len() <= 100 {
        ctx.db
            .first(
                "SELECT id, session_id, mode FROM session_shares
                 WHERE token_hash = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
                &[db::text(&secrets::hash(token)), db::int(ctx.now)],
            )
            .await?
    } else {
        None
    };
    let Some(found) = found else {
        limits::fail(ctx, &limit).await?;
        return Err(not_found());
    };
    let (session, shown) = super::scope_and_row(ctx, found.session_id).await.map_err(|_| not_found())?;
    let mode = if found.mode == "write" { ShareMode::Write } else { ShareMode::Read };
    Ok(Granted { share_id: found.id, mode, session, shown })
}

/// Marks a share answer as private and unindexed, whatever it is (a 404 included). The
/// headers are copied into a new set, since an answer relayed from a Hub has immutable ones.
pub fn private(response: Response) -> Response {
    let headers = worker::Headers::new();
    for (name, value) in response.headers().entries() {
        let _ = headers.append(&name, &value);
    }
    let _ = headers.set("cache-control", "no-store");
    let _ = headers.set("x-robots-tag", "noindex");
    let _ = headers.set("referrer-policy", "no-referrer");
    response.with_headers(headers)
}

/// What a share link's holder asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask<'a> {
    Page,
    Session,
    Events,
    Stream,
    Inputs,
    Message,
    Answer(&'a str),
}

/// Serves a share link's request.
pub async fn serve(ctx: &Ctx, req: &mut Request, token: &str, ask: Ask<'_>, query: &Query) -> ApiResult<Response> {
    let granted = grant(ctx, req, token).await?;
    let key = StreamKey::session(granted.session.id);
    let guest = Author::new(AuthorKind::Guest, granted.share_id, "guest");
    let write = || match granted.mode {
        ShareMode::Write => Ok(()),
        ShareMode::Read => Err(ApiError::forbidden("this share link is read-only: ask for a write link")),
    };
    match ask {
        Ask::Page => page(ctx, req).await,
        Ask::Session => {
            // The app shows a composer only to a write link's holder.
            let response = respond::ok(&granted.shown);
            response.headers().set(MODE_HEADER, mode_text(granted.mode))?;
            Ok(response)
        }
        Ask::Events => hub::serve_page(&ctx.env, &key, query).await,
        Ask::Stream => hub::serve_stream(&ctx.env, &key, req, query).await,
        Ask::Inputs => super::inputs::list_of_session(ctx, granted.session, query).await,
        Ask::Message => {
            write()?;
            super::post_message_as(ctx, granted.session, guest, req).await
        }
        Ask::Answer(request_id) => {
            write()?;
            super::inputs::answer(ctx, granted.session, request_id, &guest, req).await
        }
    }
}

/// `GET /s/:token`: the web app, which opens this one session through `/api/share/:token/...`
/// and nothing else. Served only for a live token (any other gets the same 404 as every share
/// answer), with the app's own headers (`web/public/_headers`: its Content-Security-Policy and
/// the rest) and no referrer ever leaving the page, whose URL holds the token.
async fn page(ctx: &Ctx, req: &Request) -> ApiResult<Response> {
    let assets = ctx.env.assets(bindings::ASSETS).map_err(ApiError::internal)?;
    let mut url = req.url()?;
    url.set_path("/");
    url.set_query(None);
    let mut app = assets.fetch(url.to_string(), None).await.map_err(ApiError::internal)?;
    if app.status_code() != 200 {
        return Err(ApiError::internal(format!("the web app is not built (GET / from assets: {})", app.status_code())));
    }
    let html = app.bytes().await.map_err(ApiError::internal)?;
    let headers = worker::Headers::new();
    for (name, value) in app.headers().entries() {
        if !matches!(name.as_str(), "content-length" | "etag" | "cache-control" | "referrer-policy") {
            headers.set(&name, &value)?;
        }
    }
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("referrer-policy", "no-referrer")?;
    Ok(Response::builder().with_headers(headers).fixed(html))
}
