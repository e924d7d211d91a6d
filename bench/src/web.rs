//! The web app's figures: a session of 10,000 events (one message and one long turn of agent
//! messages, reasoning, tool calls with results, commands and file changes, written through the
//! worker API as a daemon writes them), opened through a share link in Debian's headless
//! Chromium by `web/e2e/bench.mjs`, which measures what the browser downloads, the time to the
//! rendered transcript, and the frame times while scrolling through all of it.

use anyhow::{bail, Context, Result};
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};

use e2e::api::Api;

#[derive(Debug, Deserialize)]
pub struct WebFigures {
    pub js_gzip_bytes: u64,
    pub css_gzip_bytes: u64,
    pub events: u64,
    pub first_render_ms: f64,
    pub full_history_ms: f64,
    pub scroll_frames: u64,
    pub frame_p50_ms: f64,
    pub frame_p99_ms: f64,
    pub frame_max_ms: f64,
}

/// One agent event of the long turn, varied as a real transcript is.
fn agent_event(message_seq: u64, i: usize) -> Value {
    let event = match i % 6 {
        0 => {
            json!({"kind": "agent_message", "text": format!("Step {i}: the cart keeps **its items** across reloads; see `cart.rs`.\n\n```rust\nfn total(items: &[Item]) -> u64 {{ items.iter().map(|i| i.price).sum() }}\n```")})
        }
        1 => json!({"kind": "reasoning", "text": format!("Thinking about step {i} and what the tests need.")}),
        2 => {
            json!({"kind": "tool_call", "id": format!("tool-{i}"), "name": "Read", "input": {"file_path": format!("src/cart/{i}.rs")}})
        }
        3 => {
            json!({"kind": "tool_result", "id": format!("tool-{}", i - 1), "is_error": false, "output": "fn main() {}\n".repeat(5)})
        }
        4 => {
            json!({"kind": "command_execution", "id": format!("cmd-{i}"), "command": "cargo test -q", "output": "test result: ok. 12 passed", "exit_code": 0})
        }
        _ => json!({"kind": "file_change", "path": format!("src/cart/{i}.rs"), "change": "update"}),
    };
    json!({"type": "agent_event", "message_seq": message_seq, "event": event})
}

pub async fn run(api: &Api, events: usize) -> Result<WebFigures> {
    let (worker_token, id) = e2e::api::worker_session(api).await;
    let worker = api.with_token(Some(&worker_token));
    let posted = api.create(&format!("/api/sessions/{id}/messages"), json!({"text": "Build the cart."})).await;
    let message_seq = posted["seq"].as_u64().context("the message's seq")?;
    let path = format!("/api/sessions/{id}/events");
    let (status, body) = worker.post(&path, json!({"type": "turn_start", "message_seq": message_seq})).await;
    if status != 201 {
        bail!("turn_start: {status} {body}");
    }
    let written = stream::iter(0..events.saturating_sub(4))
        .map(|i| {
            let (worker, path) = (worker.clone(), path.clone());
            async move { worker.post(&path, agent_event(message_seq, i)).await.0 }
        })
        .buffer_unordered(16)
        .filter(|status| std::future::ready(*status == 201))
        .count()
        .await;
    let expected = events.saturating_sub(4);
    if written != expected {
        bail!("only {written} of {expected} agent events were accepted: the bench writes what the API refuses");
    }
    worker.post(&path, json!({"type": "turn_complete", "message_seq": message_seq})).await;
    let last = api.fetch(&format!("/api/sessions/{id}/events?limit=1")).await["last_seq"].as_u64().unwrap_or(0);
    eprintln!("bench: web: a session of {last} events ({written} agent events written)");
    let share = api.create(&format!("/api/sessions/{id}/shares"), json!({"mode": "read"})).await;
    let url = share["url"].as_str().context("a share url")?;

    let root = e2e::server::repo_root();
    let out = tokio::process::Command::new(root.join("node_modules/.bin/node"))
        .arg(root.join("web/e2e/bench.mjs"))
        .current_dir(&root)
        .env("BATON_SHARE_URL", url)
        .env("BATON_EVENTS", last.to_string())
        .env("CHROMIUM", std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
        .output()
        .await
        .context("node runs web/e2e/bench.mjs")?;
    if !out.status.success() {
        bail!("web/e2e/bench.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let line = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(line.trim()).with_context(|| format!("web/e2e/bench.mjs printed {line}"))
}
