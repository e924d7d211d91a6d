//! People in the loop through the real Worker, the worker's side played with its own token:
//! an agent's request reaches the transcript, the project stream and the inbox, is answered
//! once (idempotent; another answer 409; after expiry 410) and the answer reaches the
//! transcript; share links show one session and nothing else, alike for unknown, revoked and
//! expired tokens; cost adds up per session, task and project.

use std::time::Duration;

use e2e::api::{new_member, unique, workspace_with_project, Api};
use reqwest::Method;
use serde_json::{json, Value};

/// A project with a worker and a session on it: (admin, worker client, project, session).
async fn session_on_a_worker() -> (Api, Api, i64, i64) {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let body = json!({"project_id": project, "name": unique("w"), "machine_id": unique("m"),
                      "agent": "scripted", "base_branch": "main"});
    let registered = admin.create("/api/workers", body).await;
    let worker = admin.with_token(registered["token"].as_str());
    let session =
        admin.create("/api/sessions", json!({"project_id": project, "worker_id": registered["worker"]["id"]})).await;
    (admin, worker, project, session["id"].as_i64().unwrap())
}

fn request(id: &str) -> Value {
    json!({"request_id": id, "kind": "approval", "tool": "Bash", "summary": "Bash: rm -f build.log",
           "input": {"command": "rm -f build.log"}, "message_seq": 2})
}

