//! `baton token create|ls|revoke`: your personal API tokens, optionally expiring; admins mint
//! a token for another person (`--user`, e.g. a second agent's identity), and admins (and you,
//! for yourself) can revoke every token of a person at once.

use anyhow::{bail, Result};
use protocol::api::{CreateToken, TokenCreated, TokenInfo, TokensRevoked};

use super::{confirm, Env};
use crate::resolve;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Mint a token; it is shown once, store it now
    #[command(after_help = "Example:\n  baton token create laptop\n  baton token create ci --expires-in-days 30\n  \
                      baton token create agent-key --workspace acme   # least privilege for an agent
  \
                      baton token create agent-2 --user agent-2 --workspace acme   # admins: for another person")]
    Create {
        name: String,
        /// The token stops working after this many days (1 to 3650) [default: never]
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_in_days: Option<u32>,
        /// The token reaches this workspace only (name or id), and never acts as an admin
        #[arg(long, value_name = "WORKSPACE")]
        workspace: Option<String>,
        /// Narrower still: this project only (name or id; its workspace follows)
        #[arg(long, value_name = "PROJECT")]
        project: Option<String>,
        /// Mint it for this person (username or id) instead of you: admins only
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
    },
    /// List your tokens (never their secrets)
    Ls,
    /// Revoke a token by id, or every token of a person (--all-of); anything using them stops working
    #[command(after_help = "Example:\n  baton token revoke 7 --yes\n  baton token revoke --all-of ada --yes")]
    Revoke {
        /// The token's id (see `baton token ls`)
        #[arg(required_unless_present = "all_of")]
        id: Option<i64>,
        /// Every API token of this person (username or id): admins, or yourself
        #[arg(long, value_name = "USER", conflicts_with = "id")]
        all_of: Option<String>,
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Create { name, expires_in_days, workspace, project, user } => {
            let workspace_id = match workspace {
                Some(w) => Some(resolve::workspace(&env.client, w).await?.id),
                None => None,
            };
            let project_id = match project {
                Some(p) => Some(resolve::project(&env.client, p, workspace.as_deref()).await?.id),
                None => None,
            };
            let body = CreateToken { name: name.clone(), expires_in_days: *expires_in_days, workspace_id, project_id };
            let t: TokenCreated = match user {
                Some(user) => {
                    let u = resolve::user(&env.client, user).await?;
                    let path = format!("/api/users/{}/tokens", u.id);
                    env.client.post(&format!("create a token for {}", u.username), &path, &body).await?
                }
                None => env.client.post("create token", "/api/tokens", &body).await?,
            };
            env.print(&t, |t| {
                let expiry = match &t.expires_at {
                    Some(at) => format!("; expires {at}"),
                    None => String::new(),
                };
                format!("{}\n(token {} \"{}\"{expiry}; shown only now)", t.token, t.id, t.name)
            })
        }
        Command::Ls => {
            let all: Vec<TokenInfo> = resolve::all_pages(&env.client, "list tokens", "/api/tokens").await?;
            env.print_table(&all, &["ID", "NAME", "CREATED", "LAST USED", "EXPIRES"], |t| {
                vec![
                    t.id.to_string(),
                    t.name.clone(),
                    t.created_at.clone(),
                    t.last_used_at.clone().unwrap_or_else(|| "never".into()),
                    t.expires_at.clone().unwrap_or_else(|| "never".into()),
                ]
            })
        }
        Command::Revoke { all_of: Some(user), yes, .. } => {
            confirm(*yes, &format!("every API token of {user}"))?;
            let u = resolve::user(&env.client, user).await?;
            let answer: TokensRevoked =
                env.client.delete_with("revoke the user's tokens", &format!("/api/users/{}/tokens", u.id)).await?;
            env.print(&answer, |a| {
                format!("Revoked {} API token(s) of {}: anything using them stops working.", a.revoked, u.username)
            })
        }
        Command::Revoke { id: Some(id), yes, .. } => {
            confirm(*yes, &format!("token {id}"))?;
            env.client.delete("revoke token", &format!("/api/tokens/{id}")).await?;
            env.print(&serde_json::json!({"revoked": id}), |_| format!("Revoked token {id}."))
        }
        Command::Revoke { .. } => bail!("say which token: its id (see `baton token ls`), or --all-of USER"),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command as Top};

    fn parse(args: &[&str]) -> Result<super::Command, clap::Error> {
        let cli = Cli::try_parse_from([&["baton", "token"], args].concat())?;
        match cli.command {
            Top::Token(command) => Ok(command),
            other => panic!("not a token command: {other:?}"),
        }
    }

    #[test]
    fn tokens_may_expire_and_a_persons_tokens_are_revoked_together() {
        assert!(matches!(
            parse(&["create", "ci", "--expires-in-days", "30"]).unwrap(),
            super::Command::Create { expires_in_days: Some(30), .. }
        ));
        assert!(parse(&["create", "ci", "--expires-in-days", "0"]).is_err());
        assert!(parse(&["create", "ci", "--expires-in-days", "3651"]).is_err());
        assert!(matches!(
            parse(&["create", "agent-2", "--user", "agent-2", "--workspace", "acme"]).unwrap(),
            super::Command::Create { user: Some(u), workspace: Some(w), .. } if u == "agent-2" && w == "acme"
        ));
        assert!(matches!(
            parse(&["revoke", "--all-of", "ada", "--yes"]).unwrap(),
            super::Command::Revoke { id: None, all_of: Some(u), yes: true } if u == "ada"
        ));
        assert!(matches!(parse(&["revoke", "7"]).unwrap(), super::Command::Revoke { id: Some(7), .. }));
        assert!(parse(&["revoke", "7", "--all-of", "ada"]).is_err());
        assert!(parse(&["revoke", "--yes"]).is_err());
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
