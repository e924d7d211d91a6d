//! Authentication: who is calling. A request carries either `Authorization: Bearer <token>`
//! (a personal API token or a worker token) or the web login cookie; each is looked up by its
//! SHA-256 hash in the table of its own kind, so a cookie's value is no Bearer token and the
//! reverse. Anything else is a 401.
//!
//! A person's credentials stop working when they are disabled (and a token at its expiry).
//! A worker acts for the person who registered it: its token works only while that person
//! may still see the worker's workspace (a member, or an admin) and is not disabled. What the principal may see is decided by each resource, with
//! [`Principal::visible_clause`] for workspace membership.

use protocol::api::Role;
use serde::Deserialize;
use worker::Request;

use crate::access::cache::PRINCIPALS;
use crate::crypto::secrets;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::db::{self, Db};

/// The cookie that carries a web login.
pub const LOGIN_COOKIE: &str = "baton_login";

/// How often `last_used_at` of a token is refreshed: no write per request.
const LAST_USED_GRANULARITY_MS: i64 = 10 * 60 * 1000;

/// A credential found in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Bearer(String),
    Cookie(String),
}

impl Credential {
    /// The key of this credential in the per-isolate cache: its kind and its hash, so a login
    /// cookie's value sent as a Bearer token is looked up as what it is (and refused).
    pub fn cache_key(&self) -> String {
        match self {
            Credential::Bearer(token) => format!("bearer:{}", secrets::hash(token)),
            Credential::Cookie(token) => format!("cookie:{}", secrets::hash(token)),
        }
    }
}

/// Finds the credential: a Bearer token wins over the cookie.
pub fn credential(authorization: Option<&str>, cookie: Option<&str>) -> Option<Credential> {
    if let Some(value) = authorization {
        let (scheme, token) = value.trim().split_once(' ')?;
        let token = token.trim();
        return (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
            .then(|| Credential::Bearer(token.to_owned()));
    }
    cookie_value(cookie?, LOGIN_COOKIE).map(|v| Credential::Cookie(v.to_owned()))
}

/// The value of one cookie in a `Cookie:` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name && !v.is_empty()).then_some(v)
    })
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// 0 for a worker.
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// The hash of the web login this request came with, if it came with one.
    pub web_login_hash: Option<String>,
    /// Set when the caller is a worker daemon: it sees no workspace (so every user route
    /// answers 404 or 403), only its command stream and its own sessions.
    pub worker: Option<WorkerScope>,
    /// Set when the caller is the agent of a session (a `bta_` session token): it sees its
    /// session's workspace and nothing else, and only the routes `app::agent_may` lists.
    pub agent: Option<AgentScope>,
    /// Set for a personal token scoped to one workspace (and perhaps one project of it): it
    /// sees that workspace only (that project only), and never acts as an admin.
    pub token_scope: Option<TokenScope>,
    /// Set for a channel invite (`btc_`): that one room, to read or also to write, and
    /// nothing else (`app::invite_may`).
    pub invite: Option<InviteScope>,
}

/// What a channel invite reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InviteScope {
    pub invite_id: i64,
    pub channel_id: i64,
    pub workspace_id: i64,
    pub write: bool,
}

/// The one 404 of channels: an unknown room, a room one may not see, and a revoked, expired
/// or unknown invite answer it alike.
pub const ROOM_NOT_FOUND: &str = "this channel";

/// What a scoped personal token reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenScope {
    pub token_id: i64,
    pub workspace_id: i64,
    pub project_id: Option<i64>,
}

/// What a session's agent may touch: its session's workspace, as the session's worker's
/// registrant may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentScope {
    pub session_id: i64,
    pub worker_id: Option<i64>,
    pub project_id: i64,
    pub workspace_id: i64,
    /// The person the session's worker acts for.
    pub registrant: i64,
}

/// Callers in per-isolate caches: people by id (positive), workers by minus their id, agents
/// by minus this plus their session's id, scoped tokens by this plus their id (every id
/// stays far below it).
const AGENT_CACHE_KEYS: i64 = 1 << 52;

/// What a worker token may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerScope {
    pub worker_id: i64,
    pub project_id: i64,
    /// The person it acts for (who registered it last).
    pub registrant: i64,
    pub workspace_id: i64,
}

