//! Where a passed baton goes: `to.project` (any worker of that project may catch it),
//! `to.worker` (only that worker), or nowhere in particular; and which workspace it belongs
//! to, which decides who may see it.

use protocol::baton::BatonTarget;
use protocol::handle::{Handle, HandleKind};
use serde::Deserialize;
use serde_json::Value;

use crate::access::auth::Principal;
use crate::access::cache::BATON_HOMES;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::{people::projects, people::workspaces};

/// A resolved destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Destination {
    pub workspace_id: i64,
    /// Addressed to this project (any of its workers).
    pub project_id: Option<i64>,
    /// Addressed to this worker.
    pub worker_id: Option<i64>,
    /// The project whose change stream hears of it: the addressed one, or the worker's.
    pub concerns: Option<i64>,
}

/// What `to` names, before any lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Nowhere,
    Project(i64),
    Worker(i64),
}

/// Reads `to`: exactly one of `project` (an id, as a number or its digits) and `worker` (a
/// handle `W-2` or an id).
pub fn parse(to: Option<&BatonTarget>) -> ApiResult<Named> {
    let Some(to) = to else { return Ok(Named::Nowhere) };
    match (&to.project, &to.worker) {
        (Some(p), None) => id_of(p, None)
            .map(Named::Project)
            .ok_or_else(|| ApiError::invalid_field("to.project", "must be a project id (a positive integer)")),
        (None, Some(w)) => id_of(w, Some(HandleKind::Worker))
            .map(Named::Worker)
            .ok_or_else(|| ApiError::invalid_field("to.worker", "must be a worker handle like W-2 or its id")),
        _ => Err(ApiError::invalid_field("to", "give exactly one of project or worker")),
    }
}

fn id_of(value: &Value, kind: Option<HandleKind>) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().filter(|n| *n > 0),
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(n) => (n > 0).then_some(n),
            Err(_) => {
                let handle: Handle = s.trim().parse().ok()?;
                (Some(handle.kind) == kind).then(|| i64::try_from(handle.number).ok()).flatten().filter(|n| *n > 0)
            }
        },
        _ => None,
    }
}

/// Resolves the destination for `who`: a target it cannot see is 404, like any other.
pub async fn resolve(ctx: &Ctx, who: &Principal, named: Named, workspace_id: Option<i64>) -> ApiResult<Destination> {
    match named {
        Named::Project(id) => {
            let project = projects::find_visible(ctx, who, id).await?;
            Ok(Destination {
                workspace_id: project.workspace_id,
                project_id: Some(project.id),
                worker_id: None,
                concerns: Some(project.id),
            })
        }
        Named::Worker(id) => {
            let worker = crate::workers::find_visible(ctx, who, id).await?;
            let project = projects::find_visible(ctx, who, worker.project_id).await?;
            Ok(Destination {
                workspace_id: project.workspace_id,
                project_id: None,
                worker_id: Some(worker.id),
                concerns: Some(project.id),
            })
        }
        Named::Nowhere => {
            let key = (who.cache_key(), workspace_id.unwrap_or(0));
            if let Some(workspace_id) = BATON_HOMES.with(|c| c.borrow_mut().get(&key, ctx.now)) {
                return Ok(Destination { workspace_id, project_id: None, worker_id: None, concerns: None });
            }
            let ticket = BATON_HOMES.with(|c| c.borrow().ticket());
            let workspace_id = match workspace_id {
                Some(id) => workspaces::find_visible(ctx, who, id).await?.id,
                None => only_workspace(ctx, who).await?,
            };
            BATON_HOMES.with(|c| c.borrow_mut().insert(key, workspace_id, ctx.now, ticket));
            Ok(Destination { workspace_id, project_id: None, worker_id: None, concerns: None })
        }
    }
}

/// The workspace an unaddressed baton belongs to when the pass names none: the only one the
/// caller reaches, else the person's default workspace, else the first one they joined; an
/// admin in no workspace who sees several must name one (400).
async fn only_workspace(ctx: &Ctx, who: &Principal) -> ApiResult<i64> {
    #[derive(Deserialize)]
    struct Id {
        id: i64,
    }
    let [admin, user] = who.visibility_args();
    let sql = format!("SELECT w.id FROM workspaces w WHERE {} LIMIT 2", Principal::visible_clause("w.id", 1, 2));
    let found: Vec<Id> = ctx.db.all(&sql, &[admin, user]).await?;
    match found.as_slice() {
        [one] => return Ok(one.id),
        [] => {
            return Err(ApiError::invalid_field(
                "workspace_id",
                "your token reaches no workspace: ask an admin to add you",
            ))
        }
        _ => {}
    }
    // Several: the person's choice, or where they arrived first (a membership still held).
    #[derive(Deserialize)]
    struct Home {
        id: Option<i64>,
    }
    let home: Option<Home> = ctx
        .db
        .first(
            "SELECT COALESCE(
               (SELECT u.default_workspace_id FROM users u WHERE u.id = ?1 AND u.default_workspace_id IN
                  (SELECT m.workspace_id FROM memberships m WHERE m.user_id = ?1)),
               (SELECT m.workspace_id FROM memberships m WHERE m.user_id = ?1 ORDER BY m.added_at, m.workspace_id LIMIT 1)
             ) AS id",
            &[crate::platform::db::int(who.user_id)],
        )
        .await?;
    home.and_then(|h| h.id).ok_or_else(|| {
        ApiError::invalid_field(
            "workspace_id",
            "is required: your token reaches several workspaces and you belong to none of them \
             (or address the baton with to.project or to.worker)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn to(value: Value) -> BatonTarget {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_target_names_exactly_one_project_or_worker() {
        assert_eq!(parse(None).unwrap(), Named::Nowhere);
        assert_eq!(parse(Some(&to(json!({"project": 4})))).unwrap(), Named::Project(4));
        assert_eq!(parse(Some(&to(json!({"project": "4"})))).unwrap(), Named::Project(4));
        assert_eq!(parse(Some(&to(json!({"worker": "W-2"})))).unwrap(), Named::Worker(2));
        assert_eq!(parse(Some(&to(json!({"worker": 2})))).unwrap(), Named::Worker(2));
        for bad in [
            json!({}),
            json!({"project": 1, "worker": "W-1"}),
            json!({"project": "P-1"}),
            json!({"project": 0}),
            json!({"worker": "T-2"}),
            json!({"worker": true}),
            json!({"project": -3}),
        ] {
            let err = parse(Some(&to(bad.clone()))).unwrap_err();
            assert_eq!(err.status(), 400, "{bad}");
            assert!(err.message.starts_with("to"), "{bad}: {}", err.message);
        }
    }
}
