//! `GET /api/projects/:id/items/:handle`: whatever a handle names in a project (`R-3`,
//! `T-12`, or `#123` for the requirement mirroring GitHub issue 123), so people and agents
//! can type a handle without knowing its kind.

use protocol::handle::HandleKind;
use protocol::model::{Item, ItemRef};
use worker::Response;

use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::{http::respond, people::projects, planning::requirements, planning::tasks};

pub async fn get(ctx: &Ctx, who: &Principal, project_id: i64, handle: &str) -> ApiResult<Response> {
    let parsed = match handle.parse::<ItemRef>() {
        Ok(ItemRef::Github(number)) => {
            let project = projects::find_visible(ctx, who, project_id).await?;
            let row = requirements::by_github_number(ctx, project.id, number as i64)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("#{number} in project {}", project.id)))?;
            return Ok(respond::ok(&Item::Requirement(row.into())));
        }
        Ok(ItemRef::Handle(h)) => h,
        _ => {
            return Err(ApiError::invalid_parameter(
                "handle",
                format!("{handle:?} is not a handle like R-3, T-12 or #123"),
            ))
        }
    };
    let project = projects::find_visible(ctx, who, project_id).await?;
    let number = parsed.number as i64;
    let item = match parsed.kind {
        HandleKind::Requirement => {
            requirements::by_number(ctx, project.id, number).await?.map(|r| Item::Requirement(r.into()))
        }
        HandleKind::Task => tasks::by_number(ctx, project.id, number).await?.map(|t| Item::Task(t.into())),
        _ => return Err(ApiError::invalid_parameter("handle", "must name a requirement (R-N) or a task (T-N)")),
    };
    let item = item.ok_or_else(|| ApiError::not_found(format!("{parsed} in project {}", project.id)))?;
    Ok(respond::ok(&item))
}
