//! `baton member add|rm|ls` of a workspace.

use anyhow::{anyhow, Result};
use protocol::api::{AddMember, Member};

use super::{confirm, Env};
use crate::resolve;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a person to a workspace (admins)
    #[command(after_help = "Example:\n  baton member add ada --workspace acme")]
    Add {
        /// The person (their username)
        username: String,
        /// The workspace (name or id)
        #[arg(long, short)]
        workspace: String,
    },
    /// Remove a person from a workspace (admins); they lose access at once
    Rm {
        /// The person (their username)
        username: String,
        /// The workspace (name or id)
        #[arg(long, short)]
        workspace: String,
        /// Really remove them (without it, nothing changes)
        #[arg(long)]
        yes: bool,
    },
    /// List a workspace's members
    Ls {
        /// The workspace (name or id)
        #[arg(long, short)]
        workspace: String,
    },
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Add { username, workspace } => {
            let w = resolve::workspace(&env.client, workspace).await?;
            let m: Member = env
                .client
                .post(
                    "add member",
                    &format!("/api/workspaces/{}/members", w.id),
                    &AddMember { username: username.clone() },
                )
                .await?;
            env.print(&m, |m| format!("{} is now a member of {}.", m.username, w.name))
        }
        Command::Rm { username, workspace, yes } => {
            confirm(*yes, &format!("{username}'s membership of {workspace}"))?;
            let w = resolve::workspace(&env.client, workspace).await?;
            let path = format!("/api/workspaces/{}/members", w.id);
            let members: Vec<Member> = resolve::all_pages(&env.client, "list members", &path).await?;
            let member = members.iter().find(|m| m.username.eq_ignore_ascii_case(username)).ok_or_else(|| {
                anyhow!("{username} is not a member of {}: see `baton member ls -w {}`", w.name, w.name)
            })?;
            env.client.delete("remove member", &format!("{path}/{}", member.user_id)).await?;
            env.print(member, |m| format!("{} is no longer a member of {}.", m.username, w.name))
        }
        Command::Ls { workspace } => {
            let w = resolve::workspace(&env.client, workspace).await?;
            let all: Vec<Member> =
                resolve::all_pages(&env.client, "list members", &format!("/api/workspaces/{}/members", w.id)).await?;
            env.print_table(&all, &["USER", "USERNAME", "ADDED"], |m| {
                vec![m.user_id.to_string(), m.username.clone(), m.added_at.clone()]
            })
        }
    }
}