async fn events(api: &Api, session: i64) -> Vec<Value> {
    api.fetch(&format!("/api/sessions/{session}/events?limit=1000")).await["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_request_reaches_a_person_and_the_answer_comes_back_once() {
    let (admin, worker, project, session) = session_on_a_worker().await;
    let (status, asked) = worker.post(&format!("/api/sessions/{session}/inputs"), request("toolu_1")).await;
    assert_eq!((status, asked["status"].as_str()), (201, Some("pending")), "{asked}");
    let (again, same) = worker.post(&format!("/api/sessions/{session}/inputs"), request("toolu_1")).await;
    assert_eq!((again, same["request_id"].as_str()), (200, Some("toolu_1")), "a retried post is the same request");

    let inbox = admin.fetch("/api/inputs?status=pending&limit=200").await;
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["session_id"] == session && i["request_id"] == "toolu_1"));
    let outsider = new_member(&admin, &unique("out")).await;
    let theirs = outsider.fetch("/api/inputs?status=pending").await;
    assert!(theirs["items"].as_array().unwrap().is_empty(), "nobody else's inbox: {theirs}");
    let changes = admin.fetch(&format!("/api/projects/{project}/events")).await;
    assert!(changes["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["entity"] == "input" && e["session"] == format!("S-{session}")));
    assert!(events(&admin, session).await.iter().any(|e| e["type"] == "input_requested"));

    let answer = |decision: &str, message: &str| json!({"decision": decision, "message": message});
    let path = format!("/api/sessions/{session}/inputs/toolu_1");
    assert_eq!(worker.post(&path, answer("allow", "")).await.0, 403, "a worker does not answer");
    let (status, answered) = admin.post(&path, answer("deny", "not on the shared box")).await;
    assert_eq!((status, answered["decision"].as_str()), (200, Some("deny")), "{answered}");
    assert_eq!(answered["answered_by"]["name"], "admin");
    assert_eq!(admin.post(&path, answer("deny", "not on the shared box")).await.0, 200, "the same answer again");
    assert_eq!(admin.post(&path, answer("allow", "")).await.0, 409, "another answer");
    let log = events(&admin, session).await;
    let answers: Vec<&Value> = log.iter().filter(|e| e["type"] == "input_answered").collect();
    assert_eq!(answers.len(), 1, "the answer is written once: {log:#?}");
    assert_eq!(answers[0]["input"]["message"], "not on the shared box");
    assert_eq!(admin.post(&format!("/api/sessions/{session}/inputs/nope"), answer("allow", "")).await.0, 404);
}

#[tokio::test]
async fn an_unanswered_request_expires_as_a_deny_and_late_answers_are_gone() {
    let (admin, worker, _, session) = session_on_a_worker().await;
    let patch = admin.request(Method::PATCH, &format!("/api/sessions/{session}")).json(&json!({"input_timeout_s": 60}));
    assert_eq!(admin.send(patch).await.0, 200);
    let (status, asked) = worker.post(&format!("/api/sessions/{session}/inputs"), request("toolu_2")).await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!(admin.post(&format!("/api/sessions/{session}/inputs/toolu_2/expire"), json!({})).await.0, 403);
    let (status, expired) = worker.post(&format!("/api/sessions/{session}/inputs/toolu_2/expire"), json!({})).await;
    assert_eq!(
        (status, expired["status"].as_str(), expired["decision"].as_str()),
        (200, Some("expired"), Some("deny"))
    );
    assert!(expired["message"].as_str().unwrap().contains("nobody answered"), "{expired}");
    let (status, body) =
        admin.post(&format!("/api/sessions/{session}/inputs/toolu_2"), json!({"decision": "allow"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (410, Some("gone")));
    let pending = admin.fetch(&format!("/api/sessions/{session}/inputs?status=pending")).await;
    assert!(pending["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_share_link_shows_its_session_and_nothing_else() {
    let (admin, worker, _, session) = session_on_a_worker().await;
    let (_, _, _, other) = session_on_a_worker().await;
    admin.create(&format!("/api/sessions/{session}/messages"), json!({"text": "<b>hello</b> from inside"})).await;
    let read = admin.create(&format!("/api/sessions/{session}/shares"), json!({})).await;
    let write = admin.create(&format!("/api/sessions/{session}/shares"), json!({"mode": "write"})).await;
    let url = read["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/s/bts_", admin.url)), "{url}");
    let token = url.rsplit('/').next().unwrap().to_owned();
    let write_token = write["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let guest = admin.with_token(None);

    let page = guest.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["x-robots-tag"], "noindex");
    // The page is the web app (it reads the session through /api/share/:token), under the
    // app's CSP, and no referrer leaves it: its URL holds the token.
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    assert!(html.contains("<div id=\"app\">") && !html.contains("hello"), "{html}");
    let shown = guest.http.get(format!("{}/api/share/{token}", admin.url)).send().await.unwrap();
    assert_eq!(shown.headers()["x-baton-share-mode"], "read");
    assert_eq!(shown.json::<Value>().await.unwrap()["id"], session);
    let shown = guest.http.get(format!("{}/api/share/{write_token}", admin.url)).send().await.unwrap();
    assert_eq!(shown.headers()["x-baton-share-mode"], "write");
    let relayed = guest.http.get(format!("{}/api/share/{token}/events", admin.url)).send().await.unwrap();
    assert_eq!(relayed.headers()["cache-control"], "no-store", "a page relayed from the Hub too");
    assert_eq!(relayed.headers()["x-robots-tag"], "noindex");
    let log = guest.fetch(&format!("/api/share/{token}/events")).await;
    assert!(log["items"].as_array().unwrap().iter().any(|e| e["type"] == "user_message"));
    let (status, _) = guest.post(&format!("/api/share/{token}/messages"), json!({"text": "hi"})).await;
    assert_eq!(status, 403, "a read link does not write");
    let (status, posted) =
        guest.post(&format!("/api/share/{write_token}/messages"), json!({"text": "from a guest"})).await;
    assert_eq!((status, posted["author"]["kind"].as_str()), (201, Some("guest")), "{posted}");

    // A guest's request answer goes to this session only.
    worker.post(&format!("/api/sessions/{session}/inputs"), request("toolu_3")).await;
    let (status, _) =
        guest.post(&format!("/api/share/{write_token}/inputs/toolu_3"), json!({"decision": "allow"})).await;
    assert_eq!(status, 200);

    // The token is no credential anywhere else.
    let holder = admin.with_token(Some(&token));
    for path in [format!("/api/sessions/{session}"), format!("/api/sessions/{other}"), "/api/workspaces".to_owned()] {
        assert_eq!(holder.get(&path).await.0, 401, "{path}");
    }

    // Unknown, revoked and expired links answer alike.
    let short = admin.create(&format!("/api/sessions/{session}/shares"), json!({"expires_in_s": 1})).await;
    let short_token = short["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let revoked = admin.create(&format!("/api/sessions/{session}/shares"), json!({})).await;
    let revoked_token = revoked["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    assert_eq!(admin.delete(&format!("/api/shares/{}", revoked["id"])).await.0, 204);
    tokio::time::sleep(Duration::from_millis(1100)).await; // the short link's own second
    let mut answers = Vec::new();
    for t in [short_token, revoked_token, "bts_unknown".to_owned(), "x".to_owned()] {
        let response = guest.http.get(format!("{}/api/share/{t}", admin.url)).send().await.unwrap();
        let headers = (response.headers()["cache-control"].clone(), response.headers()["x-robots-tag"].clone());
        answers.push((response.status().as_u16(), headers, response.text().await.unwrap()));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 404);

    let listed = admin.fetch(&format!("/api/sessions/{session}/shares")).await;
    assert!(listed["items"].as_array().unwrap().iter().all(|s| s.get("url").is_none()), "never the token again");
    let rotated = admin.create_ok(&format!("/api/shares/{}/rotate", read["id"]), json!({})).await;
    assert_ne!(rotated["url"], read["url"]);
    assert_eq!(guest.get(&format!("/api/share/{token}")).await.0, 404, "the old url is dead");
}

#[tokio::test]
async fn cost_adds_up_per_session_task_and_project() {
    let (admin, worker, project, _) = session_on_a_worker().await;
    let requirement = admin.create(&format!("/api/projects/{project}/requirements"), json!({"title": "r"})).await;
    let task = admin
        .create(&format!("/api/projects/{project}/tasks"), json!({"requirement_id": requirement["id"], "title": "t"}))
        .await;
    let worker_id = admin.fetch(&format!("/api/workers?project_id={project}")).await["items"][0]["id"].clone();
    let on_task = admin
        .create("/api/sessions", json!({"project_id": project, "worker_id": worker_id, "task": task["handle"]}))
        .await;
    assert_eq!(on_task["task_id"], task["id"]);
    let s = on_task["id"].as_i64().unwrap();
    let usage = |seq: u64, input: u64, output: u64, cost: f64| {
        json!({"type": "agent_event", "message_seq": seq,
               "event": {"kind": "usage", "input_tokens": input, "output_tokens": output, "cost_usd": cost}})
    };
    // Turn 3 reports twice and ends; turn 4 reports nothing (the scripted agent, a command)
    // and still counts as a turn (regression: it did not, so sessions showed "0 turns").
    let end = |seq: u64| json!({"type": "turn_complete", "message_seq": seq});
    for event in [usage(2, 100, 10, 0.5), usage(3, 200, 20, 0.25), usage(3, 1, 1, 0.0), end(3), end(4)] {
        assert_eq!(worker.post(&format!("/api/sessions/{s}/events"), event).await.0, 201);
    }
    let session = admin.fetch(&format!("/api/sessions/{s}")).await;
    assert_eq!(session["cost"], json!({"turns": 3, "input_tokens": 301, "output_tokens": 31, "cost_usd": 0.75}));
    assert_eq!(admin.fetch(&format!("/api/tasks/{}/cost", task["id"])).await["cost_usd"], 0.75);
    let project_cost = admin.fetch(&format!("/api/projects/{project}/cost")).await;
    assert_eq!((project_cost["turns"].as_u64(), project_cost["input_tokens"].as_u64()), (Some(3), Some(301)));
    let later = admin.fetch(&format!("/api/projects/{project}/cost?since=2999-01-01")).await;
    assert_eq!(later["turns"], 0);
    assert_eq!(admin.get(&format!("/api/projects/{project}/cost?since=yesterday")).await.0, 400);
}

/// A project's notification webhook hears when an agent waits for a person and when a turn
/// ends, signed with its secret.
#[tokio::test]
async fn a_projects_webhook_hears_requests_and_turn_ends_signed() {
    let (admin, worker, project, session) = session_on_a_worker().await;
    let receiver = e2e::receiver::Receiver::start(0);
    let secret = "a notification secret of some length";
    let (status, bad) =
        admin.post(&format!("/api/projects/{project}/webhooks"), json!({"url": "ftp://x", "secret": secret})).await;
    assert_eq!((status, bad["error"]["message"].as_str().map(|m| m.starts_with("url"))), (400, Some(true)));
    let hook = admin
        .create(
            &format!("/api/projects/{project}/webhooks"),
            json!({"url": receiver.url, "secret": secret, "events": ["input_requested", "turn_complete"]}),
        )
        .await;
    assert!(hook.get("secret").is_none(), "{hook}");
    worker.post(&format!("/api/sessions/{session}/inputs"), request("toolu_9")).await;
    worker
        .post(
            &format!("/api/sessions/{session}/events"),
            json!({"type": "turn_error", "message_seq": 2, "message": "x"}),
        )
        .await;
    worker.post(&format!("/api/sessions/{session}/events"), json!({"type": "turn_complete", "message_seq": 2})).await;
    let got = receiver.wait_for(2).await;
    let mut kinds = Vec::new();
    for (headers, body) in &got {
        let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert!(edge::crypto::signature::verify(secret, body.as_bytes(), header("x-baton-signature-256")), "signed");
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["project_id"], project);
        kinds.push(payload["event"].as_str().unwrap().to_owned());
    }
    kinds.sort();
    assert_eq!(kinds, ["input_requested", "turn_complete"], "turn_error was not asked for");
    assert_eq!(admin.delete(&format!("/api/webhooks/{}", hook["id"])).await.0, 204);
}

/// Files under a directory, recursively.
fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

/// Regression: deleting a session left its attachments in R2 for ever.
#[tokio::test]
async fn deleting_a_session_deletes_its_attachments_in_r2() {
    let admin = Api::admin();
    let (_, session) = e2e::api::new_session(&admin).await;
    let blobs = e2e::server::shared().state_dir.join("v3/r2");
    let upload = |name: &str| {
        admin
            .request(Method::POST, &format!("/api/sessions/{session}/attachments?filename={name}"))
            .header("content-type", "text/plain")
            .body(format!("the bytes of {name}"))
    };
    let before = files_under(&blobs);
    for name in ["a.txt", "b.txt"] {
        assert_eq!(admin.send(upload(name)).await.0, 201);
    }
    let with = files_under(&blobs);
    assert!(with >= before + 2, "the uploads are blobs: {before} -> {with}");
    assert_eq!(admin.delete(&format!("/api/sessions/{session}")).await.0, 204);
    let after = files_under(&blobs);
    assert!(after <= with - 2, "the session's blobs went with it: {with} -> {after}");
}

/// A long transcript is read from its end: the newest events before a position, oldest first.
#[tokio::test]
async fn a_transcript_pages_back_from_its_end() {
    let admin = Api::admin();
    let (_, session) = e2e::api::new_session(&admin).await;
    for i in 0..5 {
        admin.create(&format!("/api/sessions/{session}/messages"), json!({"text": format!("m{i}")})).await;
    }
    let all = events(&admin, session).await;
    let last = all.last().unwrap()["seq"].as_u64().unwrap();
    let page = admin.fetch(&format!("/api/sessions/{session}/events?before={}&limit=2", last + 1)).await;
    let seqs: Vec<u64> = page["items"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [last - 1, last]);
    assert_eq!(page["next_before"], last - 1);
    let start = admin.fetch(&format!("/api/sessions/{session}/events?before=2&limit=5")).await;
    assert_eq!(start["items"].as_array().unwrap().len(), 1);
    assert!(start.get("next_before").is_none(), "the start of the stream: {start}");
    assert_eq!(admin.get(&format!("/api/sessions/{session}/events?before=0")).await.0, 400);
}

/// A bare pass works with any user token: a person in several workspaces passes into their
/// default one (the first joined, or the one they chose); a token scoped to one workspace
/// reaches that workspace only, never as an admin, and mints only tokens as narrow.
#[tokio::test]
async fn bare_passes_go_home_and_scoped_tokens_reach_one_workspace() {
    let admin = Api::admin();
    let (first, _) = workspace_with_project(&admin).await;
    let (second, second_project) = workspace_with_project(&admin).await;
    let name = unique("two");
    let member = new_member(&admin, &name).await;
    for ws in [first, second] {
        admin.create(&format!("/api/workspaces/{ws}/members"), json!({"username": name})).await;
    }
    let pass = |api: &Api| {
        let api = api.clone();
        async move {
            let passed = api.create("/api/pass", json!({"task": "bare"})).await;
            api.fetch(&format!("/api/status/{}", passed["baton_id"].as_str().unwrap())).await
        }
    };
    assert_eq!(pass(&member).await["workspace_id"], first, "the first one joined");
    let patch = member.request(Method::PATCH, "/api/auth/me").json(&json!({"default_workspace_id": second}));
    let (status, me) = member.send(patch).await;
    assert_eq!((status, me["default_workspace_id"].as_i64()), (200, Some(second)), "{me}");
    assert_eq!(pass(&member).await["workspace_id"], second, "the chosen one");

    let scoped = member.create("/api/tokens", json!({"name": "agent-key", "workspace_id": first})).await;
    assert_eq!(scoped["workspace_id"], first);
    let key = member.with_token(scoped["token"].as_str());
    let seen = key.fetch("/api/workspaces").await;
    let ids: Vec<i64> = seen["items"].as_array().unwrap().iter().map(|w| w["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [first]);
    assert_eq!(key.get(&format!("/api/projects/{second_project}")).await.0, 404);
    assert_eq!(pass(&key).await["workspace_id"], first, "a scoped key's home is its workspace");
    let listed = key.fetch("/api/batons?limit=200").await;
    assert!(
        listed["items"].as_array().unwrap().iter().all(|b| b["workspace_id"] == first),
        "a scoped key lists its workspace's batons only: {listed}"
    );
    let narrower = key.create("/api/tokens", json!({"name": "from-a-key"})).await;
    assert_eq!(narrower["workspace_id"], first, "a scoped token mints only scoped tokens");

    let admin_key = admin.create("/api/tokens", json!({"name": "admin-key", "workspace_id": first})).await;
    let admin_key = admin.with_token(admin_key["token"].as_str());
    assert_eq!(
        admin_key.post("/api/users", json!({"username": unique("x"), "password": "a long password"})).await.0,
        403
    );
    let (status, _) = admin.post("/api/tokens", json!({"name": "x", "workspace_id": 999_999_999})).await;
    assert_eq!(status, 400);
}

/// A token scoped to one project reaches that project and nothing else of its workspace.
#[tokio::test]
async fn a_project_scoped_token_reaches_its_project_only() {
    let admin = Api::admin();
    let (ws, mine) = workspace_with_project(&admin).await;
    let other =
        admin.create("/api/projects", json!({"workspace_id": ws, "name": "other"})).await["id"].as_i64().unwrap();
    let name = unique("proj");
    let member = new_member(&admin, &name).await;
    admin.create(&format!("/api/workspaces/{ws}/members"), json!({"username": name})).await;
    let created = member.create("/api/tokens", json!({"name": "one-project", "project_id": mine})).await;
    assert_eq!((created["workspace_id"].as_i64(), created["project_id"].as_i64()), (Some(ws), Some(mine)));
    let key = member.with_token(created["token"].as_str());
    assert_eq!(key.get(&format!("/api/projects/{mine}")).await.0, 200);
    let requirement = key.create(&format!("/api/projects/{mine}/requirements"), json!({"title": "ok"})).await;
    assert_eq!(key.get(&format!("/api/requirements/{}", requirement["id"])).await.0, 200);
    let theirs = admin.create(&format!("/api/projects/{other}/requirements"), json!({"title": "not yours"})).await;
    let session = admin.create("/api/sessions", json!({"project_id": other})).await;
    for path in [
        format!("/api/projects/{other}"),
        format!("/api/projects/{other}/requirements"),
        format!("/api/requirements/{}", theirs["id"]),
        format!("/api/sessions/{}", session["id"]),
        format!("/api/projects/{other}/cost"),
    ] {
        assert_eq!(key.get(&path).await.0, 404, "{path}");
    }
    let listed = key.fetch(&format!("/api/workspaces/{ws}/projects")).await;
    let ids: Vec<i64> = listed["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [mine]);
    let narrower = key.create("/api/tokens", json!({"name": "from-it"})).await;
    assert_eq!(narrower["project_id"], mine, "it mints only as narrow");
}

/// A second agent gets its own identity: an admin mints a token for a person (scoped if asked);
/// nobody else may.
#[tokio::test]
async fn an_admin_mints_a_token_for_a_second_agents_own_identity() {
    let admin = Api::admin();
    let (ws, _) = workspace_with_project(&admin).await;
    let name = unique("second");
    let member = new_member(&admin, &name).await;
    admin.create(&format!("/api/workspaces/{ws}/members"), json!({"username": name})).await;
    let me = member.fetch("/api/auth/me").await;
    let id = me["id"].as_i64().unwrap();
    let minted = admin.create(&format!("/api/users/{id}/tokens"), json!({"name": "agent-2", "workspace_id": ws})).await;
    let theirs = admin.with_token(minted["token"].as_str());
    assert_eq!(theirs.fetch("/api/auth/me").await["username"], name.as_str());
    assert_eq!(minted["workspace_id"], ws);
    let (status, _) = member.post(&format!("/api/users/{id}/tokens"), json!({"name": "x"})).await;
    assert_eq!(status, 403, "people mint their own tokens only");
    let (elsewhere, _) = workspace_with_project(&admin).await;
    let (status, _) =
        admin.post(&format!("/api/users/{id}/tokens"), json!({"name": "x", "workspace_id": elsewhere})).await;
    assert_eq!(status, 400, "a scope the person does not reach");
}
