//! The provider-neutral events of a coding agent. Every adapter (Claude Code, Codex, a plain
//! command, the scripted agent) normalizes what its agent prints into these, so the
//! transcript, the web UI and the chat bridges read one format.

use serde::{Deserialize, Serialize};

/// One thing an agent did or said during a turn. Tagged by `kind`; readers ignore kinds they
/// do not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AgentEvent {
    /// The agent's own conversation id (Claude's session id, Codex's thread id), used to resume.
    Thread { id: String },
    /// Text for the person.
    AgentMessage { text: String },
    /// The agent's visible reasoning.
    Reasoning { text: String },
    /// A tool call that is not one of the kinds below.
    ToolCall {
        id: String,
        name: String,
        #[serde(default)]
        input: serde_json::Value,
    },
    /// A tool call's result.
    ToolResult {
        id: String,
        #[serde(default)]
        output: String,
        #[serde(default)]
        is_error: bool,
    },
    /// A shell command the agent ran.
    CommandExecution {
        #[serde(default)]
        id: String,
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i64>,
    },
    /// A file the agent added, changed or deleted.
    FileChange { path: String, change: FileChangeKind },
    /// The agent's plan, as a to-do list.
    TodoList { items: Vec<TodoItem> },
    /// What the turn cost.
    Usage {
        #[serde(default)]
        input_tokens: u64,
        #[serde(default)]
        output_tokens: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cost_usd: Option<f64>,
    },
    /// Something went wrong inside the agent (the turn may still go on).
    Error { message: String },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileChangeKind {
    Add,
    Update,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TodoItem {
    pub text: String,
    #[serde(default)]
    pub done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_unknown_kinds_are_tolerated() {
        for text in [
            r#"{"kind":"agent_message","text":"done"}"#,
            r#"{"kind":"file_change","path":"src/lib.rs","change":"update"}"#,
            r#"{"kind":"command_execution","id":"c1","command":"cargo test","exit_code":0}"#,
            r#"{"kind":"usage","input_tokens":10,"output_tokens":5,"cost_usd":0.01}"#,
            r#"{"kind":"todo_list","items":[{"text":"a","done":true}]}"#,
        ] {
            let event: AgentEvent = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&event).unwrap(), text);
        }
        let newer: AgentEvent = serde_json::from_str(r#"{"kind":"hologram","x":1}"#).unwrap();
        assert_eq!(newer, AgentEvent::Unknown);
    }
}
