//! Questions and approvals: an agent's requests for a person, and their answers. Owns the
//! `session_inputs` table.
//!
//! The session's worker registers a request (`POST /api/sessions/:id/inputs`, idempotent by
//! the agent's `request_id`); the server records it with its expiry (the session's
//! `input_timeout_s`), writes `input_requested` into the transcript and signals the project.
//! A person who sees the session (or a write share link) answers it; the answer is written
//! with a compare-and-set on the pending row, then `input_answered` goes into the transcript,
//! where the worker reads it and hands it to the waiting agent. When nobody answers in time
//! the worker asks the server to expire the request (a deny), and the same event follows.
//!
//! The rules ([`decide`]) are pure: the same answer twice is the same 200, another answer
//! after the first is 409, any answer after expiry is 410.

use protocol::api::{AnswerInput, Decision, Input, InputKind, InputStatus, RequestInput};
use protocol::event::{Action, Author, Entity, EventBody};
use protocol::handle::Handle;
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::access::cache::SessionScope;
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::http::query::Query;
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::changes::Change;
use crate::platform::context::Ctx;
use crate::{http::body, http::respond, platform::changes, platform::db};
use protocol::error::ErrorCode;

const COLUMNS: &str = "i.id, i.session_id, i.request_id, i.kind, i.tool, i.summary, i.input, i.message_seq, i.status, \
                       i.requested_at, i.expires_at, i.decision, i.message, i.answers, i.answered_by, i.answered_at";

/// Longest request id, summary, tool name and message, and the largest tool input.
const MAX_ID_BYTES: usize = 200;
const MAX_SUMMARY_CHARS: usize = 1_000;
const MAX_INPUT_BYTES: usize = 64 * 1024;
const MAX_MESSAGE_CHARS: usize = 4_000;

#[derive(Debug, Clone, Deserialize)]
pub struct InputRow {
    pub id: i64,
    session_id: i64,
    request_id: String,
    kind: String,
    tool: Option<String>,
    summary: String,
    input: String,
    message_seq: i64,
    status: String,
    requested_at: i64,
    expires_at: i64,
    decision: Option<String>,
    message: Option<String>,
    answers: Option<String>,
    answered_by: Option<String>,
    answered_at: Option<i64>,
}

impl InputRow {
    fn status(&self) -> InputStatus {
        match self.status.as_str() {
            "answered" => InputStatus::Answered,
            "expired" => InputStatus::Expired,
            _ => InputStatus::Pending,
        }
    }

    fn decision(&self) -> Option<Decision> {
        match self.decision.as_deref() {
            Some("allow") => Some(Decision::Allow),
            Some("deny") => Some(Decision::Deny),
            _ => None,
        }
    }

    fn answers(&self) -> Option<serde_json::Value> {
        self.answers.as_deref().and_then(|a| serde_json::from_str(a).ok())
    }

    /// The API's view; a pending request past its expiry shows as expired.
    pub fn view(&self, now: i64) -> Input {
        let status = match self.status() {
            InputStatus::Pending if self.expires_at <= now => InputStatus::Expired,
            other => other,
        };
        Input {
            session_id: self.session_id,
            request_id: self.request_id.clone(),
            kind: if self.kind == "question" { InputKind::Question } else { InputKind::Approval },
            tool: self.tool.clone(),
            summary: self.summary.clone(),
            input: serde_json::from_str(&self.input).unwrap_or(serde_json::Value::Null),
            message_seq: u64::try_from(self.message_seq).unwrap_or(0),
            status,
            requested_at: protocol::time::rfc3339_from_ms(self.requested_at),
            expires_at: protocol::time::rfc3339_from_ms(self.expires_at),
            decision: self.decision(),
            message: self.message.clone(),
            answers: self.answers(),
            answered_by: self.answered_by.as_deref().and_then(|a| serde_json::from_str(a).ok()),
            answered_at: self.answered_at.map(protocol::time::rfc3339_from_ms),
        }
    }
}

/// What an answer does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Write it: the request was pending and has not expired.
    Apply,
    /// The same answer was given before: answer it again, change nothing.
    Replay,
}

/// Why an answer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Answered differently before: 409.
    Conflict,
    /// Expired: 410.
    Gone,
}

