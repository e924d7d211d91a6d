//! Sessions: one conversation with a coding agent in a project. D1 holds the metadata (the
//! `sessions` table, owned here); the transcript is the session's Hub stream
//! (`session:<id>`), which this module appends to and lets visible callers read and watch.
//!
//! A session bound to a worker is driven through the worker's command stream: creating it and
//! every message post a `session_start` there (idempotent on the daemon's side), so a message
//! sent while the worker is offline is stored and runs when the daemon comes back; the answer
//! says `"queued": true` then. The worker writes its turns into the transcript through
//! `POST /api/sessions/:id/events`.
//!
//! Beside it: [`attachments`] (files uploaded into a session, in R2), [`inputs`] (what its
//! agent asks a person), [`cost`] (what its turns cost) and [`titles`] (how a session names
//! itself), which only sessions use.

pub mod attachments;
pub mod cost;
pub mod inputs;
pub mod shares;
pub mod titles;

use protocol::api::{CreateSession, NotifyEvent, PermissionPolicy, PostMessage, Session};
use protocol::event::EventBody;
use protocol::handle::Handle;
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::{Principal, WorkerScope};
use crate::access::cache::{SessionScope, SESSION_SCOPES};
use crate::access::invalidate;
use crate::crypto::secrets::{self, TokenKind};
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;
use crate::platform::ids::{self, Sequenced};
use crate::platform::retention;
use crate::sessions::attachments::Owner;
use crate::{
    http::body, http::query::Query, http::respond, http::validate, people::projects, platform::changes, platform::db,
};
use protocol::event::{Action, Entity};

const COLUMNS: &str = "s.id, s.project_id, s.worker_id, s.name, s.plan_mode, s.model, s.effort, s.permissions, \
                       s.input_timeout_s, s.task_id, s.cost_turns, s.cost_input_tokens, s.cost_output_tokens, \
                       s.cost_usd, s.created_at";

#[derive(Deserialize)]
struct SessionRow {
    id: i64,
    project_id: i64,
    worker_id: Option<i64>,
    name: Option<String>,
    plan_mode: i64,
    model: Option<String>,
    effort: Option<String>,
    #[serde(default)]
    permissions: Option<String>,
    #[serde(default)]
    input_timeout_s: Option<i64>,
    #[serde(default)]
    task_id: Option<i64>,
    #[serde(default)]
    cost_turns: i64,
    #[serde(default)]
    cost_input_tokens: i64,
    #[serde(default)]
    cost_output_tokens: i64,
    #[serde(default)]
    cost_usd: f64,
    created_at: i64,
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Session {
            id: row.id,
            handle: Handle::session(row.id).to_string(),
            project_id: row.project_id,
            worker_id: row.worker_id,
            name: row.name,
            plan_mode: row.plan_mode != 0,
            model: row.model,
            effort: row.effort.and_then(|e| serde_json::from_value(serde_json::Value::String(e)).ok()),
            state: None,
            permissions: row
                .permissions
                .and_then(|p| PermissionPolicy::ALL.into_iter().find(|k| k.as_str() == p))
                .unwrap_or_default(),
            input_timeout_s: row
                .input_timeout_s
                .and_then(|t| u32::try_from(t).ok())
                .unwrap_or(protocol::api::DEFAULT_INPUT_TIMEOUT_S),
            task_id: row.task_id,
            cost: protocol::api::Cost {
                turns: u64::try_from(row.cost_turns).unwrap_or(0),
                input_tokens: u64::try_from(row.cost_input_tokens).unwrap_or(0),
                output_tokens: u64::try_from(row.cost_output_tokens).unwrap_or(0),
                cost_usd: row.cost_usd,
            },
            created_at: protocol::time::rfc3339_from_ms(row.created_at),
        }
    }
}

