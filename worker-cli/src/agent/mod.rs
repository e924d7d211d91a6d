//! Coding agents behind one interface. A turn gives an agent a prompt and a worktree; the
//! agent reports what it does as provider-neutral [`AgentEvent`]s and ends the turn completed
//! or failed.
//!
//! - [`Adapter`] is the interface of agents that run as a process speaking lines: Claude Code
//!   ([`claude`], its permission prompts in [`claude_control`]), Codex ([`codex`]), any
//!   command ([`command`]). Parsing a line is a pure method, unit-tested without a process;
//!   [`process`] runs an adapter's process in its own process group so an interrupt stops all
//!   of it, with the environment [`mod@env`] allows.
//! - [`scripted`] is the built-in agent for tests and demos; it runs in-process.
//! - [`requests`]: what an agent asks of a person during a turn (approvals, questions) and the
//!   answers, the same for every agent that can ask.

pub mod claude;
pub mod claude_control;
pub mod codex;
pub mod command;
pub mod env;
pub mod process;
pub mod requests;
pub mod scripted;

use std::path::PathBuf;

use protocol::agent::AgentEvent;
use protocol::worker::AgentKind;

/// What a turn gives the agent.
#[derive(Debug, Clone)]
pub struct TurnInput {
    /// The message whose turn this is (an agent's request ids are unique with it).
    pub message_seq: u64,
    pub prompt: String,
    pub worktree: PathBuf,
    /// The agent's conversation to continue (from an earlier turn's `thread` event).
    pub resume: Option<String>,
    /// The session's settings at the start of the turn.
    pub settings: Settings,
    /// The whole environment of the agent's process (nothing else is inherited): see [`mod@env`].
    pub env: env::Environment,
}

/// How the session wants its agent to work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Read and propose only.
    pub plan_mode: bool,
    pub model: Option<String>,
    pub effort: Option<protocol::api::Effort>,
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    Failed(String),
}

/// An agent that runs as a process: how to start it, what to feed it, how to read it.
pub trait Adapter: Send {
    /// The program and its arguments (the driver sets the working directory and pipes).
    fn command(&self, input: &TurnInput) -> (String, Vec<String>);
    /// What to write to its stdin first (then closed, unless [`Adapter::stdin_open`]).
    fn stdin(&self, input: &TurnInput) -> Option<String>;
    /// The events one line of its stdout means.
    fn parse_line(&mut self, line: &str) -> Vec<AgentEvent>;
    /// How the turn ended, once the process exited (successfully or not).
    fn finish(&mut self, exited_ok: bool) -> Outcome;
    /// The requests for a person that the lines parsed so far raised (taken once).
    fn take_requests(&mut self) -> Vec<requests::Request> {
        Vec::new()
    }
    /// Takes the answer to one of its requests (written by [`Adapter::take_writes`]).
    fn answer(&mut self, _request_id: &str, _answer: &requests::Answer) {}
    /// Lines to write to its stdin now, each without its newline (taken once).
    fn take_writes(&mut self) -> Vec<String> {
        Vec::new()
    }
    /// Whether its stdin must stay open after the first write: an agent that asks keeps it
    /// open until it has said its last word, then the driver closes it so the agent exits.
    fn stdin_open(&self) -> bool {
        false
    }
}

/// How this worker runs its agent.
#[derive(Debug, Clone)]
pub enum AgentSpec {
    Scripted,
    Process { kind: AgentKind, program: String, permission_mode: claude::PermissionMode },
}

impl AgentSpec {
    /// The agent for a worker: its kind, with the program overridable for tests and odd
    /// installs (`BATON_CLAUDE_BIN`, `BATON_CODEX_BIN`, or the worker's agent command).
    /// Claude Code works in the worker's `permission_mode` (a session in plan mode plans).
    pub fn new(kind: AgentKind, command: Option<&str>, permission_mode: claude::PermissionMode) -> AgentSpec {
        let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        let program = match kind {
            AgentKind::Scripted => return AgentSpec::Scripted,
            AgentKind::ClaudeCode => env("BATON_CLAUDE_BIN", "claude"),
            AgentKind::Codex => env("BATON_CODEX_BIN", "codex"),
            AgentKind::Command => command.unwrap_or("cat").to_owned(),
        };
        AgentSpec::Process { kind, program, permission_mode }
    }

    /// A fresh adapter for one turn (process agents only).
    pub fn adapter(&self) -> Option<Box<dyn Adapter>> {
        match self {
            AgentSpec::Scripted => None,
            AgentSpec::Process { kind: AgentKind::ClaudeCode, program, permission_mode } => {
                Some(Box::new(claude::Claude::new(program).permission_mode(*permission_mode)))
            }
            AgentSpec::Process { kind: AgentKind::Codex, program, .. } => Some(Box::new(codex::Codex::new(program))),
            AgentSpec::Process { program, .. } => Some(Box::new(command::CommandAgent::new(program))),
        }
    }
}
