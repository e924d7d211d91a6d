//! The handoff routes. Every move takes the row (the one this isolate last saw, see
//! [`recent`], else D1's), asks [`rules::decide`], and writes with a compare-and-set
//! ([`record::write`]); a lost race re-reads and decides again, so 20 catchers racing for one
//! baton give exactly one lease and 19 clear 409s.

use protocol::baton::{BatonStatus, Caught, Fail, Finish, Heartbeat, Lease, PassBaton, Passed};
use protocol::error::ErrorCode;
use protocol::event::EventBody;
use protocol::time::rfc3339_from_ms;
use serde::Deserialize;
use worker::{Request, Response};

use super::recent;
use super::record::{self, Row};
use super::rules::{self, Move, Outcome, Refusal};
use super::target;
use super::{webhook, DEFAULT_LEASE_SECONDS, DEFAULT_TTL_SECONDS, MAX_LEASE_SECONDS, MAX_TTL_SECONDS};
use crate::access::auth::Principal;
use crate::crypto::secrets::{self, TokenKind};
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::http::query::Query;
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;
use crate::platform::egress;
use crate::{crypto::sealed, http::body, http::respond, http::validate, platform::changes, platform::db, sessions};
use protocol::event::{Action, Entity};

/// How often a move re-reads after losing a compare-and-set before it answers 409.
const MAX_RACE_RETRIES: usize = 3;

fn refused(refusal: Refusal, id: &str) -> ApiError {
    match refusal {
        Refusal::Gone => ApiError::new(ErrorCode::Gone, format!("baton {id} expired: its TTL has passed")),
        Refusal::Conflict(why) => ApiError::conflict(why),
        Refusal::Forbidden(why) => ApiError::forbidden(why),
    }
}

/// `POST /api/pass`.
pub async fn pass(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    if who.worker.is_some() {
        return Err(ApiError::forbidden("a worker token catches and finishes batons; pass with a personal token"));
    }
    let key = idempotency_key(req)?;
    let raw = body::read_limited(req, body::MAX_BODY_BYTES).await?;
    let input: PassBaton = body::parse_json(&raw)?;
    let request_hash = secrets::hash(&String::from_utf8_lossy(&raw));
    let (passer, passer_name) = record::principal_key(who);
    let origin = crate::access::origin::public(ctx, req)?;
    if let Some(key) = &key {
        if let Some(first) = find_by_key(ctx, &passer, key).await? {
            return replay_pass(&first, &request_hash, &origin);
        }
    }
    validate::text("task", &input.task)?;
    let ttl = bounded("ttl_seconds", input.ttl_seconds, DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS)?;
    let sealed_secret = sealed_webhook_secret(ctx, input.webhook.as_ref())?;
    let dest = target::resolve(ctx, who, target::parse(input.to.as_ref())?, input.workspace_id).await?;
    let payload =
        serde_json::json!({"output": input.output, "context": input.context, "constraints": input.constraints});
    let id = new_baton_id()?;
    let expires_at = ctx.now + ttl * 1000;
    let new = record::NewBaton {
        id: &id,
        dest: &dest,
        task: &input.task,
        payload: &payload.to_string(),
        passed_by: (&passer, &passer_name),
        expires_at,
        webhook: input.webhook.as_ref().map(|w| w.url.as_str()).zip(sealed_secret.as_deref()),
        idempotency: key.as_deref().map(|k| (k, request_hash.as_str())),
    };
    let inserted = record::insert(ctx, &new).await?;
    let Some(seq) = inserted else {
        // A concurrent pass with the same key won: answer as it did.
        let key = key.as_deref().unwrap_or_default();
        let first =
            find_by_key(ctx, &passer, key).await?.ok_or_else(|| ApiError::internal("idempotent pass vanished"))?;
        return replay_pass(&first, &request_hash, &origin);
    };
    // Told after the answer: a lost nudge is repeated by the workers' sweep, a lost change
    // signal by the watchers' next read. The pass itself is durable already.
    let (worker_id, project_id, concerns, workspace_id, baton_id) =
        (dest.worker_id, dest.project_id, dest.concerns, dest.workspace_id, id.clone());
    ctx.after_response(move |ctx| async move {
        offer(&ctx, worker_id, project_id, &baton_id).await;
        announce(&ctx, concerns, workspace_id, Action::Created, seq, &baton_id).await;
    });
    let passed = Passed {
        pickup_url: record::pickup_url(&origin, &id),
        baton_id: id,
        status: BatonStatus::Pending,
        expires_at: rfc3339_from_ms(expires_at),
    };
    Ok(respond::created(&passed))
}

