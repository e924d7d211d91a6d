//! `baton use PROJECT`: remembers the default project in the config file.

use anyhow::Result;
use serde_json::json;

use super::Env;
use crate::{config, resolve};

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  baton use web\n  baton use web --workspace acme\n\n\
A `.baton.json` file ({\"project\": \"web\"}) in a repository, or BATON_PROJECT, overrides it there.")]
pub struct Args {
    /// The project, by id or name
    pub project: String,
    /// The workspace, by id or name, when the project name is not unique
    #[arg(long, short)]
    pub workspace: Option<String>,
}

pub async fn run(args: &Args, env: &Env) -> Result<()> {
    let project = resolve::project(&env.client, &args.project, args.workspace.as_deref()).await?;
    let path = config::path()?;
    let mut file = config::load(&path)?;
    file.project = Some(project.id.to_string());
    config::save(&path, &file)?;
    env.print(&json!({"project": project}), |_| {
        format!("Using project {} (id {}) from now on.", project.name, project.id)
    })
}
