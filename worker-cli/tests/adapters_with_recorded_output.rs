//! The real adapters against fake agent programs that replay real recorded output
//! (`../shared/fixtures/claude` and `../shared/fixtures/codex`, third-party captures read in
//! place). Each fake program is a shell script that swallows its stdin and prints a capture,
//! so the whole path runs: spawn in a process group, stdin, line reading, parsing, outcome.
//! Without the shared fixtures these tests say so and stop; the adapters' own unit tests use
//! small samples of the documented formats.

use std::path::{Path, PathBuf};
use std::time::Duration;

use baton::agent::process::{self, Stop};
use baton::agent::{claude::Claude, codex::Codex, requests, Adapter, Outcome, TurnInput};
use protocol::agent::AgentEvent;
use tokio::sync::{mpsc, watch};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
}

/// A shared fixture, or `None` (said on stderr) when the shared fixtures are absent.
fn fixture(path: &str) -> Option<PathBuf> {
    let path = fixtures().join(path);
    if !path.exists() {
        eprintln!("the shared fixture {} is absent: nothing to replay", path.display());
        return None;
    }
    Some(path)
}

/// A program that ignores its arguments and stdin and prints `capture`.
fn replaying(dir: &Path, name: &str, capture: &Path) -> String {
    program(dir, name, &format!("cat >/dev/null\ncat '{}'", capture.display()))
}

/// A program that reads its first stdin line, as Claude Code does (its stdin stays open until
/// its `result`), then prints `capture`.
fn replaying_claude(dir: &Path, name: &str, capture: &Path) -> String {
    program(dir, name, &format!("IFS= read -r _\ncat '{}'", capture.display()))
}

