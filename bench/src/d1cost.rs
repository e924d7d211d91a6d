//! D1 cost per endpoint: `rows_read` and `rows_written` as D1 reports them (the Worker
//! answers them in `x-baton-d1-rows-read` / `-written`), measured on a project that already
//! holds 60 requirements, 120 tasks with dependencies and 60 comments, so a list that scanned
//! would show it. Lists are asked for 50 items.

use anyhow::{bail, Result};
use e2e::api::{workspace_with_project, Api};
use reqwest::Method;
use serde_json::{json, Value};

pub struct Cost {
    pub call: String,
    pub read: u64,
    pub written: u64,
}

async fn measure(
    api: &Api,
    costs: &mut Vec<Cost>,
    label: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value> {
    let mut request = api.request(method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    if !response.status().is_success() {
        bail!("{label} answered {}", response.status());
    }
    let header = |name: &str| {
        response.headers().get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    let (read, written) = (header("x-baton-d1-rows-read"), header("x-baton-d1-rows-written"));
    costs.push(Cost { call: label.to_owned(), read, written });
    let bytes = response.bytes().await?;
    Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

pub async fn run(api: &Api) -> Result<Vec<Cost>> {
    let (ws, project) = workspace_with_project(api).await;
    for i in 0..60 {
        api.create(&format!("/api/projects/{project}/requirements"), json!({"title": format!("r{i}")})).await;
    }
    for i in 0..120 {
        let deps = if i > 0 { json!([format!("T-{i}")]) } else { json!([]) };
        api.create(
            &format!("/api/projects/{project}/tasks"),
            json!({"requirement_id": "R-1", "title": format!("t{i}"), "depends_on": deps}),
        )
        .await;
    }
    let first = api.fetch(&format!("/api/projects/{project}/items/T-1")).await;
    for i in 0..60 {
        api.create(&format!("/api/tasks/{}/comments", first["id"]), json!({"body": format!("c{i}")})).await;
    }

    let mut costs = Vec::new();
    let c = &mut costs;
    // Warm the per-isolate auth cache the way a real client would, then measure from cold too.
    measure(api, c, "GET /api/auth/me", Method::GET, "/api/auth/me", None).await?;
    measure(api, c, "GET /api/workspaces?limit=50", Method::GET, "/api/workspaces?limit=50", None).await?;
    measure(api, c, "GET /api/workspaces/:id", Method::GET, &format!("/api/workspaces/{ws}"), None).await?;
    measure(
        api,
        c,
        "GET /api/workspaces/:id/projects?limit=50",
        Method::GET,
        &format!("/api/workspaces/{ws}/projects?limit=50"),
        None,
    )
    .await?;
    measure(api, c, "GET /api/projects/:id", Method::GET, &format!("/api/projects/{project}"), None).await?;
    let r = measure(
        api,
        c,
        "POST /api/projects/:id/requirements",
        Method::POST,
        &format!("/api/projects/{project}/requirements"),
        Some(json!({"title": "measured"})),
    )
    .await?;
    measure(
        api,
        c,
        "GET /api/projects/:id/requirements?limit=50",
        Method::GET,
        &format!("/api/projects/{project}/requirements?limit=50"),
        None,
    )
    .await?;
    measure(
        api,
        c,
        "GET /api/projects/:id/requirements?status=active&limit=50",
        Method::GET,
        &format!("/api/projects/{project}/requirements?status=active&limit=50"),
        None,
    )
    .await?;
    measure(api, c, "GET /api/requirements/:id", Method::GET, &format!("/api/requirements/{}", r["id"]), None).await?;
    measure(
        api,
        c,
        "PATCH /api/requirements/:id",
        Method::PATCH,
        &format!("/api/requirements/{}", r["id"]),
        Some(json!({"status": "done"})),
    )
    .await?;
    let t = measure(
        api,
        c,
        "POST /api/projects/:id/tasks (2 dependencies)",
        Method::POST,
        &format!("/api/projects/{project}/tasks"),
        Some(json!({"requirement_id": "R-2", "title": "measured", "depends_on": ["T-1", "T-2"]})),
    )
    .await?;
    measure(
        api,
        c,
        "GET /api/projects/:id/tasks?limit=50",
        Method::GET,
        &format!("/api/projects/{project}/tasks?limit=50"),
        None,
    )
    .await?;
    measure(
        api,
        c,
        "GET /api/projects/:id/tasks?ready=true&limit=50",
        Method::GET,
        &format!("/api/projects/{project}/tasks?ready=true&limit=50"),
        None,
    )
    .await?;
    measure(
        api,
        c,
        "GET /api/projects/:id/tasks?status=todo&limit=50",
        Method::GET,
        &format!("/api/projects/{project}/tasks?status=todo&limit=50"),
        None,
    )
    .await?;
    measure(
        api,
        c,
        "GET /api/projects/:id/tasks?requirement=R-1&limit=50",
        Method::GET,
        &format!("/api/projects/{project}/tasks?requirement=R-1&limit=50"),
        None,
    )
    .await?;
    measure(api, c, "GET /api/tasks/:id", Method::GET, &format!("/api/tasks/{}", t["id"]), None).await?;
    measure(
        api,
        c,
        "GET /api/projects/:id/items/T-5",
        Method::GET,
        &format!("/api/projects/{project}/items/T-5"),
        None,
    )
    .await?;
    measure(
        api,
        c,
        "PATCH /api/tasks/:id (status: in_progress)",
        Method::PATCH,
        &format!("/api/tasks/{}", first["id"]),
        Some(json!({"status": "in_progress"})),
    )
    .await?;
    measure(
        api,
        c,
        "PATCH /api/tasks/:id (status: done, 1 dependent)",
        Method::PATCH,
        &format!("/api/tasks/{}", first["id"]),
        Some(json!({"status": "done"})),
    )
    .await?;
    measure(
        api,
        c,
        "PATCH /api/tasks/:id (depends_on: 3 tasks)",
        Method::PATCH,
        &format!("/api/tasks/{}", t["id"]),
        Some(json!({"depends_on": ["T-3", "T-4", "T-5"]})),
    )
    .await?;
    measure(
        api,
        c,
        "POST /api/tasks/:id/comments",
        Method::POST,
        &format!("/api/tasks/{}/comments", first["id"]),
        Some(json!({"body": "measured"})),
    )
    .await?;
    measure(
        api,
        c,
        "GET /api/tasks/:id/comments?limit=50",
        Method::GET,
        &format!("/api/tasks/{}/comments?limit=50", first["id"]),
        None,
    )
    .await?;
    let s = measure(api, c, "POST /api/sessions", Method::POST, "/api/sessions", Some(json!({"project_id": project})))
        .await?;
    measure(
        api,
        c,
        "POST /api/sessions/:id/messages",
        Method::POST,
        &format!("/api/sessions/{}/messages", s["id"]),
        Some(json!({"text": "hi"})),
    )
    .await?;
    measure(
        api,
        c,
        "GET /api/projects/:id/sessions?limit=50",
        Method::GET,
        &format!("/api/projects/{project}/sessions?limit=50"),
        None,
    )
    .await?;
    measure(api, c, "GET /api/tokens?limit=50", Method::GET, "/api/tokens?limit=50", None).await?;
    measure(api, c, "DELETE /api/tasks/:id", Method::DELETE, &format!("/api/tasks/{}", t["id"]), None).await?;
    measure(
        api,
        c,
        "DELETE /api/requirements/:id (0 tasks)",
        Method::DELETE,
        &format!("/api/requirements/{}", r["id"]),
        None,
    )
    .await?;
    let passed =
        measure(api, c, "POST /api/pass", Method::POST, "/api/pass", Some(json!({"task": "t", "workspace_id": ws})))
            .await?;
    let id = passed["baton_id"].as_str().unwrap_or_default().to_owned();
    measure(api, c, "GET /api/catch/:id", Method::GET, &format!("/api/catch/{id}"), None).await?;
    measure(api, c, "POST /api/heartbeat/:id", Method::POST, &format!("/api/heartbeat/{id}"), Some(json!({}))).await?;
    measure(api, c, "POST /api/done/:id", Method::POST, &format!("/api/done/{id}"), Some(json!({"output": 1}))).await?;
    measure(api, c, "GET /api/status/:id", Method::GET, &format!("/api/status/{id}"), None).await?;
    measure(api, c, "GET /api/batons?limit=50", Method::GET, "/api/batons?limit=50", None).await?;
    people_in_the_loop(api, c, project).await?;
    Ok(costs)
}

/// The calls of sessions with a worker: the agent's token, its requests and their answers,
/// share links and cost.
async fn people_in_the_loop(api: &Api, c: &mut Vec<Cost>, project: i64) -> Result<()> {
    let body = json!({"project_id": project, "name": "bench-worker", "machine_id": "bench-machine",
                      "agent": "scripted", "base_branch": "main"});
    let registered = api.create("/api/workers", body).await;
    let worker = api.with_token(registered["token"].as_str());
    let s = api.create("/api/sessions", json!({"project_id": project, "worker_id": registered["worker"]["id"]})).await;
    let session = s["id"].as_i64().unwrap_or_default();
    measure(
        &worker,
        c,
        "POST /api/sessions/:id/token (worker)",
        Method::POST,
        &format!("/api/sessions/{session}/token"),
        None,
    )
    .await?;
    let ask = json!({"request_id": "bench-1", "kind": "approval", "tool": "Bash", "summary": "Bash: ls",
                     "input": {"command": "ls"}, "message_seq": 2});
    let inputs = format!("/api/sessions/{session}/inputs");
    measure(&worker, c, "POST /api/sessions/:id/inputs (worker)", Method::POST, &inputs, Some(ask)).await?;
    measure(api, c, "GET /api/inputs?status=pending", Method::GET, "/api/inputs?status=pending", None).await?;
    let answer = json!({"decision": "allow"});
    measure(api, c, "POST /api/sessions/:id/inputs/:request", Method::POST, &format!("{inputs}/bench-1"), Some(answer))
        .await?;
    let usage = json!({"type": "agent_event", "message_seq": 2,
                       "event": {"kind": "usage", "input_tokens": 10, "output_tokens": 2, "cost_usd": 0.01}});
    let events = format!("/api/sessions/{session}/events");
    measure(&worker, c, "POST /api/sessions/:id/events (usage)", Method::POST, &events, Some(usage)).await?;
    measure(api, c, "GET /api/sessions/:id (state, cost)", Method::GET, &format!("/api/sessions/{session}"), None)
        .await?;
    measure(api, c, "GET /api/projects/:id/cost", Method::GET, &format!("/api/projects/{project}/cost"), None).await?;
    let share = measure(
        api,
        c,
        "POST /api/sessions/:id/shares",
        Method::POST,
        &format!("/api/sessions/{session}/shares"),
        Some(json!({})),
    )
    .await?;
    let token = share["url"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned();
    let guest = api.with_token(None);
    measure(&guest, c, "GET /api/share/:token/events", Method::GET, &format!("/api/share/{token}/events"), None)
        .await?;
    Ok(())
}
