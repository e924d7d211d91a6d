//! Workers through the real Worker: registration and reattachment, the scoped worker token,
//! the command stream, sessions bound to a worker, queued messages and turn events.

use std::time::Duration;

use e2e::api::{unique, workspace_with_project, Api};
use e2e::sse::SseReader;
use serde_json::{json, Value};

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

async fn register(admin: &Api, project: i64, machine: &str, name: &str) -> (u16, Value) {
    admin
        .post(
            "/api/workers",
            json!({"project_id": project, "machine_id": machine, "name": name, "agent": "scripted", "base_branch": "main", "hostname": "box"}),
        )
        .await
}

#[tokio::test]
async fn registering_again_from_the_same_machine_reattaches_and_names_are_per_machine() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let (status, first) = register(&admin, project, "machine-a", "builder").await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["outcome"], "created");
    assert!(first["token"].as_str().unwrap().starts_with("btw_"));
    let handle = first["worker"]["handle"].as_str().unwrap().to_owned();
    assert_eq!(handle, format!("W-{}", first["worker"]["id"]));
    assert_eq!(first["worker"]["online"], false);

    let (status, again) = register(&admin, project, "machine-a", "builder-2").await;
    assert_eq!((status, again["outcome"].as_str()), (200, Some("reattached")));
    assert_eq!(again["worker"]["id"], first["worker"]["id"], "no duplicate");
    assert_eq!(again["worker"]["name"], "builder-2");
    let old = admin.with_token(first["token"].as_str());
    assert_eq!(old.get(&format!("/api/workers/{}", first["worker"]["id"])).await.0, 401, "the old token is replaced");

    let (status, clash) = register(&admin, project, "machine-b", "BUILDER-2").await;
    assert_eq!((status, code(&clash)), (409, "conflict"));
    assert!(clash["error"]["message"].as_str().unwrap().contains("--name"), "{clash}");

    for (body, field) in [
        (
            json!({"project_id": project, "machine_id": "m", "name": "x", "agent": "gpt", "base_branch": "main"}),
            "agent: unknown variant",
        ),
        (
            json!({"project_id": project, "machine_id": "m", "name": "x", "agent": "codex", "base_branch": "a..b"}),
            "base_branch: is not a valid git branch name",
        ),
        (
            json!({"project_id": project, "machine_id": "../etc", "name": "x", "agent": "codex", "base_branch": "main"}),
            "machine_id: must be",
        ),
        (
            json!({"project_id": project, "machine_id": "m", "name": "x", "agent": "codex", "base_branch": "main", "max_sessions": 0}),
            "max_sessions: must be 1 to 64",
        ),
    ] {
        let (status, value) = admin.post("/api/workers", body.clone()).await;
        assert_eq!(status, 400, "{body}: {value}");
        assert!(value["error"]["message"].as_str().unwrap().starts_with(field), "{value}");
    }
    let listed = admin.fetch(&format!("/api/workers?project_id={project}")).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_worker_token_reaches_its_stream_and_sessions_and_nothing_else() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let (_, mine) = register(&admin, project, &unique("m"), "mine").await;
    let (_, other) = register(&admin, project, &unique("m"), "other").await;
    let me = admin.with_token(mine["token"].as_str());
    let my_id = mine["worker"]["id"].as_i64().unwrap();
    let other_id = other["worker"]["id"].as_i64().unwrap();

    for path in ["/api/workspaces", "/api/auth/me", "/api/tokens", &format!("/api/projects/{project}")] {
        let (status, value) = me.get(path).await;
        assert_eq!((status, code(&value)), (403, "forbidden"), "{path}");
    }
    let (status, _) = me.post("/api/tokens", json!({"name": "escalate"})).await;
    assert_eq!(status, 403);
    assert_eq!(me.get(&format!("/api/workers/{other_id}/stream")).await.0, 404);

    let session = admin.create("/api/sessions", json!({"project_id": project, "worker_id": my_id})).await;
    let theirs = admin.create("/api/sessions", json!({"project_id": project, "worker_id": other_id})).await;
    assert_eq!(session["worker_id"], my_id);
    assert_eq!(me.fetch(&format!("/api/sessions/{}", session["id"])).await["id"], session["id"]);
    assert_eq!(me.get(&format!("/api/sessions/{}", theirs["id"])).await.0, 404);

    let turn = json!({"type": "turn_start", "message_seq": 2});
    assert_eq!(me.post(&format!("/api/sessions/{}/events", session["id"]), turn.clone()).await.0, 201);
    assert_eq!(me.post(&format!("/api/sessions/{}/events", theirs["id"]), turn.clone()).await.0, 404);
    let (status, value) = me
        .post(
            &format!("/api/sessions/{}/events", session["id"]),
            json!({"type": "user_message", "text": "x", "author": {"kind": "worker", "id": 1, "name": "x"}}),
        )
        .await;
    assert_eq!((status, code(&value)), (400, "invalid_field"));
    let (status, _) = admin.post(&format!("/api/sessions/{}/events", session["id"]), turn).await;
    assert_eq!(status, 403, "people post messages, not turn events");
    let (status, value) = admin.post("/api/sessions", json!({"project_id": project, "worker_id": 999999})).await;
    assert_eq!((status, code(&value)), (400, "invalid_field"));
}

