//! How the Worker front reaches a Hub. Callers have already authenticated the request and
//! checked that the principal may see the stream; these functions only forward.
//!
//! Each append is its own call. Grouping concurrent appends to one stream into one call (group
//! commit, one request carrying the others' events) was built and measured twice, and workerd
//! refused it both times: a request waiting on another request's call is resumed by
//! wasm-bindgen-futures' single task queue inside that other request, so at 32 clients 1-2% of
//! message POSTs failed ("Cannot perform I/O on behalf of a different request"), and with each
//! waiter's continuation moved onto a timer of its own request, 2-4% hung instead. Requests
//! of one isolate cannot wait on each other's I/O here; only a Durable Object (one context
//! for all its requests) can batch across callers.

use protocol::event::EventBody;
use worker::{Env, Method, Request, RequestInit, Response, Stub};

use super::replay;
use crate::http::error::{ApiError, ApiResult};
use crate::http::query::Query;
use crate::platform::bindings;

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

    pub fn channel(id: i64) -> Self {
        StreamKey(format!("channel:{id}"))
    }

    pub fn worker(id: i64) -> Self {
        StreamKey(format!("worker:{id}"))
    }

    /// Not a stream: the Hub that delivers a baton's completion webhook.
    pub fn webhook(baton_id: &str) -> Self {
        StreamKey(format!("webhook:{baton_id}"))
    }
}

fn stub(env: &Env, key: &StreamKey) -> ApiResult<Stub> {
    Ok(env.durable_object(bindings::HUB)?.get_by_name(&key.0)?)
}

/// Appends an event; answers the stored event's JSON text (with `seq` and `at`).
pub async fn append(env: &Env, key: &StreamKey, body: &EventBody) -> ApiResult<String> {
    Ok(append_seen(env, key, body).await?.0)
}

/// Who is on a stream: live subscribers, and when a publisher last said it was alive.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Presence {
    pub subscribers: u32,
    pub last_touch_ms: Option<i64>,
    /// The message whose turn is running on a session stream.
    #[serde(default)]
    pub open_turn: Option<u64>,
}

/// A worker daemon heartbeats every 10 s; three missed ones and it counts as gone even if a
/// proxy has not yet told the Hub that its stream closed.
pub const HEARTBEAT_TTL_MS: i64 = 30_000;

impl Presence {
    /// Online: holding the stream, and heard from recently.
    pub fn online(&self, now_ms: i64) -> bool {
        self.subscribers > 0 && self.last_touch_ms.is_some_and(|t| now_ms - t < HEARTBEAT_TTL_MS)
    }
}

/// Appends an event; answers the stored event and the stream's presence.
pub async fn append_seen(env: &Env, key: &StreamKey, body: &EventBody) -> ApiResult<(String, Presence)> {
    let json = serde_json::to_string(body).map_err(ApiError::internal)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(json.into()));
    let request = Request::new_with_init("https://hub/append", &init)?;
    let mut response = stub(env, key)?.fetch_with_request(request).await?;
    if response.status_code() == 404 {
        return Err(ApiError::not_found("the stream (it was deleted)"));
    }
    if response.status_code() != 201 {
        return Err(ApiError::internal(format!(
            "hub append answered {}: {}",
            response.status_code(),
            response.text().await.unwrap_or_default()
        )));
    }
    let presence = response
        .headers()
        .get(super::object::PRESENCE_HEADER)
        .ok()
        .flatten()
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default();
    Ok((response.text().await?, presence))
}

/// Appends several events in one call (in order), so a change that touches many rows costs
/// one subrequest, not one per row. Bodies beyond what one call carries go in further calls.
pub async fn append_all(env: &Env, key: &StreamKey, bodies: &[EventBody]) -> ApiResult<()> {
    for chunk in bodies.chunks(APPEND_ALL_CHUNK) {
        command(env, key, "append_all", Some(serde_json::to_string(chunk).map_err(ApiError::internal)?)).await?;
    }
    Ok(())
}

/// Events per `append_all` call: change signals are ~100 bytes, far below the body limit.
const APPEND_ALL_CHUNK: usize = 1_000;

/// Hands a signed webhook delivery to its Hub, which retries it until it is accepted.
pub async fn deliver(env: &Env, key: &StreamKey, delivery: &crate::hub::delivery::Delivery) -> ApiResult<()> {
    command(env, key, "deliver", Some(serde_json::to_string(delivery).map_err(ApiError::internal)?)).await
}

