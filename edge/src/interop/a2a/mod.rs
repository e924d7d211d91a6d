//! The A2A endpoint (specification v1.0, JSON-RPC binding): an outside agent hands work to
//! baton's agents and follows it. The A2A task *is* a baton ([`task`] maps one onto the other);
//! every method is an API call made as the caller ([`crate::app::call_as`]).
//!
//! - `POST /a2a` sends work to the token's workspace (any of its agents may catch it);
//!   `POST /a2a/projects/:id` to one project's workers; `POST /a2a/workers/:id` to one worker.
//!   Their cards are `GET /.well-known/agent-card.json` (public) and
//!   `GET /a2a/{projects,workers}/:id/.well-known/agent-card.json` (for who may see them).
//! - `SendMessage` passes the baton (the message's text is its task; `messageId` is its
//!   idempotency key, so a retried send passes it once) and, unless `returnImmediately`, waits
//!   up to [`BLOCKING_WAIT_MS`] for it to end; `SendStreamingMessage` streams it from the start.
//! - `GetTask`, `ListTasks` (the batons the caller passed), `CancelTask` (the same cancel twice
//!   answers the same task; a finished one is not cancelable).
//! - `SubscribeToTask` streams a task's events; with `Last-Event-ID: N` exactly those after N
//!   (the resume extension, [`card::RESUME_EXTENSION`]); without, the task as it stands, then
//!   what follows. A stream ends with the task, or after [`STREAM_MS`] (resume it then).
//! - Push notifications are the baton's completion webhook: a `taskPushNotificationConfig` sent
//!   with the message (its `token` is the signing secret; the same URL checks, signature and
//!   retries as any webhook). Configs are read back with `Get`/`ListTaskPushNotificationConfig`;
//!   one cannot be added or removed once the task exists (`-32004`).
//!
//! Streams follow a baton by reading its status once a second (one D1 read each): simple and
//! bounded; the project's change stream could wake them instead.
//!
//! A call's errors are JSON-RPC errors answered with HTTP 200 (clients read the body only on a
//! 2xx), with A2A's codes and a `google.rpc.ErrorInfo` in `data`; a body that is no JSON-RPC
//! request at all (not JSON, a batch, no method) is also refused at the HTTP level: 400 (413
//! when over 1 MiB). The caller is authenticated before the path is read: a stranger gets 401.

pub mod card;
pub mod task;

use std::time::Duration;

use serde_json::{json, Value};
use worker::{Request, Response};

use super::jsonrpc::{self, Call, RpcError};
use super::{api, get, post};
use crate::access::auth::Principal;
use crate::app::Call as ApiCall;
use crate::http::body;
use crate::http::error::{ApiError, ApiResult};
use crate::http::routes::Method;
use crate::platform::clock;
use crate::platform::context::Ctx;

/// Where work sent to an endpoint goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Workspace,
    Project(i64),
    Worker(i64),
}

/// How long a blocking `SendMessage` waits for the task to end before answering it as it is.
pub const BLOCKING_WAIT_MS: i64 = 60_000;
/// How long one stream follows a task; the reader resumes after its last event.
pub const STREAM_MS: i64 = 10 * 60_000;
const POLL: Duration = Duration::from_secs(1);
/// A comment line this often keeps an idle stream's proxies from closing it.
const KEEPALIVE_MS: i64 = 15_000;

const TASK_NOT_FOUND: i64 = -32001;
const TASK_NOT_CANCELABLE: i64 = -32002;
const UNSUPPORTED_OPERATION: i64 = -32004;
const CONTENT_TYPE_NOT_SUPPORTED: i64 = -32005;
const EXTENDED_CARD_NOT_CONFIGURED: i64 = -32007;
const VERSION_NOT_SUPPORTED: i64 = -32009;

/// An A2A error with its `ErrorInfo`, as A2A clients read them.
fn a2a_error(code: i64, reason: &str, message: impl Into<String>) -> RpcError {
    RpcError::new(code, message).with_data(json!([{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "a2a-protocol.org",
        "metadata": {},
    }]))
}

