//! `baton worker register|run|status|stop|ls|get|rm|revoke`: this machine as a worker of a
//! project, and the workers of a project.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use protocol::api::{Page, Project, Workspace};
use protocol::handle::HandleKind;
use protocol::worker::{AgentKind, RegisterWorker, Worker, WorkerRegistered};

use super::{confirm, Env};
use crate::agent::claude::PermissionMode;
use crate::agent::env as agent_env;
use crate::daemon::{self, lock};
use crate::worker_config::WorkerConfig;
use crate::{resolve, worker_config};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Register this machine (in this repository) as a worker of a project
    #[command(
        after_help = "Example:\n  cd ~/src/web && baton worker register --project web --agent claude-code --base-branch main\n\n\
Registering again from the same machine reattaches (a fresh token); the config goes to\n\
.baton/worker.json in the repository, excluded from git.\n\n\
The agent starts with a cleared environment: PATH, HOME, USER, LOGNAME, SHELL, TMPDIR, TERM,\n\
LANG, LC_*, TZ, plus its provider's variables (claude-code: ANTHROPIC_API_KEY,\n\
ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL, CLAUDE_CONFIG_DIR, CLAUDE_CODE_USE_BEDROCK,\n\
CLAUDE_CODE_USE_VERTEX; codex: OPENAI_API_KEY, OPENAI_BASE_URL, CODEX_HOME); --agent-env adds\n\
more. Never a BATON_* variable. Members who can message its sessions can make the agent run\n\
code as this machine's user: choose --permission-mode knowingly."
    )]
    Register(Register),
    /// Run the worker daemon: serve this worker's sessions until Ctrl-C
    #[command(after_help = "It logs to stderr and to worker.log beside the config (rotated at 5 MiB, two old files\n\
kept): `baton worker logs -f` follows it from another terminal.")]
    Run {
        /// The worker config [default: .baton/worker.json in this repository]
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Say more: -v adds each command and runner, -vv everything (stderr and the log file)
        #[arg(short, long, action = clap::ArgAction::Count)]
        verbose: u8,
        /// Only warnings and errors on stderr (the log file still gets every info line)
        #[arg(short, long, conflicts_with = "verbose")]
        quiet: bool,
    },
    /// Show the daemon's log (worker.log beside the config); -f follows it
    #[command(after_help = "Examples:\n  baton worker logs -n 100\n  baton worker logs -f\n  \
baton worker logs --json | jq -r 'select(.level == \"WARN\") | .message'")]
    Logs {
        /// The worker config [default: .baton/worker.json in this repository]
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Keep printing lines as the daemon writes them (through rotations), until Ctrl-C
        #[arg(short, long)]
        follow: bool,
        /// How many of the last lines to show first
        #[arg(short = 'n', long, default_value_t = 50, value_name = "N")]
        lines: usize,
    },
    /// Is the daemon running for this config? (exit 0 if it is, 3 if not)
    Status {
        /// The worker config [default: .baton/worker.json in this repository]
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
    /// Stop the daemon running for this config
    Stop {
        /// The worker config [default: .baton/worker.json in this repository]
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
    /// List a project's workers, or with --all those of every project you see
    #[command(
        after_help = "Examples:\n  baton worker ls --project web\n  baton worker ls --all --json | jq '.[] | select(.online)'"
    )]
    Ls {
        #[arg(long, short, conflicts_with = "all")]
        project: Option<String>,
        /// Every project of every workspace you see (a PROJECT column says whose)
        #[arg(long)]
        all: bool,
    },
    /// Show a worker (W-N or id)
    Get { worker: String },
    /// Delete a worker and its sessions
    Rm {
        worker: String,
        #[arg(long)]
        yes: bool,
    },
    /// Revoke a worker's token (its daemon stops working at once), or rotate it (--rotate)
    #[command(after_help = "Examples:\n  baton worker revoke W-2 --yes      # its daemon stops working at once\n  \
baton worker revoke W-2 --rotate   # a new token; the old one stops working\n\n\
With --rotate in the repository whose .baton/worker.json is that worker's, the new token is\n\
written there; otherwise it is printed once (or put in --json): give it to the worker's config.")]
    Revoke {
        /// The worker: W-N or id
        worker: String,
        /// Mint a new token in place of the old one, instead of leaving the worker without one
        #[arg(long)]
        rotate: bool,
        #[arg(long)]
        yes: bool,
        /// The worker config to update with --rotate [default: .baton/worker.json in the repository]
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
}

