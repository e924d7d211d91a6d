//! `baton inbox` and `baton answer`: what agents ask of the caller (tool approvals and
//! questions) across the workspaces they see, and the answers.

use crate::failure::CliFailure;
use anyhow::Result;
use protocol::api::{AnswerInput, Decision, Input, InputKind};
use reqwest::{Method, StatusCode};

use super::Env;
use crate::{client, messages, output, resolve};

// `baton inbox`'s arguments (a plain comment: a doc comment would replace the command's own).
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  baton inbox\n  baton inbox --json | jq -r '.[].request_id'\n\n\
Answer with `baton answer S-N REQUEST allow|deny`. An unanswered request expires as a deny.")]
pub struct InboxArgs {}

// `baton answer`'s arguments.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  baton answer S-4 toolu_01 allow\n  \
baton answer S-4 toolu_01 deny --message 'not on main; use a branch'\n  \
baton answer S-4 toolu_02 allow --answers '{\"Which database?\": \"Postgres\"}'\n\n\
The same answer twice is fine; a different one after the first is refused, and so is an\n\
answer after the request expired (it counted as a deny).")]
pub struct AnswerArgs {
    /// The session: id or handle (S-4)
    pub session: String,
    /// The request's id (see `baton inbox`)
    pub request: String,
    /// allow or deny
    #[arg(value_parser = ["allow", "deny"])]
    pub decision: String,
    /// A deny's reason (the agent reads it), or a note with an allow
    #[arg(long)]
    pub message: Option<String>,
    /// A question's answers, as JSON (an object of question → answer)
    #[arg(long, value_name = "JSON", value_parser = parse_answers)]
    pub answers: Option<serde_json::Value>,
}

fn parse_answers(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not JSON ({e}): give e.g. '{{\"Which database?\": \"Postgres\"}}'"))
}

pub async fn inbox(_args: &InboxArgs, env: &Env) -> Result<()> {
    let all: Vec<Input> = resolve::all_pages(&env.client, "read your inbox", "/api/inputs?status=pending").await?;
    if all.is_empty() && !env.json {
        return Ok(output::line("Nothing waits for you.")?);
    }
    env.print_table(&all, &["SESSION", "REQUEST", "KIND", "TOOL", "EXPIRES", "SUMMARY"], row)
}

/// One request in the inbox's table.
pub fn row(input: &Input) -> Vec<String> {
    vec![
        format!("S-{}", input.session_id),
        input.request_id.clone(),
        match input.kind {
            InputKind::Approval => "approval".into(),
            InputKind::Question => "question".into(),
        },
        input.tool.clone().unwrap_or_default(),
        input.expires_at.clone(),
        output::ellipsize(&input.summary, 60),
    ]
}

pub async fn answer(args: &AnswerArgs, env: &Env) -> Result<()> {
    let id = resolve::session_id(&args.session)?;
    let body = AnswerInput {
        decision: if args.decision == "allow" { Decision::Allow } else { Decision::Deny },
        message: args.message.clone(),
        answers: args.answers.clone(),
    };
    let path = format!("/api/sessions/{id}/inputs/{}", super::encode(&args.request));
    let request = env.client.request(Method::POST, &path)?.json(&body);
    let response = env.client.send(request).await?;
    let action = format!("answer request {} of S-{id}", args.request);
    match response.status() {
        StatusCode::CONFLICT => {
            return Err(CliFailure::new("conflict", messages::answer_conflicts(id, &args.request)).into())
        }
        StatusCode::GONE => return Err(CliFailure::new("gone", messages::answer_too_late(id, &args.request)).into()),
        _ => {}
    }
    let input: Input = client::decode(&action, response).await?;
    env.print(&input, |i| {
        let verb = if args.decision == "allow" { "Allowed" } else { "Denied" };
        format!("{verb} request {} of S-{id}: {}", i.request_id, i.summary)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn an_inbox_row_names_session_request_kind_tool_and_expiry() {
        let row = row(&Input::example());
        assert_eq!(row, ["S-4", "toolu_01", "approval", "Bash", "2026-11-21T10:30:00.000Z", "Bash: rm -f build.log"]);
    }

    #[test]
    fn answers_must_be_json_and_decisions_allow_or_deny() {
        let ok = Cli::try_parse_from(["baton", "answer", "S-4", "r1", "allow", "--answers", r#"{"q":"a"}"#]).unwrap();
        let Command::Answer(args) = ok.command else { panic!("not answer") };
        assert_eq!(args.answers, Some(serde_json::json!({"q": "a"})));
        assert!(Cli::try_parse_from(["baton", "answer", "S-4", "r1", "allow", "--answers", "{q"]).is_err());
        assert!(Cli::try_parse_from(["baton", "answer", "S-4", "r1", "maybe"]).is_err());
    }

    #[test]
    fn conflicts_and_late_answers_say_what_happened_and_what_to_do() {
        let conflict = messages::answer_conflicts(4, "r1");
        assert!(conflict.contains("already answered it differently") && conflict.contains("baton session send S-4"));
        let late = messages::answer_too_late(4, "r1");
        assert!(late.contains("expired") && late.contains("took it as a deny"));
    }
}
