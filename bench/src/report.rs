//! The figures as Markdown, and their place in `bench/README.md`.

use anyhow::{Context, Result};

use crate::fanout::Fanout;
use crate::load::{Latency, Throughput};
use crate::Settings;

pub struct Figures<'a> {
    pub floor_latency: Latency,
    pub floor: Throughput,
    pub post_latency: Latency,
    pub posts: Throughput,
    /// The same at 32 clients, for its p99.
    pub posts_32: Throughput,
    pub session_reads: Throughput,
    pub hub_reads: Throughput,
    pub handoff: crate::handoff::Handoff,
    pub fanouts: Vec<Fanout>,
    pub jitter: crate::loops::Jitter,
    pub d1: Vec<crate::d1cost::Cost>,
    pub worker: crate::worker::WorkerFigures,
    pub asking: Latency,
    pub web: crate::web::WebFigures,
    pub settings: &'a Settings,
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or("?".into(), |kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0));
    format!("{cores} cores ({cpu}), {mem} RAM; client and server on the same machine")
}

pub fn render(f: &Figures) -> String {
    let ratio = |x: f64| format!("{:.0}%", 100.0 * x / f.floor.per_second);
    let mut out = String::new();
    out.push_str(&format!("Machine: {}.\n", machine()));
    out.push_str(&format!(
        "Load: {} concurrent clients for {} s per throughput figure.\n\n",
        f.settings.concurrency, f.settings.load_seconds
    ));
    out.push_str("| figure | value | vs. floor |\n|---|---|---|\n");
    out.push_str(&format!(
        "| floor: `GET /api/health` throughput | {:.0} req/s ({} requests, p99 {:.1} ms) | 100% |\n",
        f.floor.per_second, f.floor.requests, f.floor.latency.p99
    ));
    out.push_str(&format!(
        "| floor: `GET /api/health` sequential latency p50 / p99 ({} requests) | {:.1} / {:.1} ms | |\n",
        f.floor_latency.samples, f.floor_latency.p50, f.floor_latency.p99
    ));
    out.push_str(&format!(
        "| message POST throughput (one session) | {:.0} req/s ({} requests, {} errors, p99 {:.1} ms) | {} |\n",
        f.posts.per_second,
        f.posts.requests,
        f.posts.errors,
        f.posts.latency.p99,
        ratio(f.posts.per_second)
    ));
    out.push_str(&format!(
        "| message POST at 32 clients: throughput, p99 | {:.0} req/s ({} errors), p99 {:.1} ms (target ≤ 100 ms) | {} |\n",
        f.posts_32.per_second,
        f.posts_32.errors,
        f.posts_32.latency.p99,
        ratio(f.posts_32.per_second)
    ));
    out.push_str(&format!(
        "| message POST sequential latency p50 / p99 | {:.1} / {:.1} ms | {:.1}x p50 |\n",
        f.post_latency.p50,
        f.post_latency.p99,
        f.post_latency.p50 / f.floor_latency.p50
    ));
    out.push_str(&format!(
        "| `GET /api/sessions/:id` throughput (auth, visibility, and live state: 2 Hub reads) | {:.0} req/s | {} |\n",
        f.session_reads.per_second,
        ratio(f.session_reads.per_second)
    ));
    out.push_str(&format!(
        "| `GET /api/sessions/:id/events?limit=1` throughput (a Hub read) | {:.0} req/s | {} |\n",
        f.hub_reads.per_second,
        ratio(f.hub_reads.per_second)
    ));
    let h = &f.handoff;
    out.push_str(&format!(
        "| baton round trip pass→catch→done, 1 agent: p50 / p99 ({} batons) | {:.1} / {:.1} ms | {:.1}x floor p50 (target ≤ 3x) |\n",
        h.single.samples,
        h.single.p50,
        h.single.p99,
        h.single.p50 / f.floor_latency.p50
    ));
    out.push_str(&format!(
        "| batons completed per second, {} agents ({} batons, {} errors, round trip p50 / p99 {:.1} / {:.1} ms) | {:.0} batons/s | {} (target ≥ 25%) |\n",
        h.agents,
        h.completed,
        h.errors,
        h.concurrent.p50,
        h.concurrent.p99,
        h.per_second,
        ratio(h.per_second)
    ));
    for fan in &f.fanouts {
        let transport = match fan.transport {
            crate::fanout::Transport::Sse => "SSE",
            crate::fanout::Transport::WebSocket => "WebSocket",
        };
        let room = match fan.room {
            crate::fanout::Room::Session => "",
            crate::fanout::Room::Channel => "channel ",
        };
        out.push_str(&format!(
            "| {room}{transport} fan-out, {} subscriber(s): POST→receipt p50 / p99 ({} messages, {}/{} delivered) | {:.1} / {:.1} ms | {:.1}x floor p50 |\n",
            fan.subscribers,
            fan.messages,
            fan.delivered,
            fan.expected,
            fan.latency.p50,
            fan.latency.p99,
            fan.latency.p50 / f.floor_latency.p50
        ));
    }
    out.push_str(&format!(
        "| loop firing jitter: a run's store time after its scheduled time, p50 / p99 / max ({} runs of {} loops every 1 s) | {:.1} / {:.1} / {:.1} ms | |\n",
        f.jitter.latency.samples,
        f.jitter.loops,
        f.jitter.latency.p50,
        f.jitter.latency.p99,
        f.jitter.max_ms
    ));
    out.push_str(&format!(
        "| a request for a person: the worker's POST → `input_requested` on a subscriber, p50 / p99 ({} requests) | {:.1} / {:.1} ms | {:.1}x floor p50 |\n",
        f.asking.samples,
        f.asking.p50,
        f.asking.p99,
        f.asking.p50 / f.floor_latency.p50
    ));
    let w = &f.worker;
    out.push_str(&format!(
        "\n### The worker\n\n| figure | value | target |\n|---|---|---|\n\
         | session worktree creation, {} files (git2 branch + worktree, median of 5) | {:.0} ms | |\n\
         | `git worktree add -b` on the same repository (median of 5) | {:.0} ms | |\n\
         | ratio | {:.2}x | ≤ 1.5x |\n\
         | daemon RSS, idle | {:.1} MB | ≤ 15 MB |\n\
         | daemon RSS with {} sessions each in a running turn | {:.1} MB | |\n\
         | RSS per running session | {:.2} MB | ≤ 3 MB |\n",
        w.files,
        w.baton_ms,
        w.git_ms,
        w.baton_ms / w.git_ms,
        w.idle_rss_kb as f64 / 1024.0,
        w.sessions,
        w.busy_rss_kb as f64 / 1024.0,
        (w.busy_rss_kb.saturating_sub(w.idle_rss_kb)) as f64 / 1024.0 / w.sessions as f64
    ));
    let web = &f.web;
    out.push_str(&format!(
        "\n### The web app\n\nIn Debian's headless Chromium on this machine, through a share link (the same live view as \
         a signed-in person's). The transcript opens on its newest 300 events and loads older pages as the reader \
         scrolls up; only the rows on screen are in the DOM.\n\n\
         | figure | value | target |\n|---|---|---|\n\
         | JavaScript shipped, gzipped | {:.1} KB | ≤ 200 KB |\n\
         | CSS shipped, gzipped | {:.1} KB | |\n\
         | navigation → rendered transcript of {} events | {:.0} ms | ≤ 1000 ms |\n\
         | whole history loaded by scrolling up | {:.0} ms | |\n\
         | frame time scrolling through all of it ({} frames, 600 px each): p50 / p99 / max | {:.1} / {:.1} / {:.1} ms | max ≤ 50 ms |\n",
        web.js_gzip_bytes as f64 / 1000.0,
        web.css_gzip_bytes as f64 / 1000.0,
        web.events,
        web.first_render_ms,
        web.full_history_ms,
        web.scroll_frames,
        web.frame_p50_ms,
        web.frame_p99_ms,
        web.frame_max_ms,
    ));
    out.push_str("\n### D1 rows per call\n\nOn a project holding 60 requirements, 120 chained tasks and 60 comments on one task; lists ask for 50 items. Authentication is served from the per-isolate cache (a cold call adds the one-row token lookup).\n\n| call | rows read | rows written |\n|---|---|---|\n");
    for cost in &f.d1 {
        out.push_str(&format!("| `{}` | {} | {} |\n", cost.call, cost.read, cost.written));
    }
    out
}

/// Replaces the text between `path`'s markers `<!-- {section}:begin -->` and
/// `<!-- {section}:end -->` with `text`.
pub fn write_into(path: &str, section: &str, text: &str) -> Result<()> {
    let (begin_mark, end_mark) = (format!("<!-- {section}:begin -->"), format!("<!-- {section}:end -->"));
    let old = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let (Some(begin), Some(end)) = (old.find(&begin_mark), old.find(&end_mark)) else {
        anyhow::bail!("{path} has no {begin_mark} ... {end_mark} section to fill");
    };
    let new = format!("{}{begin_mark}\n{text}{}", &old[..begin], &old[end..]);
    std::fs::write(path, new).with_context(|| format!("cannot write {path}"))
}
