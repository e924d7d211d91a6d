//! How a session's events read for people in `baton session watch|log` (text mode): one
//! [`render`] function, pure, from an event to its line(s). The agent's messages read as their
//! text, a command as `$ cargo test`, any other tool call as `→ Edit src/lib.rs`, a file change,
//! the plan, a request for a person and its answer as one line each, and the turn's usage at its
//! end. Events with nothing to say to a person (heartbeats, the agent's thread id, successful
//! tool results) render as nothing.
//!
//! Not here: printing (the caller cleans text through [`crate::output`]), and `--json`, which
//! prints the events exactly as the server sent them.

use protocol::agent::{AgentEvent, FileChangeKind};
use protocol::api::{Decision, Input, InputKind, InputStatus};
use protocol::event::{Event, EventBody};
use serde_json::Value;

/// What `event` says to a person, as `#seq HH:MM:SS ...`; `None` when it says nothing.
pub fn render(event: &Event) -> Option<String> {
    let time = event.at.get(11..19).unwrap_or(&event.at);
    let what = match &event.body {
        EventBody::UserMessage { text, author, attachments } => {
            let files = match attachments.len() {
                0 => String::new(),
                n => format!(" [{n} attachment{}]", if n == 1 { "" } else { "s" }),
            };
            format!("{}: {text}{files}", author.name)
        }
        EventBody::SystemNotice { text } => format!("-- {text}"),
        EventBody::WorkerNotice { text } => format!("-- worker: {text}"),
        EventBody::ContextCleared {} => "-- context cleared: the next turn starts a new conversation".into(),
        EventBody::TurnStart { message_seq } => format!("-- turn of #{message_seq} starts"),
        EventBody::TurnComplete { message_seq } => format!("-- turn of #{message_seq} ended"),
        EventBody::TurnError { message_seq, message, .. } => format!("-- turn of #{message_seq} failed: {message}"),
        EventBody::TurnHeartbeat { .. } => return None,
        EventBody::AgentEvent { event, .. } => agent_event(event)?,
        EventBody::InputRequested { input } => requested(input),
        EventBody::InputAnswered { input } => answered(input),
        other => format!("[{}]", other.type_name()),
    };
    Some(format!("#{} {time} {what}", event.seq))
}

fn agent_event(event: &AgentEvent) -> Option<String> {
    Some(match event {
        AgentEvent::AgentMessage { text } => format!("agent: {text}"),
        AgentEvent::Reasoning { text } => format!("(thinking) {}", first_line(text)),
        AgentEvent::CommandExecution { command, exit_code, .. } => match exit_code {
            Some(code) if *code != 0 => format!("$ {} (exit {code})", first_line(command)),
            _ => format!("$ {}", first_line(command)),
        },
        AgentEvent::ToolCall { name, input, .. } => match tool_subject(input) {
            Some(subject) => format!("→ {name} {}", first_line(&subject)),
            None => format!("→ {name}"),
        },
        AgentEvent::ToolResult { output, is_error: true, .. } => format!("  tool error: {}", first_line(output)),
        AgentEvent::ToolResult { .. } | AgentEvent::Thread { .. } => return None,
        AgentEvent::FileChange { path, change } => {
            let verb = match change {
                FileChangeKind::Add => "added",
                FileChangeKind::Update => "edited",
                FileChangeKind::Delete => "deleted",
            };
            format!("{verb} {path}")
        }
        AgentEvent::TodoList { items } => {
            let done = items.iter().filter(|i| i.done).count();
            let next = items.iter().find(|i| !i.done).map(|i| format!("; next: {}", first_line(&i.text)));
            format!("plan: {done}/{} done{}", items.len(), next.unwrap_or_default())
        }
        AgentEvent::Usage { input_tokens, output_tokens, cost_usd } => {
            let cost = cost_usd.map(|c| format!(", ${c:.2}")).unwrap_or_default();
            format!("tokens {input_tokens} in / {output_tokens} out{cost}")
        }
        AgentEvent::Error { message } => format!("agent error: {message}"),
        _ => "[agent_event]".into(),
    })
}