/// Where a session lives, if `who` may see it: cached per isolate (see `access::cache`), the
/// hot path of message posting and watching skips the visibility query. Only what never
/// changes is cached; handlers that show the session read it with `find_row`. Else the
/// session's 404.
pub async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<SessionScope> {
    let key = (who.cache_key(), id);
    if let Some(scope) = SESSION_SCOPES.with(|c| c.borrow_mut().get(&key, ctx.now)) {
        who.require_project(scope.project_id, format!("session {}", Handle::session(id)))?;
        return Ok(scope);
    }
    let ticket = SESSION_SCOPES.with(|c| c.borrow().ticket());
    #[derive(Deserialize)]
    struct Row {
        id: i64,
        project_id: i64,
        workspace_id: i64,
        worker_id: Option<i64>,
    }
    let row: Row = query_visible(ctx, who, id, "s.id, s.project_id, p.workspace_id, s.worker_id").await?;
    let scope = SessionScope {
        id: row.id,
        project_id: row.project_id,
        workspace_id: row.workspace_id,
        worker_id: row.worker_id,
    };
    SESSION_SCOPES.with(|c| c.borrow_mut().insert(key, scope, ctx.now, ticket));
    who.require_project(scope.project_id, format!("session {}", Handle::session(id)))?;
    Ok(scope)
}

/// The whole session, if `who` may see it (never cached: its name and settings change).
async fn find_row(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<SessionRow> {
    let row: SessionRow = query_visible(ctx, who, id, COLUMNS).await?;
    who.require_project(row.project_id, format!("session {}", Handle::session(id)))?;
    Ok(row)
}

async fn query_visible<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    who: &Principal,
    id: i64,
    columns: &str,
) -> ApiResult<T> {
    let (visible, [admin, user, worker]) = who.project_row_clause("s.worker_id", 2);
    let sql = format!(
        "SELECT {columns} FROM sessions s JOIN projects p ON p.id = s.project_id WHERE s.id = ?1 AND {visible}"
    );
    ctx.db
        .first(&sql, &[db::int(id), admin, user, worker])
        .await?
        .ok_or_else(|| ApiError::not_found(format!("session S-{id}")))
}

/// `POST /api/sessions`.
pub async fn create(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    let input: CreateSession = body::read_json(req).await?;
    let name = input.name.as_deref().map(|n| validate::name("name", n)).transpose()?;
    let project = projects::find_visible(ctx, who, input.project_id).await?;
    if let Some(worker_id) = input.worker_id {
        #[derive(Deserialize)]
        struct Found {
            #[allow(dead_code)]
            id: i64,
        }
        let found: Option<Found> = ctx
            .db
            .first(
                "SELECT id FROM workers WHERE id = ?1 AND project_id = ?2",
                &[db::int(worker_id), db::int(project.id)],
            )
            .await?;
        if found.is_none() {
            return Err(ApiError::invalid_field("worker_id", format!("W-{worker_id} is not a worker of this project")));
        }
    }
    let task_id = match &input.task {
        Some(task) => Some(crate::planning::tasks::resolve_in_project(ctx, project.id, task, "task").await?),
        None => None,
    };
    let created_by = Some(who.user_id).filter(|id| *id > 0);
    let notice = format!("session created by {}", who.username);
    let settings = Settings { task_id, permissions: input.permissions.unwrap_or_default() };
    let row = insert(ctx, project.id, input.worker_id, name.as_deref(), created_by, settings, &notice).await?;
    wake_worker(ctx, row.id, row.worker_id).await?;
    Ok(respond::created(&Session::from(row)))
}

/// Opens a session on `worker_id` for a conversation coming through a chat bridge; answers its
/// scope (for posting into it).
pub async fn open_for_chat(
    ctx: &Ctx,
    project_id: i64,
    worker_id: i64,
    name: &str,
    notice: &str,
) -> ApiResult<SessionScope> {
    let settings = Settings { task_id: None, permissions: PermissionPolicy::default() };
    let row = insert(ctx, project_id, Some(worker_id), Some(name), None, settings, notice).await?;
    Ok(scope_and_row(ctx, row.id).await?.0)
}

/// What a new session starts with beside its place.
struct Settings {
    task_id: Option<i64>,
    permissions: PermissionPolicy,
}

