//! People: the one-time admin bootstrap, web login and logout, `me`, and the admin's user
//! management. Owns the `users` and `web_logins` tables.

use protocol::api::{BootstrapRequest, BootstrapResponse, CreateUser, LoginRequest, Page, Role, User};
use serde::Deserialize;
use worker::{Request, Response};

use crate::auth::{self, Principal, LOGIN_COOKIE};
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::pagination::PageRequest;
use crate::secrets::{self, TokenKind};
use crate::{bindings, body, db, password, query::Query, respond, tokens, validate};

/// How long a web login lasts.
const LOGIN_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

#[derive(Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub created_at: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: row.id,
            username: row.username,
            role: auth::parse_role(&row.role),
            created_at: protocol::time::rfc3339_from_ms(row.created_at),
        }
    }
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Member => "member",
    }
}

/// `POST /api/auth/bootstrap`: creates the first admin, once, for the holder of the setup
/// secret, and answers a first API token. Afterwards it answers 409 forever.
pub async fn bootstrap(ctx: &Ctx, req: &mut Request) -> ApiResult<Response> {
    let input: BootstrapRequest = body::read_json(req).await?;
    let Ok(secret) = ctx.env.secret(bindings::SETUP_SECRET) else {
        return Err(ApiError::not_found("bootstrap (set the BATON_SETUP_SECRET secret to enable it)"));
    };
    if !secrets::constant_time_eq(secret.to_string().as_bytes(), input.secret.as_bytes()) {
        return Err(ApiError::unauthorized());
    }
    let username = validate::username(&input.username)?;
    let hash = password::hash_new(validate::password(&input.password)?).await?;
    let row: Option<UserRow> = ctx
        .db
        .first(
            "INSERT INTO users (username, password_hash, role, created_at)
         SELECT ?1, ?2, 'admin', ?3 WHERE NOT EXISTS (SELECT 1 FROM users)
         RETURNING id, username, role, created_at",
            &[db::text(&username), db::text(&hash), db::int(ctx.now)],
        )
        .await?;
    let Some(row) = row else {
        return Err(ApiError::conflict("baton is already bootstrapped: log in as an existing admin instead"));
    };
    let token = tokens::mint_for(ctx, row.id, "bootstrap").await?;
    Ok(respond::created(&BootstrapResponse { user: row.into(), token }))
}

/// `POST /api/auth/login`: checks the password and sets the login cookie.
pub async fn login(ctx: &Ctx, req: &mut Request) -> ApiResult<Response> {
    let input: LoginRequest = body::read_json(req).await?;
    #[derive(Deserialize)]
    struct Row {
        id: i64,
        username: String,
        role: String,
        created_at: i64,
        password_hash: String,
    }
    let row: Option<Row> = ctx
        .db
        .first(
            "SELECT id, username, role, created_at, password_hash FROM users WHERE username = ?1",
            &[db::text(&input.username)],
        )
        .await?;
    // An unknown user costs the same hashing as a wrong password, so timing tells nothing.
    let stored = row.as_ref().map_or(DUMMY_HASH, |r| r.password_hash.as_str());
    let matches = password::verify(&input.password, stored).await?;
    let Some(row) = row.filter(|_| matches) else {
        return Err(ApiError::new(protocol::error::ErrorCode::Unauthorized, "wrong username or password"));
    };
    let token = secrets::mint(TokenKind::WebLogin)?;
    ctx.db
        .run(
            "INSERT INTO web_logins (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            &[db::text(&secrets::hash(&token)), db::int(row.id), db::int(ctx.now), db::int(ctx.now + LOGIN_TTL_MS)],
        )
        .await?;
    let user = User::from(UserRow { id: row.id, username: row.username, role: row.role, created_at: row.created_at });
    let response = respond::ok(&user);
    let cookie =
        format!("{LOGIN_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}", LOGIN_TTL_MS / 1000);
    response.headers().set("set-cookie", &cookie)?;
    Ok(response)
}

