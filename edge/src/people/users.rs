//! People: the one-time admin bootstrap, web login and logout, `me`, and the admin's user
//! management. Owns the `users` and `web_logins` tables.

use protocol::api::{
    BootstrapRequest, BootstrapResponse, CreateUser, LoginRequest, PasswordChanged, Role, TokensRevoked, UpdateUser,
    User,
};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::{Principal, LOGIN_COOKIE};
use crate::access::invalidate;
use crate::access::limits::{self, Limit};
use crate::crypto::secrets::{self, TokenKind};
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::platform::context::Ctx;
use crate::{
    crypto::password, http::body, http::query::Query, http::respond, http::validate, people::tokens,
    platform::bindings, platform::db,
};

/// The columns of a [`UserRow`].
const COLUMNS: &str = "id, username, role, created_at, disabled_at, default_workspace_id";

/// How long a web login lasts.
const LOGIN_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

#[derive(Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub created_at: i64,
    #[serde(default)]
    pub disabled_at: Option<i64>,
    #[serde(default)]
    pub default_workspace_id: Option<i64>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: row.id,
            username: row.username,
            role: crate::access::auth::parse_role(&row.role),
            created_at: protocol::time::rfc3339_from_ms(row.created_at),
            disabled: row.disabled_at.is_some(),
            default_workspace_id: row.default_workspace_id,
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
    let limit = [Limit::bootstrap_client(&limits::client(req))];
    limits::check(ctx, &limit, "bootstrap attempts from this client").await?;
    if !secrets::constant_time_eq(secret.to_string().as_bytes(), input.secret.as_bytes()) {
        limits::fail(ctx, &limit).await?;
        return Err(ApiError::unauthorized());
    }
    let username = validate::username(&input.username)?;
    let hash = password::hash_new(validate::password(&input.password)?).await?;
    let row: Option<UserRow> = ctx
        .db
        .first(
            "INSERT INTO users (username, password_hash, role, created_at)
         SELECT ?1, ?2, 'admin', ?3 WHERE NOT EXISTS (SELECT 1 FROM users)
         RETURNING id, username, role, created_at, disabled_at",
            &[db::text(&username), db::text(&hash), db::int(ctx.now)],
        )
        .await?;
    let Some(row) = row else {
        return Err(ApiError::conflict("baton is already bootstrapped: log in as an existing admin instead"));
    };
    let token = tokens::mint_for(ctx, row.id, "bootstrap").await?;
    Ok(respond::created(&BootstrapResponse { user: row.into(), token }))
}

/// `POST /api/auth/login`: checks the password and sets the login cookie. Failures count
/// against the username and the client (`limits`): past the threshold even the right password
/// waits for the window to end.
pub async fn login(ctx: &Ctx, req: &mut Request) -> ApiResult<Response> {
    let input: LoginRequest = body::read_json(req).await?;
    let user_limit = Limit::login_user(&input.username);
    let limits = [user_limit.clone(), Limit::login_client(&limits::client(req))];
    let failures = limits::check(ctx, &limits, "logins").await?;
    // Slowed before the password is checked: the right one waits as long as a wrong one.
    let wait = limits::slow_down_ms(failures);
    if wait > 0 {
        worker::Delay::from(std::time::Duration::from_millis(wait)).await;
    }
    #[derive(Deserialize)]
    struct Row {
        #[serde(flatten)]
        user: UserRow,
        password_hash: String,
    }
    let row: Option<Row> = ctx
        .db
        .first(&format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = ?1"), &[db::text(&input.username)])
        .await?;
    // An unknown user costs the same hashing as a wrong password, so timing tells nothing.
    let stored = row.as_ref().map_or(DUMMY_HASH, |r| r.password_hash.as_str());
    let matches = password::verify(&input.password, stored).await?;
    let Some(row) = row.filter(|_| matches) else {
        limits::fail(ctx, &limits).await?;
        return Err(ApiError::new(protocol::error::ErrorCode::Unauthorized, "wrong username or password"));
    };
    limits::clear(ctx, &user_limit).await?;
    if row.user.disabled_at.is_some() {
        return Err(ApiError::forbidden("this account is disabled: ask an admin to enable it"));
    }
    let token = secrets::mint(TokenKind::WebLogin)?;
    ctx.db
        .run(
            "INSERT INTO web_logins (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            &[
                db::text(&secrets::hash(&token)),
                db::int(row.user.id),
                db::int(ctx.now),
                db::int(ctx.now + LOGIN_TTL_MS),
            ],
        )
        .await?;
    let response = respond::ok(&User::from(row.user));
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
        invalidate::credential_revoked(hash);
        ctx.db.run("DELETE FROM web_logins WHERE token_hash = ?1", &[db::text(hash)]).await?;
    }
    let response = respond::no_content();
    response
        .headers()
        .set("set-cookie", &format!("{LOGIN_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"))?;
    Ok(response)
}