// `baton worker register`'s flags (a plain comment: a doc comment would replace the
// subcommand's own).
#[derive(Debug, clap::Args)]
pub struct Register {
    /// The project whose repository this is (name or id) [default: the one `baton use` chose]
    #[arg(long, short)]
    project: Option<String>,
    /// Default: this machine's hostname
    #[arg(long)]
    name: Option<String>,
    /// claude-code, codex, command or scripted
    #[arg(long, default_value = "claude-code")]
    agent: AgentKind,
    /// For --agent command: the command that gets the prompt on stdin
    #[arg(long, value_name = "CMD")]
    agent_command: Option<String>,
    /// The branch sessions start from [default: the repository's current branch]
    #[arg(long)]
    base_branch: Option<String>,
    /// Sessions working at once; the rest wait
    #[arg(long, default_value_t = 4)]
    max_sessions: u32,
    /// Where session worktrees go [default: BATON_WORKTREE_DIR or the data dir]
    #[arg(long, value_name = "DIR")]
    worktrees_dir: Option<PathBuf>,
    /// Longest turn, in seconds
    #[arg(long, default_value_t = crate::worker_config::DEFAULT_TURN_TIMEOUT_SECS)]
    turn_timeout: u64,
    /// Also pass this variable of the daemon's environment to the agent (repeat for more;
    /// a name, its value is read when a turn starts). BATON_* names are refused
    #[arg(long = "agent-env", value_name = "NAME")]
    agent_env: Vec<String>,
    /// Claude Code's permission mode; a session in plan mode still plans.
    /// bypassPermissions lets the agent run any command unasked
    #[arg(long, value_enum, default_value_t = PermissionMode::AcceptEdits)]
    permission_mode: PermissionMode,
    /// Run this shell command in each new worktree before its first turn (`npm ci`,
    /// `cp .env.example .env`); its output's end goes to the transcript
    #[arg(long = "setup", value_name = "CMD")]
    setup_command: Option<String>,
    /// Ports for dev servers: each worktree gets ten from here on (its agent and setup command
    /// see BATON_PORT_BASE and PORT)
    #[arg(long, default_value_t = crate::worker_config::DEFAULT_PORT_BASE, value_name = "PORT")]
    port_base: u16,
    /// Remove the worktree of a session idle this many days (its branch stays)
    #[arg(long, default_value_t = 14, value_name = "DAYS")]
    keep_idle_days: u32,
    /// Keep at most this many worktrees; the longest idle go first
    #[arg(long, default_value_t = 20, value_name = "N")]
    keep_worktrees: u32,
    /// Keep worktrees under this many GiB in all; the longest idle go first
    #[arg(long, value_name = "GIB")]
    keep_disk_gb: Option<f64>,
    /// The worker config file [default: .baton/worker.json in the repository]
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
}

pub fn worker_id(given: &str) -> Result<i64> {
    match given.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => match given.parse::<protocol::handle::Handle>() {
            Ok(h) if h.kind == HandleKind::Worker => Ok(h.number as i64),
            _ => bail!("{given:?} is not a worker: give its handle (W-2) or id"),
        },
    }
}

