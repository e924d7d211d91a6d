//! `POST /api/github/webhook/:link_id`: GitHub's deliveries for a linked repository.
//!
//! Order matters: the body is read (bounded) and its signature checked before anything parses
//! it; a delivery already applied is answered 200 and changes nothing; the delivery is
//! recorded only after it was applied, so a failure can be redelivered. An unknown link id
//! answers exactly what a wrong signature answers (401), so ids cannot be enumerated, and
//! both count against the client's rate limit (`limits`).

use protocol::error::ErrorCode;
use protocol::github::{WebhookAnswer, WebhookStatus};
use protocol::model::GithubState;
use serde_json::Value;
use worker::{Request, Response};

use super::links::{self, LinkRow};
use super::{issue, mirror};
use crate::access::limits::{self, Limit};
use crate::crypto::signature;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::{crypto::sealed, http::body, http::respond, platform::db};

/// The largest delivery accepted: the API's one body limit (issue events are a few tens of
/// KB; GitHub itself caps payloads at 25 MB, and a larger one answers 413).
pub const MAX_PAYLOAD_BYTES: usize = body::MAX_BODY_BYTES;

pub async fn receive(ctx: &Ctx, req: &mut Request, link_id: i64) -> ApiResult<Response> {
    let limit = [Limit::webhook_client(&limits::client(req))];
    limits::check(ctx, &limit, "webhook deliveries from this client").await?;
    let raw = body::read_limited(req, MAX_PAYLOAD_BYTES).await?;
    let link = links::by_id(ctx, link_id).await?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let verified = match &link {
        Some(link) => {
            let secret = sealed::open(&sealed::key(&ctx.env)?, &link.secret_sealed)?;
            signature::verify(&secret, &raw, header("x-hub-signature-256").as_deref())
        }
        None => false,
    };
    let Some(link) = link.filter(|_| verified) else {
        limits::fail(ctx, &limit).await?;
        return Err(ApiError::new(ErrorCode::Unauthorized, "X-Hub-Signature-256 is missing or wrong"));
    };
    let event = header("x-github-event").ok_or_else(|| ApiError::invalid_parameter("X-GitHub-Event", "is missing"))?;
    let delivery =
        header("x-github-delivery").ok_or_else(|| ApiError::invalid_parameter("X-GitHub-Delivery", "is missing"))?;
    if delivery.is_empty() || delivery.len() > 100 {
        return Err(ApiError::invalid_parameter("X-GitHub-Delivery", "must be 1 to 100 characters"));
    }
    if already_applied(ctx, link.id, &delivery).await? {
        return Ok(respond::ok(&WebhookAnswer {
            delivery: Some(delivery),
            ..WebhookAnswer::new(WebhookStatus::Duplicate)
        }));
    }
    let payload: Value = serde_json::from_slice(&raw)
        .map_err(|e| ApiError::new(ErrorCode::InvalidJson, format!("payload is not JSON: {e}")))?;
    let (status, answer) = match event.as_str() {
        "ping" => {
            same_repository(&link, &payload)?;
            (200, WebhookAnswer { repo: Some(link.repo.clone()), ..WebhookAnswer::new(WebhookStatus::Pong) })
        }
        "issues" => issues(ctx, &link, &payload).await?,
        other => (202, WebhookAnswer { event: Some(other.to_owned()), ..WebhookAnswer::new(WebhookStatus::Ignored) }),
    };
    record(ctx, link.id, &delivery).await?;
    Ok(respond::json(&answer, status))
}

async fn issues(ctx: &Ctx, link: &LinkRow, payload: &Value) -> ApiResult<(u16, WebhookAnswer)> {
    same_repository(link, payload)?;
    let action = payload["action"].as_str().unwrap_or("");
    let left = match action {
        "deleted" => Some(GithubState::Deleted),
        "transferred" => Some(GithubState::Transferred),
        _ => None,
    };
    let snap = issue::snapshot(&payload["issue"], left).map_err(|why| ApiError::invalid_field("issue", why))?;
    if snap.is_pull_request && !link.include_pull_requests() {
        let reason = Some("pull requests are not mirrored by this link".to_owned());
        return Ok((202, WebhookAnswer { reason, ..WebhookAnswer::new(WebhookStatus::Ignored) }));
    }
    let outcome = mirror::apply(ctx, link, &snap).await?;
    let answer = WebhookAnswer {
        requirement: Some(outcome.handle),
        action: Some(action.to_owned()),
        ..WebhookAnswer::new(outcome.kind.status())
    };
    Ok((200, answer))
}

/// A delivery for another repository is refused: a link mirrors exactly one.
fn same_repository(link: &LinkRow, payload: &Value) -> ApiResult<()> {
    let name = payload["repository"]["full_name"].as_str().unwrap_or("");
    if name.eq_ignore_ascii_case(&link.repo) {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            "repository.full_name",
            format!("{name:?} is not {:?}, the repository linked here", link.repo),
        ))
    }
}

async fn already_applied(ctx: &Ctx, link_id: i64, delivery: &str) -> ApiResult<bool> {
    #[derive(serde::Deserialize)]
    struct Seen {
        #[allow(dead_code)]
        link_id: i64,
    }
    let seen: Option<Seen> = ctx
        .db
        .first(
            "SELECT link_id FROM github_deliveries WHERE link_id = ?1 AND delivery_id = ?2",
            &[db::int(link_id), db::text(delivery)],
        )
        .await?;
    Ok(seen.is_some())
}

async fn record(ctx: &Ctx, link_id: i64, delivery: &str) -> ApiResult<()> {
    ctx.db
        .run(
            "INSERT INTO github_deliveries (link_id, delivery_id, received_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            &[db::int(link_id), db::text(delivery), db::int(ctx.now)],
        )
        .await?;
    Ok(())
}
