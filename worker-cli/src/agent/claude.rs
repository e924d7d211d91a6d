//! Claude Code: `claude -p --input-format stream-json --output-format stream-json --verbose
//! --permission-prompt-tool stdio --permission-mode MODE [--model=M] [--resume=ID]`, resuming
//! its own session id. The prompt is one stream-json `user` line on its stdin, which stays open
//! until Claude's `result` line (then it is closed, and Claude exits): while the turn runs,
//! Claude asks before using a tool its mode does not allow by itself (and for every
//! `AskUserQuestion`) with a `control_request`, answered on its stdin ([`super::claude_control`]).
//!
//! Reads its stream-json lines: `system`/`init` (the session id), `assistant` (text, thinking,
//! tool uses), `user` (tool results), `result` (the end, with the turn's cost
//! `total_cost_usd` and `usage`, reported as a `usage` event), and the control requests.
//!
//! It works in the worker's [`PermissionMode`] (`baton worker register --permission-mode`),
//! `acceptEdits` unless the host owner chooses otherwise; a session in plan mode always plans.
//! What the mode does not allow is asked of the session's people, or settled by its
//! permission policy (see [`super::requests`]).

use protocol::agent::{AgentEvent, FileChangeKind, TodoItem};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::claude_control::{self, Control};
use super::requests::{Answer, Request};
use super::{Adapter, Outcome, TurnInput};

/// Claude Code's `--permission-mode`: what it may do without asking. Headless, nobody answers
/// its questions, so what needs asking is refused. `acceptEdits` lets it edit files in the
/// worktree but not run commands unasked; `bypassPermissions` lets it do anything the host
/// user can, which the worker's owner must choose knowingly (members' messages drive it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum PermissionMode {
    #[serde(rename = "default")]
    #[value(name = "default")]
    Default,
    #[default]
    #[serde(rename = "acceptEdits")]
    #[value(name = "acceptEdits")]
    AcceptEdits,
    #[serde(rename = "bypassPermissions")]
    #[value(name = "bypassPermissions")]
    BypassPermissions,
    #[serde(rename = "plan")]
    #[value(name = "plan")]
    Plan,
}

impl PermissionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionMode::Default => "default",
            PermissionMode::AcceptEdits => "acceptEdits",
            PermissionMode::BypassPermissions => "bypassPermissions",
            PermissionMode::Plan => "plan",
        }
    }
}

pub struct Claude {
    program: String,
    mode: PermissionMode,
    result: Option<Outcome>,
    /// Requests raised, not yet taken by the driver.
    raised: Vec<Request>,
    /// Requests Claude waits on, by id.
    waiting: std::collections::HashMap<String, Request>,
    /// Lines for Claude's stdin, not yet taken.
    writes: Vec<String>,
}

impl Claude {
    /// Claude Code in the default [`PermissionMode`] (`acceptEdits`).
    pub fn new(program: &str) -> Self {
        Claude {
            program: program.to_owned(),
            mode: PermissionMode::default(),
            result: None,
            raised: Vec::new(),
            waiting: Default::default(),
            writes: Vec::new(),
        }
    }

    /// The mode for turns of sessions not in plan mode.
    pub fn permission_mode(mut self, mode: PermissionMode) -> Self {
        self.mode = mode;
        self
    }
}

