//! Loop firing jitter: how late a loop's run comes after its scheduled time. Loops every
//! second (the bench server allows 1 s, see `BATON_LOOP_MIN_INTERVAL_S`) on sessions without
//! a worker, so every run is a `loop_skipped` event carrying both times: `scheduled_at` (the
//! schedule) and `at` (when the Hub stored it, after the alarm fired, D1 was read and moved,
//! and the presences were asked).

use std::time::Duration;

use anyhow::{bail, Result};
use e2e::api::{new_session, Api};
use serde_json::json;

use crate::load::{percentiles, Latency};

pub struct Jitter {
    pub loops: usize,
    pub latency: Latency,
    pub max_ms: f64,
}

pub async fn run(api: &Api, loops: usize, seconds: u64) -> Result<Jitter> {
    let mut made = Vec::new();
    for _ in 0..loops {
        let (_, session) = new_session(api).await;
        let lp =
            api.create(&format!("/api/sessions/{session}/loops"), json!({"message": "tick", "interval_s": 1})).await;
        made.push((session, lp["id"].as_i64().unwrap_or(0)));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let mut late_ms = Vec::new();
    for (session, id) in &made {
        api.delete(&format!("/api/loops/{id}")).await;
        let page = api.fetch(&format!("/api/sessions/{session}/events?limit=1000")).await;
        for event in page["items"].as_array().into_iter().flatten() {
            if event["type"] != "loop_skipped" {
                continue;
            }
            let time = |v: &serde_json::Value| v.as_str().and_then(protocol::time::ms_from_rfc3339);
            if let (Some(at), Some(scheduled)) = (time(&event["at"]), time(&event["scheduled_at"])) {
                late_ms.push((at - scheduled) as f64);
            }
        }
    }
    if late_ms.is_empty() {
        bail!("no loop ran in {seconds} s");
    }
    let max_ms = late_ms.iter().copied().fold(f64::MIN, f64::max);
    Ok(Jitter { loops, latency: percentiles(late_ms), max_ms })
}
