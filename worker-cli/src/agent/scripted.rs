//! The built-in scripted agent, for tests and demos. It reads its prompt line by line:
//!
//! - `write PATH: CONTENT` writes CONTENT (with `\n` for newlines) to PATH in the worktree
//!   (relative, inside the worktree) and reports a file change — in plan mode it only says it
//!   would;
//! - `sleep MS` waits (interruptible), to make long turns;
//! - `fail REASON` fails the turn;
//! - `ask: QUESTION` asks the session's people a question (a `question` request, tool
//!   `AskUserQuestion`, input `{"questions":[{"question":QUESTION,…}]}` as Claude Code asks,
//!   summary QUESTION), and `approve: COMMAND` asks to run a command (an `approval` request,
//!   tool `Bash`, input `{"command":COMMAND}`, summary `Bash: COMMAND`). Both go the way
//!   Claude Code's requests go (the session's permission policy, then a person), wait for the
//!   answer (interruptible; the turn's time limit does not count the waiting), and say it as
//!   an agent message:
//!   - `answer: ANSWERS` when the answer carries answers (ANSWERS as compact JSON, e.g.
//!     `answer: {"Which color?":"Red"}`);
//!   - `answer: allow`, or `answer: allow MESSAGE` when the allow came with a message;
//!   - `answer: deny MESSAGE` (the person's reason, `denied by a person` without one,
//!     `denied: nobody answered in time` on expiry, the plan-mode reason under `plan`);
//!
//!   the turn then goes on. Request ids are `scripted-<message_seq>-<n>` (n from 1 in a turn);
//! - anything else is repeated back.
//!
//! It ends by answering `done: ` and what it did (`wrote P`, `planned P`, `slept N ms`,
//! `asked`, `answered`).

use std::path::{Component, Path};
use std::time::Duration;

use protocol::agent::{AgentEvent, FileChangeKind};
use protocol::api::{Decision, InputKind};
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};

use super::claude_control::ASK_USER_QUESTION;
use super::process::{stop_reason, Stop};
use super::requests::{summary, Answer, Asking, Request, NOBODY_TO_ASK};
use super::{Outcome, TurnInput};

/// A path inside the worktree, or why not.
pub fn safe_relative(path: &str) -> Result<&Path, String> {
    let p = Path::new(path.trim());
    if p.as_os_str().is_empty() || p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(format!("{path:?} is not a relative path inside the worktree"));
    }
    Ok(p)
}

/// The request a line `ask: …` or `approve: …` makes, if it is one.
fn request_of(line: &str, id: String) -> Option<Request> {
    let (kind, tool, input) = if let Some(question) = line.strip_prefix("ask:") {
        let question = json!({"question": question.trim(), "header": "Question", "multiSelect": false, "options": []});
        (InputKind::Question, ASK_USER_QUESTION, json!({ "questions": [question] }))
    } else if let Some(command) = line.strip_prefix("approve:") {
        (InputKind::Approval, "Bash", json!({ "command": command.trim() }))
    } else {
        return None;
    };
    Some(Request { request_id: id, kind, tool: Some(tool.into()), summary: summary(tool, &input), input })
}

/// What the agent says of an answer.
fn say(answer: &Answer) -> String {
    match (&answer.answers, answer.decision, answer.message.as_deref().filter(|m| !m.is_empty())) {
        (Some(answers), _, _) => format!("answer: {}", Value::to_string(answers)),
        (None, Decision::Allow, None) => "answer: allow".into(),
        (None, Decision::Allow, Some(message)) => format!("answer: allow {message}"),
        (None, Decision::Deny, _) => format!("answer: deny {}", answer.deny_message()),
    }
}

