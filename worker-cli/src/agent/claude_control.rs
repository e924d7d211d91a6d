//! Claude Code's stdio control protocol for permission prompts, sans I/O: what Claude Code
//! prints when it run with `--permission-prompt-tool stdio` (and `--input-format stream-json`)
//! and must ask before using a tool, and the line that answers it on its stdin.
//!
//! The shapes follow the recorded captures in `../shared/fixtures/claude/permission-prompt-stdio.*`
//! (the replay test in `tests/adapters_with_recorded_output.rs` asserts the exact lines):
//!
//! - in: `{"type":"control_request","request_id":ID,"request":{"subtype":"can_use_tool",
//!   "tool_name":T,"input":{…},"tool_use_id":…,"permission_suggestions":[…]}}`; the tool
//!   `AskUserQuestion` is a question to a person, every other tool an approval;
//! - out, allowed: `{"type":"control_response","response":{"subtype":"success","request_id":ID,
//!   "response":{"behavior":"allow","updatedInput":{…}}}}`, the tool's input unchanged, or for a
//!   question its input with the person's `answers` (question text → chosen label) merged;
//! - out, denied: the same with `{"behavior":"deny","message":M}` (Claude tells the model M);
//! - a `control_request` of another subtype is refused with `{"subtype":"error",…}` so Claude
//!   never waits on it; a `control_cancel_request` withdraws a request.
//!
//! Not here: the stream-json events ([`super::claude`]), the policy and the waiting
//! ([`super::requests`], [`crate::daemon::inputs`]).

use protocol::api::{Decision, InputKind};
use serde::Serialize;
use serde_json::Value;

use super::requests::{summary, Answer, Request};

/// The tool through which Claude Code asks a person a question.
pub const ASK_USER_QUESTION: &str = "AskUserQuestion";

/// A control message of Claude Code.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// `can_use_tool`: ask.
    Ask(Request),
    /// Claude withdrew its request.
    Cancel(String),
    /// A request this worker does not serve: refuse it with [`error_response`].
    Unsupported { request_id: String, subtype: String },
}

/// The control message one parsed stdout line holds, if any.
pub fn parse(v: &Value) -> Option<Control> {
    let request_id = v["request_id"].as_str().unwrap_or("").to_owned();
    match v["type"].as_str()? {
        "control_request" => {
            let request = &v["request"];
            let subtype = request["subtype"].as_str().unwrap_or("");
            if subtype != "can_use_tool" {
                return Some(Control::Unsupported { request_id, subtype: subtype.to_owned() });
            }
            let tool = request["tool_name"].as_str().unwrap_or("");
            let input = request["input"].clone();
            let kind = if tool == ASK_USER_QUESTION { InputKind::Question } else { InputKind::Approval };
            Some(Control::Ask(Request {
                request_id,
                kind,
                tool: Some(tool.to_owned()).filter(|t| !t.is_empty()),
                summary: summary(tool, &input),
                input,
            }))
        }
        "control_cancel_request" => Some(Control::Cancel(request_id)),
        _ => None,
    }
}

#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    response: Envelope<'a>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    subtype: &'static str,
    request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<Behavior>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(tag = "behavior", rename_all = "lowercase")]
enum Behavior {
    Allow {
        #[serde(rename = "updatedInput")]
        updated_input: Value,
    },
    Deny {
        message: String,
    },
}

fn line(envelope: Envelope) -> String {
    // Serializing these plain structs cannot fail; an empty line would only be ignored.
    serde_json::to_string(&Line { kind: "control_response", response: envelope }).unwrap_or_default()
}

/// The line that answers `request` (without its trailing newline).
pub fn response(request: &Request, answer: &Answer) -> String {
    let behavior = match answer.decision {
        Decision::Allow => Behavior::Allow { updated_input: updated_input(request, answer) },
        Decision::Deny => Behavior::Deny { message: answer.deny_message().to_owned() },
    };
    line(Envelope { subtype: "success", request_id: &request.request_id, response: Some(behavior), error: None })
}

/// The line that refuses a control request this worker does not serve.
pub fn error_response(request_id: &str, message: &str) -> String {
    line(Envelope { subtype: "error", request_id, response: None, error: Some(message) })
}

