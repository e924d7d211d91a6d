//! `GET /api/projects/:id/items/:handle`: whatever a handle names in a project (`R-3`,
//! `T-12`, or `#123` for the requirement mirroring GitHub issue 123), so people and agents
//! can type a handle without knowing its kind.

use protocol::handle::{Handle, HandleKind};
use protocol::model::Item;
use worker::Response;

use crate::auth::Principal;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::{projects, requirements, respond, tasks};

pub async fn get(ctx: &Ctx, who: &Principal, project_id: i64, handle: &str) -> ApiResult<Response> {
    if let Some(number) = github_number(handle) {
        let project = projects::find_visible(ctx, who, project_id).await?;
        let row = requirements::by_github_number(ctx, project.id, number)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("#{number} in project {}", project.id)))?;
        return Ok(respond::ok(&Item::Requirement(row.into())));
    }
    let parsed: Handle = handle.parse().map_err(|e| ApiError::invalid_parameter("handle", e))?;
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

/// `#123` (sent as `%23123` in a path) names a mirrored GitHub issue.
fn github_number(handle: &str) -> Option<i64> {
    let digits = handle.strip_prefix('#').or_else(|| handle.strip_prefix("%23"))?;
    digits.parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn github_numbers_are_hash_prefixed() {
        assert_eq!(super::github_number("#123"), Some(123));
        assert_eq!(super::github_number("%23123"), Some(123));
        assert_eq!(super::github_number("#0"), None);
        assert_eq!(super::github_number("123"), None);
        assert_eq!(super::github_number("R-1"), None);
    }
}
