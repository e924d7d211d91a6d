//! A project's notification webhooks: people (and the chat bridges) hear when an agent waits
//! for them (`input_requested`), when a turn ends (`turn_complete`, `turn_error`) and when a
//! baton addressed to the project or one of its workers is finished (`baton_done`). Owns the
//! `project_webhooks` table.
//!
//! A notification is POSTed as `{"event": "...", "project_id": N, "data": {...}}` with
//! `X-Baton-Event` and `X-Baton-Signature-256` (HMAC-SHA256 with the hook's secret, the format
//! of batons' webhooks), handed to a Hub delivery of its own and retried from its alarm like
//! them. Targets pass the egress check (`platform::egress`). Sending never fails the request
//! that caused it: a lost notification is logged.

use protocol::api::{CreateProjectWebhook, NotifyEvent, ProjectWebhook};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::crypto::{sealed, secrets};
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::http::query::Query;
use crate::hub::client::{self as hub, StreamKey};
use crate::hub::delivery::Delivery;
use crate::platform::context::Ctx;
use crate::platform::egress;
use crate::{http::body, http::respond, people::projects, platform::db};

/// Hooks per project at most.
const MAX_HOOKS: usize = 20;

#[derive(Deserialize)]
struct HookRow {
    id: i64,
    project_id: i64,
    url: String,
    secret_sealed: String,
    events: String,
    created_at: i64,
}

impl HookRow {
    fn events(&self) -> Vec<NotifyEvent> {
        self.events.split(',').filter_map(|e| NotifyEvent::ALL.into_iter().find(|n| n.as_str() == e)).collect()
    }

    fn view(&self) -> ProjectWebhook {
        ProjectWebhook {
            id: self.id,
            project_id: self.project_id,
            url: self.url.clone(),
            events: self.events(),
            created_at: protocol::time::rfc3339_from_ms(self.created_at),
        }
    }
}

const COLUMNS: &str = "id, project_id, url, secret_sealed, events, created_at";

/// `POST /api/projects/:id/webhooks`.
pub async fn create(ctx: &Ctx, who: &Principal, project_id: i64, req: &mut Request) -> ApiResult<Response> {
    if who.worker.is_some() || who.agent.is_some() {
        return Err(ApiError::forbidden("people set a project's notifications"));
    }
    let input: CreateProjectWebhook = body::read_json(req).await?;
    egress::check_url(&input.url, egress::private_allowed(ctx)).map_err(|why| ApiError::invalid_field("url", why))?;
    egress::check_secret(&input.secret).map_err(|why| ApiError::invalid_field("secret", why))?;
    let events = if input.events.is_empty() { NotifyEvent::ALL.to_vec() } else { input.events.clone() };
    let events: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    let project = projects::find_visible(ctx, who, project_id).await?;
    let sealed_secret = sealed::seal(&sealed::key(&ctx.env)?, &input.secret)?;
    let row: Option<HookRow> = ctx
        .db
        .first(
            &format!(
                "INSERT INTO project_webhooks (project_id, url, secret_sealed, events, created_by, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6
                 WHERE (SELECT COUNT(*) FROM project_webhooks WHERE project_id = ?1) < ?7
                 RETURNING {COLUMNS}"
            ),
            &[
                db::int(project.id),
                db::text(&input.url),
                db::text(&sealed_secret),
                db::text(&events.join(",")),
                db::opt_int(Some(who.user_id).filter(|id| *id > 0)),
                db::int(ctx.now),
                db::int(MAX_HOOKS as i64),
            ],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::conflict(format!("a project has at most {MAX_HOOKS} webhooks")))?;
    Ok(respond::created(&row.view()))
}

/// `GET /api/projects/:id/webhooks`.
pub async fn list(ctx: &Ctx, who: &Principal, project_id: i64, query: &Query) -> ApiResult<Response> {
    let project = projects::find_visible(ctx, who, project_id).await?;
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let rows: Vec<HookRow> =
        ctx.db.page_where(&page, COLUMNS, "project_webhooks", "project_id", "id", db::int(project.id)).await?;
    Ok(respond::ok(&page.page(rows, |r| r.id, |r| r.view())))
}

/// `DELETE /api/webhooks/:id`.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    if who.worker.is_some() || who.agent.is_some() {
        return Err(ApiError::forbidden("people set a project's notifications"));
    }
    #[derive(Deserialize)]
    struct Owner {
        project_id: i64,
    }
    let owner: Option<Owner> =
        ctx.db.first("SELECT project_id FROM project_webhooks WHERE id = ?1", &[db::int(id)]).await?;
    let not_found = || ApiError::not_found(format!("webhook {id}"));
    let owner = owner.ok_or_else(not_found)?;
    projects::find_visible(ctx, who, owner.project_id).await.map_err(|_| not_found())?;
    ctx.db.run("DELETE FROM project_webhooks WHERE id = ?1", &[db::int(id)]).await?;
    Ok(respond::no_content())
}

/// Tells the project's hooks that `event` happened. Never fails: a lost notification is
/// logged.
pub async fn notify(ctx: &Ctx, project_id: i64, event: NotifyEvent, data: serde_json::Value) {
    if let Err(err) = try_notify(ctx, project_id, event, data).await {
        worker::console_error!("{} notification of project {project_id} lost: {}", event.as_str(), err.message);
    }
}

async fn try_notify(ctx: &Ctx, project_id: i64, event: NotifyEvent, data: serde_json::Value) -> ApiResult<()> {
    let hooks: Vec<HookRow> = ctx
        .db
        .all(
            &format!(
                "SELECT {COLUMNS} FROM project_webhooks WHERE project_id = ?1 AND instr(',' || events || ',', ?2) > 0"
            ),
            &[db::int(project_id), db::text(&format!(",{},", event.as_str()))],
        )
        .await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let key = sealed::key(&ctx.env)?;
    let body = serde_json::json!({"event": event.as_str(), "project_id": project_id, "data": data}).to_string();
    for hook in hooks {
        let secret = sealed::open(&key, &hook.secret_sealed)?;
        let signature = crate::crypto::signature::sign(&secret, body.as_bytes());
        let delivery =
            Delivery { url: hook.url.clone(), event: event.as_str().to_owned(), body: body.clone(), signature };
        // Each notification is a delivery of its own (a Hub holds one).
        let nonce = hex::encode(&secrets::random_bytes()?[..12]);
        hub::deliver(&ctx.env, &StreamKey::webhook(&format!("notify-{}-{nonce}", hook.id)), &delivery).await?;
    }
    Ok(())
}