/// What the tool runs with once allowed: its input unchanged; for a question, its input with
/// the answers merged (`answers`: question text → label). A person who answered with a message
/// only answers every question with it.
fn updated_input(request: &Request, answer: &Answer) -> Value {
    let mut input = request.input.clone();
    if request.kind != InputKind::Question {
        return input;
    }
    let answers = match (&answer.answers, &answer.message) {
        (Some(answers), _) => answers.clone(),
        (None, Some(message)) => Value::Object(
            input["questions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|q| q["question"].as_str())
                .map(|q| (q.to_owned(), Value::String(message.clone())))
                .collect(),
        ),
        (None, None) => return input,
    };
    if let Value::Object(map) = &mut input {
        map.insert("answers".into(), answers);
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ask(line: &str) -> Request {
        match parse(&serde_json::from_str(line).unwrap()) {
            Some(Control::Ask(request)) => request,
            other => panic!("not a request: {other:?}"),
        }
    }

    #[test]
    fn a_tool_permission_prompt_becomes_an_approval_and_the_answer_its_control_response() {
        let request = ask(
            r#"{"type":"control_request","request_id":"req_1","request":{"subtype":"can_use_tool","tool_name":"Bash","input":{"command":"rm -f x","description":"Remove x"},"tool_use_id":"t1","permission_suggestions":[]}}"#,
        );
        assert_eq!(request.kind, InputKind::Approval);
        assert_eq!((request.tool.as_deref(), request.summary.as_str()), (Some("Bash"), "Bash: rm -f x"));
        assert_eq!(
            response(&request, &Answer::allow()),
            r#"{"type":"control_response","response":{"subtype":"success","request_id":"req_1","response":{"behavior":"allow","updatedInput":{"command":"rm -f x","description":"Remove x"}}}}"#
        );
        assert_eq!(
            response(&request, &Answer::deny("not today")),
            r#"{"type":"control_response","response":{"subtype":"success","request_id":"req_1","response":{"behavior":"deny","message":"not today"}}}"#
        );
    }

    #[test]
    fn a_question_is_answered_with_the_answers_merged_into_its_input() {
        let request = ask(
            r#"{"type":"control_request","request_id":"q","request":{"subtype":"can_use_tool","tool_name":"AskUserQuestion","input":{"questions":[{"question":"Which color?","header":"Color","multiSelect":false,"options":[{"label":"Red"},{"label":"Blue"}]}]}}}"#,
        );
        assert_eq!((request.kind, request.summary.as_str()), (InputKind::Question, "Which color?"));
        let chosen = Answer { answers: Some(json!({"Which color?": "Red"})), ..Answer::allow() };
        let line: Value = serde_json::from_str(&response(&request, &chosen)).unwrap();
        let updated = &line["response"]["response"]["updatedInput"];
        assert_eq!(updated["answers"], json!({"Which color?": "Red"}));
        assert_eq!(updated["questions"], request.input["questions"], "the questions stay");
        // A person who only wrote a message answers every question with it.
        let typed = Answer { message: Some("Green".into()), ..Answer::allow() };
        let line: Value = serde_json::from_str(&response(&request, &typed)).unwrap();
        assert_eq!(line["response"]["response"]["updatedInput"]["answers"], json!({"Which color?": "Green"}));
    }

    #[test]
    fn other_control_requests_are_refused_and_cancels_recognized() {
        let v = json!({"type":"control_request","request_id":"h","request":{"subtype":"hook_callback"}});
        assert_eq!(parse(&v), Some(Control::Unsupported { request_id: "h".into(), subtype: "hook_callback".into() }));
        assert_eq!(
            error_response("h", "unsupported"),
            r#"{"type":"control_response","response":{"subtype":"error","request_id":"h","error":"unsupported"}}"#
        );
        let cancel = json!({"type":"control_cancel_request","request_id":"req_1"});
        assert_eq!(parse(&cancel), Some(Control::Cancel("req_1".into())));
        assert_eq!(parse(&json!({"type":"assistant"})), None);
    }
}
