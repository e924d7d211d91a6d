//! The MCP server as agents reach it: the official MCP Python SDK's client (`mcp` in the
//! project's `.venv`, driven by `e2e/clients/mcp_driver.py`) against `wrangler dev`, with a
//! real worker daemon running the scripted agent where a turn is needed. Raw HTTP only for
//! what no SDK sends: malformed JSON-RPC, unknown methods, oversized bodies, no token.

use e2e::api::{bootstrap, new_member, unique, until_online, Api};
use e2e::cli::Baton;
use e2e::machine::Machine;
use e2e::server::{repo_root, Server};
use serde_json::{json, Value};

/// Runs `steps` in one MCP client connection (handshake `mode`: auto or legacy) and answers
/// the driver's report: the negotiated version and each step's result.
async fn mcp(api: &Api, token: &str, mode: &str, steps: Value) -> Value {
    let url = format!("{}/mcp", api.url);
    e2e::clients::drive("mcp_driver.py", &[&url, token, mode], &steps, std::time::Duration::from_secs(120)).await
}

/// A tool call's structured content, asserting it succeeded.
fn ok(step: &Value) -> &Value {
    assert_eq!(step["isError"], false, "{step:#}");
    &step["structuredContent"]
}

#[tokio::test]
async fn an_mcp_client_plans_a_requirement_into_dependent_tasks_and_reads_the_plan() {
    let admin = Api::admin();
    let token = admin.token.clone().unwrap();
    let ws = admin.create("/api/workspaces", json!({"name": unique("ws")})).await["id"].as_i64().unwrap();
    let project =
        admin.create("/api/projects", json!({"workspace_id": ws, "name": "plans"})).await["id"].as_i64().unwrap();
    let steps = json!([
        {"op": "tools"},
        {"op": "call", "name": "create_requirement", "args": {"project_id": project, "title": "Sign in", "body": "People sign in with a password."}},
        {"op": "call", "name": "create_task", "args": {"project_id": project, "requirement_id": "R-1", "title": "Login form"}},
        {"op": "call", "name": "create_task", "args": {"project_id": project, "requirement_id": "R-1", "title": "Check the password", "depends_on": ["T-1"]}},
        {"op": "call", "name": "list_tasks", "args": {"project_id": project, "ready": true}},
        {"op": "call", "name": "create_task", "args": {"project_id": project, "title": "no requirement"}},
        {"op": "call", "name": "get_item", "args": {"project_id": project, "handle": "T-2"}},
        {"op": "templates"},
        {"op": "resources"},
        {"op": "read", "uri": format!("baton://projects/{project}/plan")},
        {"op": "call", "name": "no_such_tool", "args": {}},
    ]);
    // The URL `baton mcp config` prints is the one the client reaches.
    let baton = Baton::new();
    baton.ok(&["login", "--url", &admin.url, "--token", &token]);
    let config: Value = serde_json::from_str(&baton.ok(&["mcp", "config", "--json"])).unwrap();
    assert_eq!(config["url"], format!("{}/mcp", admin.url));
    assert!(!config.to_string().contains(&token), "the snippets never carry the token: {config}");
    let report = mcp(&admin, &token, "auto", steps.clone()).await;
    assert_eq!(report["protocol_version"], "2026-07-28", "the stateless form: {report:#}");
    assert_eq!(report["server_info"]["name"], "baton");
    let s = &report["steps"];
    let tools: Vec<&str> = s[0]["tools"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    for name in ["create_task", "list_tasks", "send_message", "pass_baton", "catch_baton", "delegate", "inbox"] {
        assert!(tools.contains(&name), "{name} in {tools:?}");
    }
    assert_eq!(ok(&s[1])["handle"], "R-1");
    assert_eq!(ok(&s[2])["handle"], "T-1");
    assert_eq!(ok(&s[3])["depends_on"], json!(["T-1"]));
    let ready: Vec<&str> = ok(&s[4])["items"].as_array().unwrap().iter().filter_map(|t| t["handle"].as_str()).collect();
    assert_eq!(ready, ["T-1"], "T-2 waits for T-1");
    assert_eq!(s[5]["isError"], true, "{}", s[5]);
    assert!(s[5]["content"][0]["text"].as_str().unwrap().contains("requirement_id"), "the API's message: {}", s[5]);
    assert_eq!(ok(&s[6])["title"], "Check the password");
    let templates: Vec<&str> =
        s[7]["resourceTemplates"].as_array().unwrap().iter().filter_map(|t| t["uriTemplate"].as_str()).collect();
    assert_eq!(templates, ["baton://projects/{project_id}/plan", "baton://sessions/{session}/transcript"]);
    let plan_uri = format!("baton://projects/{project}/plan");
    assert!(s[8]["resources"].as_array().unwrap().iter().any(|r| r["uri"] == plan_uri.as_str()), "{}", s[8]);
    let plan = s[9]["contents"][0]["text"].as_str().unwrap();
    assert!(plan.contains("## R-1 Sign in [active]\n\nPeople sign in with a password."), "{plan}");
    assert!(plan.contains("- T-1 Login form [todo] (ready)\n- T-2 Check the password [todo] after T-1\n"), "{plan}");
    assert_eq!(s[10]["error"]["code"], -32602, "an unknown tool is a protocol error: {}", s[10]);

    // The same through the older handshake (initialize, 2025-11-25).
    let legacy =
        mcp(&admin, &token, "legacy", json!([{"op": "call", "name": "list_tasks", "args": {"project_id": project}}]))
            .await;
    assert_eq!(legacy["protocol_version"], "2025-11-25");
    assert_eq!(ok(&legacy["steps"][0])["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_foreign_token_sees_nothing_through_the_tools_and_no_token_is_refused() {
    let admin = Api::admin();
    let ws = admin.create("/api/workspaces", json!({"name": unique("ws")})).await["id"].as_i64().unwrap();
    let project =
        admin.create("/api/projects", json!({"workspace_id": ws, "name": "private"})).await["id"].as_i64().unwrap();
    admin.create(&format!("/api/projects/{project}/requirements"), json!({"title": "secret"})).await;
    let outsider = new_member(&admin, &unique("out")).await;
    let token = outsider.token.clone().unwrap();
    let steps = json!([
        {"op": "call", "name": "list_requirements", "args": {"project_id": project}},
        {"op": "call", "name": "create_task", "args": {"project_id": project, "requirement_id": "R-1", "title": "x"}},
        {"op": "read", "uri": format!("baton://projects/{project}/plan")},
        {"op": "resources"},
    ]);
    let report = mcp(&admin, &token, "auto", steps).await;
    let s = &report["steps"];
    for step in [&s[0], &s[1]] {
        assert_eq!(step["isError"], true, "{step}");
        assert!(step["content"][0]["text"].as_str().unwrap().contains("not_found (404)"), "{step}");
    }
    assert_eq!(s[2]["error"]["code"], -32602, "an invisible resource is no resource: {}", s[2]);
    let uri = format!("baton://projects/{project}/plan");
    assert!(!s[3].to_string().contains(&uri), "{}", s[3]);
    let tasks = admin.fetch(&format!("/api/projects/{project}/tasks")).await;
    assert_eq!(tasks["items"].as_array().unwrap().len(), 0, "nothing was written");

    let http = reqwest::Client::new();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let none = http.post(format!("{}/mcp", admin.url)).json(&body).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let bad = http.post(format!("{}/mcp", admin.url)).bearer_auth("bt_not_a_token").json(&body).send().await.unwrap();
    assert_eq!(bad.status(), 401);
}

#[tokio::test]
async fn malformed_json_rpc_unknown_methods_and_oversized_bodies_get_json_rpc_errors() {
    let admin = Api::admin();
    let http = reqwest::Client::new();
    let url = format!("{}/mcp", admin.url);
    let token = admin.token.clone().unwrap();
    let send = |body: Vec<u8>| {
        http.post(&url).bearer_auth(&token).header("content-type", "application/json").body(body).send()
    };
    let cases: [(&[u8], u16, i64); 5] = [
        (b"{not json", 400, -32700),
        (br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, 400, -32600),
        (br#"{"jsonrpc":"2.0","id":1}"#, 400, -32600),
        (br#"{"jsonrpc":"2.0","id":2,"method":"tools/destroy"}"#, 404, -32601),
        (br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":7}}"#, 400, -32602),
    ];
    for (body, status, code) in cases {
        let response = send(body.to_vec()).await.unwrap();
        assert_eq!(response.status(), status, "{}", String::from_utf8_lossy(body));
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            (answer["jsonrpc"].clone(), answer["error"]["code"].clone()),
            (json!("2.0"), json!(code)),
            "{answer}"
        );
    }
    let mut big = br#"{"jsonrpc":"2.0","id":4,"method":"ping","params":{"pad":""#.to_vec();
    big.extend(std::iter::repeat_n(b'x', 1024 * 1024 + 1));
    big.extend(br#""}}"#);
    let response = send(big).await.unwrap();
    assert_eq!(response.status(), 413);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32600, "{answer}");

    let notification = send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec()).await.unwrap();
    assert_eq!(notification.status(), 202);
    let ping: Value =
        send(br#"{"jsonrpc":"2.0","id":"p","method":"ping"}"#.to_vec()).await.unwrap().json().await.unwrap();
    assert_eq!((ping["id"].clone(), ping["result"]["resultType"].clone()), (json!("p"), json!("complete")));
    let version = http
        .post(&url)
        .bearer_auth(&token)
        .header("mcp-protocol-version", "1999-01-01")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(version.status(), 400);
    let answer: Value = version.json().await.unwrap();
    assert_eq!(answer["error"]["code"], -32022);
    assert!(answer["error"]["data"]["supported"].as_array().unwrap().contains(&json!("2026-07-28")));
    let get = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(get.status(), 405, "no server-initiated stream: a stateless server has none");
}

#[tokio::test]
async fn an_mcp_client_delegates_to_a_worker_and_gets_the_answer_with_progress_then_talks_in_the_session() {
    let m = Machine::new().await;
    let _daemon = m.daemon();
    until_online(&m.admin, m.worker, "the worker").await;
    let token = m.admin.token.clone().unwrap();
    let worker = format!("W-{}", m.worker);
    let steps = json!([
        {"op": "call", "name": "list_workers", "args": {"project_id": m.project}},
        {"op": "call", "name": "delegate", "args": {"worker": worker, "brief": "write answer.txt: forty-two\nsay it", "timeout_seconds": 60}},
    ]);
    let report = mcp(&m.admin, &token, "auto", steps).await;
    let s = &report["steps"];
    assert_eq!(ok(&s[0])["items"][0]["handle"], worker);
    let delegated = ok(&s[1]);
    let answer = delegated["answer"].as_str().unwrap_or_else(|| panic!("{:#}", s[1]));
    assert!(answer.starts_with("done: wrote answer.txt"), "{delegated:#}");
    let session = delegated["session_id"].as_i64().unwrap();
    let progress: Vec<&str> =
        s[1]["progress"].as_array().unwrap().iter().filter_map(|p| p["message"].as_str()).collect();
    assert!(progress.contains(&"the agent started"), "progress while the agent worked: {progress:?}");
    let written = std::fs::read_to_string(m.worktrees.join(format!("S-{session}")).join("answer.txt")).unwrap();
    assert_eq!(written, "forty-two");

    // The session goes on: a message, its turn awaited, the transcript read.
    let steps = json!([
        {"op": "call", "name": "send_message", "args": {"session": format!("S-{session}"), "text": "fail the disk is full"}},
    ]);
    let sent = mcp(&m.admin, &token, "auto", steps).await;
    let seq = ok(&sent["steps"][0])["seq"].as_u64().unwrap();
    let steps = json!([
        {"op": "call", "name": "wait_for_turn", "args": {"session": session, "message_seq": seq, "timeout_seconds": 60}},
        {"op": "read", "uri": format!("baton://sessions/S-{session}/transcript")},
    ]);
    let report = mcp(&m.admin, &token, "legacy", steps).await;
    let s = &report["steps"];
    assert_eq!(s[0]["isError"], true, "a failed turn is a tool error: {}", s[0]);
    assert_eq!(s[0]["structuredContent"]["error"], "the disk is full");
    let transcript = s[1]["contents"][0]["text"].as_str().unwrap();
    assert!(transcript.contains("write answer.txt: forty-two"), "{transcript}");
    assert!(transcript.contains("_the turn failed: the disk is full_"), "{transcript}");
}

#[tokio::test]
async fn a_baton_passed_over_mcp_is_caught_and_finished_by_a_second_mcp_client() {
    let admin = Api::admin();
    let token = admin.token.clone().unwrap();
    let ws = admin.create("/api/workspaces", json!({"name": unique("ws")})).await["id"].as_i64().unwrap();
    let catcher = new_member(&admin, &unique("catcher")).await;
    let username = catcher.fetch("/api/auth/me").await["username"].as_str().unwrap().to_owned();
    admin.create(&format!("/api/workspaces/{ws}/members"), json!({"username": username})).await;
    let key = unique("key");
    let pass = json!({"op": "call", "name": "pass_baton", "args": {"task": "review the diff", "workspace_id": ws, "context": {"pr": 12}, "idempotency_key": key}});
    let report = mcp(&admin, &token, "auto", json!([pass.clone(), pass])).await;
    let first = ok(&report["steps"][0]);
    let id = first["baton_id"].as_str().unwrap().to_owned();
    assert_eq!(ok(&report["steps"][1])["baton_id"], id.as_str(), "the same key passes it once");

    let steps = json!([
        {"op": "call", "name": "catch_baton", "args": {"baton_id": id}},
        {"op": "call", "name": "catch_baton", "args": {"baton_id": id}},
    ]);
    let caught = mcp(&catcher, catcher.token.as_deref().unwrap(), "auto", steps).await;
    let held = ok(&caught["steps"][0]);
    assert_eq!(held["task"], "review the diff");
    assert_eq!(held["context"]["pr"], 12);
    let lease = held["lease"]["token"].as_str().unwrap().to_owned();
    assert_eq!(caught["steps"][1]["isError"], true, "one holder at a time: {}", caught["steps"][1]);
    let steps = json!([
        {"op": "call", "name": "finish_baton", "args": {"baton_id": id, "lease_token": lease, "output": {"approved": true}}},
        {"op": "call", "name": "baton_status", "args": {"baton_id": id}},
    ]);
    let done = mcp(&catcher, catcher.token.as_deref().unwrap(), "auto", steps).await;
    ok(&done["steps"][0]);
    let status = ok(&done["steps"][1]);
    assert_eq!(
        (status["status"].clone(), status["result"]["approved"].clone()),
        (json!("done"), json!(true)),
        "{status}"
    );
}

/// The tool lines of a skill's `mcp` blocks: `tool {json arguments}`, in order.
fn skill_calls(markdown: &str) -> Vec<(String, Value)> {
    let mut calls = Vec::new();
    let mut in_block = false;
    for line in markdown.lines() {
        let line = line.trim();
        if line.starts_with("```") {
            in_block = !in_block && line == "```mcp";
            continue;
        }
        if in_block && !line.is_empty() {
            let (tool, args) = line.split_once(' ').unwrap_or((line, "{}"));
            let args: Value = serde_json::from_str(args).unwrap_or_else(|e| panic!("{line}: {e}"));
            calls.push((tool.to_owned(), args));
        }
    }
    calls
}

/// What a skill's placeholder stands for: the value a tool answered.
fn binds(tool: &str) -> Value {
    match tool {
        "pass_baton" => json!({"<baton>": "/structuredContent/baton_id"}),
        "catch_baton" => json!({"<lease>": "/structuredContent/lease/token"}),
        "send_message" => json!({"<seq>": "/structuredContent/seq"}),
        _ => json!({}),
    }
}

/// skills/mcp: every tool line runs, in order, through the MCP SDK's client against a fresh
/// server whose first workspace, project and worker (W-1, a real daemon) are the skill's.
#[tokio::test]
async fn the_mcp_skill_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let _server = Server::start_in_with_vars(dir.path(), &[]).unwrap();
    let url = _server.url.clone();
    let token = bootstrap(&url).await.unwrap();
    let m = Machine::on(&url, &token).await;
    assert_eq!((m.project, m.worker), (1, 1), "the skill's project 1 and W-1");
    let _daemon = m.daemon();
    until_online(&m.admin, m.worker, "the worker").await;
    let markdown = std::fs::read_to_string(repo_root().join("skills/mcp/SKILL.md")).unwrap();
    let calls = skill_calls(&markdown);
    assert!(calls.len() >= 15, "skills/mcp teaches its tools: {} lines", calls.len());
    let steps: Vec<Value> = calls
        .iter()
        .map(|(tool, args)| json!({"op": "call", "name": tool, "args": args, "bind": binds(tool)}))
        .collect();
    let report = mcp(&m.admin, &token, "auto", Value::Array(steps)).await;
    for ((tool, args), result) in calls.iter().zip(report["steps"].as_array().unwrap()) {
        assert_eq!(result["isError"], false, "{tool} {args}: {result:#}");
    }
    let delegated = &report["steps"][calls.iter().position(|(t, _)| t == "delegate").unwrap()];
    assert!(delegated["structuredContent"]["answer"].as_str().unwrap().contains("done: "), "{delegated:#}");
    let plan = m.admin.fetch("/api/projects/1/tasks").await;
    assert_eq!(plan["items"].as_array().unwrap().len(), 2, "{plan}");
}

/// The agent of a session reaches baton's MCP server with its session token (`bta_`): it
/// reads its project's plan and comments, and what its token may not do over HTTP (create a
/// requirement) is refused over MCP too, as a tool error with the API's message.
#[tokio::test]
async fn a_sessions_agent_uses_the_tools_its_session_token_allows_and_no_more() {
    let admin = Api::admin();
    let made = e2e::api::session_agents(&admin, 1).await;
    let (project, agent) = (made.project, made.agents[0].token.clone().unwrap());
    admin.create(&format!("/api/projects/{project}/requirements"), json!({"title": "Speed"})).await;
    let steps = json!([
        {"op": "call", "name": "list_requirements", "args": {"project_id": project}},
        {"op": "call", "name": "create_requirement", "args": {"project_id": project, "title": "not mine to add"}},
    ]);
    let report = mcp(&admin, &agent, "auto", steps).await;
    let s = &report["steps"];
    assert_eq!(ok(&s[0])["items"][0]["title"], "Speed");
    assert_eq!(s[1]["isError"], true, "{}", s[1]);
    assert!(s[1]["content"][0]["text"].as_str().unwrap().contains("(403)"), "{}", s[1]);
    let report = mcp(
        &admin,
        &made.worker_token,
        "auto",
        json!([{"op": "call", "name": "list_requirements", "args": {"project_id": project}}]),
    )
    .await;
    assert_eq!(report["steps"][0]["isError"], true, "a worker token reads no plan: {}", report["steps"][0]);
}