/// Inserts a session, opens its transcript with `notice` and tells the project.
async fn insert(
    ctx: &Ctx,
    project_id: i64,
    worker_id: Option<i64>,
    name: Option<&str>,
    created_by: Option<i64>,
    settings: Settings,
    notice: &str,
) -> ApiResult<SessionRow> {
    let sql = format!(
        "INSERT INTO sessions (id, project_id, worker_id, name, created_by, created_at, task_id, permissions)
         VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
         RETURNING {}",
        ids::next_id(Sequenced::Sessions),
        COLUMNS.replace("s.", "")
    );
    let args = [
        db::int(project_id),
        db::opt_int(worker_id),
        db::opt_text(name),
        db::opt_int(created_by),
        db::int(ctx.now),
        db::opt_int(settings.task_id),
        db::text(settings.permissions.as_str()),
    ];
    let row: Option<SessionRow> = ids::insert(ctx, Sequenced::Sessions, &sql, &args).await?;
    let row = row.ok_or_else(|| ApiError::internal("session insert returned no row"))?;
    announce(ctx, row.id, row.project_id, notice).await?;
    Ok(row)
}

/// Opens a new session's transcript with `notice` and tells the project.
async fn announce(ctx: &Ctx, id: i64, project_id: i64, notice: &str) -> ApiResult<()> {
    hub::append(&ctx.env, &StreamKey::session(id), &EventBody::SystemNotice { text: notice.to_owned() }).await?;
    changes::emit(ctx, project_id, Entity::Session, Action::Created, id, Some(Handle::session(id).to_string())).await;
    Ok(())
}

/// The statements that open a session on a catching worker, run inside the catch's own D1
/// batch (one transaction): the session is inserted only if the catch's compare-and-set took
/// (`won`: SQL true exactly then, with its arguments numbered from `?5`), and the id mark is
/// raised. The first statement answers the new session's id (`RETURNING id`).
pub fn insert_for_catch(
    ctx: &Ctx,
    scope: WorkerScope,
    task: &str,
    won: &str,
    won_args: &[wasm_bindgen::JsValue],
) -> ApiResult<Vec<worker::D1PreparedStatement>> {
    let name = crate::sessions::titles::from_message(task);
    let sql = format!(
        "INSERT INTO sessions (id, project_id, worker_id, name, created_by, created_at)
         SELECT {}, ?1, ?2, ?3, NULL, ?4 WHERE {won} RETURNING id",
        ids::next_id(Sequenced::Sessions)
    );
    let mut args =
        vec![db::int(scope.project_id), db::int(scope.worker_id), db::opt_text(name.as_deref()), db::int(ctx.now)];
    args.extend_from_slice(won_args);
    Ok(vec![ctx.db.prepare(&sql, &args)?, ctx.db.prepare(&ids::raise(Sequenced::Sessions), &[])?])
}

/// After a catch opened session `id` for `baton`: its transcript begins with a notice and the
/// brief, from the passer, and the project hears of it. The worker's daemon starts it from
/// the catch's answer.
pub async fn opened_for_baton(
    ctx: &Ctx,
    id: i64,
    project_id: i64,
    baton: &crate::batons::record::Row,
) -> ApiResult<()> {
    let notice = format!("session created for baton {} (attempt {})", baton.id, baton.attempt);
    announce(ctx, id, project_id, &notice).await?;
    let message = EventBody::UserMessage { text: baton.brief()?, author: baton.passer(), attachments: Vec::new() };
    hub::append(&ctx.env, &StreamKey::session(id), &message).await?;
    Ok(())
}

/// `GET /api/sessions/:id`, with its live state.
pub async fn get(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let row = find_row(ctx, who, id).await?;
    let worker_online = match row.worker_id {
        Some(w) => Some(hub::presence(&ctx.env, &StreamKey::worker(w)).await?.online(ctx.now)),
        None => None,
    };
    let open_turn = hub::presence(&ctx.env, &StreamKey::session(row.id)).await?.open_turn;
    let waiting = open_turn.is_some() && inputs::waiting(ctx, row.id).await?;
    let mut session = Session::from(row);
    session.state = Some(match waiting {
        true => protocol::api::SessionState::AwaitingInput,
        false => protocol::api::SessionState::of(worker_online, open_turn.is_some()),
    });
    Ok(respond::ok(&session))
}

/// `GET /api/projects/:id/sessions`.
pub async fn list(ctx: &Ctx, who: &Principal, project_id: i64, query: &Query) -> ApiResult<Response> {
    projects::find_visible(ctx, who, project_id).await?;
    list_where(ctx, Listed::OfProject(project_id), query).await
}

/// `GET /api/workers/:id/sessions` (the caller may see the worker).
pub async fn list_of_worker(ctx: &Ctx, worker_id: i64, query: &Query) -> ApiResult<Response> {
    list_where(ctx, Listed::OfWorker(worker_id), query).await
}

