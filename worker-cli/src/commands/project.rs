//! `baton project create|ls`.

use anyhow::{bail, Result};
use protocol::api::{CreateProject, Project, Workspace};

use super::Env;
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
}

async fn pick_workspace(env: &Env, given: Option<&str>) -> Result<Workspace> {
    if let Some(given) = given {
        return resolve::workspace(&env.client, given).await;
    }
    let mut all: Vec<Workspace> =
        resolve::all_pages(&env.client, "list workspaces", "/api/workspaces").await?;
    match all.len() {
        1 => Ok(all.remove(0)),
        0 => bail!("you see no workspace yet: create one with `baton workspace create NAME`"),
        _ => bail!(
            "you see several workspaces: choose one with --workspace (see `baton workspace ls`)"
        ),
    }
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Create { name, workspace } => {
            let w = pick_workspace(env, workspace.as_deref()).await?;
            let body = CreateProject {
                workspace_id: w.id,
                name: name.clone(),
            };
            let p: Project = env
                .client
                .post("create project", "/api/projects", &body)
                .await?;
            if env.json {
                output::json(&p)?;
            } else {
                output::line(&format!(
                    "Created project {} (id {}) in workspace {}.",
                    p.name, p.id, w.name
                ))?;
            }
        }
        Command::Ls { workspace } => {
            let w = pick_workspace(env, workspace.as_deref()).await?;
            let path = format!("/api/workspaces/{}/projects", w.id);
            let all: Vec<Project> = resolve::all_pages(&env.client, "list projects", &path).await?;
            if env.json {
                output::json(&all)?;
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|p| {
                        vec![
                            p.id.to_string(),
                            p.name.clone(),
                            w.name.clone(),
                            p.created_at.clone(),
                        ]
                    })
                    .collect();
                output::table(&["ID", "NAME", "WORKSPACE", "CREATED"], &rows)?;
            }
        }
    }
    Ok(())
}
