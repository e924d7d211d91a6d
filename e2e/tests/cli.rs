//! The real `baton` binary against the real Worker: the whole slice from login to watch,
//! including a watch that survives a cut connection.

use std::process::Stdio;
use std::time::Duration;

use e2e::api::{unique, Api};
use e2e::cli::Baton;
use e2e::proxy::Proxy;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test]
async fn login_then_workspace_project_session_send_log_and_watch() {
    let shared = e2e::server::shared();
    let baton = Baton::new();
    let out = baton.ok(&["login", "--url", &shared.url, "--token", &shared.admin_token]);
    assert!(out.contains("Logged in to") && out.contains("as admin"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(baton.config_path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the config holds a token");
    }

    let ws = unique("cli-ws");
    let created = parse(&baton.ok(&["workspace", "create", &ws, "--json"]));
    assert_eq!(created["name"], ws.as_str());
    let listed = baton.ok(&["workspace", "ls"]);
    assert!(listed.starts_with("ID") && listed.contains(&ws), "{listed}");

    let out = baton.ok(&["project", "create", "web", "--workspace", &ws]);
    assert!(out.contains("Created project web"), "{out}");
    let projects = parse(&baton.ok(&["project", "ls", "--workspace", &ws, "--json"]));
    assert_eq!(projects.as_array().unwrap().len(), 1);
    let project_id = projects[0]["id"].as_i64().unwrap().to_string();

    let session = parse(&baton.ok(&["session", "create", "--project", &project_id, "--name", "first", "--json"]));
    let handle = session["handle"].as_str().unwrap().to_owned();
    assert_eq!(session["name"], "first");

    let sent = baton.ok(&["session", "send", &handle, "fix", "the", "build"]);
    assert!(sent.starts_with("Sent as #2"), "{sent}");
    let log = baton.ok(&["session", "log", &handle]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].starts_with("#1 ") && lines[0].ends_with("-- session created by admin"));
    assert!(lines[1].starts_with("#2 ") && lines[1].ends_with("admin: fix the build"));

    let watched = baton.ok(&["session", "watch", &handle, "--count", "2", "--json"]);
    let seqs: Vec<u64> = watched.lines().map(|l| parse(l)["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2]);
}

#[tokio::test]
async fn watch_reconnects_after_a_cut_and_prints_every_event_once() {
    let shared = e2e::server::shared();
    let admin = Api::admin();
    let (_, session) = e2e::api::new_session(&admin).await;
    let port: u16 = shared.url.rsplit(':').next().unwrap().parse().unwrap();
    let proxy = Proxy::start(port).await;

    let baton = Baton::new();
    let mut child = tokio::process::Command::from(baton.command())
        .args(["--url", &proxy.url, "--token", &shared.admin_token])
        .args(["session", "watch", &format!("S-{session}"), "--count", "9", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let post = |i: u32| {
        let admin = admin.clone();
        async move { admin.create(&format!("/api/sessions/{session}/messages"), json!({"text": format!("m{i}")})).await }
    };
    for i in 1..=4 {
        post(i).await;
    }
    let mut seqs = Vec::new();
    while seqs.len() < 5 {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
        seqs.push(parse(&line)["seq"].as_u64().unwrap());
    }
    proxy.cut_all();
    for i in 5..=8 {
        post(i).await;
    }
    while let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await {
        seqs.push(parse(&line)["seq"].as_u64().unwrap());
    }
    let status = child.wait().await.unwrap();
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).await.unwrap();
    assert!(status.success(), "watch failed: {stderr}");
    assert_eq!(seqs, (1..=9).collect::<Vec<u64>>());
    assert!(stderr.contains("reconnected"), "a reconnect is reported on stderr: {stderr:?}");
}

#[test]
fn errors_say_what_to_do_next() {
    let baton = Baton::new();
    // Nothing listens on port 9 (discard) on loopback.
    let out = baton.run(&["--url", "http://127.0.0.1:9", "--token", "x", "workspace", "ls"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot reach http://127.0.0.1:9") && stderr.contains("BATON_URL"), "{stderr}");

    let out = baton.run(&["--url", "http://127.0.0.1:9", "workspace", "ls"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("baton login --url"), "no token → how to log in");

    let shared = e2e::server::shared();
    let out = baton.run(&["login", "--url", &shared.url, "--token", "btp_wrong"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[401]"));
    assert!(!baton.config_path().exists(), "a failed login saves nothing");

    let out = baton.run(&["session", "send"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn help_teaches_with_examples() {
    let baton = Baton::new();
    let top = baton.ok(&["--help"]);
    assert!(top.contains("baton login --url") && top.contains("Exit codes"), "{top}");
    let watch = baton.ok(&["session", "watch", "--help"]);
    assert!(watch.contains("Example") && watch.contains("--count"), "{watch}");
}

/// Completions and the manual page come from the same declaration the CLI parses with, and need
/// no server or config (this `baton` has neither).
#[test]
fn completions_and_the_manual_page_describe_every_command() {
    let baton = Baton::new();
    let bash = baton.ok(&["completions", "bash"]);
    assert!(bash.contains("_baton()") && bash.contains("delegate") && bash.contains("--until-turn-end"), "{bash}");
    assert!(baton.ok(&["completions", "zsh"]).starts_with("#compdef baton"));
    assert!(baton.ok(&["completions", "fish"]).contains("complete -c baton"));
    let bad = baton.run(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let man = baton.ok(&["man"]);
    assert!(man.contains(".TH baton 1"), "{man}");
    for section in ["BATON DELEGATE", "BATON PASS", "BATON WORKER", "BATON COMPLETIONS"] {
        assert!(man.contains(&format!(".SH \"{section}\"")), "no {section} in the manual page");
    }
}

/// The account lifecycle and worker tokens through the real binary: disable and enable a
/// person, expiring tokens, revoking a person's tokens, a password change that revokes, and
/// rotating and revoking a worker's token.
#[tokio::test]
async fn the_cli_disables_people_revokes_tokens_and_rotates_worker_tokens() {
    let shared = e2e::server::shared();
    let admin_cli = Baton::new();
    admin_cli.ok(&["login", "--url", &shared.url, "--token", &shared.admin_token]);
    let admin = Api::admin();
    let name = unique("life");
    let member = e2e::api::new_member(&admin, &name).await;

    admin_cli.ok(&["user", "disable", &name, "--yes"]);
    assert_eq!(member.get("/api/auth/me").await.0, 401, "a disabled person's token stops");
    let refused = admin_cli.run(&["user", "enable", "nobody-by-that-name"]);
    assert_eq!(refused.status.code(), Some(1));
    admin_cli.ok(&["user", "enable", &name]);
    assert_eq!(member.get("/api/auth/me").await.0, 200);

    let member_cli = Baton::new();
    member_cli.ok(&["login", "--url", &shared.url, "--token", member.token.as_deref().unwrap()]);
    let created = parse(&member_cli.ok(&["token", "create", "ci", "--expires-in-days", "7", "--json"]));
    assert!(created["expires_at"].is_string(), "{created}");
    assert!(member_cli.ok(&["token", "ls"]).contains("ci"));
    admin_cli.ok(&["token", "revoke", "--all-of", &name, "--yes"]);
    assert_eq!(member.get("/api/auth/me").await.0, 401);
    assert_eq!(admin.with_token(created["token"].as_str()).get("/api/auth/me").await.0, 401);

    // A password change from the CLI, revoking the person's tokens (never on argv).
    let other = e2e::api::new_member(&admin, &unique("pw")).await;
    let pw = Baton::new();
    pw.ok(&["login", "--url", &shared.url, "--token", other.token.as_deref().unwrap()]);
    let out = pw
        .command()
        .args(["user", "passwd", "--revoke-tokens"])
        .env("BATON_PASSWORD", "member password 123")
        .env("BATON_NEW_PASSWORD", "another long password")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(other.get("/api/auth/me").await.0, 401, "its tokens were revoked");

    let (_, project) = e2e::api::workspace_with_project(&admin).await;
    let body = json!({"project_id": project, "name": unique("w"), "machine_id": unique("m"),
                      "agent": "scripted", "base_branch": "main"});
    let registered = admin.create("/api/workers", body).await;
    let handle = registered["worker"]["handle"].as_str().unwrap().to_owned();
    let old = admin.with_token(registered["token"].as_str());
    let path = format!("/api/workers/{}", registered["worker"]["id"]);
    let rotated = parse(&admin_cli.ok(&["worker", "revoke", &handle, "--rotate", "--json"]));
    let new = admin.with_token(rotated["token"].as_str());
    assert_eq!((old.get(&path).await.0, new.get(&path).await.0), (401, 200));
    admin_cli.ok(&["worker", "revoke", &handle, "--yes"]);
    assert_eq!(new.get(&path).await.0, 401);
}

/// Regression (issue 14 walkthrough): an empty comment list printed nothing, a heartbeat did not
/// say how long the lease now runs, and `worker status` exited 0 for a daemon that is not there.
#[tokio::test]
async fn quiet_answers_say_what_they_mean() {
    let shared = e2e::server::shared();
    let admin = Api::new(&shared.url, Some(&shared.admin_token));
    let baton = Baton::new();
    baton.ok(&["login", "--url", &shared.url, "--token", &shared.admin_token]);
    let (ws, project) = e2e::api::workspace_with_project(&admin).await;
    admin.create(&format!("/api/projects/{project}/requirements"), json!({"title": "r"})).await;
    admin.create(&format!("/api/projects/{project}/tasks"), json!({"requirement_id": "R-1", "title": "t"})).await;
    let p = project.to_string();
    assert_eq!(baton.ok(&["task", "comment", "ls", "T-1", "--project", &p]).trim(), "No comments on T-1 yet.");

    let passed = admin.create("/api/pass", json!({"task": "x", "workspace_id": ws})).await;
    let id = passed["baton_id"].as_str().unwrap();
    baton.ok(&["catch", id]);
    let out = baton.ok(&["heartbeat", id, "--lease", "10m"]);
    assert!(out.lines().any(|l| l.starts_with("lease until 20")), "{out}");

    let missing = tempfile::tempdir().unwrap();
    let config = missing.path().join("worker.json");
    let out = baton.run(&["worker", "status", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("not running"), "{out:?}");
}
