//! `baton user add|ls` (admins).

use anyhow::{bail, Result};
use protocol::api::{CreateUser, Role, User};

use super::Env;
use crate::{output, resolve};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a person; the password is read from BATON_NEW_PASSWORD or stdin, never argv
    #[command(
        after_help = "Example:\n  printf '%s' \"$PASSWORD\" | baton user add ada\n  BATON_NEW_PASSWORD=... baton user add ada --admin"
    )]
    Add {
        username: String,
        /// Make them an admin
        #[arg(long)]
        admin: bool,
    },
    /// List people
    Ls,
}

fn new_password() -> Result<String> {
    if let Ok(p) = std::env::var("BATON_NEW_PASSWORD") {
        return Ok(p);
    }
    let text = std::io::read_to_string(std::io::stdin())?;
    let password = text.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("no password: pipe it on stdin or set BATON_NEW_PASSWORD (it never goes on the command line)");
    }
    Ok(password)
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Add { username, admin } => {
            let body = CreateUser {
                username: username.clone(),
                password: new_password()?,
                role: if *admin { Role::Admin } else { Role::Member },
            };
            let user: User = env.client.post("add user", "/api/users", &body).await?;
            env.print(&user, |u| format!("Added {} ({:?}, id {}).", u.username, u.role, u.id))
        }
        Command::Ls => {
            let all: Vec<User> = resolve::all_pages(&env.client, "list users", "/api/users").await?;
            if env.json {
                return Ok(output::json(&all)?);
            }
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|u| {
                    vec![
                        u.id.to_string(),
                        u.username.clone(),
                        format!("{:?}", u.role).to_lowercase(),
                        u.created_at.clone(),
                    ]
                })
                .collect();
            Ok(output::table(&["ID", "USERNAME", "ROLE", "CREATED"], &rows)?)
        }
    }
}
