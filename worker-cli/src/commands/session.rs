//! `baton session create|ls|send|log|watch`.

use anyhow::{Context, Result};
use protocol::api::{CreateSession, Effort, PostMessage, Session, UpdateSession};
use protocol::event::{Event, EventBody, EventPage};

use super::Env;
use crate::watch::Follower;
use crate::{output, resolve};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a session in a project
    #[command(after_help = "Example:\n  baton session create --project web --name 'fix flaky test'")]
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
    },
    /// List the sessions of a project
    Ls {
        /// The project, by id or name [default: see `baton use`]
        #[arg(long, short)]
        project: Option<String>,
        #[arg(long, short)]
        workspace: Option<String>,
    },
    /// Send a message into a session
    #[command(after_help = "Example:\n  baton session send S-1 'add a test for the parser'")]
    Send {
        /// The session: id or handle (S-1)
        session: String,
        /// The message
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        /// Attach a file (repeat for more); the worker saves it into the worktree
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<std::path::PathBuf>,
    },
    /// Print a session's transcript so far
    Log {
        session: String,
        /// Start after this sequence number
        #[arg(long, default_value_t = 0)]
        after: u64,
    },
    /// Change a session: its name, plan mode, model or effort
    #[command(
        after_help = "Example:\n  baton session set S-1 --plan on --model opus\n  baton session set S-1 --model default --effort high"
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
        after_help = "Example:\n  baton session watch S-1\n  baton session watch S-1 --after 10 --count 5 --json"
    )]
    Watch {
        session: String,
        /// Start after this sequence number (0: the whole transcript first)
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// Exit after printing this many events
        #[arg(long)]
        count: Option<u64>,
    },
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Create { project, workspace, name, worker } => {
            create(env, project.as_deref(), workspace.as_deref(), name, worker.as_deref()).await
        }
        Command::Ls { project, workspace } => ls(env, project.as_deref(), workspace.as_deref()).await,
        Command::Send { session, text, attach } => send(env, session, text, attach).await,
        Command::Log { session, after } => log(env, session, *after).await,
        Command::Set { session, name, plan, model, effort } => {
            set(env, session, name, plan.as_deref(), model.as_deref(), effort.as_deref()).await
        }
        Command::Clear { session } => clear(env, session).await,
        Command::Stop { session } => tell_worker(env, session, "stop").await,
        Command::Resume { session } => tell_worker(env, session, "resume").await,
        Command::Abort { session } => tell_worker(env, session, "abort").await,
        Command::Rm { session, yes } => rm(env, session, *yes).await,
        Command::Watch { session, after, count } => watch(env, session, *after, *count).await,
    }
}