impl Principal {
    /// A person's own token or login: not a worker's, a session's agent's or an invite's.
    /// `what` says what only people do ("manages loops").
    pub fn require_person(&self, what: &str) -> ApiResult<()> {
        if self.worker.is_some() || self.agent.is_some() || self.invite.is_some() {
            return Err(ApiError::forbidden(format!("only a person's token {what}")));
        }
        Ok(())
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn require_admin(&self, action: &str) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("only an admin may {action}")))
        }
    }

    /// SQL that is true when this principal may see workspace `workspace_column`: admins see
    /// every workspace, members the ones they belong to, and a session's agent its session's
    /// one (its `?{user}` is minus that workspace's id, which no membership names). Binds
    /// `?{admin}` and `?{user}`, see [`Principal::visibility_args`].
    pub fn visible_clause(workspace_column: &str, admin: u8, user: u8) -> String {
        format!(
            "(?{admin} = 1 OR {workspace_column} = -?{user} OR EXISTS (SELECT 1 FROM memberships m \
             WHERE m.workspace_id = {workspace_column} AND m.user_id = ?{user}))"
        )
    }

    /// SQL true when this principal may see a row of a project: a person who sees the
    /// project's workspace (`p.workspace_id`, the project joined as `p`), or the worker the
    /// row names in `worker_column`. Binds `?{first}` to `?{first + 2}`; their values follow.
    pub fn project_row_clause(&self, worker_column: &str, first: u8) -> (String, [wasm_bindgen::JsValue; 3]) {
        let [admin, user] = self.visibility_args();
        let clause = format!(
            "({} OR {worker_column} = ?{})",
            Principal::visible_clause("p.workspace_id", first, first + 1),
            first + 2
        );
        (clause, [admin, user, self.worker_arg()])
    }

    /// The row `select` finds by its id (`?1`) when this principal may see its project, else
    /// 404 naming `what` (the same answer whether the row is absent or hidden). `select` joins
    /// the project as `p` and ends in a `WHERE` that this extends.
    pub async fn find_in_project<T: serde::de::DeserializeOwned>(
        &self,
        db: &Db,
        select: &str,
        id: i64,
        what: &str,
        project_of: impl FnOnce(&T) -> i64,
    ) -> ApiResult<T> {
        let [admin, user] = self.visibility_args();
        let sql = format!("{select} AND {}", Principal::visible_clause("p.workspace_id", 2, 3));
        let row: T = db.first(&sql, &[db::int(id), admin, user]).await?.ok_or_else(|| ApiError::not_found(what))?;
        self.require_project(project_of(&row), what)?;
        Ok(row)
    }

    /// The two arguments of [`Principal::visible_clause`]: (is admin, user id, or minus the
    /// workspace of an agent).
    pub fn visibility_args(&self) -> [wasm_bindgen::JsValue; 2] {
        let user = match (self.agent, self.token_scope) {
            _ if self.invite.is_some() => -self.invite.map_or(0, |i| i.workspace_id),
            (Some(a), _) => -a.workspace_id,
            (None, Some(scope)) => -scope.workspace_id,
            (None, None) => self.user_id,
        };
        [db::int(i64::from(self.is_admin())), db::int(user)]
    }

    /// Distinguishes callers in per-isolate caches: people by id, workers below zero, agents
    /// further below.
    pub fn cache_key(&self) -> i64 {
        if let Some(invite) = self.invite {
            return 2 * AGENT_CACHE_KEYS + invite.invite_id;
        }
        match (self.worker, self.agent, self.token_scope) {
            (Some(w), _, _) => -w.worker_id,
            (None, Some(a), _) => -AGENT_CACHE_KEYS - a.session_id,
            (None, None, Some(scope)) => AGENT_CACHE_KEYS + scope.token_id,
            (None, None, None) => self.user_id,
        }
    }

    /// Whether this principal reaches project `project_id` (of a workspace it sees): all but
    /// a token scoped to another project. Every lookup of a project's rows asks it, after
    /// the workspace's visibility; a miss is the same 404.
    pub fn reaches_project(&self, project_id: i64) -> bool {
        self.token_scope.and_then(|s| s.project_id).is_none_or(|p| p == project_id)
    }

    /// 404 `what` unless [`Principal::reaches_project`].
    pub fn require_project(&self, project_id: i64, what: impl std::fmt::Display) -> ApiResult<()> {
        if self.reaches_project(project_id) {
            Ok(())
        } else {
            Err(ApiError::not_found(what))
        }
    }

    /// Who this principal is, as an author of comments, messages and batons.
    pub fn author(&self) -> protocol::event::Author {
        use protocol::event::{Author, AuthorKind};
        match (self.worker, self.agent) {
            (Some(w), _) => Author::new(AuthorKind::Worker, w.worker_id, self.username.clone()),
            (None, Some(a)) => Author::agent(a.session_id, a.worker_id),
            (None, None) => Author::new(AuthorKind::User, self.user_id, self.username.clone()),
        }
    }

    /// The worker id for SQL (`NULL` for a person, which matches no row).
    pub fn worker_arg(&self) -> wasm_bindgen::JsValue {
        db::opt_int(self.worker.map(|w| w.worker_id))
    }
}

