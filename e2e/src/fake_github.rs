//! A stand-in for the GitHub REST API's issue listing, on loopback: serves whatever issues a
//! test sets, 2 per page with `Link: <...>; rel="next"` headers as GitHub sends them, and
//! records each request's `Authorization` header. It runs on a thread of its own so it
//! outlives any one test's runtime.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::Value;

pub const PER_PAGE: usize = 2;

/// Per repository (`owner/name`), so tests running at once keep apart.
#[derive(Default)]
struct State {
    issues: HashMap<String, (Vec<Value>, Vec<Value>)>,
    authorizations: HashMap<String, Vec<Option<String>>>,
    failing: HashMap<String, u16>,
}

#[derive(Clone)]
pub struct FakeGithub {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeGithub {
    pub fn start() -> FakeGithub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let base = url.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &shared, &base);
            }
        });
        FakeGithub { url, state }
    }

    /// What the repository's listings answer: its open issues, and its recently closed ones.
    pub fn set_issues(&self, repo: &str, open: Vec<Value>, closed: Vec<Value>) {
        self.state.lock().unwrap().issues.insert(repo.to_owned(), (open, closed));
    }

    /// Answer every request for the repository with this status (200 restores service).
    pub fn set_status(&self, repo: &str, status: u16) {
        self.state.lock().unwrap().failing.insert(repo.to_owned(), status);
    }

    /// The `Authorization` headers the repository's listings received, and forget them.
    pub fn take_authorizations(&self, repo: &str) -> Vec<Option<String>> {
        self.state.lock().unwrap().authorizations.remove(repo).unwrap_or_default()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, base: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_owned());
            }
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let param = |name: &str| query.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}="))).map(str::to_owned);
    let repo = path.strip_prefix("/repos/").and_then(|p| p.strip_suffix("/issues")).unwrap_or("").to_owned();
    let mut state = state.lock().unwrap();
    state.authorizations.entry(repo.clone()).or_default().push(authorization);
    let failing = state.failing.get(&repo).copied().filter(|s| *s != 200);
    let listed = state.issues.get(&repo);
    let (status, body, link) = if let Some(status) = failing {
        (status, r#"{"message":"Bad credentials"}"#.to_owned(), None)
    } else if let Some((open, closed)) = listed {
        let all = if param("state").as_deref() == Some("closed") { closed } else { open };
        let page: usize = param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let items: Vec<&Value> = all.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
        let link = (page * PER_PAGE < all.len()).then(|| {
            let others: Vec<&str> = query.split('&').filter(|kv| !kv.starts_with("page=")).collect();
            format!("<{base}{path}?{}&page={}>; rel=\"next\"", others.join("&"), page + 1)
        });
        (200, serde_json::to_string(&items).unwrap(), link)
    } else {
        (404, r#"{"message":"Not Found"}"#.to_owned(), None)
    };
    drop(state);
    let mut response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    if let Some(link) = link {
        response.push_str(&format!("link: {link}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    let mut stream = stream;
    stream.write_all(response.as_bytes())?;
    stream.flush()
}