fn not_found(id: &str) -> RpcError {
    a2a_error(TASK_NOT_FOUND, "TASK_NOT_FOUND", format!("no task {id:?} that you may see"))
}

// ---- Cards ----

/// `GET /.well-known/agent-card.json` (`None`: public) and the cards of one project or worker,
/// for a caller who may see it.
pub async fn serve_card(ctx: &Ctx, req: &Request, asked: Option<(&Principal, Target)>) -> ApiResult<Response> {
    let base = crate::access::origin::public(ctx, req)?;
    let version = env!("CARGO_PKG_VERSION");
    let (path, name, description) = match asked {
        None | Some((_, Target::Workspace)) => (
            "/a2a".to_owned(),
            "baton".to_owned(),
            "Hands work to coding agents on worker machines: the message is the work; the agent's final \
             message is the result. Sent here, work goes to the workspace of your token."
                .to_owned(),
        ),
        Some((who, Target::Project(id))) => {
            let (status, project) = api(ctx, who, get(&base, format!("/api/projects/{id}"))).await;
            if status != 200 {
                return Err(ApiError::not_found(format!("project {id}")));
            }
            let name = project["name"].as_str().unwrap_or_default();
            (
                format!("/a2a/projects/{id}"),
                format!("baton project {name}"),
                format!("Work sent here goes to the workers of the project {name}: whichever is free takes it."),
            )
        }
        Some((who, Target::Worker(id))) => {
            let (status, worker) = api(ctx, who, get(&base, format!("/api/workers/{id}"))).await;
            if status != 200 {
                return Err(ApiError::not_found(format!("worker {id}")));
            }
            let (handle, name) =
                (worker["handle"].as_str().unwrap_or_default(), worker["name"].as_str().unwrap_or_default());
            (
                format!("/a2a/workers/{id}"),
                format!("baton worker {handle} ({name})"),
                format!("Work sent here goes to the coding agent of the worker {handle} ({name}), in a git worktree of its own."),
            )
        }
    };
    let url = format!("{base}{path}");
    let speaker = card::Speaker { name, description, url: &url };
    Ok(crate::http::respond::ok(&card::card(&speaker, version)))
}

// ---- JSON-RPC ----

/// `POST /a2a`, `/a2a/projects/:id`, `/a2a/workers/:id`, for the authenticated `who`.
pub async fn serve(ctx: &Ctx, req: &mut Request, who: &Principal, target: Target) -> ApiResult<Response> {
    let version = req.headers().get("a2a-version").ok().flatten();
    if let Some(v) = version.as_deref().filter(|v| !(v.trim() == "1" || v.trim().starts_with("1."))) {
        let err = a2a_error(
            VERSION_NOT_SUPPORTED,
            "VERSION_NOT_SUPPORTED",
            format!("A2A version {v} (this server speaks 1.0)"),
        );
        return Ok(rpc(&jsonrpc::error(&Value::Null, &err)));
    }
    // A body that is no JSON-RPC request at all is refused at the HTTP level too (400, 413):
    // only a call's own errors ride a 200.
    let bytes = match body::read_limited(req, body::MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) => {
            let rpc_err = RpcError::new(jsonrpc::INVALID_REQUEST, err.message.clone());
            return Ok(rpc_with(&jsonrpc::error(&Value::Null, &rpc_err), err.status()));
        }
    };
    let call = match jsonrpc::parse(&bytes) {
        Ok(call) => call,
        Err((id, err)) if err.code != jsonrpc::INVALID_PARAMS => {
            return Ok(rpc_with(&jsonrpc::error(&id, &err), 400));
        }
        Err((id, err)) => return Ok(rpc(&jsonrpc::error(&id, &err))),
    };
    let id = call.id.clone().unwrap_or(Value::Null);
    let origin = crate::access::origin::public(ctx, req)?;
    let last_event_id = req.headers().get("last-event-id").ok().flatten();
    let asked = Asked { ctx, who, origin: &origin, target, last_event_id: last_event_id.as_deref() };
    match answer(&asked, &call).await {
        Ok(Answer::Result(result)) => Ok(rpc(&jsonrpc::result(&id, result))),
        Ok(Answer::Stream { baton, after, snapshot }) => {
            stream(ctx, who.clone(), origin.clone(), id, baton, after, snapshot)
        }
        Err(err) => Ok(rpc(&jsonrpc::error(&id, &err))),
    }
}

