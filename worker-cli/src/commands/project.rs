//! `baton project create|ls|get|rename|rm|watch`.

use anyhow::{bail, Result};
use protocol::api::{CreateProject, Project, Rename, Workspace};
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
            confirm(*yes, &format!("project {project} with its requirements, tasks and sessions"))?;
            let p = env.project(Some(project), None).await?;
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
                } else if let EventBody::Change { entity, action, id, handle } = &received.event.body {
                    let what = handle.clone().unwrap_or_else(|| id.to_string());
                    output::line(&format!("#{} {:?} {what} {:?}", received.event.seq, entity, action).to_lowercase())?;
                }
                printed += 1;
            }
            Ok(())
        }
    }
}