/// Checks a webhook and seals its secret for storage.
fn sealed_webhook_secret(ctx: &Ctx, hook: Option<&protocol::baton::WebhookSpec>) -> ApiResult<Option<String>> {
    let Some(hook) = hook else { return Ok(None) };
    egress::check_url(&hook.url, egress::private_allowed(ctx))
        .map_err(|why| ApiError::invalid_field("webhook.url", why))?;
    egress::check_secret(&hook.secret).map_err(|why| ApiError::invalid_field("webhook.secret", why))?;
    Ok(Some(sealed::seal(&sealed::key(&ctx.env)?, &hook.secret)?))
}

/// The `Idempotency-Key` header: 1 to 255 visible ASCII characters.
fn idempotency_key(req: &Request) -> ApiResult<Option<String>> {
    let Some(key) = req.headers().get("idempotency-key").ok().flatten() else { return Ok(None) };
    let key = key.trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid_parameter("Idempotency-Key", "must be 1 to 255 visible ASCII characters"));
    }
    Ok(Some(key.to_owned()))
}

async fn find_by_key(ctx: &Ctx, passer: &str, key: &str) -> ApiResult<Option<Row>> {
    let sql =
        format!("SELECT {} FROM {} WHERE b.passed_by = ?1 AND b.idempotency_key = ?2", record::COLUMNS, record::FROM);
    ctx.db.first(&sql, &[db::text(passer), db::text(key)]).await
}

/// The first answer again for the same body; 409 for another body under the same key.
fn replay_pass(first: &Row, request_hash: &str, origin: &str) -> ApiResult<Response> {
    if first.request_hash.as_deref() != Some(request_hash) {
        return Err(ApiError::conflict(
            "this Idempotency-Key was used with another body; use a new key for a new baton",
        ));
    }
    let passed = Passed {
        baton_id: first.id.clone(),
        pickup_url: record::pickup_url(origin, &first.id),
        status: BatonStatus::Pending,
        expires_at: rfc3339_from_ms(first.expires_at),
    };
    Ok(respond::created(&passed))
}

/// A number of seconds within 1..=max, or the default.
fn bounded(field: &str, value: Option<i64>, default: i64, max: i64) -> ApiResult<i64> {
    match value {
        None => Ok(default),
        Some(v) if (1..=max).contains(&v) => Ok(v),
        Some(_) => Err(ApiError::invalid_field(field, format!("must be 1 to {max} seconds"))),
    }
}

/// `bt_` and 26 base32 characters of fresh randomness.
fn new_baton_id() -> ApiResult<String> {
    Ok(protocol::baton::BatonId::from_random(&secrets::random_bytes()?).to_string())
}

/// Nudges the workers that may catch the baton; a lost nudge is healed by their sweep.
async fn offer(ctx: &Ctx, worker_id: Option<i64>, project_id: Option<i64>, baton_id: &str) {
    #[derive(Deserialize)]
    struct Id {
        id: i64,
    }
    let workers: Vec<i64> = match (worker_id, project_id) {
        (Some(w), _) => vec![w],
        (None, Some(p)) => {
            match ctx.db.all::<Id>("SELECT id FROM workers WHERE project_id = ?1", &[db::int(p)]).await {
                Ok(rows) => rows.into_iter().map(|r| r.id).collect(),
                Err(err) => {
                    worker::console_error!("baton {baton_id} not offered to project {p}'s workers: {}", err.message);
                    Vec::new()
                }
            }
        }
        (None, None) => Vec::new(),
    };
    let nudge = EventBody::BatonOffered { baton_id: baton_id.to_owned() };
    for w in workers {
        if let Err(err) = hub::append(&ctx.env, &StreamKey::worker(w), &nudge).await {
            worker::console_error!("baton {baton_id} not offered to W-{w}: {}", err.message);
        }
    }
}

