//! `baton login`: checks the server (its protocol version too) and the token, then saves them
//! to the config file.

use anyhow::Result;
use protocol::api::User;
use serde_json::json;

use super::Env;
use crate::{config, output};

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  baton login --url http://127.0.0.1:8787 --token btp_...")]
pub struct Args {}

pub async fn run(_args: &Args, env: &Env) -> Result<()> {
    let health = env.client.check_protocol().await?;
    let me: User = env.client.get("log in", "/api/auth/me").await?;
    let path = config::path()?;
    let mut file = config::load(&path)?;
    file.url = Some(env.settings.url.clone());
    file.token = env.settings.token.clone();
    config::save(&path, &file)?;
    if env.json {
        output::json(&json!({
            "url": env.settings.url,
            "user": me,
            "server_version": health.version,
            "config": path,
        }))?;
    } else {
        output::line(&format!(
            "Logged in to {} as {} ({:?}). Saved to {}.",
            env.settings.url,
            me.username,
            me.role,
            path.display()
        ))?;
    }
    Ok(())
}
