//! `baton session create|ls|get|send|log|set|watch|share|shares|unshare|...`: a project's
//! sessions. Share links are in [`super::share`], the wait of `send --wait` in
//! [`super::turn_wait`].

use anyhow::{bail, Context, Result};
use protocol::api::{
    CreateSession, Effort, MessagePosted, PermissionPolicy, PostMessage, Session, Share, UpdateSession,
};
use protocol::event::{Event, EventPage};
use protocol::model::Task;
use serde::Serialize;

use super::turn_wait::{self, WaitArgs};
use super::Env;
use crate::watch::Follower;
use crate::{messages, output, resolve};

/// `--permissions`: one of the protocol's [`PermissionPolicy`] names.
pub fn permissions_parser() -> impl clap::builder::TypedValueParser<Value = PermissionPolicy> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(PermissionPolicy::names())
        .map(|name| PermissionPolicy::ALL.into_iter().find(|p| p.as_str() == name).unwrap_or_default())
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a session in a project
    #[command(after_help = "Examples:\n  baton session create --project web --name 'fix flaky test'\n  \
baton session create --worker W-1 --task T-3 --permissions ask\n\n\
--permissions: ask (what the worker's permission mode does not allow is asked of a person;\n\
the default), allow_all (every request allowed unasked), plan (the agent reads and proposes).")]
    Create {
        /// The project, by id or name [default: see `baton use`]
        #[arg(long, short)]
        project: Option<String>,
        /// The workspace, by id or name, when the project name is not unique
        #[arg(long, short)]
        workspace: Option<String>,
        /// A name for the session
        #[arg(long, short)]
        name: Option<String>,
        /// The worker that runs it (W-N or id); without one the session is a plain conversation
        #[arg(long)]
        worker: Option<String>,
        /// The task it works on (T-N or id): its cost adds to the task's
        #[arg(long)]
        task: Option<String>,
        /// How the agent may act: ask, allow_all or plan [default: ask]
        #[arg(long, value_parser = permissions_parser())]
        permissions: Option<PermissionPolicy>,
    },
    /// List the sessions of a project
    Ls {
        /// The project, by id or name [default: see `baton use`]
        #[arg(long, short)]
        project: Option<String>,
        #[arg(long, short)]
        workspace: Option<String>,
    },
    /// Show a session: its state, worker, task, permissions, cost and share links
    #[command(after_help = "Example:\n  baton session get S-4\n  baton session get S-4 --json | jq .state")]
    Get { session: String },
    /// Send a message into a session (with --wait: print the agent's answer)
    #[command(after_help = "Examples:\n  baton session send S-1 'add a test for the parser'\n  \
baton session send S-1 --wait 'which tests fail?'   # prints the agent's final message\n\n\
--wait exits 1 when the turn fails (its error on stderr); a request for approval on the way\n\
is shown on stderr, to answer with `baton answer`.")]
    Send {
        /// The session: id or handle (S-1)
        session: String,
        /// The message
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        /// Attach a file (repeat for more); the worker saves it into the worktree
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<std::path::PathBuf>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Print a session's transcript so far
    Log {
        session: String,
        /// Start after this sequence number
        #[arg(long, default_value_t = 0)]
        after: u64,
    },
    /// Change a session: its name, plan mode, model, effort, permissions or input timeout
    #[command(
        after_help = "Examples:\n  baton session set S-1 --plan on --model opus\n  baton session set S-1 --model default --effort high\n  \
baton session set S-1 --permissions allow_all --input-timeout 3600"
    )]
    Set {
        session: String,
        #[arg(long)]
        name: Option<String>,
        /// on: the agent reads and proposes only
        #[arg(long, value_parser = ["on", "off"])]
        plan: Option<String>,
        /// The agent's model, or `default`
        #[arg(long)]
        model: Option<String>,
        /// low, medium, high, or `default`
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(
            protocol::api::Effort::names().into_iter().chain(["default"])
        ))]
        effort: Option<String>,
        /// How the agent may act: ask (a person approves), allow_all, or plan
        #[arg(long, value_parser = permissions_parser())]
        permissions: Option<PermissionPolicy>,
        /// How long a request waits for a person before it expires as a deny (60 to 86400)
        #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(60..=86400))]
        input_timeout: Option<u32>,
    },
    /// Start a new agent conversation at the next turn (same worktree, same branch)
    Clear { session: String },
    /// Stop the session's agent (the worktree stays)
    Stop { session: String },
    /// Run the session again
    Resume { session: String },
    /// Interrupt the running turn
    Abort { session: String },
    /// Delete the session; its worker removes the worktree (the branch stays)
    Rm {
        session: String,
        #[arg(long)]
        yes: bool,
    },
    /// Print a session's events as they happen; reconnects by itself without losing any
    #[command(
        after_help = "Examples:\n  baton session watch S-1\n  baton session watch S-1 --after 10 --count 5 --json\n  \
baton session watch S-1 --until-turn-end     # until the running (or next) turn ends; exit 1 if it fails"
    )]
    Watch {
        session: String,
        /// Start after this sequence number (0: the whole transcript first)
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// Exit after printing this many events
        #[arg(long)]
        count: Option<u64>,
        /// Exit when the turn running now (or, if none runs, the next one) ends: 0 when it
        /// completes, 1 when it fails
        #[arg(long)]
        until_turn_end: bool,
    },
    /// Make a share link to a session (shown once), or rotate one (--rotate SHARE_ID)
    #[command(
        after_help = "Examples:\n  baton session share S-4                       # read-only, until revoked\n  \
baton session share S-4 --write --expires-in-hours 24\n  \
baton session share --rotate 12               # a new URL for link 12; the old one stops working\n\n\
Anyone holding the URL reads the session (write: also sends messages and answers its\n\
requests), and nothing else of the workspace. Revoke with `baton session unshare ID --yes`."
    )]
    Share {
        /// The session: id or handle (S-4)
        #[arg(required_unless_present = "rotate")]
        session: Option<String>,
        /// The link may also send messages and answer the agent's requests
        #[arg(long)]
        write: bool,
        /// The link stops working after this many hours (1 to 8760) [default: until revoked]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=8760))]
        expires_in_hours: Option<u32>,
        /// Give share link SHARE_ID a new URL (see `baton session shares`); the old URL dies
        #[arg(long, value_name = "SHARE_ID", conflicts_with_all = ["session", "write", "expires_in_hours"])]
        rotate: Option<i64>,
    },
    /// List a session's share links (never their URLs)
    #[command(after_help = "Example:\n  baton session shares S-4")]
    Shares { session: String },
    /// Revoke a share link: its URL stops working at once
    #[command(after_help = "Example:\n  baton session unshare 12 --yes")]
    Unshare {
        /// The share link's id (see `baton session shares`)
        share: i64,
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Create { project, workspace, name, worker, task, permissions } => {
            let target = (project.as_deref(), workspace.as_deref());
            create(env, target, name, worker.as_deref(), task.as_deref(), *permissions).await
        }
        Command::Ls { project, workspace } => ls(env, project.as_deref(), workspace.as_deref()).await,
        Command::Get { session } => get(env, session).await,
        Command::Send { session, text, attach, wait } => send(env, session, text, attach, wait).await,
        Command::Log { session, after } => log(env, session, *after).await,
        Command::Set { session, name, plan, model, effort, permissions, input_timeout } => {
            let agent = (plan.as_deref(), model.as_deref(), effort.as_deref());
            set(env, session, name, agent, *permissions, *input_timeout).await
        }
        Command::Clear { session } => clear(env, session).await,
        Command::Stop { session } => tell_worker(env, session, "stop").await,
        Command::Resume { session } => tell_worker(env, session, "resume").await,
        Command::Abort { session } => tell_worker(env, session, "abort").await,
        Command::Rm { session, yes } => rm(env, session, *yes).await,
        Command::Watch { session, after, count, until_turn_end } => {
            watch(env, session, *after, *count, *until_turn_end).await
        }
        Command::Share { rotate: Some(share), .. } => super::share::rotate(env, *share).await,
        Command::Share { session, write, expires_in_hours, rotate: None } => {
            super::share::create(env, session.as_deref().unwrap_or_default(), *write, *expires_in_hours).await
        }
        Command::Shares { session } => super::share::list(env, session).await,
        Command::Unshare { share, yes } => super::share::revoke(env, *share, *yes).await,
    }
}

