//! `baton login`: checks the server and the token, then saves them to the config file.

use anyhow::{Context, Result};
use protocol::api::{Health, User};
use serde_json::json;

use super::Env;
use crate::{config, output};

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  baton login --url http://127.0.0.1:8787 --token btp_...")]
pub struct Args {}

pub async fn run(_args: &Args, env: &Env) -> Result<()> {
    let health: Health = env
        .client
        .send(env.client.request(reqwest::Method::GET, "/api/health")?)
        .await?
        .json()
        .await
        .with_context(|| format!("{} did not answer like a baton server", env.settings.url))?;
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
