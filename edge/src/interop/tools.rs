//! The API as tools: which API operations an agent may call by name over MCP, their input
//! schemas, and how a tool's arguments become one API call. Pure: unit-tested natively.
//!
//! A tool is an operation of `edge/openapi.json` under a name and a description written for
//! agents. Its input schema is *derived* from the document (path parameters under the tool's
//! own names, query parameters, the request body's properties, `$ref`s inlined), so the API
//! and its tools never disagree on a field; the call itself goes through the same route table,
//! checks and handlers as over HTTP ([`crate::app::call_as`]).
//!
//! Tools that are more than one call (delegating and waiting for the answer) are written in
//! [`super::mcp`]; their schemas are here too, so `tools/list` is one table.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::http::routes::Method;

/// One tool that is one API operation.
pub struct ApiTool {
    pub name: &'static str,
    pub description: &'static str,
    pub method: Method,
    /// The operation's path as the OpenAPI document writes it (`/api/tasks/{id}`).
    pub path: &'static str,
    /// The tool's names for the path's parameters, in order (`id` is rarely clear to an agent).
    pub path_args: &'static [&'static str],
}

const fn tool(
    name: &'static str,
    method: Method,
    path: &'static str,
    path_args: &'static [&'static str],
    description: &'static str,
) -> ApiTool {
    ApiTool { name, description, method, path, path_args }
}

use Method::{Get, Patch, Post};

/// Every tool that is one API operation, in the order `tools/list` shows them.
pub const API_TOOLS: &[ApiTool] = &[
    tool("list_workspaces", Get, "/api/workspaces", &[], "The workspaces you can see (start here to find a project)."),
    tool("list_projects", Get, "/api/workspaces/{id}/projects", &["workspace_id"], "The projects of a workspace."),
    tool(
        "list_requirements",
        Get,
        "/api/projects/{id}/requirements",
        &["project_id"],
        "A project's requirements (R-N), the what and why of the plan; filter by status.",
    ),
    tool(
        "create_requirement",
        Post,
        "/api/projects/{id}/requirements",
        &["project_id"],
        "Add a requirement (R-N) to a project's plan: a title and a body saying what is wanted and why.",
    ),
    tool(
        "list_tasks",
        Get,
        "/api/projects/{id}/tasks",
        &["project_id"],
        "A project's tasks (T-N). ready=true lists only open tasks whose dependencies are all done: \
         what can be worked on now.",
    ),
    tool(
        "get_item",
        Get,
        "/api/projects/{id}/items/{handle}",
        &["project_id", "handle"],
        "Whatever a handle names in a project: R-N (a requirement) or T-N (a task), with its details.",
    ),
    tool(
        "create_task",
        Post,
        "/api/projects/{id}/tasks",
        &["project_id"],
        "Add a task (T-N) under a requirement; depends_on lists the tasks (T-N) that must be done first.",
    ),
    tool(
        "update_task",
        Patch,
        "/api/tasks/{id}",
        &["task_id"],
        "Change a task: its status (open, in_progress, done, ...), dependencies, title or body. \
         task_id is the task's numeric id.",
    ),
    tool(
        "comment_on_task",
        Post,
        "/api/tasks/{id}/comments",
        &["task_id"],
        "Write a comment on a task (progress, findings, a question for whoever reads the plan).",
    ),
    tool("list_task_comments", Get, "/api/tasks/{id}/comments", &["task_id"], "A task's comments, oldest first."),
    tool(
        "list_workers",
        Get,
        "/api/workers",
        &[],
        "The workers (W-N) of a project: machines running an agent that can take work; see online.",
    ),
    tool("list_sessions", Get, "/api/projects/{id}/sessions", &["project_id"], "A project's sessions (S-N)."),
    tool(
        "create_session",
        Post,
        "/api/sessions",
        &[],
        "Open a session in a project, on a worker (worker_id) for its agent to run; send it work with \
         send_message. To hand work over and get the answer in one step, use delegate.",
    ),
    tool(
        "send_message",
        Post,
        "/api/sessions/{id}/messages",
        &["session"],
        "Send a message into a session (S-N): its worker's agent runs a turn on it. The answer \
         arrives in the transcript (read_transcript); delegate waits for it instead.",
    ),
    tool(
        "read_transcript",
        Get,
        "/api/sessions/{id}/events",
        &["session"],
        "A page of a session's transcript (S-N): messages, the agent's events, turn ends. \
         after=SEQ reads on from an event.",
    ),
    tool(
        "pass_baton",
        Post,
        "/api/pass",
        &[],
        "Pass a baton: hand a piece of work (task, context, files) to the next agent, a project or \
         one worker. Answers the baton's id; an idempotency_key makes a retry pass it once.",
    ),
    tool(
        "list_batons",
        Get,
        "/api/batons",
        &[],
        "The batons you may see (filter by status: pending, caught, done, failed, cancelled).",
    ),
    tool(
        "catch_baton",
        Get,
        "/api/catch/{id}",
        &["baton_id"],
        "Catch a baton: take the lease on it (one holder at a time) and get its task and context. \
         Keep the lease with baton_heartbeat; end with finish_baton or fail_baton.",
    ),
    tool("baton_heartbeat", Post, "/api/heartbeat/{id}", &["baton_id"], "Extend your lease on a caught baton."),
    tool(
        "finish_baton",
        Post,
        "/api/done/{id}",
        &["baton_id"],
        "Finish a caught baton with its result (output); the same call again answers the same record.",
    ),
    tool("fail_baton", Post, "/api/fail/{id}", &["baton_id"], "Fail a caught baton, saying why (error)."),
    tool("baton_status", Get, "/api/status/{id}", &["baton_id"], "A baton's state and result; changes nothing."),
    tool("cancel_baton", Post, "/api/cancel/{id}", &["baton_id"], "Cancel a baton you passed."),
    tool(
        "inbox",
        Get,
        "/api/inputs",
        &[],
        "What waits for a person in the sessions you see: agents' questions and approval requests.",
    ),
    tool(
        "answer",
        Post,
        "/api/sessions/{id}/inputs/{request_id}",
        &["session", "request_id"],
        "Answer an agent's question or approval request from the inbox.",
    ),
];

