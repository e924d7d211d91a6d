//! Channels for real: three agents (session tokens, one of them the `baton` CLI as a process)
//! and a person in one room against `wrangler dev`: joins and a clashing name, addressed
//! messages and `?for=`, a listener that resumes after its stream is cut with nothing lost or
//! repeated, an outsider refused, presence that expires, deleting the room ending its streams.

use std::process::Stdio;
use std::time::Duration;

use e2e::api::{bootstrap, new_member, session_agents, unique, Api};
use e2e::cli::Baton;
use e2e::proxy::Proxy;
use e2e::server::Server;
use e2e::sse::SseReader;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

async fn agents(admin: &Api, n: usize) -> (i64, Vec<Api>) {
    let a = session_agents(admin, n).await;
    (a.workspace, a.agents)
}

fn texts(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "channel_message")
        .map(|e| e["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn three_agents_and_a_person_talk_in_a_room_and_a_cut_listener_misses_nothing() {
    let shared = e2e::server::shared();
    let admin = Api::admin();
    let (ws, agents) = agents(&admin, 3).await;
    let (a1, a2, a3) = (&agents[0], &agents[1], &agents[2]);
    let room = a1.create(&format!("/api/workspaces/{ws}/channels"), json!({"name": "review", "topic": "PR 42"})).await;
    let id = room["id"].as_i64().unwrap();
    let join = |api: &Api, name: &str| {
        let (api, name) = (api.clone(), name.to_owned());
        async move {
            api.send(api.request(reqwest::Method::PUT, &format!("/api/channels/{id}/members/{name}")).json(&json!({})))
                .await
        }
    };
    assert_eq!(join(a1, "a1").await.0, 201);
    assert_eq!(join(a2, "a2").await.0, 201);
    assert_eq!(join(a3, "a3").await.0, 201);
    let (status, clash) = join(a2, "a1").await;
    assert_eq!(status, 409, "{clash}");
    let message = clash["error"]["message"].as_str().unwrap();
    assert!(message.contains("a1") && message.contains("a3"), "the clash names who is here: {message}");
    assert_eq!(join(&admin, "ann").await.0, 201);
    assert_eq!(join(a1, "a1").await.0, 200, "the holder again: a heartbeat");

    // A listener (the CLI, as agent a3) through a proxy that will cut its stream.
    let port: u16 = shared.url.rsplit(':').next().unwrap().parse().unwrap();
    let proxy = Proxy::start(port).await;
    let mut listener = tokio::process::Command::from(Baton::new().command())
        .args(["--url", &proxy.url, "--token", a3.token.as_deref().unwrap(), "--json"])
        .args(["channel", "listen", &id.to_string(), "--as", "a3", "--for", "a3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(listener.stdout.take().unwrap()).lines();

    let say = |api: &Api, from: &str, to: &[&str], text: &str| {
        let body = json!({"from": from, "to": to, "text": text});
        let api = api.clone();
        async move { api.post(&format!("/api/channels/{id}/messages"), body).await }
    };
    assert_eq!(say(a1, "a1", &["a2"], "a2: line 12 leaks").await.0, 201);
    assert_eq!(say(&admin, "ann", &[], "everyone: be brief").await.0, 201);
    let (status, refused) = say(a2, "a1", &[], "posing as a1").await;
    assert_eq!(status, 400, "a name one does not hold: {refused}");
    // The CLI says it too, as a2 (its session token).
    let out = Baton::new().ok(&[
        "--url",
        &shared.url,
        "--token",
        a2.token.as_deref().unwrap(),
        "channel",
        "say",
        &id.to_string(),
        "--as",
        "a2",
        "--to",
        "a1",
        "fixed in 3f2c. [done]",
    ]);
    assert!(out.contains("Said as a2"), "{out}");

    let for_a2 = admin.fetch(&format!("/api/channels/{id}/messages?for=a2")).await;
    assert_eq!(texts(&for_a2), ["a2: line 12 leaks", "everyone: be brief", "fixed in 3f2c. [done]"]);
    let for_a3 = admin.fetch(&format!("/api/channels/{id}/messages?for=a3")).await;
    assert_eq!(texts(&for_a3), ["everyone: be brief"], "what is addressed to others is left out");
    let all = admin.fetch(&format!("/api/channels/{id}/messages")).await;
    assert_eq!(texts(&all).len(), 3, "everyone in the room still sees every message");

    // The listener saw the joins and what concerns a3; cut, more is said, it resumes.
    let mut seen: Vec<Value> = Vec::new();
    while !seen.iter().any(|e| e["text"] == "everyone: be brief") {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
        seen.push(serde_json::from_str(&line).unwrap());
    }
    proxy.cut_all();
    assert_eq!(say(a1, "a1", &["a3"], "a3: your turn").await.0, 201);
    assert_eq!(say(a1, "a1", &[], "that is all. [done]").await.0, 201);
    while !seen.iter().any(|e| e["text"] == "that is all. [done]") {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.unwrap().unwrap().unwrap();
        seen.push(serde_json::from_str(&line).unwrap());
    }
    let seqs: Vec<u64> = seen.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seqs, sorted, "in order, none twice: {seqs:?}");
    let heard: Vec<&str> = seen.iter().filter_map(|e| e["text"].as_str()).collect();
    assert_eq!(heard, ["everyone: be brief", "a3: your turn", "that is all. [done]"], "nothing lost across the cut");
    let members = admin.fetch(&format!("/api/channels/{id}/members")).await;
    let here: Vec<&str> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["online"] == true)
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(here, ["a1", "a2", "a3", "ann"]);

    // An outsider sees no room; the room's id alone grants nothing.
    let outsider = new_member(&admin, &unique("out")).await;
    let (status, hidden) = outsider.get(&format!("/api/channels/{id}")).await;
    assert_eq!(status, 404, "{hidden}");
    assert_eq!(
        outsider.send(outsider.request(reqwest::Method::PUT, &format!("/api/channels/{id}/members/x"))).await.0,
        404
    );
    let (status, absent) = outsider.get(&format!("/api/channels/{}", id + 100_000)).await;
    assert_eq!((status, absent["error"]["code"].clone()), (404, hidden["error"]["code"].clone()), "hidden is absent");

    // Deleting the room ends its readers' streams.
    let mut watcher = SseReader::open(&admin, &format!("/api/channels/{id}/stream"), None).await;
    watcher.take(1, Duration::from_secs(5)).await;
    let (status, _) = a2.delete(&format!("/api/channels/{id}")).await;
    assert_eq!(status, 403, "only its creator or an admin deletes a room");
    assert_eq!(a1.delete(&format!("/api/channels/{id}")).await.0, 204);
    assert!(watcher.ends_within(Duration::from_secs(5)).await, "the stream ends with the room");
    let _ = listener.kill().await;
}

#[tokio::test]
async fn a_quiet_members_name_goes_offline_and_can_be_taken() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in_with_vars(dir.path(), &[("BATON_CHANNEL_PRESENCE_MS", "1500")]).unwrap();
    let token = bootstrap(&server.url).await.unwrap();
    let admin = Api::new(&server.url, Some(&token));
    let (ws, agents) = agents(&admin, 2).await;
    let room = admin.create(&format!("/api/workspaces/{ws}/channels"), json!({"name": "standup"})).await;
    let id = room["id"].as_i64().unwrap();
    let put = |api: &Api| {
        let api = api.clone();
        async move { api.send(api.request(reqwest::Method::PUT, &format!("/api/channels/{id}/members/bot"))).await.0 }
    };
    assert_eq!(put(&agents[0]).await, 201);
    assert_eq!(put(&agents[1]).await, 409, "held and heard from");
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let members = admin.fetch(&format!("/api/channels/{id}/members")).await;
    assert_eq!(members["items"][0]["online"], false, "quiet longer than the window: {members}");
    assert_eq!(put(&agents[1]).await, 201, "a stale name goes to the next");
    let log = admin.fetch(&format!("/api/channels/{id}/messages")).await;
    let joins: Vec<&Value> = log["items"].as_array().unwrap().iter().filter(|e| e["type"] == "member_joined").collect();
    assert_eq!(joins.len(), 2, "each arrival is in the log: {log}");
    let help = reqwest::get(format!("{}/api/channels/help", server.url)).await.unwrap().text().await.unwrap();
    assert!(help.contains("Last-Event-ID") && help.contains("[done]"), "how to follow and how to end: {help}");
}

