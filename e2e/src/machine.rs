//! A machine of the end-to-end tests: a real git repository with one commit, a project, and
//! the real `baton` registered as its worker with the scripted agent, with a config, data
//! directory and worktrees of its own; [`Machine::daemon`] runs `baton worker run` there.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{unique, workspace_with_project, Api};
use crate::cli::{repo_with_one_commit, Baton, Daemon};

pub struct Machine {
    pub baton: Baton,
    pub repo: tempfile::TempDir,
    pub data: tempfile::TempDir,
    pub worktrees: PathBuf,
    pub project: i64,
    pub worker: i64,
    pub admin: Api,
}

impl Machine {
    /// A repository with one commit, a project, and this machine registered as its worker.
    pub async fn new() -> Machine {
        let shared = crate::server::shared();
        Machine::on(&shared.url, &shared.admin_token).await
    }

    /// A machine registered with the server at `url`.
    pub async fn on(url: &str, admin_token: &str) -> Machine {
        let admin = Api::new(url, Some(admin_token));
        let (_, project) = workspace_with_project(&admin).await;
        let repo = tempfile::tempdir().unwrap();
        repo_with_one_commit(repo.path());
        let data = tempfile::tempdir().unwrap();
        let worktrees = data.path().join("worktrees");
        let baton = Baton::new();
        baton.ok(&["login", "--url", url, "--token", admin_token]);
        let mut m = Machine { baton, repo, data, worktrees, project, worker: 0, admin };
        let out = m.run_in_repo(&[
            "worker",
            "register",
            "--project",
            &project.to_string(),
            "--name",
            &unique("box"),
            "--agent",
            "scripted",
            "--base-branch",
            "main",
            "--json",
        ]);
        let registered: Value = serde_json::from_str(&out).unwrap();
        m.worker = registered["id"].as_i64().unwrap();
        m
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = self.baton.command();
        c.current_dir(self.repo.path())
            .args(["--url", &self.admin.url])
            .args(args)
            .env("BATON_DATA_DIR", self.data.path())
            .env("BATON_WORKTREE_DIR", &self.worktrees)
            .env("BATON_HEARTBEAT_MS", "300")
            .env("HOME", self.data.path());
        c
    }

    /// Registers this machine again for its project (a reattach) with the scripted agent,
    /// `base_branch` and any `extra` flags; answers stdout.
    pub fn reregister(&self, base_branch: &str, extra: &[&str]) -> String {
        let project = self.project.to_string();
        let args = ["worker", "register", "--project", &project, "--agent", "scripted", "--base-branch", base_branch];
        self.run_in_repo(&[&args[..], extra].concat())
    }

    pub fn run_in_repo(&self, args: &[&str]) -> String {
        let out = self.command(args).output().unwrap();
        assert!(out.status.success(), "baton {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn daemon(&self) -> Daemon {
        Daemon(self.command(&["worker", "run"]).stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().unwrap())
    }

    /// A daemon whose log (its stderr) the test reads, echoed to the test's own stderr.
    pub fn daemon_with_log(&self) -> (Daemon, tokio::sync::mpsc::UnboundedReceiver<String>) {
        let mut child = self.command(&["worker", "run"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
                eprintln!("{line}");
                let _ = tx.send(line);
            }
        });
        (Daemon(child), rx)
    }

    pub async fn session(&self) -> i64 {
        let s = self.admin.create("/api/sessions", json!({"project_id": self.project, "worker_id": self.worker})).await;
        s["id"].as_i64().unwrap()
    }

    pub async fn send(&self, session: i64, text: &str) -> Value {
        self.admin.create(&format!("/api/sessions/{session}/messages"), json!({"text": text})).await
    }

    pub async fn events(&self, session: i64) -> Vec<Value> {
        let page = self.admin.fetch(&format!("/api/sessions/{session}/events?limit=1000")).await;
        page["items"].as_array().unwrap().clone()
    }

    /// Waits until an event matching `pred` is in the transcript.
    pub async fn wait_for(&self, session: i64, what: &str, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let events = self.events(session).await;
            if events.iter().any(&pred) {
                return events;
            }
            assert!(start.elapsed() < Duration::from_secs(40), "no {what} within 40 s: {events:#?}");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
}
