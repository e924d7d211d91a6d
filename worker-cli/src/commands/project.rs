//! `baton project create|ls|get|rename|rm|watch|cost`.

use anyhow::{bail, Result};
use protocol::api::{Cost, CreateProject, Project, Rename, Workspace};
use protocol::event::EventBody;

use super::{confirm, Env};
use crate::watch::Follower;
use crate::{output, resolve};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a project in a workspace
    #[command(after_help = "Example:\n  baton project create web --workspace acme")]
    Create {
        name: String,
        /// The workspace, by id or name (optional when you see exactly one)
        #[arg(long, short)]
        workspace: Option<String>,
    },
    /// List the projects of a workspace
    Ls {
        /// The workspace, by id or name (optional when you see exactly one)
        #[arg(long, short)]
        workspace: Option<String>,
    },
    /// Show a project [default: see `baton use`]
    Get { project: Option<String> },
    /// Rename a project
    Rename { project: String, name: String },
    /// Delete a project with its requirements, tasks and sessions
    Rm {
        project: String,
        #[arg(long)]
        yes: bool,
    },
    /// Follow every change in a project live (requirements, tasks, comments, sessions)
    #[command(after_help = "Example:\n  baton project watch web\n  baton project watch --json | jq .")]
    Watch {
        /// The project [default: see `baton use`]
        project: Option<String>,
        /// Start after this sequence number (0: the whole history first)
        #[arg(long)]
        after: Option<u64>,
        /// Exit after this many changes
        #[arg(long)]
        count: Option<u64>,
    },
    /// What a project's agent turns cost: turns, tokens, dollars (as the agents report them)
    #[command(after_help = "Examples:\n  baton project cost\n  baton project cost web --since 2026-12-01\n  \
baton project cost --since 2026-12-01T09:00:00+01:00 --json")]
    Cost {
        /// The project [default: see `baton use`]
        project: Option<String>,
        /// Only turns from this day (midnight UTC) or RFC 3339 time on
        #[arg(long, value_name = "DATE", value_parser = since)]
        since: Option<String>,
    },
}

/// `--since` as the API wants it: a day (`2026-12-01`) becomes its midnight UTC; an RFC 3339
/// time passes as given.
pub fn since(given: &str) -> Result<String, String> {
    let is_day = |d: &[u8]| {
        d.len() == 10
            && d.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
    };
    let bytes = given.as_bytes();
    if is_day(bytes) {
        return Ok(format!("{given}T00:00:00Z"));
    }
    let zoned =
        given.ends_with('Z') || given.get(given.len().saturating_sub(6)..).is_some_and(|z| z.starts_with(['+', '-']));
    if bytes.len() >= 20 && is_day(&bytes[..10]) && bytes[10] == b'T' && zoned {
        return Ok(given.to_owned());
    }
    Err(format!("{given:?} is not a day or a time: give 2026-12-01, or 2026-12-01T09:00:00Z"))
}

async fn cost(env: &Env, project: Option<&str>, since: Option<&str>) -> Result<()> {
    let p = env.project(project, None).await?;
    let query = since.map(|s| format!("?since={}", super::encode(s))).unwrap_or_default();
    let c: Cost = env.client.get("read the project's cost", &format!("/api/projects/{}/cost{query}", p.id)).await?;
    env.print(&c, |c| {
        let from = since.map(|s| format!(" since {s}")).unwrap_or_default();
        format!("{}{from}: {}", p.name, super::cost_line(c))
    })
}

