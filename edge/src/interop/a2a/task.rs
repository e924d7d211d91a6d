//! An A2A task is a baton: how a baton (as `GET /api/status/:id` shows it) reads as an A2A
//! v1.0 `Task`, and its life as a numbered list of stream events. Pure: from the API's JSON,
//! unit-tested natively. The wire form is ProtoJSON: camelCase, enum names, one key per
//! `Part` and per stream event.
//!
//! | baton                         | A2A `TaskState`             |
//! |-------------------------------|-----------------------------|
//! | `pending`, never caught       | `TASK_STATE_SUBMITTED`      |
//! | `pending` again (a lease ran out; the next catcher takes it), `caught` | `TASK_STATE_WORKING` |
//! | `caught`, its session waits for a person | `TASK_STATE_INPUT_REQUIRED` (snapshots only) |
//! | `done`                        | `TASK_STATE_COMPLETED`; the result is the artifact |
//! | `failed`                      | `TASK_STATE_FAILED`; the error is the status message |
//! | `expired` (nobody finished it in its TTL) | `TASK_STATE_FAILED` |
//! | `cancelled`                   | `TASK_STATE_CANCELED`       |
//!
//! `TASK_STATE_REJECTED` and `TASK_STATE_AUTH_REQUIRED` are never answered: a baton nobody
//! may take is refused when it is passed, as a JSON-RPC error.
//!
//! **Events and their numbers** (the resume extension): a task's stream is a fixed list of
//! slots, each filled once the baton gets there, so the same event always has the same number
//! and a reader that resumes after number N (`Last-Event-ID: N`) gets exactly the ones after:
//! 1 the task as submitted; 2 working (first caught); 3 the artifact (done); 4 the final
//! status. Slots a baton skips (cancelled while pending: 1 and 4) are never sent. Each event
//! carries its number as its SSE `id:` and in its `metadata` (`baton.seq`), since clients
//! may not expose SSE ids.

use serde_json::{json, Map, Value};

use crate::interop::str_of;

/// The slots of a task's stream.
pub const SUBMITTED: u64 = 1;
pub const WORKING: u64 = 2;
pub const ARTIFACT: u64 = 3;
pub const FINAL: u64 = 4;

/// The task's context: the one the first message named, else the baton's own id.
pub fn context_id(baton: &Value) -> String {
    match baton.pointer("/context/a2a/context_id").and_then(Value::as_str) {
        Some(c) if !c.is_empty() => c.to_owned(),
        _ => str_of(baton, "baton_id").to_owned(),
    }
}

/// Whether a baton was ever caught (its attempt counts catches).
fn was_caught(baton: &Value) -> bool {
    baton.get("attempt").and_then(Value::as_i64).unwrap_or(0) > 0
}

/// The A2A state of a baton now (see the table above).
pub fn state(baton: &Value, input_pending: bool) -> &'static str {
    match str_of(baton, "status") {
        "pending" if was_caught(baton) => "TASK_STATE_WORKING",
        "pending" => "TASK_STATE_SUBMITTED",
        "caught" if input_pending => "TASK_STATE_INPUT_REQUIRED",
        "caught" => "TASK_STATE_WORKING",
        "done" => "TASK_STATE_COMPLETED",
        "cancelled" => "TASK_STATE_CANCELED",
        _ => "TASK_STATE_FAILED",
    }
}

/// Whether the state ends the task.
pub fn is_final(baton: &Value) -> bool {
    matches!(str_of(baton, "status"), "done" | "failed" | "cancelled" | "expired")
}

fn agent_message(baton: &Value, id_suffix: &str, text: &str) -> Value {
    json!({
        "messageId": format!("{}-{id_suffix}", str_of(baton, "baton_id")),
        "role": "ROLE_AGENT",
        "parts": [{"text": text}],
        "contextId": context_id(baton),
        "taskId": str_of(baton, "baton_id"),
    })
}