/// Decides an answer on a stored request (pure).
pub fn decide(
    status: InputStatus,
    expires_at: i64,
    stored: (Option<Decision>, Option<&str>, Option<&serde_json::Value>),
    answer: &AnswerInput,
    now: i64,
) -> Result<Outcome, Refusal> {
    match status {
        InputStatus::Expired => Err(Refusal::Gone),
        InputStatus::Pending if expires_at <= now => Err(Refusal::Gone),
        InputStatus::Pending => Ok(Outcome::Apply),
        InputStatus::Answered => {
            let same = stored.0 == Some(answer.decision)
                && stored.1 == answer.message.as_deref()
                && stored.2 == answer.answers.as_ref();
            if same {
                Ok(Outcome::Replay)
            } else {
                Err(Refusal::Conflict)
            }
        }
    }
}

/// `POST /api/sessions/:id/inputs`: the session's worker registers its agent's request.
pub async fn request(ctx: &Ctx, who: &Principal, session: SessionScope, req: &mut Request) -> ApiResult<Response> {
    if who.worker.is_none_or(|w| session.worker_id != Some(w.worker_id)) {
        return Err(ApiError::forbidden("only the session's worker registers its agent's requests"));
    }
    let input: RequestInput = body::read_json(req).await?;
    check_request(&input)?;
    let timeout_s: Option<TimeoutRow> =
        ctx.db.first("SELECT input_timeout_s FROM sessions WHERE id = ?1", &[db::int(session.id)]).await?;
    let timeout_ms = timeout_s.map_or(i64::from(protocol::api::DEFAULT_INPUT_TIMEOUT_S), |t| t.input_timeout_s) * 1000;
    let inserted: Option<InputRow> = ctx
        .db
        .first(
            &format!(
                "INSERT INTO session_inputs (session_id, request_id, kind, tool, summary, input, message_seq, status,
                                             requested_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9)
                 ON CONFLICT (session_id, request_id) DO NOTHING RETURNING {}",
                COLUMNS.replace("i.", "")
            ),
            &[
                db::int(session.id),
                db::text(&input.request_id),
                db::text(kind_text(input.kind)),
                db::opt_text(input.tool.as_deref()),
                db::text(input.summary.trim()),
                db::text(&input.input.to_string()),
                db::int(i64::try_from(input.message_seq).unwrap_or(i64::MAX)),
                db::int(ctx.now),
                db::int(ctx.now + timeout_ms),
            ],
        )
        .await?;
    let Some(row) = inserted else {
        // The same request again (a retried post): the stored one.
        let row = find(ctx, session.id, &input.request_id).await?;
        return Ok(respond::ok(&row.view(ctx.now)));
    };
    let view = row.view(ctx.now);
    hub::append(&ctx.env, &StreamKey::session(session.id), &EventBody::InputRequested { input: view.clone() }).await?;
    let change =
        Change::new(Entity::Input, Action::Created, row.id, None).in_session(&Handle::session(session.id).to_string());
    changes::emit_change(ctx, session.project_id, change).await;
    let data = serde_json::to_value(&view).map_err(ApiError::internal)?;
    crate::notifications::notify(ctx, session.project_id, protocol::api::NotifyEvent::InputRequested, data).await;
    let asked = view.clone();
    ctx.after_response(move |ctx| async move { crate::bridges::replies::asked(&ctx, &asked).await });
    Ok(respond::created(&view))
}

#[derive(Deserialize)]
struct TimeoutRow {
    input_timeout_s: i64,
}

fn kind_text(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Approval => "approval",
        InputKind::Question => "question",
    }
}

/// The field rules of a request (pure).
pub fn check_request(input: &RequestInput) -> ApiResult<()> {
    let id = input.request_id.trim();
    if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(char::is_control) || id.contains('/') {
        return Err(ApiError::invalid_field("request_id", format!("must be 1 to {MAX_ID_BYTES} bytes, no '/'")));
    }
    if input.summary.trim().is_empty() || input.summary.chars().count() > MAX_SUMMARY_CHARS {
        return Err(ApiError::invalid_field("summary", format!("must be 1 to {MAX_SUMMARY_CHARS} characters")));
    }
    if input.tool.as_deref().is_some_and(|t| t.is_empty() || t.len() > 200) {
        return Err(ApiError::invalid_field("tool", "must be 1 to 200 bytes"));
    }
    if input.input.to_string().len() > MAX_INPUT_BYTES {
        return Err(ApiError::invalid_field("input", format!("must be at most {MAX_INPUT_BYTES} bytes of JSON")));
    }
    Ok(())
}