/// The provider variables a worker config names: none given keeps the adapter's defaults
/// (`None`, so they follow upgrades); names given add to them. Refuses `BATON_*` names and
/// anything that is not a variable name.
pub fn agent_env_names(kind: AgentKind, given: &[String]) -> Result<Option<Vec<String>>> {
    for name in given {
        agent_env::check_name(name)?;
    }
    if given.is_empty() {
        return Ok(None);
    }
    let mut names: Vec<String> = agent_env::provider_defaults(kind).iter().map(|s| s.to_string()).collect();
    for name in given {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    Ok(Some(names))
}

/// The worker config on this machine updated with a rotated token, when `local` is the config
/// of that same worker on that same server; `None` when the token belongs elsewhere.
pub fn adopt_rotated(local: Option<WorkerConfig>, worker_id: i64, url: &str, token: &str) -> Option<WorkerConfig> {
    let same_server = |a: &str| a.trim_end_matches('/') == url.trim_end_matches('/');
    let mut config = local.filter(|c| c.worker_id == worker_id && same_server(&c.url))?;
    config.token = token.to_owned();
    Some(config)
}

fn current_branch(repo: &std::path::Path) -> Option<String> {
    let repo = git2::Repository::open(repo).ok()?;
    let head = repo.head().ok()?;
    head.shorthand().map(str::to_owned).filter(|b| b != "HEAD")
}

fn config_path(flag: Option<&PathBuf>) -> Result<PathBuf> {
    worker_config::path(flag.map(PathBuf::as_path), &std::env::current_dir()?)
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Register(args) => register(env, args).await,
        Command::Run { config, verbose, quiet } => {
            let path = config_path(config.as_ref())?;
            let loaded = worker_config::load(&path)?;
            daemon::log::init(&path, *verbose, *quiet);
            daemon::run(loaded, &path, env.settings.insecure).await
        }
        Command::Logs { config, follow, lines } => {
            let path = daemon::log::path(&config_path(config.as_ref())?);
            crate::commands::worker_logs::show(env, &path, *lines, *follow).await
        }
        Command::Status { config } => status(env, config.as_ref()),
        Command::Stop { config } => stop(env, config.as_ref()),
        Command::Ls { project: _, all: true } => ls_all(env).await,
        Command::Ls { project, all: false } => ls(env, project.as_deref()).await,
        Command::Get { worker } => get(env, worker).await,
        Command::Rm { worker, yes } => rm(env, worker, *yes).await,
        Command::Revoke { worker, rotate: false, yes, .. } => revoke(env, worker, *yes).await,
        Command::Revoke { worker, rotate: true, config, .. } => rotate(env, worker, config.as_ref()).await,
    }
}

/// Refuses agent flags that do not go together.
fn check_agent_flags(agent: AgentKind, agent_command: Option<&str>, permission_mode: PermissionMode) -> Result<()> {
    if agent == AgentKind::Command && agent_command.is_none() {
        bail!("--agent command needs --agent-command CMD (it gets the prompt on stdin)");
    }
    if agent != AgentKind::ClaudeCode && permission_mode != PermissionMode::default() {
        bail!("--permission-mode is Claude Code's: drop it, or use --agent claude-code");
    }
    Ok(())
}

async fn register(env: &Env, args: &Register) -> Result<()> {
    check_agent_flags(args.agent, args.agent_command.as_deref(), args.permission_mode)?;
    let agent_env = agent_env_names(args.agent, &args.agent_env)?;
    env.client.check_protocol().await?;
    let cwd = std::env::current_dir()?;
    let repo = worker_config::repo_root(&cwd)?;
    let p = env.project(args.project.as_deref(), None).await?;
    let base = match &args.base_branch {
        Some(b) => b.clone(),
        None => current_branch(&repo).unwrap_or_else(|| "main".into()),
    };
    let hostname = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    let body = RegisterWorker {
        project_id: p.id,
        machine_id: worker_config::machine_id()?,
        name: args.name.clone().unwrap_or_else(|| if hostname.is_empty() { "worker".into() } else { hostname.clone() }),
        agent: args.agent,
        base_branch: base.clone(),
        hostname: Some(hostname),
        max_sessions: Some(args.max_sessions),
    };
    let registered: WorkerRegistered = env.client.post("register worker", "/api/workers", &body).await?;
    let path = match &args.config {
        Some(c) => c.clone(),
        None => worker_config::path(None, &cwd)?,
    };
    let worktrees_dir = match &args.worktrees_dir {
        Some(d) => d.clone(),
        None => worker_config::default_worktrees_dir(p.id)?,
    };
    let saved = worker_config::WorkerConfig {
        url: env.settings.url.clone(),
        token: registered.token.clone(),
        worker_id: registered.worker.id,
        project_id: p.id,
        name: registered.worker.name.clone(),
        agent: args.agent,
        agent_command: args.agent_command.clone(),
        base_branch: base,
        max_sessions: args.max_sessions,
        repo: repo.clone(),
        worktrees_dir,
        turn_timeout_secs: args.turn_timeout,
        agent_env: agent_env.clone(),
        permission_mode: args.permission_mode,
        setup_command: args.setup_command.clone().filter(|c| !c.trim().is_empty()),
        port_base: args.port_base,
        cleanup: worker_config::CleanupPolicy {
            idle_days: args.keep_idle_days,
            max_worktrees: args.keep_worktrees,
            max_bytes: args.keep_disk_gb.map(|gb| (gb.max(0.0) * 1024.0 * 1024.0 * 1024.0) as u64),
        },
    };
    worker_config::save(&path, &saved)?;
    if path.starts_with(&repo) {
        let relative = path.parent().and_then(|d| d.strip_prefix(&repo).ok()).map(|d| format!("{}/", d.display()));
        worker_config::exclude(&repo, relative.as_deref().unwrap_or(".baton/"))?;
    }
    env.print(&registered.worker, |_| registration_summary(&registered, &path, args, agent_env.as_deref()))
}