#[derive(Deserialize)]
struct TokenRow {
    token_id: Option<i64>,
    last_used_at: Option<i64>,
    user_id: i64,
    username: String,
    role: String,
    #[serde(default)]
    workspace_id: Option<i64>,
    #[serde(default)]
    project_id: Option<i64>,
}

pub fn parse_role(text: &str) -> Role {
    if text == "admin" {
        Role::Admin
    } else {
        Role::Member
    }
}

/// Authenticates a request or answers 401.
pub async fn authenticate(req: &Request, db: &Db, now: i64) -> ApiResult<Principal> {
    let headers = req.headers();
    let authorization = headers.get("authorization").ok().flatten();
    let cookie = headers.get("cookie").ok().flatten();
    let Some(credential) = credential(authorization.as_deref(), cookie.as_deref()) else {
        return Err(ApiError::unauthorized());
    };
    let key = credential.cache_key();
    if let Some(principal) = PRINCIPALS.with(|c| c.borrow_mut().get(&key, now)) {
        return Ok(principal);
    }
    let hash = match &credential {
        Credential::Bearer(token) | Credential::Cookie(token) => secrets::hash(token),
    };
    let ticket = PRINCIPALS.with(|c| c.borrow().ticket());
    let found = match credential {
        Credential::Bearer(token) if token.starts_with("btw_") => worker(db, &hash).await?,
        Credential::Bearer(token) if token.starts_with("bta_") => agent(db, &hash, now).await?,
        // An invite that does not (or no longer) open a room is no room: the same 404.
        Credential::Bearer(token) if token.starts_with("btc_") => {
            Some(invite(db, &hash, now).await?.ok_or_else(|| ApiError::not_found(ROOM_NOT_FOUND))?)
        }
        Credential::Bearer(_) => bearer(db, &hash, now).await?,
        Credential::Cookie(_) => web_login(db, &hash, now).await?,
    };
    let principal = found.ok_or_else(ApiError::unauthorized)?;
    PRINCIPALS.with(|c| c.borrow_mut().insert(key, principal.clone(), now, ticket));
    Ok(principal)
}

async fn bearer(db: &Db, hash: &str, now: i64) -> ApiResult<Option<Principal>> {
    let row: Option<TokenRow> = db
        .first(
            "SELECT t.id AS token_id, t.last_used_at, u.id AS user_id, u.username, u.role, t.workspace_id, t.project_id
         FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = ?1 AND u.disabled_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2)
           AND (t.workspace_id IS NULL OR u.role = 'admin'
                OR EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = t.workspace_id AND m.user_id = u.id))",
            &[db::text(hash), db::int(now)],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    if row.last_used_at.is_none_or(|t| now - t > LAST_USED_GRANULARITY_MS) {
        if let Some(id) = row.token_id {
            db.run("UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2", &[db::int(now), db::int(id)]).await?;
        }
    }
    let token_scope = row.token_id.zip(row.workspace_id).map(|(token_id, workspace_id)| TokenScope {
        token_id,
        workspace_id,
        project_id: row.project_id,
    });
    Ok(Some(Principal {
        user_id: row.user_id,
        username: row.username,
        // A scoped token is least privilege: never an admin's.
        role: if token_scope.is_some() { Role::Member } else { parse_role(&row.role) },
        web_login_hash: None,
        worker: None,
        agent: None,
        token_scope,
        invite: None,
    }))
}

/// A session token (`bta_`): the agent of its session, while the token has not expired, the
/// session exists, and its worker's registrant still may see the workspace.
async fn agent(db: &Db, hash: &str, now: i64) -> ApiResult<Option<Principal>> {
    #[derive(Deserialize)]
    struct AgentRow {
        session_id: i64,
        worker_id: Option<i64>,
        project_id: i64,
        workspace_id: i64,
        registrant: i64,
    }
    let row: Option<AgentRow> = db
        .first(
            "SELECT s.id AS session_id, s.worker_id, s.project_id, p.workspace_id, u.id AS registrant
             FROM session_tokens st JOIN sessions s ON s.id = st.session_id
               JOIN projects p ON p.id = s.project_id
               JOIN workers w ON w.id = s.worker_id JOIN users u ON u.id = w.created_by
             WHERE st.token_hash = ?1 AND st.expires_at > ?2 AND u.disabled_at IS NULL
               AND (u.role = 'admin'
                    OR EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = p.workspace_id AND m.user_id = u.id))",
            &[db::text(hash), db::int(now)],
        )
        .await?;
    Ok(row.map(|a| Principal {
        user_id: 0,
        username: protocol::handle::Handle::session(a.session_id).to_string(),
        role: Role::Member,
        web_login_hash: None,
        worker: None,
        token_scope: None,
        invite: None,
        agent: Some(AgentScope {
            session_id: a.session_id,
            worker_id: a.worker_id,
            project_id: a.project_id,
            workspace_id: a.workspace_id,
            registrant: a.registrant,
        }),
    }))
}

