//! The MCP server at `POST /mcp`: the Streamable HTTP transport, stateless (no
//! `Mcp-Session-Id` is ever issued, so any isolate serves any request).
//!
//! Both handshakes are answered: `server/discover` of revision 2026-07-28 (no session, every
//! request self-contained) and `initialize` of revision 2025-11-25 for clients that still use
//! it. Results always carry 2026-07-28's `resultType` (and `ttlMs`/`cacheScope` on lists and
//! reads): older clients ignore members they do not know.
//!
//! Auth is the API's own: a Bearer token (personal, worker or session token) on every request;
//! the login cookie is refused, so a web page can never drive a tool. Each tool is an API call
//! made through [`crate::app::call_as`] as the caller, so a tool sees and does exactly what the
//! token may over HTTP; an API error becomes a tool error (`isError`) with the API's message.
//!
//! Answers are JSON, except for the tools that wait for an agent's turn (`wait_for_turn`,
//! `delegate`): they answer an event stream with `notifications/progress` while the agent
//! works (when the call gave a `progressToken`), then the result. No `id:` lines: a stateless
//! server cannot resume a stream, and a client that saw none does not try.
//!
//! Resources: `baton://projects/{project_id}/plan` (requirements and tasks as Markdown) and
//! `baton://sessions/{session}/transcript` (the newest 200 events).

use std::cell::OnceCell;
use std::time::Duration;

use protocol::handle::{Handle, HandleKind};
use protocol::turn::Outcome;
use serde_json::{json, Value};
use worker::{Request, Response};

use super::jsonrpc::{self, Call, RpcError};
use super::tools::{self, ApiTool};
use super::wait::{Step, TurnWait};
use super::{api, get, post};
use crate::access::auth::Principal;
use crate::app::{self, Call as ApiCall};
use crate::http::body;
use crate::http::error::ApiResult;
use crate::http::routes::Method;
use crate::platform::context::Ctx;

/// The revisions of the stateless form this server speaks.
pub const MODERN_VERSIONS: &[&str] = &["2026-07-28"];
/// The revisions of the `initialize` handshake it accepts; it answers with the client's own
/// when listed, else the newest.
pub const HANDSHAKE_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
/// JSON-RPC code of an unsupported protocol version (revision 2026-07-28).
const UNSUPPORTED_VERSION: i64 = -32022;

/// What the server tells an agent on connecting.
const INSTRUCTIONS: &str = "baton: plan work (requirements R-N, tasks T-N with dependencies), hand it to \
    coding agents on workers (W-N) and follow their sessions (S-N). Start with list_workspaces and \
    list_projects; delegate gives a worker a brief and waits for its agent's answer; pass_baton hands \
    work to whoever catches it.";

/// Longest a waiting tool waits by default, and at most (the work goes on after it).
const DEFAULT_WAIT_S: u64 = 600;
const MAX_WAIT_S: u64 = 3600;

/// Serves `POST /mcp`.
pub async fn serve(ctx: &Ctx, req: &mut Request) -> ApiResult<Response> {
    let who = super::bearer(ctx, req).await?;
    let header_version = req.headers().get("mcp-protocol-version").ok().flatten();
    if let Some(version) = &header_version {
        if !MODERN_VERSIONS.contains(&version.as_str()) && !HANDSHAKE_VERSIONS.contains(&version.as_str()) {
            let err = RpcError::new(UNSUPPORTED_VERSION, format!("protocol version {version:?} is not supported"))
                .with_data(json!({"supported": supported(), "requested": version}));
            return Ok(rpc_response(&jsonrpc::error(&Value::Null, &err), 400));
        }
    }
    let bytes = match body::read_limited(req, body::MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) => {
            let rpc = RpcError::new(jsonrpc::INVALID_REQUEST, err.message.clone());
            return Ok(rpc_response(&jsonrpc::error(&Value::Null, &rpc), err.status()));
        }
    };
    let call = match jsonrpc::parse(&bytes) {
        Ok(call) => call,
        Err((id, err)) => return Ok(rpc_response(&jsonrpc::error(&id, &err), 400)),
    };
    let Some(id) = call.id.clone() else {
        // A notification (`notifications/initialized`, `notifications/cancelled`): nothing to say.
        return Ok(Response::empty()?.with_status(202));
    };
    let origin = crate::access::origin::public(ctx, req)?;
    let accepts_stream = req
        .headers()
        .get("accept")
        .ok()
        .flatten()
        .is_some_and(|a| a.to_ascii_lowercase().contains("text/event-stream"));
    match answer(ctx, &who, &origin, &call, accepts_stream).await {
        Ok(Answer::Result(result)) => Ok(rpc_response(&jsonrpc::result(&id, complete(result)), 200)),
        Ok(Answer::Waiting(wait)) => stream_wait(id, *wait),
        Err(err) => {
            let status = match err.code {
                jsonrpc::METHOD_NOT_FOUND => 404,
                jsonrpc::INVALID_PARAMS | jsonrpc::INVALID_REQUEST => 400,
                _ => 200,
            };
            Ok(rpc_response(&jsonrpc::error(&id, &err), status))
        }
    }
}

