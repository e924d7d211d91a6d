//! How the Worker front reaches a Hub. Callers have already authenticated the request and
//! checked that the principal may see the stream; these functions only forward.

use protocol::event::EventBody;
use worker::{Env, Method, Request, RequestInit, Response, Stub};

use super::replay;
use crate::bindings;
use crate::error::{ApiError, ApiResult};
use crate::query::Query;

/// The name of a stream, which is also the name of its Hub instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamKey(String);

impl StreamKey {
    pub fn session(id: i64) -> Self {
        StreamKey(format!("session:{id}"))
    }

    pub fn project(id: i64) -> Self {
        StreamKey(format!("project:{id}"))
    }

    pub fn worker(id: i64) -> Self {
        StreamKey(format!("worker:{id}"))
    }
}

fn stub(env: &Env, key: &StreamKey) -> ApiResult<Stub> {
    Ok(env.durable_object(bindings::HUB)?.get_by_name(&key.0)?)
}

/// Appends an event; answers the stored event's JSON text (with `seq` and `at`).
pub async fn append(env: &Env, key: &StreamKey, body: &EventBody) -> ApiResult<String> {
    Ok(append_seen(env, key, body).await?.0)
}

/// Appends an event; answers the stored event and how many live subscribers it reached.
pub async fn append_seen(env: &Env, key: &StreamKey, body: &EventBody) -> ApiResult<(String, u32)> {
    let json = serde_json::to_string(body).map_err(ApiError::internal)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(json.into()));
    let request = Request::new_with_init("https://hub/append", &init)?;
    let mut response = stub(env, key)?.fetch_with_request(request).await?;
    if response.status_code() != 201 {
        return Err(ApiError::internal(format!(
            "hub append answered {}: {}",
            response.status_code(),
            response.text().await.unwrap_or_default()
        )));
    }
    let seen = response
        .headers()
        .get(super::object::SUBSCRIBERS_HEADER)
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok((response.text().await?, seen))
}

/// How many live subscribers a stream has.
pub async fn presence(env: &Env, key: &StreamKey) -> ApiResult<u32> {
    let mut response = stub(env, key)?.fetch_with_str("https://hub/presence").await?;
    #[derive(serde::Deserialize)]
    struct Presence {
        subscribers: u32,
    }
    let presence: Presence = response.json().await.map_err(ApiError::internal)?;
    Ok(presence.subscribers)
}

/// A page of the log, answered as the Hub answers it.
pub async fn page(env: &Env, key: &StreamKey, after: u64, limit: u32) -> ApiResult<Response> {
    let url = format!("https://hub/events?after={after}&limit={limit}");
    Ok(stub(env, key)?.fetch_with_str(&url).await?)
}

/// The SSE stream from just after `after`, answered as the Hub answers it.
pub async fn stream(env: &Env, key: &StreamKey, after: u64) -> ApiResult<Response> {
    let url = format!("https://hub/stream?after={after}");
    Ok(stub(env, key)?.fetch_with_str(&url).await?)
}

/// `GET .../events?after=&limit=` of a stream the caller may see.
pub async fn serve_page(env: &Env, key: &StreamKey, query: &Query) -> ApiResult<Response> {
    let after = replay::resume_after(None, query.get("after"))?;
    let limit = replay::page_limit(query.get("limit"))?;
    page(env, key, after, limit).await
}

/// `GET .../stream` of a stream the caller may see: SSE resuming after `Last-Event-ID` or
/// `?after=`.
pub async fn serve_stream(env: &Env, key: &StreamKey, req: &Request, query: &Query) -> ApiResult<Response> {
    let last_event_id = req.headers().get("last-event-id").ok().flatten();
    let after = replay::resume_after(last_event_id.as_deref(), query.get("after"))?;
    stream(env, key, after).await
}