impl Adapter for Claude {
    fn command(&self, input: &TurnInput) -> (String, Vec<String>) {
        let mut args: Vec<String> =
            ["-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        // Permission prompts come to us as control requests on stdout, answered on stdin.
        args.extend(["--permission-prompt-tool".into(), "stdio".into()]);
        let mode = if input.settings.plan_mode { PermissionMode::Plan } else { self.mode };
        args.extend(["--permission-mode".into(), mode.as_str().into()]);
        // `--flag=value`: a value that starts with `-` stays a value.
        if let Some(model) = &input.settings.model {
            args.push(format!("--model={model}"));
        }
        if let Some(id) = &input.resume {
            args.push(format!("--resume={id}"));
        }
        (self.program.clone(), args)
    }

    fn stdin(&self, input: &TurnInput) -> Option<String> {
        let line =
            json!({"type": "user", "message": {"role": "user", "content": [{"type": "text", "text": input.prompt}]}});
        Some(format!("{line}\n"))
    }

    fn parse_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let Ok(v) = serde_json::from_str::<Value>(line) else { return Vec::new() };
        match claude_control::parse(&v) {
            Some(Control::Ask(request)) => {
                self.waiting.insert(request.request_id.clone(), request.clone());
                self.raised.push(request);
                return Vec::new();
            }
            Some(Control::Cancel(id)) => {
                self.waiting.remove(&id);
                return Vec::new();
            }
            Some(Control::Unsupported { request_id, subtype }) => {
                let why = format!("baton does not serve the control request {subtype:?}");
                self.writes.push(claude_control::error_response(&request_id, &why));
                return Vec::new();
            }
            None => {}
        }
        match v["type"].as_str() {
            Some("system") if v["subtype"] == "init" => {
                v["session_id"].as_str().map(|id| vec![AgentEvent::Thread { id: id.to_owned() }]).unwrap_or_default()
            }
            Some("assistant") => blocks(&v).iter().filter_map(assistant_block).collect(),
            Some("user") => blocks(&v).iter().filter_map(tool_result).collect(),
            Some("result") => {
                let ok = v["subtype"] == "success" && !v["is_error"].as_bool().unwrap_or(false);
                self.result = Some(if ok {
                    Outcome::Completed
                } else {
                    Outcome::Failed(
                        v["result"].as_str().or(v["subtype"].as_str()).unwrap_or("claude reported an error").to_owned(),
                    )
                });
                vec![usage(&v)]
            }
            _ => Vec::new(),
        }
    }

    fn finish(&mut self, exited_ok: bool) -> Outcome {
        match self.result.take() {
            Some(outcome) => outcome,
            None if exited_ok => Outcome::Failed("claude produced no result".into()),
            None => Outcome::Failed("claude exited with an error before a result".into()),
        }
    }

    fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.raised)
    }

    fn answer(&mut self, request_id: &str, answer: &Answer) {
        // Once per request: a second answer, or one to a withdrawn request, writes nothing.
        if let Some(request) = self.waiting.remove(request_id) {
            self.writes.push(claude_control::response(&request, answer));
        }
    }

    fn take_writes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.writes)
    }

    fn stdin_open(&self) -> bool {
        self.result.is_none()
    }
}

/// What the turn cost, from its `result`: `total_cost_usd`, and the tokens of every model the
/// turn used (`modelUsage`, which subagents' models are part of and which adds up to the cost;
/// the top-level `usage` counts the main model's last call only, so it is the fallback).
/// Input tokens are all the tokens the models read: uncached, cache writes and cache reads
/// (as Codex counts its cached input among its input tokens).
fn usage(v: &Value) -> AgentEvent {
    let n = |u: &Value, k: &str| u[k].as_u64().unwrap_or(0);
    let (input_tokens, output_tokens) = match v["modelUsage"].as_object().filter(|m| !m.is_empty()) {
        Some(models) => models.values().fold((0, 0), |(i, o), m| {
            let read = n(m, "inputTokens") + n(m, "cacheReadInputTokens") + n(m, "cacheCreationInputTokens");
            (i + read, o + n(m, "outputTokens"))
        }),
        None => {
            let u = &v["usage"];
            let read = n(u, "input_tokens") + n(u, "cache_read_input_tokens") + n(u, "cache_creation_input_tokens");
            (read, n(u, "output_tokens"))
        }
    };
    AgentEvent::Usage { input_tokens, output_tokens, cost_usd: v["total_cost_usd"].as_f64() }
}

fn blocks(v: &Value) -> Vec<Value> {
    v["message"]["content"].as_array().cloned().unwrap_or_default()
}

