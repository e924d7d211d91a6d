//! `baton`: the command-line client and the worker daemon, one binary.
//!
//! The client:
//! - [`cli`] declares the commands (clap derive), [`commands`] runs them, one module each;
//! - [`config`] resolves where the server is and which token to use;
//! - [`client`] speaks the HTTP API, [`watch`] follows a stream with resume, [`resolve`] turns
//!   names and handles into ids;
//! - [`protocol_version`] says which side to upgrade when the server speaks another protocol;
//! - [`backoff`] is the pure reconnect schedule, [`messages`] every user-facing error text,
//!   [`failure`] the typed failures that `--json` reports as `{"error": {...}}`,
//!   [`output`] tables and JSON for stdout, [`private_file`] the files that hold secrets;
//! - [`skills`] reads the shell lines of the `skills/*/SKILL.md` files (for their tests).
//!
//! The worker (`baton worker register|run`):
//! - [`worker_config`] is a worker's own configuration, beside its daemon's lock and cursor;
//! - [`daemon`] serves the worker's sessions and batons;
//! - [`turns`] is a session's pure turn queue, [`worktree`] its git worktree, and
//!   [`worktree_include`] the untracked files (`.env`, ...) the repository asks to copy into it;
//! - [`agent`] runs the coding agents (Claude Code, Codex, any command, a scripted one).

pub mod agent;
pub mod backoff;
pub mod cli;
pub mod client;
pub mod clock;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod failure;
pub mod messages;
pub mod output;
pub mod private_file;
pub mod progress;
pub mod protocol_version;
pub mod resolve;
pub mod skills;
pub mod turns;
pub mod watch;
pub mod worker_config;
pub mod worktree;
pub mod worktree_include;
