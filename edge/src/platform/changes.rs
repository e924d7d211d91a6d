//! The change stream of a project (`project:<id>`): every create, update and delete of a
//! requirement, task, comment, session or worker, and every move of a baton addressed to the
//! project or one of its workers (or of a baton of its whole workspace), appends a small
//! `change` event, so a UI or
//! an agent can follow the project live (with resume) instead of polling.
//!
//! A change is recorded after the write it reports has committed. If the append fails the
//! write stands and the failure is logged: the caller's request succeeded, and a follower
//! that missed the signal still sees the object on its next read.

use protocol::event::{Action, Entity, EventBody};

use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;

/// One change: what it is about, its parent and new status when it has them.
pub struct Change {
    entity: Entity,
    action: Action,
    id: i64,
    handle: Option<String>,
    requirement: Option<String>,
    task: Option<String>,
    session: Option<String>,
    status: Option<String>,
}

impl Change {
    pub fn new(entity: Entity, action: Action, id: i64, handle: Option<String>) -> Change {
        Change { entity, action, id, handle, requirement: None, task: None, session: None, status: None }
    }

    /// The requirement a task belongs to.
    pub fn in_requirement(mut self, handle: &str) -> Change {
        self.requirement = Some(handle.to_owned());
        self
    }

    /// The task a comment is on.
    pub fn on_task(mut self, handle: &str) -> Change {
        self.task = Some(handle.to_owned());
        self
    }

    /// The session a request for input belongs to.
    pub fn in_session(mut self, handle: &str) -> Change {
        self.session = Some(handle.to_owned());
        self
    }

    /// The status after the change.
    pub fn with_status(mut self, status: &str) -> Change {
        self.status = Some(status.to_owned());
        self
    }

    fn body(self) -> EventBody {
        let Change { entity, action, id, handle, requirement, task, session, status } = self;
        EventBody::Change { entity, action, id, handle, requirement, task, session, status }
    }
}

/// Emits several changes of one project in one Hub call (a delete that takes many rows).
pub async fn emit_all(ctx: &Ctx, project_id: i64, changes: Vec<(Entity, Action, i64, Option<String>)>) {
    let bodies: Vec<EventBody> = changes
        .into_iter()
        .map(|(entity, action, id, handle)| Change::new(entity, action, id, handle).body())
        .collect();
    if let Err(err) = hub::append_all(&ctx.env, &StreamKey::project(project_id), &bodies).await {
        worker::console_error!("{} change events for project {project_id} lost: {}", bodies.len(), err.message);
    }
}

/// Appends one change to the project's stream.
pub async fn emit(ctx: &Ctx, project_id: i64, entity: Entity, action: Action, id: i64, handle: Option<String>) {
    emit_change(ctx, project_id, Change::new(entity, action, id, handle)).await;
}

/// Appends one change, with its parent or status, to the project's stream.
pub async fn emit_change(ctx: &Ctx, project_id: i64, change: Change) {
    if let Err(err) = hub::append(&ctx.env, &StreamKey::project(project_id), &change.body()).await {
        worker::console_error!("change event for project {project_id} lost: {}", err.message);
    }
}