/// An outsider enters only with an invite: a read one reads and follows, a write one also
/// joins and speaks; the token opens nothing else; revoked, it is the same 404 as no room.
#[tokio::test]
async fn an_invite_admits_an_outsider_to_one_room_and_a_revoked_one_is_no_room() {
    let admin = Api::admin();
    let (ws, agents) = agents(&admin, 1).await;
    let room = admin.create(&format!("/api/workspaces/{ws}/channels"), json!({"name": "open-review"})).await;
    let other = admin.create(&format!("/api/workspaces/{ws}/channels"), json!({"name": "private"})).await;
    let (id, other) = (room["id"].as_i64().unwrap(), other["id"].as_i64().unwrap());
    let put = |api: &Api, name: &str| {
        let (api, name) = (api.clone(), name.to_owned());
        async move { api.send(api.request(reqwest::Method::PUT, &format!("/api/channels/{id}/members/{name}"))).await.0 }
    };
    assert_eq!(put(&agents[0], "a1").await, 201);
    agents[0].create(&format!("/api/channels/{id}/messages"), json!({"from": "a1", "text": "hello outside"})).await;
    let outsider = new_member(&admin, &unique("out")).await;
    assert_eq!(outsider.get(&format!("/api/channels/{id}")).await.0, 404, "a personal token of another workspace");

    let read = admin.create(&format!("/api/channels/{id}/invites"), json!({})).await;
    let token = read["token"].as_str().unwrap();
    assert!(token.starts_with("btc_"), "{read}");
    let guest = Api::new(&admin.url, Some(token));
    assert_eq!(guest.get(&format!("/api/channels/{id}")).await.0, 200);
    assert_eq!(texts(&guest.fetch(&format!("/api/channels/{id}/messages")).await), ["hello outside"]);
    let mut follow = SseReader::open(&guest, &format!("/api/channels/{id}/stream"), None).await;
    assert_eq!(follow.take(2, Duration::from_secs(5)).await.len(), 2, "the join and the message, live");
    assert_eq!(put(&guest, "guest").await, 403, "a read invite does not join");
    let (status, _) = guest.post(&format!("/api/channels/{id}/messages"), json!({"from": "a1", "text": "x"})).await;
    assert_eq!(status, 403);
    let (status, elsewhere) = guest.get(&format!("/api/channels/{other}")).await;
    assert_eq!(status, 404, "another room of the same workspace: {elsewhere}");
    assert_eq!(guest.get(&format!("/api/workspaces/{ws}/channels")).await.0, 404, "the workspace is not the invite's");
    let (_, invites) = guest.get(&format!("/api/channels/{id}/invites")).await;
    assert!(!invites.to_string().contains("btc_"), "{invites}");

    let write =
        admin.create(&format!("/api/channels/{id}/invites"), json!({"mode": "write", "expires_in_s": 3600})).await;
    let writer = Api::new(&admin.url, write["token"].as_str());
    assert_eq!(put(&writer, "visitor").await, 201);
    let (status, said) = writer
        .post(&format!("/api/channels/{id}/messages"), json!({"from": "visitor", "text": "thanks", "to": ["a1"]}))
        .await;
    assert_eq!(status, 201, "{said}");
    assert_eq!(said["author"]["name"], format!("guest-{}", write["id"]), "who really spoke: {said}");

    let listed = admin.fetch(&format!("/api/channels/{id}/invites")).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains("btc_"), "tokens are never listed: {listed}");
    assert_eq!(admin.delete(&format!("/api/channels/{id}/invites/{}", read["id"])).await.0, 204);
    let revoked = guest.request(reqwest::Method::GET, &format!("/api/channels/{id}")).send().await.unwrap();
    let absent = admin.request(reqwest::Method::GET, &format!("/api/channels/{}", id + 100_000)).send().await.unwrap();
    assert_eq!(revoked.status(), 404);
    assert_eq!(absent.status(), 404);
    let (revoked, absent) = (revoked.text().await.unwrap(), absent.text().await.unwrap());
    assert_eq!(revoked, absent, "a revoked invite and an unknown room answer alike");
}