fn assistant_block(block: &Value) -> Option<AgentEvent> {
    match block["type"].as_str()? {
        "text" => Some(AgentEvent::AgentMessage { text: block["text"].as_str()?.to_owned() }),
        "thinking" => Some(AgentEvent::Reasoning { text: block["thinking"].as_str()?.to_owned() }),
        "tool_use" => Some(tool_use(block)),
        _ => None,
    }
}

fn tool_use(block: &Value) -> AgentEvent {
    let id = block["id"].as_str().unwrap_or("").to_owned();
    let name = block["name"].as_str().unwrap_or("");
    let input = &block["input"];
    match name {
        "Bash" => AgentEvent::CommandExecution {
            id,
            command: input["command"].as_str().unwrap_or("").to_owned(),
            output: None,
            exit_code: None,
        },
        "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => AgentEvent::FileChange {
            path: input["file_path"].as_str().or(input["notebook_path"].as_str()).unwrap_or("").to_owned(),
            change: if name == "Write" { FileChangeKind::Add } else { FileChangeKind::Update },
        },
        "TodoWrite" => AgentEvent::TodoList {
            items: input["todos"]
                .as_array()
                .map(|todos| {
                    todos
                        .iter()
                        .map(|t| TodoItem {
                            text: t["content"].as_str().unwrap_or("").to_owned(),
                            done: t["status"] == "completed",
                        })
                        .collect()
                })
                .unwrap_or_default(),
        },
        _ => AgentEvent::ToolCall { id, name: name.to_owned(), input: input.clone() },
    }
}

