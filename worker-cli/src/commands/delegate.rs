//! `baton delegate W-N "brief"`: hand a piece of work to a worker's agent in a new session,
//! and with `--wait` get its answer back. The same for a person and for an agent inside a
//! session (whose `BATON_TOKEN` is a session token).

use anyhow::Result;
use protocol::api::{CreateSession, PermissionPolicy, Session, ShareMode};
use protocol::worker::Worker;

use super::session::permissions_parser;
use super::turn_wait::{self, Report, WaitArgs};
use super::Env;
use crate::output;

// `baton delegate`'s arguments (a plain comment: a doc comment would replace the command's own).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
baton delegate W-2 'In crates/parser, make parse_expr accept trailing commas; add a test; reply with the test name.'\n  \
baton delegate W-2 --wait 'Which tests in worker-cli fail on main? Reply with their names only.'\n  \
baton delegate W-2 --share --json 'Upgrade serde to 1.0.200 and run the tests'\n\n\
The brief is all the agent gets: say what to do, where, and what to reply. Without --wait it\n\
prints the session (follow it with `baton session watch S-N`); with --wait it prints the\n\
agent's final message and exits 1 when the turn fails. --json prints\n\
{session, session_id, worker, message_seq, share_url?, answer | error}.")]
pub struct Args {
    /// The worker: W-N or id (its project is the session's)
    pub worker: String,
    /// The brief: a self-contained description of the work (several arguments are joined with
    /// spaces; a newline inside one starts a new line)
    #[arg(required = true, num_args = 1..)]
    pub brief: Vec<String>,
    /// A name for the session [default: the brief's first line, shortened]
    #[arg(long)]
    pub name: Option<String>,
    /// The task the work is for (T-N or id): its cost adds to the task's
    #[arg(long)]
    pub task: Option<String>,
    /// How the agent may act: ask, allow_all or plan [default: the server's, ask]
    #[arg(long, value_parser = permissions_parser())]
    pub permissions: Option<PermissionPolicy>,
    /// Also make a read-only share link to the session and print its URL
    #[arg(long)]
    pub share: bool,
    #[command(flatten)]
    pub wait: WaitArgs,
}

pub async fn run(args: &Args, env: &Env) -> Result<()> {
    let worker_id = super::worker::worker_id(&args.worker)?;
    let worker: Worker = env.client.get("get worker", &format!("/api/workers/{worker_id}")).await?;
    let brief = args.brief.join(" ");
    let body = CreateSession {
        project_id: worker.project_id,
        worker_id: Some(worker.id),
        name: Some(args.name.clone().unwrap_or_else(|| session_name(&brief))),
        task: args.task.as_deref().map(super::task::reference).transpose()?,
        permissions: args.permissions,
    };
    let session: Session = env.client.post("create session", "/api/sessions", &body).await?;
    let posted = super::session::post(env, session.id, brief, Vec::new()).await?;
    let share_url = match args.share {
        false => None,
        true => match super::share::make(env, session.id, ShareMode::Read, None).await {
            Ok(share) => share.url,
            Err(err) => {
                super::share::note_failed(&err);
                None
            }
        },
    };
    let report = Report {
        session: session.handle.clone(),
        session_id: session.id,
        worker: Some(worker.handle.clone()),
        message_seq: posted.event.seq,
        share_url,
        outcome: None,
    };
    let told = started(&session.handle, &worker, report.share_url.as_deref());
    if args.wait.wait {
        if !env.json {
            output::note(&told);
        }
        return turn_wait::wait_and_report(env, &posted, &args.wait, report).await;
    }
    if env.json {
        output::json(&report)?;
    } else {
        output::line(&told)?;
    }
    Ok(())
}

pub use protocol::api::session_name;

/// What people read once the work is handed over.
fn started(session: &str, worker: &Worker, share_url: Option<&str>) -> String {
    let mut text = format!(
        "Delegated to {} ({}) as {session}: follow it with `baton session watch {session}`, read it with \
         `baton session log {session}`.",
        worker.handle, worker.name
    );
    if !worker.online {
        text.push_str(&format!(" {} is offline: the work starts when its daemon returns.", worker.handle));
    }
    if let Some(url) = share_url {
        text.push_str(&format!("\nShare link (read-only, shown only now): {url}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn a_session_is_named_after_the_first_line_of_its_brief() {
        assert_eq!(session_name("  fix the parser\nthen the tests"), "fix the parser…");
        assert_eq!(session_name(&"x".repeat(80)).chars().count(), 60);
    }

    #[test]
    fn the_brief_is_every_word_after_the_worker_and_timeout_needs_wait() {
        let cli = Cli::try_parse_from(["baton", "delegate", "W-2", "fix", "it", "--wait", "--share"]).unwrap();
        let Command::Delegate(args) = cli.command else { panic!("not delegate") };
        assert_eq!(args.worker, "W-2");
        assert_eq!(args.brief.join(" "), "fix it");
        assert!(args.wait.wait && args.share);
        assert!(Cli::try_parse_from(["baton", "delegate", "W-2", "x", "--timeout", "5"]).is_err());
        assert!(Cli::try_parse_from(["baton", "delegate", "W-2"]).is_err());
    }
}