async fn pick_workspace(env: &Env, given: Option<&str>) -> Result<Workspace> {
    if let Some(given) = given {
        return resolve::workspace(&env.client, given).await;
    }
    let mut all: Vec<Workspace> = resolve::all_pages(&env.client, "list workspaces", "/api/workspaces").await?;
    match all.len() {
        1 => Ok(all.remove(0)),
        0 => bail!("you see no workspace yet: create one with `baton workspace create NAME`"),
        _ => bail!("you see several workspaces: choose one with --workspace (see `baton workspace ls`)"),
    }
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Cost { project, since } => cost(env, project.as_deref(), since.as_deref()).await,
        Command::Create { name, workspace } => {
            let w = pick_workspace(env, workspace.as_deref()).await?;
            let body = CreateProject { workspace_id: w.id, name: name.clone() };
            let p: Project = env.client.post("create project", "/api/projects", &body).await?;
            env.print(&p, |p| format!("Created project {} (id {}) in workspace {}.", p.name, p.id, w.name))
        }
        Command::Ls { workspace } => {
            let w = pick_workspace(env, workspace.as_deref()).await?;
            let path = format!("/api/workspaces/{}/projects", w.id);
            let all: Vec<Project> = resolve::all_pages(&env.client, "list projects", &path).await?;
            env.print_table(&all, &["ID", "NAME", "WORKSPACE", "CREATED"], |p| {
                vec![p.id.to_string(), p.name.clone(), w.name.clone(), p.created_at.clone()]
            })
        }
        Command::Get { project } => {
            let p = env.project(project.as_deref(), None).await?;
            env.print(&p, |p| {
                format!("{} (id {}) in workspace {}, created {}", p.name, p.id, p.workspace_id, p.created_at)
            })
        }
        Command::Rename { project, name } => {
            let p = env.project(Some(project), None).await?;
            let renamed: Project = env
                .client
                .patch("rename project", &format!("/api/projects/{}", p.id), &Rename { name: name.clone() })
                .await?;
            env.print(&renamed, |r| format!("Renamed project {} to {}.", p.name, r.name))
        }
        Command::Rm { project, yes } => {
            // Looked up first: a project that does not exist says so before asking for --yes.
            let p = env.project(Some(project), None).await?;
            confirm(*yes, &format!("project {} with its requirements, tasks and sessions", p.name))?;
            env.client.delete("delete project", &format!("/api/projects/{}", p.id)).await?;
            env.print(&p, |p| format!("Deleted project {}.", p.name))
        }
        Command::Watch { project, after, count } => {
            let p = env.project(project.as_deref(), None).await?;
            let start = match after {
                Some(after) => *after,
                None => {
                    let page: protocol::event::EventPage =
                        env.client.get("read changes", &format!("/api/projects/{}/events?limit=1", p.id)).await?;
                    page.last_seq
                }
            };
            if !env.json {
                output::note(&format!("baton: watching {} (Ctrl-C to stop)", p.name));
            }
            let mut follower = Follower::new(env.client.clone(), format!("/api/projects/{}/stream", p.id), start);
            let mut printed = 0u64;
            while count.is_none_or(|c| printed < c) {
                let received = follower.next().await?;
                if env.json {
                    output::raw_line(&received.raw)?;
                } else if let Some(line) = change_line(&received.event.body) {
                    output::line(&format!("#{} {line}", received.event.seq))?;
                }
                printed += 1;
            }
            Ok(())
        }
    }
}

/// A change in one line: `task T-3 updated: in_progress (R-1)`, `comment 7 created on T-3`.
/// Handles print as the API spells them; ids only where there is no handle.
fn change_line(body: &EventBody) -> Option<String> {
    let EventBody::Change { entity, action, id, handle, requirement, task, session, status } = body else {
        return None;
    };
    let lower = |v: String| v.to_lowercase();
    let mut line = format!(
        "{} {} {}",
        lower(format!("{entity:?}")),
        handle.clone().unwrap_or_else(|| id.to_string()),
        lower(format!("{action:?}"))
    );
    if let Some(status) = status {
        line.push_str(&format!(": {status}"));
    }
    if let Some(parent) = task {
        line.push_str(&format!(" on {parent}"));
    }
    if let Some(parent) = session.as_ref().or(requirement.as_ref()) {
        line.push_str(&format!(" in {parent}"));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 14): handles printed as `t-3`, and a comment's line named its task as
    /// if it were the comment.
    #[test]
    fn a_change_reads_with_its_handles_parent_and_status() {
        let line = |json: &str| change_line(&serde_json::from_str(json).unwrap()).unwrap();
        assert_eq!(
            line(
                r#"{"type":"change","entity":"task","action":"updated","id":4,"handle":"T-3","requirement":"R-1","status":"in_progress"}"#
            ),
            "task T-3 updated: in_progress in R-1"
        );
        assert_eq!(
            line(r#"{"type":"change","entity":"comment","action":"created","id":7,"task":"T-3"}"#),
            "comment 7 created on T-3"
        );
        assert_eq!(
            line(r#"{"type":"change","entity":"input","action":"created","id":2,"session":"S-4"}"#),
            "input 2 created in S-4"
        );
        assert_eq!(
            line(r#"{"type":"change","entity":"worker","action":"deleted","id":2,"handle":"W-2"}"#),
            "worker W-2 deleted"
        );
    }

    #[test]
    fn since_takes_a_day_as_midnight_utc_or_a_zoned_time() {
        assert_eq!(since("2026-12-01").unwrap(), "2026-12-01T00:00:00Z");
        assert_eq!(since("2026-12-01T09:00:00Z").unwrap(), "2026-12-01T09:00:00Z");
        assert_eq!(since("2026-12-01T09:00:00+01:00").unwrap(), "2026-12-01T09:00:00+01:00");
        assert!(since("2026-12-01T09:00:00").is_err(), "a time without its zone is ambiguous");
        assert!(since("yesterday").unwrap_err().contains("2026-12-01"));
        assert!(since("12/01/2026").is_err());
    }
}
