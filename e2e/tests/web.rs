//! The web app in a real browser: Debian's headless Chromium, driven by playwright-core
//! (`web/e2e/app.mjs`), against `wrangler dev` serving the built app and the API, with a real
//! `baton worker run` daemon and the scripted agent behind the sessions it starts.
//!
//! This test prepares what a person would find (a workspace they are a member of, a project,
//! an online worker) and runs the browser script, which signs in, plans, starts a session,
//! talks to the agent, answers its approval, reloads and cuts the network mid-stream, shares
//! the session, attacks the login cookie from another origin and audits accessibility. Every
//! step the script reports is echoed here; its failure fails this test.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

use e2e::api::{unique, until_online, workspace_with_project, Api};
use e2e::cli::{repo_with_one_commit, Baton, Daemon};
use e2e::server::repo_root;
use serde_json::{json, Value};

fn chromium() -> String {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&path).exists(),
        "{path} is missing: scripts/setup installs Debian's chromium (make test runs it)"
    );
    path
}

#[tokio::test]
async fn the_web_app_in_chromium_plans_runs_answers_and_shares_a_session() {
    let shared = e2e::server::shared();
    let admin = Api::new(&shared.url, Some(&shared.admin_token));
    let (workspace, project) = workspace_with_project(&admin).await;
    let username = unique("web");
    let password = "a web password 123";
    admin.create("/api/users", json!({"username": username, "password": password})).await;
    admin.create(&format!("/api/workspaces/{workspace}/members"), json!({"username": username})).await;

    // A machine with a repository, registered as the project's worker, its daemon running.
    let repo = tempfile::tempdir().unwrap();
    repo_with_one_commit(repo.path());
    let data = tempfile::tempdir().unwrap();
    let baton = Baton::new();
    baton.ok(&["login", "--url", &shared.url, "--token", &shared.admin_token]);
    let command = |args: &[&str]| {
        let mut c = baton.command();
        c.current_dir(repo.path())
            .args(args)
            .env("BATON_DATA_DIR", data.path())
            .env("BATON_WORKTREE_DIR", data.path().join("worktrees"))
            .env("HOME", data.path());
        c
    };
    let project_arg = project.to_string();
    let out = command(&[
        "worker",
        "register",
        "--project",
        &project_arg,
        "--agent",
        "scripted",
        "--base-branch",
        "main",
        "--json",
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "register: {}", String::from_utf8_lossy(&out.stderr));
    let registered: Value = serde_json::from_slice(&out.stdout).unwrap();
    let worker = registered["handle"].as_str().map(str::to_owned).unwrap_or_else(|| format!("W-{}", registered["id"]));
    let _daemon = Daemon(command(&["worker", "run"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    until_online(&admin, registered["id"].as_i64().unwrap(), "the worker daemon").await;

    let root = repo_root();
    let mut script = Command::new(root.join("node_modules/.bin/node"));
    script
        .arg(root.join("web/e2e/app.mjs"))
        .current_dir(&root)
        .env("BATON_URL", &shared.url)
        .env("BATON_USERNAME", &username)
        .env("BATON_PASSWORD", password)
        .env("BATON_PROJECT", project.to_string())
        .env("BATON_WORKER", &worker)
        .env("BATON_ADMIN_TOKEN", &shared.admin_token)
        .env("BATON_ADMIN_USERNAME", e2e::api::ADMIN)
        .env("BATON_ADMIN_PASSWORD", e2e::api::ADMIN_PASSWORD)
        .env("CHROMIUM", chromium())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = script.spawn().expect("node runs web/e2e/app.mjs");
    let mut steps = Vec::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok) {
        eprintln!("web: {line}");
        steps.push(line);
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "the browser suite failed:\n{}", steps.join("\n"));
    let passed = steps.iter().filter(|l| l.starts_with("ok ")).count();
    assert_eq!(
        steps.last().map(String::as_str),
        Some(format!("{passed} passed").as_str()),
        "the script ran to its end"
    );
    assert!(passed >= 18, "every step ran and passed: {steps:?}");
}
