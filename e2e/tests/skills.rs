//! The skills, run: every shell line of every fenced block of every `skills/*/SKILL.md`
//! (`baton` commands, `export`s and `curl` calls) runs in order against a fresh `wrangler dev`,
//! as an agent following the skill would type it, and must succeed.
//!
//! A skill's examples name things (`T-12`, `S-4`, `W-2`, `toolu_01`, `bt_...`, a share `12`,
//! `<token>`); the runner keeps each example true in its world rather than asking skills to
//! use ids of a test:
//!
//! - a handle a skill created earlier (`requirement create` printing `R-1` before
//!   `task create --requirement R-4`) stands for the example it names next, in order;
//! - any other handle stands for a thing the world makes when it is first named: a ready task,
//!   a requirement, a session, the project's worker (a real daemon with the scripted agent);
//! - a request (`toolu_01`) is a pending approval of a scripted session, made anew when the
//!   one named was answered already (a skill shows `allow` and `deny` of the same example);
//! - a baton (`bt_...`) is the last one passed for `status`; a fresh one for `catch` and
//!   `cancel`; one the current identity holds for `heartbeat`, `done` and `fail`;
//! - `<token>` is the last token a line minted, `<project>` a project of the world.
//!
//! Where a skill says what a line prints (`--wait` prints the agent's final message, a
//! minted token is in `token`, ...), the output is checked too (see [`states`]).
//!
//! Lines that never end by design (`worker run`, `watch` without `--until-turn-end`) must be
//! running after 3 s, and run on until the world ends; other lines that are not `baton`, `export` or `curl` (`gh`, `git`) are
//! not run. A failing line is retried for a few seconds (the world is asynchronous: a
//! request appears when the agent gets to it) and then fails the test with its output.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e::api::{bootstrap, until_online, Api};
use e2e::cli::{repo_with_one_commit, Daemon};
use e2e::fake_github::FakeGithub;
use e2e::server::{repo_root, Server};
use serde_json::{json, Value};

const AGENT2_PASSWORD: &str = "agent two password 123";

struct World {
    _server: Server,
    github: FakeGithub,
    url: String,
    token: String,
    admin: Api,
    /// HOME and the CLI's config for every line.
    home: tempfile::TempDir,
    /// Where lines run: a git repository of its own.
    cwd: tempfile::TempDir,
    /// The world's worker: its repository, data and daemon.
    worker_repo: tempfile::TempDir,
    worker_data: tempfile::TempDir,
    worker: Option<(i64, String, Daemon)>,
    /// Lines that run until stopped (a daemon a skill starts), stopped with the world.
    background: Vec<Daemon>,
    env: HashMap<String, String>,
    /// Example → what it stands for.
    bound: HashMap<String, String>,
    /// Handles lines created, not yet standing for an example.
    created: Vec<String>,
    last_baton: Option<String>,
    last_token: Option<String>,
}

fn find(pattern: &str, text: &str) -> Option<String> {
    regex_find(pattern, text).into_iter().next()
}

/// Every match of a small pattern language: `H` a handle letter set and digits, as used below.
fn regex_find(pattern: &str, text: &str) -> Vec<String> {
    // Patterns here are prefixes followed by [A-Za-z0-9_]+ (`bt_`, `btp_`) or by digits (`T-`).
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find(pattern) {
        let start = i + at;
        let boundary = start == 0 || !(bytes[start - 1] as char).is_ascii_alphanumeric();
        let mut end = start + pattern.len();
        let digits_only = pattern.ends_with('-');
        while end < bytes.len() {
            let c = bytes[end] as char;
            if (digits_only && c.is_ascii_digit()) || (!digits_only && (c.is_ascii_alphanumeric() || c == '_')) {
                end += 1;
            } else {
                break;
            }
        }
        if boundary && end > start + pattern.len() {
            out.push(text[start..end].to_owned());
        }
        i = end.max(start + 1);
    }
    out
}

/// The example handles of a line (`R-4`, `T-12`, `S-9`, `W-2`), in order.
fn handles(line: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for prefix in ["R-", "T-", "S-", "W-"] {
        for h in regex_find(prefix, line) {
            let at = line.find(&h).unwrap_or(0);
            found.push((at, h));
        }
    }
    found.sort();
    found.into_iter().map(|(_, h)| h).collect()
}

