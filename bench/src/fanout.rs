//! Fan-out: N subscribers on one session or one channel, by SSE or by WebSocket (the same URL
//! with `Upgrade: websocket`), messages posted one at a time, latency from the start of each
//! POST to each subscriber's receipt of that event.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use e2e::api::{new_session, Api};
use futures_util::StreamExt;
use protocol::sse::Parser;
use tokio::sync::Mutex;

use crate::load::{percentiles, Latency};

/// How subscribers follow the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Sse,
    WebSocket,
}

/// What the subscribers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// A session's transcript; a person posts messages.
    Session,
    /// A channel; a member posts messages as its name.
    Channel,
}

#[derive(Debug, Clone, Copy)]
pub struct Fanout {
    pub room: Room,
    pub transport: Transport,
    pub subscribers: usize,
    pub messages: usize,
    pub latency: Latency,
    pub delivered: usize,
    pub expected: usize,
}

pub async fn run(api: &Api, room: Room, transport: Transport, subscribers: usize, messages: usize) -> Result<Fanout> {
    let (stream, post, from) = match room {
        Room::Session => {
            let (_, session) = new_session(api).await;
            (format!("/api/sessions/{session}/stream"), format!("/api/sessions/{session}/messages"), None)
        }
        Room::Channel => {
            let ws = api.create("/api/workspaces", serde_json::json!({"name": e2e::api::unique("fan")})).await;
            let channel =
                api.create(&format!("/api/workspaces/{}/channels", ws["id"]), serde_json::json!({"name": "fan"})).await;
            let id = channel["id"].as_i64().unwrap_or_default();
            let (status, _) =
                api.send(api.request(reqwest::Method::PUT, &format!("/api/channels/{id}/members/poster"))).await;
            if status != 201 {
                bail!("joining the channel answered {status}");
            }
            (format!("/api/channels/{id}/stream"), format!("/api/channels/{id}/messages"), Some("poster"))
        }
    };
    let path = format!("{stream}?after=1");
    // Seq 1 is the session's creation notice or the poster's arrival; messages get 2..=messages+1.
    let last = messages as u64 + 1;
    let receipts: Arc<Mutex<Vec<HashMap<u64, Instant>>>> = Arc::new(Mutex::new(Vec::new()));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(subscribers);
    // One HTTP client for every SSE reader (each its own connection).
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    let mut readers = Vec::new();
    for _ in 0..subscribers {
        let (api, path, receipts, ready) = (api.clone(), path.clone(), Arc::clone(&receipts), ready_tx.clone());
        let http = http.clone();
        readers.push(tokio::spawn(async move {
            let seen = match transport {
                Transport::Sse => read_sse(&http, &api, &path, last, ready).await,
                Transport::WebSocket => read_websocket(&api, &path, last, ready).await,
            };
            receipts.lock().await.push(seen);
        }));
    }
    drop(ready_tx);
    for _ in 0..subscribers {
        if tokio::time::timeout(Duration::from_secs(60), ready_rx.recv()).await.ok().flatten().is_none() {
            bail!("not every subscriber connected within 60 s");
        }
    }

    let mut sent = HashMap::new();
    for i in 0..messages {
        let start = Instant::now();
        let mut body = serde_json::json!({"text": format!("fan-out {i}")});
        if let Some(from) = from {
            body["from"] = serde_json::json!(from);
        }
        let response = api.request(reqwest::Method::POST, &post).json(&body).send().await?;
        let event: serde_json::Value = response.json().await?;
        let Some(seq) = event["seq"].as_u64() else { bail!("POST answered {event}") };
        sent.insert(seq, start);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for reader in readers {
        let _ = reader.await;
    }
    let receipts = receipts.lock().await;
    let mut samples = Vec::new();
    for seen in receipts.iter() {
        for (seq, start) in &sent {
            if let Some(at) = seen.get(seq) {
                samples.push(at.saturating_duration_since(*start).as_secs_f64() * 1000.0);
            }
        }
    }
    Ok(Fanout {
        room,
        transport,
        subscribers,
        messages,
        delivered: samples.len(),
        expected: subscribers * messages,
        latency: percentiles(samples),
    })
}

/// Follows `path` by SSE until `last`; says `ready` once connected. When each seq arrived.
async fn read_sse(
    http: &reqwest::Client,
    api: &Api,
    path: &str,
    last: u64,
    ready: tokio::sync::mpsc::Sender<()>,
) -> HashMap<u64, Instant> {
    let mut seen = HashMap::new();
    let request = http.get(format!("{}{path}", api.url)).bearer_auth(api.token.clone().unwrap_or_default());
    let Ok(response) = request.send().await else { return seen };
    let mut stream = response.bytes_stream();
    let mut parser = Parser::new();
    let mut announced = false;
    let deadline = Instant::now() + Duration::from_secs(120);
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline.into(), stream.next()).await {
        if !announced {
            announced = true;
            let _ = ready.send(()).await;
        }
        let now = Instant::now();
        for frame in parser.push(&chunk) {
            if let Some(seq) = frame.id.and_then(|i| i.parse::<u64>().ok()) {
                seen.insert(seq, now);
            }
        }
        if seen.contains_key(&last) {
            break;
        }
    }
    seen
}

/// Follows `path` by WebSocket until `last`; says `ready` once connected.
async fn read_websocket(
    api: &Api,
    path: &str,
    last: u64,
    ready: tokio::sync::mpsc::Sender<()>,
) -> HashMap<u64, Instant> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut seen = HashMap::new();
    let url = format!("{}{path}", api.url.replace("http://", "ws://"));
    let Ok(mut request) = url.into_client_request() else { return seen };
    let bearer = format!("Bearer {}", api.token.clone().unwrap_or_default());
    let Ok(bearer) = bearer.parse() else { return seen };
    request.headers_mut().insert("authorization", bearer);
    let Ok((mut socket, _)) = tokio_tungstenite::connect_async(request).await else { return seen };
    let _ = ready.send(()).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline.into(), socket.next()).await {
        let now = Instant::now();
        let event = message.to_text().ok().and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
        if let Some(seq) = event.and_then(|e| e["seq"].as_u64()) {
            seen.insert(seq, now);
        }
        if seen.contains_key(&last) {
            break;
        }
    }
    seen
}