/// `target` is `--project` and `--workspace`.
async fn create(
    env: &Env,
    (project, workspace): (Option<&str>, Option<&str>),
    name: &Option<String>,
    worker: Option<&str>,
    task: Option<&str>,
    permissions: Option<PermissionPolicy>,
) -> Result<()> {
    let p = env.project(project, workspace).await?;
    let body = CreateSession {
        project_id: p.id,
        worker_id: worker.map(super::worker::worker_id).transpose()?,
        name: name.clone(),
        task: task.map(super::task::reference).transpose()?,
        permissions,
    };
    let s: Session = env.client.post("create session", "/api/sessions", &body).await?;
    if env.json {
        output::json(&s)?;
    } else {
        output::line(&format!("Created session {} in project {}.", s.handle, p.name))?;
    }
    Ok(())
}

async fn ls(env: &Env, project: Option<&str>, workspace: Option<&str>) -> Result<()> {
    let p = env.project(project, workspace).await?;
    let path = format!("/api/projects/{}/sessions", p.id);
    let all: Vec<Session> = resolve::all_pages(&env.client, "list sessions", &path).await?;
    env.print_table(&all, &["SESSION", "STATE", "WORKER", "NAME", "CREATED"], session_row)
}

/// One row of `baton session ls`: who runs it and in what state (blank where the server
/// says nothing).
fn session_row(s: &Session) -> Vec<String> {
    vec![
        s.handle.clone(),
        s.state.map_or("", |st| st.as_str()).into(),
        s.worker_id.map_or_else(String::new, |w| protocol::handle::Handle::worker(w).to_string()),
        s.name.clone().unwrap_or_default(),
        s.created_at.clone(),
    ]
}