thread_local! {
    /// The OpenAPI document, parsed once per isolate (it is some 200 KB of JSON).
    static DOCUMENT: std::rc::Rc<Value> =
        std::rc::Rc::new(serde_json::from_str(crate::openapi::DOCUMENT).unwrap_or(Value::Null));
}

/// The OpenAPI document the tools are made from.
pub fn document() -> std::rc::Rc<Value> {
    DOCUMENT.with(std::rc::Rc::clone)
}

/// The tool `name`, if it is one API operation.
pub fn api_tool(name: &str) -> Option<&'static ApiTool> {
    API_TOOLS.iter().find(|t| t.name == name)
}

/// The argument that becomes the `Idempotency-Key` header where an operation reads one.
const IDEMPOTENCY_ARG: &str = "idempotency_key";

fn operation<'d>(doc: &'d Value, tool: &ApiTool) -> Option<&'d Value> {
    doc.get("paths")?.get(tool.path)?.get(tool.method.as_str().to_ascii_lowercase())
}

/// Inlines `#/components/schemas/...` references (to a depth: the API's schemas are shallow,
/// and a cycle must not hang `tools/list`).
fn resolve(doc: &Value, schema: &Value, depth: u8) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                let name = target.trim_start_matches("#/components/schemas/");
                let found = doc.pointer(&format!("/components/schemas/{name}"));
                return match (found, depth) {
                    (Some(inner), 1..) => {
                        let mut inner = resolve(doc, inner, depth - 1);
                        if let (Value::Object(out), Some(d)) = (&mut inner, map.get("description")) {
                            out.insert("description".into(), d.clone());
                        }
                        inner
                    }
                    _ => json!({}),
                };
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), resolve(doc, v, depth))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(doc, v, depth)).collect()),
        other => other.clone(),
    }
}

