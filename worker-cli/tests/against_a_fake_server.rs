//! The daemon and the client against a fake baton server: a few routes answered by a closure
//! on a port-0 listener, every request recorded, so what the daemon does with a command (or a
//! server of another protocol version) is checked without the real server.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use baton::agent::claude::PermissionMode;
use baton::worker_config::WorkerConfig;
use protocol::event::{Event, EventBody};
use protocol::worker::AgentKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A request the fake server received.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    body: String,
}

/// What the fake server answers.
enum Reply {
    Json(u16, String),
    /// An SSE stream: these frames, then the connection stays open.
    Stream(String),
    /// An SSE stream that ends after these frames (the client reconnects).
    Ended(String),
}

type Routes = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

struct Fake {
    url: String,
    requests: mpsc::UnboundedReceiver<Request>,
}

impl Fake {
    async fn start(routes: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, requests) = mpsc::unbounded_channel();
        let routes: Routes = Arc::new(routes);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve_one(socket, routes.clone(), tx.clone()));
            }
        });
        Fake { url, requests }
    }

    /// The next request matching `pred`, failing when the daemon `ends` first or none comes
    /// within 20 s.
    async fn wait_for(
        &mut self,
        what: &str,
        ends: &mut tokio::task::JoinHandle<anyhow::Result<()>>,
        pred: impl Fn(&Request) -> bool,
    ) -> Request {
        let deadline = tokio::time::sleep(Duration::from_secs(20));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                request = self.requests.recv() => {
                    let request = request.expect("the fake server stopped");
                    if pred(&request) {
                        return request;
                    }
                }
                ended = &mut *ends => panic!("the daemon ended before {what}: {ended:?}"),
                _ = &mut deadline => panic!("no {what} within 20 s"),
            }
        }
    }
}

/// One request per connection (`connection: close`), which is all a test needs.
async fn serve_one(mut socket: TcpStream, routes: Routes, seen: mpsc::UnboundedSender<Request>) {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0usize);
    while bytes.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let request = Request {
        method: first.next().unwrap_or("").to_owned(),
        path: first.next().unwrap_or("").to_owned(),
        body: String::from_utf8_lossy(&bytes[head_end..head_end + length]).into_owned(),
    };
    let reply = routes(&request);
    let _ = seen.send(request);
    match reply {
        Reply::Json(status, body) => {
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
        Reply::Ended(frames) => {
            let answer =
                format!("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n{frames}");
            let _ = socket.write_all(answer.as_bytes()).await;
        }
        Reply::Stream(frames) => {
            let answer =
                format!("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n{frames}");
            let _ = socket.write_all(answer.as_bytes()).await;
            // Held open, as a live stream is, until the test ends.
            std::future::pending::<()>().await;
        }
    }
}

