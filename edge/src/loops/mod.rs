//! Loops: a message posted into a session on a schedule. Owns the `loops` table and each
//! loop's clock, a Durable Object ([`clock::LoopClock`], one per loop, `loop:<id>`) whose alarm
//! fires when the next run is due: no sweep polls for due loops.
//!
//! D1 holds the schedule ([`rules`]); the clock only knows its loop's id and when to wake.
//! Every change that moves the next run re-arms the clock; a run ([`fire`]) reads the loop,
//! decides, and moves `next_run_at` with a compare-and-set on the value it read, so a run and
//! a concurrent change never both win, and a repeated alarm (alarms are at-least-once) finds
//! its run already taken and posts nothing. The move is written before the message is
//! posted: a crash in between loses that one run (recorded as run) rather than posting twice.
//!
//! Who may: the people who can see the session (a member's token, not an agent's: an agent
//! that scheduled its own prompts could keep itself running for good).

pub mod clock;
pub mod rules;

use protocol::event::{Author, AuthorKind, EventBody};
use protocol::loops::{CreateLoop, Loop, LoopOutcome, UpdateLoop};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::batons::record::principal_key;
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::http::query::Query;
use crate::http::validate;
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;
use crate::platform::ids::{self, Sequenced};
use crate::{http::body, http::respond, platform::db};

#[derive(Debug, Clone, Deserialize)]
struct LoopRow {
    id: i64,
    session_id: i64,
    name: String,
    message: String,
    interval_s: i64,
    enabled: i64,
    next_run_at: i64,
    last_run_at: Option<i64>,
    last_outcome: Option<String>,
    last_reason: Option<String>,
    runs: i64,
    skips: i64,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "l.id, l.session_id, l.name, l.message, l.interval_s, l.enabled, l.next_run_at, l.last_run_at, \
                       l.last_outcome, l.last_reason, l.runs, l.skips, l.created_at, l.updated_at";

impl LoopRow {
    fn interval(&self) -> u32 {
        u32::try_from(self.interval_s).unwrap_or(protocol::loops::MIN_INTERVAL_S)
    }

    fn enabled(&self) -> bool {
        self.enabled != 0
    }

    /// The name its messages are signed with.
    fn label(&self) -> String {
        if self.name.is_empty() {
            format!("loop {}", self.id)
        } else {
            self.name.clone()
        }
    }

