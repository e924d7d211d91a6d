//! The environment an agent process starts with. A member who can send a session a message can
//! make its agent print anything it can see into the transcript every member reads, so the
//! agent inherits nothing by default: it gets
//!
//! - the basics a program needs to run: [`BASE`] (`PATH`, `HOME`, who and where it is, the
//!   terminal, the locale with every `LC_*`, the time zone);
//! - its provider's variables, by name: the worker config's `agent_env`, or, when the config
//!   names none, [`provider_defaults`] for its adapter (set with `baton worker register
//!   --agent-env NAME`);
//! - and never a baton credential: no `BATON_*` variable even when named, and no variable whose
//!   value holds one of the daemon's tokens.
//!
//! [`session_credentials`] is the one place where a session's own credential is added:
//! `BATON_URL`, `BATON_TOKEN` holding a session token (`bta_`, minted by the server for this
//! session and this turn), `BATON_SESSION` and `BATON_PROJECT`, so that a bare `baton task
//! comment add T-3 '...'` works inside the worktree as the session's agent.
//!
//! This keeps secrets out of `env` and `printenv`; it is not a sandbox. The agent runs as the
//! daemon's user and can read whatever that user can read (see `SECURITY.md`).

use std::ffi::{OsStr, OsString};

use anyhow::{bail, Result};
use protocol::worker::AgentKind;

/// An environment, as `(name, value)` pairs, sorted by name.
pub type Environment = Vec<(OsString, OsString)>;

/// What every agent gets from the daemon's environment (plus every `LC_*`).
pub const BASE: &[&str] = &["PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TERM", "LANG", "TZ"];

/// The variables an adapter's provider reads, passed when the worker config names none. Kept
/// short: the API key, the endpoint, where the agent keeps its own login and settings. A login
/// made with `claude login` or `codex login` lives under `HOME` and needs none of them. Cloud
/// credentials (Bedrock, Vertex, Azure) are not guessed: name them with `--agent-env`.
pub fn provider_defaults(kind: AgentKind) -> &'static [&'static str] {
    match kind {
        AgentKind::ClaudeCode => &[
            "ANTHROPIC_API_KEY",
            "ANTHROPIC_AUTH_TOKEN",
            "ANTHROPIC_BASE_URL",
            "CLAUDE_CONFIG_DIR",
            "CLAUDE_CODE_USE_BEDROCK",
            "CLAUDE_CODE_USE_VERTEX",
        ],
        AgentKind::Codex => &["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_HOME"],
        AgentKind::Command | AgentKind::Scripted => &[],
    }
}

/// Whether a variable belongs to baton itself (its settings and credentials).
fn is_baton(name: &OsStr) -> bool {
    name.as_encoded_bytes().get(..6).is_some_and(|p| p.eq_ignore_ascii_case(b"BATON_"))
}

/// Checks a name given to `--agent-env`: a plain variable name, never a `BATON_*` one.
pub fn check_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !plain {
        bail!(
            "--agent-env {name:?} is not a variable name: give a name like ANTHROPIC_API_KEY \
             (letters, digits, _), not NAME=VALUE"
        );
    }
    if is_baton(OsStr::new(name)) {
        bail!(
            "--agent-env {name}: BATON_* variables are the daemon's own settings and credentials and never reach \
             the agent; name only your agent provider's variables"
        );
    }
    Ok(())
}

/// The agent's environment, from the daemon's (`parent`): the basics, the `provider` names,
/// nothing named `BATON_*`, and nothing whose value contains one of `secrets`.
pub fn build(
    parent: impl IntoIterator<Item = (OsString, OsString)>,
    provider: &[String],
    secrets: &[String],
) -> Environment {
    let secrets: Vec<&[u8]> = secrets.iter().map(|s| s.as_bytes()).filter(|s| !s.is_empty()).collect();
    let mut env: Environment = parent
        .into_iter()
        .filter(|(name, _)| {
            let text = name.to_string_lossy();
            BASE.contains(&text.as_ref()) || text.starts_with("LC_") || provider.iter().any(|p| *p == text)
        })
        .filter(|(name, _)| !is_baton(name))
        .filter(|(_, value)| {
            let value = value.as_encoded_bytes();
            !secrets.iter().any(|s| value.windows(s.len()).any(|w| w == *s))
        })
        .collect();
    env.sort();
    env
}

/// The baton credentials a session's agent gets, and only here: the server's URL, the session
/// token minted for this session (the one baton credential an agent ever receives: [`build`]
/// has dropped every inherited `BATON_*` before), the session's handle and its project.
pub fn session_credentials(url: &str, token: &protocol::api::SessionToken) -> Environment {
    let session = protocol::handle::Handle::session(token.session_id).to_string();
    [
        ("BATON_URL", url.to_owned()),
        ("BATON_TOKEN", token.token.clone()),
        ("BATON_SESSION", session),
        ("BATON_PROJECT", token.project_id.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (OsString::from(k), OsString::from(v)))
    .collect()
}

/// How a worker builds its agents' environments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The provider variables passed by name.
    pub provider: Vec<String>,
    /// Values that must never reach the agent (the daemon's tokens).
    pub secrets: Vec<String>,
}