/// `GET /api/catch/:id?lease_seconds=`. A worker that catches gets a session running it.
pub async fn catch(ctx: &Ctx, who: &Principal, id: &str, req: &Request, query: &Query) -> ApiResult<Response> {
    let lease_seconds = match query.get("lease_seconds") {
        None => DEFAULT_LEASE_SECONDS,
        Some(text) => {
            text.parse::<i64>().ok().filter(|s| (1..=MAX_LEASE_SECONDS).contains(s)).ok_or_else(|| {
                ApiError::invalid_parameter("lease_seconds", format!("must be 1 to {MAX_LEASE_SECONDS}"))
            })?
        }
    };
    let token = secrets::mint(TokenKind::Lease)?;
    let hash = secrets::hash(&token);
    let (by, by_name) = record::principal_key(who);
    let action = Move::Catch { by: &by, lease_ms: lease_seconds * 1000, new_lease_hash: &hash };
    let origin = crate::access::origin::public(ctx, req)?;
    // A worker's catch opens its session in the same transaction as the lease: there is no
    // lease without its session, and no session without its lease.
    let extras = Extras { holder_name: Some(&by_name), open_session: who.worker, ..Extras::default() };
    let row = make_move(ctx, who, id, &action, extras, &origin).await?;
    if let (Some(scope), Some(session)) = (who.worker, row.session_id) {
        sessions::opened_for_baton(ctx, session, scope.project_id, &row).await?;
    }
    let baton = row.view(ctx.now, &origin)?;
    let lease = Lease { token, expires_at: baton.lease_expires_at.clone().unwrap_or_default() };
    Ok(respond::ok(&Caught { baton, lease }))
}

/// What a move writes beside the rules' change.
#[derive(Default)]
struct Extras<'a> {
    /// The display name of a new lease's holder.
    holder_name: Option<&'a str>,
    /// The finisher's output (JSON text).
    result: Option<&'a str>,
    /// A failure's message.
    error: Option<&'a str>,
    /// A catch by this worker: open a session on it, in the same transaction.
    open_session: Option<crate::access::auth::WorkerScope>,
}

/// Reads, decides and writes one move, retrying a lost race; answers the row after it.
async fn make_move(
    ctx: &Ctx,
    who: &Principal,
    id: &str,
    action: &Move<'_>,
    extras: Extras<'_>,
    origin: &str,
) -> ApiResult<Row> {
    let ticket = recent::ticket();
    let mut known = recent::get(who, id, ctx.now);
    for _ in 0..MAX_RACE_RETRIES {
        let (row, cached) = match known.take() {
            Some(row) => (row, true),
            None => {
                let row = record::find_visible(ctx, who, id).await?;
                recent::remember(who, &row, ctx.now, ticket);
                (row, false)
            }
        };
        if !matches!(action, Move::Cancel { .. }) && !record::may_work(&row, who) {
            return Err(ApiError::forbidden(format!(
                "baton {id} is addressed to {}: only its workers catch, heartbeat and finish it (the passer may cancel)",
                match (row.to_worker_id, row.to_project_id) {
                    (Some(w), _) => format!("worker W-{w}"),
                    (None, Some(p)) => format!("project {p}"),
                    (None, None) => "nobody".to_owned(),
                }
            )));
        }
        let decided = match rules::decide(&row.state()?, action, ctx.now) {
            // Another isolate may have moved it (say, extended the lease): refuse only on D1's word.
            Err(_) if cached => continue,
            decided => decided.map_err(|r| refused(r, id))?,
        };
        match decided {
            Outcome::Replay => return Ok(row),
            Outcome::Apply(change) => {
                if let Some(after) = write(ctx, &row, &change, &extras).await? {
                    recent::remember(who, &after, ctx.now, ticket);
                    let (project, workspace, seq, baton_id) =
                        (after.project_id, after.workspace_id, after.seq, after.id.clone());
                    ctx.after_response(move |ctx| async move {
                        announce(&ctx, project, workspace, Action::Updated, seq, &baton_id).await;
                    });
                    if change.finished {
                        finished(ctx, &after, origin).await;
                    }
                    return Ok(after);
                }
            }
        }
    }
    Err(ApiError::conflict(format!("baton {id} is changing under many callers at once; read its status and retry")))
}

/// Writes a decided move (with the session a worker's catch opens); answers the row after it,
/// or `None` when another caller moved the baton first.
async fn write(ctx: &Ctx, row: &Row, change: &rules::Change, extras: &Extras<'_>) -> ApiResult<Option<Row>> {
    let after = || row.after(change, extras.holder_name, extras.result, extras.error, ctx.now);
    match extras.open_session {
        Some(scope) => {
            let (won, won_args) = record::won_sql(row, 5);
            let open = sessions::insert_for_catch(ctx, scope, &row.task, &won, &won_args)?;
            let opened = record::write_catch_with_session(ctx, row, change, extras.holder_name, open).await?;
            Ok(opened.map(|session| Row { session_id: Some(session), rev: row.rev + 2, ..after() }))
        }
        None => {
            let won = record::write(ctx, row, change, extras.holder_name, extras.result, extras.error).await?;
            Ok(won.then(after))
        }
    }
}

