//! Loops for real: a real daemon with the scripted agent takes a loop's scheduled messages;
//! a loop never fires at creation, runs on its schedule, is skipped with the reason while
//! the worker is offline (and does not pile up missed runs), starts its schedule again when
//! its interval changes or it is enabled, stops when disabled or deleted, and keeps its
//! schedule across a restart of `wrangler dev`. The tests' servers allow intervals from 1 s
//! (`BATON_LOOP_MIN_INTERVAL_S`, e2e/src/server.rs).

use std::time::{Duration, Instant};

use e2e::api::{bootstrap, new_member, new_session, session_agents, unique, until_online, Api};
use e2e::machine::Machine;
use e2e::server::Server;
use serde_json::{json, Value};

fn ms(rfc3339: &Value) -> i64 {
    let text = rfc3339.as_str().unwrap_or_else(|| panic!("not a time: {rfc3339}"));
    protocol::time::ms_from_rfc3339(text).unwrap_or_else(|| panic!("not a time: {text}"))
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

async fn events(api: &Api, session: i64) -> Vec<Value> {
    api.fetch(&format!("/api/sessions/{session}/events?limit=1000")).await["items"].as_array().unwrap().clone()
}

fn loop_messages(events: &[Value], loop_id: i64) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["type"] == "user_message" && e["author"]["kind"] == "loop" && e["author"]["id"] == loop_id)
        .cloned()
        .collect()
}

fn skips(events: &[Value], loop_id: i64) -> Vec<Value> {
    events.iter().filter(|e| e["type"] == "loop_skipped" && e["loop_id"] == loop_id).cloned().collect()
}