pub async fn run(
    input: &TurnInput,
    events: &mpsc::UnboundedSender<AgentEvent>,
    asking: &mut Asking,
    stop: &mut watch::Receiver<Stop>,
    timeout: Duration,
) -> Outcome {
    let mut deadline = tokio::time::Instant::now() + timeout;
    let mut done = Vec::new();
    let mut asked = 0;
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
        } else if let Some(request) = request_of(line, format!("scripted-{}-{}", input.message_seq, asked + 1)) {
            asked += 1;
            let id = request.request_id.clone();
            let since = tokio::time::Instant::now();
            let answer = if asking.send(request) {
                loop {
                    tokio::select! {
                        answer = asking.answers.recv() => match answer {
                            Some((answered, answer)) if answered == id => break answer,
                            Some(_) => continue,
                            None => break Answer::deny(NOBODY_TO_ASK),
                        },
                        changed = stop.changed() => if changed.is_err() || *stop.borrow() != Stop::Running {
                            return Outcome::Failed(stop_reason(*stop.borrow(), timeout));
                        },
                    }
                }
            } else {
                Answer::deny(NOBODY_TO_ASK)
            };
            deadline += since.elapsed();
            let _ = events.send(AgentEvent::AgentMessage { text: say(&answer) });
            done.push("asked".into());
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
            message_seq: 1,
            prompt: "write notes/a.txt: hello\\nworld\nhi".into(),
            worktree: dir.path().into(),
            resume: None,
            settings: Default::default(),
            env: Vec::new(),
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (_s, mut stop) = watch::channel(Stop::Running);
        let mut asking = crate::agent::requests::channel().0;
        assert_eq!(run(&input, &tx, &mut asking, &mut stop, Duration::from_secs(5)).await, Outcome::Completed);
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

    fn asking_input(prompt: &str, dir: &std::path::Path) -> TurnInput {
        TurnInput {
            message_seq: 7,
            prompt: prompt.into(),
            worktree: dir.into(),
            resume: None,
            settings: Default::default(),
            env: Vec::new(),
        }
    }

    async fn messages(rx: &mut mpsc::UnboundedReceiver<AgentEvent>) -> Vec<String> {
        let mut said = Vec::new();
        while let Ok(AgentEvent::AgentMessage { text }) = rx.try_recv() {
            said.push(text);
        }
        said
    }

    #[tokio::test]
    async fn the_scripted_agent_asks_and_says_each_answer() {
        let dir = tempfile::tempdir().unwrap();
        let input = asking_input("ask: Which color?\napprove: rm -f build.log\napprove: make\nask: Why?", dir.path());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (_s, mut stop) = watch::channel(Stop::Running);
        let (mut asking, mut answering) = crate::agent::requests::channel();
        let person = tokio::spawn(async move {
            let mut asked = Vec::new();
            let replies = [
                Answer { answers: Some(json!({"Which color?": "Red"})), ..Answer::allow() },
                Answer::allow(),
                Answer::deny("not now"),
                Answer { message: Some("because".into()), ..Answer::allow() },
            ];
            for reply in replies {
                let request = answering.requests.recv().await.unwrap();
                answering.answers.send((request.request_id.clone(), reply)).unwrap();
                asked.push(request);
            }
            asked
        });
        assert_eq!(run(&input, &tx, &mut asking, &mut stop, Duration::from_secs(5)).await, Outcome::Completed);
        let asked = person.await.unwrap();
        assert_eq!(asked[0].request_id, "scripted-7-1");
        assert_eq!((asked[0].kind, asked[0].summary.as_str()), (InputKind::Question, "Which color?"));
        assert_eq!(asked[0].tool.as_deref(), Some("AskUserQuestion"));
        assert_eq!((asked[1].kind, asked[1].summary.as_str()), (InputKind::Approval, "Bash: rm -f build.log"));
        assert_eq!(asked[1].input, json!({"command": "rm -f build.log"}));
        assert_eq!(asked[3].request_id, "scripted-7-4");
        assert_eq!(
            messages(&mut rx).await,
            [
                r#"answer: {"Which color?":"Red"}"#,
                "answer: allow",
                "answer: deny not now",
                "answer: allow because",
                "done: asked, asked, asked, asked"
            ]
        );
    }

    #[tokio::test]
    async fn a_scripted_request_with_nobody_to_ask_is_denied_not_left_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (_s, mut stop) = watch::channel(Stop::Running);
        let (mut asking, answering) = crate::agent::requests::channel();
        drop(answering);
        let input = asking_input("approve: ls", dir.path());
        assert_eq!(run(&input, &tx, &mut asking, &mut stop, Duration::from_secs(5)).await, Outcome::Completed);
        assert_eq!(messages(&mut rx).await[0], format!("answer: deny {NOBODY_TO_ASK}"));
    }

    #[tokio::test]
    async fn an_interrupt_stops_a_scripted_agent_that_waits_for_a_person() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, _rx) = mpsc::unbounded_channel();
        let (stop_tx, mut stop) = watch::channel(Stop::Running);
        let (mut asking, mut answering) = crate::agent::requests::channel();
        let input = asking_input("ask: anyone?", dir.path());
        let turn = async { run(&input, &tx, &mut asking, &mut stop, Duration::from_millis(50)).await };
        let interrupt = async {
            // Asked, and nobody answers: the time limit (50 ms) does not count the waiting.
            let _request = answering.requests.recv().await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            stop_tx.send(Stop::Interrupted).unwrap();
            answering
        };
        let (outcome, _answering) = tokio::join!(turn, interrupt);
        assert_eq!(outcome, Outcome::Failed("interrupted by the user".into()));
    }
}