fn tool_result(block: &Value) -> Option<AgentEvent> {
    if block["type"] != "tool_result" {
        return None;
    }
    let output = match &block["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect::<Vec<_>>().join("\n"),
        _ => String::new(),
    };
    Some(AgentEvent::ToolResult {
        id: block["tool_use_id"].as_str().unwrap_or("").to_owned(),
        output,
        is_error: block["is_error"].as_bool().unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[&str] = &[
        r#"{"type":"system","subtype":"init","session_id":"s-1","tools":["Bash"]}"#,
        r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Looking."},{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}]}}"#,
        r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"a\nb","is_error":false}]}}"#,
        r#"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t2","name":"Write","input":{"file_path":"x.txt","content":"x"}},{"type":"tool_use","id":"t3","name":"TodoWrite","input":{"todos":[{"content":"do","status":"completed"}]}},{"type":"tool_use","id":"t4","name":"Grep","input":{"pattern":"p"}}]}}"#,
        r#"{"type":"result","subtype":"success","is_error":false,"result":"Done.","total_cost_usd":0.5,"usage":{"input_tokens":10,"output_tokens":3}}"#,
    ];

    #[test]
    fn a_documented_stream_normalizes() {
        let mut claude = Claude::new("claude");
        let events: Vec<AgentEvent> = SAMPLE.iter().flat_map(|l| claude.parse_line(l)).collect();
        assert_eq!(events[0], AgentEvent::Thread { id: "s-1".into() });
        assert_eq!(events[1], AgentEvent::AgentMessage { text: "Looking.".into() });
        assert!(matches!(&events[2], AgentEvent::CommandExecution { command, .. } if command == "ls"));
        assert!(matches!(&events[3], AgentEvent::ToolResult { output, is_error: false, .. } if output == "a\nb"));
        assert!(matches!(&events[4], AgentEvent::FileChange { path, change: FileChangeKind::Add } if path == "x.txt"));
        assert!(matches!(&events[5], AgentEvent::TodoList { items } if items[0].done));
        assert!(matches!(&events[6], AgentEvent::ToolCall { name, .. } if name == "Grep"));
        assert!(
            matches!(events[7], AgentEvent::Usage { input_tokens: 10, output_tokens: 3, cost_usd: Some(c) } if c == 0.5)
        );
        assert_eq!(claude.finish(true), Outcome::Completed);
    }

    #[test]
    fn a_turns_usage_counts_every_model_and_the_cache_and_its_cost() {
        let mut claude = Claude::new("claude");
        let line = r#"{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.3,"usage":{"input_tokens":1,"cache_read_input_tokens":2,"output_tokens":3},"modelUsage":{"a":{"inputTokens":10,"cacheReadInputTokens":20,"cacheCreationInputTokens":5,"outputTokens":7},"b":{"inputTokens":1,"outputTokens":1}}}"#;
        assert_eq!(
            claude.parse_line(line),
            vec![AgentEvent::Usage { input_tokens: 36, output_tokens: 8, cost_usd: Some(0.3) }]
        );
        // Without modelUsage (older versions), the top-level usage with its cache.
        let line = r#"{"type":"result","subtype":"success","total_cost_usd":0.1,"usage":{"input_tokens":1,"cache_read_input_tokens":2,"cache_creation_input_tokens":4,"output_tokens":3}}"#;
        assert_eq!(
            claude.parse_line(line),
            vec![AgentEvent::Usage { input_tokens: 7, output_tokens: 3, cost_usd: Some(0.1) }]
        );
        // An error result still reports what it cost.
        let line = r#"{"type":"result","subtype":"error_during_execution","is_error":true,"total_cost_usd":0.2}"#;
        assert_eq!(
            claude.parse_line(line),
            vec![AgentEvent::Usage { input_tokens: 0, output_tokens: 0, cost_usd: Some(0.2) }]
        );
    }

    #[test]
    fn errors_and_missing_results_fail_the_turn() {
        let mut claude = Claude::new("claude");
        claude.parse_line(r#"{"type":"result","subtype":"error_max_turns","is_error":true}"#);
        assert_eq!(claude.finish(true), Outcome::Failed("error_max_turns".into()));
        assert!(matches!(Claude::new("c").finish(true), Outcome::Failed(_)));
        assert!(Claude::new("c").parse_line("not json").is_empty());
    }

    #[test]
    fn resuming_passes_the_session_id_and_the_prompt_goes_on_stdin() {
        let mut input = TurnInput {
            message_seq: 1,
            prompt: "hi".into(),
            worktree: "/w".into(),
            resume: Some("s-1".into()),
            settings: Default::default(),
            env: Vec::new(),
        };
        let claude = Claude::new("claude");
        let (_, args) = claude.command(&input);
        assert!(args.contains(&"--resume=s-1".to_owned()));
        input.settings.plan_mode = true;
        input.settings.model = Some("opus".into());
        let (_, args) = claude.command(&input);
        assert!(args.windows(2).any(|w| w == ["--permission-mode", "plan"]));
        assert!(args.contains(&"--model=opus".to_owned()));
        let line: Value = serde_json::from_str(claude.stdin(&input).unwrap().trim()).unwrap();
        assert_eq!(line["message"]["content"][0]["text"], "hi");
    }

    #[test]
    fn claude_code_defaults_to_accept_edits_not_bypass_permissions() {
        let mut input = TurnInput {
            message_seq: 1,
            prompt: "hi".into(),
            worktree: "/w".into(),
            resume: None,
            settings: Default::default(),
            env: Vec::new(),
        };
        let mode = |claude: &Claude, input: &TurnInput| {
            let (_, args) = claude.command(input);
            args.windows(2).find(|w| w[0] == "--permission-mode").map(|w| w[1].clone()).unwrap()
        };
        assert_eq!(mode(&Claude::new("claude"), &input), "acceptEdits");
        let bypass = Claude::new("claude").permission_mode(PermissionMode::BypassPermissions);
        assert_eq!(mode(&bypass, &input), "bypassPermissions");
        // A session in plan mode plans, whatever the worker allows.
        input.settings.plan_mode = true;
        assert_eq!(mode(&bypass, &input), "plan");
        let stored: PermissionMode = serde_json::from_str("\"acceptEdits\"").unwrap();
        assert_eq!(stored, PermissionMode::AcceptEdits);
    }
}
