//! The built-in scripted agent, for tests and demos. It reads its prompt line by line:
//!
//! - `write PATH: CONTENT` writes CONTENT (with `\n` for newlines) to PATH in the worktree
//!   (relative, inside the worktree) and reports a file change — in plan mode it only says it
//!   would;
//! - `sleep MS` waits (interruptible), to make long turns;
//! - `fail REASON` fails the turn;
//! - anything else is repeated back.
//!
//! It ends by answering `done: ` and what it did.

use std::path::{Component, Path};
use std::time::Duration;

use protocol::agent::{AgentEvent, FileChangeKind};
use tokio::sync::{mpsc, watch};

use super::process::{stop_reason, Stop};
use super::{Outcome, TurnInput};

/// A path inside the worktree, or why not.
pub fn safe_relative(path: &str) -> Result<&Path, String> {
    let p = Path::new(path.trim());
    if p.as_os_str().is_empty() || p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(format!("{path:?} is not a relative path inside the worktree"));
    }
    Ok(p)
}

pub async fn run(
    input: &TurnInput,
    events: &mpsc::UnboundedSender<AgentEvent>,
    stop: &mut watch::Receiver<Stop>,
    timeout: Duration,
) -> Outcome {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut done = Vec::new();
    for line in input.prompt.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if *stop.borrow() != Stop::Running {
            return Outcome::Failed(stop_reason(*stop.borrow(), timeout));
        }
        if let Some(rest) = line.strip_prefix("write ") {
            let Some((path, content)) = rest.split_once(':') else {
                return Outcome::Failed(format!("cannot read {line:?}: write PATH: CONTENT"));
            };
            let path = match safe_relative(path) {
                Ok(p) => p,
                Err(why) => return Outcome::Failed(why),
            };
            if input.settings.plan_mode {
                let _ = events.send(AgentEvent::AgentMessage { text: format!("plan: would write {}", path.display()) });
                done.push(format!("planned {}", path.display()));
                continue;
            }
            let full = input.worktree.join(path);
            let existed = full.exists();
            if let Some(parent) = full.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(e) = std::fs::write(&full, content.trim_start().replace("\\n", "\n")) {
                return Outcome::Failed(format!("cannot write {}: {e}", path.display()));
            }
            let change = if existed { FileChangeKind::Update } else { FileChangeKind::Add };
            let _ = events.send(AgentEvent::FileChange { path: path.display().to_string(), change });
            done.push(format!("wrote {}", path.display()));
        } else if let Some(ms) = line.strip_prefix("sleep ").and_then(|ms| ms.trim().parse::<u64>().ok()) {
            let until = (tokio::time::Instant::now() + Duration::from_millis(ms)).min(deadline);
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(until) => break,
                    changed = stop.changed() => if changed.is_err() || *stop.borrow() != Stop::Running {
                        return Outcome::Failed(stop_reason(*stop.borrow(), timeout));
                    },
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Outcome::Failed(stop_reason(Stop::TimedOut, timeout));
            }
            done.push(format!("slept {ms} ms"));
        } else if let Some(reason) = line.strip_prefix("fail ") {
            return Outcome::Failed(reason.to_owned());
        } else {
            let _ = events.send(AgentEvent::AgentMessage { text: line.to_owned() });
            done.push("answered".into());
        }
    }
    let _ = events.send(AgentEvent::AgentMessage { text: format!("done: {}", done.join(", ")) });
    Outcome::Completed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn it_writes_files_inside_the_worktree_and_answers() {
        let dir = tempfile::tempdir().unwrap();
        let input = TurnInput {
            prompt: "write notes/a.txt: hello\\nworld\nhi".into(),
            worktree: dir.path().into(),
            resume: None,
            settings: Default::default(),
            env: Vec::new(),
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (_s, mut stop) = watch::channel(Stop::Running);
        assert_eq!(run(&input, &tx, &mut stop, Duration::from_secs(5)).await, Outcome::Completed);
        assert_eq!(std::fs::read_to_string(dir.path().join("notes/a.txt")).unwrap(), "hello\nworld");
        assert_eq!(
            rx.recv().await,
            Some(AgentEvent::FileChange { path: "notes/a.txt".into(), change: FileChangeKind::Add })
        );
        assert_eq!(rx.recv().await, Some(AgentEvent::AgentMessage { text: "hi".into() }));
        assert_eq!(
            rx.recv().await,
            Some(AgentEvent::AgentMessage { text: "done: wrote notes/a.txt, answered".into() })
        );
    }

    #[test]
    fn paths_outside_the_worktree_are_refused() {
        for bad in ["/etc/passwd", "../x", "a/../../x", "", "./."] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
        assert!(safe_relative("src/lib.rs").is_ok());
    }
}
