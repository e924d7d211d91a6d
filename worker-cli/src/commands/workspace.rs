//! `baton workspace create|ls|get|rename|rm`.

use anyhow::Result;
use protocol::api::{CreateWorkspace, Rename, Workspace};

use super::{confirm, Env};
use crate::resolve;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a workspace (admins only); you become its member
    #[command(after_help = "Example:\n  baton workspace create acme")]
    Create { name: String },
    /// List the workspaces you can see
    Ls,
    /// Show one workspace
    Get { workspace: String },
    /// Rename a workspace (admins)
    Rename { workspace: String, name: String },
    /// Delete a workspace with everything in it (admins)
    Rm {
        workspace: String,
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Create { name } => {
            let w: Workspace =
                env.client.post("create workspace", "/api/workspaces", &CreateWorkspace { name: name.clone() }).await?;
            env.print(&w, |w| format!("Created workspace {} (id {}).", w.name, w.id))
        }
        Command::Ls => {
            let all: Vec<Workspace> = resolve::all_pages(&env.client, "list workspaces", "/api/workspaces").await?;
            env.print_table(&all, &["ID", "NAME", "CREATED"], |w| {
                vec![w.id.to_string(), w.name.clone(), w.created_at.clone()]
            })
        }
        Command::Get { workspace } => {
            let w = resolve::workspace(&env.client, workspace).await?;
            env.print(&w, |w| format!("{} (id {}), created {}", w.name, w.id, w.created_at))
        }
        Command::Rename { workspace, name } => {
            let w = resolve::workspace(&env.client, workspace).await?;
            let renamed: Workspace = env
                .client
                .patch("rename workspace", &format!("/api/workspaces/{}", w.id), &Rename { name: name.clone() })
                .await?;
            env.print(&renamed, |r| format!("Renamed workspace {} to {}.", w.name, r.name))
        }
        Command::Rm { workspace, yes } => {
            confirm(*yes, &format!("workspace {workspace} with all its projects"))?;
            let w = resolve::workspace(&env.client, workspace).await?;
            env.client.delete("delete workspace", &format!("/api/workspaces/{}", w.id)).await?;
            env.print(&w, |w| format!("Deleted workspace {}.", w.name))
        }
    }
}
