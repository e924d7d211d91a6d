//! The command line, declared with clap. Each subcommand's arguments live with its code in
//! [`crate::commands`].

use clap::{Parser, Subcommand};

use crate::commands::{login, project, session, workspace};

const EXAMPLES: &str = "\
Getting started:
  make dev                                   # in the baton repo: prints a URL and a token
  baton login --url http://127.0.0.1:8787 --token btp_...
  baton workspace create acme
  baton project create web --workspace acme
  baton session create --project web --name first
  baton session send S-1 'fix the failing test'
  baton session watch S-1

Exit codes: 0 success, 1 the command failed (the message says why and what to do), 2 usage error.";

/// baton: hand work to your coding agents, from anywhere.
#[derive(Debug, Parser)]
#[command(name = "baton", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// The baton server [env: BATON_URL] [default: from `baton login`, else http://127.0.0.1:8787]
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// API token [env: BATON_TOKEN] [default: from `baton login`]
    #[arg(long, global = true, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Print JSON to stdout instead of tables and text, for scripts
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a server and token and remember them for the next commands
    Login(login::Args),
    /// Create and list workspaces
    #[command(subcommand)]
    Workspace(workspace::Command),
    /// Create and list projects
    #[command(subcommand)]
    Project(project::Command),
    /// Create sessions, send them messages, read and watch their transcripts
    #[command(subcommand)]
    Session(session::Command),
}
