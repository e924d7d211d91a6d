//! `baton bridge`: a DingTalk or Feishu bot of a project, whose chats become sessions on one of
//! its workers. Secrets are read from environment variables (never from the command line,
//! where other users of the machine could see them) and stored sealed; no command shows them.

use anyhow::{bail, Context, Result};
use protocol::bridge::{Bridge, CreateBridge, Platform, UpdateBridge};

use super::{confirm, Env};
use crate::resolve;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Connect a chat bot to the project: prints the callback URL to paste into its console
    #[command(after_help = "Examples:\n  \
DINGTALK_SECRET=... baton bridge add dingtalk --worker W-2 --app-key dingxxxx --app-secret-env DINGTALK_SECRET\n  \
FEISHU_SECRET=... FEISHU_TOKEN=... FEISHU_KEY=... baton bridge add feishu --worker W-2 --app-key cli_xxxx \\\n    \
--app-secret-env FEISHU_SECRET --verification-token-env FEISHU_TOKEN --encrypt-key-env FEISHU_KEY")]
    Add {
        /// dingtalk or feishu
        #[arg(value_parser = platform_parser())]
        platform: Platform,
        /// The worker whose agent answers (W-N or its number)
        #[arg(long)]
        worker: String,
        /// DingTalk: the AppKey (robot code); Feishu: the App ID
        #[arg(long)]
        app_key: String,
        /// Read the app secret from this environment variable
        #[arg(long, value_name = "VAR")]
        app_secret_env: String,
        /// Feishu: read the event subscription's verification token from this variable
        #[arg(long, value_name = "VAR")]
        verification_token_env: Option<String>,
        /// Feishu: read the encrypt key from this variable (when the app encrypts events)
        #[arg(long, value_name = "VAR")]
        encrypt_key_env: Option<String>,
        /// A name for it [default: the platform's]
        #[arg(long)]
        name: Option<String>,
        /// The template a chat message goes into ({sender}, {chat}, {text})
        #[arg(long)]
        prompt: Option<String>,
        /// The project (name or id) [default: the one `baton use` chose]
        #[arg(long, short)]
        project: Option<String>,
    },
    /// The project's bridges
    Ls {
        /// The project (name or id) [default: the one `baton use` chose]
        #[arg(long, short)]
        project: Option<String>,
    },
    /// Show a bridge and its callback URL
    Get { id: i64 },
    /// Change a bridge (its worker, name, prompt, or a credential from a variable)
    Set {
        id: i64,
        #[arg(long)]
        worker: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// A new template ('' for the default)
        #[arg(long)]
        prompt: Option<String>,
        #[arg(long)]
        app_key: Option<String>,
        #[arg(long, value_name = "VAR")]
        app_secret_env: Option<String>,
        #[arg(long, value_name = "VAR")]
        verification_token_env: Option<String>,
        /// A new encrypt key from this variable (an empty variable: events no longer encrypted)
        #[arg(long, value_name = "VAR")]
        encrypt_key_env: Option<String>,
    },
    /// Delete a bridge: its callback stops working (its sessions stay)
    Rm {
        id: i64,
        /// Really delete it
        #[arg(long)]
        yes: bool,
    },
}

fn platform_parser() -> impl clap::builder::TypedValueParser<Value = Platform> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Platform::ALL.map(Platform::as_str))
        .map(|name| Platform::parse(&name).unwrap_or(Platform::Dingtalk))
}

/// The value of environment variable `var`.
fn from_env(var: &str) -> Result<String> {
    std::env::var(var).with_context(|| format!("the environment variable {var} is not set"))
}

fn optional_env(var: Option<&str>) -> Result<Option<String>> {
    var.map(from_env).transpose()
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    let c = &env.client;
    match command {
        Command::Add {
            platform,
            worker,
            app_key,
            app_secret_env,
            verification_token_env,
            encrypt_key_env,
            name,
            prompt,
            project,
        } => {
            if *platform == Platform::Feishu && verification_token_env.is_none() {
                bail!("Feishu needs --verification-token-env VAR (the event subscription's verification token)");
            }
            let p = env.project(project.as_deref(), None).await?;
            let body = CreateBridge {
                platform: *platform,
                worker_id: resolve::worker_id(worker)?,
                name: name.clone(),
                app_key: app_key.clone(),
                app_secret: from_env(app_secret_env)?,
                verification_token: optional_env(verification_token_env.as_deref())?,
                encrypt_key: optional_env(encrypt_key_env.as_deref())?,
                prompt: prompt.clone(),
            };
            let made: Bridge = c.post("add bridge", &format!("/api/projects/{}/bridges", p.id), &body).await?;
            env.print(&made, |b| format!("Bridge {} made.\n{}", b.id, render(b)))
        }
        Command::Ls { project } => {
            let p = env.project(project.as_deref(), None).await?;
            let all: Vec<Bridge> =
                resolve::all_pages(c, "list bridges", &format!("/api/projects/{}/bridges", p.id)).await?;
            env.print_table(&all, &["ID", "PLATFORM", "NAME", "WORKER", "CALLBACK URL"], |b| {
                vec![
                    b.id.to_string(),
                    b.platform.as_str().into(),
                    b.name.clone(),
                    b.worker_id.map_or("none".into(), |w| format!("W-{w}")),
                    b.callback_url.clone(),
                ]
            })
        }
        Command::Get { id } => {
            let b: Bridge = c.get("get bridge", &format!("/api/bridges/{id}")).await?;
            env.print(&b, render)
        }
        Command::Set { id, worker, name, prompt, app_key, app_secret_env, verification_token_env, encrypt_key_env } => {
            let body = UpdateBridge {
                worker_id: worker.as_deref().map(resolve::worker_id).transpose()?,
                name: name.clone(),
                app_key: app_key.clone(),
                app_secret: optional_env(app_secret_env.as_deref())?,
                verification_token: optional_env(verification_token_env.as_deref())?,
                encrypt_key: optional_env(encrypt_key_env.as_deref())?,
                prompt: prompt.clone(),
            };
            if body == UpdateBridge::default() {
                bail!("nothing to change: give --worker, --name, --prompt, --app-key or a credential's variable");
            }
            let b: Bridge = c.patch("change bridge", &format!("/api/bridges/{id}"), &body).await?;
            env.print(&b, render)
        }
        Command::Rm { id, yes } => {
            confirm(*yes, &format!("bridge {id} (its callback stops working)"))?;
            c.delete("delete bridge", &format!("/api/bridges/{id}")).await?;
            env.print(&serde_json::json!({"deleted": id}), |_| format!("Bridge {id} deleted."))
        }
    }
}

/// A bridge for people: where to paste what.
fn render(b: &Bridge) -> String {
    format!(
        "{} ({}, app {}), answered by {}\ncallback URL: {}\nsetup steps: {}\nprompt: {}",
        b.name,
        b.platform.as_str(),
        b.app_key,
        b.worker_id.map_or("no worker".into(), |w| format!("W-{w}")),
        b.callback_url,
        b.help_url,
        b.prompt.replace('\n', "\\n"),
    )
}