/// Whose sessions a list shows (each reads through its own index).
enum Listed {
    OfProject(i64),
    OfWorker(i64),
}

async fn list_where(ctx: &Ctx, listed: Listed, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let (column, id) = match listed {
        Listed::OfProject(id) => ("s.project_id", id),
        Listed::OfWorker(id) => ("s.worker_id", id),
    };
    #[derive(Deserialize)]
    struct ListedRow {
        #[serde(flatten)]
        row: SessionRow,
        open_turn: Option<i64>,
        worker_heartbeat: Option<i64>,
    }
    let rows: Vec<ListedRow> = ctx
        .db
        .all(
            &format!(
                "SELECT {COLUMNS}, s.open_turn, w.last_heartbeat_at AS worker_heartbeat
                 FROM sessions s LEFT JOIN workers w ON w.id = s.worker_id
                 WHERE {column} = ?1 AND s.id > ?2 ORDER BY s.id LIMIT ?3"
            ),
            &[db::int(id), db::int(page.after_id), db::int(page.fetch_count().into())],
        )
        .await?;
    let now = ctx.now;
    Ok(respond::ok(&page.page(
        rows,
        |r| r.row.id,
        |r| {
            let state = listed_state(r.row.worker_id.is_some(), r.open_turn.is_some(), r.worker_heartbeat, now);
            Session { state: Some(state), ..Session::from(r.row) }
        },
    )))
}

/// A session's state as a list shows it, from D1 alone (one query for the page): its worker's
/// last heartbeat and the turn its worker last said runs. A worker that went silent shows its
/// sessions offline, whatever turn it left open. `GET /api/sessions/:id` asks the Hubs.
pub fn listed_state(
    has_worker: bool,
    turn_open: bool,
    heartbeat: Option<i64>,
    now: i64,
) -> protocol::api::SessionState {
    use protocol::api::SessionState;
    if !has_worker {
        return SessionState::Conversation;
    }
    match (crate::workers::beat_recently(heartbeat, now), turn_open) {
        (false, _) => SessionState::Offline,
        (true, true) => SessionState::Busy,
        (true, false) => SessionState::Idle,
    }
}

/// Tells the session's worker (if any) to run it; answers whether its daemon is connected.
async fn wake_worker(ctx: &Ctx, session_id: i64, worker_id: Option<i64>) -> ApiResult<Option<bool>> {
    let Some(worker_id) = worker_id else { return Ok(None) };
    let command = EventBody::SessionStart { session_id };
    let (_, presence) = hub::append_seen(&ctx.env, &StreamKey::worker(worker_id), &command).await?;
    Ok(Some(presence.online(ctx.now)))
}

/// `POST /api/sessions/:id/messages`: appends the message to the transcript; answers 201
/// with the stored event (its `seq` is where a watcher will see it).
pub async fn post_message(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    post_message_as(ctx, session, who.author(), req).await
}

/// Appends `author`'s message to the session's transcript and wakes its worker (a member's
/// post, or a write share link's).
pub async fn post_message_as(
    ctx: &Ctx,
    session: SessionScope,
    author: protocol::event::Author,
    req: &mut Request,
) -> ApiResult<Response> {
    // Counted before the body is read: a refused writer costs no parsing.
    let writer = format!("{}:{}:{}", author.kind.as_str(), author.id, author.session_id.unwrap_or(0));
    crate::access::throttle::message(ctx, &writer)?;
    let input: PostMessage = body::read_json(req).await?;
    validate::text("text", &input.text)?;
    let attachments =
        crate::sessions::attachments::for_message(ctx, Owner::Session(session.id), &input.attachments).await?;
    let posted = post_checked(ctx, session, EventBody::UserMessage { text: input.text, author, attachments }).await?;
    Ok(respond::created(&posted))
}

/// Appends a `user_message` already checked (its text, its attachments) and wakes the
/// session's worker: a member's post, a share link's, a loop's run.
pub async fn post_checked(
    ctx: &Ctx,
    session: SessionScope,
    message: EventBody,
) -> ApiResult<protocol::api::MessagePosted> {
    let stored = hub::append(&ctx.env, &StreamKey::session(session.id), &message).await?;
    let event: protocol::event::Event = serde_json::from_str(&stored).map_err(ApiError::internal)?;
    let queued = wake_worker(ctx, session.id, session.worker_id).await?.map(|online| !online);
    Ok(protocol::api::MessagePosted { queued, event })
}