/// A session as `baton session get` shows it: the session, its task's handle and how many
/// share links it has (`None`: not readable with this token, or an older server).
#[derive(Debug, Serialize)]
pub struct SessionView {
    #[serde(flatten)]
    pub session: Session,
    pub task: Option<String>,
    pub share_links: Option<usize>,
}

async fn get(env: &Env, session: &str) -> Result<()> {
    let id = resolve::session_id(session)?;
    let s: Session = env.client.get("get session", &format!("/api/sessions/{id}")).await?;
    // The task's handle and the share links add to the session: a failure to read them
    // leaves them out rather than failing the whole command.
    let task = match s.task_id {
        Some(task_id) => env.client.get::<Task>("get task", &format!("/api/tasks/{task_id}")).await.ok(),
        None => None,
    };
    let shares =
        resolve::all_pages::<Share>(&env.client, "list share links", &format!("/api/sessions/{id}/shares")).await.ok();
    let view = SessionView { session: s, task: task.map(|t| t.handle), share_links: shares.map(|s| s.len()) };
    env.print(&view, render_session)
}

/// `baton session get` for people.
pub fn render_session(view: &SessionView) -> String {
    let s = &view.session;
    let name = s.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
    let state = s.state.map_or("state unknown", |st| st.as_str());
    let worker = s.worker_id.map_or("no worker (a conversation)".into(), |w| format!("worker W-{w}"));
    let task = match (&view.task, s.task_id) {
        (Some(handle), _) => format!(", task {handle}"),
        (None, Some(id)) => format!(", task id {id}"),
        (None, None) => String::new(),
    };
    let shares = match view.share_links {
        Some(0) => "none".into(),
        Some(n) => format!("{n} (`baton session shares {}`)", s.handle),
        None => "unknown".into(),
    };
    format!(
        "{}{name}: {state}\n{worker}{task}, project {}\npermissions {} (requests wait {}), plan mode {}, model {}, effort {}\n\
         cost: {}\nshare links: {shares}",
        s.handle,
        s.project_id,
        s.permissions.as_str(),
        duration(u64::from(s.input_timeout_s)),
        if s.plan_mode { "on" } else { "off" },
        s.model.as_deref().unwrap_or("default"),
        s.effort.map_or("default", |e| e.as_str()),
        super::cost_line(&s.cost),
    )
}