/// A valid hash of a random password, verified against when the username is unknown.
const DUMMY_HASH: &str = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// `POST /api/auth/logout`: ends the web login this request came with (the row is deleted,
/// so the cookie is worthless even if kept) and clears the cookie.
pub async fn logout(ctx: &Ctx, who: &Principal) -> ApiResult<Response> {
    if let Some(hash) = &who.web_login_hash {
        auth::forget_credential(hash);
        ctx.db.run("DELETE FROM web_logins WHERE token_hash = ?1", &[db::text(hash)]).await?;
    }
    let response = respond::no_content();
    response
        .headers()
        .set("set-cookie", &format!("{LOGIN_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"))?;
    Ok(response)
}

/// `GET /api/auth/me`.
pub async fn me(ctx: &Ctx, who: &Principal) -> ApiResult<Response> {
    let row = find(ctx, who.user_id).await?.ok_or_else(ApiError::unauthorized)?;
    Ok(respond::ok(&User::from(row)))
}

async fn find(ctx: &Ctx, id: i64) -> ApiResult<Option<UserRow>> {
    ctx.db.first("SELECT id, username, role, created_at FROM users WHERE id = ?1", &[db::int(id)]).await
}

/// Finds a user by name (for membership), or 404.
pub async fn find_by_name(ctx: &Ctx, username: &str) -> ApiResult<UserRow> {
    ctx.db
        .first("SELECT id, username, role, created_at FROM users WHERE username = ?1", &[db::text(username)])
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {username:?}")))
}

/// `POST /api/users` (admin).
pub async fn create(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    who.require_admin("create users")?;
    let input: CreateUser = body::read_json(req).await?;
    let username = validate::username(&input.username)?;
    let hash = password::hash_new(validate::password(&input.password)?).await?;
    let row: Option<UserRow> = ctx
        .db
        .first(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (username) DO NOTHING RETURNING id, username, role, created_at",
            &[db::text(&username), db::text(&hash), db::text(role_text(input.role)), db::int(ctx.now)],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::conflict(format!("username {username:?} is taken")))?;
    Ok(respond::created(&User::from(row)))
}

/// `GET /api/users` (admin).
pub async fn list(ctx: &Ctx, who: &Principal, query: &Query) -> ApiResult<Response> {
    who.require_admin("list users")?;
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let rows: Vec<UserRow> = ctx
        .db
        .all(
            "SELECT id, username, role, created_at FROM users WHERE id > ?1 ORDER BY id LIMIT ?2",
            &[db::int(page.after_id), db::int(page.fetch_count().into())],
        )
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    Ok(respond::ok(&Page { items: rows.into_iter().map(User::from).collect::<Vec<_>>(), next_cursor }))
}

/// `POST /api/auth/password`: checks the current password, stores the new one, and ends
/// every web login of the user (API tokens stay: revoke them with `DELETE /api/tokens/:id`).
pub async fn change_password(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    let input: protocol::api::ChangePassword = body::read_json(req).await?;
    validate::password(&input.new_password)
        .map_err(|e| ApiError::invalid_field("new_password", e.message.trim_start_matches("password: ")))?;
    #[derive(Deserialize)]
    struct Stored {
        password_hash: String,
    }
    let stored: Stored = ctx
        .db
        .first("SELECT password_hash FROM users WHERE id = ?1", &[db::int(who.user_id)])
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    if !password::verify(&input.current_password, &stored.password_hash).await? {
        return Err(ApiError::forbidden("current_password is wrong"));
    }
    let hash = password::hash_new(&input.new_password).await?;
    let update = ctx
        .db
        .prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1", &[db::int(who.user_id), db::text(&hash)])?;
    let logout = ctx.db.prepare("DELETE FROM web_logins WHERE user_id = ?1", &[db::int(who.user_id)])?;
    ctx.db.batch(vec![update, logout]).await?;
    auth::forget_user(who.user_id);
    Ok(respond::no_content())
}