#[tokio::test]
async fn commands_reach_the_worker_and_messages_say_whether_they_wait() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let (_, reg) = register(&admin, project, &unique("m"), "runner").await;
    let worker = admin.with_token(reg["token"].as_str());
    let id = reg["worker"]["id"].as_i64().unwrap();

    // Offline: the message is stored and said to be queued.
    let session = admin.create("/api/sessions", json!({"project_id": project, "worker_id": id})).await;
    let sent = admin.create(&format!("/api/sessions/{}/messages", session["id"]), json!({"text": "while away"})).await;
    assert_eq!((sent["queued"].as_bool(), sent["seq"].as_u64()), (Some(true), Some(2)));

    // The daemon connects: it gets every command it missed, then live ones, and shows online.
    let mut commands = SseReader::open(&worker, &format!("/api/workers/{id}/stream"), None).await;
    let missed = commands.take(2, Duration::from_secs(20)).await;
    assert!(missed.iter().all(|f| f.event == "session_start"), "{missed:?}");
    assert_eq!(admin.fetch(&format!("/api/workers/{id}")).await["online"], false, "online needs a heartbeat too");
    assert_eq!(worker.post(&format!("/api/workers/{id}/heartbeat"), json!({})).await.0, 204);
    assert_eq!(admin.post(&format!("/api/workers/{id}/heartbeat"), json!({})).await.0, 404, "only the worker itself");
    assert_eq!(admin.fetch(&format!("/api/workers/{id}")).await["online"], true);
    let sent = admin.create(&format!("/api/sessions/{}/messages", session["id"]), json!({"text": "now"})).await;
    assert_eq!(sent["queued"], false);
    let live = commands.take(1, Duration::from_secs(20)).await;
    let command: Value = serde_json::from_str(&live[0].data).unwrap();
    assert_eq!(
        (command["type"].as_str(), command["session_id"].clone()),
        (Some("session_start"), session["id"].clone())
    );

    let sessions = worker.fetch(&format!("/api/workers/{id}/sessions")).await;
    assert_eq!(sessions["items"][0]["id"], session["id"]);

    // Deleting the worker revokes its token and removes its sessions.
    assert_eq!(admin.delete(&format!("/api/workers/{id}")).await.0, 204);
    assert_eq!(worker.get(&format!("/api/workers/{id}")).await.0, 401);
    let left = admin.fetch(&format!("/api/projects/{project}/sessions")).await;
    assert_eq!(left["items"], json!([]), "the worker's sessions went with it");
}

/// Regression: listing workers made one Hub call per worker (up to 200 on a page, against the
/// per-request subrequest limit). The list reads the last heartbeat from D1 with the page.
#[tokio::test]
async fn listing_workers_reads_heartbeats_from_d1_with_the_page() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let (_, beating) = register(&admin, project, &unique("m"), "beating").await;
    let (_, silent) = register(&admin, project, &unique("m"), "silent").await;
    let worker = admin.with_token(beating["token"].as_str());
    let id = beating["worker"]["id"].as_i64().unwrap();
    assert_eq!(worker.post(&format!("/api/workers/{id}/heartbeat"), json!({})).await.0, 204);
    let listed = admin.fetch(&format!("/api/workers?project_id={project}")).await;
    let online: Vec<(i64, bool)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["id"].as_i64().unwrap(), w["online"].as_bool().unwrap()))
        .collect();
    assert_eq!(online, [(id, true), (silent["worker"]["id"].as_i64().unwrap(), false)], "{listed}");
    // Issue 14: how stale the list's online is, from the same heartbeat.
    let seen: Vec<bool> = listed["items"].as_array().unwrap().iter().map(|w| w["last_seen_at"].is_string()).collect();
    assert_eq!(seen, [true, false], "{listed}");
    let single = admin.fetch(&format!("/api/workers/{id}")).await;
    assert_eq!(single["last_seen_at"], listed["items"][0]["last_seen_at"]);
}

/// Lists show each session's state and each worker's busy sessions from D1 alone: the turn
/// the worker says runs, and its heartbeat.
#[tokio::test]
async fn lists_show_session_states_and_busy_workers() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let (_, registered) = register(&admin, project, &unique("m"), "lister").await;
    let worker = admin.with_token(registered["token"].as_str());
    let id = registered["worker"]["id"].as_i64().unwrap();
    let session = admin.create("/api/sessions", json!({"project_id": project, "worker_id": id})).await;
    let s = session["id"].as_i64().unwrap();
    admin.create("/api/sessions", json!({"project_id": project})).await; // no worker
    let states = || async {
        let page = admin.fetch(&format!("/api/projects/{project}/sessions")).await;
        page["items"].as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let busy = || async {
        admin.fetch(&format!("/api/workers?project_id={project}")).await["items"][0]["busy_sessions"].as_u64()
    };
    assert_eq!(states().await, ["offline", "conversation"]);
    assert_eq!(worker.post(&format!("/api/workers/{id}/heartbeat"), json!({})).await.0, 204);
    assert_eq!(states().await, ["idle", "conversation"]);
    worker.post(&format!("/api/sessions/{s}/events"), json!({"type": "turn_start", "message_seq": 2})).await;
    assert_eq!((states().await[0].clone(), busy().await), ("busy".to_owned(), Some(1)));
    worker.post(&format!("/api/sessions/{s}/events"), json!({"type": "turn_complete", "message_seq": 2})).await;
    assert_eq!((states().await[0].clone(), busy().await), ("idle".to_owned(), Some(0)));
}
