//! Codex: `codex exec --json --sandbox MODE [-c sandbox_workspace_write.network_access=true] [--model=M] [-c model_reasoning_effort=E]
//! [resume -- <thread>] -`, the prompt on stdin (`-`): a prompt is never an argument, so a
//! message like `--sandbox=danger-full-access` cannot become an option, and values people type
//! travel as `--model=VALUE`. Reads its JSONL events: `thread.started` (the thread id),
//! `item.completed` (messages, reasoning, commands, file changes, to-do lists, errors),
//! `turn.completed` (the turn's usage: input tokens, cached ones among them, and output tokens;
//! Codex reports no cost), `turn.failed`, and top-level `error` lines.
//!
//! **Sandbox.** A session in plan mode runs `--sandbox read-only`; any other runs
//! `--sandbox workspace-write`: Codex edits files and runs commands inside its working
//! directory (the session's worktree) and the temp dirs, and nothing else. Its network is on
//! (`-c sandbox_workspace_write.network_access=true`; Codex's default is off) so that the
//! agent reaches baton with its session's credentials (`baton task comment add …`) as Claude
//! Code does, and can fetch dependencies. Chosen over `--full-auto`, which only meant
//! `--sandbox workspace-write` plus an approval policy `exec` does not use, and which newer
//! Codex releases deprecate and then remove. Within `workspace-write` Codex protects `.git`,
//! and a worktree's git directory lives in the main repository, outside the sandbox: Codex
//! changes the files, it does not commit. `danger-full-access` is never chosen by baton.
//!
//! **Asking.** `codex exec` is non-interactive: its approval policy is `never`, so nothing is
//! ever put to a person. A command or write the sandbox refuses fails, and the model sees the
//! failure and goes on (or says what it needs in its final message); its stdin holds the
//! prompt only, so there is no channel to answer on. So this adapter raises no requests, and
//! a session's permission policy only changes Codex through plan mode (`plan` runs
//! `read-only`); `ask` and `allow_all` both run `workspace-write`.

use protocol::agent::{AgentEvent, FileChangeKind, TodoItem};
use serde_json::Value;

use super::{Adapter, Outcome, TurnInput};

/// Lets Codex reach baton (and the network) from its `workspace-write` sandbox.
pub const NETWORK: &str = "sandbox_workspace_write.network_access=true";

pub struct Codex {
    program: String,
    result: Option<Outcome>,
}

impl Codex {
    pub fn new(program: &str) -> Self {
        Codex { program: program.to_owned(), result: None }
    }
}

impl Adapter for Codex {
    fn command(&self, input: &TurnInput) -> (String, Vec<String>) {
        let mut args = vec!["exec".to_owned(), "--json".to_owned()];
        let sandbox = if input.settings.plan_mode { "read-only" } else { "workspace-write" };
        args.extend(["--sandbox".to_owned(), sandbox.to_owned()]);
        if !input.settings.plan_mode {
            args.extend(["-c".to_owned(), NETWORK.to_owned()]);
        }
        if let Some(model) = &input.settings.model {
            args.push(format!("--model={model}"));
        }
        if let Some(effort) = input.settings.effort {
            args.extend(["-c".to_owned(), format!("model_reasoning_effort={}", effort.as_str())]);
        }
        if let Some(thread) = &input.resume {
            args.extend(["resume".to_owned(), "--".to_owned(), thread.clone()]);
        }
        // `-`: codex exec (and exec resume) reads the prompt from stdin.
        args.push("-".to_owned());
        (self.program.clone(), args)
    }

    fn stdin(&self, input: &TurnInput) -> Option<String> {
        Some(input.prompt.clone())
    }