/// The tool's input schema, from the operation in `doc` (the OpenAPI document).
pub fn input_schema(doc: &Value, tool: &ApiTool) -> Value {
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let Some(op) = operation(doc, tool) else { return json!({"type": "object"}) };
    let mut path_args = tool.path_args.iter();
    for param in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
        let name = param.get("name").and_then(Value::as_str).unwrap_or_default();
        match param.get("in").and_then(Value::as_str) {
            Some("path") => {
                let Some(arg) = path_args.next() else { continue };
                properties.insert(
                    (*arg).into(),
                    json!({"type": ["string", "integer"], "description": path_description(arg)}),
                );
                required.push(json!(arg));
            }
            Some("query") => {
                let mut schema = resolve(doc, param.get("schema").unwrap_or(&json!({})), 4);
                if let (Value::Object(map), Some(d)) = (&mut schema, param.get("description")) {
                    map.insert("description".into(), d.clone());
                }
                properties.insert(name.into(), schema);
                if param.get("required").and_then(Value::as_bool) == Some(true) {
                    required.push(json!(name));
                }
            }
            Some("header") if name.eq_ignore_ascii_case("idempotency-key") => {
                properties.insert(
                    IDEMPOTENCY_ARG.into(),
                    json!({"type": "string", "description": "Any unique string: a retry with the same key does the work once."}),
                );
            }
            _ => {}
        }
    }
    if let Some(body) = op.pointer("/requestBody/content/application~1json/schema") {
        let body = resolve(doc, body, 6);
        for (name, schema) in body.get("properties").and_then(Value::as_object).into_iter().flatten() {
            properties.insert(name.clone(), schema.clone());
        }
        required.extend(body.get("required").and_then(Value::as_array).into_iter().flatten().cloned());
    }
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn path_description(arg: &str) -> &'static str {
    match arg {
        "session" => "The session: S-N or its numeric id.",
        "handle" => "R-N or T-N.",
        "baton_id" => "The baton's id (bt_...), as pass_baton answered it.",
        "request_id" => "The request's id, as the inbox lists it.",
        _ => "A numeric id.",
    }
}

/// One API call made from a tool's arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    pub method: Method,
    /// The path with its query string.
    pub path: String,
    pub body: Option<Value>,
    pub idempotency_key: Option<String>,
}