async fn find(ctx: &Ctx, session_id: i64, request_id: &str) -> ApiResult<InputRow> {
    ctx.db
        .first(
            &format!("SELECT {COLUMNS} FROM session_inputs i WHERE i.session_id = ?1 AND i.request_id = ?2"),
            &[db::int(session_id), db::text(request_id)],
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("request {request_id:?} of {}", Handle::session(session_id))))
}

/// `POST /api/sessions/:id/inputs/:request_id` (and a write share link's twin): answers a
/// request as `by`.
pub async fn answer(
    ctx: &Ctx,
    session: SessionScope,
    request_id: &str,
    by: &Author,
    req: &mut Request,
) -> ApiResult<Response> {
    let answer: AnswerInput = body::read_json(req).await?;
    Ok(respond::ok(&answer_with(ctx, session, request_id, by, answer).await?))
}

/// Answers a request as `by` (a person's post, or a chat's reply through a bridge); answers
/// the request as it ends up.
pub async fn answer_with(
    ctx: &Ctx,
    session: SessionScope,
    request_id: &str,
    by: &Author,
    answer: AnswerInput,
) -> ApiResult<Input> {
    if answer.message.as_deref().is_some_and(|m| m.chars().count() > MAX_MESSAGE_CHARS) {
        return Err(ApiError::invalid_field("message", format!("must be at most {MAX_MESSAGE_CHARS} characters")));
    }
    if answer.answers.as_ref().is_some_and(|a| a.to_string().len() > MAX_INPUT_BYTES) {
        return Err(ApiError::invalid_field("answers", format!("must be at most {MAX_INPUT_BYTES} bytes of JSON")));
    }
    let row = find(ctx, session.id, request_id).await?;
    let stored = (row.decision(), row.message.as_deref(), row.answers());
    match decide(row.status(), row.expires_at, (stored.0, stored.1, stored.2.as_ref()), &answer, ctx.now) {
        Ok(Outcome::Replay) => return Ok(row.view(ctx.now)),
        Err(refusal) => return Err(refused(refusal, request_id)),
        Ok(Outcome::Apply) => {}
    }
    let decision = match answer.decision {
        Decision::Allow => "allow",
        Decision::Deny => "deny",
    };
    let by_json = serde_json::to_string(by).map_err(ApiError::internal)?;
    let answers = answer.answers.as_ref().map(|a| a.to_string());
    let written: Option<InputRow> = ctx
        .db
        .first(
            &format!(
                "UPDATE session_inputs SET status = 'answered', decision = ?2, message = ?3, answers = ?4,
                   answered_by = ?5, answered_at = ?6
                 WHERE id = ?1 AND status = 'pending' AND expires_at > ?6 RETURNING {}",
                COLUMNS.replace("i.", "")
            ),
            &[
                db::int(row.id),
                db::text(decision),
                db::opt_text(answer.message.as_deref()),
                db::opt_text(answers.as_deref()),
                db::text(&by_json),
                db::int(ctx.now),
            ],
        )
        .await?;
    let Some(written) = written else {
        // Someone answered (or it expired) in between: decide again on what is stored.
        let row = find(ctx, session.id, request_id).await?;
        let stored = (row.decision(), row.message.as_deref(), row.answers());
        return match decide(row.status(), row.expires_at, (stored.0, stored.1, stored.2.as_ref()), &answer, ctx.now) {
            Ok(_) => Ok(row.view(ctx.now)),
            Err(refusal) => Err(refused(refusal, request_id)),
        };
    };
    answered(ctx, session, &written).await?;
    Ok(written.view(ctx.now))
}

