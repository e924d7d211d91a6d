//! Hub memory as a session's log grows (`make bench-hub`, a few minutes: it writes 100,000
//! events through the API): at 1,000, 10,000 and 100,000 events in one session, the server is
//! restarted on its state and `workerd`'s resident memory is read fresh, then again after the
//! session's newest page (what the web app opens a transcript on) has been read 50 times, with
//! how long those reads took.
//!
//! Why restarts: under `wrangler dev` the process's memory grows with every request served
//! whatever the Worker does (a trivial JavaScript Worker grew from 215 to 903 MB over 16,000
//! requests on this machine), so memory read after writing 100,000 events would measure the
//! dev runtime's request churn. A fresh process holding the same log shows what the log costs.
//! The Hub keeps no event in memory (SQLite holds them; memory holds the last sequence number
//! and the live subscribers), so the figures should stay flat; this is the check.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use e2e::api::{bootstrap, Api};
use e2e::server::Server;
use futures_util::{stream, StreamExt};
use serde_json::json;

pub struct Point {
    pub events: u64,
    /// `workerd`'s resident memory just after a restart on the state holding the log.
    pub fresh_mb: f64,
    /// The same after the session's newest page was read 50 times (its Hub loaded).
    pub read_mb: f64,
    pub newest_page_p50_ms: f64,
    pub newest_page_p99_ms: f64,
}

/// The resident memory of the `workerd` processes in process group `group` (wrangler's).
pub fn workerd_rss_kb(group: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid pgrp ...: the command name may hold spaces, so split after ')'.
            let Some((head, rest)) = stat.rsplit_once(')') else { return false };
            let pgrp = rest.split_whitespace().nth(2).and_then(|g| g.parse::<u32>().ok());
            head.contains("(workerd") && pgrp == Some(group)
        })
        .map(crate::worker::rss_kb)
        .sum()
}

pub async fn run(sizes: &[u64], vars: &[(&str, &str)]) -> Result<Vec<Point>> {
    let dir = tempfile::tempdir()?;
    let mut server = Some(Server::start_in_with_vars(dir.path(), vars)?);
    let url = |s: &Option<Server>| s.as_ref().map(|s| s.url.clone()).unwrap_or_default();
    let token = bootstrap(&url(&server)).await?;
    let api = Api::new(&url(&server), Some(&token));
    let (worker_token, id) = e2e::api::worker_session(&api).await;
    let posted = api.create(&format!("/api/sessions/{id}/messages"), json!({"text": "Grow the log."})).await;
    let message_seq = posted["seq"].as_u64().context("the message's seq")?;
    let path = format!("/api/sessions/{id}/events");
    let mut points = Vec::new();
    let mut written = api.fetch(&format!("{path}?limit=1")).await["last_seq"].as_u64().unwrap_or(0);
    for &size in sizes {
        let (api, worker) = (Api::new(&url(&server), Some(&token)), Api::new(&url(&server), Some(&worker_token)));
        let missing = size.saturating_sub(written);
        let accepted = stream::iter(0..missing)
            .map(|i| {
                let (worker, path) = (worker.clone(), path.clone());
                let body = json!({"type": "agent_event", "message_seq": message_seq,
                                  "event": {"kind": "message", "text": format!("line {i} of a long turn's output")}});
                async move { worker.post(&path, body).await.0 }
            })
            .buffer_unordered(32)
            .filter(|status| std::future::ready(*status == 201))
            .count()
            .await as u64;
        if accepted != missing {
            bail!("only {accepted} of {missing} events were accepted");
        }
        written = api.fetch(&format!("{path}?limit=1")).await["last_seq"].as_u64().unwrap_or(0);

        // A fresh process on the same state (the old one stopped first: one writer at a time).
        drop(server.take());
        server = Some(Server::start_in_with_vars(dir.path(), vars)?);
        let group = server.as_ref().and_then(Server::pid).context("the server has a process")?;
        let api = Api::new(&url(&server), Some(&token));
        let fresh_mb = workerd_rss_kb(group) as f64 / 1024.0;
        let mut samples = Vec::new();
        for _ in 0..50 {
            let started = Instant::now();
            let page = api.fetch(&format!("{path}?before={}&limit=300", written + 1)).await;
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
            if page["items"].as_array().map_or(0, Vec::len) != 300.min(written as usize) {
                bail!("the newest page at {written} events was not whole: {page}");
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let read_mb = workerd_rss_kb(group) as f64 / 1024.0;
        let latency = crate::load::percentiles(samples);
        eprintln!("bench: hub: {written} events: workerd {fresh_mb:.1} MB fresh, {read_mb:.1} MB after reading; newest page p50 {:.1} ms", latency.p50);
        points.push(Point {
            events: written,
            fresh_mb,
            read_mb,
            newest_page_p50_ms: latency.p50,
            newest_page_p99_ms: latency.p99,
        });
    }
    Ok(points)
}

/// The section of `bench/README.md` these figures fill.
pub fn render(points: &[Point]) -> String {
    let mut out = String::from(
        "One session's log grown through the API (agent events, 32 writers); at each size `wrangler dev` is \
         restarted on its state and `workerd`'s resident memory (all its processes) is read fresh, then after \
         the session's newest page (the 300 events a transcript opens on, `?before=`) has been read 50 times.\n\n\
         | events in the session | workerd RSS fresh | after reading the session | newest page p50 / p99 |\n\
         |---|---|---|---|\n",
    );
    for p in points {
        out.push_str(&format!(
            "| {} | {:.1} MB | {:.1} MB | {:.1} / {:.1} ms |\n",
            p.events, p.fresh_mb, p.read_mb, p.newest_page_p50_ms, p.newest_page_p99_ms
        ));
    }
    out
}
