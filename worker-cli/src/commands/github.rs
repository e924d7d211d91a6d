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
        /// The project (name or id) [default: the one `baton use` chose]
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
        /// The project (name or id) [default: the one `baton use` chose]
        #[arg(long, short)]
        project: Option<String>,
    },
    /// Stop mirroring (mirrored requirements stay)
    Disconnect {
        /// The project (name or id) [default: the one `baton use` chose]
        #[arg(long, short)]
        project: Option<String>,
        /// Really stop mirroring (without it, nothing changes)
        #[arg(long)]
        yes: bool,
    },
    /// Mirror the existing open and recently closed issues now (idempotent)
    #[command(after_help = "Example:\n  GITHUB_TOKEN=... baton github sync --api-token-env GITHUB_TOKEN")]
    Sync {
        /// The project (name or id) [default: the one `baton use` chose]
        #[arg(long, short)]
        project: Option<String>,
        /// Store a GitHub token from this environment variable first
        #[arg(long, value_name = "VAR")]
        api_token_env: Option<String>,
    },
    /// A new webhook secret, for a lost or leaked one (the link and its requirements stay)
    #[command(after_help = "Example:\n  baton github rotate-secret --yes\n\n\
Deliveries signed with the old secret are refused from now on: paste the new one into the\n\
webhook on GitHub (Settings → Webhooks → Edit → Secret).")]
    RotateSecret {
        /// The project (name or id) [default: the one `baton use` chose]
        #[arg(long, short)]
        project: Option<String>,
        /// Really replace the secret: GitHub's deliveries fail until the new one is pasted
        /// (without it, nothing changes)
        #[arg(long)]
        yes: bool,
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
            if let Some(why) = unreachable_from_github(&created.link.webhook_url) {
                crate::output::note(&format!(
                    "baton: warning: GitHub cannot deliver to {} ({why}). Run the server where GitHub \
                     reaches it (a public host, or a tunnel such as cloudflared), set the server's \
                     BATON_PUBLIC_URL (wrangler.toml [vars]) to it, and connect again; until then \
                     `baton github sync` mirrors on demand.",
                    created.link.webhook_url
                ));
            }
            env.print(&created, |c| {
                format!(
                    "Linked {} to project {}.\n\nOn GitHub, add a webhook (Settings → Webhooks → Add webhook):\n  \
                     Payload URL   {}\n  Content type  application/json\n  Secret        {}\n  Events        Issues\n\n\
                     The secret is shown only now.",
                    c.link.repo, p.name, c.link.webhook_url, c.secret
                )
            })
        }
        Command::RotateSecret { project, yes } => {
            let link = link_of(env, project.as_deref()).await?;
            confirm(*yes, "the webhook secret (GitHub's deliveries fail until you paste the new one)")?;
            let rotated: GithubLinkCreated = env
                .client
                .post("rotate the secret", &format!("/api/github/links/{}/secret", link.id), &serde_json::json!({}))
                .await?;
            env.print(&rotated, |r| {
                format!(
                    "New secret for {}: {}\n\nPaste it into the webhook on GitHub (Settings → Webhooks → Edit → \
                     Secret). It is shown only now.",
                    r.link.repo, r.secret
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
            let progress = crate::progress::Progress::spinner(env.json, &format!("syncing {}", link.repo));
            loop {
                let step: SyncReport = env
                    .client
                    .post("sync", &format!("/api/github/links/{}/sync", link.id), &SyncRequest { cursor })
                    .await?;
                total.created += step.created;
                total.updated += step.updated;
                total.unchanged += step.unchanged;
                total.skipped += step.skipped;
                progress.set(&format!(
                    "syncing {}: {} issues so far ({} new, {} updated)",
                    link.repo,
                    total.created + total.updated + total.unchanged,
                    total.created,
                    total.updated
                ));
                match step.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            drop(progress);
            env.print(&total, |t| {
                format!(
                    "Synced {}: {} created, {} updated, {} unchanged, {} pull requests skipped.",
                    link.repo, t.created, t.updated, t.unchanged, t.skipped
                )
            })
        }
    }
}

/// Why GitHub's servers cannot reach a webhook URL, when that is plain from the URL itself:
/// a loopback, private or link-local address, or a name only this network resolves.
fn unreachable_from_github(url: &str) -> Option<&'static str> {
    use protocol::address::Internal;
    let parsed = reqwest::Url::parse(url).ok()?;
    Some(match protocol::address::internal_host(parsed.host_str()?)? {
        Internal::LoopbackName => "a loopback name",
        Internal::Loopback => "a loopback address",
        Internal::Private => "a private address",
        Internal::LocalName => "a name only this network resolves",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14: a webhook URL on 127.0.0.1 was printed as if GitHub could use it.
    #[test]
    fn webhook_urls_github_cannot_reach_are_named() {
        for (url, why) in [
            ("http://127.0.0.1:8787/api/github/webhook/3", Some("a loopback address")),
            ("http://localhost:8787/api/github/webhook/3", Some("a loopback name")),
            ("http://[::1]:8787/x", Some("a loopback address")),
            ("http://10.1.2.3/x", Some("a private address")),
            ("http://192.168.1.5/x", Some("a private address")),
            ("http://169.254.1.1/x", Some("a private address")),
            ("http://[fd00::1]/x", Some("a private address")),
            ("http://buildbox/x", Some("a name only this network resolves")),
            ("http://ci.local/x", Some("a name only this network resolves")),
            ("https://baton.example.com/api/github/webhook/3", None),
            ("https://8.8.8.8/x", None),
        ] {
            assert_eq!(unreachable_from_github(url), why, "{url}");
        }
    }
}
