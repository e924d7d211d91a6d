//! `GET /api/projects/:id/items/:handle`: whatever a handle names in a project (`R-3` or
//! `T-12`), so people and agents can type a handle without knowing its kind.

use protocol::handle::{Handle, HandleKind};
use protocol::model::Item;
use worker::Response;

use crate::auth::Principal;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::{projects, requirements, respond, tasks};

pub async fn get(ctx: &Ctx, who: &Principal, project_id: i64, handle: &str) -> ApiResult<Response> {
    let parsed: Handle = handle.parse().map_err(|e| ApiError::invalid_parameter("handle", e))?;
    let project = projects::find_visible(ctx, who, project_id).await?;
    let number = parsed.number as i64;
    let item = match parsed.kind {
        HandleKind::Requirement => requirements::by_number(ctx, project.id, number)
            .await?
            .map(|r| Item::Requirement(r.into())),
        HandleKind::Task => tasks::by_number(ctx, project.id, number)
            .await?
            .map(|t| Item::Task(t.into())),
        _ => {
            return Err(ApiError::invalid_parameter(
                "handle",
                "must name a requirement (R-N) or a task (T-N)",
            ))
        }
    };
    let item = item.ok_or_else(|| ApiError::not_found(format!("{parsed} in project {}", project.id)))?;
    Ok(respond::ok(&item))
}
