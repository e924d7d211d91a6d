//! Projects: named per workspace (a clash is 409), visible to the workspace's members. Owns
//! the `projects` table.

use protocol::api::{CreateProject, Project};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;
use crate::platform::ids::{self, Sequenced};
use crate::platform::retention::{self, Deleted};
use crate::{
    http::body, http::query::Query, http::respond, http::validate, people::workspaces, platform::changes, platform::db,
};
use protocol::event::{Action, Entity};

#[derive(Deserialize)]
pub struct ProjectRow {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub created_at: i64,
}

impl From<ProjectRow> for Project {
    fn from(row: ProjectRow) -> Self {
        Project {
            id: row.id,
            workspace_id: row.workspace_id,
            name: row.name,
            created_at: protocol::time::rfc3339_from_ms(row.created_at),
        }
    }
}

/// The project if `who` may see its workspace, else 404.
pub async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<ProjectRow> {
    let select = "SELECT p.id, p.workspace_id, p.name, p.created_at FROM projects p WHERE p.id = ?1";
    who.find_in_project(&ctx.db, select, id, &format!("project {id}"), |p: &ProjectRow| p.id).await
}

/// `POST /api/projects`.
pub async fn create(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    let input: CreateProject = body::read_json(req).await?;
    let name = validate::name("name", &input.name)?;
    let workspace = workspaces::find_visible(ctx, who, input.workspace_id).await?;
    let sql = format!(
        "INSERT INTO projects (id, workspace_id, name, created_at) VALUES ({}, ?1, ?2, ?3)
         ON CONFLICT (workspace_id, name) DO NOTHING
         RETURNING id, workspace_id, name, created_at",
        ids::next_id(Sequenced::Projects)
    );
    let args = [db::int(workspace.id), db::text(&name), db::int(ctx.now)];
    let row: Option<ProjectRow> = ids::insert(ctx, Sequenced::Projects, &sql, &args).await?;
    let row = row.ok_or_else(|| {
        ApiError::conflict(format!("workspace {:?} already has a project named {name:?}", workspace.name))
    })?;
    Ok(respond::created(&Project::from(row)))
}

/// `GET /api/projects/:id`.
pub async fn get(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    Ok(respond::ok(&Project::from(find_visible(ctx, who, id).await?)))
}

/// `GET /api/workspaces/:id/projects`.
pub async fn list(ctx: &Ctx, who: &Principal, workspace_id: i64, query: &Query) -> ApiResult<Response> {
    workspaces::find_visible(ctx, who, workspace_id).await?;
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let select = "id, workspace_id, name, created_at";
    let mut rows: Vec<ProjectRow> =
        ctx.db.page_where(&page, select, "projects", "workspace_id", "id", db::int(workspace_id)).await?;
    // A token scoped to one project lists that one (the page's cursor still counts the rest).
    rows.retain(|r| who.reaches_project(r.id));
    Ok(respond::ok(&page.page(rows, |r| r.id, Project::from)))
}

/// `PATCH /api/projects/:id`: rename; a name taken in the same workspace is 409.
pub async fn rename(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let input: protocol::api::Rename = body::read_json(req).await?;
    let name = validate::name("name", &input.name)?;
    let current = find_visible(ctx, who, id).await?;
    let row: Option<ProjectRow> = ctx
        .db
        .first(
            "UPDATE projects SET name = ?2 WHERE id = ?1
               AND NOT EXISTS (SELECT 1 FROM projects WHERE workspace_id = ?3 AND name = ?2 AND id != ?1)
             RETURNING id, workspace_id, name, created_at",
            &[db::int(id), db::text(&name), db::int(current.workspace_id)],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::conflict(format!("the workspace already has a project named {name:?}")))?;
    changes::emit(ctx, row.id, Entity::Project, Action::Updated, row.id, None).await;
    Ok(respond::ok(&Project::from(row)))
}

/// `DELETE /api/projects/:id`: the project with its requirements, tasks, comments and
/// sessions.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let current = find_visible(ctx, who, id).await?;
    let streams = retention::streams(ctx, Deleted::Project(current.id)).await?;
    ctx.db.run("DELETE FROM projects WHERE id = ?1", &[db::int(current.id)]).await?;
    crate::access::invalidate::project_deleted(current.id);
    // Followers see the deletion before the stream goes.
    changes::emit(ctx, current.id, Entity::Project, Action::Deleted, current.id, None).await;
    retention::wipe(ctx, &streams).await;
    Ok(respond::no_content())
}

/// `GET /api/projects/:id/events?after=&limit=`: the project's change log.
pub async fn events(ctx: &Ctx, who: &Principal, id: i64, query: &Query) -> ApiResult<Response> {
    let project = find_visible(ctx, who, id).await?;
    hub::serve_page(&ctx.env, &StreamKey::project(project.id), query).await
}

/// `GET /api/projects/:id/stream`: the project's changes live over SSE, with resume.
pub async fn stream(ctx: &Ctx, who: &Principal, id: i64, req: &Request, query: &Query) -> ApiResult<Response> {
    let project = find_visible(ctx, who, id).await?;
    hub::serve_stream(&ctx.env, &StreamKey::project(project.id), req, query).await
}
