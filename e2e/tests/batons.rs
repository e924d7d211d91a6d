//! The handoff API against the real Worker: the four calls as a curl user makes them, leases
//! under a race and after expiry, TTL expiry, idempotent passes, signed and retried completion
//! webhooks, visibility, and every kind of bad input.

use std::process::Command;
use std::time::Duration;

use e2e::api::{new_member, unique, workspace_with_project, Api};
use e2e::receiver::Receiver;
use reqwest::Method;
use serde_json::{json, Value};

/// A workspace with two members in it (and its project): (alice, bob, workspace id, project id).
async fn two_members() -> (Api, Api, i64, i64) {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    let (alice_name, bob_name) = (unique("alice"), unique("bob"));
    let alice = new_member(&admin, &alice_name).await;
    let bob = new_member(&admin, &bob_name).await;
    for name in [alice_name, bob_name] {
        admin.create(&format!("/api/workspaces/{ws}/members"), json!({"username": name})).await;
    }
    (alice, bob, ws, project)
}

async fn pass(api: &Api, body: Value) -> String {
    let (status, passed) = api.post("/api/pass", body).await;
    assert_eq!(status, 201, "{passed}");
    passed["baton_id"].as_str().unwrap().to_owned()
}

/// One call with curl, as a person at a shell would make it: (HTTP status, JSON body).
fn curl(token: &str, method: &str, url: &str, body: Option<&str>) -> (u16, Value) {
    let mut c = Command::new("curl");
    c.args(["-sS", "-X", method, "-H", &format!("Authorization: Bearer {token}"), "-w", "\n%{http_code}", url]);
    if let Some(body) = body {
        c.args(["-H", "Content-Type: application/json", "--data-binary", body]);
    }
    let out = c.output().expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (json_text, code) = text.rsplit_once('\n').expect("a status line");
    (code.trim().parse().unwrap(), serde_json::from_str(json_text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_curl_user_passes_catches_finishes_and_reads_the_status() {
    let (alice, bob, _, _) = two_members().await;
    let (a, b) = (alice.token.clone().unwrap(), bob.token.clone().unwrap());
    let url = &alice.url;
    let body = r#"{"task": "summarize the incident", "output": {"log_lines": 1204}, "context": {"service": "api"},
                   "constraints": {"max_words": 200}, "ttl_seconds": 3600}"#;
    let (status, passed) = curl(&a, "POST", &format!("{url}/api/pass"), Some(body));
    assert_eq!(status, 201, "{passed}");
    let id = passed["baton_id"].as_str().unwrap();
    assert_eq!(passed["status"], "pending");
    assert_eq!(passed["pickup_url"], format!("{url}/api/catch/{id}"));
    assert!(passed["expires_at"].as_str().unwrap().ends_with('Z'));

    // Bob catches it from the pickup URL as given.
    let (status, caught) = curl(&b, "GET", passed["pickup_url"].as_str().unwrap(), None);
    assert_eq!(status, 200, "{caught}");
    assert_eq!(caught["status"], "caught");
    assert_eq!(caught["task"], "summarize the incident");
    assert_eq!(caught["output"], json!({"log_lines": 1204}));
    assert_eq!(caught["context"], json!({"service": "api"}));
    assert_eq!(caught["constraints"], json!({"max_words": 200}));
    assert_eq!(caught["attempt"], 1);
    assert!(caught["lease"]["token"].as_str().unwrap().starts_with("btk_"));

    let (status, seen) = curl(&a, "GET", &format!("{url}/api/status/{id}"), None);
    assert_eq!((status, seen["status"].clone()), (200, json!("caught")));
    assert_eq!(seen["caught_by"]["name"], bob.fetch("/api/auth/me").await["username"]);
    assert!(seen.get("lease").is_none(), "status never shows the lease token");

    // Done with only the Bearer token and the output.
    let (status, done) =
        curl(&b, "POST", &format!("{url}/api/done/{id}"), Some(r#"{"output": {"summary": "db failover"}}"#));
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "done");
    assert_eq!(done["result"], json!({"summary": "db failover"}));
    assert_eq!(done["output"], json!({"summary": "db failover"}), "the finisher's output takes the baton's place");
    assert_eq!(done["handed_over"], json!({"log_lines": 1204}), "what was handed over stays");
    assert!(done["finished_at"].is_string());

    let (status, again) =
        curl(&b, "POST", &format!("{url}/api/done/{id}"), Some(r#"{"output": {"summary": "db failover"}}"#));
    assert_eq!((status, &again), (200, &done), "the same done answers the same record");
    let (status, seen) = curl(&a, "GET", &format!("{url}/api/status/{id}"), None);
    assert_eq!(
        (status, seen["status"].clone(), seen["result"].clone()),
        (200, json!("done"), json!({"summary": "db failover"}))
    );
    let (status, _) = curl(&b, "GET", &format!("{url}/api/catch/{id}"), None);
    assert_eq!(status, 409, "a done baton is not caught again");
}

#[tokio::test]
async fn twenty_racing_catchers_get_exactly_one_lease() {
    let (alice, bob, _, _) = two_members().await;
    let id = pass(&alice, json!({"task": "one of you"})).await;
    let catches = (0..20).map(|i| {
        let who = if i % 2 == 0 { alice.clone() } else { bob.clone() };
        let id = id.clone();
        tokio::spawn(async move { who.get(&format!("/api/catch/{id}")).await })
    });
    let results: Vec<(u16, Value)> =
        futures_util::future::join_all(catches).await.into_iter().map(Result::unwrap).collect();
    let winners: Vec<&Value> = results.iter().filter(|(s, _)| *s == 200).map(|(_, b)| b).collect();
    assert_eq!(winners.len(), 1, "{results:#?}");
    assert!(results.iter().all(|(s, b)| *s == 200 || (*s == 409 && b["error"]["code"] == "conflict")), "{results:#?}");
    let status = alice.fetch(&format!("/api/status/{id}")).await;
    assert_eq!(status["attempt"], 1);
    assert_eq!(status["caught_by"], winners[0]["caught_by"]);
}

#[tokio::test]
async fn an_expired_lease_goes_to_the_next_catcher_and_the_first_ones_done_is_refused() {
    let (alice, bob, _, _) = two_members().await;
    let id = pass(&alice, json!({"task": "slow work"})).await;
    // Two seconds leave room for a slow machine between the catch and the refused one.
    let (status, first) = alice.get(&format!("/api/catch/{id}?lease_seconds=2")).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(bob.get(&format!("/api/catch/{id}")).await.0, 409, "held");
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(bob.fetch(&format!("/api/status/{id}")).await["status"], "pending", "the lapsed lease frees it");
    let (status, second) = bob.get(&format!("/api/catch/{id}")).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["attempt"], 2);

    let (status, refused) = alice.post(&format!("/api/done/{id}"), json!({"output": "late"})).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(alice.post(&format!("/api/heartbeat/{id}"), json!({})).await.0, 409);
    let unchanged = bob.fetch(&format!("/api/status/{id}")).await;
    assert_eq!((unchanged["status"].clone(), unchanged["result"].clone()), (json!("caught"), Value::Null));
    let (status, done) = bob.post(&format!("/api/done/{id}"), json!({"output": "on time"})).await;
    assert_eq!((status, done["result"].clone()), (200, json!("on time")));
}

#[tokio::test]
async fn the_lease_token_fences_off_a_stale_attempt_of_the_same_principal() {
    let (alice, _, _, _) = two_members().await;
    let id = pass(&alice, json!({"task": "retry me"})).await;
    let first = alice.get(&format!("/api/catch/{id}?lease_seconds=1")).await.1;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let second = alice.get(&format!("/api/catch/{id}?lease_seconds=60")).await.1;
    assert_eq!(second["attempt"], 2);
    let stale = json!({"output": 1, "lease_token": first["lease"]["token"]});
    assert_eq!(alice.post(&format!("/api/done/{id}"), stale).await.0, 409);
    let beat = alice
        .post(&format!("/api/heartbeat/{id}"), json!({"lease_token": second["lease"]["token"], "lease_seconds": 120}))
        .await;
    assert_eq!(beat.0, 200, "{}", beat.1);
    assert!(beat.1["lease_expires_at"].as_str().unwrap() > second["lease"]["expires_at"].as_str().unwrap());
    let current = json!({"output": 2, "lease_token": second["lease"]["token"]});
    let (status, done) = alice.post(&format!("/api/done/{id}"), current).await;
    assert_eq!((status, done["result"].clone()), (200, json!(2)));
}

#[tokio::test]
async fn a_baton_past_its_ttl_answers_410_and_its_status_says_expired() {
    let (alice, bob, _, _) = two_members().await;
    let id = pass(&alice, json!({"task": "soon stale", "ttl_seconds": 2})).await;
    let caught = bob.get(&format!("/api/catch/{id}?lease_seconds=600")).await.1;
    assert!(
        caught["lease"]["expires_at"].as_str().unwrap() <= caught["expires_at"].as_str().unwrap(),
        "a lease never outlives the TTL"
    );
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let (status, gone) = bob.post(&format!("/api/done/{id}"), json!({})).await;
    assert_eq!((status, gone["error"]["code"].clone()), (410, json!("gone")));
    assert_eq!(alice.get(&format!("/api/catch/{id}")).await.0, 410);
    let (status, seen) = alice.get(&format!("/api/status/{id}")).await;
    assert_eq!((status, seen["status"].clone()), (200, json!("expired")));
    let expired = alice.fetch("/api/batons?status=expired").await;
    assert!(expired["items"].as_array().unwrap().iter().any(|b| b["baton_id"] == id.as_str()));
}

#[tokio::test]
async fn a_pass_with_an_idempotency_key_happens_once() {
    let (alice, bob, _, _) = two_members().await;
    let key = unique("key");
    let body = json!({"task": "exactly once", "context": {"n": 1}});
    let send = |api: Api, body: Value, key: String| async move {
        api.send(api.request(Method::POST, "/api/pass").header("Idempotency-Key", key).json(&body)).await
    };
    let racing = (0..8).map(|_| tokio::spawn(send(alice.clone(), body.clone(), key.clone())));
    let answers: Vec<(u16, Value)> =
        futures_util::future::join_all(racing).await.into_iter().map(Result::unwrap).collect();
    assert!(answers.iter().all(|(s, b)| *s == 201 && b == &answers[0].1), "{answers:#?}");
    let later = send(alice.clone(), body.clone(), key.clone()).await;
    assert_eq!(later, answers[0], "a replay answers the first response");
    let (status, conflict) = send(alice.clone(), json!({"task": "something else"}), key.clone()).await;
    assert_eq!(status, 409, "{conflict}");
    let (status, other) = send(bob.clone(), body.clone(), key.clone()).await;
    assert_eq!(status, 201);
    assert_ne!(other["baton_id"], answers[0].1["baton_id"], "keys are per passer");
    let all = alice.fetch("/api/batons?limit=200").await;
    let ours = all["items"].as_array().unwrap().iter().filter(|b| b["task"] == "exactly once").count();
    assert_eq!(ours, 2, "one baton per passer");
}

#[tokio::test]
async fn only_the_workspace_sees_a_baton_and_only_the_passer_cancels_it() {
    let (alice, bob, ws, project) = two_members().await;
    let admin = Api::admin();
    let outsider = new_member(&admin, &unique("eve")).await;
    let id = pass(&alice, json!({"task": "private", "to": {"project": project}})).await;
    for path in [format!("/api/status/{id}"), format!("/api/catch/{id}")] {
        assert_eq!(outsider.get(&path).await.0, 404, "{path}");
    }
    assert_eq!(outsider.post(&format!("/api/cancel/{id}"), json!({})).await.0, 404);
    let listed = outsider.fetch("/api/batons").await;
    assert!(listed["items"].as_array().unwrap().iter().all(|b| b["baton_id"] != id.as_str()));
    let seen = bob.fetch(&format!("/api/status/{id}")).await;
    assert_eq!((seen["workspace_id"].clone(), seen["to"].clone()), (json!(ws), json!({"project": project})));

    assert_eq!(bob.post(&format!("/api/cancel/{id}"), json!({})).await.0, 403);
    let (status, cancelled) = alice.post(&format!("/api/cancel/{id}"), json!({})).await;
    assert_eq!((status, cancelled["status"].clone()), (200, json!("cancelled")));
    assert_eq!(bob.get(&format!("/api/catch/{id}")).await.0, 403, "addressed to the project: only its workers catch");
    let pending = alice.fetch("/api/batons?status=cancelled").await;
    assert!(pending["items"].as_array().unwrap().iter().any(|b| b["baton_id"] == id.as_str()));
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_naming_the_field() {
    let (alice, bob, _, _) = two_members().await;
    let cases = [
        (json!({}), "task"),
        (json!({"task": "  "}), "task"),
        (json!({"task": 3}), "task"),
        (json!({"task": "t", "ttl_seconds": 0}), "ttl_seconds"),
        (json!({"task": "t", "ttl_seconds": 2_592_001}), "ttl_seconds"),
        (json!({"task": "t", "context": [1]}), "context"),
        (json!({"task": "t", "to": {"project": 1, "worker": "W-1"}}), "to"),
        (json!({"task": "t", "to": {"worker": "T-1"}}), "to.worker"),
        (json!({"task": "t", "to": {"team": 1}}), "to"),
        (json!({"task": "t", "surprise": 1}), "surprise"),
        (json!({"task": "t", "webhook": {"url": "https://example.com/h", "secret": "short"}}), "webhook.secret"),
        (
            json!({"task": "t", "webhook": {"url": "ftp://example.com/h", "secret": "long enough secret"}}),
            "webhook.url",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = alice.post("/api/pass", body.clone()).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert!(err["error"]["message"].as_str().unwrap().contains(field), "{body}: {err}");
    }
    assert_eq!(alice.post_raw("/api/pass", "{not json").await.0, 400);
    assert_eq!(alice.post_raw("/api/pass", format!(r#"{{"task": "{}"}}"#, "x".repeat(1_100_000))).await.0, 413);
    let (status, err) = alice
        .send(alice.request(Method::POST, "/api/pass").header("Idempotency-Key", "").json(&json!({"task": "t"})))
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(alice.post("/api/pass", json!({"task": "t", "to": {"project": 999_999}})).await.0, 404);

    let id = pass(&alice, json!({"task": "t"})).await;
    let head = bob.request(Method::HEAD, &format!("/api/catch/{id}")).send().await.unwrap();
    assert_eq!(head.status(), 405, "a HEAD never takes the lease");
    assert_eq!(alice.fetch(&format!("/api/status/{id}")).await["status"], "pending");
    assert_eq!(bob.get(&format!("/api/catch/{id}?lease_seconds=0")).await.0, 400);
    assert_eq!(bob.get(&format!("/api/catch/{id}?lease_seconds=3601")).await.0, 400);
    assert_eq!(bob.post(&format!("/api/done/{id}"), json!({})).await.0, 409, "not caught yet");
    bob.get(&format!("/api/catch/{id}")).await;
    let (status, err) = bob.post(&format!("/api/fail/{id}"), json!({})).await;
    assert!(status == 400 && err["error"]["message"].as_str().unwrap().contains("error"), "{err}");
    assert_eq!(bob.post(&format!("/api/done/{id}"), json!({"outptu": 1})).await.0, 400);
    assert_eq!(bob.post(&format!("/api/heartbeat/{id}"), json!({"lease_seconds": 0})).await.0, 400);
    let (status, failed) = bob.post(&format!("/api/fail/{id}"), json!({"error": "the repo is archived"})).await;
    assert_eq!(
        (status, failed["status"].clone(), failed["error"].clone()),
        (200, json!("failed"), json!("the repo is archived"))
    );

    for path in [
        "/api/status/bt_aaaaaaaaaaaaaaaaaaaaaaaaaa",
        "/api/status/nonsense",
        "/api/catch/bt_aaaaaaaaaaaaaaaaaaaaaaaaaa",
    ] {
        let (status, err) = alice.get(path).await;
        assert_eq!((status, err["error"]["code"].clone()), (404, json!("not_found")), "{path}");
    }
    assert_eq!(alice.with_token(None).get(&format!("/api/status/{id}")).await.0, 401);
    assert_eq!(alice.with_token(Some("btp_wrong")).post("/api/pass", json!({"task": "t"})).await.0, 401);
    assert_eq!(alice.get("/api/batons?status=lost").await.0, 400);
}

#[tokio::test]
async fn the_completion_webhook_is_signed_and_retried_until_accepted() {
    let (alice, bob, _, _) = two_members().await;
    let receiver = Receiver::start(2);
    let secret = "a webhook secret of some length";
    let id = pass(&alice, json!({"task": "call me back", "webhook": {"url": receiver.url, "secret": secret}})).await;
    let status = alice.fetch(&format!("/api/status/{id}")).await;
    assert_eq!(status["webhook_url"], receiver.url.as_str());
    assert!(!status.to_string().contains(secret), "the secret is never shown");
    bob.get(&format!("/api/catch/{id}")).await;
    bob.post(&format!("/api/done/{id}"), json!({"output": {"ok": true}})).await;
    bob.post(&format!("/api/done/{id}"), json!({"output": {"ok": true}})).await; // a replay sends nothing new

    let requests = receiver.wait_for(3).await;
    for (headers, body) in &requests {
        let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(header("x-baton-event"), Some("baton.done"));
        assert!(edge::crypto::signature::verify(secret, body.as_bytes(), header("x-baton-signature-256")), "signed");
        assert!(!edge::crypto::signature::verify("another secret!!", body.as_bytes(), header("x-baton-signature-256")));
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            (payload["baton"]["baton_id"].clone(), payload["baton"]["result"].clone()),
            (json!(id), json!({"ok": true}))
        );
        assert!(payload["baton"].get("output").is_none(), "the passer's own output is not sent back");
    }
    let attempts: Vec<_> =
        requests.iter().map(|(h, _)| h.iter().find(|(k, _)| k == "x-baton-attempt").unwrap().1.clone()).collect();
    assert_eq!(attempts, ["1", "2", "3"], "two failures, then accepted");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.requests.lock().unwrap().len(), 3, "nothing after the 2xx");
}

/// Issue 14: an admin's list held every workspace's batons with no way to narrow it.
#[tokio::test]
async fn lists_filter_by_workspace_and_project() {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    let other_project = admin.create("/api/projects", json!({"workspace_id": ws, "name": unique("other")})).await;
    let (other_ws, _) = workspace_with_project(&admin).await;
    let to_project = pass(&admin, json!({"task": "here", "to": {"project": project}})).await;
    let to_other_project = pass(&admin, json!({"task": "next door", "to": {"project": other_project["id"]}})).await;
    let unaddressed = pass(&admin, json!({"task": "anyone", "workspace_id": ws})).await;
    let elsewhere = pass(&admin, json!({"task": "elsewhere", "workspace_id": other_ws})).await;
    let ids = |page: Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|b| b["baton_id"].as_str().unwrap().to_owned()).collect()
    };
    let in_ws = ids(admin.fetch(&format!("/api/batons?workspace_id={ws}&limit=200")).await);
    assert_eq!(in_ws, [to_project.clone(), to_other_project, unaddressed]);
    assert!(!in_ws.contains(&elsewhere));
    let in_project = ids(admin.fetch(&format!("/api/batons?project_id={project}&status=pending&limit=200")).await);
    assert_eq!(in_project, [to_project]);
    for bad in ["workspace_id=acme", "project_id=0"] {
        let (status, value) = admin.get(&format!("/api/batons?{bad}")).await;
        assert_eq!((status, value["error"]["code"].as_str()), (400, Some("invalid_parameter")), "{bad}: {value}");
    }
}

#[tokio::test]
async fn a_worker_token_only_sees_batons_addressed_to_it_and_cannot_pass() {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    let register = |name: String| {
        let admin = admin.clone();
        async move {
            let body = json!({"project_id": project, "name": name, "machine_id": unique("m"), "agent": "scripted", "base_branch": "main"});
            admin.create("/api/workers", body).await
        }
    };
    let registered = register(unique("one")).await;
    let one = registered["worker"].clone();
    let two = register(unique("two")).await["worker"].clone();
    let worker = admin.with_token(registered["token"].as_str());
    let to_two = pass(&admin, json!({"task": "for two", "to": {"worker": two["handle"]}})).await;
    let to_project = pass(&admin, json!({"task": "for anyone", "to": {"project": project}})).await;
    let unaddressed = pass(&admin, json!({"task": "for people", "workspace_id": ws})).await;
    assert_eq!(worker.get(&format!("/api/status/{to_two}")).await.0, 404);
    assert_eq!(worker.get(&format!("/api/status/{unaddressed}")).await.0, 404);
    let listed = worker.fetch("/api/batons?status=pending").await;
    let ids: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|b| b["baton_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [to_project.as_str()]);
    assert_eq!(worker.post("/api/pass", json!({"task": "t"})).await.0, 403);

    // A worker's catch opens a session on that worker with the brief as its first message.
    let (status, caught) = worker.get(&format!("/api/catch/{to_project}")).await;
    assert_eq!(status, 200, "{caught}");
    assert_eq!(caught["caught_by"], json!({"kind": "worker", "id": one["id"], "name": one["handle"]}));
    let session = caught["session_id"].as_i64().unwrap();
    let s = admin.fetch(&format!("/api/sessions/{session}")).await;
    assert_eq!((s["worker_id"].clone(), s["project_id"].clone()), (one["id"].clone(), json!(project)));
    let events = admin.fetch(&format!("/api/sessions/{session}/events")).await;
    let brief = events["items"].as_array().unwrap().iter().find(|e| e["type"] == "user_message").unwrap().clone();
    assert!(brief["text"].as_str().unwrap().starts_with("for anyone"), "{brief}");
    let changes = admin.fetch(&format!("/api/projects/{project}/events")).await;
    let changes = changes["items"].as_array().unwrap();
    assert!(changes.iter().any(|e| e["entity"] == "session" && e["id"] == session));
    // The project's change stream follows the batons addressed to it or to its workers, and
    // the workspace's unaddressed ones (whoever reads the stream may see those too; a worker,
    // which may not, reads no project stream).
    let batons: Vec<(String, String)> = changes
        .iter()
        .filter(|e| e["entity"] == "baton")
        .map(|e| (e["handle"].as_str().unwrap().to_owned(), e["action"].as_str().unwrap().to_owned()))
        .collect();
    let expected =
        [(to_two, "created"), (to_project.clone(), "created"), (unaddressed, "created"), (to_project, "updated")];
    assert_eq!(batons, expected.map(|(id, action)| (id, action.to_owned())));
    assert_eq!(worker.get(&format!("/api/projects/{project}/stream")).await.0, 403, "a worker reads no project stream");
}

#[tokio::test]
async fn a_members_list_reads_its_own_batons_not_everyone_elses() {
    let admin = Api::admin();
    let (crowded, _) = workspace_with_project(&admin).await;
    for i in 0..40 {
        pass(&admin, json!({"task": format!("crowd {i}"), "workspace_id": crowded})).await;
    }
    let (alice, _, _, _) = two_members().await;
    for i in 0..3 {
        pass(&alice, json!({"task": format!("mine {i}")})).await;
    }
    for i in 40..60 {
        pass(&admin, json!({"task": format!("crowd {i}"), "workspace_id": crowded})).await;
    }
    let response = alice.request(Method::GET, "/api/batons?limit=2").send().await.unwrap();
    let read: usize = response.headers()["x-baton-d1-rows-read"].to_str().unwrap().parse().unwrap();
    let page: Value = response.json().await.unwrap();
    let tasks: Vec<&str> = page["items"].as_array().unwrap().iter().map(|b| b["task"].as_str().unwrap()).collect();
    assert_eq!(tasks, ["mine 0", "mine 1"]);
    // Each fetched row (the page and one more) costs its index entry, the row and its result
    // lookup, plus the membership: not the 60 batons of the other workspace.
    assert!(read <= 3 * 3 + 3, "a page of 2 read {read} rows");
}

/// Regression: a worker's catch took the lease, then created the session, then wrote its id
/// (three writes; a failure between them left a lease without its session, and the last did
/// not bump the revision). Now one transaction: racing workers open exactly one session, and
/// the record names it.
#[tokio::test]
async fn a_worker_catch_opens_its_session_in_the_same_transaction_as_the_lease() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let mut workers = Vec::new();
    for _ in 0..4 {
        let body = json!({"project_id": project, "name": unique("w"), "machine_id": unique("m"), "agent": "scripted", "base_branch": "main"});
        let registered = admin.create("/api/workers", body).await;
        workers.push(admin.with_token(registered["token"].as_str()));
    }
    let id = pass(&admin, json!({"task": "only once", "to": {"project": project}})).await;
    let catches = workers.iter().map(|w| {
        let w = w.clone();
        let id = id.clone();
        async move { w.get(&format!("/api/catch/{id}")).await }
    });
    let answers = futures_util::future::join_all(catches).await;
    let won: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 200).map(|(_, v)| v).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    assert!(answers.iter().all(|(s, _)| *s == 200 || *s == 409), "{answers:?}");
    let session = won[0]["session_id"].as_i64().expect("the catch names its session");
    assert_eq!(admin.fetch(&format!("/api/status/{id}")).await["session_id"], session);
    let sessions = admin.fetch(&format!("/api/projects/{project}/sessions")).await;
    let ids: Vec<i64> = sessions["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [session], "exactly one session, the winner's");
    let events = admin.fetch(&format!("/api/sessions/{session}/events")).await;
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["type"] == "user_message"), "the brief is there");
}

/// Regression (issue 13): a baton of a whole workspace (no project addressed) told no stream
/// when it changed, so the web app's batons view could not follow it live. Now every project
/// of its workspace hears of it.
#[tokio::test]
async fn a_workspace_batons_changes_reach_every_project_stream_of_its_workspace() {
    use e2e::sse::SseReader;
    let (alice, bob, ws, project) = two_members().await;
    let admin = Api::admin();
    let second = admin.create("/api/projects", json!({"workspace_id": ws, "name": "second"})).await;
    let mut streams = Vec::new();
    for p in [project, second["id"].as_i64().unwrap()] {
        streams.push(SseReader::open(&admin, &format!("/api/projects/{p}/stream"), None).await);
    }
    let id = pass(&alice, json!({"task": "review", "workspace_id": ws})).await;
    assert_eq!(bob.get(&format!("/api/catch/{id}")).await.0, 200);
    for stream in &mut streams {
        let frames = stream.take(2, Duration::from_secs(10)).await;
        let seen: Vec<(String, String)> = frames
            .iter()
            .map(|f| {
                let v: Value = serde_json::from_str(&f.data).unwrap();
                (v["entity"].as_str().unwrap_or("").to_owned(), v["action"].as_str().unwrap_or("").to_owned())
            })
            .collect();
        assert_eq!(seen, [("baton".to_owned(), "created".to_owned()), ("baton".to_owned(), "updated".to_owned())]);
        assert_eq!(serde_json::from_str::<Value>(&frames[0].data).unwrap()["handle"], id.as_str());
    }
}