/// `POST /api/sessions/:id/inputs/:request_id/expire` (the session's worker): nobody answered
/// in time; the request becomes a deny. Answers the request as it ends up (perhaps answered
/// just before).
pub async fn expire(ctx: &Ctx, who: &Principal, session: SessionScope, request_id: &str) -> ApiResult<Response> {
    if who.worker.is_none_or(|w| session.worker_id != Some(w.worker_id)) {
        return Err(ApiError::forbidden("only the session's worker expires its agent's requests"));
    }
    let row = find(ctx, session.id, request_id).await?;
    if row.status() != InputStatus::Pending {
        return Ok(respond::ok(&row.view(ctx.now)));
    }
    let minutes = (row.expires_at - row.requested_at).max(0) / 60_000;
    let reason = format!("nobody answered within {minutes} minutes: denied");
    let written: Option<InputRow> = ctx
        .db
        .first(
            &format!(
                "UPDATE session_inputs SET status = 'expired', decision = 'deny', message = ?2, answered_at = ?3
                 WHERE id = ?1 AND status = 'pending' RETURNING {}",
                COLUMNS.replace("i.", "")
            ),
            &[db::int(row.id), db::text(&reason), db::int(ctx.now)],
        )
        .await?;
    match written {
        Some(written) => {
            answered(ctx, session, &written).await?;
            Ok(respond::ok(&written.view(ctx.now)))
        }
        None => Ok(respond::ok(&find(ctx, session.id, request_id).await?.view(ctx.now))),
    }
}

/// After a request ended: the transcript and the project hear of it.
async fn answered(ctx: &Ctx, session: SessionScope, row: &InputRow) -> ApiResult<()> {
    let event = EventBody::InputAnswered { input: row.view(ctx.now) };
    hub::append(&ctx.env, &StreamKey::session(session.id), &event).await?;
    let change =
        Change::new(Entity::Input, Action::Updated, row.id, None).in_session(&Handle::session(session.id).to_string());
    changes::emit_change(ctx, session.project_id, change).await;
    Ok(())
}

fn refused(refusal: Refusal, request_id: &str) -> ApiError {
    match refusal {
        Refusal::Conflict => ApiError::conflict(format!(
            "request {request_id:?} was already answered otherwise: its answer stands (read it with GET .../inputs)"
        )),
        Refusal::Gone => ApiError::new(
            ErrorCode::Gone,
            format!("request {request_id:?} expired: the agent was told no; ask it again in a message"),
        ),
    }
}

/// A turn ended: what it still asked leaves the inbox (as expired: the agent no longer waits).
pub async fn close_turn(ctx: &Ctx, session_id: i64, message_seq: u64) -> ApiResult<()> {
    ctx.db
        .run(
            "UPDATE session_inputs SET status = 'expired', decision = 'deny', message = 'the turn ended first',
               answered_at = ?3
             WHERE session_id = ?1 AND message_seq = ?2 AND status = 'pending'",
            &[db::int(session_id), db::int(i64::try_from(message_seq).unwrap_or(i64::MAX)), db::int(ctx.now)],
        )
        .await?;
    Ok(())
}

/// The session's oldest request still waiting for a person, if any.
pub async fn oldest_pending(ctx: &Ctx, session_id: i64) -> ApiResult<Option<Input>> {
    let row: Option<InputRow> = ctx
        .db
        .first(
            &format!(
                "SELECT {COLUMNS} FROM session_inputs i WHERE i.session_id = ?1 AND i.status = 'pending'
                 AND i.expires_at > ?2 ORDER BY i.id LIMIT 1"
            ),
            &[db::int(session_id), db::int(ctx.now)],
        )
        .await?;
    Ok(row.map(|r| r.view(ctx.now)))
}

/// Whether the session has a request waiting for a person.
pub async fn waiting(ctx: &Ctx, session_id: i64) -> ApiResult<bool> {
    #[derive(Deserialize)]
    struct One {
        #[allow(dead_code)]
        id: i64,
    }
    let found: Option<One> = ctx
        .db
        .first(
            "SELECT id FROM session_inputs WHERE session_id = ?1 AND status = 'pending' AND expires_at > ?2 LIMIT 1",
            &[db::int(session_id), db::int(ctx.now)],
        )
        .await?;
    Ok(found.is_some())
}

/// `?status=` of a list: `pending` only, or every request.
fn pending_only(query: &Query) -> ApiResult<bool> {
    match query.get("status") {
        None | Some("") => Ok(false),
        Some("pending") => Ok(true),
        Some(_) => Err(ApiError::invalid_parameter("status", "only status=pending is supported")),
    }
}

