//! A stand-in for DingTalk's and Feishu's servers, on loopback: it answers their token
//! endpoints with fixed tokens (counting the calls, so a test sees caching), serves [`PICTURE`]
//! for any picture download (DingTalk's download URL, Feishu's message resource), accepts every
//! other POST with the platform's "ok", and records each request (path, a few headers, the
//! body) for the test to read. It runs on a thread of its own so it outlives any one test's
//! runtime.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

/// The bytes every picture download answers (a PNG's signature and a little more).
pub const PICTURE: &[u8] = b"\x89PNG\r\n\x1a\nfake picture bytes";

/// What the token endpoints hand out.
pub const DINGTALK_TOKEN: &str = "fake-dingtalk-access-token";
pub const FEISHU_TOKEN: &str = "t-fake-feishu-tenant-token";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// `authorization`, or DingTalk's `x-acs-dingtalk-access-token`.
    pub token: Option<String>,
    pub body: Value,
}

#[derive(Clone)]
pub struct FakeChat {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl FakeChat {
    pub fn start() -> FakeChat {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &shared);
            }
        });
        FakeChat { url, received }
    }

    /// Everything received so far whose path starts with `prefix`.
    pub fn received(&self, prefix: &str) -> Vec<Received> {
        self.received.lock().unwrap().iter().filter(|r| r.path.starts_with(prefix)).cloned().collect()
    }
}

fn serve(stream: TcpStream, received: &Mutex<Vec<Received>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let (mut token, mut length, mut host) = (None, 0usize, String::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            if name == "authorization" || name == "x-acs-dingtalk-access-token" {
                token = Some(value.trim().to_owned());
            }
            if name == "host" {
                host = value.trim().to_owned();
            }
            if name == "content-length" {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let answer = if path.starts_with("/v1.0/robot/messageFiles/download") {
        let code = body
            .get("downloadCode")
            .and_then(Value::as_str)
            .unwrap_or("x")
            .replace(|c: char| !c.is_ascii_alphanumeric(), "");
        json!({"downloadUrl": format!("http://{host}/files/{code}.png")})
    } else if path.starts_with("/v1.0/oauth2/accessToken") {
        json!({"accessToken": DINGTALK_TOKEN, "expireIn": 7200})
    } else if path.starts_with("/open-apis/auth/v3/tenant_access_token/internal") {
        json!({"code": 0, "msg": "ok", "tenant_access_token": FEISHU_TOKEN, "expire": 7200})
    } else if path.starts_with("/open-apis/") {
        json!({"code": 0, "msg": "success", "data": {}})
    } else {
        json!({"errcode": 0, "errmsg": "ok"})
    };
    let picture = path.starts_with("/files/") || path.contains("/resources/");
    received.lock().unwrap().push(Received { path: path.clone(), token, body });
    let mut stream = stream;
    if picture {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            PICTURE.len()
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(PICTURE)?;
        return stream.flush();
    }
    let text = answer.to_string();
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    stream.write_all(response.as_bytes())?;
    stream.flush()
}