async fn create(
    env: &Env,
    project: Option<&str>,
    workspace: Option<&str>,
    name: &Option<String>,
    worker: Option<&str>,
) -> Result<()> {
    let p = env.project(project, workspace).await?;
    let body = CreateSession {
        project_id: p.id,
        worker_id: worker.map(super::worker::worker_id).transpose()?,
        name: name.clone(),
        task: None,
        permissions: None,
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
    env.print_table(&all, &["SESSION", "NAME", "CREATED"], |s| {
        vec![s.handle.clone(), s.name.clone().unwrap_or_default(), s.created_at.clone()]
    })
}

async fn send(env: &Env, session: &str, text: &[String], attach: &[std::path::PathBuf]) -> Result<()> {
    let id = resolve::session_id(session)?;
    let mut attachments = Vec::new();
    for file in attach {
        attachments.push(upload(env, id, file).await?.id);
    }
    let body = PostMessage { text: text.join(" "), attachments };
    let path = format!("/api/sessions/{id}/messages");
    let event: Event = env.client.post("send message", &path, &body).await?;
    if env.json {
        output::json(&event)?;
    } else {
        output::line(&format!("Sent as #{} in S-{id}.", event.seq))?;
    }
    Ok(())
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

async fn set(
    env: &Env,
    session: &str,
    name: &Option<String>,
    plan: Option<&str>,
    model: Option<&str>,
    effort: Option<&str>,
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
        permissions: None,
        input_timeout_s: None,
    };
    let s: Session = env.client.patch("change session", &format!("/api/sessions/{id}"), &patch).await?;
    env.print(&s, |s| {
        format!(
            "{}: plan mode {}, model {}, effort {}",
            s.handle,
            if s.plan_mode { "on" } else { "off" },
            s.model.as_deref().unwrap_or("default"),
            s.effort.map_or("default", |e| e.as_str())
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
    super::confirm(yes, &format!("session {session} and its worktree"))?;
    let id = resolve::session_id(session)?;
    env.client.delete("delete session", &format!("/api/sessions/{id}")).await?;
    env.print(&serde_json::json!({"deleted": session}), |_| format!("Deleted {session}."))
}

async fn watch(env: &Env, session: &str, after: u64, count: Option<u64>) -> Result<()> {
    let id = resolve::session_id(session)?;
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
    }
    Ok(())
}

async fn upload(env: &Env, session_id: i64, file: &std::path::Path) -> Result<protocol::api::Attachment> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let request = env
        .client
        .request(reqwest::Method::POST, &format!("/api/sessions/{session_id}/attachments?filename={}", encode(name)))?
        .header("content-type", "application/octet-stream")
        .body(bytes);
    let response = env.client.send(request).await?;
    crate::client::decode(&format!("attach {}", file.display()), response).await
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn print_event(env: &Env, event: &Event, raw: Option<&str>) -> std::io::Result<()> {
    if env.json {
        match raw {
            Some(raw) => output::raw_line(raw),
            None => output::raw_line(&serde_json::to_string(event).map_err(std::io::Error::other)?),
        }
    } else {
        output::line(&render_event(event))
    }
}

/// One transcript line for people: `#seq HH:MM:SS who: text`.
pub fn render_event(event: &Event) -> String {
    let time = event.at.get(11..19).unwrap_or(&event.at);
    match &event.body {
        EventBody::UserMessage { text, author, .. } => {
            format!("#{} {time} {}: {text}", event.seq, author.name)
        }
        EventBody::SystemNotice { text } => format!("#{} {time} -- {text}", event.seq),
        EventBody::WorkerNotice { text } => format!("#{} {time} -- worker: {text}", event.seq),
        other => format!("#{} {time} [{}]", event.seq, other.type_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_render_on_one_line() {
        let event: Event = serde_json::from_str(
            r#"{"seq":3,"at":"2026-11-21T10:11:12.000Z","type":"user_message","text":"hi","author":{"kind":"user","id":1,"name":"ada"}}"#,
        )
        .unwrap();
        assert_eq!(render_event(&event), "#3 10:11:12 ada: hi");
    }

    #[test]
    fn worker_notices_render_as_from_the_worker() {
        let event: Event = serde_json::from_str(
            r#"{"seq":5,"at":"2026-11-21T10:11:12.000Z","type":"worker_notice","text":"cannot fetch"}"#,
        )
        .unwrap();
        assert_eq!(render_event(&event), "#5 10:11:12 -- worker: cannot fetch");
        let server: Event = serde_json::from_str(
            r#"{"seq":6,"at":"2026-11-21T10:11:12.000Z","type":"system_notice","text":"renamed"}"#,
        )
        .unwrap();
        assert_eq!(render_event(&server), "#6 10:11:12 -- renamed");
    }

    #[test]
    fn a_message_with_terminal_escapes_prints_as_plain_text() {
        let event: Event = serde_json::from_value(serde_json::json!({
            "seq": 4, "at": "2026-11-21T10:11:12.000Z", "type": "user_message",
            "text": "\u{1b}[2Jhi\u{202e}gnp.exe", "author": {"kind": "user", "id": 1, "name": "\u{1b}]0;root\u{7}ada"}
        }))
        .unwrap();
        // What `output::line` prints in text mode.
        assert_eq!(output::clean(&render_event(&event)), "#4 10:11:12 ]0;rootada: [2Jhignp.exe");
        // JSON mode keeps the exact text, escaped by serde.
        let json = serde_json::to_string(&event).unwrap();
        assert!(json.contains("\\u001b[2Jhi\u{202e}gnp.exe"), "{json}");
    }
}
