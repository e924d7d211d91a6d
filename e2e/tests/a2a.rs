//! The A2A endpoint as an outside agent reaches it: the official A2A Python SDK's client
//! (`a2a-sdk` in the project's `.venv`, driven by `e2e/clients/a2a_driver.py`) reads a card and
//! hands work to a real worker daemon running the scripted agent, against `wrangler dev`. Raw
//! HTTP only for what no SDK sends: malformed JSON-RPC, unknown methods, no token.

use e2e::api::{bootstrap, new_member, unique, until_online, Api};
use e2e::machine::Machine;
use e2e::server::{repo_root, Server};
use serde_json::{json, Value};

/// Runs `steps` with the A2A client against the agent at `base` and answers the driver's report.
async fn a2a(base: &str, token: &str, steps: Value) -> Value {
    e2e::clients::drive("a2a_driver.py", &[base, token], &steps, std::time::Duration::from_secs(150)).await
}

/// An event's number, from the metadata every event carries.
fn seq(event: &Value) -> u64 {
    let inner = event.as_object().unwrap().values().next().unwrap();
    inner["metadata"]["baton"]["seq"].as_f64().unwrap_or_else(|| panic!("no seq in {event}")) as u64
}

fn steps_ok(report: &Value) {
    for step in report["steps"].as_array().unwrap() {
        assert!(step.get("error").is_none(), "{step:#}");
    }
}

#[tokio::test]
async fn an_outside_agent_hands_work_to_a_worker_streams_it_drops_and_resumes_without_loss_or_repeat() {
    let m = Machine::new().await;
    let _daemon = m.daemon();
    until_online(&m.admin, m.worker, "the worker").await;
    let token = m.admin.token.clone().unwrap();
    let base = format!("{}/a2a/workers/{}", m.admin.url, m.worker);
    let message_id = unique("m");
    let steps = json!([
        {"op": "card"},
        // Dropped after two events (submitted, working): the agent is still asleep.
        {"op": "send", "text": "sleep 2500\nwrite a2a.txt: from an outside agent\nreply", "message_id": message_id, "stream": true, "stop_after": 2},
    ]);
    let first = a2a(&base, &token, steps).await;
    steps_ok(&first);
    let card = &first["steps"][0];
    assert_eq!(card["supportedInterfaces"][0]["url"], base, "the card addresses this worker: {card:#}");
    assert_eq!(card["capabilities"]["streaming"], true);
    let task = first["last_task"].as_str().unwrap().to_owned();
    assert!(task.starts_with("bt_"), "the task is a baton: {task}");
    let before: Vec<&Value> = first["steps"][1]["events"].as_array().unwrap().iter().collect();
    assert_eq!(before.iter().map(|e| seq(e)).collect::<Vec<_>>(), [1, 2], "{before:#?}");
    assert_eq!(before[0]["task"]["status"]["state"], "TASK_STATE_SUBMITTED");
    assert_eq!(before[1]["statusUpdate"]["status"]["state"], "TASK_STATE_WORKING");

    let steps = json!([
        {"op": "subscribe", "task": task, "last_event_id": 2},
        {"op": "get", "task": task},
        {"op": "list"},
        // The same message again is the same task: its id is the send's idempotency key.
        {"op": "send", "text": "sleep 2500\nwrite a2a.txt: from an outside agent\nreply", "message_id": message_id, "polling": true},
    ]);
    let second = a2a(&base, &token, steps).await;
    steps_ok(&second);
    let after: Vec<&Value> = second["steps"][0]["events"].as_array().unwrap().iter().collect();
    assert_eq!(after.iter().map(|e| seq(e)).collect::<Vec<_>>(), [3, 4], "exactly the rest: {after:#?}");
    let answer = after[0]["artifactUpdate"]["artifact"]["parts"][0]["text"].as_str().unwrap();
    assert!(answer.starts_with("done: slept 2500 ms, wrote a2a.txt"), "the agent's answer is the artifact: {answer}");
    assert_eq!(after[1]["statusUpdate"]["status"]["state"], "TASK_STATE_COMPLETED");
    let got = &second["steps"][1];
    assert_eq!(
        (got["id"].as_str(), got["status"]["state"].as_str()),
        (Some(task.as_str()), Some("TASK_STATE_COMPLETED"))
    );
    assert_eq!(got["history"][0]["messageId"], message_id.as_str());
    assert!(got["artifacts"][0]["parts"][0]["text"].as_str().unwrap().starts_with("done: "), "{got:#}");
    let listed: Vec<&str> =
        second["steps"][2]["tasks"].as_array().unwrap().iter().filter_map(|t| t["id"].as_str()).collect();
    assert!(listed.contains(&task.as_str()), "{listed:?}");
    let again = &second["steps"][3]["events"][0]["task"];
    assert_eq!(again["id"], task.as_str(), "a resent message passes no second baton");
    let session = m.admin.fetch(&format!("/api/status/{task}")).await["session_id"].as_i64().unwrap();
    let written = std::fs::read_to_string(m.worktrees.join(format!("S-{session}")).join("a2a.txt")).unwrap();
    assert_eq!(written, "from an outside agent");
}

