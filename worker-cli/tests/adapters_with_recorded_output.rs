//! The real adapters against fake agent programs that replay real recorded output
//! (`../shared/fixtures/claude` and `../shared/fixtures/codex`, third-party captures read in
//! place). Each fake program is a shell script that swallows its stdin and prints a capture,
//! so the whole path runs: spawn in a process group, stdin, line reading, parsing, outcome.
//! Without the shared fixtures these tests say so and stop; the adapters' own unit tests use
//! small samples of the documented formats.

use std::path::{Path, PathBuf};
use std::time::Duration;

use baton::agent::process::{self, Stop};
use baton::agent::{claude::Claude, codex::Codex, Adapter, Outcome, TurnInput};
use protocol::agent::AgentEvent;
use tokio::sync::{mpsc, watch};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
}

/// A program that ignores its arguments and stdin and prints `capture`.
fn replaying(dir: &Path, name: &str, capture: &Path) -> String {
    let script = dir.join(name);
    std::fs::write(&script, format!("#!/bin/sh\ncat >/dev/null\ncat '{}'\n", capture.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script.display().to_string()
}

async fn replay(adapter: &mut dyn Adapter, dir: &Path) -> (Outcome, Vec<AgentEvent>) {
    let input = TurnInput {
        prompt: "explain the parser".into(),
        worktree: dir.to_path_buf(),
        resume: None,
        settings: Default::default(),
        env: baton::agent::env::build(std::env::vars_os(), &[], &[]),
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (_stop, mut stop_rx) = watch::channel(Stop::Running);
    let outcome = process::run(adapter, &input, &tx, &mut stop_rx, Duration::from_secs(20)).await;
    drop(tx);
    let mut events = Vec::new();
    while let Some(e) = rx.recv().await {
        events.push(e);
    }
    (outcome, events)
}

fn count(events: &[AgentEvent], pred: impl Fn(&AgentEvent) -> bool) -> usize {
    events.iter().filter(|e| pred(e)).count()
}

#[tokio::test]
async fn claude_codes_recorded_stream_json_normalizes() {
    let capture = fixtures().join("claude/stream-json.claude-clean.v2.0.25.jsonl");
    if !capture.exists() {
        eprintln!("the shared fixture {} is absent: nothing to replay", capture.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut claude = Claude::new(&replaying(dir.path(), "fake-claude", &capture));
    let (outcome, events) = replay(&mut claude, dir.path()).await;
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(events[0], AgentEvent::Thread { id: "6170607e-7232-407c-82c3-7fc983d60064".into() });
    // The capture holds 3 text blocks, 3 Bash calls, 2 TodoWrite calls, 21 tool results (one
    // an error) and a result that cost $0.21085415.
    assert_eq!(count(&events, |e| matches!(e, AgentEvent::AgentMessage { .. })), 3);
    assert_eq!(count(&events, |e| matches!(e, AgentEvent::CommandExecution { .. })), 3);
    assert_eq!(count(&events, |e| matches!(e, AgentEvent::TodoList { .. })), 2);
    assert_eq!(count(&events, |e| matches!(e, AgentEvent::ToolResult { .. })), 21);
    assert_eq!(count(&events, |e| matches!(e, AgentEvent::ToolResult { is_error: true, .. })), 1);
    assert!(events.iter().any(|e| matches!(e, AgentEvent::ToolCall { name, .. } if name == "WebSearch")));
    assert!(
        matches!(events.last(), Some(AgentEvent::Usage { cost_usd: Some(c), .. }) if (*c - 0.21085415).abs() < 1e-9)
    );
}

#[tokio::test]
async fn codex_recorded_exec_json_normalizes() {
    let dir = fixtures().join("codex");
    if !dir.exists() {
        eprintln!("the shared fixtures {} are absent: nothing to replay", dir.display());
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    let mut completed = 0;
    let mut failed = Vec::new();
    let mut captures: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    captures.sort();
    for (i, capture) in captures.iter().filter(|p| p.extension().is_some_and(|e| e == "jsonl")).enumerate() {
        let mut codex = Codex::new(&replaying(tmp.path(), &format!("fake-codex-{i}"), capture));
        let (outcome, events) = replay(&mut codex, tmp.path()).await;
        for e in &events {
            kinds.insert(serde_json::to_value(e).unwrap()["kind"].as_str().unwrap().to_owned());
        }
        match outcome {
            Outcome::Completed => completed += 1,
            Outcome::Failed(why) => failed.push((capture.file_name().unwrap().to_string_lossy().into_owned(), why)),
        }
    }
    for kind in
        ["thread", "agent_message", "reasoning", "command_execution", "file_change", "todo_list", "usage", "error"]
    {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
    assert!(completed >= 6, "{completed} completed; failed: {failed:?}");
    assert!(failed.iter().all(|(_, why)| !why.is_empty()));
    assert!(failed.iter().any(|(name, _)| name.contains("error") || name.contains("truncated")), "{failed:?}");
}
