//! `baton mcp config`: how to register the server's MCP endpoint (`/mcp`) with Claude Code and
//! Codex. The snippets read the token from an environment variable and never contain it: a
//! token on a command line lands in shell history and in the agent's argv.

use anyhow::{bail, Result};
use serde::Serialize;

use super::Env;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print how to register baton's MCP server with Claude Code and Codex
    #[command(after_help = "Examples:\n  baton mcp config\n  baton mcp config --token-env BATON_MCP_TOKEN --json\n\n\
The agent then plans and delegates through tools: list_projects, create_task, list_tasks --ready,\n\
delegate (a worker's agent does the work; progress while it runs), pass_baton / catch_baton, inbox.\n\
Give the agent a token of its own: `baton token create --name mcp` (scope it with --workspace\n\
or --project), exported where the agent runs.")]
    Config(ConfigArgs),
}

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// The environment variable the agent reads the token from
    #[arg(long, default_value = "BATON_TOKEN", value_name = "VAR")]
    pub token_env: String,
    /// The server's name in the agent's configuration
    #[arg(long, default_value = "baton")]
    pub name: String,
}

/// The snippets, as `--json` prints them.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Snippets {
    pub url: String,
    pub token_env: String,
    pub claude_code: String,
    pub codex_toml: String,
}

/// The snippets for the server at `base` (pure).
pub fn snippets(base: &str, name: &str, token_env: &str) -> Result<Snippets> {
    let env_ok = token_env.chars().next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && token_env.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !env_ok {
        bail!("--token-env {token_env:?}: an environment variable name is A-Z, 0-9 and _ (like BATON_TOKEN)");
    }
    let name_ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        bail!("--name {name:?}: use letters, digits, - and _ (like baton)");
    }
    let url = format!("{}/mcp", base.trim_end_matches('/'));
    Ok(Snippets {
        claude_code: format!(
            "claude mcp add --transport http {name} {url} --header \"Authorization: Bearer ${{{token_env}}}\""
        ),
        codex_toml: format!("[mcp_servers.{name}]\nurl = \"{url}\"\nbearer_token_env_var = \"{token_env}\""),
        url,
        token_env: token_env.to_owned(),
    })
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    let Command::Config(args) = command;
    let s = snippets(&env.settings.url, &args.name, &args.token_env)?;
    env.print(&s, |s| {
        format!(
            "baton's MCP server: {url} (Streamable HTTP, Bearer token)\n\n\
             Claude Code:\n  {claude}\n\n\
             Codex (~/.codex/config.toml):\n{codex}\n\n\
             Either reads the token from ${var} where the agent runs: give it a token of its own\n\
             (`baton token create --name mcp`, scoped with --workspace or --project), and never\n\
             paste the token into a config file.",
            url = s.url,
            claude = s.claude_code,
            codex = s.codex_toml.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"),
            var = s.token_env,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippets_name_the_endpoint_and_the_variable_never_a_token() {
        let s = snippets("https://baton.example.org/", "baton", "BATON_TOKEN").unwrap();
        assert_eq!(s.url, "https://baton.example.org/mcp");
        assert_eq!(
            s.claude_code,
            "claude mcp add --transport http baton https://baton.example.org/mcp --header \"Authorization: Bearer ${BATON_TOKEN}\""
        );
        assert_eq!(
            s.codex_toml,
            "[mcp_servers.baton]\nurl = \"https://baton.example.org/mcp\"\nbearer_token_env_var = \"BATON_TOKEN\""
        );
    }

    #[test]
    fn a_variable_or_a_name_that_could_break_the_snippet_is_refused() {
        assert!(snippets("http://x", "baton", "$(rm -rf)").is_err());
        assert!(snippets("http://x", "baton", "lower").is_err());
        assert!(snippets("http://x", "a b", "BATON_TOKEN").is_err());
        assert!(snippets("http://x", "baton", "").is_err());
    }
}