/// `POST /api/sessions/:id/{stop,resume,abort}`: passes the command to the session's worker
/// and notes it in the transcript.
pub async fn control(ctx: &Ctx, who: &Principal, id: i64, action: Control) -> ApiResult<Response> {
    let session = find_row(ctx, who, id).await?;
    let Some(worker_id) = session.worker_id else {
        return Err(ApiError::conflict(format!("S-{id} has no worker: there is nothing to {}", action.verb())));
    };
    let command = match action {
        Control::Stop => EventBody::SessionStop { session_id: id },
        Control::Resume => EventBody::SessionStart { session_id: id },
        Control::Abort => EventBody::SessionInterrupt { session_id: id },
    };
    let notice = EventBody::SystemNotice { text: format!("{} by {}", action.past(), who.username) };
    hub::append(&ctx.env, &StreamKey::session(id), &notice).await?;
    let (_, presence) = hub::append_seen(&ctx.env, &StreamKey::worker(worker_id), &command).await?;
    let worker_online = presence.online(ctx.now);
    Ok(respond::ok(&protocol::api::SessionControlled { session: Session::from(session), worker_online }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Stop,
    Resume,
    Abort,
}

impl Control {
    fn verb(self) -> &'static str {
        match self {
            Control::Stop => "stop",
            Control::Resume => "resume",
            Control::Abort => "abort",
        }
    }

    fn past(self) -> &'static str {
        match self {
            Control::Stop => "stopped",
            Control::Resume => "resumed",
            Control::Abort => "turn interrupted",
        }
    }
}

/// `PATCH /api/sessions/:id`: rename, plan mode, model, effort. Each change is noted in the
/// transcript; the worker reads the settings before every turn.
pub async fn update(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    if who.worker.is_some() {
        return Err(ApiError::forbidden("a worker cannot change its sessions' settings"));
    }
    let input: protocol::api::UpdateSession = body::read_json(req).await?;
    let name = input.name.as_deref().map(|n| validate::name("name", n)).transpose()?;
    let model = match &input.model {
        Some(Some(m)) => {
            let m = m.trim();
            if m.is_empty() || m.len() > 100 || m.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(ApiError::invalid_field("model", "must be 1-100 characters without spaces"));
            }
            Some(Some(m.to_owned()))
        }
        other => other.clone(),
    };
    let timeout = input.input_timeout_s;
    if timeout.is_some_and(|t| !(60..=86_400).contains(&t)) {
        return Err(ApiError::invalid_field("input_timeout_s", "must be 60 to 86400 seconds"));
    }
    let session = find_visible(ctx, who, id).await?;
    let row: SessionRow = ctx
        .db
        .first(
            &format!(
                "UPDATE sessions SET name = COALESCE(?2, name), plan_mode = COALESCE(?3, plan_mode),
                   model = CASE WHEN ?4 = 1 THEN ?5 ELSE model END,
                   effort = CASE WHEN ?6 = 1 THEN ?7 ELSE effort END,
                   permissions = COALESCE(?8, permissions), input_timeout_s = COALESCE(?9, input_timeout_s)
                 WHERE id = ?1 RETURNING {}",
                COLUMNS.replace("s.", "")
            ),
            &[
                db::int(session.id),
                db::opt_text(name.as_deref()),
                db::opt_int(input.plan_mode.map(i64::from)),
                db::int(i64::from(model.is_some())),
                db::opt_text(model.clone().flatten().as_deref()),
                db::int(i64::from(input.effort.is_some())),
                db::opt_text(input.effort.flatten().map(|e| e.as_str())),
                db::opt_text(input.permissions.map(PermissionPolicy::as_str)),
                db::opt_int(timeout.map(i64::from)),
            ],
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("session S-{id}")))?;
    let mut notes = Vec::new();
    if let Some(n) = &name {
        notes.push(format!("renamed to {n:?}"));
    }
    if let Some(p) = input.plan_mode {
        notes.push(format!("plan mode {}", if p { "on" } else { "off" }));
    }
    if let Some(m) = &model {
        notes.push(format!("model {}", m.as_deref().unwrap_or("default")));
    }
    if let Some(e) = input.effort {
        notes.push(format!("effort {}", e.map_or("default", |e| e.as_str())));
    }
    if let Some(p) = input.permissions {
        notes.push(format!("permissions {}", p.as_str()));
    }
    if let Some(t) = timeout {
        notes.push(format!("requests wait {t} s for an answer"));
    }
    if !notes.is_empty() {
        let notice = EventBody::SystemNotice { text: format!("{} by {}", notes.join(", "), who.username) };
        hub::append(&ctx.env, &StreamKey::session(id), &notice).await?;
    }
    changes::emit(ctx, row.project_id, Entity::Session, Action::Updated, id, Some(Handle::session(id).to_string()))
        .await;
    Ok(respond::ok(&Session::from(row)))
}