/// Seconds as people say them: `30 min`, `2 h`, `90 s`.
pub(crate) fn duration(secs: u64) -> String {
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

async fn send(env: &Env, session: &str, text: &[String], attach: &[std::path::PathBuf], wait: &WaitArgs) -> Result<()> {
    let id = resolve::session_id(session)?;
    if wait.wait {
        let s: Session = env.client.get("get session", &format!("/api/sessions/{id}")).await?;
        if s.worker_id.is_none() {
            bail!(messages::wait_without_worker(id));
        }
    }
    let mut attachments = Vec::new();
    for file in attach {
        attachments.push(upload(env, id, file).await?.id);
    }
    let posted = post(env, id, text.join(" "), attachments).await?;
    if wait.wait {
        let base = turn_wait::Report {
            session: format!("S-{id}"),
            session_id: id,
            worker: None,
            message_seq: posted.event.seq,
            share_url: None,
            outcome: None,
        };
        return turn_wait::wait_and_report(env, &posted, wait, base).await;
    }
    if env.json {
        output::json(&posted)?;
    } else {
        output::line(&format!("Sent as #{} in S-{id}.", posted.event.seq))?;
    }
    Ok(())
}

/// Posts a message into session `id`.
pub async fn post(env: &Env, id: i64, text: String, attachments: Vec<i64>) -> Result<MessagePosted> {
    let body = PostMessage { text, attachments };
    env.client.post("send message", &format!("/api/sessions/{id}/messages"), &body).await
}

async fn log(env: &Env, session: &str, mut after: u64) -> Result<()> {
    let id = resolve::session_id(session)?;
    loop {
        let path = format!("/api/sessions/{id}/events?after={after}&limit=1000");
        let page: EventPage = env.client.get("read transcript", &path).await?;
        for event in &page.items {
            print_event(env, event, None)?;
        }
        match page.next_after {
            Some(next) => after = next,
            None => return Ok(()),
        }
    }
}

/// `agent` is `--plan`, `--model` and `--effort`.
async fn set(
    env: &Env,
    session: &str,
    name: &Option<String>,
    (plan, model, effort): (Option<&str>, Option<&str>, Option<&str>),
    permissions: Option<PermissionPolicy>,
    input_timeout_s: Option<u32>,
) -> Result<()> {
    let id = resolve::session_id(session)?;
    let effort = match effort {
        None => None,
        Some("default") => Some(None),
        Some(e) => Some(Some(serde_json::from_value::<Effort>(serde_json::json!(e))?)),
    };
    let patch = UpdateSession {
        name: name.clone(),
        plan_mode: plan.map(|p| p == "on"),
        model: model.map(|m| (m != "default").then(|| m.to_owned())),
        effort,
        permissions,
        input_timeout_s,
    };
    let s: Session = env.client.patch("change session", &format!("/api/sessions/{id}"), &patch).await?;
    env.print(&s, |s| {
        format!(
            "{}: plan mode {}, model {}, effort {}, permissions {}, requests wait {}",
            s.handle,
            if s.plan_mode { "on" } else { "off" },
            s.model.as_deref().unwrap_or("default"),
            s.effort.map_or("default", |e| e.as_str()),
            s.permissions.as_str(),
            duration(u64::from(s.input_timeout_s)),
        )
    })
}

async fn clear(env: &Env, session: &str) -> Result<()> {
    let id = resolve::session_id(session)?;
    let event: Event = env.client.post("clear", &format!("/api/sessions/{id}/clear"), &serde_json::json!({})).await?;
    env.print(&event, |_| format!("S-{id} starts a new conversation at its next turn."))
}

/// `stop`, `resume` or `abort`: a command for the session's worker.
async fn tell_worker(env: &Env, session: &str, action: &str) -> Result<()> {
    let id = resolve::session_id(session)?;
    let answer: serde_json::Value =
        env.client.post(action, &format!("/api/sessions/{id}/{action}"), &serde_json::json!({})).await?;
    env.print(&answer, |a| {
        let online = a["worker_online"].as_bool().unwrap_or(false);
        format!(
            "Sent {action} to S-{id}'s worker{}",
            if online { "." } else { " (offline: it gets it when it returns)." }
        )
    })
}

async fn rm(env: &Env, session: &str, yes: bool) -> Result<()> {
    let id = resolve::session_id(session)?;
    // Looked up first: one that does not exist says so before asking for --yes.
    let _: serde_json::Value = env.client.get(&format!("find {session}"), &format!("/api/sessions/{id}")).await?;
    super::confirm(yes, &format!("session {session} and its worktree"))?;
    env.client.delete("delete session", &format!("/api/sessions/{id}")).await?;
    env.print(&serde_json::json!({"deleted": session}), |_| format!("Deleted {session}."))
}

/// `until_turn_end`: stop at the end of the turn running now, or of the next one.
async fn watch(env: &Env, session: &str, after: u64, count: Option<u64>, until_turn_end: bool) -> Result<()> {
    let id = resolve::session_id(session)?;
    let mut turn_end = match until_turn_end {
        true => {
            let path = format!("/api/sessions/{id}/events?after={after}&limit=1");
            let page: EventPage = env.client.get("read transcript", &path).await?;
            Some(turn_wait::NextTurnEnd::new(page.last_seq))
        }
        false => None,
    };
    let mut follower = Follower::new(env.client.clone(), format!("/api/sessions/{id}/stream"), after);
    let mut printed = 0u64;
    let mut reconnects = 0;
    while count.is_none_or(|c| printed < c) {
        let received = follower.next().await?;
        if follower.reconnects() != reconnects {
            reconnects = follower.reconnects();
            output::note(&format!("baton: reconnected to S-{id}; continuing after #{}", received.event.seq - 1));
        }
        print_event(env, &received.event, Some(&received.raw))?;
        printed += 1;
        let Some(turn_end) = turn_end.as_mut() else { continue };
        match turn_end.see(received.event.seq, &received.event.body) {
            turn_wait::Seen::Finished(turn_wait::Outcome::Error(message)) => {
                let seq = turn_end.message_seq().unwrap_or_default();
                return Err(
                    crate::failure::CliFailure::new("turn_failed", messages::turn_failed(id, seq, &message)).into()
                );
            }
            turn_wait::Seen::Finished(turn_wait::Outcome::Answer(_)) => return Ok(()),
            _ => {}
        }
    }
    Ok(())
}

async fn upload(env: &Env, session_id: i64, file: &std::path::Path) -> Result<protocol::api::Attachment> {
    upload_to(env, &format!("/api/sessions/{session_id}"), file).await
}

/// Uploads `file` as an attachment of what `owner` names (`/api/sessions/4`,
/// `/api/channels/3`), for a message to name.
pub(crate) async fn upload_to(env: &Env, owner: &str, file: &std::path::Path) -> Result<protocol::api::Attachment> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let request = env
        .client
        .request(reqwest::Method::POST, &format!("{owner}/attachments?filename={}", super::encode(name)))?
        .header("content-type", "application/octet-stream")
        .body(bytes);
    let response = env.client.send(request).await?;
    crate::client::decode(&format!("attach {}", file.display()), response).await
}

