//! What an agent asks of a person during a turn, in agent-neutral terms: a [`Request`] (the
//! approval of a tool call, or a question) goes out, an [`Answer`] comes back, matched by the
//! agent's own request id.
//!
//! - [`route`] applies the session's [`PermissionPolicy`] first: `allow_all` allows at once and
//!   `plan` denies at once (with [`PLAN_DENIED`], which the agent reads), nobody asked; `ask`
//!   asks a person.
//! - [`summary`] is the one line a person reads: the tool and its key input (the command, the
//!   file, the question).
//! - [`channel`] joins the two ends of a turn: the agent's driver ([`super::process`],
//!   [`super::scripted`]) holds the [`Asking`] end, the daemon the [`Answering`] end.
//!
//! Not here: how Claude Code encodes requests and answers ([`super::claude_control`]), and how
//! the daemon asks the server and waits ([`crate::daemon::inputs`]).

use protocol::api::{Decision, Input, InputKind, InputStatus, PermissionPolicy};
use serde_json::Value;
use tokio::sync::mpsc;

/// What the agent is told when the session is in plan mode.
pub const PLAN_DENIED: &str =
    "denied: this session is in plan mode, which only reads and proposes; describe the change instead of making it";
/// What the agent is told when nobody answered in time.
pub const EXPIRED: &str = "denied: nobody answered in time";
/// What the agent is told when a person denied without a reason.
pub const DENIED: &str = "denied by a person";
/// What the agent is told when its request could not reach anybody.
pub const NOBODY_TO_ASK: &str = "denied: nobody can be asked right now";

/// A request of an agent for a person.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The agent's own id (Claude Code's `control_request` id): unique within the session.
    pub request_id: String,
    pub kind: InputKind,
    /// The tool the agent wants to use.
    pub tool: Option<String>,
    /// One line for a person: see [`summary`].
    pub summary: String,
    /// The tool's input, as the agent sent it.
    pub input: Value,
}

/// A decision on a [`Request`].
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub decision: Decision,
    /// A deny's reason (the agent reads it), or a note with an allow.
    pub message: Option<String>,
    /// A question's answers, as the agent expects them (Claude: question text → label).
    pub answers: Option<Value>,
}

impl Answer {
    pub fn allow() -> Answer {
        Answer { decision: Decision::Allow, message: None, answers: None }
    }

    pub fn deny(message: &str) -> Answer {
        Answer { decision: Decision::Deny, message: Some(message.to_owned()), answers: None }
    }

    /// The answer an [`Input`] holds once it is no longer pending: an expired one is a deny
    /// with [`EXPIRED`] (or the server's reason).
    pub fn of(input: &Input) -> Option<Answer> {
        match input.status {
            InputStatus::Pending => None,
            InputStatus::Expired => Some(Answer::deny(input.message.as_deref().unwrap_or(EXPIRED))),
            InputStatus::Answered => Some(Answer {
                decision: input.decision.unwrap_or(Decision::Deny),
                message: input.message.clone(),
                answers: input.answers.clone(),
            }),
        }
    }

    /// A deny's reason for the agent, never empty.
    pub fn deny_message(&self) -> &str {
        self.message.as_deref().filter(|m| !m.trim().is_empty()).unwrap_or(DENIED)
    }
}

/// What the session's policy does with a request: `Some` answers it at once, `None` asks a
/// person.
pub fn route(policy: PermissionPolicy, _request: &Request) -> Option<Answer> {
    match policy {
        PermissionPolicy::AllowAll => Some(Answer::allow()),
        PermissionPolicy::Plan => Some(Answer::deny(PLAN_DENIED)),
        PermissionPolicy::Ask => None,
    }
}

/// The longest summary, in characters.
const SUMMARY_MAX: usize = 200;