#[tokio::test]
async fn a_task_is_cancelled_once_a_finished_one_is_not_cancelable_and_others_see_none() {
    let admin = Api::admin();
    let token = admin.token.clone().unwrap();
    let ws = admin.create("/api/workspaces", json!({"name": unique("ws")})).await["id"].as_i64().unwrap();
    // A project with no worker: what is sent to it waits.
    let project =
        admin.create("/api/projects", json!({"workspace_id": ws, "name": "idle"})).await["id"].as_i64().unwrap();
    let base = format!("{}/a2a/projects/{project}", admin.url);
    let steps = json!([
        {"op": "send", "text": "wait for me", "message_id": unique("m"), "polling": true},
        {"op": "cancel"},
        {"op": "cancel"},
        {"op": "get", "task": "bt_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
    ]);
    let report = a2a(&base, &token, steps).await;
    let s = &report["steps"];
    assert_eq!(s[0]["events"][0]["task"]["status"]["state"], "TASK_STATE_SUBMITTED", "{}", s[0]);
    assert_eq!(s[1]["status"]["state"], "TASK_STATE_CANCELED", "{}", s[1]);
    assert_eq!(s[2]["status"]["state"], "TASK_STATE_CANCELED", "cancelling twice is the same: {}", s[2]);
    assert_eq!(s[3]["error"]["type"], "TaskNotFoundError", "{}", s[3]);

    // Finished over the API: no longer cancelable.
    let (status, passed) = admin.post("/api/pass", json!({"task": "quick", "workspace_id": ws})).await;
    assert_eq!(status, 201, "{passed}");
    let id = passed["baton_id"].as_str().unwrap();
    assert_eq!(admin.get(&format!("/api/catch/{id}")).await.0, 200);
    assert_eq!(admin.post(&format!("/api/done/{id}"), json!({"output": "all good"})).await.0, 200);
    let report = a2a(&base, &token, json!([{"op": "cancel", "task": id}, {"op": "get", "task": id}])).await;
    assert_eq!(report["steps"][0]["error"]["type"], "TaskNotCancelableError", "{}", report["steps"][0]);
    assert_eq!(report["steps"][1]["artifacts"][0]["parts"][0]["text"], "all good");

    // Another person's token: no such task, and the project's card is not theirs to read.
    let outsider = new_member(&admin, &unique("out")).await;
    let other = outsider.token.clone().unwrap();
    let report = a2a(&admin.url, &other, json!([{"op": "get", "task": id}, {"op": "list"}])).await;
    assert_eq!(report["steps"][0]["error"]["type"], "TaskNotFoundError", "{}", report["steps"][0]);
    assert!(!report["steps"][1].to_string().contains(id), "{}", report["steps"][1]);
    let card = outsider.get(&format!("/a2a/projects/{project}/.well-known/agent-card.json")).await;
    assert_eq!(card.0, 404, "{}", card.1);
}

#[tokio::test]
async fn malformed_requests_get_json_rpc_errors_and_the_public_card_needs_no_token() {
    let admin = Api::admin();
    let http = reqwest::Client::new();
    let url = format!("{}/a2a", admin.url);
    let token = admin.token.clone().unwrap();
    // No JSON-RPC request at all: 400 too; a call's own errors ride a 200, as A2A clients need.
    let raw = br#"{"jsonrpc":"2.0","id":"4","method":"SendMessage","params":{"message":{"parts":[{"raw":"AA=="}]}}}"#;
    let cases: [(&[u8], u16, i64); 5] = [
        (b"{not json", 400, -32700),
        (br#"[{"jsonrpc":"2.0","id":"1","method":"GetTask"}]"#, 400, -32600),
        (br#"{"jsonrpc":"2.0","id":"2","method":"message/send","params":{}}"#, 200, -32601),
        (br#"{"jsonrpc":"2.0","id":"3","method":"GetTask","params":{"id":7}}"#, 200, -32602),
        (raw, 200, -32005),
    ];
    for (body, status, code) in cases {
        let response = http
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{}", String::from_utf8_lossy(body));
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["error"]["code"], code, "{answer}");
    }
    let mut big = br#"{"jsonrpc":"2.0","id":"7","method":"ListTasks","params":{"pad":""#.to_vec();
    big.extend(std::iter::repeat_n(b'x', 1024 * 1024 + 1));
    big.extend(br#""}}"#);
    let response =
        http.post(&url).bearer_auth(&token).header("content-type", "application/json").body(big).send().await.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], -32600, "over 1 MiB");
    let old = http
        .post(&url)
        .bearer_auth(&token)
        .header("a2a-version", "0.3")
        .json(&json!({"jsonrpc": "2.0", "id": "5", "method": "GetTask", "params": {"id": "bt_x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(old.json::<Value>().await.unwrap()["error"]["code"], -32009);
    let none = http.post(&url).json(&json!({"jsonrpc": "2.0", "id": "6", "method": "ListTasks"})).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let card: Value =
        http.get(format!("{}/.well-known/agent-card.json", admin.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(card["supportedInterfaces"][0]["url"], url.as_str());
    assert_eq!(card["securitySchemes"]["bearer"]["httpAuthSecurityScheme"]["scheme"], "Bearer");
    let worker_card =
        http.get(format!("{}/a2a/workers/1/.well-known/agent-card.json", admin.url)).send().await.unwrap();
    assert_eq!(worker_card.status(), 401, "a worker's card is for who may see the worker");
    // Regression (found by the fuzzer): a bad id in the path answered 400 before the missing
    // token's 401.
    let bad_worker = http.post(format!("{}/a2a/workers/0", admin.url)).json(&json!({})).send().await.unwrap();
    assert_eq!(bad_worker.status(), 401);
    let bad_card = http.get(format!("{}/a2a/projects/0/.well-known/agent-card.json", admin.url)).send().await.unwrap();
    assert_eq!(bad_card.status(), 401);
}

/// skills/a2a: its SDK example (the one ```python block) runs as written, with the A2A SDK,
/// against a fresh server whose worker W-1 is a real daemon: the stream is dropped at
/// "working", resumed after it, and prints the agent's answer and the final state.
#[tokio::test]
async fn the_a2a_skills_sdk_example_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in_with_vars(dir.path(), &[]).unwrap();
    let token = bootstrap(&server.url).await.unwrap();
    let m = Machine::on(&server.url, &token).await;
    let _daemon = m.daemon();
    until_online(&m.admin, m.worker, "the worker").await;
    let markdown = std::fs::read_to_string(repo_root().join("skills/a2a/SKILL.md")).unwrap();
    let start = markdown.find("```python\n").expect("a python block") + "```python\n".len();
    let code = &markdown[start..start + markdown[start..].find("```").unwrap()];
    let script = dir.path().join("example.py");
    std::fs::write(&script, code).unwrap();
    let out = tokio::process::Command::new(repo_root().join(".venv/bin/python"))
        .arg(&script)
        .env("BATON_URL", &server.url)
        .env("BATON_TOKEN", &token)
        .env("BATON_WORKER", format!("W-{}", m.worker))
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), out).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.first().is_some_and(|l| l.starts_with("done: ")), "the answer, after the resume: {stdout}");
    assert_eq!(lines.last(), Some(&"TASK_STATE_COMPLETED"), "{stdout}");
    assert_eq!(lines.len(), 2, "each event once: {stdout}");
}

/// A push notification config sent with the message is the baton's completion webhook: the
/// receiver gets the finished task's record, signed with the config's token; the config reads
/// back (its URL, never the token); one without a token is refused.
#[tokio::test]
async fn a_push_config_sent_with_the_message_notifies_signed_when_the_task_ends() {
    let admin = Api::admin();
    let ws = admin.create("/api/workspaces", json!({"name": unique("ws")})).await["id"].as_i64().unwrap();
    let receiver = e2e::receiver::Receiver::start(0);
    let secret = "a push token of some length";
    let send = |id: &str, push: Value| {
        json!({"jsonrpc": "2.0", "id": id, "method": "SendMessage", "params": {
            "message": {"messageId": unique("m"), "role": "ROLE_USER", "parts": [{"text": "notify me"}]},
            "configuration": {"returnImmediately": true, "taskPushNotificationConfig": push},
            "metadata": {"workspace_id": ws},
        }})
    };
    let (status, answer) = admin.post("/a2a", send("1", json!({"url": receiver.url, "token": secret}))).await;
    assert_eq!(status, 200, "{answer}");
    let task = answer["result"]["task"]["id"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned();
    let (_, refused) = admin.post("/a2a", send("2", json!({"url": receiver.url}))).await;
    assert_eq!(refused["error"]["code"], -32602, "a push config without a token: {refused}");

    assert_eq!(admin.get(&format!("/api/catch/{task}")).await.0, 200);
    assert_eq!(admin.post(&format!("/api/done/{task}"), json!({"output": {"ok": true}})).await.0, 200);
    let got = receiver.wait_for(1).await;
    let (headers, body) = &got[0];
    let signature = headers.iter().find(|(k, _)| k == "x-baton-signature-256").unwrap().1.clone();
    assert!(edge::crypto::signature::verify(secret, body.as_bytes(), Some(&signature)), "signed with the token");
    let record: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (record["baton"]["baton_id"].as_str(), record["baton"]["status"].as_str()),
        (Some(task.as_str()), Some("done"))
    );

    let read =
        json!({"jsonrpc": "2.0", "id": "3", "method": "ListTaskPushNotificationConfigs", "params": {"taskId": task}});
    let (_, configs) = admin.post("/a2a", read).await;
    assert_eq!(configs["result"]["configs"][0]["url"], receiver.url.as_str(), "{configs}");
    assert!(!configs.to_string().contains(secret), "the token is never read back: {configs}");
}