/// The status of the final slot: its state, when, and why (a failure's error).
fn final_status(baton: &Value) -> Value {
    let mut status = json!({"state": state(baton, false)});
    let at = baton.get("finished_at").and_then(Value::as_str).unwrap_or_else(|| str_of(baton, "expires_at"));
    if !at.is_empty() {
        status["timestamp"] = json!(at);
    }
    let why = match str_of(baton, "status") {
        "failed" => Some(str_of(baton, "error").to_owned()),
        "expired" => Some("expired: nobody finished it within its time to live".to_owned()),
        _ => None,
    };
    if let Some(why) = why {
        status["message"] = agent_message(baton, "status", &why);
    }
    status
}

/// The artifact of a finished baton: its result (the agent's answer as text when it has one,
/// and the whole result as data).
pub fn artifact(baton: &Value) -> Option<Value> {
    if str_of(baton, "status") != "done" {
        return None;
    }
    let result = baton.get("result").filter(|r| !r.is_null()).or_else(|| baton.get("output")).cloned();
    let mut parts = Vec::new();
    match &result {
        Some(Value::String(text)) => parts.push(json!({"text": text})),
        Some(r) => {
            if let Some(answer) = r.get("answer").and_then(Value::as_str) {
                parts.push(json!({"text": answer}));
            }
            parts.push(json!({"data": r}));
        }
        None => parts.push(json!({"text": ""})),
    }
    Some(json!({"artifactId": format!("{}-result", str_of(baton, "baton_id")), "name": "result", "parts": parts}))
}

/// The message that started the task, as the passer sent it.
fn first_message(baton: &Value) -> Value {
    let id = baton
        .pointer("/context/a2a/message_id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("{}-task", str_of(baton, "baton_id")), str::to_owned);
    json!({
        "messageId": id,
        "role": "ROLE_USER",
        "parts": [{"text": str_of(baton, "task")}],
        "contextId": context_id(baton),
        "taskId": str_of(baton, "baton_id"),
    })
}

fn metadata(baton: &Value, seq: Option<u64>) -> Value {
    let mut meta = Map::new();
    meta.insert("status".into(), json!(str_of(baton, "status")));
    if let Some(session) = baton.get("session_id").filter(|s| !s.is_null()) {
        meta.insert("session_id".into(), session.clone());
    }
    if let Some(seq) = seq {
        meta.insert("seq".into(), json!(seq));
    }
    json!({"baton": meta})
}

/// The task as it stands. `history_length`: how many messages of its history to include
/// (`None`: all, which is the one that started it).
pub fn task(baton: &Value, input_pending: bool, history_length: Option<u64>, with_artifacts: bool) -> Value {
    let id = str_of(baton, "baton_id");
    let mut status = if is_final(baton) { final_status(baton) } else { json!({"state": state(baton, input_pending)}) };
    if status.get("timestamp").is_none() {
        let at = baton.get("caught_at").and_then(Value::as_str).unwrap_or_else(|| str_of(baton, "created_at"));
        if !at.is_empty() {
            status["timestamp"] = json!(at);
        }
    }
    let mut task =
        json!({"id": id, "contextId": context_id(baton), "status": status, "metadata": metadata(baton, None)});
    if history_length != Some(0) {
        task["history"] = json!([first_message(baton)]);
    }
    if let (true, Some(artifact)) = (with_artifacts, artifact(baton)) {
        task["artifacts"] = json!([artifact]);
    }
    task
}

/// The slot a baton has reached: the number of the last event its stream has.
pub fn reached(baton: &Value) -> u64 {
    match str_of(baton, "status") {
        _ if is_final(baton) => FINAL,
        _ if was_caught(baton) => WORKING,
        _ => SUBMITTED,
    }
}

/// The stream events of a baton after number `after`, each with its number: a `StreamResponse`
/// (`task`, `statusUpdate` or `artifactUpdate`).
pub fn events_after(baton: &Value, after: u64) -> Vec<(u64, Value)> {
    let id = str_of(baton, "baton_id");
    let context = context_id(baton);
    let update = |seq: u64, status: Value| json!({"statusUpdate": {"taskId": id, "contextId": context, "status": status, "metadata": metadata(baton, Some(seq))}});
    let mut out = Vec::new();
    if after < SUBMITTED {
        let mut submitted = json!({
            "id": id,
            "contextId": context,
            "status": {"state": "TASK_STATE_SUBMITTED", "timestamp": str_of(baton, "created_at")},
            "history": [first_message(baton)],
            "metadata": metadata(baton, Some(SUBMITTED)),
        });
        if str_of(baton, "created_at").is_empty() {
            submitted["status"] = json!({"state": "TASK_STATE_SUBMITTED"});
        }
        out.push((SUBMITTED, json!({"task": submitted})));
    }
    if after < WORKING && was_caught(baton) {
        let mut status = json!({"state": "TASK_STATE_WORKING"});
        if let Some(at) = baton.get("caught_at").and_then(Value::as_str) {
            status["timestamp"] = json!(at);
        }
        out.push((WORKING, update(WORKING, status)));
    }
    if after < ARTIFACT {
        if let Some(artifact) = artifact(baton) {
            out.push((
                ARTIFACT,
                json!({"artifactUpdate": {
                    "taskId": id, "contextId": context, "artifact": artifact,
                    "lastChunk": true, "metadata": metadata(baton, Some(ARTIFACT)),
                }}),
            ));
        }
    }
    if after < FINAL && is_final(baton) {
        out.push((FINAL, update(FINAL, final_status(baton))));
    }
    out
}

/// A2A's `TaskState` filter of `ListTasks`, as the baton status to list.
pub fn baton_status_of(state: &str) -> Option<&'static str> {
    match state {
        "TASK_STATE_SUBMITTED" => Some("pending"),
        "TASK_STATE_WORKING" | "TASK_STATE_INPUT_REQUIRED" => Some("caught"),
        "TASK_STATE_COMPLETED" => Some("done"),
        "TASK_STATE_FAILED" => Some("failed"),
        "TASK_STATE_CANCELED" => Some("cancelled"),
        _ => None,
    }
}