fn program(dir: &Path, name: &str, body: &str) -> String {
    let script = dir.join(name);
    std::fs::write(&script, format!("#!/bin/sh\n{body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script.display().to_string()
}

async fn replay(adapter: &mut dyn Adapter, dir: &Path) -> (Outcome, Vec<AgentEvent>) {
    let input = TurnInput {
        message_seq: 1,
        prompt: "explain the parser".into(),
        worktree: dir.to_path_buf(),
        resume: None,
        settings: Default::default(),
        env: baton::agent::env::build(std::env::vars_os(), &[], &[]),
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (_stop, mut stop_rx) = watch::channel(Stop::Running);
    let (mut asking, _nobody) = requests::channel();
    let outcome = process::run(adapter, &input, &tx, &mut asking, &mut stop_rx, Duration::from_secs(20)).await;
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
    let Some(capture) = fixture("claude/stream-json.claude-clean.v2.0.25.jsonl") else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut claude = Claude::new(&replaying_claude(dir.path(), "fake-claude", &capture));
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
    // Its tokens are those of both models it used (modelUsage: Sonnet and the Haiku of a
    // subagent), cache reads and writes included, not only the last call's `usage`.
    assert!(
        matches!(events.last(), Some(AgentEvent::Usage { input_tokens: 137_022, output_tokens: 3704, .. })),
        "{:?}",
        events.last()
    );
}

#[tokio::test]
async fn codex_recorded_exec_json_normalizes() {
    let Some(dir) = fixture("codex") else { return };
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
    // Every completed turn reports its usage (Codex reports tokens, no cost).
    let sample = dir.join("exec-json.openai-docs-exec-md.sample.jsonl");
    let mut codex = Codex::new(&replaying(tmp.path(), "fake-codex-usage", &sample));
    let (outcome, events) = replay(&mut codex, tmp.path()).await;
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(
        events.last(),
        Some(&AgentEvent::Usage { input_tokens: 24_763, output_tokens: 122, cost_usd: None }),
        "the turn's usage is its last event"
    );
    assert!(failed.iter().all(|(_, why)| !why.is_empty()));
    assert!(failed.iter().any(|(name, _)| name.contains("error") || name.contains("truncated")), "{failed:?}");
}

/// Replays a recorded permission prompt (`permission-prompt-stdio.*.jsonl`) through a fake
/// `claude` that prints the recorded `<-claude` lines and, at each `->claude` line, reads what
/// the adapter writes. Answers every request with `answer` and returns the requests, the lines
/// the fake read, the recorded `->claude` lines (their exact text) and the outcome.
async fn replay_permission_prompt(
    capture: &Path,
    answer: requests::Answer,
) -> (Vec<requests::Request>, Vec<String>, Vec<String>, Outcome) {
    let dir = tempfile::tempdir().unwrap();
    let recorded = std::fs::read_to_string(capture).unwrap();
    let lines: Vec<&str> = recorded.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut plan = String::new();
    let mut expected = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let step: serde_json::Value = serde_json::from_str(raw).unwrap();
        if step["dir"] == "->claude" {
            // The exact recorded text of what the caller wrote.
            let text = raw.strip_prefix(r#"{"dir":"->claude","line":"#).and_then(|t| t.strip_suffix('}')).unwrap();
            expected.push(text.to_owned());
            plan.push_str("IN\n");
            continue;
        }
        let mut line = step["line"].clone();
        // The capture blanks the request's input but not the answer's: the allowed input is
        // the requested one, so the request gets it back.
        if line["type"] == "control_request" {
            let next: serde_json::Value = serde_json::from_str(lines[i + 1]).unwrap();
            if let Some(updated) = next["line"]["response"]["response"].get("updatedInput") {
                line["request"]["input"] = updated.clone();
            }
        }
        plan.push_str(&format!("OUT {line}\n"));
    }
    std::fs::write(dir.path().join("plan"), plan).unwrap();
    let log = dir.path().join("stdin.log");
    let body = format!(
        "while IFS= read -r step <&3; do\n  case \"$step\" in\n    OUT*) printf '%s\\n' \"${{step#OUT }}\" ;;\n    IN) IFS= read -r got || exit 1; printf '%s\\n' \"$got\" >> '{log}' ;;\n  esac\ndone 3< '{plan}'",
        log = log.display(),
        plan = dir.path().join("plan").display()
    );
    let mut claude = Claude::new(&program(dir.path(), "fake-claude", &body));
    let input = TurnInput {
        message_seq: 1,
        prompt: "remove the test file".into(),
        worktree: dir.path().to_path_buf(),
        resume: None,
        settings: Default::default(),
        env: baton::agent::env::build(std::env::vars_os(), &[], &[]),
    };
    let (tx, _rx) = mpsc::unbounded_channel();
    let (_stop, mut stop_rx) = watch::channel(Stop::Running);
    let (mut asking, mut answering) = requests::channel();
    let person = tokio::spawn(async move {
        let mut asked = Vec::new();
        while let Some(request) = answering.requests.recv().await {
            let _ = answering.answers.send((request.request_id.clone(), answer.clone()));
            asked.push(request);
        }
        asked
    });
    let outcome = process::run(&mut claude, &input, &tx, &mut asking, &mut stop_rx, Duration::from_secs(20)).await;
    drop(asking);
    let asked = person.await.unwrap();
    let written = std::fs::read_to_string(&log).unwrap_or_default().lines().map(str::to_owned).collect();
    (asked, written, expected, outcome)
}

#[tokio::test]
async fn a_recorded_claude_permission_prompt_is_asked_and_allowed_with_the_exact_control_response() {
    let Some(capture) = fixture("claude/permission-prompt-stdio.approved.hrntknr-claude-code-protocol.jsonl") else {
        return;
    };
    let (asked, written, expected, outcome) = replay_permission_prompt(&capture, requests::Answer::allow()).await;
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].kind, protocol::api::InputKind::Approval);
    assert_eq!(asked[0].tool.as_deref(), Some("Bash"));
    assert_eq!(asked[0].summary, "Bash: rm -f /tmp/ccprotocol_perm_test_file");
    assert_eq!(written.len(), 2, "the prompt, then the answer: {written:?}");
    let prompt: serde_json::Value = serde_json::from_str(&written[0]).unwrap();
    assert_eq!(prompt["type"], "user");
    assert_eq!(written[1], expected[1], "the control_response, byte for byte");
}

#[tokio::test]
async fn a_recorded_claude_permission_prompt_denied_answers_with_the_exact_control_response() {
    let Some(capture) = fixture("claude/permission-prompt-stdio.denied.hrntknr-claude-code-protocol.jsonl") else {
        return;
    };
    let (asked, written, expected, outcome) =
        replay_permission_prompt(&capture, requests::Answer::deny("Denied by test")).await;
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!((asked.len(), asked[0].summary.as_str()), (1, "Bash"), "the capture blanks the input");
    assert_eq!(written.len(), 2, "{written:?}");
    assert_eq!(written[1], expected[1], "the control_response, byte for byte");
}
