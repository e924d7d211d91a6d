//! `baton-bench`: measures baton against `wrangler dev` on this machine and writes the
//! figures into `bench/README.md` (between its bench markers).
//!
//! - the floor: a trivial route (`GET /api/health`), sequential latency and concurrent
//!   throughput, which is what the local runtime itself can do;
//! - message POST throughput on one session, also as a ratio to the floor;
//! - the baton handoff: pass → catch → done round trip, alone and with 32 agents at once;
//! - SSE fan-out latency from the start of a message POST to its receipt by each of 1, 100
//!   and 1,000 subscribers of one session (p50 and p99 over every subscriber and message);
//! - loop firing jitter: a loop's run against its scheduled time;
//! - the web app: what a browser downloads, and a 10,000-event transcript rendered and
//!   scrolled in headless Chromium.
//!
//! Request loops are bounded in count and time and only talk to the local server.

mod asking;
mod d1cost;
mod fanout;
mod handoff;
mod hub;
mod load;
mod loops;
mod report;
mod web;
mod worker;

use std::time::Duration;

use anyhow::Result;
use e2e::api::{bootstrap, new_session, Api};
use e2e::server::Server;

pub struct Settings {
    pub load_seconds: u64,
    pub concurrency: usize,
    pub fanout_sizes: Vec<usize>,
    pub fanout_messages: usize,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let write_to = args.iter().position(|a| a == "--write").and_then(|i| args.get(i + 1)).cloned();
    let quick = args.iter().any(|a| a == "--quick");
    let settings = if quick {
        Settings { load_seconds: 2, concurrency: 16, fanout_sizes: vec![1, 100], fanout_messages: 20 }
    } else {
        Settings { load_seconds: 8, concurrency: 16, fanout_sizes: vec![1, 100, 1000], fanout_messages: 100 }
    };

    // Without the per-request log line (see `BATON_REQUEST_LOG` in edge/src/platform/bindings.rs),
    // and with a message limit no load here reaches (see edge/src/access/throttle.rs).
    let vars = [("BATON_REQUEST_LOG", "off"), ("BATON_MESSAGE_LIMIT", "1000000/10")];
    if args.iter().any(|a| a == "--hub") {
        // `make bench-hub`: only the Hub's memory as one session's log grows.
        let text = hub::render(&hub::run(&[1_000, 10_000, 100_000], &vars).await?);
        println!("{text}");
        if let Some(path) = &write_to {
            report::write_into(path, "bench-hub", &text)?;
        }
        return Ok(());
    }

    eprintln!("bench: starting wrangler dev");
    let server = Server::start_with_vars(&vars)?;
    let token = bootstrap(&server.url).await?;
    let api = Api::new(&server.url, Some(&token));
    let duration = Duration::from_secs(settings.load_seconds);

    eprintln!("bench: floor (GET /api/health)");
    let floor_latency =
        load::sequential_latency(&api, 300, |api| api.request(reqwest::Method::GET, "/api/health")).await;
    let floor =
        load::throughput(&api, settings.concurrency, duration, |api| api.request(reqwest::Method::GET, "/api/health"))
            .await;

