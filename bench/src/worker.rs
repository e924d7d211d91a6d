//! Worker figures: how long creating a session's worktree takes next to `git worktree add`
//! on a generated repository of 20,000 files, and the daemon's memory when idle and per
//! running session (the agent process excluded: the scripted agent runs in the daemon).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use e2e::api::{workspace_with_project, Api};
use serde_json::{json, Value};

pub struct WorkerFigures {
    pub files: usize,
    pub baton_ms: f64,
    pub git_ms: f64,
    pub idle_rss_kb: u64,
    pub sessions: usize,
    pub busy_rss_kb: u64,
}

fn git(dir: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).env("HOME", dir).output()?;
    if !out.status.success() {
        bail!("git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// A repository with `files` small files in 200 directories, one commit.
fn generated_repo(files: usize) -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    git(dir.path(), &["init", "-q", "-b", "main"])?;
    for i in 0..files {
        let sub = dir.path().join(format!("d{:03}", i % 200));
        std::fs::create_dir_all(&sub)?;
        std::fs::write(sub.join(format!("f{i}.txt")), format!("file {i}\n"))?;
    }
    git(dir.path(), &["add", "."])?;
    git(dir.path(), &["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "generated"])?;
    Ok(dir)
}

pub fn worktree_times(files: usize, runs: usize) -> Result<(f64, f64)> {
    let repo = generated_repo(files)?;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let dirs = tempfile::tempdir()?;
        let start = Instant::now();
        let git = baton::worktree::GitCli::with_home(dirs.path());
        baton::worktree::ensure(repo.path(), dirs.path(), run as i64 + 1, "main", &git)?;
        ours.push(start.elapsed().as_secs_f64() * 1000.0);

        let path = dirs.path().join(format!("git-{run}"));
        let start = Instant::now();
        let status = Command::new("git")
            .arg("-C")
            .arg(repo.path())
            .args(["worktree", "add", "-q", "-b", &format!("plain-{run}")])
            .arg(&path)
            .arg("main")
            .status()?;
        if !status.success() {
            bail!("git worktree add failed");
        }
        theirs.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((median(ours), median(theirs)))
}

pub fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs the real daemon against `api`'s server and reads its resident memory.
pub async fn daemon_memory(api: &Api, sessions: usize) -> Result<(u64, u64)> {
    let (_, project) = workspace_with_project(api).await;
    let repo = generated_repo(10)?;
    let data = tempfile::tempdir()?;
    let baton = e2e::cli::Baton::new();
    let with_env = |args: &[&str]| {
        let mut c = baton.command();
        c.current_dir(repo.path())
            .args(["--url", &api.url, "--token", api.token.as_deref().unwrap_or("")])
            .args(args)
            .env("BATON_DATA_DIR", data.path())
            .env("HOME", data.path());
        c
    };
    let registered = with_env(&[
        "worker",
        "register",
        "--project",
        &project.to_string(),
        "--agent",
        "scripted",
        "--max-sessions",
        "64",
        "--json",
    ])
    .output()?;
    if !registered.status.success() {
        bail!("register: {}", String::from_utf8_lossy(&registered.stderr));
    }
    let worker: Value = serde_json::from_slice(&registered.stdout)?;
    let mut daemon = with_env(&["worker", "run"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = rss_kb(daemon.id());

    // Sessions that stay busy (a long scripted turn each) while memory is read.
    let mut ids = Vec::new();
    for _ in 0..sessions {
        let s = api.create("/api/sessions", json!({"project_id": project, "worker_id": worker["id"]})).await;
        api.create(&format!("/api/sessions/{}/messages", s["id"]), json!({"text": "sleep 20000"})).await;
        ids.push(s["id"].as_i64().unwrap_or(0));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    'wait: loop {
        let mut started = 0;
        for id in &ids {
            let page = api.fetch(&format!("/api/sessions/{id}/events?limit=100")).await;
            if page["items"].as_array().is_some_and(|items| items.iter().any(|e| e["type"] == "turn_start")) {
                started += 1;
            }
        }
        if started == ids.len() {
            break 'wait;
        }
        if Instant::now() > deadline {
            bail!("only {started} of {} sessions started", ids.len());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let busy = rss_kb(daemon.id());
    let _ = daemon.kill();
    let _ = daemon.wait();
    Ok((idle, busy))
}

pub async fn run(api: &Api, sessions: usize) -> Result<WorkerFigures> {
    let files = 20_000;
    let (baton_ms, git_ms) = worktree_times(files, 5)?;
    let (idle_rss_kb, busy_rss_kb) = daemon_memory(api, sessions).await?;
    Ok(WorkerFigures { files, baton_ms, git_ms, idle_rss_kb, sessions, busy_rss_kb })
}