fn rpc(body: &Value) -> Response {
    rpc_with(body, 200)
}

fn rpc_with(body: &Value, status: u16) -> Response {
    crate::http::respond::raw_json(body.to_string().into_bytes(), status)
}

struct Asked<'a> {
    ctx: &'a Ctx,
    who: &'a Principal,
    origin: &'a str,
    target: Target,
    last_event_id: Option<&'a str>,
}

enum Answer {
    Result(Value),
    /// Stream the events of `baton` after number `after`, first the task as it stands when
    /// `snapshot`.
    Stream {
        baton: Value,
        after: u64,
        snapshot: bool,
    },
}

async fn answer(a: &Asked<'_>, call: &Call) -> Result<Answer, RpcError> {
    let p = &call.params;
    match call.method.as_str() {
        "SendMessage" => {
            let baton = send(a, p).await?;
            let immediately = p.pointer("/configuration/returnImmediately").and_then(Value::as_bool) == Some(true);
            let baton = if immediately { baton } else { wait_until_settled(a, baton).await };
            let history = p.pointer("/configuration/historyLength").and_then(Value::as_u64);
            Ok(Answer::Result(json!({"task": snapshot(a, &baton, history, true).await})))
        }
        "SendStreamingMessage" => Ok(Answer::Stream { baton: send(a, p).await?, after: 0, snapshot: false }),
        "GetTask" => {
            let baton = status(a, &task_id(p)?).await?;
            let history = p.get("historyLength").and_then(Value::as_u64);
            Ok(Answer::Result(snapshot(a, &baton, history, true).await))
        }
        "ListTasks" => list(a, p).await.map(Answer::Result),
        "CancelTask" => cancel(a, &task_id(p)?).await.map(Answer::Result),
        "SubscribeToTask" => {
            let baton = status(a, &task_id(p)?).await?;
            match a.last_event_id.map(|v| v.trim().parse::<u64>()) {
                Some(Ok(after)) => Ok(Answer::Stream { baton, after, snapshot: false }),
                Some(Err(_)) => Err(RpcError::invalid_params("Last-Event-ID must be an event's number")),
                None => Ok(Answer::Stream { after: task::reached(&baton), baton, snapshot: true }),
            }
        }
        "GetTaskPushNotificationConfig" | "ListTaskPushNotificationConfigs" => {
            let id: String = jsonrpc::param(p, "taskId")?;
            let baton = status(a, &id).await?;
            let configs: Vec<Value> = baton
                .get("webhook_url")
                .and_then(Value::as_str)
                .map(|url| json!({"id": "webhook", "taskId": id, "url": url}))
                .into_iter()
                .collect();
            if call.method == "ListTaskPushNotificationConfigs" {
                return Ok(Answer::Result(json!({"configs": configs, "nextPageToken": ""})));
            }
            let wanted = p.get("id").and_then(Value::as_str).unwrap_or("webhook");
            configs.into_iter().find(|c| c["id"] == wanted).map(Answer::Result).ok_or_else(|| {
                RpcError::invalid_params(format!("task {id} has no push notification config {wanted:?}"))
            })
        }
        "CreateTaskPushNotificationConfig" | "DeleteTaskPushNotificationConfig" => Err(a2a_error(
            UNSUPPORTED_OPERATION,
            "UNSUPPORTED_OPERATION",
            "a task's push notification config is set with its message (configuration.taskPushNotificationConfig) \
             and cannot be changed afterwards",
        )),
        "GetExtendedAgentCard" => Err(a2a_error(
            EXTENDED_CARD_NOT_CONFIGURED,
            "EXTENDED_AGENT_CARD_NOT_CONFIGURED",
            "there is no extended card: the public one is complete",
        )),
        other => Err(RpcError::method_not_found(other)),
    }
}

