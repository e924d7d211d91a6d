//! Markdown views of a project's plan and a session's transcript, for agents that read a
//! resource rather than call a tool. Pure: from the API's own JSON, unit-tested natively.
//!
//! Agent output is untrusted: it is quoted as it is, never interpreted here; the reader (an
//! agent's model) sees it as text of the transcript.

use std::fmt::Write;

use serde_json::Value;

use crate::interop::str_of;

/// The plan: each requirement with its tasks, their status and dependencies.
pub fn plan(project: &Value, requirements: &Value, tasks: &Value) -> String {
    let mut out = format!("# Plan of {}\n", str_of(project, "name"));
    let tasks: Vec<&Value> = tasks.as_array().map(|t| t.iter().collect()).unwrap_or_default();
    let requirements = requirements.as_array().cloned().unwrap_or_default();
    if requirements.is_empty() {
        out.push_str("\nNo requirements yet.\n");
    }
    for r in &requirements {
        let _ = write!(out, "\n## {} {} [{}]\n", str_of(r, "handle"), str_of(r, "title"), str_of(r, "status"));
        let body = str_of(r, "body");
        if !body.is_empty() {
            let _ = writeln!(out, "\n{}", body.trim());
        }
        let mine: Vec<&&Value> = tasks.iter().filter(|t| t.get("requirement_id") == r.get("id")).collect();
        if !mine.is_empty() {
            out.push('\n');
        }
        for t in mine {
            let deps: Vec<&str> =
                t.get("depends_on").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
            let _ = write!(out, "- {} {} [{}]", str_of(t, "handle"), str_of(t, "title"), str_of(t, "status"));
            if !deps.is_empty() {
                let _ = write!(out, " after {}", deps.join(", "));
            }
            if t.get("ready").and_then(Value::as_bool) == Some(true) {
                out.push_str(" (ready)");
            }
            out.push('\n');
        }
    }
    out
}

/// The transcript: one line or paragraph per event worth reading.
pub fn transcript(session: &str, events: &Value) -> String {
    let mut out = format!("# Transcript of {session}\n\n");
    for e in events.as_array().into_iter().flatten() {
        let seq = e.get("seq").and_then(Value::as_u64).unwrap_or_default();
        let line = match str_of(e, "type") {
            "user_message" => format!(
                "**{}**: {}",
                e.pointer("/author/name").and_then(Value::as_str).unwrap_or("someone"),
                str_of(e, "text")
            ),
            "system_notice" | "worker_notice" => format!("_{}_", str_of(e, "text")),
            "turn_start" => "_the agent started_".to_owned(),
            "turn_complete" => "_the turn completed_".to_owned(),
            "turn_error" => format!("_the turn failed: {}_", str_of(e, "message")),
            "agent_event" => match e.pointer("/event/kind").and_then(Value::as_str) {
                Some("agent_message") => {
                    format!("**agent**: {}", e.pointer("/event/text").and_then(Value::as_str).unwrap_or_default())
                }
                Some("command_execution") => {
                    format!("`$ {}`", e.pointer("/event/command").and_then(Value::as_str).unwrap_or_default())
                }
                Some("file_change") => {
                    format!("_changed {}_", e.pointer("/event/path").and_then(Value::as_str).unwrap_or_default())
                }
                _ => continue,
            },
            "input_requested" => {
                format!("_asks a person: {}_", e.pointer("/input/summary").and_then(Value::as_str).unwrap_or_default())
            }
            "input_answered" => "_a person answered_".to_owned(),
            _ => continue,
        };
        let _ = write!(out, "{seq}. {line}\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_plan_lists_each_requirement_with_its_tasks_and_their_order() {
        let text = plan(
            &json!({"name": "web"}),
            &json!([{"id": 1, "handle": "R-1", "title": "Login", "status": "open", "body": "People log in."}]),
            &json!([
                {"handle": "T-1", "requirement_id": 1, "title": "Form", "status": "done", "depends_on": [], "ready": false},
                {"handle": "T-2", "requirement_id": 1, "title": "Check", "status": "open", "depends_on": ["T-1"], "ready": true},
                {"handle": "T-9", "requirement_id": 2, "title": "Other", "status": "open", "depends_on": []}
            ]),
        );
        assert!(text.starts_with("# Plan of web\n"), "{text}");
        assert!(text.contains("## R-1 Login [open]\n\nPeople log in.\n"), "{text}");
        assert!(text.contains("- T-2 Check [open] after T-1 (ready)\n"), "{text}");
        assert!(!text.contains("T-9"), "another requirement's task: {text}");
        assert!(plan(&json!({"name": "x"}), &json!([]), &json!([])).contains("No requirements yet."));
    }

    #[test]
    fn a_transcript_shows_messages_answers_and_turn_ends() {
        let text = transcript(
            "S-2",
            &json!([
                {"seq": 1, "type": "user_message", "text": "hi", "author": {"name": "ann"}},
                {"seq": 2, "type": "agent_event", "event": {"kind": "agent_message", "text": "hello"}},
                {"seq": 3, "type": "agent_event", "event": {"kind": "usage"}},
                {"seq": 4, "type": "turn_complete", "message_seq": 1}
            ]),
        );
        assert!(text.contains("1. **ann**: hi\n") && text.contains("2. **agent**: hello\n"), "{text}");
        assert!(!text.contains("3."), "usage is not shown: {text}");
        assert!(text.contains("4. _the turn completed_"), "{text}");
    }
}
