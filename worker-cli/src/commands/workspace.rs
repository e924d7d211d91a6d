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
    /// Your default workspace: where a baton you pass without one goes (`--clear`: the first
    /// one you joined)
    #[command(after_help = "Example:\n  baton workspace default acme\n  baton workspace default --clear")]
    Default {
        #[arg(required_unless_present = "clear")]
        workspace: Option<String>,
        #[arg(long, conflicts_with = "workspace")]
        clear: bool,
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
        Command::Default { workspace, clear: _ } => {
            let id = match workspace {
                Some(w) => Some(resolve::workspace(&env.client, w).await?.id),
                None => None,
            };
            let body = protocol::api::UpdateMe { default_workspace_id: Some(id) };
            let me: protocol::api::User = env.client.patch("set your default workspace", "/api/auth/me", &body).await?;
            env.print(&me, |me| match (me.default_workspace_id, workspace) {
                (Some(_), Some(w)) => format!("Batons you pass without a workspace go to {w}."),
                _ => "Batons you pass without a workspace go to the first one you joined.".to_owned(),
            })
        }
        Command::Rm { workspace, yes } => {
            confirm(*yes, &format!("workspace {workspace} with all its projects"))?;
            let w = resolve::workspace(&env.client, workspace).await?;
            env.client.delete("delete workspace", &format!("/api/workspaces/{}", w.id)).await?;
            env.print(&w, |w| format!("Deleted workspace {}.", w.name))
        }
    }
}