    fn parse_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let Ok(v) = serde_json::from_str::<Value>(line) else { return Vec::new() };
        match v["type"].as_str() {
            Some("thread.started") => {
                v["thread_id"].as_str().map(|id| vec![AgentEvent::Thread { id: id.to_owned() }]).unwrap_or_default()
            }
            Some("item.completed") => item(&v["item"]),
            Some("turn.completed") => {
                self.result = Some(Outcome::Completed);
                vec![AgentEvent::Usage {
                    input_tokens: v["usage"]["input_tokens"].as_u64().unwrap_or(0),
                    output_tokens: v["usage"]["output_tokens"].as_u64().unwrap_or(0),
                    cost_usd: None,
                }]
            }
            Some("turn.failed") => {
                let message = v["error"]["message"].as_str().unwrap_or("codex reported a failed turn").to_owned();
                self.result = Some(Outcome::Failed(message));
                Vec::new()
            }
            Some("error") => vec![AgentEvent::Error { message: v["message"].as_str().unwrap_or("").to_owned() }],
            _ => Vec::new(),
        }
    }

    fn finish(&mut self, exited_ok: bool) -> Outcome {
        match self.result.take() {
            Some(outcome) => outcome,
            None if exited_ok => Outcome::Failed("codex produced no result".into()),
            None => Outcome::Failed("codex exited with an error before finishing the turn".into()),
        }
    }
}