async fn invite(db: &Db, hash: &str, now: i64) -> ApiResult<Option<Principal>> {
    #[derive(Deserialize)]
    struct InviteRow {
        id: i64,
        channel_id: i64,
        workspace_id: i64,
        mode: String,
    }
    let row: Option<InviteRow> = db
        .first(
            "SELECT i.id, i.channel_id, c.workspace_id, i.mode FROM channel_invites i JOIN channels c ON c.id = i.channel_id
             WHERE i.token_hash = ?1 AND i.revoked_at IS NULL AND (i.expires_at IS NULL OR i.expires_at > ?2)",
            &[db::text(hash), db::int(now)],
        )
        .await?;
    Ok(row.map(|r| Principal {
        user_id: 0,
        username: format!("guest-{}", r.id),
        role: Role::Member,
        web_login_hash: None,
        worker: None,
        agent: None,
        token_scope: None,
        invite: Some(InviteScope {
            invite_id: r.id,
            channel_id: r.channel_id,
            workspace_id: r.workspace_id,
            write: r.mode == "write",
        }),
    }))
}

async fn worker(db: &Db, hash: &str) -> ApiResult<Option<Principal>> {
    #[derive(Deserialize)]
    struct WorkerRow {
        id: i64,
        project_id: i64,
        registrant: i64,
        workspace_id: i64,
    }
    // The registrant must still see the workspace: a removed member's (or a disabled or
    // deleted user's) workers stop at once, not when someone remembers to delete them.
    let row: Option<WorkerRow> = db
        .first(
            "SELECT w.id, w.project_id, u.id AS registrant, p.workspace_id
             FROM workers w JOIN projects p ON p.id = w.project_id JOIN users u ON u.id = w.created_by
             WHERE w.token_hash = ?1 AND u.disabled_at IS NULL
               AND (u.role = 'admin'
                    OR EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = p.workspace_id AND m.user_id = u.id))",
            &[db::text(hash)],
        )
        .await?;
    Ok(row.map(|w| Principal {
        user_id: 0,
        username: protocol::handle::Handle::worker(w.id).to_string(),
        role: Role::Member,
        web_login_hash: None,
        worker: Some(WorkerScope {
            worker_id: w.id,
            project_id: w.project_id,
            registrant: w.registrant,
            workspace_id: w.workspace_id,
        }),
        agent: None,
        token_scope: None,
        invite: None,
    }))
}

async fn web_login(db: &Db, hash: &str, now: i64) -> ApiResult<Option<Principal>> {
    let row: Option<TokenRow> = db
        .first(
            "SELECT NULL AS token_id, NULL AS last_used_at, u.id AS user_id, u.username, u.role
         FROM web_logins l JOIN users u ON u.id = l.user_id
         WHERE l.token_hash = ?1 AND l.expires_at > ?2 AND u.disabled_at IS NULL",
            &[db::text(hash), db::int(now)],
        )
        .await?;
    Ok(row.map(|row| Principal {
        user_id: row.user_id,
        username: row.username,
        role: parse_role(&row.role),
        web_login_hash: Some(hash.to_owned()),
        worker: None,
        agent: None,
        token_scope: None,
        invite: None,
    }))
}

impl From<&Principal> for protocol::event::Author {
    fn from(p: &Principal) -> Self {
        p.author()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_wins_and_must_be_well_formed() {
        assert_eq!(credential(Some("Bearer abc"), Some("baton_login=x")), Some(Credential::Bearer("abc".into())));
        assert_eq!(credential(Some("bearer  abc "), None), Some(Credential::Bearer("abc".into())));
        assert_eq!(credential(Some("Basic abc"), Some("baton_login=x")), None);
        assert_eq!(credential(Some("Bearer"), None), None);
        assert_eq!(credential(Some("Bearer "), None), None);
    }

    /// Regression: the cache was keyed by the hash alone, so a login cookie's value worked as
    /// a Bearer token while its principal was cached.
    #[test]
    fn a_cookie_and_a_bearer_token_of_the_same_text_never_share_a_cache_entry() {
        let bearer = Credential::Bearer("same".into()).cache_key();
        let cookie = Credential::Cookie("same".into()).cache_key();
        assert_ne!(bearer, cookie);
        assert!(bearer.ends_with(&secrets::hash("same")) && cookie.ends_with(&secrets::hash("same")));
    }

    #[test]
    fn the_login_cookie_is_found_among_others() {
        assert_eq!(credential(None, Some("a=1; baton_login=tok; b=2")), Some(Credential::Cookie("tok".into())));
        assert_eq!(credential(None, Some("baton_login=")), None);
        assert_eq!(credential(None, Some("xbaton_login=tok")), None);
        assert_eq!(credential(None, None), None);
    }
}