/// What `register` tells people: the worker, its config, and what its agent's environment holds.
fn registration_summary(
    registered: &WorkerRegistered,
    path: &std::path::Path,
    args: &Register,
    agent_env: Option<&[String]>,
) -> String {
    let w = &registered.worker;
    let provider: Vec<String> = match agent_env {
        Some(names) => names.to_vec(),
        None => agent_env::provider_defaults(args.agent).iter().map(|s| s.to_string()).collect(),
    };
    let mode = match args.agent {
        AgentKind::ClaudeCode => format!(", permission mode {}", args.permission_mode.as_str()),
        _ => String::new(),
    };
    format!(
        "{} {} ({}, agent {}, base {}{mode}). Config: {}\n\
         The agent's environment: {}{}{}; nothing else.\nStart it with: baton worker run",
        if registered.outcome == protocol::worker::RegistrationOutcome::Created { "Registered" } else { "Reattached" },
        w.handle,
        w.name,
        w.agent,
        w.base_branch,
        path.display(),
        agent_env::BASE.join(", "),
        ", LC_*",
        provider.iter().map(|n| format!(", {n}")).collect::<String>(),
    )
}

fn status(env: &Env, config: Option<&PathBuf>) -> Result<()> {
    let path = config_path(config)?;
    let holder = lock::holder(&lock::path(&path));
    // Measured here, whether the daemon runs or not: what its worktrees hold on this disk.
    let worktrees = worker_config::load(&path).ok().map(|c| {
        let found = daemon::worktrees::scan(&c.worktrees_dir);
        (u32::try_from(found.len()).unwrap_or(u32::MAX), found.iter().map(|e| e.bytes).sum::<u64>(), c.worktrees_dir)
    });
    let state = serde_json::json!({
        "running": holder.is_some(),
        "pid": holder.as_ref().map(|h| h.pid),
        "version": holder.as_ref().map(|h| h.version.clone()),
        "worktrees": worktrees.as_ref().map(|(count, bytes, dir)| serde_json::json!({"count": count, "bytes": bytes, "dir": dir})),
        "log": daemon::log::path(&path),
    });
    env.print(&state, |_| {
        let running = match &holder {
            Some(h) => format!("running (pid {}, baton {})", h.pid, h.version),
            None => "not running: start it with `baton worker run`".into(),
        };
        let disk = match &worktrees {
            Some((count, bytes, dir)) => format!("\n{} in {}", worktrees_text(*count, *bytes), dir.display()),
            None => String::new(),
        };
        format!("{running}{disk}\nlog: {} (`baton worker logs -f`)", daemon::log::path(&path).display())
    })?;
    // The exit code answers the question too, for scripts: 0 running, 3 not running.
    if holder.is_none() {
        let _ = std::io::Write::flush(&mut std::io::stdout());
        std::process::exit(3);
    }
    Ok(())
}

fn stop(env: &Env, config: Option<&PathBuf>) -> Result<()> {
    let path = config_path(config)?;
    let Some(holder) = lock::holder(&lock::path(&path)) else {
        bail!("no worker daemon runs for {}", path.display());
    };
    // SAFETY: a plain signal to the pid the daemon recorded.
    unsafe {
        libc::kill(holder.pid as i32, libc::SIGTERM);
    }
    env.print(&serde_json::json!({"stopped": holder.pid}), |_| {
        format!("Asked the daemon (pid {}) to stop.", holder.pid)
    })
}