/// Waits (up to `secs`) until `pred` holds for the session's transcript.
async fn until(api: &Api, session: i64, secs: u64, what: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let all = events(api, session).await;
        if pred(&all) {
            return all;
        }
        assert!(Instant::now() < deadline, "no {what} within {secs} s: {all:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_loop_runs_on_schedule_is_skipped_while_the_worker_is_offline_and_starts_again_when_changed() {
    let machine = Machine::new().await;
    let admin = machine.admin.clone();
    let mut daemon = machine.daemon();
    until_online(&admin, machine.worker, "the daemon").await;
    let session = machine.session().await;

    // Made with the CLI: the first run is one interval later, never at creation.
    let out = machine.run_in_repo(&[
        "loop",
        "create",
        &session.to_string(),
        "--every",
        "2s",
        "--name",
        "check-in",
        "--json",
        "How",
        "is",
        "it?",
    ]);
    let made: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let id = made["id"].as_i64().unwrap();
    assert_eq!(made["message"], "How is it?");
    assert_eq!(made["interval_s"], 2);
    assert_eq!(made["runs"], 0);
    assert_eq!(ms(&made["next_run_at"]) - ms(&made["created_at"]), 2_000, "{made}");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert!(loop_messages(&events(&admin, session).await, id).is_empty(), "nothing at creation");

    // It runs: its message is signed by the loop, at its time (never before), and the agent
    // answers it like any message.
    let all = until(&admin, session, 30, "a run answered", |all| {
        all.iter().any(|e| e["type"] == "turn_complete")
            && !loop_messages(all, id).is_empty()
            && all.iter().any(|e| e["type"] == "turn_start" && e["message_seq"] == loop_messages(all, id)[0]["seq"])
    })
    .await;
    let first = &loop_messages(&all, id)[0];
    assert_eq!(first["text"], "How is it?");
    assert_eq!(first["author"]["name"], "check-in");
    let late = ms(&first["at"]) - ms(&made["next_run_at"]);
    assert!((0..10_000).contains(&late), "ran {late} ms after its time: {first}");
    let seen = admin.fetch(&format!("/api/loops/{id}")).await;
    assert!(seen["runs"].as_u64().unwrap() >= 1 && seen["last_outcome"] == "ran", "{seen}");

    // The worker goes away: the runs are skipped, each with the reason, and nothing queues.
    daemon.kill_9();
    drop(daemon);
    let deadline = Instant::now() + Duration::from_secs(40);
    while admin.fetch(&format!("/api/workers/{}", machine.worker)).await["online"] != false {
        assert!(Instant::now() < deadline, "the worker did not go offline");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let all = until(&admin, session, 30, "two skipped runs", |all| skips(all, id).len() >= 2).await;
    let skipped = skips(&all, id);
    let reason = format!("W-{} is offline", machine.worker);
    assert!(skipped.iter().all(|s| s["reason"] == reason.as_str() && s["name"] == "check-in"), "{skipped:#?}");
    let grid = ms(&made["next_run_at"]);
    for s in &skipped {
        assert_eq!((ms(&s["scheduled_at"]) - grid) % 2_000, 0, "skips keep the schedule's grid: {s}");
    }
    let posted_while_offline = loop_messages(&all, id).iter().filter(|m| ms(&m["at"]) > ms(&skipped[0]["at"])).count();
    assert_eq!(posted_while_offline, 0, "no message queued while the worker was away");
    let seen = admin.fetch(&format!("/api/loops/{id}")).await;
    assert_eq!(seen["last_outcome"], "skipped", "{seen}");
    assert_eq!(seen["last_reason"], reason.as_str());
    assert!(seen["skips"].as_u64().unwrap() >= 2);

    // A new interval starts the schedule again from now (through the CLI).
    let before = now_ms();
    let out = machine.run_in_repo(&["loop", "set", &id.to_string(), "--every", "1h", "--json"]);
    let changed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(changed["interval_s"], 3600);
    let next = ms(&changed["next_run_at"]);
    assert!(next >= before + 3_600_000 - 2_000 && next <= now_ms() + 3_600_000 + 2_000, "{changed}");

    // Disabled: no next run, and nothing more happens.
    let off = machine.run_in_repo(&["loop", "disable", &id.to_string(), "--json"]);
    let off: Value = serde_json::from_str(&off).unwrap();
    assert_eq!(off["enabled"], false);
    assert!(off["next_run_at"].is_null(), "{off}");
    // Enabled: one interval from now again.
    let before = now_ms();
    let on = machine.run_in_repo(&["loop", "enable", &id.to_string(), "--json"]);
    let on: Value = serde_json::from_str(&on).unwrap();
    assert!(ms(&on["next_run_at"]) >= before + 3_600_000 - 2_000, "{on}");

    // Listed, shown, deleted.
    let listed = machine.run_in_repo(&["loop", "ls", &session.to_string()]);
    assert!(listed.contains("check-in") && listed.contains("1 h"), "{listed}");
    machine.run_in_repo(&["loop", "rm", &id.to_string(), "--yes"]);
    assert_eq!(admin.get(&format!("/api/loops/{id}")).await.0, 404);
}

#[tokio::test]
async fn a_deleted_or_disabled_loop_posts_nothing_more() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    let made =
        admin.create(&format!("/api/sessions/{session}/loops"), json!({"message": "tick", "interval_s": 1})).await;
    let id = made["id"].as_i64().unwrap();
    // No worker: every run is skipped, saying so.
    let all = until(&admin, session, 20, "a skipped run", |all| !skips(all, id).is_empty()).await;
    assert!(skips(&all, id)[0]["reason"].as_str().unwrap().contains("no worker"), "{all:#?}");
    let (status, _) = admin
        .send(admin.request(reqwest::Method::PATCH, &format!("/api/loops/{id}")).json(&json!({"enabled": false})))
        .await;
    assert_eq!(status, 200);
    let count = skips(&events(&admin, session).await, id).len();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(skips(&events(&admin, session).await, id).len(), count, "a disabled loop is quiet");

    let other =
        admin.create(&format!("/api/sessions/{session}/loops"), json!({"message": "tock", "interval_s": 1})).await;
    let other_id = other["id"].as_i64().unwrap();
    assert!(other_id > id);
    assert_eq!(admin.delete(&format!("/api/loops/{other_id}")).await.0, 204);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(skips(&events(&admin, session).await, other_id).is_empty(), "a deleted loop never runs");
}

#[tokio::test]
async fn loops_are_checked_and_only_the_session_s_people_see_them() {
    let admin = Api::admin();
    let made = session_agents(&admin, 1).await;
    let session = made.sessions[0];
    let path = format!("/api/sessions/{session}/loops");
    for (body, field) in [
        (json!({"message": "x", "interval_s": 0}), "interval_s"),
        (json!({"message": "x", "interval_s": 7_776_001}), "interval_s"),
        (json!({"message": "  ", "interval_s": 60}), "message"),
        (json!({"message": "x", "interval_s": 60, "name": "a\u{202e}b"}), "name"),
        (json!({"message": "x", "interval_s": 60, "every": 3}), "every"),
    ] {
        let (status, err) = admin.post(&path, body.clone()).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert!(err.to_string().contains(field), "{body}: {err}");
    }
    let made_loop = admin.create(&path, json!({"message": "status?", "interval_s": 3600})).await;
    let id = made_loop["id"].as_i64().unwrap();
    assert_eq!(made_loop["name"], format!("loop {id}"), "the default label");

    // Someone outside the workspace: the same 404 as no loop at all.
    let outsider = new_member(&admin, &unique("outsider")).await;
    let (hidden, hidden_body) = outsider.get(&format!("/api/loops/{id}")).await;
    let (none, none_body) = outsider.get("/api/loops/999999999").await;
    assert_eq!((hidden, none), (404, 404));
    assert_eq!(hidden_body["error"]["code"], none_body["error"]["code"]);
    assert_eq!(outsider.get(&path).await.0, 404);
    assert_eq!(outsider.delete(&format!("/api/loops/{id}")).await.0, 404);
    // The session's own agent may not schedule prompts for itself, nor may its worker.
    let (status, _) = made.agents[0].post(&path, json!({"message": "again", "interval_s": 60})).await;
    assert_eq!(status, 403);
    let worker = admin.with_token(Some(&made.worker_token));
    assert_eq!(worker.get(&format!("/api/loops/{id}")).await.0, 403);
    assert_eq!(admin.get(&format!("/api/loops/{id}")).await.0, 200);
}

/// The clock is an alarm in a Durable Object: it outlives the runtime. The server is down for
/// several intervals; back up, the loop runs once (no catch-up of every missed run) and goes
/// on on its grid.
#[tokio::test]
async fn a_loop_keeps_its_schedule_across_a_restart_without_piling_up_missed_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(dir.path()).unwrap();
    let token = bootstrap(&server.url).await.unwrap();
    let api = Api::new(&server.url, Some(&token));
    let (_, session) = new_session(&api).await;
    let made = api.create(&format!("/api/sessions/{session}/loops"), json!({"message": "tick", "interval_s": 2})).await;
    let id = made["id"].as_i64().unwrap();
    server.stop();
    let down_at = now_ms();
    tokio::time::sleep(Duration::from_secs(5)).await;

    let server = Server::start_in(dir.path()).unwrap();
    let up_at = now_ms();
    let api = Api::new(&server.url, Some(&token));
    let after_restart =
        |all: &[Value]| -> Vec<Value> { skips(all, id).into_iter().filter(|s| ms(&s["at"]) >= down_at).collect() };
    let all = until(&api, session, 30, "two runs after the restart", |all| after_restart(all).len() >= 2).await;
    let runs = after_restart(&all);
    let grid = ms(&made["next_run_at"]);
    for run in &runs {
        assert_eq!((ms(&run["scheduled_at"]) - grid) % 2_000, 0, "on the schedule's grid: {run}");
    }
    // The runs missed while the server was down are not made up: the one due run fires, and
    // the next is the first point of the grid after it, not the next missed one.
    let (first, second) = (&runs[0], &runs[1]);
    assert!(ms(&first["scheduled_at"]) < up_at, "the run due while down fires on return: {first}");
    assert!(ms(&second["scheduled_at"]) > ms(&first["at"]), "no catch-up: {runs:#?}");
    let overdue = runs.iter().filter(|r| ms(&r["scheduled_at"]) < ms(&first["at"])).count();
    assert_eq!(overdue, 1, "one run for the whole downtime, not one per missed run: {runs:#?}");
}
