//! Workers (`W-N`): machines registered to run a project's sessions. Registration is
//! idempotent per machine (the same `machine_id` reattaches, with a fresh token); a name held
//! by another machine of the project is a 409. A worker's token lets its daemon read its own
//! command stream (`worker:<id>`) and write its own sessions, nothing else. "Online" is whether
//! the daemon holds that stream. Owns the `workers` table.

use protocol::api::Page;
use protocol::event::{Action, Entity};
use protocol::handle::Handle;
use protocol::worker::{AgentKind, Heartbeat, RegisterWorker, RegistrationOutcome, Worker, WorkerRegistered};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::access::invalidate;
use crate::crypto::secrets::{self, TokenKind};
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;
use crate::platform::ids::{self, Sequenced};
use crate::platform::retention::{self, Deleted};
use crate::{
    http::body, http::query::Query, http::respond, http::validate, people::projects, platform::changes, platform::db,
};

const COLUMNS: &str = "w.id, w.project_id, w.name, w.hostname, w.agent, w.base_branch, w.max_sessions, w.created_at, \
                       w.last_heartbeat_at, w.worktree_count, w.worktree_bytes";
/// A heartbeat is written to D1 at most this often (the daemon beats every 10 s).
const HEARTBEAT_WRITE_MS: i64 = 15_000;
pub const DEFAULT_MAX_SESSIONS: u32 = 4;

#[derive(Deserialize)]
pub struct WorkerRow {
    pub id: i64,
    pub project_id: i64,
    name: String,
    hostname: String,
    agent: String,
    base_branch: String,
    max_sessions: i64,
    created_at: i64,
    #[serde(default)]
    last_heartbeat_at: Option<i64>,
    #[serde(default)]
    busy_sessions: Option<i64>,
    #[serde(default)]
    worktree_count: Option<i64>,
    #[serde(default)]
    worktree_bytes: Option<i64>,
}

impl WorkerRow {
    pub fn handle(&self) -> String {
        Handle::worker(self.id).to_string()
    }

    fn view(&self, online: bool) -> Worker {
        Worker {
            id: self.id,
            handle: self.handle(),
            project_id: self.project_id,
            name: self.name.clone(),
            hostname: self.hostname.clone(),
            agent: self.agent.parse().unwrap_or(AgentKind::Command),
            base_branch: self.base_branch.clone(),
            max_sessions: u32::try_from(self.max_sessions).unwrap_or(DEFAULT_MAX_SESSIONS),
            online,
            busy_sessions: self.busy_sessions.and_then(|n| u32::try_from(n).ok()),
            last_seen_at: self.last_heartbeat_at.map(protocol::time::rfc3339_from_ms),
            worktrees: match (self.worktree_count, self.worktree_bytes) {
                (Some(count), Some(bytes)) => Some(protocol::worker::WorktreeUsage {
                    count: u32::try_from(count).unwrap_or(0),
                    bytes: u64::try_from(bytes).unwrap_or(0),
                }),
                _ => None,
            },
            created_at: protocol::time::rfc3339_from_ms(self.created_at),
        }
    }
}

async fn online(ctx: &Ctx, id: i64) -> ApiResult<bool> {
    Ok(hub::presence(&ctx.env, &StreamKey::worker(id)).await?.online(ctx.now))
}

/// Whether a worker listed with its last D1 heartbeat counts as online: a list reads it from
/// D1 (one query for the page), a single worker from its Hub (its stream held, too).
pub fn beat_recently(last_heartbeat_at: Option<i64>, now: i64) -> bool {
    last_heartbeat_at.is_some_and(|t| now - t < hub::HEARTBEAT_TTL_MS)
}