/// A session's scope and whole row by id, for a share link (which already names it).
pub async fn scope_and_row(ctx: &Ctx, id: i64) -> ApiResult<(SessionScope, Session)> {
    #[derive(Deserialize)]
    struct Row {
        workspace_id: i64,
        #[serde(flatten)]
        row: SessionRow,
    }
    let found: Option<Row> = ctx
        .db
        .first(
            &format!("SELECT {COLUMNS}, p.workspace_id FROM sessions s JOIN projects p ON p.id = s.project_id WHERE s.id = ?1"),
            &[db::int(id)],
        )
        .await?;
    let found = found.ok_or_else(|| ApiError::not_found(format!("session {}", Handle::session(id))))?;
    let scope = SessionScope {
        id: found.row.id,
        project_id: found.row.project_id,
        workspace_id: found.workspace_id,
        worker_id: found.row.worker_id,
    };
    Ok((scope, Session::from(found.row)))
}

/// `POST /api/sessions/:id/shares`.
pub async fn create_share(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    shares::create(ctx, who, session, req).await
}

/// `GET /api/sessions/:id/shares`.
pub async fn list_shares(ctx: &Ctx, who: &Principal, id: i64, query: &Query) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    shares::list(ctx, session, query).await
}

/// `POST /api/sessions/:id/inputs` (the session's worker).
pub async fn request_input(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    inputs::request(ctx, who, session, req).await
}

/// `GET /api/sessions/:id/inputs`.
pub async fn list_inputs(ctx: &Ctx, who: &Principal, id: i64, query: &Query) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    inputs::list_of_session(ctx, session, query).await
}

/// `POST /api/sessions/:id/inputs/:request_id`: a person answers (not the worker, not an
/// agent: nobody approves their own requests).
pub async fn answer_input(
    ctx: &Ctx,
    who: &Principal,
    id: i64,
    request_id: &str,
    req: &mut Request,
) -> ApiResult<Response> {
    if who.worker.is_some() || who.agent.is_some() {
        return Err(ApiError::forbidden("a person answers an agent's requests, not a worker or an agent"));
    }
    let session = find_visible(ctx, who, id).await?;
    inputs::answer(ctx, session, request_id, &who.author(), req).await
}

/// `POST /api/sessions/:id/inputs/:request_id/expire` (the session's worker).
pub async fn expire_input(ctx: &Ctx, who: &Principal, id: i64, request_id: &str) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    inputs::expire(ctx, who, session, request_id).await
}

/// How long a session token lives: a turn's worth and more (the daemon mints one per turn;
/// turns are limited far below this), short enough that a leaked one soon dies.
const SESSION_TOKEN_TTL_MS: i64 = 6 * 3600 * 1000;

/// `POST /api/sessions/:id/token`: the session's worker asks for a token for its agent's
/// turn. Expired tokens of the session are swept in the same batch.
pub async fn mint_token(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let Some(scope) = who.worker else {
        return Err(ApiError::forbidden("only the session's worker mints tokens for its agent"));
    };
    let session = find_visible(ctx, who, id).await?;
    if session.worker_id != Some(scope.worker_id) {
        return Err(ApiError::not_found(format!("session {}", Handle::session(id))));
    }
    let token = secrets::mint(TokenKind::Session)?;
    let expires_at = ctx.now + SESSION_TOKEN_TTL_MS;
    let sweep = ctx.db.prepare(
        "DELETE FROM session_tokens WHERE session_id = ?1 AND expires_at <= ?2",
        &[db::int(session.id), db::int(ctx.now)],
    )?;
    let insert = ctx.db.prepare(
        "INSERT INTO session_tokens (token_hash, session_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        &[db::text(&secrets::hash(&token)), db::int(session.id), db::int(ctx.now), db::int(expires_at)],
    )?;
    ctx.db.batch(vec![sweep, insert]).await?;
    Ok(respond::created(&protocol::api::SessionToken {
        token,
        expires_at: protocol::time::rfc3339_from_ms(expires_at),
        session_id: session.id,
        project_id: session.project_id,
    }))
}

