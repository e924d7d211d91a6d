//! What work cost: each turn's tokens and dollars, as its agent reported them (`agent_event`
//! `usage`), recorded when the worker writes the event, and added up for a session, a task (the
//! sessions linked to it) or a project (since a date). Owns the `turn_costs` table.
//!
//! A turn that reports usage more than once adds up. Totals are sums over indexed rows: a
//! session's through its primary key, a project's through `(project_id, at)`, a task's
//! through its partial index, so no read scans another project's turns.

use protocol::agent::AgentEvent;
use protocol::api::Cost;
use protocol::event::EventBody;
use serde::Deserialize;
use worker::Response;

use crate::access::auth::Principal;
use crate::access::cache::SessionScope;
use crate::http::error::{ApiError, ApiResult};
use crate::http::query::Query;
use crate::platform::context::Ctx;
use crate::{http::respond, people::projects, planning::tasks, platform::db};

/// The usage an event reports, if it is a turn's usage.
pub fn usage(event: &EventBody) -> Option<(u64, Cost)> {
    match event {
        EventBody::AgentEvent { message_seq, event: AgentEvent::Usage { input_tokens, output_tokens, cost_usd } } => {
            Some((
                *message_seq,
                Cost {
                    turns: 1,
                    input_tokens: *input_tokens,
                    output_tokens: *output_tokens,
                    cost_usd: cost_usd.filter(|c| c.is_finite() && *c >= 0.0).unwrap_or(0.0),
                },
            ))
        }
        _ => None,
    }
}

/// What an event adds to a session's cost: a turn's usage, or, when a turn ends, the turn
/// itself. A turn counts once whatever it reported (its row is keyed by its message), so a
/// turn of an agent that reports no usage (a command, the scripted agent, Codex on an error)
/// still counts as a turn, at no tokens and no dollars.
pub fn counted(event: &EventBody) -> Option<(u64, Cost)> {
    match event {
        EventBody::TurnComplete { message_seq } | EventBody::TurnError { message_seq, .. } => {
            Some((*message_seq, Cost { turns: 1, input_tokens: 0, output_tokens: 0, cost_usd: 0.0 }))
        }
        _ => usage(event),
    }
}

/// Records a turn's usage (the session's worker wrote it into the transcript), and the
/// session's totals with it, in one batch.
pub async fn record(ctx: &Ctx, session: SessionScope, message_seq: u64, cost: Cost) -> ApiResult<()> {
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let insert = ctx
        .db
        .prepare(
            "INSERT INTO turn_costs (session_id, message_seq, project_id, task_id, input_tokens, output_tokens, cost_usd, at)
             SELECT ?1, ?2, s.project_id, s.task_id, ?3, ?4, ?5, ?6 FROM sessions s WHERE s.id = ?1
             ON CONFLICT (session_id, message_seq) DO UPDATE SET
               input_tokens = input_tokens + excluded.input_tokens,
               output_tokens = output_tokens + excluded.output_tokens,
               cost_usd = cost_usd + excluded.cost_usd",
            &[
                db::int(session.id),
                db::int(clamp(message_seq)),
                db::int(clamp(cost.input_tokens)),
                db::int(clamp(cost.output_tokens)),
                wasm_bindgen::JsValue::from_f64(cost.cost_usd),
                db::int(ctx.now),
            ],
        )?;
    let totals = ctx.db.prepare(
        &format!(
            "UPDATE sessions SET (cost_turns, cost_input_tokens, cost_output_tokens, cost_usd) =
               (SELECT {SUM} FROM turn_costs WHERE session_id = ?1)
             WHERE id = ?1"
        ),
        &[db::int(session.id)],
    )?;
    ctx.db.batch(vec![insert, totals]).await?;
    Ok(())
}

#[derive(Deserialize)]
struct Sum {
    turns: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cost_usd: Option<f64>,
}