/// `PATCH /api/auth/me`: the caller's default workspace (where a baton passed without one
/// goes; `null` for the first one joined).
pub async fn update_me(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    if who.worker.is_some() || who.agent.is_some() || who.token_scope.is_some() {
        return Err(ApiError::forbidden("a person changes their settings with an unscoped token or the web login"));
    }
    let input: protocol::api::UpdateMe = body::read_json(req).await?;
    if let Some(choice) = input.default_workspace_id {
        if let Some(id) = choice {
            crate::people::workspaces::find_visible(ctx, who, id).await.map_err(|_| {
                ApiError::invalid_field("default_workspace_id", format!("{id} is not a workspace you see"))
            })?;
        }
        ctx.db
            .run(
                "UPDATE users SET default_workspace_id = ?2 WHERE id = ?1",
                &[db::int(who.user_id), db::opt_int(choice)],
            )
            .await?;
        crate::access::invalidate::user_changed(who.user_id);
    }
    me(ctx, who).await
}

/// `GET /api/auth/me`.
pub async fn me(ctx: &Ctx, who: &Principal) -> ApiResult<Response> {
    let row = find(ctx, who.user_id).await?.ok_or_else(ApiError::unauthorized)?;
    Ok(respond::ok(&User::from(row)))
}

async fn find(ctx: &Ctx, id: i64) -> ApiResult<Option<UserRow>> {
    ctx.db.first(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"), &[db::int(id)]).await
}

/// Finds a user by name (for membership), or 404.
pub async fn find_by_name(ctx: &Ctx, username: &str) -> ApiResult<UserRow> {
    ctx.db
        .first(&format!("SELECT {COLUMNS} FROM users WHERE username = ?1"), &[db::text(username)])
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
         ON CONFLICT (username) DO NOTHING RETURNING id, username, role, created_at, disabled_at",
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
            &format!("SELECT {COLUMNS} FROM users WHERE id > ?1 ORDER BY id LIMIT ?2"),
            &[db::int(page.after_id), db::int(page.fetch_count().into())],
        )
        .await?;
    Ok(respond::ok(&page.page(rows, |r| r.id, User::from)))
}

/// `PATCH /api/users/:id` (admin): disables or re-enables a person. Disabling ends their
/// web logins; their API tokens and the workers they registered stop authenticating (the
/// checks in `auth` read `disabled_at`) until they are enabled again.
pub async fn update(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    who.require_admin("disable or enable users")?;
    let input: UpdateUser = body::read_json(req).await?;
    let Some(disabled) = input.disabled else {
        let row = find(ctx, id).await?.ok_or_else(|| ApiError::not_found(format!("user {id}")))?;
        return Ok(respond::ok(&User::from(row)));
    };
    if disabled && id == who.user_id {
        return Err(ApiError::invalid_field("disabled", "an admin cannot disable themself: ask another admin"));
    }
    let set = ctx.db.prepare(
        &format!(
            "UPDATE users SET disabled_at = CASE WHEN ?2 = 1 THEN COALESCE(disabled_at, ?3) END WHERE id = ?1
             RETURNING {COLUMNS}"
        ),
        &[db::int(id), db::int(i64::from(disabled)), db::int(ctx.now)],
    )?;
    let mut statements = vec![set];
    if disabled {
        statements.push(ctx.db.prepare("DELETE FROM web_logins WHERE user_id = ?1", &[db::int(id)])?);
    }
    let results = ctx.db.batch(statements).await?;
    let row = match results.into_iter().next() {
        Some(result) => result.results::<UserRow>()?.into_iter().next(),
        None => None,
    };
    let row = row.ok_or_else(|| ApiError::not_found(format!("user {id}")))?;
    invalidate::user_changed(id);
    Ok(respond::ok(&User::from(row)))
}

/// `DELETE /api/users/:id/tokens`: revokes every API token of a user (an admin for anyone,
/// a person for themself).
pub async fn revoke_tokens(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    if id != who.user_id {
        who.require_admin("revoke another user's tokens")?;
        find(ctx, id).await?.ok_or_else(|| ApiError::not_found(format!("user {id}")))?;
    }
    let revoked = tokens::revoke_all(ctx, id).await?;
    Ok(respond::ok(&TokensRevoked { revoked }))
}

/// `POST /api/auth/password`: checks the current password, stores the new one, and ends
/// every web login of the user; with `revoke_tokens` it also revokes every API token.
pub async fn change_password(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    let input: protocol::api::ChangePassword = body::read_json(req).await?;
    validate::password_field("new_password", &input.new_password)?;
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
    let results = ctx.db.batch(vec![update, logout]).await?;
    let logins_ended = results.get(1).and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    let tokens_revoked = if input.revoke_tokens { tokens::revoke_all(ctx, who.user_id).await? } else { 0 };
    invalidate::user_changed(who.user_id);
    Ok(respond::ok(&PasswordChanged { logins_ended: u32::try_from(logins_ended).unwrap_or(u32::MAX), tokens_revoked }))
}