/// `POST /api/sessions/:id/clear`: the next turn starts a new agent conversation in the same
/// worktree.
pub async fn clear(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    if who.worker.is_some() {
        return Err(ApiError::forbidden("a worker cannot clear sessions"));
    }
    let session = find_visible(ctx, who, id).await?;
    let stored = hub::append(&ctx.env, &StreamKey::session(session.id), &EventBody::ContextCleared {}).await?;
    Ok(respond::raw_json(stored.into_bytes(), 201))
}

/// `DELETE /api/sessions/:id`: the worker removes its worktree (the branch stays).
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    if who.worker.is_some() {
        return Err(ApiError::forbidden("a worker cannot delete sessions"));
    }
    let session = find_visible(ctx, who, id).await?;
    // What goes with it is listed before the delete cascades its rows away.
    let leftovers = retention::streams(ctx, retention::Deleted::Session(session.id)).await?;
    ctx.db.run("DELETE FROM sessions WHERE id = ?1", &[db::int(session.id)]).await?;
    invalidate::session_deleted(session.id);
    if let Some(worker_id) = session.worker_id {
        hub::append(&ctx.env, &StreamKey::worker(worker_id), &EventBody::SessionDelete { session_id: id }).await?;
    }
    retention::wipe(ctx, &leftovers).await;
    changes::emit(ctx, session.project_id, Entity::Session, Action::Deleted, id, Some(Handle::session(id).to_string()))
        .await;
    Ok(respond::no_content())
}

/// `POST /api/sessions/:id/events`: the session's worker writes its turn into the transcript.
pub async fn append_event(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let Some(scope) = who.worker else {
        return Err(ApiError::forbidden("only the session's worker writes turn events; people post messages"));
    };
    let event: EventBody = body::read_json(req).await?;
    let allowed = matches!(
        event,
        EventBody::TurnStart { .. }
            | EventBody::AgentEvent { .. }
            | EventBody::TurnHeartbeat { .. }
            | EventBody::TurnComplete { .. }
            | EventBody::TurnError { .. }
            | EventBody::WorkerNotice { .. }
    );
    // `system_notice` is the server's own voice: a worker that could write one could forge
    // "renamed by admin" or "stopped by ..." into a transcript people trust.
    if !allowed {
        return Err(ApiError::invalid_field(
            "type",
            "a worker writes turn_start, agent_event, turn_heartbeat, turn_complete, turn_error or worker_notice",
        ));
    }
    let session = find_visible(ctx, who, id).await?;
    if session.worker_id != Some(scope.worker_id) {
        return Err(ApiError::not_found(format!("session S-{id}")));
    }
    let completed = matches!(event, EventBody::TurnComplete { .. });
    let open_turn = match &event {
        EventBody::TurnStart { message_seq } => Some(Some(*message_seq)),
        EventBody::TurnComplete { .. } | EventBody::TurnError { .. } => Some(None),
        _ => None,
    };
    if let Some(open) = open_turn {
        let open = open.map(|seq| i64::try_from(seq).unwrap_or(i64::MAX));
        ctx.db
            .run("UPDATE sessions SET open_turn = ?2 WHERE id = ?1", &[db::int(session.id), db::opt_int(open)])
            .await?;
    }
    let stored = hub::append(&ctx.env, &StreamKey::session(session.id), &event).await?;
    if let Some((message_seq, turn_cost)) = cost::counted(&event) {
        cost::record(ctx, session, message_seq, turn_cost).await?;
    }
    if completed {
        title_untitled(ctx, &session).await?;
    }
    let ended = match &event {
        EventBody::TurnComplete { message_seq } => Some((NotifyEvent::TurnComplete, *message_seq, None)),
        EventBody::TurnError { message_seq, message, .. } => {
            Some((NotifyEvent::TurnError, *message_seq, Some(message)))
        }
        _ => None,
    };
    if let Some((_, message_seq, error)) = ended {
        inputs::close_turn(ctx, session.id, message_seq).await?;
        // A chat that talks to this session hears the answer (after the worker's answer: the
        // platform's APIs are slow).
        let origin = crate::access::origin::public(ctx, req)?;
        let (id, error) = (session.id, error.cloned());
        ctx.after_response(move |ctx| async move {
            crate::bridges::replies::turn_ended(&ctx, &origin, id, message_seq, error.as_deref()).await;
        });
    }
    if let Some((kind, message_seq, error)) = ended {
        let data = serde_json::json!({
            "session_id": session.id, "session": Handle::session(session.id).to_string(),
            "message_seq": message_seq, "error": error,
        });
        crate::notifications::notify(ctx, session.project_id, kind, data).await;
    }
    Ok(respond::raw_json(stored.into_bytes(), 201))
}