/// `POST /api/workers/:id/heartbeat`: the daemon says it is alive (every 10 s).
/// Its body (optional) may carry the worktrees' disk use, kept with the same rate-limited write,
/// or at once when it changed (a daemon measures it every 10 minutes).
pub async fn heartbeat(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    match who.worker {
        Some(w) if w.worker_id == id => {
            let beat: Heartbeat = body::read_json_or_default(req).await?;
            let usage = beat.worktrees.map(|u| (i64::from(u.count), i64::try_from(u.bytes).unwrap_or(i64::MAX)));
            hub::touch(&ctx.env, &StreamKey::worker(id)).await?;
            ctx.db
                .run(
                    "UPDATE workers SET last_heartbeat_at = ?2,
                       worktree_count = COALESCE(?4, worktree_count), worktree_bytes = COALESCE(?5, worktree_bytes)
                     WHERE id = ?1 AND (last_heartbeat_at IS NULL OR last_heartbeat_at <= ?2 - ?3
                       OR (?4 IS NOT NULL AND (worktree_count IS NOT ?4 OR worktree_bytes IS NOT ?5)))",
                    &[
                        db::int(id),
                        db::int(ctx.now),
                        db::int(HEARTBEAT_WRITE_MS),
                        db::opt_int(usage.map(|u| u.0)),
                        db::opt_int(usage.map(|u| u.1)),
                    ],
                )
                .await?;
            Ok(respond::no_content())
        }
        _ => Err(ApiError::not_found(format!("heartbeat of W-{id} (only the worker's own token sends it)"))),
    }
}

/// A branch name git would accept, checked the way `git check-ref-format --branch` does for
/// the cases that matter here.
pub fn valid_branch(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with(['-', '/', '.'])
        && !name.ends_with(['/', '.'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && name.chars().all(|c| !c.is_control() && !matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
}

/// The worker if `who` may see it (a member of its project's workspace, or the worker
/// itself), else 404.
pub async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<WorkerRow> {
    let (visible, [admin, user, worker]) = who.project_row_clause("w.id", 2);
    let sql =
        format!("SELECT {COLUMNS} FROM workers w JOIN projects p ON p.id = w.project_id WHERE w.id = ?1 AND {visible}");
    let row: WorkerRow = ctx
        .db
        .first(&sql, &[db::int(id), admin, user, worker])
        .await?
        .ok_or_else(|| ApiError::not_found(format!("worker W-{id}")))?;
    who.require_project(row.project_id, format!("worker W-{id}"))?;
    Ok(row)
}

/// A registration's fields, checked.
struct Registration {
    name: String,
    machine: String,
    hostname: String,
    max_sessions: u32,
}

/// The field rules of a registration (pure).
fn check_registration(input: &RegisterWorker) -> ApiResult<Registration> {
    let name = validate::name("name", &input.name)?;
    let machine = input.machine_id.trim();
    if machine.is_empty() || machine.len() > 100 || !machine.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ApiError::invalid_field("machine_id", "must be 1-100 letters, digits or '-'"));
    }
    if !valid_branch(&input.base_branch) {
        return Err(ApiError::invalid_field("base_branch", "is not a valid git branch name"));
    }
    // Shown in lists and terminals: held to the rules of a name (empty when unknown).
    let hostname = match input.hostname.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(h) => validate::name("hostname", h)?,
    };
    let max_sessions = input.max_sessions.unwrap_or(DEFAULT_MAX_SESSIONS);
    if !(1..=64).contains(&max_sessions) {
        return Err(ApiError::invalid_field("max_sessions", "must be 1 to 64"));
    }
    Ok(Registration { name, machine: machine.to_owned(), hostname, max_sessions })
}