/// One line a person can read: `Bash: rm -f build.log`, `Edit: src/lib.rs`, the question.
pub fn summary(tool: &str, input: &Value) -> String {
    let key = |k: &str| input[k].as_str().map(str::to_owned);
    let detail = match tool {
        "AskUserQuestion" => {
            let questions: Vec<&str> = input["questions"]
                .as_array()
                .map(|qs| qs.iter().filter_map(|q| q["question"].as_str()).collect())
                .unwrap_or_default();
            if !questions.is_empty() {
                return clip(&questions.join(" / "));
            }
            None
        }
        "Bash" => key("command"),
        "Write" | "Edit" | "MultiEdit" | "Read" => key("file_path"),
        "NotebookEdit" => key("notebook_path"),
        "WebFetch" => key("url"),
        "WebSearch" => key("query"),
        "Glob" | "Grep" => key("pattern"),
        "Task" => key("description"),
        "ExitPlanMode" => key("plan"),
        _ => None,
    };
    let detail = detail.unwrap_or_else(|| match input {
        Value::Null => String::new(),
        Value::Object(map) if map.is_empty() => String::new(),
        other => other.to_string(),
    });
    if detail.is_empty() {
        clip(tool)
    } else {
        clip(&format!("{tool}: {detail}"))
    }
}

/// One line, at most [`SUMMARY_MAX`] characters.
fn clip(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= SUMMARY_MAX {
        return line;
    }
    let mut cut: String = line.chars().take(SUMMARY_MAX - 1).collect();
    cut.push('…');
    cut
}

/// The agent's end of a turn's requests.
pub struct Asking {
    pub requests: mpsc::UnboundedSender<Request>,
    pub answers: mpsc::UnboundedReceiver<(String, Answer)>,
}

/// The daemon's end of a turn's requests.
pub struct Answering {
    pub requests: mpsc::UnboundedReceiver<Request>,
    pub answers: mpsc::UnboundedSender<(String, Answer)>,
}

/// A turn's two ends. With the [`Answering`] end dropped, every request is denied with
/// [`NOBODY_TO_ASK`] (nothing waits forever).
pub fn channel() -> (Asking, Answering) {
    let (requests_tx, requests_rx) = mpsc::unbounded_channel();
    let (answers_tx, answers_rx) = mpsc::unbounded_channel();
    (Asking { requests: requests_tx, answers: answers_rx }, Answering { requests: requests_rx, answers: answers_tx })
}

impl Asking {
    /// Sends a request; `false` when nobody listens any more.
    pub fn send(&self, request: Request) -> bool {
        self.requests.send(request).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request() -> Request {
        Request {
            request_id: "r1".into(),
            kind: InputKind::Approval,
            tool: Some("Bash".into()),
            summary: "Bash: ls".into(),
            input: json!({"command": "ls"}),
        }
    }

    #[test]
    fn allow_all_allows_and_plan_denies_without_asking_anybody() {
        assert_eq!(route(PermissionPolicy::AllowAll, &request()), Some(Answer::allow()));
        assert_eq!(route(PermissionPolicy::Plan, &request()), Some(Answer::deny(PLAN_DENIED)));
        assert_eq!(route(PermissionPolicy::Ask, &request()), None);
    }

    #[test]
    fn summaries_name_the_tool_and_its_key_input_on_one_short_line() {
        assert_eq!(summary("Bash", &json!({"command": "rm -f a\n  b", "description": "x"})), "Bash: rm -f a b");
        assert_eq!(summary("Edit", &json!({"file_path": "src/lib.rs", "old_string": "a"})), "Edit: src/lib.rs");
        assert_eq!(
            summary("AskUserQuestion", &json!({"questions": [{"question": "Which color?"}, {"question": "Why?"}]})),
            "Which color? / Why?"
        );
        assert_eq!(summary("Bash", &json!({})), "Bash");
        assert_eq!(summary("mcp__x__y", &json!({"a": 1})), r#"mcp__x__y: {"a":1}"#);
        let long = summary("Bash", &json!({"command": "x".repeat(500)}));
        assert_eq!(long.chars().count(), SUMMARY_MAX);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn an_expired_input_is_a_deny_the_agent_can_read_and_a_pending_one_no_answer() {
        let mut input = Input::example();
        assert_eq!(Answer::of(&input), None);
        input.status = InputStatus::Expired;
        assert_eq!(Answer::of(&input), Some(Answer::deny(EXPIRED)));
        input.status = InputStatus::Answered;
        input.decision = Some(Decision::Allow);
        input.answers = Some(json!({"Which color?": "Red"}));
        let answer = Answer::of(&input).unwrap();
        assert_eq!((answer.decision, answer.answers), (Decision::Allow, Some(json!({"Which color?": "Red"}))));
        assert_eq!(
            Answer { decision: Decision::Deny, message: Some(" ".into()), answers: None }.deny_message(),
            DENIED
        );
    }
}
