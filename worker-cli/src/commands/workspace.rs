//! `baton workspace create|ls`.

use anyhow::Result;
use protocol::api::{CreateWorkspace, Workspace};

use super::Env;
use crate::{output, resolve};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a workspace (admins only); you become its member
    #[command(after_help = "Example:\n  baton workspace create acme")]
    Create { name: String },
    /// List the workspaces you can see
    Ls,
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Create { name } => {
            let w: Workspace = env
                .client
                .post(
                    "create workspace",
                    "/api/workspaces",
                    &CreateWorkspace { name: name.clone() },
                )
                .await?;
            if env.json {
                output::json(&w)?;
            } else {
                output::line(&format!("Created workspace {} (id {}).", w.name, w.id))?;
            }
        }
        Command::Ls => {
            let all: Vec<Workspace> =
                resolve::all_pages(&env.client, "list workspaces", "/api/workspaces").await?;
            if env.json {
                output::json(&all)?;
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|w| vec![w.id.to_string(), w.name.clone(), w.created_at.clone()])
                    .collect();
                output::table(&["ID", "NAME", "CREATED"], &rows)?;
            }
        }
    }
    Ok(())
}