/// `POST /api/workers`: registers this machine for a project, or reattaches it.
pub async fn register(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    let input: RegisterWorker = body::read_json(req).await?;
    let r = check_registration(&input)?;
    let project = projects::find_visible(ctx, who, input.project_id).await?;
    refuse_name_of_another_machine(ctx, project.id, &r).await?;
    let token = secrets::mint(TokenKind::Worker)?;
    let args = [
        db::int(project.id),
        db::text(&r.machine),
        db::text(&r.name),
        db::text(&r.hostname),
        db::text(input.agent.as_str()),
        db::text(&input.base_branch),
        db::int(i64::from(r.max_sessions)),
        db::text(&secrets::hash(&token)),
        db::int(who.user_id),
        db::int(ctx.now),
    ];
    let (row, outcome) = match reattach(ctx, &args).await? {
        Some(row) => (row, RegistrationOutcome::Reattached),
        None => (insert(ctx, &args).await?, RegistrationOutcome::Created),
    };
    invalidate::worker_changed(row.id);
    let (action, status) = match outcome {
        RegistrationOutcome::Created => (Action::Created, 201),
        _ => (Action::Updated, 200),
    };
    changes::emit(ctx, row.project_id, Entity::Worker, action, row.id, Some(row.handle())).await;
    let online = online(ctx, row.id).await?;
    Ok(respond::json(&WorkerRegistered { worker: row.view(online), token, outcome }, status))
}

/// 409 when the name belongs to another machine of the project.
async fn refuse_name_of_another_machine(ctx: &Ctx, project_id: i64, r: &Registration) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Holder {
        id: i64,
        machine_id: String,
        hostname: String,
    }
    let holder: Option<Holder> = ctx
        .db
        .first(
            "SELECT id, machine_id, hostname FROM workers WHERE project_id = ?1 AND name = ?2",
            &[db::int(project_id), db::text(&r.name)],
        )
        .await?;
    match holder.filter(|h| h.machine_id != r.machine) {
        Some(h) => Err(ApiError::conflict(format!(
            "the name {:?} belongs to worker W-{} on another machine ({}): choose another with --name",
            r.name,
            h.id,
            if h.hostname.is_empty() { "unknown host" } else { &h.hostname }
        ))),
        None => Ok(()),
    }
}

/// The same machine registering again: the row takes the new settings, token and registrant.
async fn reattach(ctx: &Ctx, args: &[wasm_bindgen::JsValue; 10]) -> ApiResult<Option<WorkerRow>> {
    ctx.db
        .first(
            &format!(
                "UPDATE workers SET name = ?3, hostname = ?4, agent = ?5, base_branch = ?6, max_sessions = ?7, token_hash = ?8,
                                    created_by = ?9
                 WHERE project_id = ?1 AND machine_id = ?2 RETURNING {}",
                COLUMNS.replace("w.", "")
            ),
            &args[..9],
        )
        .await
}

async fn insert(ctx: &Ctx, args: &[wasm_bindgen::JsValue; 10]) -> ApiResult<WorkerRow> {
    let sql = format!(
        "INSERT INTO workers (id, project_id, machine_id, name, hostname, agent, base_branch, max_sessions,
                              token_hash, created_by, created_at)
         VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING RETURNING {}",
        ids::next_id(Sequenced::Workers),
        COLUMNS.replace("w.", "")
    );
    let row: Option<WorkerRow> = ids::insert(ctx, Sequenced::Workers, &sql, args).await?;
    row.ok_or_else(|| ApiError::conflict("registered concurrently from elsewhere: run register again"))
}

/// `GET /api/workers?project_id=`.
pub async fn list(ctx: &Ctx, who: &Principal, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let project_id = query
        .get("project_id")
        .and_then(|p| p.parse::<i64>().ok())
        .ok_or_else(|| ApiError::invalid_parameter("project_id", "is required: the project whose workers to list"))?;
    let project = projects::find_visible(ctx, who, project_id).await?;
    let rows: Vec<WorkerRow> = ctx
        .db
        .all(
            &format!(
                "SELECT {COLUMNS}, (SELECT COUNT(*) FROM sessions s WHERE s.worker_id = w.id AND s.open_turn IS NOT NULL)
                   AS busy_sessions
                 FROM workers w WHERE w.project_id = ?1 AND w.id > ?2 ORDER BY w.id LIMIT ?3"
            ),
            &[db::int(project.id), db::int(page.after_id), db::int(page.fetch_count().into())],
        )
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    let items: Vec<Worker> = rows.iter().map(|r| r.view(beat_recently(r.last_heartbeat_at, ctx.now))).collect();
    Ok(respond::ok(&Page { items, next_cursor }))
}

