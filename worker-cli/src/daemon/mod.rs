//! `baton worker run`: the daemon. It holds the worker's command stream ([`commands`]: each
//! command handled once across its own restarts and the server's, a failed one reported and
//! left behind), reconciles on start by running every session the worker has, and supervises
//! one [`runner`] per session, whose agents' requests for a person wait in [`inputs`]. Batons addressed to the worker are caught and kept by
//! [`batons`]. One daemon per worker config, enforced by [`lock`]. A message's files are
//! saved by [`attachments`]. [`run`] is the process (signals); [`serve`] is the daemon's life,
//! stopped by any future, so tests drive it without signals.

pub mod attachments;
pub mod batons;
pub mod commands;
pub mod inputs;
pub mod lock;
pub mod log;
pub mod poster;
pub mod runner;
pub mod worktrees;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use protocol::api::Session;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

use crate::agent::{env, AgentSpec};
use crate::client::Client;
use crate::config::Settings;
use crate::resolve;
use crate::watch::Follower;
use crate::worker_config::WorkerConfig;
use protocol::event::EventBody;

/// What every runner shares.
pub struct Shared {
    pub config: WorkerConfig,
    pub client: Client,
    pub agent: AgentSpec,
    /// What its agents' environments hold.
    pub agent_env: env::Policy,
    /// Turns running at once, across sessions (the worker's `max_sessions`).
    pub permits: Semaphore,
    /// The worktrees in a turn (or being removed), which a cleanup leaves alone.
    pub worktrees: worktrees::InUse,
    /// The worktrees and their bytes after the last cleanup, sent with the heartbeat.
    pub usage: std::sync::Mutex<Option<protocol::worker::WorktreeUsage>>,
}

struct Runner {
    interrupts: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// The runners, by session.
pub struct Supervisor {
    shared: Arc<Shared>,
    runners: HashMap<i64, Runner>,
}

impl Supervisor {
    pub fn new(shared: Arc<Shared>) -> Self {
        Supervisor { shared, runners: HashMap::new() }
    }

    /// Runs the session unless it already runs. Idempotent.
    pub fn start(&mut self, session_id: i64) {
        if self.runners.get(&session_id).is_some_and(|r| !r.task.is_finished()) {
            return;
        }
        let (interrupts, interrupt_rx) = watch::channel(0u64);
        let (shutdown, shutdown_rx) = watch::channel(false);
        log::debug(&format!("S-{session_id}: runner started"));
        let task = tokio::spawn(runner::run(self.shared.clone(), session_id, interrupt_rx, shutdown_rx));
        self.runners.insert(session_id, Runner { interrupts, shutdown, task });
    }

    /// Interrupts the session's running turn, if any.
    pub fn interrupt(&self, session_id: i64) {
        if let Some(r) = self.runners.get(&session_id) {
            r.interrupts.send_modify(|n| *n += 1);
        }
    }

    /// Stops the session's runner (interrupting its turn) and waits for it.
    pub async fn stop(&mut self, session_id: i64) {
        if let Some(r) = self.runners.remove(&session_id) {
            let _ = r.shutdown.send(true);
            let _ = r.task.await;
            log::debug(&format!("S-{session_id}: runner stopped"));
        }
    }

    pub async fn stop_all(&mut self) {
        let ids: Vec<i64> = self.runners.keys().copied().collect();
        for id in ids {
            self.stop(id).await;
        }
    }
}

/// Runs the daemon until SIGINT or SIGTERM; `insecure` allows a plain-http remote server.
pub async fn run(config: WorkerConfig, config_path: &Path, insecure: bool) -> Result<()> {
    harden();
    log::info(&format!(
        "baton {} serving W-{} from {}",
        env!("CARGO_PKG_VERSION"),
        config.worker_id,
        config.repo.display()
    ));
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    let stop = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    };
    serve(config, config_path, insecure, stop).await
}