/// Names an untitled session after its first message (only where the name is still empty).
async fn title_untitled(ctx: &Ctx, session: &SessionScope) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Named {
        name: Option<String>,
    }
    let named: Option<Named> = ctx.db.first("SELECT name FROM sessions WHERE id = ?1", &[db::int(session.id)]).await?;
    if named.is_none_or(|n| n.name.is_some()) {
        return Ok(());
    }
    let mut page = hub::page(&ctx.env, &StreamKey::session(session.id), 0, 20).await?;
    let page: protocol::event::EventPage = page.json().await.map_err(ApiError::internal)?;
    let first = page.items.iter().find_map(|e| match &e.body {
        EventBody::UserMessage { text, .. } => crate::sessions::titles::from_message(text),
        _ => None,
    });
    if let Some(title) = first {
        let changed = ctx
            .db
            .run(
                "UPDATE sessions SET name = ?2 WHERE id = ?1 AND name IS NULL",
                &[db::int(session.id), db::text(&title)],
            )
            .await?;
        if changed == 1 {
            changes::emit(
                ctx,
                session.project_id,
                Entity::Session,
                Action::Updated,
                session.id,
                Some(Handle::session(session.id).to_string()),
            )
            .await;
        }
    }
    Ok(())
}

/// `POST /api/sessions/:id/attachments?filename=`.
pub async fn upload_attachment(
    ctx: &Ctx,
    who: &Principal,
    id: i64,
    req: &mut Request,
    query: &Query,
) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    crate::sessions::attachments::upload(ctx, who, Owner::Session(session.id), req, query).await
}

/// `GET /api/sessions/:id/attachments/:attachment_id` (people of the workspace, and the
/// session's worker).
pub async fn download_attachment(ctx: &Ctx, who: &Principal, id: i64, attachment: i64) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    crate::sessions::attachments::download(ctx, Owner::Session(session.id), attachment).await
}

/// `GET /api/sessions/:id/events?after=&limit=`.
pub async fn events(ctx: &Ctx, who: &Principal, id: i64, query: &Query) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    hub::serve_page(&ctx.env, &StreamKey::session(session.id), query).await
}

/// `GET /api/sessions/:id/stream`: SSE, resuming after `Last-Event-ID` or `?after=`.
pub async fn stream(ctx: &Ctx, who: &Principal, id: i64, req: &Request, query: &Query) -> ApiResult<Response> {
    let session = find_visible(ctx, who, id).await?;
    hub::serve_stream(&ctx.env, &StreamKey::session(session.id), req, query).await
}

#[cfg(test)]
mod listed_tests {
    use super::listed_state;
    use protocol::api::SessionState;

    #[test]
    fn a_list_reads_state_from_heartbeats_and_open_turns() {
        assert_eq!(listed_state(false, false, None, 0), SessionState::Conversation);
        assert_eq!(listed_state(true, true, Some(1_000), 5_000), SessionState::Busy);
        assert_eq!(listed_state(true, false, Some(1_000), 5_000), SessionState::Idle);
        assert_eq!(
            listed_state(true, true, Some(1_000), 100_000),
            SessionState::Offline,
            "a silent worker's open turn"
        );
        assert_eq!(listed_state(true, false, None, 0), SessionState::Offline);
    }
}
