//! The collaboration model from the CLI alone: people, a workspace, a requirement planned
//! into dependent tasks, and the project's changes followed live.

use std::process::Stdio;
use std::time::Duration;

use e2e::api::unique;
use e2e::cli::Baton;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn plan_a_requirement_into_dependent_tasks_and_follow_the_project_live() {
    let shared = e2e::server::shared();
    let admin = Baton::new();
    admin.ok(&["login", "--url", &shared.url, "--token", &shared.admin_token]);

    // People and a workspace.
    let person = unique("ada");
    let added = admin
        .command()
        .args(["user", "add", &person, "--json"])
        .env("BATON_NEW_PASSWORD", "ada's long password")
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", stderr_of(&added));
    assert_eq!(parse(&String::from_utf8_lossy(&added.stdout))["role"], "member");
    assert!(admin.ok(&["user", "ls"]).contains(&person));
    let ws = unique("plan-ws");
    admin.ok(&["workspace", "create", &ws]);
    admin.ok(&["member", "add", &person, "--workspace", &ws]);
    assert!(admin.ok(&["member", "ls", "-w", &ws]).contains(&person));
    admin.ok(&["project", "create", "app", "--workspace", &ws]);
    let used = admin.ok(&["use", "app", "--workspace", &ws]);
    assert!(used.starts_with("Using project app"), "{used}");

    // Follow the project while planning it.
    let mut watch = tokio::process::Command::from(admin.command())
        .args(["project", "watch", "--count", "6"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    // `watch` says so once it has read where the project's changes stand: from then on it
    // misses none (it resumes from there however late its stream connects).
    let mut notes = BufReader::new(watch.stderr.take().unwrap()).lines();
    loop {
        let note = tokio::time::timeout(Duration::from_secs(20), notes.next_line()).await.unwrap().unwrap();
        let note = note.expect("watch ended before it started watching");
        if note.starts_with("baton: watching") {
            break;
        }
    }

    let r = parse(&admin.ok(&[
        "requirement",
        "create",
        "Sign-in",
        "--description",
        "SSO",
        "--link",
        "https://example.org/sso",
        "--json",
    ]));
    assert_eq!(r["handle"], "R-1");
    admin.ok(&["task", "create", "--requirement", "R-1", "OAuth callback"]);
    let t2 = admin.ok(&["task", "create", "--requirement", "R-1", "Docs", "--depends-on", "T-1"]);
    assert!(t2.starts_with("Created T-2 under R-1: Docs") && !t2.contains("(ready)"), "{t2}");
    let ready = admin.ok(&["task", "ls", "--ready"]);
    assert!(ready.contains("T-1") && !ready.contains("T-2"), "{ready}");

    let refused = admin.run(&["task", "set-status", "T-2", "in_progress"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr_of(&refused).contains("T-2 waits for T-1 (not done yet)"), "{}", stderr_of(&refused));
    admin.ok(&["task", "set-status", "T-1", "in_progress"]);
    admin.ok(&["task", "comment", "add", "T-1", "callback works; PR #7"]);
    let done = admin.ok(&["task", "set-status", "T-1", "done"]);
    assert_eq!(done.trim(), "T-1 is done; now ready: T-2.", "finishing says what may start now");
    let ready: Value = parse(&admin.ok(&["task", "ls", "--ready", "--json"]));
    assert_eq!(ready.as_array().unwrap().iter().map(|t| t["handle"].clone()).collect::<Vec<_>>(), vec!["T-2"]);
    let comments = admin.ok(&["task", "comment", "ls", "T-1"]);
    assert!(comments.contains("admin: callback works; PR #7"), "{comments}");
    let shown = admin.ok(&["task", "get", "T-2"]);
    assert!(shown.contains("depends on T-1") && shown.contains("ready"), "{shown}");

    let mut changes = Vec::new();
    while changes.len() < 6 {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
        changes.push(line.split_once(' ').unwrap().1.to_owned());
    }
    assert_eq!(
        changes,
        [
            "requirement R-1 created",
            "task T-1 created: todo in R-1",
            "task T-2 created: todo in R-1",
            "task T-1 updated: in_progress in R-1",
            format!("comment {} created on T-1", changes[4].split(' ').nth(1).unwrap()).as_str(),
            "task T-1 updated: done in R-1"
        ]
    );
    assert!(watch.wait().await.unwrap().success(), "watch exits after --count changes");
    admin.ok(&["requirement", "set-status", "R-1", "done"]);

    // Destructive commands want --yes.
    let refused = admin.run(&["task", "rm", "T-2"]);
    assert!(refused.status.code() == Some(1) && stderr_of(&refused).contains("--yes"));
    admin.ok(&["task", "rm", "T-2", "--yes"]);
    assert!(admin.run(&["task", "get", "T-2"]).status.code() == Some(1));
    admin.ok(&["requirement", "rm", "R-1", "--yes"]);
    assert_eq!(parse(&admin.ok(&["task", "ls", "--json"])), serde_json::json!([]));
}

#[test]
fn tokens_are_created_listed_and_revoked_from_the_cli() {
    let shared = e2e::server::shared();
    let admin = Baton::new();
    admin.ok(&["login", "--url", &shared.url, "--token", &shared.admin_token]);
    let minted = parse(&admin.ok(&["token", "create", "ci", "--json"]));
    let secret = minted["token"].as_str().unwrap();
    let other = Baton::new();
    other.ok(&["login", "--url", &shared.url, "--token", secret]);
    let listed = admin.ok(&["token", "ls"]);
    assert!(listed.contains("ci") && !listed.contains(secret), "{listed}");
    let id = minted["id"].to_string();
    admin.ok(&["token", "revoke", &id, "--yes"]);
    assert_eq!(other.run(&["workspace", "ls"]).status.code(), Some(1), "a revoked token is refused");
}

#[test]
fn a_project_file_sets_the_default_project_for_a_directory() {
    let shared = e2e::server::shared();
    let admin = Baton::new();
    admin.ok(&["login", "--url", &shared.url, "--token", &shared.admin_token]);
    let ws = unique("dir-ws");
    admin.ok(&["workspace", "create", &ws]);
    let p = parse(&admin.ok(&["project", "create", "here", "--workspace", &ws, "--json"]));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".baton.json"), format!("{{\"project\": \"{}\"}}", p["id"])).unwrap();
    let out =
        admin.command().current_dir(dir.path()).args(["requirement", "create", "From the repo"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("in here"));
    let elsewhere = admin.run(&["requirement", "ls"]);
    assert_eq!(elsewhere.status.code(), Some(1), "outside that directory there is no default project");
    assert!(stderr_of(&elsewhere).contains("baton use"));
}

/// Issue 14: a second agent gets its own identity from the CLI alone, two ways: it logs in
/// with a username (the password from BATON_PASSWORD, never argv), or an admin mints a token
/// for that person (`token create --user`). Either token acts as the person, not the admin.
#[test]
fn a_second_agent_gets_its_own_token_from_the_cli() {
    let shared = e2e::server::shared();
    let admin = Baton::new();
    admin.ok(&["login", "--url", &shared.url, "--token", &shared.admin_token]);
    let name = unique("agent2");
    let password = "second agent password 1";
    let added = admin.command().env("BATON_NEW_PASSWORD", password).args(["user", "add", &name]).output().unwrap();
    assert!(added.status.success(), "{}", stderr_of(&added));

    let second = Baton::new();
    let login = second
        .command()
        .env("BATON_PASSWORD", password)
        .args(["login", "--url", &shared.url, "--username", &name, "--json"])
        .output()
        .unwrap();
    assert!(login.status.success(), "{}", stderr_of(&login));
    let me = parse(&String::from_utf8_lossy(&login.stdout))["user"].clone();
    assert_eq!((me["username"].as_str(), me["role"].as_str()), (Some(name.as_str()), Some("member")), "{me}");
    let second_token = serde_json::from_str::<Value>(&std::fs::read_to_string(second.config_path()).unwrap()).unwrap()
        ["token"]
        .clone();
    assert_ne!(second_token.as_str(), Some(shared.admin_token.as_str()));
    second.ok(&["workspace", "ls"]);
    let saved = std::fs::read_to_string(second.config_path()).unwrap();
    assert!(!saved.contains(password), "the password is never stored");

    let wrong = Baton::new();
    let refused = wrong
        .command()
        .env("BATON_PASSWORD", "not the password")
        .args(["login", "--url", &shared.url, "--username", &name, "--json"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let error: Value = serde_json::from_str(stderr_of(&refused).trim()).expect("a --json failure is one JSON line");
    assert_eq!(error["error"]["status"], 401, "{error}");

    let minted = parse(&admin.ok(&["token", "create", "for-agent2", "--user", &name, "--json"]));
    let third = Baton::new();
    let me = parse(&third.ok(&["login", "--url", &shared.url, "--token", minted["token"].as_str().unwrap(), "--json"]))
        ["user"]
        .clone();
    assert_eq!(me["username"].as_str(), Some(name.as_str()), "the minted token is the person's: {me}");
    let denied = third.run(&["user", "ls", "--json"]);
    assert_eq!(denied.status.code(), Some(1), "a member's token does not act as admin");
    let error: Value = serde_json::from_str(stderr_of(&denied).trim()).unwrap();
    assert_eq!(
        (error["error"]["status"].as_i64(), error["error"]["code"].as_str()),
        (Some(403), Some("forbidden")),
        "{error}"
    );
}
