//! The agent's environment through the real spawn path: a daemon started with baton
//! credentials and unrelated secrets in its environment runs a real child process (the
//! `command` adapter running `env`), which sees only the basics and its provider's variables.
//!
//! Its own test binary because it sets variables of this process's environment: no other test
//! runs beside it, and it sets them before any thread of its runtime starts.

use std::time::Duration;

use baton::agent::command::CommandAgent;
use baton::agent::env::Policy;
use baton::agent::process::{self, Stop};
use baton::agent::{Outcome, TurnInput};
use protocol::agent::AgentEvent;
use protocol::worker::AgentKind;
use tokio::sync::{mpsc, watch};

#[test]
fn agent_env_never_carries_baton_credentials() {
    std::env::set_var("BATON_TOKEN", "btp_parent_personal_token");
    std::env::set_var("BATON_URL", "http://127.0.0.1:1");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "aws-secret-of-the-host");
    std::env::set_var("ANTHROPIC_API_KEY", "sk-ant-provider-key");
    std::env::set_var("LC_TIME", "C");
    // Named in the worker config, but it holds the daemon's own token: still refused.
    std::env::set_var("LEAKY", "Bearer btw_daemon_worker_token");
    if std::env::var_os("HOME").is_none() {
        std::env::set_var("HOME", "/nonexistent-home");
    }

    let configured = ["ANTHROPIC_API_KEY".to_owned(), "LEAKY".to_owned(), "BATON_URL".to_owned()];
    let policy = Policy::new(AgentKind::Command, Some(&configured), "btw_daemon_worker_token");
    let dir = tempfile::tempdir().unwrap();
    let input = TurnInput {
        message_seq: 1,
        prompt: String::new(),
        worktree: dir.path().to_path_buf(),
        resume: None,
        settings: Default::default(),
        env: policy.environment(std::env::vars_os(), None),
    };

    let lines = run_agent("env", &input);

    let names: Vec<&str> = lines.iter().filter_map(|l| l.split_once('=').map(|(k, _)| k)).collect();
    let all = lines.join("\n");
    for absent in ["BATON_TOKEN", "BATON_URL", "AWS_SECRET_ACCESS_KEY", "LEAKY"] {
        assert!(!names.contains(&absent), "{absent} reached the agent:\n{all}");
    }
    for secret in ["btp_parent_personal_token", "btw_daemon_worker_token", "aws-secret-of-the-host"] {
        assert!(!all.contains(secret), "a secret reached the agent:\n{all}");
    }
    for present in ["PATH", "HOME", "LC_TIME", "ANTHROPIC_API_KEY"] {
        assert!(names.contains(&present), "{present} is missing:\n{all}");
    }

    // The daemon's own environment is not readable through /proc either, once it is hardened
    // as the daemon hardens itself (root reads it regardless: nothing to check then).
    baton::daemon::harden();
    let through_proc = run_agent("tr '\\0' '\\n' < /proc/$PPID/environ || true", &input).join("\n");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(!through_proc.contains("btp_parent_personal_token"), "{through_proc}");
    }
}

/// Runs `command` as the agent of one turn; answers the lines it printed.
fn run_agent(command: &str, input: &TurnInput) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (_stop, mut stop_rx) = watch::channel(Stop::Running);
        let mut agent = CommandAgent::new(command);
        let outcome = process::run(
            &mut agent,
            input,
            &tx,
            &mut baton::agent::requests::channel().0,
            &mut stop_rx,
            Duration::from_secs(20),
        )
        .await;
        assert_eq!(outcome, Outcome::Completed);
        drop(tx);
        let mut lines = Vec::new();
        while let Some(event) = rx.recv().await {
            if let AgentEvent::AgentMessage { text } = event {
                lines.push(text);
            }
        }
        lines
    })
}