fn task_id(params: &Value) -> Result<String, RpcError> {
    let id: String = jsonrpc::param(params, "id")?;
    Ok(id)
}

/// An API refusal as the JSON-RPC error A2A clients expect.
fn refused(status: u16, body: &Value, task: Option<&str>) -> RpcError {
    let message = body.pointer("/error/message").and_then(Value::as_str).unwrap_or("refused").to_owned();
    match (status, task) {
        (404, Some(id)) => not_found(id),
        (400 | 404 | 413, _) => RpcError::invalid_params(message),
        (409 | 410, Some(_)) => a2a_error(TASK_NOT_CANCELABLE, "TASK_NOT_CANCELABLE", message),
        _ => RpcError::new(jsonrpc::INVALID_REQUEST, format!("{message} ({status})")),
    }
}

/// Passes the baton a message asks for.
async fn send(a: &Asked<'_>, params: &Value) -> Result<Value, RpcError> {
    let message = params.get("message").ok_or_else(|| RpcError::invalid_params("params.message is required"))?;
    if message.get("taskId").and_then(Value::as_str).is_some_and(|t| !t.is_empty()) {
        return Err(a2a_error(
            UNSUPPORTED_OPERATION,
            "UNSUPPORTED_OPERATION",
            "a message to an existing task: each message starts a task of its own here (answer an agent's \
             question in baton's inbox)",
        ));
    }
    let (task_text, context) = task::pass_body(message)
        .map_err(|why| a2a_error(CONTENT_TYPE_NOT_SUPPORTED, "CONTENT_TYPE_NOT_SUPPORTED", why))?;
    let mut body = json!({"task": task_text, "context": context});
    match a.target {
        Target::Workspace => {
            if let Some(ws) = params.pointer("/metadata/workspace_id").filter(|v| !v.is_null()) {
                body["workspace_id"] = ws.clone();
            }
        }
        Target::Project(id) => body["to"] = json!({"project": id}),
        Target::Worker(id) => body["to"] = json!({"worker": id}),
    }
    if let Some(push) = params.pointer("/configuration/taskPushNotificationConfig") {
        let url = push.get("url").and_then(Value::as_str).unwrap_or_default();
        let secret = push.get("token").and_then(Value::as_str).unwrap_or_default();
        if secret.is_empty() {
            return Err(RpcError::invalid_params(
                "taskPushNotificationConfig.token is required: it signs the notifications (X-Baton-Signature-256)",
            ));
        }
        body["webhook"] = json!({"url": url, "secret": secret});
    }
    let mut call = post(a.origin, "/api/pass".into(), body);
    if let Some(id) = message.get("messageId").and_then(Value::as_str).filter(|m| !m.is_empty()) {
        call.headers.push(("idempotency-key", format!("a2a:{id}")));
    }
    let (code, passed) = api(a.ctx, a.who, call).await;
    if code >= 300 {
        return Err(refused(code, &passed, None));
    }
    let id = passed["baton_id"].as_str().unwrap_or_default().to_owned();
    status(a, &id).await
}

/// The baton `id` as the caller may see it.
async fn status(a: &Asked<'_>, id: &str) -> Result<Value, RpcError> {
    read_status(a.ctx, a.who, a.origin, id).await
}

/// A task id goes into an API path: only what a baton id can be, so it never changes the route.
fn require_task_id(id: &str) -> Result<(), RpcError> {
    let safe = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if safe {
        Ok(())
    } else {
        Err(not_found(id))
    }
}