async fn ls(env: &Env, project: Option<&str>) -> Result<()> {
    let p = env.project(project, None).await?;
    let mut page: Page<Worker> =
        env.client.get("list workers", &format!("/api/workers?project_id={}&limit=200", p.id)).await?;
    confirm_online(env, &mut page.items).await?;
    let now = now_ms();
    env.print_table(&page.items, &["WORKER", "NAME", "AGENT", "BASE", "STATE", "LAST SEEN", "WORKTREES"], |w| {
        vec![
            w.handle.clone(),
            w.name.clone(),
            w.agent.to_string(),
            w.base_branch.clone(),
            if w.online { "online".into() } else { "offline".into() },
            last_seen(w.last_seen_at.as_deref(), now),
            w.worktrees.map_or_else(|| "-".to_owned(), |u| worktrees_text(u.count, u.bytes)),
        ]
    })
}

/// A worker in `baton worker ls --all`: the worker and its project's name.
#[derive(Debug, serde::Serialize)]
pub struct ProjectWorker {
    #[serde(flatten)]
    pub worker: Worker,
    pub project: String,
}

async fn ls_all(env: &Env) -> Result<()> {
    let mut all = Vec::new();
    let workspaces: Vec<Workspace> = resolve::all_pages(&env.client, "list workspaces", "/api/workspaces").await?;
    for w in &workspaces {
        let path = format!("/api/workspaces/{}/projects", w.id);
        let projects: Vec<Project> = resolve::all_pages(&env.client, "list projects", &path).await?;
        for p in projects {
            let path = format!("/api/workers?project_id={}", p.id);
            let workers: Vec<Worker> = resolve::all_pages(&env.client, "list workers", &path).await?;
            all.extend(workers.into_iter().map(|worker| ProjectWorker { worker, project: p.name.clone() }));
        }
    }
    env.print_table(&all, &["WORKER", "NAME", "PROJECT", "AGENT", "STATE", "BUSY", "LAST SEEN"], all_row)
}

/// A list's `online` trusts the last heartbeat recorded in D1, up to 30 s old: a daemon that
/// just died still shows online. The few workers listed online are asked again one by one
/// (`GET /api/workers/:id` asks the worker's live connection), so a dead daemon shows offline
/// as soon as the server saw its connection drop. Past [`CONFIRM_AT_MOST`] online workers
/// the list is shown as the server gave it.
async fn confirm_online(env: &Env, workers: &mut [Worker]) -> Result<()> {
    let online: Vec<usize> = (0..workers.len()).filter(|&i| workers[i].online).collect();
    if online.len() > CONFIRM_AT_MOST {
        return Ok(());
    }
    for i in online {
        let exact: Worker = env.client.get("get worker", &format!("/api/workers/{}", workers[i].id)).await?;
        workers[i].online = exact.online;
    }
    Ok(())
}

/// How many online workers `worker ls` asks about one by one.
const CONFIRM_AT_MOST: usize = 20;

use crate::clock::now_ms;