fn item(item: &Value) -> Vec<AgentEvent> {
    let text = |k: &str| item[k].as_str().unwrap_or("").to_owned();
    // Older Codex builds named the field `item_type`.
    match item["type"].as_str().or(item["item_type"].as_str()).unwrap_or("") {
        "agent_message" | "assistant_message" => vec![AgentEvent::AgentMessage { text: text("text") }],
        "reasoning" => vec![AgentEvent::Reasoning { text: text("text") }],
        "command_execution" => vec![AgentEvent::CommandExecution {
            id: text("id"),
            command: text("command"),
            output: item["aggregated_output"].as_str().map(str::to_owned),
            exit_code: item["exit_code"].as_i64(),
        }],
        "file_change" => item["changes"]
            .as_array()
            .map(|changes| {
                changes
                    .iter()
                    .map(|c| AgentEvent::FileChange {
                        path: c["path"].as_str().unwrap_or("").to_owned(),
                        change: match c["kind"].as_str() {
                            Some("add") => FileChangeKind::Add,
                            Some("delete") => FileChangeKind::Delete,
                            _ => FileChangeKind::Update,
                        },
                    })
                    .collect()
            })
            .unwrap_or_default(),
        "todo_list" => vec![AgentEvent::TodoList {
            items: item["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| TodoItem {
                            text: i["text"].as_str().unwrap_or("").to_owned(),
                            done: i["completed"] == true,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }],
        "error" => vec![AgentEvent::Error { message: text("message") }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_stream_normalizes() {
        let mut codex = Codex::new("codex");
        let lines = [
            r#"{"type":"thread.started","thread_id":"th-9"}"#,
            r#"{"type":"turn.started"}"#,
            r#"{"type":"item.completed","item":{"id":"i0","type":"reasoning","text":"think"}}"#,
            r#"{"type":"item.completed","item":{"id":"i1","type":"command_execution","command":"ls","aggregated_output":"a\n","exit_code":0,"status":"completed"}}"#,
            r#"{"type":"item.completed","item":{"id":"i2","type":"file_change","changes":[{"path":"a.txt","kind":"add"},{"path":"b.txt","kind":"delete"}]}}"#,
            r#"{"type":"item.completed","item":{"id":"i3","type":"todo_list","items":[{"text":"x","completed":true}]}}"#,
            r#"{"type":"item.completed","item":{"id":"i4","type":"agent_message","text":"4"}}"#,
            r#"{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":1}}"#,
        ];
        let events: Vec<AgentEvent> = lines.iter().flat_map(|l| codex.parse_line(l)).collect();
        assert_eq!(events[0], AgentEvent::Thread { id: "th-9".into() });
        assert_eq!(events[1], AgentEvent::Reasoning { text: "think".into() });
        assert!(
            matches!(&events[2], AgentEvent::CommandExecution { exit_code: Some(0), output: Some(o), .. } if o == "a\n")
        );
        assert!(matches!(&events[4], AgentEvent::FileChange { change: FileChangeKind::Delete, .. }));
        assert!(matches!(&events[5], AgentEvent::TodoList { items } if items[0].done));
        assert_eq!(events[6], AgentEvent::AgentMessage { text: "4".into() });
        assert_eq!(codex.finish(true), Outcome::Completed);
    }

    #[test]
    fn codex_edits_its_worktree_outside_plan_mode_and_only_reads_in_it() {
        let mut input = TurnInput {
            message_seq: 1,
            prompt: "p".into(),
            worktree: "/w".into(),
            resume: None,
            settings: Default::default(),
            env: Vec::new(),
        };
        let sandbox = |input: &TurnInput| {
            let (_, args) = Codex::new("codex").command(input);
            assert!(!args.iter().any(|a| a.contains("danger") || a == "--full-auto"), "{args:?}");
            args.windows(2).find(|w| w[0] == "--sandbox").map(|w| w[1].clone()).unwrap()
        };
        assert_eq!(sandbox(&input), "workspace-write");
        assert!(Codex::new("codex").command(&input).1.contains(&NETWORK.to_owned()), "it can reach baton");
        input.settings.plan_mode = true;
        assert_eq!(sandbox(&input), "read-only");
        assert!(!Codex::new("codex").command(&input).1.contains(&NETWORK.to_owned()));
    }

    #[test]
    fn a_turns_usage_is_read_leniently() {
        let mut codex = Codex::new("codex");
        let newer = r#"{"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":80,"output_tokens":9,"reasoning_output_tokens":4,"total_tokens":109}}"#;
        assert_eq!(
            codex.parse_line(newer),
            vec![AgentEvent::Usage { input_tokens: 100, output_tokens: 9, cost_usd: None }]
        );
        assert_eq!(codex.finish(true), Outcome::Completed);
    }

    #[test]
    fn failures_and_errors() {
        let mut codex = Codex::new("codex");
        assert_eq!(
            codex.parse_line(r#"{"type":"error","message":"Reconnecting... 1/5"}"#),
            vec![AgentEvent::Error { message: "Reconnecting... 1/5".into() }]
        );
        codex.parse_line(r#"{"type":"turn.failed","error":{"message":"quota"}}"#);
        assert_eq!(codex.finish(true), Outcome::Failed("quota".into()));
        let mut input = TurnInput {
            message_seq: 1,
            prompt: "p".into(),
            worktree: "/w".into(),
            resume: Some("th".into()),
            settings: Default::default(),
            env: Vec::new(),
        };
        assert_eq!(
            Codex::new("codex").command(&input).1,
            vec!["exec", "--json", "--sandbox", "workspace-write", "-c", NETWORK, "resume", "--", "th", "-"]
        );
        input.settings = crate::agent::Settings {
            plan_mode: true,
            model: Some("o3".into()),
            effort: Some(protocol::api::Effort::High),
        };
        assert_eq!(
            Codex::new("codex").command(&input).1,
            vec![
                "exec",
                "--json",
                "--sandbox",
                "read-only",
                "--model=o3",
                "-c",
                "model_reasoning_effort=high",
                "resume",
                "--",
                "th",
                "-"
            ]
        );
    }

    #[test]
    fn a_prompt_that_looks_like_an_option_stays_a_prompt() {
        let codex = Codex::new("codex");
        let mut input = TurnInput {
            message_seq: 1,
            prompt: "--sandbox=danger-full-access".into(),
            worktree: "/w".into(),
            resume: None,
            settings: Default::default(),
            env: Vec::new(),
        };
        let (_, args) = codex.command(&input);
        assert_eq!(args, ["exec", "--json", "--sandbox", "workspace-write", "-c", NETWORK, "-"]);
        assert_eq!(codex.stdin(&input).as_deref(), Some("--sandbox=danger-full-access"));
        // A model or thread that looks like an option stays a value.
        input.settings.model = Some("--dangerously-bypass-approvals-and-sandbox".into());
        input.resume = Some("--yolo".into());
        let (_, args) = codex.command(&input);
        assert_eq!(
            args,
            [
                "exec",
                "--json",
                "--sandbox",
                "workspace-write",
                "-c",
                NETWORK,
                "--model=--dangerously-bypass-approvals-and-sandbox",
                "resume",
                "--",
                "--yolo",
                "-"
            ]
        );
    }
}
