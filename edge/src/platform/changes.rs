//! The change stream of a project (`project:<id>`): every create, update and delete of a
//! requirement, task, comment, session or worker, and every move of a baton addressed to the
//! project or one of its workers, appends a small `change` event, so a UI or
//! an agent can follow the project live (with resume) instead of polling.
//!
//! A change is recorded after the write it reports has committed. If the append fails the
//! write stands and the failure is logged: the caller's request succeeded, and a follower
//! that missed the signal still sees the object on its next read.

use protocol::event::{Action, Entity, EventBody};

use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;

/// Appends one change to the project's stream.
/// Emits several changes of one project in one Hub call (a delete that takes many rows).
pub async fn emit_all(ctx: &Ctx, project_id: i64, changes: Vec<(Entity, Action, i64, Option<String>)>) {
    let bodies: Vec<EventBody> = changes
        .into_iter()
        .map(|(entity, action, id, handle)| EventBody::Change { entity, action, id, handle })
        .collect();
    if let Err(err) = hub::append_all(&ctx.env, &StreamKey::project(project_id), &bodies).await {
        worker::console_error!("{} change events for project {project_id} lost: {}", bodies.len(), err.message);
    }
}

pub async fn emit(ctx: &Ctx, project_id: i64, entity: Entity, action: Action, id: i64, handle: Option<String>) {
    let body = EventBody::Change { entity, action, id, handle };
    if let Err(err) = hub::append(&ctx.env, &StreamKey::project(project_id), &body).await {
        worker::console_error!("change event for project {project_id} lost: {}", err.message);
    }
}