fn print_event(env: &Env, event: &Event, raw: Option<&str>) -> std::io::Result<()> {
    if env.json {
        match raw {
            Some(raw) => output::raw_line(raw),
            None => output::raw_line(&serde_json::to_string(event).map_err(std::io::Error::other)?),
        }
    } else {
        match crate::commands::transcript::render(event) {
            Some(line) => output::line(&line),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14: `session ls` did not say which worker runs a session.
    #[test]
    fn a_session_row_names_its_worker_and_state() {
        let session: Session = serde_json::from_value(serde_json::json!({
            "id": 4, "handle": "S-4", "project_id": 1, "worker_id": 2, "name": "fix", "plan_mode": false,
            "state": "busy", "permissions": "ask", "input_timeout_s": 600, "created_at": "2026-12-01T10:00:00Z"
        }))
        .unwrap();
        assert_eq!(session_row(&session), ["S-4", "busy", "W-2", "fix", "2026-12-01T10:00:00Z"]);
    }
    use crate::cli::{Cli, Command as Top};
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        let cli = Cli::try_parse_from(["baton", "session"].iter().chain(args))?;
        let Top::Session(command) = cli.command else { panic!("not a session command") };
        Ok(command)
    }

    #[test]
    fn every_permission_policy_name_parses_to_that_policy_on_create_and_set() {
        for policy in PermissionPolicy::ALL {
            let Command::Set { permissions, .. } = parse(&["set", "S-1", "--permissions", policy.as_str()]).unwrap()
            else {
                panic!("not set")
            };
            assert_eq!(permissions, Some(policy));
            let Command::Create { permissions, task, .. } =
                parse(&["create", "--task", "T-3", "--permissions", policy.as_str()]).unwrap()
            else {
                panic!("not create")
            };
            assert_eq!((permissions, task.as_deref()), (Some(policy), Some("T-3")));
        }
        assert!(parse(&["set", "S-1", "--permissions", "yolo"]).is_err());
    }

    #[test]
    fn the_input_timeout_stays_within_a_minute_and_a_day() {
        assert!(parse(&["set", "S-1", "--input-timeout", "59"]).is_err());
        assert!(parse(&["set", "S-1", "--input-timeout", "86401"]).is_err());
        let Command::Set { input_timeout, .. } = parse(&["set", "S-1", "--input-timeout", "3600"]).unwrap() else {
            panic!("not set")
        };
        assert_eq!(input_timeout, Some(3600));
    }

    #[test]
    fn share_takes_a_session_or_rotate_but_not_both() {
        assert!(matches!(
            parse(&["share", "S-4", "--write"]).unwrap(),
            Command::Share { write: true, rotate: None, .. }
        ));
        assert!(matches!(parse(&["share", "--rotate", "12"]).unwrap(), Command::Share { rotate: Some(12), .. }));
        assert!(parse(&["share"]).is_err(), "a session or --rotate is needed");
        assert!(parse(&["share", "S-4", "--rotate", "12"]).is_err());
        assert!(parse(&["share", "S-4", "--expires-in-hours", "0"]).is_err());
        assert!(parse(&["send", "S-4", "hi", "--timeout", "9"]).is_err(), "--timeout goes with --wait");
    }

    #[test]
    fn watch_may_stop_at_the_end_of_the_turn() {
        assert!(matches!(
            parse(&["watch", "S-1", "--until-turn-end"]).unwrap(),
            Command::Watch { until_turn_end: true, count: None, .. }
        ));
        assert!(matches!(parse(&["watch", "S-1"]).unwrap(), Command::Watch { until_turn_end: false, .. }));
    }

    #[test]
    fn get_shows_state_worker_task_permissions_cost_and_share_links() {
        let session: Session = serde_json::from_value(serde_json::json!({
            "id": 4, "handle": "S-4", "project_id": 7, "worker_id": 2, "name": "fix", "state": "awaiting_input",
            "permissions": "ask", "input_timeout_s": 1800, "task_id": 31,
            "cost": {"turns": 2, "input_tokens": 100, "output_tokens": 20, "cost_usd": 0.5}, "created_at": "t"
        }))
        .unwrap();
        let view = SessionView { session, task: Some("T-3".into()), share_links: Some(1) };
        assert_eq!(
            render_session(&view),
            "S-4 fix: awaiting_input\nworker W-2, task T-3, project 7\n\
             permissions ask (requests wait 30 min), plan mode off, model default, effort default\n\
             cost: 2 turns, 100 tokens in, 20 out, $0.50\nshare links: 1 (`baton session shares S-4`)"
        );
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!((json["state"].as_str(), json["share_links"].as_u64()), (Some("awaiting_input"), Some(1)));
        assert_eq!(duration(90), "90 s");
        assert_eq!(duration(7200), "2 h");
    }

    #[test]
    fn events_render_on_one_line() {
        let event: Event = serde_json::from_str(
            r#"{"seq":3,"at":"2026-11-21T10:11:12.000Z","type":"user_message","text":"hi","author":{"kind":"user","id":1,"name":"ada"}}"#,
        )
        .unwrap();
        assert_eq!(crate::commands::transcript::render(&event).unwrap(), "#3 10:11:12 ada: hi");
    }

    #[test]
    fn worker_notices_render_as_from_the_worker() {
        let event: Event = serde_json::from_str(
            r#"{"seq":5,"at":"2026-11-21T10:11:12.000Z","type":"worker_notice","text":"cannot fetch"}"#,
        )
        .unwrap();
        assert_eq!(crate::commands::transcript::render(&event).unwrap(), "#5 10:11:12 -- worker: cannot fetch");
        let server: Event = serde_json::from_str(
            r#"{"seq":6,"at":"2026-11-21T10:11:12.000Z","type":"system_notice","text":"renamed"}"#,
        )
        .unwrap();
        assert_eq!(crate::commands::transcript::render(&server).unwrap(), "#6 10:11:12 -- renamed");
    }

    #[test]
    fn a_message_with_terminal_escapes_prints_as_plain_text() {
        let event: Event = serde_json::from_value(serde_json::json!({
            "seq": 4, "at": "2026-11-21T10:11:12.000Z", "type": "user_message",
            "text": "\u{1b}[2Jhi\u{202e}gnp.exe", "author": {"kind": "user", "id": 1, "name": "\u{1b}]0;root\u{7}ada"}
        }))
        .unwrap();
        // What `output::line` prints in text mode.
        assert_eq!(
            output::clean(&crate::commands::transcript::render(&event).unwrap()),
            "#4 10:11:12 ]0;rootada: [2Jhignp.exe"
        );
        // JSON mode keeps the exact text, escaped by serde.
        let json = serde_json::to_string(&event).unwrap();
        assert!(json.contains("\\u001b[2Jhi\u{202e}gnp.exe"), "{json}");
    }
}