/// How long ago a worker's daemon was last heard from: `12 s ago`, `5 min ago`, `3 h ago`,
/// `2 d ago`, or `never`. A list's online state lags a dead daemon by up to 30 s; this says
/// by how much.
pub fn last_seen(at: Option<&str>, now_ms: i64) -> String {
    let Some(at) = at.and_then(protocol::time::ms_from_rfc3339) else {
        return "never".into();
    };
    let s = (now_ms - at).max(0) / 1000;
    match s {
        0..=119 => format!("{s} s ago"),
        120..=7199 => format!("{} min ago", s / 60),
        7200..=172_799 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

/// One row of `baton worker ls --all`.
pub fn all_row(w: &ProjectWorker) -> Vec<String> {
    vec![
        w.worker.handle.clone(),
        w.worker.name.clone(),
        w.project.clone(),
        w.worker.agent.to_string(),
        if w.worker.online { "online".into() } else { "offline".into() },
        w.worker.busy_sessions.map_or_else(String::new, |n| n.to_string()),
        last_seen(w.worker.last_seen_at.as_deref(), now_ms()),
    ]
}

async fn get(env: &Env, worker: &str) -> Result<()> {
    let id = worker_id(worker)?;
    let w: Worker = env.client.get("get worker", &format!("/api/workers/{id}")).await?;
    env.print(&w, |w| {
        let disk = w.worktrees.map(|u| format!(", {}", worktrees_text(u.count, u.bytes))).unwrap_or_default();
        format!(
            "{} {} ({}), agent {}, base {}, {}{disk}",
            w.handle,
            w.name,
            w.hostname,
            w.agent,
            w.base_branch,
            if w.online { "online" } else { "offline" }
        )
    })
}

/// `3 worktrees, 412.5 MiB`.
pub fn worktrees_text(count: u32, bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    let size = if mib >= 1024.0 { format!("{:.1} GiB", mib / 1024.0) } else { format!("{mib:.1} MiB") };
    format!("{count} worktree{} ({size})", if count == 1 { "" } else { "s" })
}

async fn rm(env: &Env, worker: &str, yes: bool) -> Result<()> {
    let id = worker_id(worker)?;
    // Looked up first: one that does not exist says so before asking for --yes.
    let _: serde_json::Value = env.client.get(&format!("find {worker}"), &format!("/api/workers/{id}")).await?;
    confirm(yes, &format!("worker {worker} and its sessions"))?;
    env.client.delete("delete worker", &format!("/api/workers/{id}")).await.context("delete worker")?;
    env.print(&serde_json::json!({"deleted": worker}), |_| format!("Deleted {worker}."))
}

async fn revoke(env: &Env, worker: &str, yes: bool) -> Result<()> {
    let id = worker_id(worker)?;
    if !yes {
        bail!(
            "this revokes the token of worker {worker}, and its daemon stops working: \
             add --yes to confirm (or --rotate for a new token)"
        );
    }
    env.client.delete("revoke the worker's token", &format!("/api/workers/{id}/token")).await?;
    env.print(&serde_json::json!({"revoked": worker}), |_| {
        format!(
            "Revoked the token of W-{id}: its daemon stops working. To bring it back, run \
             `baton worker register` on its machine, or `baton worker revoke W-{id} --rotate`."
        )
    })
}

async fn rotate(env: &Env, worker: &str, config: Option<&PathBuf>) -> Result<()> {
    let id = worker_id(worker)?;
    let rotated: WorkerRegistered = env
        .client
        .post("rotate the worker's token", &format!("/api/workers/{id}/token"), &serde_json::json!({}))
        .await?;
    // This machine's config, when it is that worker's: the new token goes there.
    let path = config_path(config).ok();
    let local = path.as_deref().and_then(|p| worker_config::load(p).ok());
    let adopted = adopt_rotated(local, id, &env.settings.url, &rotated.token);
    let written = match (adopted, path) {
        (Some(updated), Some(path)) => {
            worker_config::save(&path, &updated)?;
            Some(path)
        }
        _ => None,
    };
    let daemon = written.as_ref().and_then(|p| lock::holder(&lock::path(p)));
    let answer = serde_json::json!({
        "worker": rotated.worker,
        "outcome": rotated.outcome,
        "config": written,
        // Shown once, and only when no config here took it.
        "token": if written.is_none() { Some(&rotated.token) } else { None },
    });
    env.print(&answer, |_| match &written {
        Some(path) => {
            let restart = match &daemon {
                Some(h) => format!(
                    "\nThe daemon running for it (pid {}) still holds the old token: restart it \
                     (`baton worker stop && baton worker run`).",
                    h.pid
                ),
                None => String::new(),
            };
            format!(
                "Rotated the token of W-{id}: the old one stopped working; the new one is in {}.{restart}",
                path.display()
            )
        }
        None => format!(
            "Rotated the token of W-{id}: the old one stopped working. The new token, shown only now:\n{}\n\
             Put it in the worker's config on its machine (\"token\" in .baton/worker.json), then \
             restart its daemon.",
            rotated.token
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worktree_disk_use_reads_in_mib_then_gib() {
        assert_eq!(worktrees_text(1, 0), "1 worktree (0.0 MiB)");
        assert_eq!(worktrees_text(3, 432_537_600), "3 worktrees (412.5 MiB)");
        assert_eq!(worktrees_text(20, 5 * 1024 * 1024 * 1024 + 512 * 1024 * 1024), "20 worktrees (5.5 GiB)");
    }

    #[test]
    fn every_workers_row_names_its_project_and_json_keeps_the_worker_fields() {
        let worker: Worker = serde_json::from_value(serde_json::json!({
            "id": 2, "handle": "W-2", "project_id": 7, "name": "laptop", "hostname": "h", "agent": "scripted",
            "base_branch": "main", "max_sessions": 4, "online": true, "busy_sessions": 1, "created_at": "t"
        }))
        .unwrap();
        let row = ProjectWorker { worker, project: "web".into() };
        assert_eq!(all_row(&row), ["W-2", "laptop", "web", "scripted", "online", "1", "never"]);
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(
            (json["handle"].as_str(), json["project"].as_str(), json["project_id"].as_i64()),
            (Some("W-2"), Some("web"), Some(7))
        );
    }

    fn config(worker_id: i64, url: &str) -> WorkerConfig {
        WorkerConfig {
            url: url.into(),
            token: "btw_old".into(),
            worker_id,
            project_id: 1,
            name: "n".into(),
            agent: AgentKind::Scripted,
            agent_command: None,
            base_branch: "main".into(),
            max_sessions: 1,
            repo: "/r".into(),
            worktrees_dir: "/w".into(),
            turn_timeout_secs: 60,
            agent_env: None,
            permission_mode: PermissionMode::default(),
            setup_command: None,
            port_base: crate::worker_config::DEFAULT_PORT_BASE,
            cleanup: Default::default(),
        }
    }

    #[test]
    fn a_rotated_token_goes_only_to_that_same_workers_config() {
        let here = config(2, "https://baton.example.org/");
        let updated = adopt_rotated(Some(here.clone()), 2, "https://baton.example.org", "btw_new").unwrap();
        assert_eq!(updated, WorkerConfig { token: "btw_new".into(), ..here.clone() });
        assert_eq!(adopt_rotated(Some(here.clone()), 3, "https://baton.example.org", "btw_new"), None);
        assert_eq!(adopt_rotated(Some(here), 2, "https://other.example.org", "btw_new"), None);
        assert_eq!(adopt_rotated(None, 2, "https://baton.example.org", "btw_new"), None);
    }

    /// Issue 14: a list showed a dead daemon online with nothing to say how stale that was.
    #[test]
    fn last_seen_says_how_long_ago() {
        let at = protocol::time::rfc3339_from_ms(1_700_000_000_000);
        let seen = |after_ms: i64| last_seen(Some(&at), 1_700_000_000_000 + after_ms);
        assert_eq!((seen(0), seen(12_400), seen(119_999)), ("0 s ago".into(), "12 s ago".into(), "119 s ago".into()));
        assert_eq!(
            (seen(300_000), seen(3 * 3_600_000), seen(50 * 3_600_000)),
            ("5 min ago".into(), "3 h ago".into(), "2 d ago".into())
        );
        assert_eq!(seen(-5_000), "0 s ago", "a clock behind the server's is not the future");
        assert_eq!(last_seen(None, 0), "never");
        assert_eq!(last_seen(Some("not a time"), 0), "never");
    }

    #[test]
    fn agent_flags_that_do_not_go_together_are_refused() {
        let default = PermissionMode::default();
        assert!(check_agent_flags(AgentKind::ClaudeCode, None, default).is_ok());
        assert!(check_agent_flags(AgentKind::Command, Some("cat"), default).is_ok());
        let err = check_agent_flags(AgentKind::Command, None, default).unwrap_err().to_string();
        assert!(err.contains("--agent-command CMD"), "{err}");
        let err = check_agent_flags(AgentKind::Codex, None, PermissionMode::BypassPermissions).unwrap_err().to_string();
        assert!(err.contains("--permission-mode is Claude Code's"), "{err}");
        assert!(check_agent_flags(AgentKind::ClaudeCode, None, PermissionMode::BypassPermissions).is_ok());
    }

    #[test]
    fn registration_refuses_baton_variables_for_the_agent() {
        let err = agent_env_names(AgentKind::ClaudeCode, &["BATON_TOKEN".into()]).unwrap_err();
        assert!(err.to_string().contains("never reach the agent"), "{err}");
        assert!(agent_env_names(AgentKind::Codex, &["OPENAI_API_KEY=sk".into()]).is_err());
        assert_eq!(agent_env_names(AgentKind::Codex, &[]).unwrap(), None);
        let names = agent_env_names(AgentKind::Codex, &["AZURE_KEY".into(), "OPENAI_API_KEY".into()]).unwrap().unwrap();
        assert_eq!(names.iter().filter(|n| *n == "OPENAI_API_KEY").count(), 1);
        assert_eq!(names.last().map(String::as_str), Some("AZURE_KEY"));
    }
}