async fn read_status(ctx: &Ctx, who: &Principal, origin: &str, id: &str) -> Result<Value, RpcError> {
    require_task_id(id)?;
    let (code, baton) = api(ctx, who, get(origin, format!("/api/status/{id}"))).await;
    if code != 200 {
        return Err(refused(code, &baton, Some(id)));
    }
    Ok(baton)
}

/// Whether the baton's session waits for a person now.
async fn input_pending(ctx: &Ctx, who: &Principal, origin: &str, baton: &Value) -> bool {
    let Some(session) = baton.get("session_id").and_then(Value::as_i64) else { return false };
    if baton["status"] != "caught" {
        return false;
    }
    let path = format!("/api/sessions/{session}/inputs?status=pending&limit=1");
    let (code, page) = api(ctx, who, get(origin, path)).await;
    code == 200 && page["items"].as_array().is_some_and(|i| !i.is_empty())
}

async fn snapshot(a: &Asked<'_>, baton: &Value, history: Option<u64>, artifacts: bool) -> Value {
    let pending = input_pending(a.ctx, a.who, a.origin, baton).await;
    task::task(baton, pending, history, artifacts)
}

/// Reads the baton again until it ends or waits for a person, or [`BLOCKING_WAIT_MS`] passed.
async fn wait_until_settled(a: &Asked<'_>, mut baton: Value) -> Value {
    let deadline = clock::now_ms() + BLOCKING_WAIT_MS;
    while !task::is_final(&baton) && clock::now_ms() < deadline {
        if input_pending(a.ctx, a.who, a.origin, &baton).await {
            break;
        }
        worker::Delay::from(POLL).await;
        let id = baton["baton_id"].as_str().unwrap_or_default().to_owned();
        match status(a, &id).await {
            Ok(now) => baton = now,
            Err(_) => break,
        }
    }
    baton
}

async fn list(a: &Asked<'_>, p: &Value) -> Result<Value, RpcError> {
    let page_size = p.get("pageSize").and_then(Value::as_u64).unwrap_or(50).clamp(1, 100);
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("passed_by", "me").append_pair("limit", &page_size.to_string());
    if let Some(token) = p.get("pageToken").and_then(Value::as_str).filter(|t| !t.is_empty()) {
        query.append_pair("cursor", token);
    }
    if let Some(state) = p.get("status").and_then(Value::as_str) {
        let status = task::baton_status_of(state)
            .ok_or_else(|| RpcError::invalid_params(format!("status {state:?} is not a task state tasks can have")))?;
        query.append_pair("status", status);
    }
    let (code, page) = api(a.ctx, a.who, get(a.origin, format!("/api/batons?{}", query.finish()))).await;
    if code != 200 {
        return Err(refused(code, &page, None));
    }
    let history = p.get("historyLength").and_then(Value::as_u64);
    let artifacts = p.get("includeArtifacts").and_then(Value::as_bool) == Some(true);
    let mut tasks = Vec::new();
    for baton in page["items"].as_array().into_iter().flatten() {
        tasks.push(task::task(baton, false, history, artifacts));
    }
    let next = page["next_cursor"].as_str().unwrap_or_default();
    // The total is not counted (that would read every row): a page's own size, and the next
    // page's token while there is one.
    Ok(json!({"tasks": tasks, "nextPageToken": next, "pageSize": page_size, "totalSize": tasks.len()}))
}

/// The API's cancel is idempotent already (a cancelled baton answers its record again).
async fn cancel(a: &Asked<'_>, id: &str) -> Result<Value, RpcError> {
    require_task_id(id)?;
    let (code, body) = api(
        a.ctx,
        a.who,
        ApiCall {
            origin: a.origin,
            method: Method::Post,
            path: format!("/api/cancel/{id}"),
            body: None,
            headers: Vec::new(),
        },
    )
    .await;
    if code >= 300 {
        return Err(refused(code, &body, Some(id)));
    }
    Ok(task::task(&body, false, None, true))
}

// ---- Streams ----

