//! Relays for real: a host opens a line with the CLI (`baton relay host` prints the join
//! string and listens), the peer sends and listens with the string alone, a wrong token is
//! refused, and after its idle time the line and its messages are gone.

use std::process::Stdio;
use std::time::Duration;

use e2e::api::{workspace_with_project, Api};
use e2e::cli::Baton;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

/// The next line the host prints, as JSON (20 s at most).
async fn next_json(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> Value {
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[tokio::test]
async fn a_host_and_a_peer_talk_on_a_line_that_is_gone_after_its_idle_time() {
    let shared = e2e::server::shared();
    let admin = Api::admin();
    let (ws, _) = workspace_with_project(&admin).await;

    // The host: opens the line (JSON: the join string first), then listens on it.
    let mut host = tokio::process::Command::from(Baton::new().command())
        .args(["--url", &shared.url, "--token", &shared.admin_token, "--json"])
        .args(["relay", "host", "--workspace", &ws.to_string(), "--idle-minutes", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(host.stdout.take().unwrap()).lines();
    let opened = next_json(&mut lines).await;
    let join = opened["join"].as_str().unwrap().to_owned();
    assert!(join.starts_with("relay:") && join.contains(":btc_"), "{opened}");
    assert_eq!(opened["idle_s"], 60);

    // The peer needs nothing but the string: no login of its own.
    let peer = Baton::new();
    let out = peer.ok(&["--url", &shared.url, "--token", "", "relay", "send", &join, "hello host"]);
    assert!(out.contains("Sent"), "{out}");
    let mut heard = Vec::new();
    while !heard.iter().any(|e: &Value| e["text"] == "hello host") {
        heard.push(next_json(&mut lines).await);
    }
    let said = heard.iter().find(|e| e["text"] == "hello host").unwrap();
    assert_eq!(said["from"], "peer");

    // The room is not listed among the workspace's channels; a wrong token is no line.
    let id: i64 = join.split(':').nth(1).unwrap().parse().unwrap();
    let rooms = admin.fetch(&format!("/api/workspaces/{ws}/channels")).await;
    assert!(!rooms.to_string().contains(&format!("\"id\":{id}")), "{rooms}");
    let wrong = Api::new(&shared.url, Some("btc_not_the_token"));
    assert_eq!(wrong.get(&format!("/api/channels/{id}/messages")).await.0, 404);
    let _ = host.kill().await;

    // A short line: after its idle time its messages are gone, then the line itself.
    let (status, short) = admin.post("/api/relays", json!({"workspace_id": ws, "idle_s": 2})).await;
    assert_eq!(status, 201, "{short}");
    let line = Api::new(&shared.url, short["token"].as_str());
    let sid = short["channel_id"].as_i64().unwrap();
    let (status, _) =
        line.post(&format!("/api/channels/{sid}/messages"), json!({"from": "host", "text": "soon gone"})).await;
    assert_eq!(status, 201);
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let (status, after) = line.get(&format!("/api/channels/{sid}/messages")).await;
    assert_eq!(status, 404, "the line closed after 2 s without a message: {after}");
    let (status, _) = admin.get(&format!("/api/channels/{sid}")).await;
    assert_eq!(status, 404, "its room is gone for everyone");
}