/// What follows a finishing move: the completion webhook, and the notification of the
/// project it was addressed to.
async fn finished(ctx: &Ctx, row: &Row, origin: &str) {
    let baton = match row.view(ctx.now, origin) {
        Ok(baton) => baton,
        Err(err) => return worker::console_error!("baton {} record unreadable: {}", row.id, err.message),
    };
    if let Some(secret) = &row.webhook_secret {
        webhook::schedule(ctx, &baton, secret).await;
    }
    if let Some(project) = row.project_id {
        if let Ok(data) = serde_json::to_value(&baton) {
            crate::notifications::notify(ctx, project, protocol::api::NotifyEvent::BatonDone, data).await;
        }
    }
}

/// Reads an optional JSON body: an empty one is the default.
async fn optional_body<T: serde::de::DeserializeOwned + Default>(req: &mut Request) -> ApiResult<T> {
    let raw = body::read_limited(req, body::MAX_BODY_BYTES).await?;
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    body::parse_json(&raw)
}

fn lease_hash(token: Option<&str>) -> Option<String> {
    token.map(secrets::hash)
}

/// `POST /api/done/:id`.
pub async fn done(ctx: &Ctx, who: &Principal, id: &str, req: &mut Request) -> ApiResult<Response> {
    let input: Finish = optional_body(req).await?;
    let result = input.output.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "null".to_owned());
    let (by, _) = record::principal_key(who);
    let hash = lease_hash(input.lease_token.as_deref());
    let action = Move::Done { by: &by, lease_hash: hash.as_deref() };
    let origin = crate::access::origin::public(ctx, req)?;
    let row = make_move(ctx, who, id, &action, Extras { result: Some(&result), ..Extras::default() }, &origin).await?;
    Ok(respond::ok(&row.view(ctx.now, &origin)?))
}

/// `POST /api/fail/:id`.
pub async fn fail(ctx: &Ctx, who: &Principal, id: &str, req: &mut Request) -> ApiResult<Response> {
    let input: Fail = body::read_json(req).await?;
    validate::text("error", &input.error)?;
    let (by, _) = record::principal_key(who);
    let hash = lease_hash(input.lease_token.as_deref());
    let action = Move::Fail { by: &by, lease_hash: hash.as_deref() };
    let origin = crate::access::origin::public(ctx, req)?;
    let row =
        make_move(ctx, who, id, &action, Extras { error: Some(&input.error), ..Extras::default() }, &origin).await?;
    Ok(respond::ok(&row.view(ctx.now, &origin)?))
}

/// `POST /api/heartbeat/:id`: extends the lease by `lease_seconds` (default 5 min).
pub async fn heartbeat(ctx: &Ctx, who: &Principal, id: &str, req: &mut Request) -> ApiResult<Response> {
    let input: Heartbeat = optional_body(req).await?;
    let seconds = bounded("lease_seconds", input.lease_seconds, DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS)?;
    let (by, _) = record::principal_key(who);
    let hash = lease_hash(input.lease_token.as_deref());
    let action = Move::Heartbeat { by: &by, lease_hash: hash.as_deref(), lease_ms: seconds * 1000 };
    let origin = crate::access::origin::public(ctx, req)?;
    let row = make_move(ctx, who, id, &action, Extras::default(), &origin).await?;
    Ok(respond::ok(&row.view(ctx.now, &origin)?))
}

/// `POST /api/cancel/:id`, by the passer.
pub async fn cancel(ctx: &Ctx, who: &Principal, id: &str, req: &Request) -> ApiResult<Response> {
    let (by, _) = record::principal_key(who);
    let origin = crate::access::origin::public(ctx, req)?;
    let row = make_move(ctx, who, id, &Move::Cancel { by: &by }, Extras::default(), &origin).await?;
    Ok(respond::ok(&row.view(ctx.now, &origin)?))
}

/// `GET /api/status/:id`: reads, never writes.
pub async fn status(ctx: &Ctx, who: &Principal, id: &str, req: &Request) -> ApiResult<Response> {
    let row = record::find_visible(ctx, who, id).await?;
    Ok(respond::ok(&row.view(ctx.now, &crate::access::origin::public(ctx, req)?)?))
}