    fn view(&self) -> Loop {
        let time = protocol::time::rfc3339_from_ms;
        Loop {
            id: self.id,
            session_id: self.session_id,
            name: self.label(),
            message: self.message.clone(),
            interval_s: self.interval(),
            enabled: self.enabled(),
            next_run_at: self.enabled().then(|| time(self.next_run_at)),
            last_run_at: self.last_run_at.map(time),
            last_outcome: match self.last_outcome.as_deref() {
                Some("ran") => Some(LoopOutcome::Ran),
                Some("skipped") => Some(LoopOutcome::Skipped),
                _ => None,
            },
            last_reason: self.last_reason.clone(),
            runs: u32::try_from(self.runs).unwrap_or(u32::MAX),
            skips: u32::try_from(self.skips).unwrap_or(u32::MAX),
            created_at: time(self.created_at),
            updated_at: time(self.updated_at),
        }
    }
}

fn min_interval_s(ctx: &Ctx) -> u32 {
    rules::min_interval_s(ctx.env.var(rules::MIN_INTERVAL_VAR).ok().map(|v| v.to_string()).as_deref())
}

fn interval_of(ctx: &Ctx, interval_s: u32) -> ApiResult<u32> {
    rules::check_interval(interval_s, min_interval_s(ctx)).map_err(|why| ApiError::invalid_field("interval_s", why))?;
    Ok(interval_s)
}

fn name_of(name: Option<&str>) -> ApiResult<String> {
    match name.map(str::trim) {
        None | Some("") => Ok(String::new()),
        Some(n) => validate::name("name", n),
    }
}

fn message_of(message: &str) -> ApiResult<String> {
    validate::text("message", message)?;
    Ok(message.to_owned())
}

/// A loop by id, whoever asks (its clock, or a handler before its check).
async fn by_id(ctx: &Ctx, id: i64) -> ApiResult<Option<LoopRow>> {
    ctx.db.first(&format!("SELECT {COLUMNS} FROM loops l WHERE l.id = ?1"), &[db::int(id)]).await
}

/// The loop if `who` may see its session, else the loop's 404 (alike for none).
async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<LoopRow> {
    let not_found = || ApiError::not_found(format!("loop {id}"));
    let row = by_id(ctx, id).await?.ok_or_else(not_found)?;
    match crate::sessions::find_visible(ctx, who, row.session_id).await {
        Ok(_) => Ok(row),
        Err(err) if err.status() == 404 => Err(not_found()),
        Err(err) => Err(err),
    }
}

/// `POST /api/sessions/:id/loops`.
pub async fn create(ctx: &Ctx, who: &Principal, session_id: i64, req: &mut Request) -> ApiResult<Response> {
    let session = crate::sessions::find_visible(ctx, who, session_id).await?;
    who.require_person("manages loops")?;
    let input: CreateLoop = body::read_json(req).await?;
    let message = message_of(&input.message)?;
    let interval = interval_of(ctx, input.interval_s)?;
    let name = name_of(input.name.as_deref())?;
    let enabled = input.enabled.unwrap_or(true);
    let insert = format!(
        "INSERT INTO loops (id, session_id, name, message, interval_s, enabled, next_run_at, created_by, created_at, updated_at)
         VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING {}",
        ids::next_id(Sequenced::Loops),
        COLUMNS.replace("l.", "")
    );
    let args = [
        db::int(session.id),
        db::text(&name),
        db::text(&message),
        db::int(interval.into()),
        db::int(enabled.into()),
        db::int(rules::first_run(ctx.now, interval)),
        db::text(&principal_key(who).0),
        db::int(ctx.now),
    ];
    let row: LoopRow =
        ids::insert(ctx, Sequenced::Loops, &insert, &args).await?.ok_or_else(|| ApiError::internal("no loop"))?;
    if row.enabled() {
        clock::arm(&ctx.env, row.id, row.next_run_at).await?;
    }
    Ok(respond::created(&row.view()))
}

/// `GET /api/sessions/:id/loops`.
pub async fn list(ctx: &Ctx, who: &Principal, session_id: i64, query: &Query) -> ApiResult<Response> {
    crate::sessions::find_visible(ctx, who, session_id).await?;
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let rows: Vec<LoopRow> = ctx
        .db
        .all(
            &format!("SELECT {COLUMNS} FROM loops l WHERE l.session_id = ?1 AND l.id > ?2 ORDER BY l.id LIMIT ?3"),
            &[db::int(session_id), db::int(page.after_id), db::int(page.fetch_count().into())],
        )
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    let items: Vec<Loop> = rows.iter().map(LoopRow::view).collect();
    Ok(respond::ok(&protocol::api::Page { items, next_cursor }))
}

/// `GET /api/loops/:id`.
pub async fn get(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    Ok(respond::ok(&find_visible(ctx, who, id).await?.view()))
}

/// `PATCH /api/loops/:id`: a new interval, or enabling, starts the schedule again from now.
pub async fn update(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let row = find_visible(ctx, who, id).await?;
    who.require_person("manages loops")?;
    let input: UpdateLoop = body::read_json(req).await?;
    let message = match &input.message {
        Some(m) => message_of(m)?,
        None => row.message.clone(),
    };
    let interval = match input.interval_s {
        Some(i) => interval_of(ctx, i)?,
        None => row.interval(),
    };
    let name = match &input.name {
        Some(n) => name_of(Some(n))?,
        None => row.name.clone(),
    };
    let enabled = input.enabled.unwrap_or(row.enabled());
    let next_run_at = if rules::reanchors(row.interval(), interval, row.enabled(), enabled) {
        rules::first_run(ctx.now, interval)
    } else {
        row.next_run_at
    };
    let updated: LoopRow = ctx
        .db
        .first(
            &format!(
                "UPDATE loops SET name = ?2, message = ?3, interval_s = ?4, enabled = ?5, next_run_at = ?6, updated_at = ?7
                 WHERE id = ?1 RETURNING {}",
                COLUMNS.replace("l.", "")
            ),
            &[
                db::int(id),
                db::text(&name),
                db::text(&message),
                db::int(interval.into()),
                db::int(enabled.into()),
                db::int(next_run_at),
                db::int(ctx.now),
            ],
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("loop {id}")))?;
    if updated.enabled() {
        clock::arm(&ctx.env, id, updated.next_run_at).await?;
    } else {
        clock::stop(&ctx.env, id).await?;
    }
    Ok(respond::ok(&updated.view()))
}

