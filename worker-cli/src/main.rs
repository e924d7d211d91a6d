//! The `baton` binary: parses the command line, resolves settings, runs the command, and
//! maps failures to exit codes (0 success, 1 failure, 2 usage; a closed stdout pipe is 0).
//! Failures are printed here and only here: as text, or under `--json` as
//! `{"error": {"code", "message", "status", "hint"}}` ([`baton::failure::report`]) on stderr.

use std::process::ExitCode;

use anyhow::Result;
use baton::cli::{Cli, Command};
use baton::client::Client;
use baton::commands::{self, Env};
use baton::config::{self, Overrides};
use clap::Parser;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().worker_threads(2).build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("baton: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) if json => {
            let text = serde_json::to_string(&baton::failure::report(&err)).unwrap_or_default();
            eprintln!("{text}");
            ExitCode::FAILURE
        }
        Err(err) => {
            // The message may quote the server (its error texts, names): cleaned like all text.
            baton::output::note(&format!("baton: {err:#}"));
            ExitCode::FAILURE
        }
    }
}

/// A command line clap refuses: under `--json`, the error object with code `usage` (exit 2);
/// help, versions and text mode as clap prints them.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let informational = matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand;
    if informational || !std::env::args_os().any(|a| a == "--json") {
        err.exit();
    }
    let message = err.render().to_string();
    let first = message.lines().next().unwrap_or_default().trim_start_matches("error: ").to_owned();
    let report = serde_json::json!({"error": {
        "code": "usage", "message": first, "status": null,
        "hint": "see `baton --help` or `baton COMMAND --help`",
    }});
    eprintln!("{report}");
    ExitCode::from(2)
}

async fn run(cli: Cli) -> Result<()> {
    // Shell integration needs no server, no token and no config.
    match &cli.command {
        Command::Completions { shell } => return baton::commands::shell::completions(*shell),
        Command::Man => return baton::commands::shell::man(),
        _ => {}
    }
    let file = config::load(&config::path()?)?;
    let here = std::env::current_dir().unwrap_or_default();
    let project_file = config::find_project_file(&here)?;
    let flags = Overrides { url: cli.url.clone(), token: cli.token.clone(), project: None, insecure: cli.insecure };
    let settings = config::resolve(&file, &project_file, &config::from_env(), &flags);
    let client = Client::new(&settings)?;
    let env = Env { settings, client, json: cli.json };
    let mut result = dispatch(&cli, &env).await;
    if let Err(err) = &mut result {
        fit_forbidden_hint(err, &env.client).await;
    }
    result
}

/// A 403's hint fitted to the caller's role, read (only now, after a 403) from
/// `GET /api/auth/me`; left neutral when that fails too.
async fn fit_forbidden_hint(err: &mut anyhow::Error, client: &Client) {
    if baton::failure::forbidden(err).is_none() {
        return;
    }
    let role = client.get::<protocol::api::User>("who am I", "/api/auth/me").await.ok().map(|me| me.role);
    if let Some(failure) = baton::failure::forbidden(err) {
        failure.hint = Some(baton::messages::forbidden_hint(role));
    }
}

async fn dispatch(cli: &Cli, env: &Env) -> Result<()> {
    match &cli.command {
        Command::Login(args) => commands::login::run(args, env).await,
        Command::Workspace(cmd) => commands::workspace::run(cmd, env).await,
        Command::Project(cmd) => commands::project::run(cmd, env).await,
        Command::Session(cmd) => commands::session::run(cmd, env).await,
        Command::Use(args) => commands::use_project::run(args, env).await,
        Command::Mcp(cmd) => commands::mcp::run(cmd, env).await,
        Command::Channel(cmd) => commands::channel::run(cmd, env).await,
        Command::Loop(cmd) => commands::loops::run(cmd, env).await,
        Command::Bridge(cmd) => commands::bridge::run(cmd, env).await,
        Command::Relay(cmd) => commands::relay::run(cmd, env).await,
        Command::Requirement(cmd) => commands::requirement::run(cmd, env).await,
        Command::Task(cmd) => commands::task::run(cmd, env).await,
        Command::User(cmd) => commands::user::run(cmd, env).await,
        Command::Member(cmd) => commands::member::run(cmd, env).await,
        Command::Token(cmd) => commands::token::run(cmd, env).await,
        Command::Github(cmd) => commands::github::run(cmd, env).await,
        Command::Worker(cmd) => commands::worker::run(cmd, env).await,
        Command::Pass(args) => commands::handoff::pass(args, env).await,
        Command::Catch(args) => commands::handoff::catch(args, env).await,
        Command::Done(args) => commands::handoff::done(args, env).await,
        Command::Fail(args) => commands::handoff::fail(args, env).await,
        Command::Heartbeat(args) => commands::handoff::heartbeat(args, env).await,
        Command::Cancel(args) => commands::handoff::cancel(args, env).await,
        Command::Status(args) => commands::handoff::status(args, env).await,
        Command::Batons(cmd) => commands::handoff::batons(cmd, env).await,
        Command::Delegate(args) => commands::delegate::run(args, env).await,
        Command::Inbox(args) => commands::inbox::inbox(args, env).await,
        Command::Answer(args) => commands::inbox::answer(args, env).await,
        Command::Completions { .. } | Command::Man => unreachable!("answered before the config is read"),
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
