//! Any command as an agent: the prompt on its stdin, each non-empty line of its stdout an
//! agent message; exit status 0 completes the turn.

use protocol::agent::AgentEvent;

use super::{Adapter, Outcome, TurnInput};

pub struct CommandAgent {
    command: String,
}

impl CommandAgent {
    pub fn new(command: &str) -> Self {
        CommandAgent { command: command.to_owned() }
    }
}

impl Adapter for CommandAgent {
    fn command(&self, _input: &TurnInput) -> (String, Vec<String>) {
        ("sh".to_owned(), vec!["-c".to_owned(), self.command.clone()])
    }

    fn stdin(&self, input: &TurnInput) -> Option<String> {
        Some(input.prompt.clone())
    }

    fn parse_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let line = line.trim_end();
        if line.is_empty() {
            Vec::new()
        } else {
            vec![AgentEvent::AgentMessage { text: line.to_owned() }]
        }
    }

    fn finish(&mut self, exited_ok: bool) -> Outcome {
        if exited_ok {
            Outcome::Completed
        } else {
            Outcome::Failed(format!("the agent command ({}) exited with an error", self.command))
        }
    }
}