/// `GET /api/workers/:id`.
pub async fn get(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let row = find_visible(ctx, who, id).await?;
    let online = online(ctx, row.id).await?;
    Ok(respond::ok(&row.view(online)))
}

/// `DELETE /api/workers/:id`: the worker and its sessions; its token stops working.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    if who.worker.is_some() {
        return Err(ApiError::forbidden("a worker cannot delete workers"));
    }
    let row = find_visible(ctx, who, id).await?;
    let streams = retention::streams(ctx, Deleted::Worker(row.id)).await?;
    ctx.db.run("DELETE FROM workers WHERE id = ?1", &[db::int(row.id)]).await?;
    retention::wipe(ctx, &streams).await;
    invalidate::worker_changed(row.id);
    changes::emit(ctx, row.project_id, Entity::Worker, Action::Deleted, row.id, Some(row.handle())).await;
    Ok(respond::no_content())
}

/// `POST /api/workers/:id/token`: a new token for the worker; the old one stops working at
/// once. For the member whose worker token may have leaked (the daemon must get the new one:
/// `baton worker revoke --rotate` writes it into `.baton/worker.json` on that machine).
pub async fn rotate_token(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let row = find_visible(ctx, who, id).await?;
    let token = secrets::mint(TokenKind::Worker)?;
    let changed = ctx
        .db
        .run(
            "UPDATE workers SET token_hash = ?2, created_by = ?3 WHERE id = ?1",
            &[db::int(row.id), db::text(&secrets::hash(&token)), db::int(who.user_id)],
        )
        .await?;
    if changed == 0 {
        return Err(ApiError::not_found(format!("worker W-{id}")));
    }
    invalidate::worker_changed(row.id);
    let online = online(ctx, row.id).await?;
    Ok(respond::ok(&WorkerRegistered { worker: row.view(online), token, outcome: RegistrationOutcome::Rotated }))
}

/// `DELETE /api/workers/:id/token`: the worker's token stops working; the worker and its
/// sessions stay, and registering again from its machine gives it a new token.
pub async fn revoke_token(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let row = find_visible(ctx, who, id).await?;
    // No hash of a real token looks like this (they are hex), and it stays unique.
    let unusable = format!("revoked:{}:{}", row.id, hex::encode(secrets::random_bytes()?));
    ctx.db.run("UPDATE workers SET token_hash = ?2 WHERE id = ?1", &[db::int(row.id), db::text(&unusable)]).await?;
    invalidate::worker_changed(row.id);
    Ok(respond::no_content())
}

/// `GET /api/workers/:id/stream`: the worker's commands, for its own daemon only.
pub async fn stream(ctx: &Ctx, who: &Principal, id: i64, req: &Request, query: &Query) -> ApiResult<Response> {
    match who.worker {
        Some(w) if w.worker_id == id => hub::serve_stream(&ctx.env, &StreamKey::worker(id), req, query).await,
        _ => Err(ApiError::not_found(format!("command stream of W-{id} (only the worker's own token reads it)"))),
    }
}

/// `GET /api/workers/:id/sessions`: the worker's sessions, for its daemon to reconcile.
pub async fn sessions(ctx: &Ctx, who: &Principal, id: i64, query: &Query) -> ApiResult<Response> {
    let row = find_visible(ctx, who, id).await?;
    crate::sessions::list_of_worker(ctx, row.id, query).await
}

#[cfg(test)]
mod tests {
    use super::valid_branch;

    #[test]
    fn branch_names_follow_gits_rules() {
        for ok in ["main", "release/1.2", "feature_x-y"] {
            assert!(valid_branch(ok), "{ok}");
        }
        for bad in
            ["", "-x", "a..b", "a b", "a~1", "a^", "a:b", "x.lock", "a/", "/a", "a//b", "a@{1}", ".hidden", "a\\b"]
        {
            assert!(!valid_branch(bad), "{bad:?}");
        }
    }
}