    if args.iter().any(|a| a == "--fanout") {
        // A quick look while working on fan-out: nothing else is measured or written.
        println!("floor p50 {:.1} ms", floor_latency.p50);
        for subscribers in [100, 1000] {
            let transport =
                if args.iter().any(|a| a == "--ws") { fanout::Transport::WebSocket } else { fanout::Transport::Sse };
            let f = fanout::run(&api, fanout::Room::Session, transport, subscribers, 100).await?;
            println!(
                "{subscribers} subscribers: p50 {:.1} / p99 {:.1} ms, {}/{} delivered",
                f.latency.p50, f.latency.p99, f.delivered, f.expected
            );
        }
        return Ok(());
    }
    if args.iter().any(|a| a == "--handoff") {
        // A quick look while working on the baton path: nothing else is measured or written.
        let h = handoff::run(&api, 200, 32, duration).await?;
        let ws = api.create("/api/workspaces", serde_json::json!({"name": e2e::api::unique("d1")})).await;
        let path = format!("/api/workspaces/{}", ws["id"]);
        let d1 = load::sequential_latency(&api, 300, move |api| api.request(reqwest::Method::GET, &path)).await;
        println!("floor p50 {:.1} ms; one D1 read (GET /api/workspaces/:id) p50 {:.1} ms", floor_latency.p50, d1.p50);
        println!(
            "round trip, 1 agent: p50 {:.1} / p99 {:.1} ms ({:.1}x floor p50)",
            h.single.p50,
            h.single.p99,
            h.single.p50 / floor_latency.p50
        );
        println!(
            "32 agents: {:.0} batons/s, {} errors, round trip p50 {:.1} ms",
            h.per_second, h.errors, h.concurrent.p50
        );
        return Ok(());
    }
    eprintln!("bench: message POST throughput");
    let (_, session) = new_session(&api).await;
    let path = format!("/api/sessions/{session}/messages");
    let post_latency = load::sequential_latency(&api, 200, |api| {
        api.request(reqwest::Method::POST, &path).json(&serde_json::json!({"text": "bench"}))
    })
    .await;
    let post = move |api: &Api| api.request(reqwest::Method::POST, &path).json(&serde_json::json!({"text": "bench"}));
    let posts = load::throughput(&api, settings.concurrency, duration, post.clone()).await;
    let posts_32 = load::throughput(&api, 32, duration, post).await;
    if args.iter().any(|a| a == "--posts") {
        // A quick look while working on the write path: nothing else is measured or written.
        println!("floor {:.0} req/s, p50 {:.1} ms", floor.per_second, floor_latency.p50);
        println!("POST sequential p50 / p99 {:.1} / {:.1} ms", post_latency.p50, post_latency.p99);
        for (clients, t) in [(settings.concurrency, &posts), (32, &posts_32)] {
            let share = 100.0 * t.per_second / floor.per_second;
            println!(
                "POST x{clients}: {:.0} req/s ({share:.0}% of floor), {} errors, p99 {:.1} ms",
                t.per_second, t.errors, t.latency.p99
            );
            if let Some(first) = &t.first_error {
                println!("  first error: {first}");
            }
        }
        return Ok(());
    }

    eprintln!("bench: where a POST's time goes (a session read; a Hub page read)");
    let session_path = format!("/api/sessions/{session}");
    let session_reads = load::throughput(&api, settings.concurrency, duration, move |api| {
        api.request(reqwest::Method::GET, &session_path)
    })
    .await;
    let page_path = format!("/api/sessions/{session}/events?after=0&limit=1");
    let hub_reads = load::throughput(&api, settings.concurrency, duration, move |api| {
        api.request(reqwest::Method::GET, &page_path)
    })
    .await;

    eprintln!("bench: baton round trips (1 agent, then 32 at once)");
    let handoff = handoff::run(&api, if quick { 50 } else { 200 }, 32, duration).await?;

    eprintln!("bench: D1 rows per endpoint");
    let d1 = d1cost::run(&api).await?;

    eprintln!("bench: a request for a person, worker to subscriber");
    let asking = asking::run(&api, if quick { 30 } else { 100 }).await?;

    let mut fanouts = Vec::new();
    for &subscribers in &settings.fanout_sizes {
        eprintln!("bench: fan-out to {subscribers} subscribers");
        fanouts.push(
            fanout::run(&api, fanout::Room::Session, fanout::Transport::Sse, subscribers, settings.fanout_messages)
                .await?,
        );
    }
    for &subscribers in settings.fanout_sizes.iter().filter(|n| **n > 1) {
        eprintln!("bench: fan-out to {subscribers} WebSocket subscribers");
        fanouts.push(
            fanout::run(
                &api,
                fanout::Room::Session,
                fanout::Transport::WebSocket,
                subscribers,
                settings.fanout_messages,
            )
            .await?,
        );
    }
    eprintln!("bench: channel fan-out to 100 readers");
    fanouts
        .push(fanout::run(&api, fanout::Room::Channel, fanout::Transport::Sse, 100, settings.fanout_messages).await?);
    eprintln!("bench: loop firing jitter (20 loops every second)");
    let jitter = loops::run(&api, 20, if quick { 5 } else { 15 }).await?;
    eprintln!("bench: worktree creation and daemon memory");
    let worker = worker::run(&api, if quick { 3 } else { 10 }).await?;
    eprintln!("bench: the web app in headless Chromium (a session of 10,000 events)");
    let web = web::run(&api, if quick { 2_000 } else { 10_000 }).await?;
    drop(server);

    let text = report::render(&report::Figures {
        floor_latency,
        floor,
        post_latency,
        posts,
        posts_32,
        session_reads,
        hub_reads,
        handoff,
        fanouts,
        jitter,
        d1,
        worker,
        asking,
        web,
        settings: &settings,
    });
    println!("{text}");
    if let Some(path) = write_to {
        report::write_into(&path, "bench", &text)?;
        eprintln!("bench: figures written into {path}");
    }
    Ok(())
}
