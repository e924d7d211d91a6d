//! A plain HTTP client for tests: every call answers the raw status and the JSON body, so
//! tests assert exactly what a caller of the API would see.

use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{bail, Context, Result};
use reqwest::Method;
use serde_json::{json, Value};

use crate::server::SETUP_SECRET;

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub url: String,
    pub token: Option<String>,
}

impl Api {
    pub fn new(url: &str, token: Option<&str>) -> Api {
        Api { http: reqwest::Client::new(), url: url.to_owned(), token: token.map(Into::into) }
    }

    /// The shared server's admin.
    pub fn admin() -> Api {
        let shared = crate::server::shared();
        Api::new(&shared.url, Some(&shared.admin_token))
    }

    pub fn with_token(&self, token: Option<&str>) -> Api {
        Api { http: self.http.clone(), url: self.url.clone(), token: token.map(Into::into) }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.url));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends and answers (status, JSON body or Null).
    pub async fn send(&self, builder: reqwest::RequestBuilder) -> (u16, Value) {
        let response = builder.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("a whole body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("status {status} with a non-JSON body: {}", String::from_utf8_lossy(&bytes)))
        };
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.request(Method::POST, path).json(&body)).await
    }

    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let builder = self.request(Method::POST, path).header("content-type", "application/json").body(body);
        self.send(builder).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// POST that must answer 201; answers the body.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let (status, value) = self.post(path, body.clone()).await;
        assert_eq!(status, 201, "POST {path} {body} answered {status}: {value}");
        value
    }

    /// POST that must answer 200; answers the body.
    pub async fn create_ok(&self, path: &str, body: Value) -> Value {
        let (status, value) = self.post(path, body.clone()).await;
        assert_eq!(status, 200, "POST {path} {body} answered {status}: {value}");
        value
    }

    /// GET that must answer 200; answers the body.
    pub async fn fetch(&self, path: &str) -> Value {
        let (status, value) = self.get(path).await;
        assert_eq!(status, 200, "GET {path} answered {status}: {value}");
        value
    }
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Bootstraps the admin of a fresh server and answers its token. Blocking, on a thread of
/// its own, so it can be called from inside or outside an async runtime.
pub fn bootstrap_blocking(url: &str) -> Result<String> {
    let url = url.to_owned();
    std::thread::spawn(move || -> Result<String> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(bootstrap(&url))
    })
    .join()
    .map_err(|_| anyhow::anyhow!("bootstrap thread panicked"))?
}

pub async fn bootstrap(url: &str) -> Result<String> {
    let response = reqwest::Client::new()
        .post(format!("{url}/api/auth/bootstrap"))
        .json(&json!({"secret": SETUP_SECRET, "username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if status != 201 {
        bail!("bootstrap answered {status}: {body}");
    }
    body["token"]["token"].as_str().map(Into::into).context("bootstrap answered no token")
}

/// A workspace and a project in it, created by `admin`: (workspace id, project id).
pub async fn workspace_with_project(admin: &Api) -> (i64, i64) {
    let ws = admin.create("/api/workspaces", json!({"name": unique("ws")})).await;
    let ws_id = ws["id"].as_i64().expect("workspace id");
    let project = admin.create("/api/projects", json!({"workspace_id": ws_id, "name": "proj"})).await;
    (ws_id, project["id"].as_i64().expect("project id"))
}

/// A session in a fresh project: (project id, session id).
pub async fn new_session(admin: &Api) -> (i64, i64) {
    let (_, project_id) = workspace_with_project(admin).await;
    let session = admin.create("/api/sessions", json!({"project_id": project_id})).await;
    (project_id, session["id"].as_i64().expect("session id"))
}

/// A fresh project with a registered worker (scripted agent) and a session on it: (worker
/// token, session id). The worker's daemon need not run: a client with the token writes as it.
pub async fn worker_session(admin: &Api) -> (String, i64) {
    let made = session_agents(admin, 1).await;
    (made.worker_token, made.sessions[0])
}

/// Agents of sessions in one project of a new workspace: what [`session_agents`] makes.
pub struct SessionAgents {
    pub workspace: i64,
    pub project: i64,
    /// The token of the project's worker, which minted the agents' tokens.
    pub worker_token: String,
    /// The sessions, and one client per session with its agent's token (`bta_`).
    pub sessions: Vec<i64>,
    pub agents: Vec<Api>,
}

/// `n` sessions on one worker of a new project, and their agents' clients.
pub async fn session_agents(admin: &Api, n: usize) -> SessionAgents {
    let (workspace, project) = workspace_with_project(admin).await;
    let registered = admin
        .create(
            "/api/workers",
            json!({"project_id": project, "name": unique("w"), "machine_id": unique("m"), "agent": "scripted", "base_branch": "main"}),
        )
        .await;
    let worker_token = registered["token"].as_str().expect("a worker token").to_owned();
    let worker = Api::new(&admin.url, Some(&worker_token));
    let (mut sessions, mut agents) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let session = admin
            .create("/api/sessions", json!({"project_id": project, "worker_id": registered["worker"]["id"]}))
            .await;
        let minted = worker.create(&format!("/api/sessions/{}/token", session["id"]), json!({})).await;
        sessions.push(session["id"].as_i64().expect("a session id"));
        agents.push(Api::new(&admin.url, minted["token"].as_str()));
    }
    SessionAgents { workspace, project, worker_token, sessions, agents }
}

/// A member user (created by `admin`, password login, then a personal token), as a client.
pub async fn new_member(admin: &Api, username: &str) -> Api {
    let password = "member password 123";
    admin.create("/api/users", json!({"username": username, "password": password})).await;
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{}/api/auth/login", admin.url))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("login answers");
    assert_eq!(login.status(), 200, "login as {username}");
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a login cookie")
        .to_owned();
    let minted: Value = http
        .post(format!("{}/api/tokens", admin.url))
        .header("cookie", cookie)
        .json(&json!({"name": "cli"}))
        .send()
        .await
        .expect("token answers")
        .json()
        .await
        .expect("token JSON");
    let token = minted["token"].as_str().expect("a token").to_owned();
    Api::new(&admin.url, Some(&token))
}

/// Waits (up to 20 s) until worker `id` is online, as `GET /api/workers/:id` says (its daemon
/// holds its command stream and has beaten recently); panics with `what` otherwise.
pub async fn until_online(admin: &Api, id: i64, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while admin.fetch(&format!("/api/workers/{id}")).await["online"] != true {
        assert!(std::time::Instant::now() < deadline, "{what} did not come online within 20 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