impl Policy {
    /// The policy of a worker: its configured names (or its adapter's defaults), and its own
    /// token plus any `BATON_TOKEN` the daemon was started with as secrets.
    pub fn new(kind: AgentKind, configured: Option<&[String]>, worker_token: &str) -> Policy {
        let provider = match configured {
            Some(names) => names.to_vec(),
            None => provider_defaults(kind).iter().map(|s| s.to_string()).collect(),
        };
        let mut secrets = vec![worker_token.to_owned()];
        secrets.extend(std::env::var("BATON_TOKEN").ok());
        Policy { provider, secrets }
    }

    /// The environment of an agent, with its session's credentials (`url` and the token the
    /// server minted for the turn) when it has them.
    pub fn environment(
        &self,
        parent: impl IntoIterator<Item = (OsString, OsString)>,
        credentials: Option<(&str, &protocol::api::SessionToken)>,
    ) -> Environment {
        let mut env = build(parent, &self.provider, &self.secrets);
        if let Some((url, token)) = credentials {
            env.extend(session_credentials(url, token));
        }
        env.sort();
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect()
    }

    fn names(env: &Environment) -> Vec<String> {
        env.iter().map(|(k, _)| k.to_string_lossy().into_owned()).collect()
    }

    /// The one baton credential an agent gets is its session's token, beside the server's URL,
    /// its session and its project; the daemon's own `BATON_TOKEN` never passes.
    #[test]
    fn the_agent_gets_its_session_token_and_no_other_baton_credential() {
        let parent =
            vars(&[("PATH", "/bin"), ("BATON_TOKEN", "btp_the_daemons_own"), ("BATON_URL", "http://elsewhere")]);
        let policy = Policy { provider: Vec::new(), secrets: vec!["btw_worker".into()] };
        let token = protocol::api::SessionToken {
            token: "bta_for_this_turn".into(),
            expires_at: "2026-12-02T12:00:00.000Z".into(),
            session_id: 7,
            project_id: 3,
        };
        let env = policy.environment(parent, Some(("https://baton.example.org", &token)));
        let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.to_string_lossy().into_owned());
        assert_eq!(get("BATON_TOKEN").as_deref(), Some("bta_for_this_turn"));
        assert_eq!(get("BATON_URL").as_deref(), Some("https://baton.example.org"));
        assert_eq!(get("BATON_SESSION").as_deref(), Some("S-7"));
        assert_eq!(get("BATON_PROJECT").as_deref(), Some("3"));
        assert!(env.iter().all(|(_, v)| !v.to_string_lossy().contains("btp_the_daemons_own")));
        assert_eq!(env.iter().filter(|(k, _)| k == "BATON_TOKEN").count(), 1);
    }

    #[test]
    fn only_the_basics_and_the_named_provider_variables_pass() {
        let parent = vars(&[
            ("PATH", "/bin"),
            ("HOME", "/home/w"),
            ("LC_ALL", "C.UTF-8"),
            ("ANTHROPIC_API_KEY", "sk-ant"),
            ("AWS_SECRET_ACCESS_KEY", "aws"),
            ("GITHUB_TOKEN", "ghp"),
            ("SSH_AUTH_SOCK", "/tmp/agent"),
        ]);
        let env = build(parent, &["ANTHROPIC_API_KEY".into()], &[]);
        assert_eq!(names(&env), ["ANTHROPIC_API_KEY", "HOME", "LC_ALL", "PATH"]);
    }

    #[test]
    fn baton_variables_and_the_daemons_token_never_pass_even_when_named() {
        let parent = vars(&[
            ("PATH", "/bin"),
            ("BATON_TOKEN", "btp_personal"),
            ("baton_url", "http://x"),
            ("COPIED", "Bearer btw_worker"),
        ]);
        let named = ["BATON_TOKEN".to_owned(), "baton_url".to_owned(), "COPIED".to_owned()];
        let env = build(parent, &named, &["btw_worker".into(), String::new()]);
        assert_eq!(names(&env), ["PATH"]);
    }

    #[test]
    fn agent_env_names_are_plain_and_never_batons_own() {
        assert!(check_name("OPENAI_API_KEY").is_ok());
        assert!(check_name("_X1").is_ok());
        for bad in ["", "1X", "A=B", "A B", "A-B"] {
            assert!(check_name(bad).unwrap_err().to_string().contains("not a variable name"), "{bad}");
        }
        for bad in ["BATON_TOKEN", "baton_url", "Baton_Session"] {
            assert!(check_name(bad).unwrap_err().to_string().contains("never reach"), "{bad}");
        }
    }

    #[test]
    fn a_worker_without_names_uses_its_adapters_defaults() {
        let policy = Policy::new(AgentKind::Codex, None, "btw_x");
        assert!(policy.provider.contains(&"OPENAI_API_KEY".to_owned()));
        assert!(policy.secrets.contains(&"btw_x".to_owned()));
        let policy = Policy::new(AgentKind::Codex, Some(&["AZURE_OPENAI_API_KEY".to_owned()]), "btw_x");
        assert_eq!(policy.provider, ["AZURE_OPENAI_API_KEY"]);
        assert!(provider_defaults(AgentKind::Command).is_empty());
    }
}