/// The daemon's life: takes the lock, checks the server's protocol version, reconciles, then handles its commands until `stop`
/// completes (an answer) or the command stream is lost for good (an error).
pub async fn serve(
    config: WorkerConfig,
    config_path: &Path,
    insecure: bool,
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let _lock = lock::Lock::acquire(&lock::path(config_path))?;
    let settings = Settings { url: config.url.clone(), token: Some(config.token.clone()), project: None, insecure };
    let client = Client::new(&settings)?;
    client.check_protocol().await?;
    let agent = AgentSpec::new(config.agent, config.agent_command.as_deref(), config.permission_mode);
    let agent_env = env::Policy::new(config.agent, config.agent_env.as_deref(), &config.token);
    let worker_id = config.worker_id;
    let permits = Semaphore::new(config.max_sessions.max(1) as usize);
    let shared = Arc::new(Shared {
        config,
        client: client.clone(),
        agent,
        agent_env,
        permits,
        worktrees: worktrees::InUse::default(),
        usage: std::sync::Mutex::new(None),
    });
    let mut supervisor = Supervisor::new(shared);

    // Reconcile: every session of this worker runs (a runner with nothing to do just waits).
    let sessions: Vec<Session> =
        resolve::all_pages(&client, "list the worker's sessions", &format!("/api/workers/{worker_id}/sessions"))
            .await?;
    for s in &sessions {
        supervisor.start(s.id);
    }
    log::info(&format!("W-{worker_id} online, {} session(s); Ctrl-C stops", sessions.len()));

    let beat = tokio::spawn(heartbeat(supervisor.shared.clone()));
    let cleanup = tokio::spawn(clean_up_forever(supervisor.shared.clone()));
    let (start_tx, mut start_rx) = tokio::sync::mpsc::unbounded_channel();
    let leases = batons::Leases::load(config_path.with_file_name("leases.json"));
    let capacity = supervisor.shared.config.max_sessions as usize;
    let catcher = batons::Catcher::new(client.clone(), worker_id, start_tx, leases, capacity);
    let sweep = tokio::spawn(catcher.clone().sweep_forever());
    let cursor_file = commands::cursor_path(config_path);
    let mut stream =
        Follower::new(client.clone(), format!("/api/workers/{worker_id}/stream"), commands::read_cursor(&cursor_file));
    tokio::pin!(stop);
    let ended = loop {
        tokio::select! {
            received = stream.next() => {
                // Only a lost stream (its token refused, the worker deleted) ends the daemon.
                let received = match received {
                    Ok(received) => received,
                    Err(err) => break Err(err.context("the worker's command stream was lost")),
                };
                let command = &received.event.body;
                log::debug(&format!("command {}: {}", received.event.seq, received.event.body.type_name()));
                let outcome = commands::handle(&mut supervisor, &catcher, command).await;
                commands::follow_up(&client, &cursor_file, commands::settle(received.event.seq, command, &outcome)).await;
            }
            Some(session_id) = start_rx.recv() => supervisor.start(session_id),
            _ = &mut stop => break Ok(()),
        }
    };
    log::info("stopping");
    // Let go of the command stream first: the server sees the worker offline from its next
    // keepalive on, not only once every session's agent has stopped.
    drop(stream);
    beat.abort();
    cleanup.abort();
    sweep.abort();
    supervisor.stop_all().await;
    ended
}

/// Makes the daemon non-dumpable (Linux): its `/proc/<pid>/environ` and memory become
/// unreadable to other processes of the same user, its agents among them, which would
/// otherwise read the daemon's whole environment there. An agent's own process is dumpable
/// again after `exec`, so this changes nothing for it. Files are another matter: the same user
/// reads `.baton/worker.json`, and no file mode stops that (see `SECURITY.md`).
pub fn harden() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) only changes this process's dumpable flag.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// Tells the server every 10 s that this daemon is alive: "online" needs both the command
/// stream held and a recent heartbeat, so a daemon that died is seen offline within 30 s even
/// where a proxy keeps its dead stream looking open.
async fn heartbeat(shared: Arc<Shared>) {
    let path = format!("/api/workers/{}/heartbeat", shared.config.worker_id);
    loop {
        let usage = *shared.usage.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let beat = protocol::worker::Heartbeat { worktrees: usage };
        if let Ok(request) = shared.client.request(reqwest::Method::POST, &path) {
            let _ = shared.client.send(request.json(&beat)).await;
        }
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    }
}

/// How often idle worktrees are cleaned up (`BATON_WORKTREE_SWEEP_MS` overrides, for tests).
fn sweep_every() -> std::time::Duration {
    let ms = std::env::var("BATON_WORKTREE_SWEEP_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(10 * 60 * 1000);
    std::time::Duration::from_millis(ms)
}

/// Removes idle worktrees by the worker's policy (see [`worktrees`]), at the start and then
/// every [`sweep_every`]; says so in each session whose worktree went, and keeps the disk use
/// for the heartbeat.
async fn clean_up_forever(shared: Arc<Shared>) {
    loop {
        let (for_sweep, now) = (shared.clone(), crate::clock::now_ms());
        let swept =
            tokio::task::spawn_blocking(move || worktrees::sweep(&for_sweep.config, &for_sweep.worktrees, now)).await;
        if let Ok(swept) = swept {
            for id in &swept.removed {
                log::info(&format!("S-{id}: its idle worktree was removed (the branch stays)"));
                let notice =
                    EventBody::WorkerNotice { text: crate::messages::worktree_cleaned(*id, shared.config.cleanup) };
                let _ = poster::post(&shared.client, *id, &notice).await;
            }
            for id in &swept.kept_dirty {
                log::info(&format!("S-{id}: its worktree is kept past the cleanup policy: uncommitted changes"));
            }
            *shared.usage.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some(protocol::worker::WorktreeUsage { count: swept.count, bytes: swept.bytes });
        }
        tokio::time::sleep(sweep_every()).await;
    }
}