/// `DELETE /api/loops/:id`.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    who.require_person("manages loops")?;
    ctx.db.run("DELETE FROM loops WHERE id = ?1", &[db::int(id)]).await?;
    clock::stop(&ctx.env, id).await?;
    Ok(respond::no_content())
}

/// A due run of loop `id`, from its clock's alarm: posts the message, or records the skip and
/// why. Answers when the clock should wake next (none: the loop is gone or disabled).
pub async fn fire(ctx: &Ctx, id: i64) -> ApiResult<Option<i64>> {
    let Some(row) = by_id(ctx, id).await?.filter(LoopRow::enabled) else { return Ok(None) };
    if ctx.now < row.next_run_at {
        // Armed for an earlier schedule that a change has since moved.
        return Ok(Some(row.next_run_at));
    }
    let (scope, _) = crate::sessions::scope_and_row(ctx, row.session_id).await?;
    let worker_online = match scope.worker_id {
        Some(w) => hub::presence(&ctx.env, &StreamKey::worker(w)).await?.online(ctx.now),
        None => false,
    };
    let turn_open = hub::presence(&ctx.env, &StreamKey::session(scope.id)).await?.open_turn.is_some();
    let skipped = rules::skip_reason(rules::Session { worker_id: scope.worker_id, worker_online, turn_open });
    let next = rules::next_after(row.next_run_at, row.interval(), ctx.now);
    let outcome = if skipped.is_some() { LoopOutcome::Skipped } else { LoopOutcome::Ran };
    let (ran, skips) = if skipped.is_some() { (0, 1) } else { (1, 0) };
    // The run is this alarm's only if the schedule is still the one it read.
    let taken = ctx
        .db
        .run(
            "UPDATE loops SET next_run_at = ?3, last_run_at = ?4, last_outcome = ?5, last_reason = ?6,
               runs = runs + ?7, skips = skips + ?8
             WHERE id = ?1 AND next_run_at = ?2 AND enabled = 1",
            &[
                db::int(id),
                db::int(row.next_run_at),
                db::int(next),
                db::int(ctx.now),
                db::text(outcome.as_str()),
                db::opt_text(skipped.as_deref()),
                db::int(ran),
                db::int(skips),
            ],
        )
        .await?;
    if taken == 0 {
        return Ok(by_id(ctx, id).await?.filter(LoopRow::enabled).map(|r| r.next_run_at));
    }
    let scheduled_at = protocol::time::rfc3339_from_ms(row.next_run_at);
    match skipped {
        Some(reason) => {
            let skip = EventBody::LoopSkipped { loop_id: id, name: row.label(), scheduled_at, reason };
            hub::append(&ctx.env, &StreamKey::session(scope.id), &skip).await?;
        }
        None => {
            let author = Author::new(AuthorKind::Loop, id, row.label());
            let message = EventBody::UserMessage { text: row.message.clone(), author, attachments: Vec::new() };
            crate::sessions::post_checked(ctx, scope, message).await?;
        }
    }
    Ok(Some(next))
}