/// Streams a baton's events after number `after` (first the task as it stands, when
/// `snapshot`), reading it again once a second until it ends or [`STREAM_MS`] passed.
fn stream(
    ctx: &Ctx,
    who: Principal,
    origin: String,
    id: Value,
    baton: Value,
    after: u64,
    snapshot: bool,
) -> ApiResult<Response> {
    struct Follow {
        ctx: Ctx,
        who: Principal,
        origin: String,
        id: Value,
        baton: Value,
        sent: u64,
        queue: std::collections::VecDeque<Vec<u8>>,
        deadline: i64,
        last_write: i64,
        done: bool,
    }
    let mut follow = Follow {
        ctx: ctx.fork()?,
        who,
        origin,
        id,
        baton,
        sent: after,
        queue: Default::default(),
        deadline: clock::now_ms() + STREAM_MS,
        last_write: clock::now_ms(),
        done: false,
    };
    if snapshot {
        let mut current = task::task(&follow.baton, false, None, true);
        current["metadata"]["baton"]["seq"] = json!(after);
        follow.queue.push_back(frame(&follow.id, after, &json!({"task": current})));
    }
    let frames = futures_util::stream::unfold(follow, |mut f| async move {
        loop {
            if let Some(bytes) = f.queue.pop_front() {
                f.last_write = clock::now_ms();
                return Some((Ok::<Vec<u8>, worker::Error>(bytes), f));
            }
            if f.done {
                return None;
            }
            for (n, event) in task::events_after(&f.baton, f.sent) {
                f.queue.push_back(frame(&f.id, n, &event));
                f.sent = n;
            }
            if task::is_final(&f.baton) || clock::now_ms() >= f.deadline {
                f.done = true;
                continue;
            }
            if !f.queue.is_empty() {
                continue;
            }
            if clock::now_ms() - f.last_write >= KEEPALIVE_MS {
                f.queue.push_back(protocol::sse::KEEPALIVE.as_bytes().to_vec());
                continue;
            }
            worker::Delay::from(POLL).await;
            let id = f.baton["baton_id"].as_str().unwrap_or_default().to_owned();
            match read_status(&f.ctx, &f.who, &f.origin, &id).await {
                Ok(now) => f.baton = now,
                Err(_) => f.done = true,
            }
        }
    });
    let mut response = Response::from_stream(frames)?;
    let headers = response.headers_mut();
    headers.set("content-type", "text/event-stream")?;
    headers.set("cache-control", "no-cache, no-transform")?;
    Ok(response)
}

/// One SSE frame: the event's number as its `id:`, the JSON-RPC response as its data.
fn frame(request_id: &Value, n: u64, event: &Value) -> Vec<u8> {
    let data = jsonrpc::result(request_id, event.clone());
    format!("id: {n}\ndata: {data}\n\n").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_refusals_become_a2a_errors() {
        let body = json!({"error": {"code": "not_found", "message": "not found: baton"}});
        assert_eq!(refused(404, &body, Some("bt_x")).code, TASK_NOT_FOUND);
        assert_eq!(refused(409, &body, Some("bt_x")).code, TASK_NOT_CANCELABLE);
        assert_eq!(refused(400, &body, None).code, jsonrpc::INVALID_PARAMS);
        assert_eq!(refused(403, &body, None).code, jsonrpc::INVALID_REQUEST);
        let info = &not_found("bt_x").data.unwrap()[0];
        assert_eq!(
            (info["@type"].as_str(), info["reason"].as_str()),
            (Some("type.googleapis.com/google.rpc.ErrorInfo"), Some("TASK_NOT_FOUND"))
        );
    }

    #[test]
    fn a_frame_numbers_its_event() {
        let text = String::from_utf8(frame(&json!("r1"), 3, &json!({"statusUpdate": {}}))).unwrap();
        assert!(text.starts_with("id: 3\ndata: {"), "{text}");
        assert!(text.ends_with("}\n\n") && text.contains("\"id\":\"r1\""), "{text}");
    }
}
