//! What a delete removes beyond D1: the Hub logs named after the deleted row and after every
//! row its delete cascades to (a workspace's projects, their workers and sessions; a worker's
//! sessions). D1's cascades remove the rows; this wipes their streams, so deleting a session
//! deletes its transcript too.
//!
//! The streams are listed before the D1 delete and wiped after it committed. A wipe that
//! fails is logged, not retried: the log is unreachable anyway, because the API only reaches
//! a stream through its row and ids are never reused (`ids`). Very large deletes are bounded
//! by the platform's subrequests per request (1,000 on a paid plan); what is left over stays
//! unreachable in the same way.

use serde::Deserialize;

use crate::http::error::ApiResult;
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;
use crate::platform::db;

/// The row being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Workspace(i64),
    Project(i64),
    Worker(i64),
    Session(i64),
}

#[derive(Deserialize)]
struct Keyed {
    kind: String,
    id: i64,
}

/// The streams that go with `deleted`.
pub async fn streams(ctx: &Ctx, deleted: Deleted) -> ApiResult<Vec<StreamKey>> {
    let (sql, id) = match deleted {
        Deleted::Session(id) => return Ok(vec![StreamKey::session(id)]),
        Deleted::Worker(id) => ("SELECT 'worker' AS kind, ?1 AS id UNION ALL SELECT 'session', id FROM sessions WHERE worker_id = ?1", id),
        Deleted::Project(id) => (
            "SELECT 'project' AS kind, ?1 AS id
             UNION ALL SELECT 'worker', id FROM workers WHERE project_id = ?1
             UNION ALL SELECT 'session', id FROM sessions WHERE project_id = ?1",
            id,
        ),
        Deleted::Workspace(id) => (
            "SELECT 'project' AS kind, p.id FROM projects p WHERE p.workspace_id = ?1
             UNION ALL SELECT 'worker', w.id FROM workers w JOIN projects p ON p.id = w.project_id WHERE p.workspace_id = ?1
             UNION ALL SELECT 'session', s.id FROM sessions s JOIN projects p ON p.id = s.project_id WHERE p.workspace_id = ?1",
            id,
        ),
    };
    let rows: Vec<Keyed> = ctx.db.all(sql, &[db::int(id)]).await?;
    Ok(rows.into_iter().filter_map(|r| key(&r.kind, r.id)).collect())
}

fn key(kind: &str, id: i64) -> Option<StreamKey> {
    match kind {
        "project" => Some(StreamKey::project(id)),
        "worker" => Some(StreamKey::worker(id)),
        "session" => Some(StreamKey::session(id)),
        _ => None,
    }
}

/// Wipes the streams (after the rows they belong to are gone).
pub async fn wipe(ctx: &Ctx, keys: &[StreamKey]) {
    for key in keys {
        if let Err(err) = hub::wipe(&ctx.env, key).await {
            worker::console_error!("stream {key:?} not wiped: {}", err.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_kinds_name_streams() {
        assert_eq!(key("session", 3), Some(StreamKey::session(3)));
        assert_eq!(key("worker", 2), Some(StreamKey::worker(2)));
        assert_eq!(key("project", 1), Some(StreamKey::project(1)));
        assert_eq!(key("baton", 1), None);
    }
}
