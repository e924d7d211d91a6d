//! An agent's request in a chat, the pure part: how a question or an approval is put to the
//! chat ([`prompt_for`]), and how the chat's next message answers it ([`answer_from`]).
//!
//! An approval is answered by `allow` (or yes, ok, y) or `deny` (no, n), with anything after
//! the word as the note the agent reads; any other reply is a deny carrying the reply, so the
//! agent hears what the person said instead. A question is answered by an option's number or
//! label, or in the person's own words; several questions take one line each, in order.

use protocol::api::{AnswerInput, Decision, Input, InputKind};
use serde_json::{Map, Value};

/// The questions of a question request (Claude Code's `AskUserQuestion` input): each one's
/// text and its options' labels.
fn questions(input: &Input) -> Vec<(String, Vec<String>)> {
    let listed = input.input.get("questions").and_then(Value::as_array);
    let mut out: Vec<(String, Vec<String>)> = listed
        .into_iter()
        .flatten()
        .filter_map(|q| {
            let text = q.get("question")?.as_str()?.to_owned();
            let options = q
                .get("options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|o| o.get("label").and_then(Value::as_str).map(str::to_owned))
                .collect();
            Some((text, options))
        })
        .collect();
    if out.is_empty() {
        out.push((input.summary.clone(), Vec::new()));
    }
    out
}

/// What is posted into the chat for a request.
pub fn prompt_for(input: &Input) -> String {
    match input.kind {
        InputKind::Approval => format!(
            "The agent asks to use {}: {}\nReply `allow`, or `deny` and why.",
            input.tool.as_deref().unwrap_or("a tool"),
            input.summary
        ),
        InputKind::Question => {
            let mut text = String::from("The agent asks:");
            for (question, options) in questions(input) {
                text.push_str(&format!("\n\n{question}"));
                for (i, label) in options.iter().enumerate() {
                    text.push_str(&format!("\n{}. {label}", i + 1));
                }
            }
            text.push_str("\n\nReply with an option's number or your own answer (one line per question).");
            text
        }
    }
}

/// The answer a chat reply gives to `input`.
pub fn answer_from(input: &Input, reply: &str) -> AnswerInput {
    let reply = reply.trim();
    match input.kind {
        InputKind::Approval => {
            let (word, rest) = reply.split_once(char::is_whitespace).unwrap_or((reply, ""));
            let rest = rest.trim();
            let note = (!rest.is_empty()).then(|| rest.to_owned());
            match word.to_lowercase().trim_end_matches(['.', '!', ',']) {
                "allow" | "yes" | "y" | "ok" | "approve" => {
                    AnswerInput { decision: Decision::Allow, message: note, answers: None }
                }
                "deny" | "no" | "n" | "reject" => AnswerInput {
                    decision: Decision::Deny,
                    message: Some(note.unwrap_or_else(|| "denied in the chat".to_owned())),
                    answers: None,
                },
                _ => AnswerInput { decision: Decision::Deny, message: Some(reply.to_owned()), answers: None },
            }
        }
        InputKind::Question => {
            let asked = questions(input);
            let lines: Vec<&str> = if asked.len() > 1 { reply.lines().collect() } else { vec![reply] };
            let mut answers = Map::new();
            for (i, (question, options)) in asked.iter().enumerate() {
                let line = lines.get(i).map_or("", |l| l.trim());
                let picked = line
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|n| options.get(n))
                    .or_else(|| options.iter().find(|o| o.eq_ignore_ascii_case(line)));
                answers.insert(question.clone(), Value::String(picked.map_or(line, String::as_str).to_owned()));
            }
            AnswerInput { decision: Decision::Allow, message: None, answers: Some(Value::Object(answers)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(kind: InputKind, value: Value) -> Input {
        Input {
            kind,
            input: value,
            summary: "Bash: rm -f build.log".into(),
            tool: Some("Bash".into()),
            ..Input::example()
        }
    }

    #[test]
    fn an_approval_is_put_and_answered_in_words() {
        let ask = input(InputKind::Approval, json!({"command": "rm -f build.log"}));
        assert_eq!(
            prompt_for(&ask),
            "The agent asks to use Bash: Bash: rm -f build.log\nReply `allow`, or `deny` and why."
        );
        let allow = answer_from(&ask, "Yes.");
        assert_eq!((allow.decision, allow.message), (Decision::Allow, None));
        let deny = answer_from(&ask, "deny keep the log");
        assert_eq!((deny.decision, deny.message.as_deref()), (Decision::Deny, Some("keep the log")));
        let other = answer_from(&ask, "use git clean instead");
        assert_eq!((other.decision, other.message.as_deref()), (Decision::Deny, Some("use git clean instead")));
    }

    #[test]
    fn a_question_is_answered_by_number_label_or_own_words() {
        let ask = input(
            InputKind::Question,
            json!({"questions": [{"question": "Which color?", "options": [{"label": "Red"}, {"label": "Blue"}]}]}),
        );
        let text = prompt_for(&ask);
        assert!(text.contains("Which color?\n1. Red\n2. Blue"), "{text}");
        assert_eq!(answer_from(&ask, "2").answers, Some(json!({"Which color?": "Blue"})));
        assert_eq!(answer_from(&ask, "red").answers, Some(json!({"Which color?": "Red"})));
        assert_eq!(answer_from(&ask, "green, please").answers, Some(json!({"Which color?": "green, please"})));
        let two = input(
            InputKind::Question,
            json!({"questions": [{"question": "A?", "options": [{"label": "x"}]}, {"question": "B?"}]}),
        );
        assert_eq!(answer_from(&two, "1\nfree text").answers, Some(json!({"A?": "x", "B?": "free text"})));
    }
}