fn health(protocol: u32) -> Reply {
    Reply::Json(200, format!(r#"{{"status":"ok","version":"9.9.9","protocol":{protocol}}}"#))
}

fn not_found() -> Reply {
    Reply::Json(404, r#"{"error":{"code":"not_found","message":"no such thing"}}"#.into())
}

fn frame(seq: u64, body: EventBody) -> String {
    let event = Event { seq, at: "2025-01-01T00:00:00Z".into(), body };
    protocol::sse::frame(seq, event.body.type_name(), &serde_json::to_string(&event).unwrap())
}

fn config(url: &str, repo: &Path, worktrees: &Path) -> WorkerConfig {
    WorkerConfig {
        url: url.into(),
        token: "btw_test".into(),
        worker_id: 1,
        project_id: 1,
        name: "box".into(),
        agent: AgentKind::Scripted,
        agent_command: None,
        base_branch: "main".into(),
        max_sessions: 1,
        repo: repo.into(),
        worktrees_dir: worktrees.into(),
        turn_timeout_secs: 60,
        agent_env: None,
        permission_mode: PermissionMode::default(),
        setup_command: None,
        port_base: baton::worker_config::DEFAULT_PORT_BASE,
        cleanup: Default::default(),
    }
}

#[tokio::test]
async fn a_failed_worktree_removal_is_reported_and_skipped_and_the_daemon_goes_on() {
    // The worker's stream says: delete S-5 (whose worktree cannot be removed: the repository
    // is gone), then start S-6.
    let mut fake = Fake::start(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/api/health") => health(protocol::PROTOCOL_VERSION),
        ("GET", p) if p.starts_with("/api/workers/1/sessions") => {
            Reply::Json(200, r#"{"items":[],"next_cursor":null}"#.into())
        }
        ("GET", "/api/workers/1/stream") => Reply::Stream(
            frame(41, EventBody::SessionDelete { session_id: 5 })
                + &frame(42, EventBody::SessionStart { session_id: 6 }),
        ),
        // S-5 is deleted: its notice is refused, which must not matter.
        _ => not_found(),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("worker.json");
    let config = config(&fake.url, &dir.path().join("no-repo"), &dir.path().join("wt"));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let path = config_path.clone();
    let mut daemon = tokio::spawn(async move {
        baton::daemon::serve(config, &path, false, async move {
            let _ = stop_rx.await;
        })
        .await
    });

    let notice = fake
        .wait_for("the notice for S-5", &mut daemon, |r| r.method == "POST" && r.path == "/api/sessions/5/events")
        .await;
    let body: serde_json::Value = serde_json::from_str(&notice.body).unwrap();
    assert_eq!(body["type"], "worker_notice", "{body}");
    assert!(body["text"].as_str().unwrap().contains("could not remove the worktree of S-5"), "{body}");
    // The next command is still handled: S-6's runner reads its session.
    fake.wait_for("S-6 to run", &mut daemon, |r| r.path.starts_with("/api/sessions/6")).await;

    stop_tx.send(()).unwrap();
    daemon.await.unwrap().unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("worker.cursor")).unwrap(),
        "42",
        "the cursor moved past both commands: a restart does not replay the failed one"
    );
}

#[tokio::test]
async fn the_daemon_will_not_start_against_a_newer_server_and_says_to_upgrade_baton() {
    let fake = Fake::start(|r| match r.path.as_str() {
        "/api/health" => health(protocol::PROTOCOL_VERSION + 1),
        _ => not_found(),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&fake.url, dir.path(), &dir.path().join("wt"));
    let err = baton::daemon::serve(config, &dir.path().join("worker.json"), false, std::future::pending()).await;
    let err = format!("{:#}", err.unwrap_err());
    assert!(err.contains(&format!("the server at {} speaks protocol", fake.url)), "{err}");
    assert!(err.contains("upgrade baton") && err.contains("cargo install"), "{err}");
}

#[tokio::test]
async fn a_failed_call_to_an_older_server_says_to_upgrade_the_server_asking_only_once() {
    let mut fake = Fake::start(|r| match r.path.as_str() {
        "/api/health" => health(protocol::PROTOCOL_VERSION - 1),
        "/api/fine" => Reply::Json(200, "{}".into()),
        _ => Reply::Json(400, r#"{"error":{"code":"bad_request","message":"unknown field `x`"}}"#.into()),
    })
    .await;
    let settings =
        baton::config::Settings { url: fake.url.clone(), token: Some("btp_t".into()), project: None, insecure: false };
    let client = baton::client::Client::new(&settings).unwrap();
    // A call that works asks nothing more.
    client.get::<serde_json::Value>("read fine", "/api/fine").await.unwrap();
    let err = format!("{:#}", client.get::<serde_json::Value>("create thing", "/api/things").await.unwrap_err());
    assert!(err.contains("upgrade the server or use an older baton"), "{err}");
    assert!(err.contains("create thing failed: unknown field `x` [400]"), "the error itself stays: {err}");
    let again =
        format!("{:#}", client.clone().get::<serde_json::Value>("create thing", "/api/things").await.unwrap_err());
    assert!(!again.contains("upgrade"), "asked once per process: {again}");
    drop(client);
    let mut paths = Vec::new();
    while let Ok(r) = fake.requests.try_recv() {
        paths.push(r.path);
    }
    assert_eq!(paths, ["/api/fine", "/api/things", "/api/health", "/api/things"]);
}

/// A git repository with one commit on `main`, for the daemon's worktrees.
fn repository(path: &Path) {
    let repo = git2::Repository::init(path).unwrap();
    let signature = git2::Signature::now("t", "t@example.com").unwrap();
    let tree = repo.find_tree(repo.index().unwrap().write_tree().unwrap()).unwrap();
    repo.commit(Some("refs/heads/main"), &signature, &signature, "init", &tree, &[]).unwrap();
}

/// S-7, with the `ask` policy.
const SESSION: &str = r#"{"id":7,"handle":"S-7","project_id":1,"worker_id":1,"name":null,"permissions":"ask","input_timeout_s":1800,"created_at":"2025-01-01T00:00:00Z"}"#;

/// What a fake server for one session whose first message asks a question does with each
/// request: the request is recorded as pending, expiring at `expires_at`; once asked, the
/// session's stream delivers `answer` (if any) as `input_answered`; an expiry answers it
/// expired.
fn asking_session(
    prompt: &'static str,
    expires_at: String,
    answer: Option<protocol::api::Input>,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let asked: Arc<std::sync::Mutex<Option<protocol::api::Input>>> = Default::default();
    let seq = Arc::new(std::sync::atomic::AtomicU64::new(100));
    move |r: &Request| {
        let path = r.path.as_str();
        match (r.method.as_str(), path) {
            ("GET", "/api/health") => health(protocol::PROTOCOL_VERSION),
            ("GET", p) if p.starts_with("/api/workers/1/sessions") => {
                Reply::Json(200, format!(r#"{{"items":[{SESSION}],"next_cursor":null}}"#))
            }
            ("GET", "/api/workers/1/stream") => Reply::Stream(String::new()),
            ("GET", "/api/sessions/7") => Reply::Json(200, SESSION.into()),
            ("GET", p) if p.starts_with("/api/sessions/7/events") => {
                let message = Event {
                    seq: 1,
                    at: "2025-01-01T00:00:00Z".into(),
                    body: EventBody::UserMessage {
                        text: prompt.into(),
                        author: protocol::event::Author::new(protocol::event::AuthorKind::User, 1, "ann"),
                        attachments: Vec::new(),
                    },
                };
                let page = protocol::event::EventPage {
                    items: vec![message],
                    next_after: None,
                    last_seq: 1,
                    next_before: None,
                };
                Reply::Json(200, serde_json::to_string(&page).unwrap())
            }
            ("GET", "/api/sessions/7/stream") => match (asked.lock().unwrap().clone(), &answer) {
                (Some(input), Some(answer)) => {
                    let answered = protocol::api::Input { request_id: input.request_id, ..answer.clone() };
                    Reply::Stream(frame(50, EventBody::InputAnswered { input: answered }))
                }
                _ => Reply::Ended(String::new()),
            },
            ("POST", "/api/sessions/7/inputs") => {
                let body: protocol::api::RequestInput = serde_json::from_str(&r.body).unwrap();
                let input = protocol::api::Input {
                    session_id: 7,
                    request_id: body.request_id,
                    kind: body.kind,
                    tool: body.tool,
                    summary: body.summary,
                    input: body.input,
                    message_seq: body.message_seq,
                    expires_at: expires_at.clone(),
                    ..protocol::api::Input::example()
                };
                *asked.lock().unwrap() = Some(input.clone());
                Reply::Json(201, serde_json::to_string(&input).unwrap())
            }
            ("POST", p) if p.starts_with("/api/sessions/7/inputs/") && p.ends_with("/expire") => {
                let mut input = asked.lock().unwrap().clone().unwrap();
                input.status = protocol::api::InputStatus::Expired;
                Reply::Json(200, serde_json::to_string(&input).unwrap())
            }
            ("POST", "/api/sessions/7/events") => {
                let body: EventBody = serde_json::from_str(&r.body).unwrap();
                let seq = seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Reply::Json(
                    201,
                    serde_json::to_string(&Event { seq, at: "2025-01-01T00:00:00Z".into(), body }).unwrap(),
                )
            }
            _ => not_found(),
        }
    }
}

/// Runs the daemon with the scripted agent against `fake` until the turn of message 1 ends;
/// returns the events it wrote and the requests it made.
async fn run_the_turn(mut fake: Fake) -> (Vec<EventBody>, Vec<Request>) {
    let dir = tempfile::tempdir().unwrap();
    repository(&dir.path().join("repo"));
    let config_path = dir.path().join("worker.json");
    let config = config(&fake.url, &dir.path().join("repo"), &dir.path().join("wt"));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut daemon = tokio::spawn(async move {
        baton::daemon::serve(config, &config_path, false, async move {
            let _ = stop_rx.await;
        })
        .await
    });
    let mut written = Vec::new();
    let mut requests = Vec::new();
    loop {
        let request = fake.wait_for("the end of the turn", &mut daemon, |_| true).await;
        requests.push(request.clone());
        if request.method == "POST" && request.path == "/api/sessions/7/events" {
            let body: EventBody = serde_json::from_str(&request.body).unwrap();
            let end = matches!(body, EventBody::TurnComplete { .. } | EventBody::TurnError { .. });
            written.push(body);
            if end {
                break;
            }
        }
    }
    stop_tx.send(()).unwrap();
    daemon.await.unwrap().unwrap();
    (written, requests)
}

fn said(written: &[EventBody]) -> Vec<String> {
    written
        .iter()
        .filter_map(|e| match e {
            EventBody::AgentEvent { event: protocol::agent::AgentEvent::AgentMessage { text }, .. } => {
                Some(text.clone())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_question_reaches_the_server_and_its_answer_on_the_stream_reaches_the_agent() {
    let answer = protocol::api::Input {
        status: protocol::api::InputStatus::Answered,
        decision: Some(protocol::api::Decision::Allow),
        answers: Some(serde_json::json!({"Which color?": "Red"})),
        ..protocol::api::Input::example()
    };
    let fake = Fake::start(asking_session("ask: Which color?", "2999-01-01T00:00:00.000Z".into(), Some(answer))).await;
    let (written, requests) = run_the_turn(fake).await;
    let asked: Vec<&Request> = requests.iter().filter(|r| r.path == "/api/sessions/7/inputs").collect();
    assert_eq!(asked.len(), 1, "asked once");
    let body: serde_json::Value = serde_json::from_str(&asked[0].body).unwrap();
    assert_eq!(body["request_id"], "scripted-1-1");
    assert_eq!((body["kind"].as_str(), body["summary"].as_str()), (Some("question"), Some("Which color?")));
    assert_eq!(body["message_seq"], 1);
    assert!(!requests.iter().any(|r| r.path.ends_with("/expire")), "answered: nothing to expire");
    assert_eq!(said(&written), [r#"answer: {"Which color?":"Red"}"#, "done: asked"]);
    assert!(matches!(written.last(), Some(EventBody::TurnComplete { message_seq: 1 })), "{written:?}");
}

#[tokio::test]
async fn an_unanswered_request_expires_at_its_expires_at_through_the_server_as_a_deny() {
    let soon = protocol::time::rfc3339_from_ms(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 + 1500,
    );
    let fake = Fake::start(asking_session("approve: rm -f build.log", soon, None)).await;
    let (written, requests) = run_the_turn(fake).await;
    let expired: Vec<&Request> = requests.iter().filter(|r| r.path.ends_with("/expire")).collect();
    assert_eq!(expired.len(), 1, "expired once");
    assert_eq!(expired[0].path, "/api/sessions/7/inputs/scripted-1-1/expire");
    assert_eq!(said(&written), [format!("answer: deny {}", baton::agent::requests::EXPIRED), "done: asked".into()]);
    assert!(matches!(written.last(), Some(EventBody::TurnComplete { message_seq: 1 })), "{written:?}");
}