/// `GET /api/sessions/:id/inputs?status=pending`: the session's requests, oldest first.
pub async fn list_of_session(ctx: &Ctx, session: SessionScope, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let pending = pending_only(query)?;
    let mut args = vec![db::int(session.id), db::int(page.after_id), db::int(page.fetch_count().into())];
    let filter = if pending {
        args.push(db::int(ctx.now));
        "AND i.status = 'pending' AND i.expires_at > ?4"
    } else {
        ""
    };
    let rows: Vec<InputRow> = ctx
        .db
        .all(
            &format!(
                "SELECT {COLUMNS} FROM session_inputs i WHERE i.session_id = ?1 AND i.id > ?2 {filter}
                 ORDER BY i.id LIMIT ?3"
            ),
            &args,
        )
        .await?;
    Ok(respond::ok(&page.page(rows, |r| r.id, |r| r.view(ctx.now))))
}

/// `GET /api/inputs?status=pending`: the caller's inbox: what waits for a person in every
/// session the caller sees, oldest first.
pub async fn inbox(ctx: &Ctx, who: &Principal, query: &Query) -> ApiResult<Response> {
    if who.worker.is_some() {
        return Err(ApiError::forbidden("a worker has no inbox: people answer its agent's requests"));
    }
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    if !pending_only(query)? {
        return Err(ApiError::invalid_parameter("status", "is required: status=pending"));
    }
    let [admin, user] = who.visibility_args();
    let sql = format!(
        "SELECT {COLUMNS} FROM session_inputs i JOIN sessions s ON s.id = i.session_id
           JOIN projects p ON p.id = s.project_id
         WHERE i.status = 'pending' AND i.expires_at > ?1 AND i.id > ?2 AND {} AND (?6 = 0 OR s.project_id = ?6)
         ORDER BY i.id LIMIT ?3",
        Principal::visible_clause("p.workspace_id", 4, 5)
    );
    let project = who.token_scope.and_then(|s| s.project_id).unwrap_or(0);
    let rows: Vec<InputRow> = ctx
        .db
        .all(
            &sql,
            &[
                db::int(ctx.now),
                db::int(page.after_id),
                db::int(page.fetch_count().into()),
                admin,
                user,
                db::int(project),
            ],
        )
        .await?;
    Ok(respond::ok(&page.page(rows, |r| r.id, |r| r.view(ctx.now))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(decision: Decision, message: Option<&str>) -> AnswerInput {
        AnswerInput { decision, message: message.map(str::to_owned), answers: None }
    }

    #[test]
    fn a_pending_request_takes_the_first_answer_until_it_expires() {
        let allow = answer(Decision::Allow, None);
        assert_eq!(decide(InputStatus::Pending, 100, (None, None, None), &allow, 99), Ok(Outcome::Apply));
        assert_eq!(decide(InputStatus::Pending, 100, (None, None, None), &allow, 100), Err(Refusal::Gone));
        assert_eq!(
            decide(InputStatus::Expired, 100, (Some(Decision::Deny), None, None), &allow, 0),
            Err(Refusal::Gone)
        );
    }

    #[test]
    fn the_same_answer_twice_replays_and_another_conflicts() {
        let deny = answer(Decision::Deny, Some("not here"));
        let stored = (Some(Decision::Deny), Some("not here"), None);
        assert_eq!(decide(InputStatus::Answered, 100, stored, &deny, 500), Ok(Outcome::Replay), "even after expiry");
        assert_eq!(
            decide(InputStatus::Answered, 100, stored, &answer(Decision::Allow, None), 50),
            Err(Refusal::Conflict)
        );
        assert_eq!(
            decide(InputStatus::Answered, 100, stored, &answer(Decision::Deny, Some("other")), 50),
            Err(Refusal::Conflict)
        );
    }

    #[test]
    fn requests_are_checked_field_by_field() {
        let ok = RequestInput {
            request_id: "toolu_1".into(),
            kind: InputKind::Approval,
            tool: Some("Bash".into()),
            summary: "Bash: ls".into(),
            input: serde_json::json!({"command": "ls"}),
            message_seq: 3,
        };
        assert!(check_request(&ok).is_ok());
        for (bad, field) in [
            (RequestInput { request_id: "".into(), ..ok.clone() }, "request_id"),
            (RequestInput { request_id: "a/b".into(), ..ok.clone() }, "request_id"),
            (RequestInput { summary: " ".into(), ..ok.clone() }, "summary"),
            (RequestInput { tool: Some(String::new()), ..ok.clone() }, "tool"),
            (RequestInput { input: serde_json::json!("x".repeat(70_000)), ..ok.clone() }, "input"),
        ] {
            assert!(check_request(&bad).unwrap_err().message.starts_with(field), "{field}");
        }
    }
}