/// What the passer sends, from an A2A message: the text parts are the task; data parts and
/// URLs travel in the context. A file sent inline (`raw`) is refused: name it by URL.
pub fn pass_body(message: &Value) -> Result<(String, Value), String> {
    let parts = message.get("parts").and_then(Value::as_array).ok_or("message.parts is required")?;
    let (mut text, mut data, mut urls) = (Vec::new(), Vec::new(), Vec::new());
    for part in parts {
        if let Some(t) = part.get("text").and_then(Value::as_str) {
            text.push(t.to_owned());
        } else if let Some(d) = part.get("data") {
            data.push(d.clone());
        } else if let Some(u) = part.get("url").and_then(Value::as_str) {
            urls.push(json!(u));
        } else if part.get("raw").is_some() {
            return Err("a file sent inline (raw) is not taken: send it as a url part".into());
        }
    }
    let task = text.join("\n").trim().to_owned();
    if task.is_empty() {
        return Err("the message has no text: its text parts are the task".into());
    }
    let mut a2a = json!({});
    if let Some(id) = message.get("messageId").and_then(Value::as_str) {
        a2a["message_id"] = json!(id);
    }
    if let Some(c) = message.get("contextId").and_then(Value::as_str).filter(|c| !c.is_empty()) {
        a2a["context_id"] = json!(c);
    }
    let mut context = json!({"a2a": a2a});
    if !data.is_empty() {
        context["data"] = Value::Array(data);
    }
    if !urls.is_empty() {
        context["files"] = Value::Array(urls);
    }
    Ok((task, context))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baton(status: &str, attempt: i64) -> Value {
        json!({
            "baton_id": "bt_1", "status": status, "attempt": attempt, "task": "do it",
            "context": {"a2a": {"message_id": "m-1", "context_id": "ctx-9"}},
            "created_at": "2026-12-02T10:00:00.000Z", "caught_at": "2026-12-02T10:00:05.000Z",
            "finished_at": "2026-12-02T10:01:00.000Z", "expires_at": "2026-12-03T10:00:00.000Z",
            "result": {"answer": "42", "session_id": 3}, "error": "disk full",
        })
    }

    #[test]
    fn each_baton_status_has_its_state() {
        assert_eq!(state(&baton("pending", 0), false), "TASK_STATE_SUBMITTED");
        assert_eq!(state(&baton("pending", 1), false), "TASK_STATE_WORKING", "a lease ran out: still worked on");
        assert_eq!(state(&baton("caught", 1), false), "TASK_STATE_WORKING");
        assert_eq!(state(&baton("caught", 1), true), "TASK_STATE_INPUT_REQUIRED");
        assert_eq!(state(&baton("done", 1), false), "TASK_STATE_COMPLETED");
        assert_eq!(state(&baton("failed", 1), false), "TASK_STATE_FAILED");
        assert_eq!(state(&baton("expired", 0), false), "TASK_STATE_FAILED");
        assert_eq!(state(&baton("cancelled", 0), false), "TASK_STATE_CANCELED");
    }

    #[test]
    fn a_task_carries_its_context_first_message_and_result() {
        let t = task(&baton("done", 1), false, None, true);
        assert_eq!((t["id"].clone(), t["contextId"].clone()), (json!("bt_1"), json!("ctx-9")));
        assert_eq!(t["history"][0]["messageId"], "m-1");
        assert_eq!(t["history"][0]["parts"][0]["text"], "do it");
        assert_eq!(t["artifacts"][0]["parts"][0]["text"], "42");
        assert_eq!(t["artifacts"][0]["parts"][1]["data"]["session_id"], 3);
        let failed = task(&baton("failed", 1), false, Some(0), true);
        assert_eq!(failed["status"]["message"]["parts"][0]["text"], "disk full");
        assert!(failed.get("history").is_none() && failed.get("artifacts").is_none());
        let bare = json!({"baton_id": "bt_2", "status": "pending", "attempt": 0, "task": "x"});
        assert_eq!(context_id(&bare), "bt_2", "without one given, the context is the task's own");
    }

    #[test]
    fn the_stream_is_numbered_slots_and_a_resume_gets_exactly_the_rest() {
        let done = baton("done", 1);
        let all: Vec<u64> = events_after(&done, 0).iter().map(|(n, _)| *n).collect();
        assert_eq!(all, [SUBMITTED, WORKING, ARTIFACT, FINAL]);
        let rest: Vec<u64> = events_after(&done, WORKING).iter().map(|(n, _)| *n).collect();
        assert_eq!(rest, [ARTIFACT, FINAL]);
        let cancelled: Vec<u64> = events_after(&baton("cancelled", 0), 0).iter().map(|(n, _)| *n).collect();
        assert_eq!(cancelled, [SUBMITTED, FINAL], "never caught: no working, no artifact");
        let events = events_after(&done, 0);
        assert!(events[0].1.get("task").is_some() && events[2].1.get("artifactUpdate").is_some());
        assert_eq!(events[3].1["statusUpdate"]["status"]["state"], "TASK_STATE_COMPLETED");
        for (n, event) in &events {
            let inner = event.as_object().unwrap().values().next().unwrap();
            assert_eq!(inner["metadata"]["baton"]["seq"], *n, "the number travels in the event");
        }
        assert_eq!(reached(&done), FINAL);
        assert_eq!(reached(&baton("caught", 1)), WORKING);
        assert!(events_after(&baton("pending", 0), SUBMITTED).is_empty());
    }

    #[test]
    fn a_message_becomes_a_task_with_its_data_and_links_in_the_context() {
        let message = json!({"messageId": "m-7", "contextId": "c-1", "role": "ROLE_USER", "parts": [
            {"text": "review"}, {"text": "the diff"}, {"data": {"pr": 12}}, {"url": "https://x.test/a.patch"}
        ]});
        let (task, context) = pass_body(&message).unwrap();
        assert_eq!(task, "review\nthe diff");
        assert_eq!(context["a2a"], json!({"message_id": "m-7", "context_id": "c-1"}));
        assert_eq!(
            (context["data"][0]["pr"].clone(), context["files"][0].clone()),
            (json!(12), json!("https://x.test/a.patch"))
        );
        assert!(pass_body(&json!({"parts": [{"raw": "AAAA"}, {"text": "x"}]})).is_err());
        assert!(pass_body(&json!({"parts": [{"data": {}}]})).unwrap_err().contains("no text"));
        assert!(pass_body(&json!({})).is_err());
    }
}