/// Turns a tool's arguments into its API call, or says which argument is wrong. Path values
/// are restricted to what an id or handle can be, so an argument never changes the route.
pub fn plan(doc: &Value, tool: &ApiTool, args: &Value) -> Result<PlannedCall, String> {
    let mut args = match args {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        _ => return Err("arguments must be an object".into()),
    };
    let op = operation(doc, tool).ok_or_else(|| format!("the tool {} has no operation", tool.name))?;
    let mut path = String::new();
    let mut path_args = tool.path_args.iter();
    for segment in tool.path.split('/').skip(1) {
        path.push('/');
        if !segment.starts_with('{') {
            path.push_str(segment);
            continue;
        }
        let arg = path_args.next().ok_or("the tool's path names more parameters than it has")?;
        let value = match args.remove(*arg) {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            None | Some(Value::Null) => return Err(format!("{arg} is required")),
            Some(_) => return Err(format!("{arg} must be a string or an integer")),
        };
        let safe = !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !safe {
            return Err(format!("{arg}: {value:?} is not an id or a handle"));
        }
        path.push_str(&value);
    }
    let idempotency_key = match args.remove(IDEMPOTENCY_ARG) {
        None | Some(Value::Null) => None,
        Some(Value::String(key)) => Some(key),
        Some(_) => return Err(format!("{IDEMPOTENCY_ARG} must be a string")),
    };
    let query_names: BTreeSet<&str> = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let mut any_query = false;
    for name in &query_names {
        match args.remove(*name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                query.append_pair(name, &s);
                any_query = true;
            }
            Some(other @ (Value::Number(_) | Value::Bool(_))) => {
                query.append_pair(name, &other.to_string());
                any_query = true;
            }
            Some(_) => return Err(format!("{name} must be a string, a number or a boolean")),
        }
    }
    if any_query {
        path.push('?');
        path.push_str(&query.finish());
    }
    let body = match op.get("requestBody") {
        Some(_) => Some(Value::Object(args)),
        None if args.is_empty() => None,
        None => {
            let names: Vec<&str> = args.keys().map(String::as_str).collect();
            return Err(format!("unknown argument(s): {}", names.join(", ")));
        }
    };
    Ok(PlannedCall { method: tool.method, path, body, idempotency_key })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        serde_json::from_str(crate::openapi::DOCUMENT).unwrap()
    }

    #[test]
    fn every_tool_names_an_operation_of_the_document_and_all_its_path_parameters() {
        let doc = doc();
        let mut names = BTreeSet::new();
        for tool in API_TOOLS {
            assert!(names.insert(tool.name), "{} twice", tool.name);
            assert!(operation(&doc, tool).is_some(), "{} {} is not in openapi.json", tool.method.as_str(), tool.path);
            assert_eq!(tool.path.matches('{').count(), tool.path_args.len(), "{}", tool.name);
        }
    }

    #[test]
    fn a_schema_has_the_path_arguments_the_query_and_the_body_with_references_inlined() {
        let doc = doc();
        let schema = input_schema(&doc, api_tool("create_task").unwrap());
        let required: Vec<&str> = schema["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert_eq!(required, ["project_id", "requirement_id", "title"]);
        assert!(schema["properties"]["depends_on"].is_object());
        assert!(!schema.to_string().contains("$ref"), "{schema}");
        let list = input_schema(&doc, api_tool("list_tasks").unwrap());
        assert!(list["properties"]["ready"].is_object() && list["properties"]["cursor"].is_object());
        let inbox = input_schema(&doc, api_tool("inbox").unwrap());
        assert_eq!(inbox["required"], json!(["status"]), "a required query parameter is required: {inbox}");
        let pass = input_schema(&doc, api_tool("pass_baton").unwrap());
        assert!(pass["properties"][IDEMPOTENCY_ARG].is_object(), "{pass}");
        for tool in API_TOOLS {
            assert_eq!(input_schema(&doc, tool)["type"], "object", "{}", tool.name);
        }
    }

    #[test]
    fn arguments_become_the_path_the_query_and_the_body() {
        let doc = doc();
        let call =
            plan(&doc, api_tool("list_tasks").unwrap(), &json!({"project_id": 3, "ready": true, "status": "open"}))
                .unwrap();
        assert_eq!(
            (call.method, call.path.as_str(), call.body),
            (Get, "/api/projects/3/tasks?ready=true&status=open", None)
        );
        let call = plan(&doc, api_tool("update_task").unwrap(), &json!({"task_id": "7", "status": "done"})).unwrap();
        assert_eq!((call.path.as_str(), call.body), ("/api/tasks/7", Some(json!({"status": "done"}))));
        let call = plan(
            &doc,
            api_tool("pass_baton").unwrap(),
            &json!({"task": "t", "workspace_id": 1, "idempotency_key": "k1"}),
        )
        .unwrap();
        assert_eq!(call.idempotency_key.as_deref(), Some("k1"));
        assert_eq!(call.body, Some(json!({"task": "t", "workspace_id": 1})));
    }

    #[test]
    fn a_path_argument_cannot_change_the_route() {
        let doc = doc();
        let tool = api_tool("update_task").unwrap();
        for bad in ["../users", "7?x=1", "", "7/comments", "%2e"] {
            assert!(plan(&doc, tool, &json!({"task_id": bad})).is_err(), "{bad}");
        }
        assert!(plan(&doc, tool, &json!({})).unwrap_err().contains("task_id is required"));
        assert!(plan(&doc, tool, &json!({"task_id": [1]})).is_err());
    }

    #[test]
    fn unknown_arguments_of_an_operation_without_a_body_are_refused() {
        let doc = doc();
        let err = plan(&doc, api_tool("baton_status").unwrap(), &json!({"baton_id": "bt_1", "x": 1})).unwrap_err();
        assert!(err.contains("unknown argument(s): x"), "{err}");
        assert!(plan(&doc, api_tool("list_workspaces").unwrap(), &json!("no")).is_err());
    }
}
