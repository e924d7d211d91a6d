//! Applying an issue to its mirrored requirement, the one path shared by webhooks and
//! backfill: create the requirement (numbered like any other) or update it, only ever forward
//! in the issue's time (see [`issue::should_apply`]), and report the change.
//!
//! Concurrent deliveries for one issue are safe: an update applies only if the row is still
//! what was read (else it re-reads and decides again), and a create that loses the race to
//! another create becomes an update.

use protocol::event::{Action, Entity};
use protocol::model::GithubState;
use serde::Deserialize;

use super::issue::{self, Mirrored, Snapshot};
use super::links::LinkRow;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::{platform::changes, platform::db};

/// What applying an issue did, to which requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: Kind,
    pub id: i64,
    pub handle: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Created,
    Updated,
    Unchanged,
}

impl Kind {
    /// How a webhook answer says it.
    pub fn status(self) -> protocol::github::WebhookStatus {
        use protocol::github::WebhookStatus;
        match self {
            Kind::Created => WebhookStatus::Created,
            Kind::Updated => WebhookStatus::Updated,
            Kind::Unchanged => WebhookStatus::Unchanged,
        }
    }
}

#[derive(Deserialize)]
struct Current {
    id: i64,
    number: i64,
    github_updated_at: Option<i64>,
    github_state: Option<String>,
}

const ATTEMPTS: usize = 4;

pub async fn apply(ctx: &Ctx, link: &LinkRow, snap: &Snapshot) -> ApiResult<Outcome> {
    for _ in 0..ATTEMPTS {
        let current: Option<Current> = ctx
            .db
            .first(
                "SELECT id, number, github_updated_at, github_state FROM requirements
                 WHERE github_link_id = ?1 AND github_number = ?2",
                &[db::int(link.id), db::int(snap.number)],
            )
            .await?;
        let outcome = match current {
            Some(current) => update(ctx, snap, &current).await?,
            None => create(ctx, link, snap).await?,
        };
        if let Some(outcome) = outcome {
            let action = match outcome.kind {
                Kind::Created => Some(Action::Created),
                Kind::Updated => Some(Action::Updated),
                Kind::Unchanged => None,
            };
            if let Some(action) = action {
                changes::emit(
                    ctx,
                    link.project_id,
                    Entity::Requirement,
                    action,
                    outcome.id,
                    Some(outcome.handle.clone()),
                )
                .await;
            }
            return Ok(outcome);
        }
    }
    Err(ApiError::conflict(format!("issue #{} changed concurrently too often; deliver it again", snap.number)))
}

/// `None`: the row moved under us; read again.
async fn update(ctx: &Ctx, snap: &Snapshot, current: &Current) -> ApiResult<Option<Outcome>> {
    let outcome = |kind| Outcome {
        kind,
        id: current.id,
        handle: protocol::handle::Handle::requirement(current.number).to_string(),
    };
    let stored = current.github_updated_at.map(|t| Mirrored {
        updated_at_ms: t,
        state: GithubState::parse(current.github_state.as_deref().unwrap_or("")),
    });
    let incoming = Mirrored { updated_at_ms: snap.updated_at_ms, state: snap.state };
    // The very same issue state again (a re-sync, an event about labels): nothing to write.
    if stored == Some(incoming) || !issue::should_apply(stored, incoming) {
        return Ok(Some(outcome(Kind::Unchanged)));
    }
    let changed = ctx
        .db
        .run(
            "UPDATE requirements SET title = ?2, status = CASE WHEN ?3 = 1 THEN status ELSE ?4 END,
               github_url = ?5, github_state = ?6, github_updated_at = ?7, updated_at = ?8
             WHERE id = ?1 AND github_updated_at IS ?9 AND github_state IS ?10",
            &[
                db::int(current.id),
                db::text(&snap.title),
                db::int(i64::from(snap.left)),
                db::text(snap.status.as_str()),
                db::text(&snap.url),
                db::text(snap.state.as_str()),
                db::int(snap.updated_at_ms),
                db::int(ctx.now),
                db::opt_int(current.github_updated_at),
                db::opt_text(current.github_state.as_deref()),
            ],
        )
        .await?;
    Ok((changed == 1).then(|| outcome(Kind::Updated)))
}

/// `None`: another delivery created it first; read again.
async fn create(ctx: &Ctx, link: &LinkRow, snap: &Snapshot) -> ApiResult<Option<Outcome>> {
    let bump = ctx.db.prepare(
        "UPDATE projects SET requirement_counter = requirement_counter + 1 WHERE id = ?1",
        &[db::int(link.project_id)],
    )?;
    let insert = ctx.db.prepare(
        "INSERT INTO requirements (project_id, number, title, status, created_at, updated_at,
                                   github_link_id, github_number, github_url, github_state, github_updated_at)
         SELECT id, requirement_counter, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9 FROM projects WHERE id = ?1
         ON CONFLICT (github_link_id, github_number) DO NOTHING
         RETURNING id, number",
        &[
            db::int(link.project_id),
            db::text(&snap.title),
            db::text(snap.status.as_str()),
            db::int(ctx.now),
            db::int(link.id),
            db::int(snap.number),
            db::text(&snap.url),
            db::text(snap.state.as_str()),
            db::int(snap.updated_at_ms),
        ],
    )?;
    let results = ctx.db.batch(vec![bump, insert]).await?;
    #[derive(Deserialize)]
    struct Created {
        id: i64,
        number: i64,
    }
    let created = match results.get(1) {
        Some(result) => result.results::<Created>()?.into_iter().next(),
        None => None,
    };
    Ok(created.map(|c| Outcome {
        kind: Kind::Created,
        id: c.id,
        handle: protocol::handle::Handle::requirement(c.number).to_string(),
    }))
}
