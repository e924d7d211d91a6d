//! `baton token create|ls|revoke`: your personal API tokens.

use anyhow::Result;
use protocol::api::{CreateToken, TokenCreated, TokenInfo};

use super::{confirm, Env};
use crate::{output, resolve};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Mint a token; it is shown once, store it now
    #[command(after_help = "Example:\n  baton token create laptop")]
    Create { name: String },
    /// List your tokens (never their secrets)
    Ls,
    /// Revoke a token by id; anything using it stops working
    Revoke {
        id: i64,
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Create { name } => {
            let t: TokenCreated = env
                .client
                .post("create token", "/api/tokens", &CreateToken { name: name.clone(), expires_in_days: None })
                .await?;
            env.print(&t, |t| format!("{}\n(token {} \"{}\"; shown only now)", t.token, t.id, t.name))
        }
        Command::Ls => {
            let all: Vec<TokenInfo> = resolve::all_pages(&env.client, "list tokens", "/api/tokens").await?;
            if env.json {
                return Ok(output::json(&all)?);
            }
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|t| {
                    vec![
                        t.id.to_string(),
                        t.name.clone(),
                        t.created_at.clone(),
                        t.last_used_at.clone().unwrap_or_else(|| "never".into()),
                    ]
                })
                .collect();
            Ok(output::table(&["ID", "NAME", "CREATED", "LAST USED"], &rows)?)
        }
        Command::Revoke { id, yes } => {
            confirm(*yes, &format!("token {id}"))?;
            env.client.delete("revoke token", &format!("/api/tokens/{id}")).await?;
            env.print(&serde_json::json!({"revoked": id}), |_| format!("Revoked token {id}."))
        }
    }
}