fn supported() -> Vec<&'static str> {
    MODERN_VERSIONS.iter().chain(HANDSHAKE_VERSIONS).copied().collect()
}

fn rpc_response(body: &Value, status: u16) -> Response {
    crate::http::respond::raw_json(body.to_string().into_bytes(), status)
}

/// Every result is complete (2026-07-28 also knows "input required", which this server never
/// answers).
fn complete(mut result: Value) -> Value {
    if let Value::Object(map) = &mut result {
        map.insert("resultType".into(), json!("complete"));
    }
    result
}

/// A list or a read: never cached by the client (what it lists changes with every write).
fn uncached(mut result: Value) -> Value {
    if let Value::Object(map) = &mut result {
        map.insert("ttlMs".into(), json!(0));
        map.insert("cacheScope".into(), json!("private"));
    }
    result
}

enum Answer {
    Result(Value),
    Waiting(Box<Waiting>),
}

/// A tool call that waits for a turn: what is known so far, and the wait.
struct Waiting {
    started: Value,
    wait: TurnWait,
    progress_token: Option<Value>,
    /// Whether to stream (else the answer comes whole at the end).
    stream: bool,
}

async fn answer(ctx: &Ctx, who: &Principal, origin: &str, call: &Call, stream: bool) -> Result<Answer, RpcError> {
    let p = &call.params;
    let result = match call.method.as_str() {
        "server/discover" => uncached(json!({
            "supportedVersions": MODERN_VERSIONS,
            "capabilities": capabilities(),
            "instructions": INSTRUCTIONS,
            "_meta": {"io.modelcontextprotocol/serverInfo": server_info()},
        })),
        "initialize" => {
            let asked = p.get("protocolVersion").and_then(Value::as_str).unwrap_or_default();
            let version = HANDSHAKE_VERSIONS.iter().find(|v| **v == asked).unwrap_or(&HANDSHAKE_VERSIONS[0]);
            json!({
                "protocolVersion": version,
                "capabilities": capabilities(),
                "serverInfo": server_info(),
                "instructions": INSTRUCTIONS,
            })
        }
        "ping" => json!({}),
        "tools/list" => uncached(json!({"tools": tool_list()})),
        "tools/call" => {
            let name: String = jsonrpc::param(p, "name")?;
            let args = p.get("arguments").cloned().unwrap_or_else(|| json!({}));
            let progress_token = p.pointer("/_meta/progressToken").cloned();
            return call_tool(ctx, who, origin, &name, &args, progress_token, stream).await;
        }
        "resources/list" => uncached(json!({"resources": list_resources(ctx, who, origin).await})),
        "resources/templates/list" => uncached(json!({"resourceTemplates": resource_templates()})),
        "resources/read" => {
            let uri: String = jsonrpc::param(p, "uri")?;
            uncached(json!({"contents": [read_resource(ctx, who, origin, &uri).await?]}))
        }
        other => return Err(RpcError::method_not_found(other)),
    };
    Ok(Answer::Result(result))
}

