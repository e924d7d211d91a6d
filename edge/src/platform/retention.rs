//! What a delete removes beyond D1: the Hub logs named after the deleted row and after every
//! row its delete cascades to (a workspace's projects, their workers and sessions; a worker's
//! sessions), and the attachments of those sessions in R2. D1's cascades remove the rows;
//! this wipes their streams and blobs, so deleting a session deletes its transcript and files
//! too.
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
/// What goes with a deleted row beyond D1: Hub streams, and attachment blobs in R2.
#[derive(Debug, Default)]
pub struct Leftovers {
    pub streams: Vec<StreamKey>,
    /// R2 keys of the attachments of the sessions that go.
    pub blobs: Vec<String>,
}

/// Blobs removed with one delete at most (each is a subrequest); more stay as orphans that
/// nothing reaches (the API reaches a blob only through its row).
const MAX_BLOBS: i64 = 500;

/// Lists what goes with `deleted` (call it before the D1 delete; wipe after it committed).
pub async fn streams(ctx: &Ctx, deleted: Deleted) -> ApiResult<Leftovers> {
    let streams = stream_keys(ctx, deleted).await?;
    let (sql, id) = match deleted {
        Deleted::Session(id) => ("SELECT a.r2_key FROM attachments a WHERE a.session_id = ?1 LIMIT ?2", id),
        Deleted::Worker(id) => (
            "SELECT a.r2_key FROM attachments a JOIN sessions s ON s.id = a.session_id WHERE s.worker_id = ?1 LIMIT ?2",
            id,
        ),
        Deleted::Project(id) => (
            "SELECT a.r2_key FROM attachments a JOIN sessions s ON s.id = a.session_id WHERE s.project_id = ?1 LIMIT ?2",
            id,
        ),
        Deleted::Workspace(id) => (
            "SELECT a.r2_key FROM attachments a JOIN sessions s ON s.id = a.session_id
               JOIN projects p ON p.id = s.project_id WHERE p.workspace_id = ?1 LIMIT ?2",
            id,
        ),
    };
    #[derive(Deserialize)]
    struct Blob {
        r2_key: String,
    }
    let blobs: Vec<Blob> = ctx.db.all(sql, &[db::int(id), db::int(MAX_BLOBS)]).await?;
    Ok(Leftovers { streams, blobs: blobs.into_iter().map(|b| b.r2_key).collect() })
}

async fn stream_keys(ctx: &Ctx, deleted: Deleted) -> ApiResult<Vec<StreamKey>> {
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

/// Wipes the streams and deletes the blobs (after the rows they belong to are gone).
pub async fn wipe(ctx: &Ctx, leftovers: &Leftovers) {
    for key in &leftovers.streams {
        if let Err(err) = hub::wipe(&ctx.env, key).await {
            worker::console_error!("stream {key:?} not wiped: {}", err.message);
        }
    }
    if leftovers.blobs.is_empty() {
        return;
    }
    let bucket = match ctx.env.bucket(crate::platform::bindings::BLOBS) {
        Ok(bucket) => bucket,
        Err(err) => return worker::console_error!("blobs not deleted: {err}"),
    };
    for key in &leftovers.blobs {
        if let Err(err) = bucket.delete(key).await {
            worker::console_error!("blob {key} not deleted: {err}");
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
