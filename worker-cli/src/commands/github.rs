//! `baton github connect|ls|disconnect|sync`: mirror a GitHub repository's issues into the
//! project's requirements.

use anyhow::{bail, Context, Result};
use protocol::api::Page;
use protocol::github::{ConnectGithub, GithubLink, GithubLinkCreated, SyncReport, SyncRequest, UpdateGithubLink};

use super::{confirm, Env};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Link a repository to the project; prints the webhook URL and secret to paste into GitHub
    #[command(after_help = "Example:\n  baton github connect --repo acme/web\n\n\
Then on GitHub: Settings → Webhooks → Add webhook: the printed payload URL, content type\n\
application/json, the printed secret, events \"Issues\" (ping is always sent).")]
    Connect {
        /// owner/name
        #[arg(long)]
        repo: String,
        #[arg(long, short)]
        project: Option<String>,
        /// Mirror pull requests too
        #[arg(long)]
        pull_requests: bool,
        /// Read a GitHub token for backfill from this environment variable (stored sealed)
        #[arg(long, value_name = "VAR")]
        api_token_env: Option<String>,
    },
    /// Show the project's repository link
    Ls {
        #[arg(long, short)]
        project: Option<String>,
    },
    /// Stop mirroring (mirrored requirements stay)
    Disconnect {
        #[arg(long, short)]
        project: Option<String>,
        #[arg(long)]
        yes: bool,
    },
    /// Mirror the existing open and recently closed issues now (idempotent)
    #[command(after_help = "Example:\n  GITHUB_TOKEN=... baton github sync --api-token-env GITHUB_TOKEN")]
    Sync {
        #[arg(long, short)]
        project: Option<String>,
        /// Store a GitHub token from this environment variable first
        #[arg(long, value_name = "VAR")]
        api_token_env: Option<String>,
    },
}

fn token_from(var: Option<&str>) -> Result<Option<String>> {
    match var {
        None => Ok(None),
        Some(var) => std::env::var(var).map(Some).with_context(|| format!("the environment variable {var} is not set")),
    }
}

async fn link_of(env: &Env, project: Option<&str>) -> Result<GithubLink> {
    let p = env.project(project, None).await?;
    let links: Page<GithubLink> =
        env.client.get("list GitHub links", &format!("/api/projects/{}/github", p.id)).await?;
    match links.items.into_iter().next() {
        Some(link) => Ok(link),
        None => bail!("project {} is not linked to a repository: run `baton github connect --repo OWNER/NAME`", p.name),
    }
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Connect { repo, project, pull_requests, api_token_env } => {
            let p = env.project(project.as_deref(), None).await?;
            let body = ConnectGithub {
                repo: repo.clone(),
                include_pull_requests: Some(*pull_requests),
                api_token: token_from(api_token_env.as_deref())?,
            };
            let created: GithubLinkCreated =
                env.client.post("connect repository", &format!("/api/projects/{}/github", p.id), &body).await?;
            env.print(&created, |c| {
                format!(
                    "Linked {} to project {}.\n\nOn GitHub, add a webhook (Settings → Webhooks → Add webhook):\n  \
                     Payload URL   {}\n  Content type  application/json\n  Secret        {}\n  Events        Issues\n\n\
                     The secret is shown only now.",
                    c.link.repo, p.name, c.link.webhook_url, c.secret
                )
            })
        }
        Command::Ls { project } => {
            let link = link_of(env, project.as_deref()).await?;
            env.print(&link, |l| {
                format!(
                    "{} → {}\n  pull requests mirrored: {}\n  API token stored: {}",
                    l.repo, l.webhook_url, l.include_pull_requests, l.has_api_token
                )
            })
        }
        Command::Disconnect { project, yes } => {
            confirm(*yes, "the repository link (mirrored requirements stay)")?;
            let link = link_of(env, project.as_deref()).await?;
            env.client.delete("disconnect", &format!("/api/github/links/{}", link.id)).await?;
            env.print(&link, |l| format!("Disconnected {}.", l.repo))
        }
        Command::Sync { project, api_token_env } => {
            let link = link_of(env, project.as_deref()).await?;
            if let Some(token) = token_from(api_token_env.as_deref())? {
                let patch = UpdateGithubLink { api_token: Some(token), include_pull_requests: None };
                let _: GithubLink =
                    env.client.patch("store token", &format!("/api/github/links/{}", link.id), &patch).await?;
            }
            let mut total = SyncReport::default();
            let mut cursor = None;
            loop {
                let step: SyncReport = env
                    .client
                    .post("sync", &format!("/api/github/links/{}/sync", link.id), &SyncRequest { cursor })
                    .await?;
                total.created += step.created;
                total.updated += step.updated;
                total.unchanged += step.unchanged;
                total.skipped += step.skipped;
                if !env.json {
                    crate::output::note(&format!(
                        "baton: {} issues so far ({} new, {} updated)",
                        total.created + total.updated + total.unchanged,
                        total.created,
                        total.updated
                    ));
                }
                match step.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            env.print(&total, |t| {
                format!(
                    "Synced {}: {} created, {} updated, {} unchanged, {} pull requests skipped.",
                    link.repo, t.created, t.updated, t.unchanged, t.skipped
                )
            })
        }
    }
}