fn capabilities() -> Value {
    json!({"tools": {"listChanged": false}, "resources": {"listChanged": false}})
}

fn server_info() -> Value {
    json!({"name": "baton", "title": "baton", "version": env!("CARGO_PKG_VERSION")})
}

// ---- Tools ----

thread_local! {
    /// `tools/list`, built once per isolate from the OpenAPI document.
    static TOOL_LIST: OnceCell<Value> = const { OnceCell::new() };
}

fn tool_list() -> Value {
    TOOL_LIST.with(|cell| cell.get_or_init(build_tool_list).clone())
}

fn build_tool_list() -> Value {
    let doc = tools::document();
    let mut list: Vec<Value> = tools::API_TOOLS
        .iter()
        .map(|tool| {
            json!({
                "name": tool.name,
                "description": tool.description,
                "inputSchema": tools::input_schema(&doc, tool),
                "annotations": annotations(tool),
            })
        })
        .collect();
    list.extend(waiting_tools());
    Value::Array(list)
}

fn annotations(tool: &ApiTool) -> Value {
    let read_only = tool.method == Method::Get && tool.name != "catch_baton";
    json!({"readOnlyHint": read_only, "destructiveHint": false, "openWorldHint": false})
}

fn waiting_tools() -> Vec<Value> {
    let timeout = json!({
        "type": "integer", "minimum": 1, "maximum": MAX_WAIT_S,
        "description": format!("Stop waiting after this many seconds (default {DEFAULT_WAIT_S}); the work goes on."),
    });
    vec![
        json!({
            "name": "delegate",
            "description": "Hand a piece of work to a worker's coding agent in a new session, and (unless \
                wait=false) wait for its answer, reporting progress while it works. The brief is all the \
                agent gets: say what to do, where, and what to reply.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "worker": {"type": ["string", "integer"], "description": "The worker: W-N or its numeric id (list_workers)."},
                    "brief": {"type": "string", "minLength": 1},
                    "name": {"type": "string", "description": "A name for the session (default: the brief's first line)."},
                    "task": {"type": "string", "description": "The task the work is for (T-N): its cost adds to the task's."},
                    "permissions": {"type": "string", "enum": ["ask", "allow_all", "plan"]},
                    "wait": {"type": "boolean", "default": true},
                    "timeout_seconds": timeout,
                },
                "required": ["worker", "brief"],
                "additionalProperties": false,
            },
            "annotations": {"readOnlyHint": false, "destructiveHint": false, "openWorldHint": false},
        }),
        json!({
            "name": "wait_for_turn",
            "description": "Wait until the agent's turn on a message ends (send_message answered its seq) and \
                give its final message or error, reporting progress while it works.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "session": {"type": ["string", "integer"], "description": "S-N or its numeric id."},
                    "message_seq": {"type": "integer", "minimum": 1},
                    "timeout_seconds": timeout,
                },
                "required": ["session", "message_seq"],
                "additionalProperties": false,
            },
            "annotations": {"readOnlyHint": true, "destructiveHint": false, "openWorldHint": false},
        }),
    ]
}

async fn call_tool(
    ctx: &Ctx,
    who: &Principal,
    origin: &str,
    name: &str,
    args: &Value,
    progress_token: Option<Value>,
    stream: bool,
) -> Result<Answer, RpcError> {
    if let Some(tool) = tools::api_tool(name) {
        let planned = match tools::plan(&tools::document(), tool, args) {
            Ok(planned) => planned,
            Err(why) => return Ok(Answer::Result(tool_error(&why))),
        };
        let headers = planned.idempotency_key.map(|k| vec![("idempotency-key", k)]).unwrap_or_default();
        let call = ApiCall { origin, method: planned.method, path: planned.path, body: planned.body, headers };
        let (status, body) = api(ctx, who, call).await;
        return Ok(Answer::Result(api_result(status, body)));
    }
    let answer = match name {
        "delegate" => delegate(ctx, who, origin, args).await,
        "wait_for_turn" => wait_for_turn(ctx, who, origin, args).await,
        _ => return Err(RpcError::invalid_params(format!("unknown tool {name:?}: tools/list names them"))),
    };
    Ok(match answer {
        Ok(Answer::Waiting(waiting)) => Answer::Waiting(Box::new(Waiting { progress_token, stream, ..*waiting })),
        Ok(answer) => answer,
        Err(refused) => Answer::Result(refused),
    })
}

