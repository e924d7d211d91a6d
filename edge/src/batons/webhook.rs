//! Completion webhooks. When a baton is done, failed or cancelled and its passer gave a
//! `webhook`, its record (less what the passer sent itself: `handed_over`, `context` and
//! `constraints`; `output` is left out too, since `result` carries what came back) is POSTed
//! to the URL as
//! `{"event": "baton.done" | "baton.failed" | "baton.cancelled", "baton": {...}}` with
//! `X-Baton-Signature-256: sha256=<hex HMAC-SHA256 of the body with the secret>` (the format
//! GitHub uses, so the same verifying code serves) and `X-Baton-Event`.
//!
//! Delivery is the Hub's (`webhook:<baton id>`): it stores the signed request and retries it
//! from its alarm with exponential backoff until a 2xx answer or its last attempt
//! ([`crate::hub::delivery`]). The secret
//! is sealed at rest in D1 and never leaves the Worker; the Hub only holds the signature.
//!
//! Targets are checked by [`crate::platform::egress`] (https only, no internal address).

use protocol::baton::{Baton, BatonStatus};

use crate::crypto::sealed;
use crate::http::error::{ApiError, ApiResult};
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;

/// The event name of a finished baton.
pub fn event_name(status: BatonStatus) -> &'static str {
    match status {
        BatonStatus::Done => "baton.done",
        BatonStatus::Failed => "baton.failed",
        _ => "baton.cancelled",
    }
}

/// Hands the finished baton's webhook to its Hub for delivery. A failure is logged, never
/// returned: the move it reports has happened.
pub async fn schedule(ctx: &Ctx, baton: &Baton, sealed_secret: &str) {
    if let Err(err) = try_schedule(ctx, baton, sealed_secret).await {
        worker::console_error!("webhook of baton {} not scheduled: {}", baton.baton_id, err.message);
    }
}

async fn try_schedule(ctx: &Ctx, baton: &Baton, sealed_secret: &str) -> ApiResult<()> {
    let Some(url) = &baton.webhook_url else { return Ok(()) };
    let secret = sealed::open(&sealed::key(&ctx.env)?, sealed_secret)?;
    let event = event_name(baton.status).to_owned();
    let body = serde_json::json!({ "event": event, "baton": without_handover(baton)? }).to_string();
    let signature = crate::crypto::signature::sign(&secret, body.as_bytes());
    let delivery = crate::hub::delivery::Delivery { url: url.clone(), event, body, signature };
    hub::deliver(&ctx.env, &StreamKey::webhook(&baton.baton_id), &delivery)
        .await
        .map_err(|e| ApiError::internal(format!("hub refused the delivery: {}", e.message)))
}

/// The record without what the passer itself sent (`handed_over`, `context`, `constraints`)
/// and without `output`, which repeats `result` or the handover: a delivery stays within a
/// Durable Object row even when both are near their 1 MiB limit.
fn without_handover(baton: &Baton) -> ApiResult<serde_json::Value> {
    let mut value = serde_json::to_value(baton).map_err(ApiError::internal)?;
    if let Some(fields) = value.as_object_mut() {
        for key in ["output", "handed_over", "context", "constraints"] {
            fields.remove(key);
        }
    }
    Ok(value)
}