/// Makes a stream forget itself (its log, its subscriptions) after `window_ms` without an
/// append (a relay line).
pub async fn set_idle(env: &Env, key: &StreamKey, window_ms: i64) -> ApiResult<()> {
    command(env, key, &format!("idle?ms={window_ms}"), None).await
}

/// Forgets a stream's whole log and ends its live subscriptions.
pub async fn wipe(env: &Env, key: &StreamKey) -> ApiResult<()> {
    command(env, key, "wipe", None).await
}

/// POSTs to one of the Hub's own routes; anything but a success is an internal error.
async fn command(env: &Env, key: &StreamKey, route: &str, json: Option<String>) -> ApiResult<()> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(json.map(Into::into));
    let url = format!("https://hub/{route}");
    let mut response = stub(env, key)?.fetch_with_request(Request::new_with_init(&url, &init)?).await?;
    if response.status_code() >= 300 {
        return Err(ApiError::internal(format!(
            "hub {route} answered {}: {}",
            response.status_code(),
            response.text().await.unwrap_or_default()
        )));
    }
    Ok(())
}

/// Who is on a stream.
pub async fn presence(env: &Env, key: &StreamKey) -> ApiResult<Presence> {
    let mut response = stub(env, key)?.fetch_with_str("https://hub/presence").await?;
    if response.status_code() == 404 {
        return Err(ApiError::not_found("the stream (it was deleted)"));
    }
    response.json().await.map_err(ApiError::internal)
}

/// Records that the stream's publisher (a worker daemon) is alive.
pub async fn touch(env: &Env, key: &StreamKey) -> ApiResult<()> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post);
    stub(env, key)?.fetch_with_request(Request::new_with_init("https://hub/touch", &init)?).await?;
    Ok(())
}

/// A page of the log, answered as the Hub answers it.
pub async fn page(env: &Env, key: &StreamKey, after: u64, limit: u32) -> ApiResult<Response> {
    let url = format!("https://hub/events?after={after}&limit={limit}");
    Ok(stub(env, key)?.fetch_with_str(&url).await?)
}

/// The SSE stream from just after `after`, answered as the Hub answers it.
pub async fn stream(env: &Env, key: &StreamKey, after: u64) -> ApiResult<Response> {
    let keepalive =
        if key.0.starts_with("worker:") { super::replay::WORKER_KEEPALIVE_SECS } else { super::replay::KEEPALIVE_SECS };
    let url = format!("https://hub/stream?after={after}&keepalive={keepalive}");
    Ok(stub(env, key)?.fetch_with_str(&url).await?)
}

/// Whether the request asks to switch to a WebSocket.
fn wants_websocket(req: &Request) -> bool {
    req.headers().get("upgrade").ok().flatten().is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
}

/// `GET .../events?after=&limit=` of a stream the caller may see.
pub async fn serve_page(env: &Env, key: &StreamKey, query: &Query) -> ApiResult<Response> {
    let limit = replay::page_limit(query.get("limit"))?;
    if let Some(before) = replay::page_before(query.get("before"))? {
        let url = format!("https://hub/events?before={before}&limit={limit}");
        return Ok(stub(env, key)?.fetch_with_str(&url).await?);
    }
    let after = replay::resume_after(None, query.get("after"))?;
    page(env, key, after, limit).await
}

/// `GET .../stream` of a stream the caller may see: SSE resuming after `Last-Event-ID` or
/// `?after=`; or, asked with `Upgrade: websocket`, the same events over a WebSocket resuming
/// after `?after=` (a browser cannot set `Last-Event-ID` on one).
pub async fn serve_stream(env: &Env, key: &StreamKey, req: &Request, query: &Query) -> ApiResult<Response> {
    if wants_websocket(req) {
        let after = replay::resume_after(None, query.get("after"))?;
        let headers = worker::Headers::new();
        headers.set("upgrade", "websocket")?;
        let mut init = RequestInit::new();
        init.with_headers(headers);
        let url = format!("https://hub/ws?after={after}");
        return Ok(stub(env, key)?.fetch_with_request(Request::new_with_init(&url, &init)?).await?);
    }
    let last_event_id = req.headers().get("last-event-id").ok().flatten();
    let after = replay::resume_after(last_event_id.as_deref(), query.get("after"))?;
    stream(env, key, after).await
}
