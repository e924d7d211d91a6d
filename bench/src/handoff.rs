//! The handoff round trip: pass → catch → done, three calls each by plain HTTP, first one
//! agent after another (latency), then 32 agents at once for a fixed time (completed batons
//! per second). Each agent passes to and catches from its own workspace's batons.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use e2e::api::Api;
use reqwest::Method;
use serde_json::{json, Value};

use crate::load::{percentiles, Latency};

pub struct Handoff {
    pub single: Latency,
    pub agents: usize,
    pub completed: usize,
    pub errors: usize,
    pub per_second: f64,
    pub concurrent: Latency,
}

async fn call(api: &Api, method: Method, path: &str, body: Option<Value>) -> Result<Value> {
    let mut request = api.request(method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    if !status.is_success() {
        bail!("{path} answered {status}: {}", String::from_utf8_lossy(&bytes));
    }
    Ok(serde_json::from_slice(&bytes)?)
}

/// One baton's whole trip; answers its duration in milliseconds.
async fn round_trip(api: &Api, workspace: i64) -> Result<f64> {
    let start = Instant::now();
    let passed =
        call(api, Method::POST, "/api/pass", Some(json!({"task": "bench", "workspace_id": workspace}))).await?;
    let id = passed["baton_id"].as_str().unwrap_or_default().to_owned();
    call(api, Method::GET, &format!("/api/catch/{id}"), None).await?;
    let done = call(api, Method::POST, &format!("/api/done/{id}"), Some(json!({"output": {"ok": true}}))).await?;
    if done["status"] != "done" {
        bail!("baton {id} ended {}", done["status"]);
    }
    Ok(start.elapsed().as_secs_f64() * 1000.0)
}

pub async fn run(api: &Api, sequential: usize, agents: usize, duration: Duration) -> Result<Handoff> {
    let ws = api.create("/api/workspaces", json!({"name": e2e::api::unique("handoff")})).await;
    let workspace = ws["id"].as_i64().unwrap_or_default();
    let mut samples = Vec::with_capacity(sequential);
    for _ in 0..sequential {
        samples.push(round_trip(api, workspace).await?);
    }
    let single = percentiles(samples);

    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..agents)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move {
                let (mut samples, mut errors) = (Vec::new(), 0usize);
                while Instant::now() < deadline {
                    match round_trip(&api, workspace).await {
                        Ok(ms) => samples.push(ms),
                        Err(_) => errors += 1,
                    }
                }
                (samples, errors)
            })
        })
        .collect();
    let (mut all, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (samples, e) = task.await?;
        all.extend(samples);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let completed = all.len();
    Ok(Handoff {
        single,
        agents,
        completed,
        errors,
        per_second: completed as f64 / elapsed,
        concurrent: percentiles(all),
    })
}
