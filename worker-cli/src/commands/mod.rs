//! One module per subcommand, each with its own arguments and `run`, and what they share:
//! the [`Env`] they run in, [`turn_wait`] (waiting for a turn's answer), [`transcript`] (a
//! session's events for people), and small renderings.

pub mod bridge;
pub mod channel;
pub mod delegate;
pub mod github;
pub mod handoff;
pub mod inbox;
pub mod login;
pub mod loops;
pub mod mcp;
pub mod member;
pub mod project;
pub mod relay;
pub mod requirement;
pub mod session;
pub mod share;
pub mod shell;
pub mod task;
pub mod token;
pub mod transcript;
pub mod turn_wait;
pub mod use_project;
pub mod user;
pub mod worker;
pub mod worker_logs;
pub mod workspace;

use anyhow::{bail, Result};
use protocol::api::{Cost, Project};
use protocol::handle::HandleKind;
use serde::Serialize;

use crate::client::Client;
use crate::config::Settings;
use crate::{output, resolve};

/// What every command gets: the resolved settings, a client, and the output mode.
pub struct Env {
    pub settings: Settings,
    pub client: Client,
    pub json: bool,
}

impl Env {
    /// The project a command works on: `--project`, else the default (`baton use`,
    /// `.baton.json`, `BATON_PROJECT`).
    pub async fn project(&self, given: Option<&str>, workspace: Option<&str>) -> Result<Project> {
        let Some(project) = given.or(self.settings.project.as_deref()) else {
            bail!("no project given: pass --project NAME, or set a default with `baton use NAME`");
        };
        resolve::project(&self.client, project, workspace).await
    }

    /// The row id of a requirement or task given by id, handle or (requirements) `#123`; the
    /// project is looked up only when a handle needs it.
    pub async fn item_id(&self, given: &str, project: Option<&str>, kind: HandleKind) -> Result<i64> {
        let project_id = match given.parse::<i64>() {
            Ok(_) => None,
            Err(_) => Some(self.project(project, None).await?.id),
        };
        resolve::item_id(&self.client, project_id, given, kind).await
    }

    /// Prints a list as a JSON array, or as a table of `headers` with a `row` per item.
    pub fn print_table<T: Serialize>(
        &self,
        items: &[T],
        headers: &[&str],
        row: impl Fn(&T) -> Vec<String>,
    ) -> Result<()> {
        if self.json {
            output::json(&items)?;
        } else {
            output::table(headers, &items.iter().map(row).collect::<Vec<_>>())?;
        }
        Ok(())
    }

    /// Prints a value as JSON, or as the line(s) `human` makes of it.
    pub fn print<T: Serialize>(&self, value: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
        if self.json {
            output::json(value)?;
        } else {
            output::line(&human(value))?;
        }
        Ok(())
    }
}

/// Destructive commands need `--yes`: nothing is deleted by a slip of the keyboard.
pub fn confirm(yes: bool, what: &str) -> Result<()> {
    if !yes {
        return Err(crate::failure::CliFailure::new(
            "confirmation_required",
            format!("this deletes {what} for good: add --yes to confirm"),
        )
        .into());
    }
    Ok(())
}

/// Percent-encodes a path segment or query value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What work cost, on one line: `3 turns, 12400 tokens in, 2100 out, $0.42`.
pub fn cost_line(cost: &Cost) -> String {
    format!(
        "{} turn{}, {} tokens in, {} out, ${:.2}",
        cost.turns,
        if cost.turns == 1 { "" } else { "s" },
        cost.input_tokens,
        cost.output_tokens,
        cost.cost_usd
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_reads_as_turns_tokens_and_dollars() {
        let cost = Cost { turns: 3, input_tokens: 12400, output_tokens: 2100, cost_usd: 0.4249 };
        assert_eq!(cost_line(&cost), "3 turns, 12400 tokens in, 2100 out, $0.42");
        assert_eq!(cost_line(&Cost { turns: 1, ..Cost::default() }), "1 turn, 0 tokens in, 0 out, $0.00");
    }

    /// A server that answers every request 404 `not_found`, on a port-0 listener.
    async fn server_of_nothing() -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let body = r#"{"error":{"code":"not_found","message":"no such thing"}}"#;
                    let head = format!(
                        "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(format!("{head}{body}").as_bytes()).await;
                });
            }
        });
        url
    }

    #[tokio::test]
    async fn rm_of_something_that_does_not_exist_says_so_before_asking_for_yes() {
        use crate::cli::{Cli, Command as Top};
        use clap::Parser;
        let url = server_of_nothing().await;
        let settings = Settings { url, token: Some("btp_x".into()), project: Some("7".into()), insecure: false };
        let env = Env { client: Client::new(&settings).unwrap(), settings, json: false };
        for line in [
            "project rm 7",
            "requirement rm 41",
            "requirement rm R-4",
            "task rm 41",
            "task rm T-4",
            "session rm S-9",
            "worker rm W-3",
        ] {
            let cli = Cli::try_parse_from(["baton"].into_iter().chain(line.split(' '))).unwrap();
            let result = match &cli.command {
                Top::Project(c) => project::run(c, &env).await,
                Top::Requirement(c) => requirement::run(c, &env).await,
                Top::Task(c) => task::run(c, &env).await,
                Top::Session(c) => session::run(c, &env).await,
                Top::Worker(c) => worker::run(c, &env).await,
                other => panic!("not an rm: {other:?}"),
            };
            let err = result.unwrap_err();
            let failure = err.downcast_ref::<crate::failure::ApiFailure>();
            assert_eq!(failure.map(|f| f.status), Some(404), "{line}: {err:#}");
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("2026-12-01T00:00:00+01:00"), "2026-12-01T00%3A00%3A00%2B01%3A00");
        assert_eq!(encode("toolu_01.x~y"), "toolu_01.x~y");
    }
}