/// A waiting tool's wait, once it started (the caller's progress token and transport are
/// filled in by [`call_tool`]).
fn waiting(started: Value, wait: TurnWait) -> Answer {
    Answer::Waiting(Box::new(Waiting { started, wait, progress_token: None, stream: false }))
}

/// A tool's result from an API answer: the JSON as text and, for an object, as structured
/// content; an error answer is a tool error carrying the API's message and code.
fn api_result(status: u16, body: Value) -> Value {
    if status >= 400 {
        let message = body.pointer("/error/message").and_then(Value::as_str).unwrap_or("the API refused the call");
        let code = body.pointer("/error/code").and_then(Value::as_str).unwrap_or("error");
        return tool_error(&format!("{code} ({status}): {message}"));
    }
    let text = if body.is_null() { "done".to_owned() } else { body.to_string() };
    let mut result = json!({"content": [{"type": "text", "text": text}], "isError": false});
    if body.is_object() {
        result["structuredContent"] = body;
    }
    result
}

fn tool_error(message: &str) -> Value {
    json!({"content": [{"type": "text", "text": message}], "isError": true})
}

/// `W-2`, `S-4` or a plain number, as a row id.
fn id_of(value: Option<&Value>, kind: HandleKind, name: &str) -> Result<i64, Value> {
    let parsed = match value {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s
            .parse::<i64>()
            .ok()
            .or_else(|| s.parse::<Handle>().ok().filter(|h| h.kind == kind).and_then(|h| i64::try_from(h.number).ok())),
        _ => None,
    };
    parsed
        .filter(|n| *n > 0)
        .ok_or_else(|| tool_error(&format!("{name} must be {}-N or a positive integer", kind.prefix())))
}

fn timeout_of(args: &Value) -> Result<Duration, Value> {
    match args.get("timeout_seconds") {
        None | Some(Value::Null) => Ok(Duration::from_secs(DEFAULT_WAIT_S)),
        Some(v) => v
            .as_u64()
            .filter(|s| (1..=MAX_WAIT_S).contains(s))
            .map(Duration::from_secs)
            .ok_or_else(|| tool_error(&format!("timeout_seconds must be 1 to {MAX_WAIT_S}"))),
    }
}

/// Opens the wait of message `seq`'s turn in session `session`.
async fn open_wait(
    ctx: &Ctx,
    who: &Principal,
    origin: &str,
    session: i64,
    seq: u64,
    timeout: Duration,
) -> Result<TurnWait, Value> {
    let stream = app::call_as(ctx, who, get(origin, format!("/api/sessions/{session}/stream?after={seq}"))).await;
    if stream.status_code() != 200 {
        let mut stream = stream;
        let status = stream.status_code();
        let body = stream.text().await.ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
        return Err(api_result(status, body));
    }
    Ok(TurnWait::new(stream, seq, timeout))
}

/// `wait_for_turn`: an error is the tool's result.
async fn wait_for_turn(ctx: &Ctx, who: &Principal, origin: &str, args: &Value) -> Result<Answer, Value> {
    let session = id_of(args.get("session"), HandleKind::Session, "session")?;
    let seq = args
        .get("message_seq")
        .and_then(Value::as_u64)
        .filter(|s| *s > 0)
        .ok_or_else(|| tool_error("message_seq must be a positive integer (send_message answers it)"))?;
    let timeout = timeout_of(args)?;
    if let Some(extra) = args
        .as_object()
        .and_then(|m| m.keys().find(|k| !["session", "message_seq", "timeout_seconds"].contains(&k.as_str())))
    {
        return Err(tool_error(&format!("unknown argument {extra}")));
    }
    let wait = open_wait(ctx, who, origin, session, seq, timeout).await?;
    Ok(waiting(json!({"session": format!("S-{session}"), "session_id": session, "message_seq": seq}), wait))
}

