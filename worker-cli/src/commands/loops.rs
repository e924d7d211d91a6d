//! `baton loop`: messages posted into a session on a schedule (a check-in every morning). A
//! loop's first run is one interval after it is made; each run posts its message, or is
//! skipped with the reason (the worker offline, a turn still running) in the transcript.

use anyhow::{bail, Result};
use protocol::loops::{CreateLoop, Loop, LoopOutcome, UpdateLoop};

use super::{confirm, Env};
use crate::{output, resolve};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Schedule a message into a session
    #[command(
        after_help = "Examples:\n  baton loop create S-4 --every 30m 'How is it going? Post a short status.'\n  \
baton loop create S-4 --every 1d --name standup 'Summarize yesterday in five lines.'"
    )]
    Create {
        /// The session (S-N or its number)
        session: String,
        /// How often: 30s to 90d (units s, m, h, d; a plain number is seconds)
        #[arg(long, value_name = "INTERVAL")]
        every: String,
        /// A label its messages are signed with [default: loop N]
        #[arg(long)]
        name: Option<String>,
        /// Make it disabled (enable it later with `baton loop enable`)
        #[arg(long)]
        disabled: bool,
        /// The message (several arguments are joined with spaces)
        #[arg(required = true, num_args = 1..)]
        message: Vec<String>,
    },
    /// List a session's loops
    Ls {
        /// The session (S-N or its number)
        session: String,
    },
    /// Show a loop: its schedule, next run and how the last one went
    Get { id: i64 },
    /// Change a loop (a new interval starts its schedule again from now)
    #[command(after_help = "Example:\n  baton loop set 3 --every 2h --message 'Anything blocking you?'")]
    Set {
        id: i64,
        /// A new interval (30s to 90d)
        #[arg(long, value_name = "INTERVAL")]
        every: Option<String>,
        /// A new label ('' for the default)
        #[arg(long)]
        name: Option<String>,
        /// A new message
        #[arg(long)]
        message: Option<String>,
    },
    /// Enable a loop: its next run is one interval from now
    Enable { id: i64 },
    /// Disable a loop: it runs no more until enabled
    Disable { id: i64 },
    /// Delete a loop
    Rm {
        id: i64,
        /// Really delete it
        #[arg(long)]
        yes: bool,
    },
}

/// An interval as the API takes it: whole seconds that fit.
fn interval_s(text: &str) -> Result<u32> {
    let seconds = super::handoff::parse_duration(text)?;
    match u32::try_from(seconds) {
        Ok(s) => Ok(s),
        Err(_) => bail!("{text:?} is longer than 90 days, the longest interval"),
    }
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    let c = &env.client;
    match command {
        Command::Create { session, every, name, disabled, message } => {
            let id = resolve::session_id(session)?;
            let body = CreateLoop {
                message: message.join(" "),
                interval_s: interval_s(every)?,
                name: name.clone(),
                enabled: Some(!disabled),
            };
            let made: Loop = c.post("create loop", &format!("/api/sessions/{id}/loops"), &body).await?;
            env.print(&made, |l| format!("Loop {} made.\n{}", l.id, render(l)))
        }
        Command::Ls { session } => {
            let id = resolve::session_id(session)?;
            let all: Vec<Loop> = resolve::all_pages(c, "list loops", &format!("/api/sessions/{id}/loops")).await?;
            env.print_table(&all, &["ID", "NAME", "EVERY", "NEXT RUN", "LAST", "MESSAGE"], |l| {
                vec![
                    l.id.to_string(),
                    l.name.clone(),
                    super::session::duration(u64::from(l.interval_s)),
                    l.next_run_at.clone().unwrap_or_else(|| "disabled".into()),
                    last(l),
                    output::ellipsize(&l.message, 40),
                ]
            })
        }
        Command::Get { id } => {
            let l: Loop = c.get("get loop", &format!("/api/loops/{id}")).await?;
            env.print(&l, render)
        }
        Command::Set { id, every, name, message } => {
            if every.is_none() && name.is_none() && message.is_none() {
                bail!("nothing to change: give --every, --name or --message");
            }
            let body = UpdateLoop {
                interval_s: every.as_deref().map(interval_s).transpose()?,
                name: name.clone(),
                message: message.clone(),
                enabled: None,
            };
            let l: Loop = c.patch("change loop", &format!("/api/loops/{id}"), &body).await?;
            env.print(&l, render)
        }
        Command::Enable { id } | Command::Disable { id } => {
            let enabled = matches!(command, Command::Enable { .. });
            let body = UpdateLoop { enabled: Some(enabled), ..UpdateLoop::default() };
            let l: Loop = c.patch("change loop", &format!("/api/loops/{id}"), &body).await?;
            env.print(&l, render)
        }
        Command::Rm { id, yes } => {
            confirm(*yes, &format!("loop {id} (it runs no more)"))?;
            c.delete("delete loop", &format!("/api/loops/{id}")).await?;
            env.print(&serde_json::json!({"deleted": id}), |_| format!("Loop {id} deleted."))
        }
    }
}

/// How the last run went, in a word or two.
fn last(l: &Loop) -> String {
    match (l.last_outcome, l.last_run_at.as_deref()) {
        (Some(LoopOutcome::Ran), Some(at)) => format!("ran {at}"),
        (Some(LoopOutcome::Skipped), Some(at)) => format!("skipped {at}"),
        _ => "never".into(),
    }
}

/// A loop for people.
fn render(l: &Loop) -> String {
    let next = match &l.next_run_at {
        Some(at) => format!("next run {at}"),
        None => "disabled".into(),
    };
    let mut text = format!(
        "{} (S-{}): every {}, {next}\nruns {}, skips {}; last: {}",
        l.name,
        l.session_id,
        super::session::duration(u64::from(l.interval_s)),
        l.runs,
        l.skips,
        last(l)
    );
    if let (Some(LoopOutcome::Skipped), Some(why)) = (l.last_outcome, &l.last_reason) {
        text.push_str(&format!(" ({why})"));
    }
    text.push_str(&format!("\nmessage: {}", l.message));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Loop {
        Loop {
            id: 3,
            session_id: 4,
            name: "standup".into(),
            message: "Status?".into(),
            interval_s: 1800,
            enabled: true,
            next_run_at: Some("2026-12-02T10:00:00.000Z".into()),
            last_run_at: Some("2026-12-02T09:30:00.000Z".into()),
            last_outcome: Some(LoopOutcome::Skipped),
            last_reason: Some("W-2 is offline".into()),
            runs: 5,
            skips: 1,
            created_at: "2026-12-01T00:00:00.000Z".into(),
            updated_at: "2026-12-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn a_loop_shows_its_schedule_and_why_its_last_run_was_skipped() {
        let text = render(&sample());
        assert!(text.starts_with("standup (S-4): every 30 min, next run 2026-12-02T10:00:00.000Z"), "{text}");
        assert!(text.contains("runs 5, skips 1; last: skipped 2026-12-02T09:30:00.000Z (W-2 is offline)"), "{text}");
        let off = Loop { enabled: false, next_run_at: None, last_outcome: None, last_run_at: None, ..sample() };
        let text = render(&off);
        assert!(text.contains("every 30 min, disabled") && text.contains("last: never"), "{text}");
    }

    #[test]
    fn intervals_take_units_and_refuse_what_does_not_fit() {
        assert_eq!(interval_s("30m").unwrap(), 1800);
        assert_eq!(interval_s("90d").unwrap(), 7_776_000);
        assert!(interval_s("100000d").unwrap_err().to_string().contains("longer than 90 days"));
        assert!(interval_s("soon").is_err());
    }
}