/// A private room: a message to some names reaches them and its sender only, in a page and
/// live (a reader's stream skips what is not for it and resumes by the Hub's ids), while the
/// room's creator sees everything; files go with messages and with the room.
#[tokio::test]
async fn a_private_room_delivers_addressed_messages_to_their_names_only_and_carries_files() {
    let admin = Api::admin();
    let (ws, agents) = agents(&admin, 3).await;
    let (ann, bob, cy) = (&agents[0], &agents[1], &agents[2]);
    let room = ann
        .create(&format!("/api/workspaces/{ws}/channels"), json!({"name": unique("private"), "private": true}))
        .await;
    assert_eq!(room["private"], true);
    let id = room["id"].as_i64().unwrap();
    for (api, name) in [(ann, "ann"), (bob, "bob"), (cy, "cy")] {
        let (status, _) = api
            .send(api.request(reqwest::Method::PUT, &format!("/api/channels/{id}/members/{name}")).json(&json!({})))
            .await;
        assert_eq!(status, 201, "{name} joins");
    }
    let mut cy_live = SseReader::open(cy, &format!("/api/channels/{id}/stream"), None).await;

    // A file for bob, then the messages.
    let file = bob
        .send(
            bob.request(reqwest::Method::POST, &format!("/api/channels/{id}/attachments?filename=notes.txt"))
                .header("content-type", "text/plain")
                .body("line 12 leaks"),
        )
        .await;
    assert_eq!(file.0, 201, "{}", file.1);
    let file_id = file.1["id"].as_i64().unwrap();
    let say = |api: &Api, from: &str, to: &[&str], text: &str, files: &[i64]| {
        let body = json!({"from": from, "to": to, "text": text, "attachments": files});
        let (api, path) = (api.clone(), format!("/api/channels/{id}/messages"));
        async move { api.create(&path, body).await }
    };
    say(ann, "ann", &[], "hello all", &[]).await;
    let secret = say(ann, "ann", &["bob"], "for bob only", &[file_id]).await;
    assert_eq!(secret["attachments"][0]["filename"], "notes.txt", "{secret}");
    say(bob, "bob", &["ann"], "got it", &[]).await;
    let last = say(ann, "ann", &["cy"], "for cy", &[]).await;

    let page = |api: &Api| {
        let (api, path) = (api.clone(), format!("/api/channels/{id}/messages"));
        async move { texts(&api.fetch(&path).await) }
    };
    assert_eq!(page(cy).await, ["hello all", "for cy"], "cy sees what is for everyone or for it");
    assert_eq!(page(bob).await, ["hello all", "for bob only", "got it"]);
    assert_eq!(page(ann).await, ["hello all", "for bob only", "got it", "for cy"], "the creator sees all");

    // Live: cy's stream carries the joins, what is for everyone and for it, nothing else,
    // with the Hub's ids (a resume after the last one repeats nothing).
    let mut seen = Vec::new();
    while !seen.iter().any(|f: &protocol::sse::Frame| f.data.contains("\"for cy\"")) {
        seen.extend(cy_live.take(1, Duration::from_secs(20)).await);
    }
    let live: Vec<&str> = seen.iter().filter(|f| f.event == "channel_message").map(|f| f.data.as_str()).collect();
    assert_eq!(live.len(), 2, "{live:#?}");
    assert!(live[0].contains("hello all") && live[1].contains("for cy"), "{live:#?}");
    assert!(!seen.iter().any(|f| f.data.contains("for bob only") || f.data.contains("got it")));
    let last_seq = last["seq"].as_u64().unwrap();
    assert_eq!(seen.last().unwrap().id.as_deref(), Some(last_seq.to_string().as_str()));
    let mut resumed = SseReader::open(cy, &format!("/api/channels/{id}/stream"), Some(last_seq)).await;
    say(ann, "ann", &[], "after the resume", &[]).await;
    let next = resumed.take(1, Duration::from_secs(20)).await;
    assert!(next[0].data.contains("after the resume"), "{next:?}");

    // The file: its bytes for the room, served inert; not another room's.
    let bytes =
        bob.request(reqwest::Method::GET, &format!("/api/channels/{id}/attachments/{file_id}")).send().await.unwrap();
    assert_eq!(bytes.status(), 200);
    assert_eq!(bytes.headers()["x-content-type-options"], "nosniff");
    assert_eq!(bytes.text().await.unwrap(), "line 12 leaks");
    let other = ann.create(&format!("/api/workspaces/{ws}/channels"), json!({"name": unique("other")})).await;
    let (status, _) = ann.get(&format!("/api/channels/{}/attachments/{file_id}", other["id"])).await;
    assert_eq!(status, 404, "a file belongs to its room");
    let (status, err) = ann
        .post(
            &format!("/api/channels/{}/messages", other["id"]),
            json!({"from": "ann", "text": "x", "attachments": [file_id]}),
        )
        .await;
    assert!(status == 400, "{err}");

    // Opened to everyone: cy now reads the whole room.
    let patched = ann
        .send(ann.request(reqwest::Method::PATCH, &format!("/api/channels/{id}")).json(&json!({"private": false})))
        .await;
    assert_eq!(patched.1["private"], false);
    assert!(page(cy).await.contains(&"for bob only".to_owned()));

    // Deleted: the room's files go with it.
    let blobs = e2e::server::shared().state_dir.join("v3/r2");
    let holding = || {
        let out = std::process::Command::new("grep").args(["-rl", "line 12 leaks"]).arg(&blobs).output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    assert_eq!(holding(), 1, "the file's bytes are in R2");
    assert_eq!(ann.delete(&format!("/api/channels/{id}")).await.0, 204);
    assert_eq!(holding(), 0, "the file's bytes are gone from R2");
}