impl From<Sum> for Cost {
    fn from(s: Sum) -> Self {
        let unsigned = |n: Option<i64>| u64::try_from(n.unwrap_or(0)).unwrap_or(0);
        Cost {
            turns: unsigned(s.turns),
            input_tokens: unsigned(s.input_tokens),
            output_tokens: unsigned(s.output_tokens),
            cost_usd: s.cost_usd.unwrap_or(0.0),
        }
    }
}

const SUM: &str = "COUNT(*) AS turns, COALESCE(SUM(input_tokens), 0) AS input_tokens, \
                   COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(cost_usd), 0) AS cost_usd";

async fn sum(ctx: &Ctx, filter: &str, args: &[wasm_bindgen::JsValue]) -> ApiResult<Cost> {
    let sum: Option<Sum> = ctx.db.first(&format!("SELECT {SUM} FROM turn_costs WHERE {filter}"), args).await?;
    Ok(sum.map(Cost::from).unwrap_or_default())
}

/// `GET /api/tasks/:id/cost`: the total of the sessions that worked on the task.
pub async fn of_task(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let task = tasks::find_visible(ctx, who, id).await?;
    Ok(respond::ok(&sum(ctx, "task_id = ?1", &[db::int(task.id)]).await?))
}

/// `GET /api/projects/:id/cost?since=`: the project's total, since a time (RFC 3339) if given.
pub async fn of_project(ctx: &Ctx, who: &Principal, id: i64, query: &Query) -> ApiResult<Response> {
    let since = match query.get("since") {
        None | Some("") => 0,
        Some(text) => since_ms(text).ok_or_else(|| {
            ApiError::invalid_parameter("since", "must be a time like 2026-12-01 or 2026-12-01T09:00:00Z")
        })?,
    };
    let project = projects::find_visible(ctx, who, id).await?;
    Ok(respond::ok(&sum(ctx, "project_id = ?1 AND at >= ?2", &[db::int(project.id), db::int(since)]).await?))
}

/// A time as RFC 3339, or a bare date (its midnight, UTC).
fn since_ms(text: &str) -> Option<i64> {
    match text.len() {
        10 => protocol::time::ms_from_rfc3339(&format!("{text}T00:00:00Z")),
        _ => protocol::time::ms_from_rfc3339(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_usage_events_count_and_odd_costs_are_zero() {
        let usage_of = |cost_usd| EventBody::AgentEvent {
            message_seq: 4,
            event: AgentEvent::Usage { input_tokens: 10, output_tokens: 3, cost_usd },
        };
        let (seq, cost) = usage(&usage_of(Some(0.25))).unwrap();
        assert_eq!((seq, cost.turns, cost.input_tokens, cost.output_tokens, cost.cost_usd), (4, 1, 10, 3, 0.25));
        assert_eq!(usage(&usage_of(Some(f64::NAN))).unwrap().1.cost_usd, 0.0);
        assert_eq!(usage(&usage_of(Some(-1.0))).unwrap().1.cost_usd, 0.0);
        assert!(usage(&EventBody::TurnComplete { message_seq: 4 }).is_none());
    }

    /// A turn's end counts the turn, at no cost; its usage adds the cost (same row).
    #[test]
    fn a_turn_counts_when_it_ends_whatever_it_reported() {
        let (seq, cost) = counted(&EventBody::TurnComplete { message_seq: 7 }).unwrap();
        assert_eq!((seq, cost.turns, cost.input_tokens, cost.cost_usd), (7, 1, 0, 0.0));
        let failed = EventBody::TurnError { message_seq: 8, message: "x".into(), synthetic: false };
        assert_eq!(counted(&failed).unwrap().0, 8);
        assert!(counted(&EventBody::TurnStart { message_seq: 7 }).is_none());
    }

    #[test]
    fn since_takes_a_date_or_a_time() {
        assert_eq!(since_ms("2026-12-01"), since_ms("2026-12-01T00:00:00Z"));
        assert!(since_ms("2026-12-01T09:00:00.000Z").is_some());
        assert_eq!(since_ms("yesterday"), None);
    }
}
