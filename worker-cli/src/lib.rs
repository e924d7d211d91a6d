//! `baton`, the command-line client and (later) worker daemon.
//!
//! - [`cli`] declares the commands (clap derive), [`commands`] runs them, one module each;
//! - [`config`] resolves where the server is and which token to use;
//! - [`client`] speaks the HTTP API, [`watch`] follows a stream with resume;
//! - [`backoff`] is the pure reconnect schedule, [`messages`] every user-facing error text,
//!   [`output`] tables and JSON for stdout.

pub mod agent;
pub mod backoff;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod messages;
pub mod output;
pub mod private_file;
pub mod protocol_version;
pub mod resolve;
pub mod turns;
pub mod watch;
pub mod worker_config;
pub mod worktree;