/// `delegate`: a worker's project gets a session, the session the brief; an error is the tool's
/// result.
async fn delegate(ctx: &Ctx, who: &Principal, origin: &str, args: &Value) -> Result<Answer, Value> {
    const KNOWN: [&str; 7] = ["worker", "brief", "name", "task", "permissions", "wait", "timeout_seconds"];
    if let Some(extra) = args.as_object().and_then(|m| m.keys().find(|k| !KNOWN.contains(&k.as_str()))) {
        return Err(tool_error(&format!("unknown argument {extra}")));
    }
    let worker_id = id_of(args.get("worker"), HandleKind::Worker, "worker")?;
    let brief = args.get("brief").and_then(Value::as_str).map(str::trim).filter(|b| !b.is_empty());
    let brief =
        brief.ok_or_else(|| tool_error("brief must be a non-empty string: what to do, where, what to reply"))?;
    let wait =
        args.get("wait").map_or(Some(true), Value::as_bool).ok_or_else(|| tool_error("wait must be a boolean"))?;
    let timeout = timeout_of(args)?;
    let (status, worker) = api(ctx, who, get(origin, format!("/api/workers/{worker_id}"))).await;
    if status != 200 {
        return Err(api_result(status, worker));
    }
    let name = match args.get("name").and_then(Value::as_str) {
        Some(name) => name.to_owned(),
        None => protocol::api::session_name(brief),
    };
    let mut body = json!({"project_id": worker["project_id"], "worker_id": worker_id, "name": name});
    for key in ["task", "permissions"] {
        if let Some(v) = args.get(key).filter(|v| !v.is_null()) {
            body[key] = v.clone();
        }
    }
    let (status, session) = api(ctx, who, post(origin, "/api/sessions".into(), body)).await;
    if status >= 300 {
        return Err(api_result(status, session));
    }
    let session_id = session["id"].as_i64().unwrap_or_default();
    let path = format!("/api/sessions/{session_id}/messages");
    let (status, posted) = api(ctx, who, post(origin, path, json!({"text": brief}))).await;
    if status >= 300 {
        return Err(api_result(status, posted));
    }
    let Some(seq) = posted.get("seq").and_then(Value::as_u64) else {
        return Err(tool_error("the message was posted but its answer had no seq"));
    };
    let started = json!({
        "session": session["handle"],
        "session_id": session_id,
        "worker": worker["handle"],
        "worker_online": worker["online"],
        "message_seq": seq,
    });
    if !wait {
        let text = format!(
            "Delegated as {}: read_transcript or wait_for_turn (message_seq {seq}) follow it.",
            session["handle"].as_str().unwrap_or_default()
        );
        let result =
            json!({"content": [{"type": "text", "text": text}], "structuredContent": started, "isError": false});
        return Ok(Answer::Result(result));
    }
    let wait = open_wait(ctx, who, origin, session_id, seq, timeout).await?;
    Ok(waiting(started, wait))
}

/// The result of a finished wait.
fn waited_result(mut started: Value, last: Option<Step>) -> Value {
    let (text, is_error) = match last {
        Some(Step::Finished(Outcome::Answer(answer))) => {
            started["answer"] = json!(answer);
            (if answer.is_empty() { "(the agent wrote no message)".to_owned() } else { answer }, false)
        }
        Some(Step::Finished(Outcome::Error(error))) => {
            started["error"] = json!(error);
            (format!("the turn failed: {error}"), true)
        }
        Some(Step::Stopped(why)) => {
            started["stopped"] = json!(why);
            (format!("{why}; follow it with read_transcript"), false)
        }
        _ => {
            started["stopped"] = json!("the wait ended");
            ("the wait ended; follow it with read_transcript".to_owned(), false)
        }
    };
    json!({"content": [{"type": "text", "text": text}], "structuredContent": started, "isError": is_error})
}

fn progress_frame(token: &Value, n: u64, message: &str) -> Vec<u8> {
    let note = jsonrpc::notification(
        "notifications/progress",
        json!({"progressToken": token, "progress": n, "message": message}),
    );
    format!("event: message\ndata: {note}\n\n").into_bytes()
}