/// The one field of a tool's input that says what it works on: a path, a pattern, a URL...
fn tool_subject(input: &Value) -> Option<String> {
    const KEYS: [&str; 9] =
        ["file_path", "notebook_path", "path", "command", "pattern", "url", "query", "description", "prompt"];
    KEYS.iter().find_map(|k| input.get(*k).and_then(Value::as_str)).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn requested(input: &Input) -> String {
    let what = match (input.kind, &input.tool) {
        (InputKind::Approval, Some(tool)) => format!("asks to use {tool}"),
        (InputKind::Approval, None) => "asks for approval".into(),
        (InputKind::Question, _) => "asks a question".into(),
    };
    format!(
        "? agent {what}: {} (request {}; `baton answer S-{} {} allow|deny`)",
        first_line(&input.summary),
        input.request_id,
        input.session_id,
        input.request_id
    )
}

fn answered(input: &Input) -> String {
    let how = match (input.status, input.decision) {
        (InputStatus::Expired, _) => "expired (taken as deny)".to_owned(),
        (_, Some(Decision::Allow)) => "allowed".into(),
        (_, Some(Decision::Deny)) => "denied".into(),
        (_, None) => "answered".into(),
    };
    let by = input.answered_by.as_ref().map(|a| format!(" by {}", a.name)).unwrap_or_default();
    let note = input.message.as_deref().map(|m| format!(": {}", first_line(m))).unwrap_or_default();
    format!("request {} {how}{by}{note}", input.request_id)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(body: Value) -> Event {
        let mut value = json!({"seq": 7, "at": "2026-11-21T10:11:12.000Z"});
        value.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    fn agent(e: Value) -> Option<String> {
        render(&event(json!({"type": "agent_event", "message_seq": 5, "event": e})))
    }

    #[test]
    fn agent_messages_read_as_their_text() {
        assert_eq!(
            agent(json!({"kind": "agent_message", "text": "all green"})).unwrap(),
            "#7 10:11:12 agent: all green"
        );
    }

    #[test]
    fn commands_and_tool_calls_take_one_line_each() {
        assert_eq!(
            agent(json!({"kind": "command_execution", "command": "cargo test"})).unwrap(),
            "#7 10:11:12 $ cargo test"
        );
        assert_eq!(
            agent(json!({"kind": "command_execution", "command": "make\nmore", "exit_code": 2})).unwrap(),
            "#7 10:11:12 $ make (exit 2)"
        );
        assert_eq!(
            agent(json!({"kind": "tool_call", "id": "t", "name": "Edit", "input": {"file_path": "src/lib.rs", "old_string": "a"}}))
                .unwrap(),
            "#7 10:11:12 → Edit src/lib.rs"
        );
        assert_eq!(agent(json!({"kind": "tool_call", "id": "t", "name": "Think"})).unwrap(), "#7 10:11:12 → Think");
        assert_eq!(
            agent(json!({"kind": "file_change", "path": "src/a.rs", "change": "add"})).unwrap(),
            "#7 10:11:12 added src/a.rs"
        );
    }

    #[test]
    fn usage_reads_as_tokens_and_dollars() {
        assert_eq!(
            agent(json!({"kind": "usage", "input_tokens": 1234, "output_tokens": 56, "cost_usd": 0.0123})).unwrap(),
            "#7 10:11:12 tokens 1234 in / 56 out, $0.01"
        );
        assert_eq!(
            agent(json!({"kind": "usage", "input_tokens": 1, "output_tokens": 2})).unwrap(),
            "#7 10:11:12 tokens 1 in / 2 out"
        );
    }

    #[test]
    fn heartbeats_thread_ids_and_successful_tool_results_say_nothing() {
        assert_eq!(render(&event(json!({"type": "turn_heartbeat", "message_seq": 5}))), None);
        assert_eq!(agent(json!({"kind": "thread", "id": "abc"})), None);
        assert_eq!(agent(json!({"kind": "tool_result", "id": "t", "output": "ok"})), None);
        assert_eq!(
            agent(json!({"kind": "tool_result", "id": "t", "output": "no such file\nmore", "is_error": true})).unwrap(),
            "#7 10:11:12   tool error: no such file"
        );
    }

    #[test]
    fn requests_and_their_answers_name_the_request() {
        let mut input = serde_json::to_value(Input::example()).unwrap();
        let asked = render(&event(json!({"type": "input_requested", "input": input}))).unwrap();
        assert!(asked.contains("request toolu_01") && asked.contains("baton answer S-"), "{asked}");
        assert!(!asked.contains("[input_requested]"));
        input["status"] = json!("answered");
        input["decision"] = json!("deny");
        input["message"] = json!("not on main");
        let answered = render(&event(json!({"type": "input_answered", "input": input}))).unwrap();
        assert_eq!(answered, "#7 10:11:12 request toolu_01 denied: not on main");
    }

    #[test]
    fn turns_say_when_they_start_end_and_fail() {
        assert_eq!(
            render(&event(json!({"type": "turn_start", "message_seq": 5}))).unwrap(),
            "#7 10:11:12 -- turn of #5 starts"
        );
        assert_eq!(
            render(&event(json!({"type": "turn_error", "message_seq": 5, "message": "exit 1"}))).unwrap(),
            "#7 10:11:12 -- turn of #5 failed: exit 1"
        );
    }
}
