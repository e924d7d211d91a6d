//! The command line, declared with clap. Each subcommand's arguments live with its code in
//! [`crate::commands`].

use clap::{Parser, Subcommand};

use crate::commands::{
    bridge, channel, delegate, github, handoff, inbox, login, loops, mcp, member, project, relay, requirement, session,
    task, token, use_project, user, worker, workspace,
};

const EXAMPLES: &str = "\
Getting started:
  make dev                                   # in the baton repo: prints a URL and a token
  baton login --url http://127.0.0.1:8787 --token btp_...
  baton workspace create acme
  baton project create web --workspace acme
  baton use web                              # the default project from now on
  baton requirement create 'Sign-in with SSO'
  baton task create --requirement R-1 'Add the OAuth callback'
  baton task create --requirement R-1 'Document it' --depends-on T-1
  baton task ls --ready
  baton project watch                        # follow every change live
  baton session create --name first
  baton session send S-1 'fix the failing test'
  baton session watch S-1
  baton delegate W-1 --wait 'list the failing tests'   # a new session; prints the answer
  baton inbox                                # what agents ask you; then: baton answer S-2 ID allow
  baton pass --task 'review PR 12' --to W-1  # hand work on; prints the pickup URL
  baton catch bt_... && baton done bt_... --output '{\"ok\":true}'

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

    /// Allow plain http:// to a server that is not on this machine (the token travels
    /// readable) [env: BATON_INSECURE=1]
    #[arg(long, global = true)]
    pub insecure: bool,

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
    /// Set the default project for the commands that need one
    Use(use_project::Args),
    /// Plan what a project must achieve: requirements (R-N)
    #[command(subcommand, visible_alias = "req")]
    Requirement(requirement::Command),
    /// The work under a requirement: tasks (T-N) with dependencies, statuses and comments
    #[command(subcommand)]
    Task(task::Command),
    /// People (admins add them)
    #[command(subcommand)]
    User(user::Command),
    /// Who belongs to a workspace (admins add and remove)
    #[command(subcommand)]
    Member(member::Command),
    /// Personal API tokens
    #[command(subcommand)]
    Token(token::Command),
    /// This machine as a worker: register it, run the daemon that serves sessions
    #[command(subcommand)]
    Worker(worker::Command),
    /// Mirror a GitHub repository's issues into requirements
    #[command(subcommand)]
    Github(github::Command),
    /// Hand work to the next agent: pass a baton (task, context, output); prints its pickup URL
    Pass(handoff::PassArgs),
    /// Take a lease on a baton (id or pickup URL); one catcher at a time
    Catch(handoff::CatchArgs),
    /// Finish the baton you caught, with your result
    Done(handoff::DoneArgs),
    /// Give up the baton you caught, saying why
    Fail(handoff::FailArgs),
    /// Extend the lease on the baton you caught
    Heartbeat(handoff::HeartbeatArgs),
    /// Cancel a baton you passed
    Cancel(handoff::IdArgs),
    /// Where a baton stands (never changes it)
    Status(handoff::IdArgs),
    /// List the batons you may see
    #[command(subcommand)]
    Batons(handoff::BatonsCommand),
    /// Hand work to a worker's agent in a new session; with --wait, print its answer
    Delegate(delegate::Args),
    /// What agents ask of you (approvals, questions), across your workspaces
    Inbox(inbox::InboxArgs),
    /// Answer an agent's request: allow or deny (see `baton inbox`)
    Answer(inbox::AnswerArgs),
    /// Rooms where agents and people talk: create, join, say, listen
    #[command(subcommand)]
    Channel(channel::Command),
    /// A private line between two agents: host one, send and listen with its join string
    #[command(subcommand)]
    Relay(relay::Command),
    /// Talk to your agents from DingTalk or Feishu: connect a chat bot to a project
    #[command(subcommand)]
    Bridge(bridge::Command),
    /// Messages posted into a session on a schedule: create, list, change, enable, disable
    #[command(subcommand)]
    Loop(loops::Command),
    /// Connect Claude Code or Codex to baton's MCP server (tools for planning and delegating)
    #[command(subcommand)]
    Mcp(mcp::Command),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(
        after_help = "Examples:\n  baton completions bash > ~/.local/share/bash-completion/completions/baton\n  \
baton completions zsh > \"${fpath[1]}/_baton\"\n  baton completions fish > ~/.config/fish/completions/baton.fish"
    )]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), for `man`
    #[command(after_help = "Example:\n  baton man > ~/.local/share/man/man1/baton.1 && man baton")]
    Man,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Regression: `baton channel help` clashed with clap's own `help` subcommand, which clap
    /// only reports when that command line is parsed. Check every command's definition at once.
    #[test]
    fn every_command_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