impl World {
    async fn new() -> World {
        let github = FakeGithub::start();
        let server = Server::start_with_vars(&[("GITHUB_API_URL", &github.url)]).expect("wrangler dev starts");
        let token = bootstrap(&server.url).await.expect("bootstrap");
        let admin = Api::new(&server.url, Some(&token));
        let cwd = tempfile::tempdir().unwrap();
        repo_with_one_commit(cwd.path());
        std::fs::create_dir_all(cwd.path().join("docs")).unwrap();
        std::fs::write(cwd.path().join("docs/sso.md"), "# SSO\n\nMembers sign in with the IdP.\n").unwrap();
        std::fs::create_dir_all(cwd.path().join("src/auth")).unwrap();
        std::fs::write(cwd.path().join("src/auth/mod.rs"), "// auth\n").unwrap();
        std::fs::write(cwd.path().join("notes.json"), r#"{"tried": ["timeouts"]}"#).unwrap();
        std::fs::write(cwd.path().join("result.json"), r#"{"pr": 58, "summary": "retries"}"#).unwrap();
        let worker_repo = tempfile::tempdir().unwrap();
        repo_with_one_commit(worker_repo.path());
        let home = tempfile::tempdir().unwrap();
        let mut env = HashMap::new();
        env.insert("AGENT2_PASSWORD".to_owned(), AGENT2_PASSWORD.to_owned());
        env.insert("BATON_NEW_PASSWORD".to_owned(), AGENT2_PASSWORD.to_owned());
        World {
            url: server.url.clone(),
            _server: server,
            github,
            token,
            admin,
            home,
            cwd,
            worker_repo,
            worker_data: tempfile::tempdir().unwrap(),
            worker: None,
            background: Vec::new(),
            env,
            bound: HashMap::new(),
            created: Vec::new(),
            last_baton: None,
            last_token: None,
        }
    }

    fn baton_dir() -> PathBuf {
        e2e::cli::baton_path().parent().unwrap().to_path_buf()
    }

    /// A shell line as the skill's reader runs it, in the world's directory and identity.
    fn command(&self, line: &str) -> Command {
        let mut c = Command::new("bash");
        let path = format!("{}:{}", World::baton_dir().display(), std::env::var("PATH").unwrap_or_default());
        c.arg("-c")
            .arg(line)
            .current_dir(self.cwd.path())
            .env("PATH", path)
            .env("HOME", self.home.path())
            .env("BATON_CONFIG", self.home.path().join("config.json"))
            .env("BATON_DATA_DIR", self.home.path().join("data"))
            .env("BATON_WORKTREE_DIR", self.home.path().join("worktrees"))
            .env_remove("BATON_URL")
            .env_remove("BATON_TOKEN")
            .envs(&self.env)
            .stdin(Stdio::null());
        c
    }

    /// Runs `baton args` as the current identity; its stdout.
    fn baton(&self, args: &str) -> String {
        let out = self.command(&format!("baton {args}")).output().unwrap();
        assert!(out.status.success(), "world: baton {args}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The workspace and project a skill calls `acme` and `web`, made if the skill has not.
    async fn project(&self) -> (i64, i64) {
        let workspaces = self.admin.fetch("/api/workspaces?limit=200").await;
        let ws = match workspaces["items"].as_array().unwrap().iter().find(|w| w["name"] == "acme") {
            Some(w) => w["id"].as_i64().unwrap(),
            None => self.admin.create("/api/workspaces", json!({"name": "acme"})).await["id"].as_i64().unwrap(),
        };
        let projects = self.admin.fetch(&format!("/api/workspaces/{ws}/projects?limit=200")).await;
        let project = match projects["items"].as_array().unwrap().iter().find(|p| p["name"] == "web") {
            Some(p) => p["id"].as_i64().unwrap(),
            None => self.admin.create("/api/projects", json!({"workspace_id": ws, "name": "web"})).await["id"]
                .as_i64()
                .unwrap(),
        };
        (ws, project)
    }

    /// The project's worker: registered with the scripted agent, its daemon running.
    async fn worker(&mut self) -> String {
        if let Some((_, handle, _)) = &self.worker {
            return handle.clone();
        }
        let (_, project) = self.project().await;
        let config = self.home.path().join("world-worker.json");
        let run = |args: &[&str]| {
            let mut c = Command::new(e2e::cli::baton_path());
            c.current_dir(self.worker_repo.path())
                .args(["--url", &self.url, "--token", &self.token])
                .args(args)
                .env("BATON_CONFIG", &config)
                .env("HOME", self.worker_data.path())
                .env("BATON_DATA_DIR", self.worker_data.path())
                .env("BATON_WORKTREE_DIR", self.worker_data.path().join("worktrees"))
                .stdin(Stdio::null());
            c
        };
        let p = project.to_string();
        let out = run(&["worker", "register", "--project", &p, "--agent", "scripted", "--name", "box", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "world worker: {}", String::from_utf8_lossy(&out.stderr));
        let registered: Value = serde_json::from_slice(&out.stdout).unwrap();
        let id = registered["id"].as_i64().unwrap();
        let daemon = Daemon(run(&["worker", "run"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
        until_online(&self.admin, id, "the world's worker").await;
        let handle = format!("W-{id}");
        self.worker = Some((id, handle.clone(), daemon));
        handle
    }

    /// A thing that stands for an example handle the skill did not create.
    async fn make(&mut self, example: &str) -> String {
        let (_, project) = self.project().await;
        match &example[..2] {
            "R-" => {
                let r = self
                    .admin
                    .create(&format!("/api/projects/{project}/requirements"), json!({"title": "Checkout"}))
                    .await;
                r["handle"].as_str().unwrap().to_owned()
            }
            "T-" => {
                let r = self
                    .admin
                    .create(&format!("/api/projects/{project}/requirements"), json!({"title": "Parser"}))
                    .await;
                let t = self
                    .admin
                    .create(
                        &format!("/api/projects/{project}/tasks"),
                        json!({"requirement_id": r["id"], "title": "Rewrite it"}),
                    )
                    .await;
                t["handle"].as_str().unwrap().to_owned()
            }
            "W-" => self.worker().await,
            _ => {
                let worker = self.worker().await;
                let id: i64 = worker[2..].parse().unwrap();
                let s = self.admin.create("/api/sessions", json!({"project_id": project, "worker_id": id})).await;
                s["handle"].as_str().unwrap().to_owned()
            }
        }
    }

    /// A session whose agent waits for an approval now: (session handle, request id).
    async fn pending_request(&mut self) -> (String, String) {
        let session = self.make("S-").await;
        let posted = self
            .admin
            .create(&format!("/api/sessions/{session}/messages"), json!({"text": "approve: rm -f build.log"}))
            .await;
        let request = format!("scripted-{}-1", posted["seq"]);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let inputs = self.admin.fetch(&format!("/api/sessions/{session}/inputs")).await;
            if inputs["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["request_id"] == request.as_str() && i["status"] == "pending")
            {
                return (session, request);
            }
            assert!(Instant::now() < deadline, "the scripted agent never asked");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A pending baton nobody is addressed by, passed by the admin in the world's workspace.
    async fn open_baton(&mut self) -> String {
        let (ws, _) = self.project().await;
        let passed = self.admin.create("/api/pass", json!({"task": "Review the retry code", "workspace_id": ws})).await;
        passed["baton_id"].as_str().unwrap().to_owned()
    }

    async fn baton_status(&self, id: &str) -> String {
        self.admin.fetch(&format!("/api/status/{id}")).await["status"].as_str().unwrap_or("").to_owned()
    }

    /// The line with every example replaced by what stands for it in the world.
    async fn substitute(&mut self, line: &str) -> String {
        let mut line = line
            .replace("\"$BATON_URL\"", &self.url)
            .replace("$BATON_URL", &self.url)
            .replace("\"$BATON_TOKEN\"", &self.token)
            .replace("$BATON_TOKEN", &self.token)
            .replace("<project>", "shop");
        if line.contains("<token>") {
            let token = self.last_token.clone().expect("a line minted a token before <token>");
            line = line.replace("<token>", &token);
        }
        if line.contains("'#123'") {
            self.mirrored_issue().await;
        }
        if let Some(name) = line.strip_prefix("baton member add ").and_then(|r| r.split_whitespace().next()) {
            self.person(name).await;
        }
        // Handles, in one pass: a request's session is this line's own (a pending approval);
        // any other example stands for what it stood for before, or for something new.
        let mut map: HashMap<String, String> = HashMap::new();
        let request = find("toolu_", &line);
        if let Some(example) = &request {
            let (session, id) = self.pending_request().await;
            map.insert(example.clone(), id);
            if let Some(s) = handles(&line).into_iter().find(|h| h.starts_with("S-")) {
                map.insert(s, session);
            }
        }
        for example in handles(&line) {
            if map.contains_key(&example) {
                continue;
            }
            let real = match self.bound.get(&example) {
                Some(real) => real.clone(),
                None => {
                    let kind = &example[..2];
                    let real = match self.created.iter().position(|h| h.starts_with(kind)) {
                        Some(i) => self.created.remove(i),
                        None => self.make(&example).await,
                    };
                    self.bound.insert(example.clone(), real.clone());
                    real
                }
            };
            map.insert(example, real);
        }
        line = replace_words(&line, &map);
        // A baton, as the verb needs it.
        if line.contains("bt_...") || line.contains("<pickup_url or bt_id>") {
            let verb = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let id = match verb.as_str() {
                "catch" => self.open_baton().await,
                "cancel" => {
                    let out = self.baton("pass --task 'Try the other approach' --workspace acme --json");
                    find("bt_", &out).expect("pass printed a baton id")
                }
                "heartbeat" | "done" | "fail" => {
                    let held = self.last_baton.clone();
                    let usable = match &held {
                        Some(id) => self.baton_status(id).await == "caught",
                        None => false,
                    };
                    match held {
                        Some(id) if usable => id,
                        _ => {
                            let id = self.open_baton().await;
                            self.baton(&format!("catch {id} --lease 15m --json > baton.json"));
                            id
                        }
                    }
                }
                _ => self.last_baton.clone().expect("a baton was passed before its status"),
            };
            self.last_baton = Some(id.clone());
            line = line.replace("<pickup_url or bt_id>", &id).replace("bt_...", &id);
        }
        // A share link's id: the newest of the session the skill shares.
        for flag in ["--rotate ", "unshare "] {
            if let Some(at) = line.find(flag) {
                let rest = line[at + flag.len()..].to_owned();
                let example: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if !example.is_empty() {
                    let session = self.bound.get("S-9").cloned().expect("a shared session");
                    let shares = self.admin.fetch(&format!("/api/sessions/{session}/shares")).await;
                    let id = shares["items"].as_array().unwrap().last().expect("a share")["id"].to_string();
                    line = format!("{}{flag}{id}{}", &line[..at], &rest[example.len()..]);
                }
            }
        }
        // curl's ids in API paths.
        if line.starts_with("curl ") {
            let (_, project) = self.project().await;
            line = line.replace("/api/projects/7/", &format!("/api/projects/{project}/"));
            if line.contains("/api/tasks/123") {
                let task = self.make("T-").await;
                let id = self.admin.fetch(&format!("/api/projects/{project}/items/{task}")).await["id"].clone();
                line = line.replace("/api/tasks/123", &format!("/api/tasks/{id}"));
            }
        }
        line
    }

    /// A person of the given name (with a password), made if missing.
    async fn person(&self, name: &str) {
        let users = self.admin.fetch("/api/users?limit=200").await;
        if !users["items"].as_array().unwrap().iter().any(|u| u["username"] == name) {
            self.admin.create("/api/users", json!({"username": name, "password": AGENT2_PASSWORD})).await;
        }
    }

    /// Issue #123 of acme/web mirrored into the project (through the fake GitHub API).
    async fn mirrored_issue(&self) {
        let (_, project) = self.project().await;
        let links = self.admin.fetch(&format!("/api/projects/{project}/github")).await;
        let link = links["items"].as_array().unwrap().first().expect("the skill connected GitHub first")["id"].clone();
        let issue = json!({"number": 123, "title": "Crash on empty cart", "state": "open", "state_reason": null,
            "updated_at": "2026-11-30T00:00:00Z", "html_url": "https://github.com/acme/web/issues/123", "body": ""});
        self.github.set_issues("acme/web", vec![issue], vec![]);
        let mut cursor = Value::Null;
        loop {
            let report =
                self.admin.create_ok(&format!("/api/github/links/{link}/sync"), json!({"cursor": cursor})).await;
            cursor = report["next_cursor"].clone();
            if cursor.is_null() {
                break;
            }
        }
    }

    /// What a line left behind for later lines: handles it created, a token it minted.
    fn remember(&mut self, line: &str, stdout: &str) {
        let kind = if line.starts_with("baton requirement create") {
            Some("R-")
        } else if line.starts_with("baton task create") {
            Some("T-")
        } else if line.starts_with("baton delegate") || line.starts_with("baton session create") {
            Some("S-")
        } else {
            None
        };
        if let Some(h) = kind.and_then(|k| handles(stdout).into_iter().find(|h| h.starts_with(k))) {
            if line.starts_with("baton delegate") {
                self.bound.entry("S-9".to_owned()).or_insert_with(|| h.clone());
            }
            self.created.push(h);
        }
        if line.starts_with("baton pass") {
            self.last_baton = find("bt_", stdout).or(self.last_baton.take());
        }
        if line.contains("token create") {
            self.last_token = find("btp_", stdout);
        }
    }

    /// `export NAME="VALUE"` for the lines after it.
    fn export(&mut self, line: &str) {
        let assignment = line.trim_start_matches("export ").trim();
        let (name, value) = assignment.split_once('=').expect("export NAME=VALUE");
        let mut value = value.trim_matches('"').to_owned();
        for (k, v) in &self.env {
            value = value.replace(&format!("${k}"), v);
        }
        self.env.insert(name.to_owned(), value);
    }
}

/// Replaces, in one pass, each word of `map` where it stands alone (`T-12`, not inside
/// `T-123`), so that a replacement is never replaced again.
fn replace_words(line: &str, map: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(map.get(word.as_str()).map_or(word.as_str(), String::as_str));
        word.clear();
    };
    for c in line.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// What the skills say a line prints, checked: `--wait` prints the agent's final message (the
/// scripted agent's ends `done: ...`), its `--json` the answer; a minted token is in `token`;
/// `status --json` has the baton's state.
fn states(line: &str, stdout: &str) -> Result<(), String> {
    let json = || serde_json::from_str::<Value>(stdout.trim()).map_err(|e| format!("not JSON: {e}"));
    let waits =
        (line.starts_with("baton delegate") || line.starts_with("baton session send")) && line.contains("--wait");
    if waits && line.contains("--json") {
        let v = json()?;
        if !v["answer"].as_str().is_some_and(|a| a.starts_with("done: ")) {
            return Err("the answer is not the agent's final message".into());
        }
    } else if waits && !stdout.lines().any(|l| l.starts_with("done: ")) {
        return Err("--wait did not print the agent's final message".into());
    }
    if line.contains("token create")
        && line.contains("--json")
        && !json()?["token"].as_str().is_some_and(|t| t.starts_with("btp_"))
    {
        return Err("no token in the answer".into());
    }
    if line.starts_with("baton status") && json()?["status"].as_str().is_none() {
        return Err("no status in the answer".into());
    }
    Ok(())
}

/// Whether a line runs until stopped.
fn never_ends(line: &str) -> bool {
    line.starts_with("baton worker run")
        || line.starts_with("baton channel listen")
        || (line.contains(" watch") && !line.contains("--until-turn-end"))
}

async fn run_skill(name: &str) -> Vec<String> {
    let markdown = std::fs::read_to_string(repo_root().join("skills").join(name).join("SKILL.md")).unwrap();
    let mut world = World::new().await;
    // `<project>` is a project the reader has; `acme`/`web` are the skill's own when it makes
    // them, else the world's. The CLI starts logged in as the admin, in `web`.
    let demo = world.admin.create("/api/workspaces", json!({"name": "demo"})).await;
    world.admin.create("/api/projects", json!({"workspace_id": demo["id"], "name": "shop"})).await;
    world.baton(&format!("login --url {} --token {}", world.url, world.token));
    if !markdown.contains("baton workspace create acme") {
        world.project().await;
        world.baton("use web --workspace acme");
    }
    let mut ran = Vec::new();
    for block_line in baton::skills::block_lines(&markdown) {
        let text = block_line.text.trim().to_owned();
        let first = text.split_whitespace().next().unwrap_or("");
        if first == "export" {
            world.export(&text);
            ran.push(format!("{name}:{} {text}", block_line.line));
            continue;
        }
        if !matches!(first, "baton" | "curl") {
            continue;
        }
        let line = world.substitute(&text).await;
        let label = format!("{name}:{} {text}", block_line.line);
        if never_ends(&line) {
            let log = world.home.path().join(format!("background-{}.log", world.background.len()));
            let stderr = std::fs::File::create(&log).unwrap();
            let mut child =
                world.command(&format!("exec {line}")).stdout(Stdio::null()).stderr(stderr).spawn().unwrap();
            tokio::time::sleep(Duration::from_secs(3)).await;
            if let Some(status) = child.try_wait().unwrap() {
                let stderr = std::fs::read_to_string(&log).unwrap_or_default();
                assert!(status.success(), "{label}\n  ran as: {line}\n  ended early: {stderr}");
            } else {
                // It runs on, as it would in the reader's other terminal.
                world.background.push(Daemon(child));
            }
            ran.push(label);
            continue;
        }
        let deadline = Instant::now() + Duration::from_secs(8);
        loop {
            let out = world.command(&line).output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let curl_failed = first == "curl" && stdout.contains("\"error\"");
            if out.status.success() && !curl_failed {
                if let Err(why) = states(&line, &stdout) {
                    panic!("{label}\n  ran as: {line}\n  {why}\n  stdout: {stdout}");
                }
                world.remember(&line, &stdout);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{label}\n  ran as: {line}\n  exit: {:?}\n  stdout: {stdout}\n  stderr: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        ran.push(format!("{label}\n    as {line}"));
    }
    ran
}

/// The number of `baton`/`curl`/`export` lines of a skill: the runner must have run them all.
fn runnable(name: &str) -> usize {
    let markdown = std::fs::read_to_string(repo_root().join("skills").join(name).join("SKILL.md")).unwrap();
    baton::skills::block_lines(&markdown)
        .iter()
        .filter(|l| matches!(l.text.split_whitespace().next(), Some("baton" | "curl" | "export")))
        .count()
}

async fn check(name: &str) {
    let ran = run_skill(name).await;
    for line in &ran {
        eprintln!("ran {line}");
    }
    assert_eq!(ran.len(), runnable(name), "every line of skills/{name} ran");
    assert!(ran.len() >= 4, "skills/{name} teaches commands");
}

#[tokio::test]
async fn the_baton_skill_runs_as_written() {
    check("baton").await;
}

#[tokio::test]
async fn the_delegate_skill_runs_as_written() {
    check("delegate").await;
}

#[tokio::test]
async fn the_handoff_skill_runs_as_written() {
    check("handoff").await;
}

#[tokio::test]
async fn the_github_issues_skill_runs_as_written() {
    check("github-issues").await;
}

#[tokio::test]
async fn the_channel_skill_runs_as_written() {
    check("channel").await;
}

/// Its curl lines (cards, a message, the task list); its SDK example runs in `tests/a2a.rs`.
#[tokio::test]
async fn the_a2a_skills_curl_lines_run_as_written() {
    check("a2a").await;
}

/// Its shell lines (the token, `baton mcp config`); its tool lines run in `tests/mcp.rs`.
#[tokio::test]
async fn the_mcp_skills_setup_runs_as_written() {
    check("mcp").await;
}

#[test]
fn example_words_are_replaced_only_where_they_stand_alone() {
    let map = HashMap::from([("T-12".to_owned(), "T-1".to_owned()), ("T-1".to_owned(), "T-9".to_owned())]);
    assert_eq!(replace_words("a T-12 and T-123, T-12. T-1", &map), "a T-1 and T-123, T-1. T-9");
    assert_eq!(handles("baton task create --requirement R-4 x --depends-on T-20,T-21"), ["R-4", "T-20", "T-21"]);
    assert_eq!(find("bt_", "caught bt_abc123 ok"), Some("bt_abc123".to_owned()));
    assert!(never_ends("baton project watch") && !never_ends("baton session watch S-1 --until-turn-end"));
    assert!(never_ends("baton channel listen 1 --as reviewer"));
}