/// `GET /api/batons?status=&workspace_id=&project_id=&passed_by=me&limit=&cursor=`: what the
/// caller may see, oldest first; `project_id` is the project a baton concerns (addressed to it
/// or to one of its workers); `passed_by=me` only the caller's own (an A2A client's tasks).
pub async fn list(ctx: &Ctx, who: &Principal, req: &Request, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let status = match query.get("status") {
        None => None,
        Some(text) => Some(BatonStatus::parse(text).ok_or_else(|| {
            ApiError::invalid_parameter("status", "must be pending, caught, done, failed, cancelled or expired")
        })?),
    };
    // Unfinished states only come from unfinished rows: say so, so the partial index of open
    // batons serves the sweeps of worker daemons.
    let open_only = match status {
        Some(BatonStatus::Pending | BatonStatus::Caught | BatonStatus::Expired) => {
            " AND b.status IN ('pending', 'caught')"
        }
        _ => "",
    };
    let (workspace_id, project_id) = (query.id("workspace_id")?, query.id("project_id")?);
    let passed_by = match query.get("passed_by") {
        None | Some("") => None,
        Some("me") => Some(record::principal_key(who).0),
        Some(_) => return Err(ApiError::invalid_parameter("passed_by", "only passed_by=me is supported")),
    };
    let (visible, visibility_args) = record::visibility(who, 8);
    let sql = format!(
        "SELECT {} FROM {} WHERE b.seq > ?1{open_only} AND {visible} AND (?3 IS NULL OR {} = ?3)
           AND (?5 IS NULL OR b.workspace_id = ?5) AND (?6 IS NULL OR b.project_id = ?6)
           AND (?7 IS NULL OR b.passed_by = ?7) ORDER BY b.seq LIMIT ?4",
        record::COLUMNS,
        record::FROM,
        record::status_sql(2),
    );
    let mut args = vec![
        db::int(page.after_id),
        db::int(ctx.now),
        db::opt_text(status.map(|s| s.as_str())),
        db::int(page.fetch_count().into()),
        db::opt_int(workspace_id),
        db::opt_int(project_id),
        db::opt_text(passed_by.as_deref()),
    ];
    args.extend(visibility_args);
    let rows: Vec<Row> = ctx.db.all(&sql, &args).await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.seq);
    let origin = crate::access::origin::public(ctx, req)?;
    let items = rows.iter().map(|r| r.view(ctx.now, &origin)).collect::<ApiResult<Vec<_>>>()?;
    Ok(respond::ok(&protocol::api::Page { items, next_cursor }))
}

/// Tells followers a baton changed: on the stream of the project it concerns, or, for a baton
/// of the whole workspace, on every project's of that workspace (the streams people and the web
/// app follow; a workspace has few projects, and this is one D1 read).
async fn announce(ctx: &Ctx, project: Option<i64>, workspace: i64, action: Action, seq: i64, id: &str) {
    let projects = match project {
        Some(project) => vec![project],
        None => {
            #[derive(Deserialize)]
            struct Row {
                id: i64,
            }
            match ctx.db.all::<Row>("SELECT id FROM projects WHERE workspace_id = ?1", &[db::int(workspace)]).await {
                Ok(rows) => rows.into_iter().map(|r| r.id).collect(),
                Err(err) => {
                    worker::console_error!("baton {id}: the workspace's projects were not told: {}", err.message);
                    Vec::new()
                }
            }
        }
    };
    for project in projects {
        changes::emit(ctx, project, Entity::Baton, action, seq, Some(id.to_owned())).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_and_lease_bounds_are_enforced_with_a_named_field() {
        assert_eq!(bounded("ttl_seconds", None, 7, 10), Ok(7));
        assert_eq!(bounded("ttl_seconds", Some(10), 7, 10), Ok(10));
        for bad in [0, -1, 11] {
            let err = bounded("ttl_seconds", Some(bad), 7, 10).unwrap_err();
            assert!(err.message.starts_with("ttl_seconds:"), "{}", err.message);
        }
    }

    #[test]
    fn refusals_map_to_410_409_and_403() {
        assert_eq!(refused(Refusal::Gone, "bt_x").status(), 410);
        assert_eq!(refused(Refusal::Conflict("held".into()), "bt_x").status(), 409);
        assert_eq!(refused(Refusal::Forbidden("passer".into()), "bt_x").status(), 403);
    }
}