/// Answers a waiting tool: an event stream of progress then the result, or (for a client that
/// takes no stream) the result alone once the wait is over.
fn stream_wait(id: Value, waiting: Waiting) -> ApiResult<Response> {
    let Waiting { started, wait, progress_token, stream } = waiting;
    struct State {
        id: Value,
        started: Option<Value>,
        wait: TurnWait,
        token: Option<Value>,
        stream: bool,
        count: u64,
    }
    let state = State { id, started: Some(started), wait, token: progress_token, stream, count: 0 };
    let frames = futures_util::stream::unfold(state, |mut s| async move {
        loop {
            let started = s.started.take()?;
            let step = s.wait.next().await;
            let last = match step {
                Some(Step::Progress(text)) => (text, false),
                Some(Step::Asked { request_id, text }) => (
                    format!(
                        "waiting for a person: {text} (answer it: session {}, request_id {request_id})",
                        started["session"].as_str().unwrap_or_default()
                    ),
                    false,
                ),
                final_step => {
                    let answer = jsonrpc::result(&s.id, complete(waited_result(started, final_step)));
                    let bytes = match s.stream {
                        true => format!("event: message\ndata: {answer}\n\n").into_bytes(),
                        false => answer.to_string().into_bytes(),
                    };
                    return Some((Ok::<Vec<u8>, worker::Error>(bytes), s));
                }
            };
            s.started = Some(started);
            if let (true, Some(token)) = (s.stream, &s.token) {
                s.count += 1;
                let frame = progress_frame(token, s.count, &last.0);
                return Some((Ok(frame), s));
            }
        }
    });
    let mut response = Response::from_stream(frames)?;
    let content_type = if stream { "text/event-stream" } else { "application/json" };
    let headers = response.headers_mut();
    headers.set("content-type", content_type)?;
    headers.set("cache-control", "no-cache, no-transform")?;
    Ok(response)
}

// ---- Resources ----

fn resource_templates() -> Value {
    json!([
        {
            "uriTemplate": "baton://projects/{project_id}/plan",
            "name": "plan",
            "title": "A project's plan",
            "description": "The project's requirements (R-N) and their tasks (T-N), with status and dependencies.",
            "mimeType": "text/markdown",
        },
        {
            "uriTemplate": "baton://sessions/{session}/transcript",
            "name": "transcript",
            "title": "A session's transcript",
            "description": "The newest 200 events of a session (S-N): messages, the agent's work, turn ends.",
            "mimeType": "text/markdown",
        },
    ])
}

/// The plans of the projects the caller sees (the first page of each of its workspaces).
async fn list_resources(ctx: &Ctx, who: &Principal, origin: &str) -> Vec<Value> {
    let (_, workspaces) = api(ctx, who, get(origin, "/api/workspaces?limit=50".into())).await;
    let mut out = Vec::new();
    for ws in workspaces["items"].as_array().into_iter().flatten() {
        let path = format!("/api/workspaces/{}/projects?limit=50", ws["id"]);
        let (_, projects) = api(ctx, who, get(origin, path)).await;
        for p in projects["items"].as_array().into_iter().flatten() {
            out.push(json!({
                "uri": format!("baton://projects/{}/plan", p["id"]),
                "name": format!("plan of {}", p["name"].as_str().unwrap_or_default()),
                "mimeType": "text/markdown",
            }));
        }
    }
    out
}

