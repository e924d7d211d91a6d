//! A request for a person, from the worker to a watching person: the latency from the start of
//! the worker's `POST /api/sessions/:id/inputs` (what the daemon sends when the agent's
//! `control_request` arrives) to a subscriber of the session's stream receiving its
//! `input_requested`. The daemon's own part (parsing the line, posting) is local and not in it.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use e2e::api::{workspace_with_project, Api};
use futures_util::StreamExt;
use protocol::sse::Parser;
use serde_json::json;

use crate::load::{percentiles, Latency};

pub async fn run(api: &Api, requests: usize) -> Result<Latency> {
    let (_, project) = workspace_with_project(api).await;
    let body = json!({"project_id": project, "name": "asking", "machine_id": "asking-machine",
                      "agent": "scripted", "base_branch": "main"});
    let registered = api.create("/api/workers", body).await;
    let worker = api.with_token(registered["token"].as_str());
    let session =
        api.create("/api/sessions", json!({"project_id": project, "worker_id": registered["worker"]["id"]})).await;
    let session = session["id"].as_i64().unwrap_or_default();
    let response = api.request(reqwest::Method::GET, &format!("/api/sessions/{session}/stream")).send().await?;
    let mut stream = response.bytes_stream();
    let mut parser = Parser::new();
    let mut samples = Vec::with_capacity(requests);
    for i in 0..requests {
        let request_id = format!("bench-{i}");
        let start = Instant::now();
        let ask = json!({"request_id": request_id, "kind": "approval", "tool": "Bash", "summary": "Bash: ls",
                         "input": {"command": "ls"}, "message_seq": 2});
        let status = worker
            .request(reqwest::Method::POST, &format!("/api/sessions/{session}/inputs"))
            .json(&ask)
            .send()
            .await?
            .status();
        if !status.is_success() {
            bail!("the request answered {status}");
        }
        let deadline = start + Duration::from_secs(10);
        'wait: loop {
            let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline.into(), stream.next()).await else {
                bail!("request {request_id} never reached the subscriber");
            };
            for frame in parser.push(&chunk) {
                if frame.event == "input_requested" && frame.data.contains(&request_id) {
                    samples.push(start.elapsed().as_secs_f64() * 1000.0);
                    break 'wait;
                }
            }
        }
    }
    Ok(percentiles(samples))
}