async fn read_resource(ctx: &Ctx, who: &Principal, origin: &str, uri: &str) -> Result<Value, RpcError> {
    let not_found = || RpcError::invalid_params(format!("no resource {uri:?}")).with_data(json!({"uri": uri}));
    let rest = uri.strip_prefix("baton://").ok_or_else(not_found)?;
    let parts: Vec<&str> = rest.split('/').collect();
    let text = match parts.as_slice() {
        ["projects", id, "plan"] => {
            let id: i64 = id.parse().ok().filter(|n| *n > 0).ok_or_else(not_found)?;
            let (status, project) = api(ctx, who, get(origin, format!("/api/projects/{id}"))).await;
            if status != 200 {
                return Err(not_found());
            }
            let (_, reqs) = api(ctx, who, get(origin, format!("/api/projects/{id}/requirements?limit=200"))).await;
            let (_, tasks) = api(ctx, who, get(origin, format!("/api/projects/{id}/tasks?limit=200"))).await;
            super::render::plan(&project, &reqs["items"], &tasks["items"])
        }
        ["sessions", session, "transcript"] => {
            let id = id_of(Some(&json!(session)), HandleKind::Session, "session").map_err(|_| not_found())?;
            // The newest 200 events, oldest first, in one read.
            let path = format!("/api/sessions/{id}/events?before={}&limit=200", i64::MAX);
            let (status, page) = api(ctx, who, get(origin, path)).await;
            if status != 200 {
                return Err(not_found());
            }
            super::render::transcript(&format!("S-{id}"), &page["items"])
        }
        _ => return Err(not_found()),
    };
    Ok(json!({"uri": uri, "mimeType": "text/markdown", "text": text}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tool_list_has_every_api_tool_and_the_waiting_ones_with_object_schemas() {
        let list = build_tool_list();
        let names: Vec<&str> = list.as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(names.len(), tools::API_TOOLS.len() + 2);
        assert!(names.contains(&"delegate") && names.contains(&"wait_for_turn") && names.contains(&"create_task"));
        for tool in list.as_array().unwrap() {
            assert_eq!(tool["inputSchema"]["type"], "object", "{}", tool["name"]);
            assert!(tool["description"].as_str().is_some_and(|d| d.len() > 10), "{}", tool["name"]);
        }
    }

    #[test]
    fn an_api_error_is_a_tool_error_with_its_message() {
        let refused = api_result(404, json!({"error": {"code": "not_found", "message": "not found: task 9"}}));
        assert_eq!(refused["isError"], true);
        assert_eq!(refused["content"][0]["text"], "not_found (404): not found: task 9");
        let ok = api_result(200, json!({"id": 1}));
        assert_eq!((ok["isError"].clone(), ok["structuredContent"]["id"].clone()), (json!(false), json!(1)));
        let list = api_result(200, json!([1]));
        assert!(list.get("structuredContent").is_none(), "structured content is an object only");
    }

    #[test]
    fn ids_are_handles_of_their_kind_or_numbers() {
        assert_eq!(id_of(Some(&json!("W-3")), HandleKind::Worker, "worker"), Ok(3));
        assert_eq!(id_of(Some(&json!(4)), HandleKind::Worker, "worker"), Ok(4));
        assert!(id_of(Some(&json!("S-3")), HandleKind::Worker, "worker").is_err());
        assert!(id_of(Some(&json!(0)), HandleKind::Worker, "worker").is_err());
        assert!(id_of(None, HandleKind::Worker, "worker").is_err());
    }

    #[test]
    fn a_finished_wait_answers_the_agents_message_or_its_error() {
        let started = json!({"session": "S-1"});
        let done = waited_result(started.clone(), Some(Step::Finished(Outcome::Answer("42".into()))));
        assert_eq!((done["isError"].clone(), done["structuredContent"]["answer"].clone()), (json!(false), json!("42")));
        let failed = waited_result(started.clone(), Some(Step::Finished(Outcome::Error("boom".into()))));
        assert_eq!(failed["isError"], true);
        let stopped = waited_result(started, Some(Step::Stopped("timed out: the turn goes on".into())));
        assert_eq!(stopped["structuredContent"]["stopped"], "timed out: the turn goes on");
        assert_eq!(protocol::api::session_name(&"x".repeat(80)).chars().count(), 60);
    }

    #[test]
    fn results_say_they_are_complete_and_lists_are_never_cached() {
        let r = uncached(complete(json!({"tools": []})));
        assert_eq!(
            (r["resultType"].clone(), r["ttlMs"].clone(), r["cacheScope"].clone()),
            (json!("complete"), json!(0), json!("private"))
        );
    }
}
