//! Requirements (`R-N`): what a project must achieve, planned into tasks. Numbered per
//! project from the project's counter, bumped in the same batch as the insert. Owns the
//! `requirements` table; deleting one deletes its tasks and their comments (cascade) and
//! reports each deletion on the change stream.

use protocol::event::{Action, Entity};
use protocol::handle::Handle;
use protocol::model::{CreateRequirement, GithubIssue, GithubState, Requirement, RequirementStatus, UpdateRequirement};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::platform::changes::Change;
use crate::platform::context::Ctx;
use crate::{
    http::body, http::query::Query, http::respond, http::validate, people::projects, platform::changes, platform::db,
};

const COLUMNS: &str = "r.id, r.project_id, r.number, r.title, r.description, r.body, r.resources, r.status, \
                       r.created_at, r.updated_at, r.github_number, r.github_url, r.github_state";

#[derive(Deserialize)]
pub struct RequirementRow {
    pub id: i64,
    pub project_id: i64,
    pub number: i64,
    title: String,
    description: String,
    body: String,
    resources: String,
    status: String,
    created_at: i64,
    updated_at: i64,
    github_number: Option<i64>,
    github_url: Option<String>,
    github_state: Option<String>,
}

impl RequirementRow {
    pub fn handle(&self) -> String {
        Handle::requirement(self.number).to_string()
    }
}

impl From<RequirementRow> for Requirement {
    fn from(row: RequirementRow) -> Self {
        Requirement {
            handle: row.handle(),
            id: row.id,
            project_id: row.project_id,
            title: row.title,
            description: row.description,
            body: row.body,
            resources: serde_json::from_str(&row.resources).unwrap_or_default(),
            status: RequirementStatus::parse(&row.status).unwrap_or(RequirementStatus::Active),
            github: match (row.github_number, row.github_url, row.github_state) {
                (Some(number), Some(url), Some(state)) => {
                    Some(GithubIssue { number: number.max(0) as u64, url, state: GithubState::parse(&state) })
                }
                _ => None,
            },
            created_at: protocol::time::rfc3339_from_ms(row.created_at),
            updated_at: protocol::time::rfc3339_from_ms(row.updated_at),
        }
    }
}

/// The requirement if `who` may see its project, else 404.
pub async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<RequirementRow> {
    let select = format!("SELECT {COLUMNS} FROM requirements r JOIN projects p ON p.id = r.project_id WHERE r.id = ?1");
    who.find_in_project(&ctx.db, &select, id, &format!("requirement {id}"), |r: &RequirementRow| r.project_id).await
}

/// A requirement of a project (already checked visible) by its number.
pub async fn by_number(ctx: &Ctx, project_id: i64, number: i64) -> ApiResult<Option<RequirementRow>> {
    let sql = format!("SELECT {COLUMNS} FROM requirements r WHERE r.project_id = ?1 AND r.number = ?2");
    ctx.db.first(&sql, &[db::int(project_id), db::int(number)]).await
}

/// A requirement of a project (already checked visible) by its row id.
pub async fn by_id_in_project(ctx: &Ctx, project_id: i64, id: i64) -> ApiResult<Option<RequirementRow>> {
    let sql = format!("SELECT {COLUMNS} FROM requirements r WHERE r.id = ?1 AND r.project_id = ?2");
    ctx.db.first(&sql, &[db::int(id), db::int(project_id)]).await
}

/// A requirement of a project (already checked visible) by the number of its GitHub issue.
pub async fn by_github_number(ctx: &Ctx, project_id: i64, number: i64) -> ApiResult<Option<RequirementRow>> {
    let sql = format!("SELECT {COLUMNS} FROM requirements r WHERE r.project_id = ?1 AND r.github_number = ?2");
    ctx.db.first(&sql, &[db::int(project_id), db::int(number)]).await
}

/// `POST /api/projects/:id/requirements`.
pub async fn create(ctx: &Ctx, who: &Principal, project_id: i64, req: &mut Request) -> ApiResult<Response> {
    let input: CreateRequirement = body::read_json(req).await?;
    let title = validate::title(&input.title)?;
    let description =
        validate::prose("description", input.description.as_deref().unwrap_or(""), validate::MAX_DESCRIPTION_CHARS)?;
    let text = validate::prose("body", input.body.as_deref().unwrap_or(""), validate::MAX_TEXT_BYTES)?;
    let resources = input.resources.unwrap_or_default();
    validate::resources(&resources)?;
    let status = input.status.unwrap_or(RequirementStatus::Active);
    let project = projects::find_visible(ctx, who, project_id).await?;

    let bump = ctx.db.prepare(
        "UPDATE projects SET requirement_counter = requirement_counter + 1 WHERE id = ?1",
        &[db::int(project.id)],
    )?;
    let insert = ctx.db.prepare(
        &format!(
            "INSERT INTO requirements (project_id, number, title, description, body, resources, status,
                                       created_by, created_at, updated_at)
             SELECT id, requirement_counter, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8 FROM projects WHERE id = ?1
             RETURNING {}",
            COLUMNS.replace("r.", "")
        ),
        &[
            db::int(project.id),
            db::text(&title),
            db::text(&description),
            db::text(&text),
            db::text(&serde_json::to_string(&resources).map_err(ApiError::internal)?),
            db::text(status.as_str()),
            db::int(who.user_id),
            db::int(ctx.now),
        ],
    )?;
    let results = ctx.db.batch(vec![bump, insert]).await?;
    let row: RequirementRow = results
        .get(1)
        .map(|r| r.results())
        .transpose()?
        .and_then(|rows| rows.into_iter().next())
        .ok_or_else(|| ApiError::internal("requirement insert returned no row"))?;
    changes::emit(ctx, row.project_id, Entity::Requirement, Action::Created, row.id, Some(row.handle())).await;
    Ok(respond::created(&Requirement::from(row)))
}

/// `GET /api/projects/:id/requirements?status=`.
pub async fn list(ctx: &Ctx, who: &Principal, project_id: i64, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let status = match query.get("status") {
        None | Some("") => None,
        Some(s) => Some(
            RequirementStatus::parse(s)
                .ok_or_else(|| ApiError::invalid_parameter("status", "must be active, done or cancelled"))?,
        ),
    };
    projects::find_visible(ctx, who, project_id).await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM requirements r
         WHERE r.project_id = ?1 AND r.id > ?2 AND (?3 IS NULL OR r.status = ?3)
         ORDER BY r.id LIMIT ?4"
    );
    let rows: Vec<RequirementRow> = ctx
        .db
        .all(
            &sql,
            &[
                db::int(project_id),
                db::int(page.after_id),
                db::opt_text(status.map(RequirementStatus::as_str)),
                db::int(page.fetch_count().into()),
            ],
        )
        .await?;
    Ok(respond::ok(&page.page(rows, |r| r.id, Requirement::from)))
}

/// `GET /api/requirements/:id`.
pub async fn get(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    Ok(respond::ok(&Requirement::from(find_visible(ctx, who, id).await?)))
}

/// `PATCH /api/requirements/:id`.
pub async fn update(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let input: UpdateRequirement = body::read_json(req).await?;
    let title = input.title.as_deref().map(validate::title).transpose()?;
    let description = input
        .description
        .as_deref()
        .map(|d| validate::prose("description", d, validate::MAX_DESCRIPTION_CHARS))
        .transpose()?;
    let text = input.body.as_deref().map(|b| validate::prose("body", b, validate::MAX_TEXT_BYTES)).transpose()?;
    if let Some(resources) = &input.resources {
        validate::resources(resources)?;
    }
    let resources = input.resources.as_ref().map(serde_json::to_string).transpose().map_err(ApiError::internal)?;
    let current = find_visible(ctx, who, id).await?;
    let sql = format!(
        "UPDATE requirements SET title = COALESCE(?2, title), description = COALESCE(?3, description),
           body = COALESCE(?4, body), resources = COALESCE(?5, resources), status = COALESCE(?6, status),
           updated_at = ?7
         WHERE id = ?1 RETURNING {}",
        COLUMNS.replace("r.", "")
    );
    let row: RequirementRow = ctx
        .db
        .first(
            &sql,
            &[
                db::int(current.id),
                db::opt_text(title.as_deref()),
                db::opt_text(description.as_deref()),
                db::opt_text(text.as_deref()),
                db::opt_text(resources.as_deref()),
                db::opt_text(input.status.map(RequirementStatus::as_str)),
                db::int(ctx.now),
            ],
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("requirement {id}")))?;
    let requirement = Requirement::from(row);
    let change = Change::new(Entity::Requirement, Action::Updated, requirement.id, Some(requirement.handle.clone()))
        .with_status(requirement.status.as_str());
    changes::emit_change(ctx, requirement.project_id, change).await;
    Ok(respond::ok(&requirement))
}

/// `DELETE /api/requirements/:id`: the requirement, its tasks and their comments.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let current = find_visible(ctx, who, id).await?;
    #[derive(Deserialize)]
    struct TaskRef {
        id: i64,
        number: i64,
    }
    let tasks: Vec<TaskRef> =
        ctx.db.all("SELECT id, number FROM tasks WHERE requirement_id = ?1", &[db::int(current.id)]).await?;
    let mut statements = Vec::new();
    for task in &tasks {
        statements.extend(crate::planning::tasks::release_dependents(ctx, task.id)?);
    }
    statements.push(ctx.db.prepare("DELETE FROM requirements WHERE id = ?1", &[db::int(current.id)])?);
    ctx.db.batch(statements).await?;
    let mut deleted: Vec<_> = tasks
        .into_iter()
        .map(|t| (Entity::Task, Action::Deleted, t.id, Some(Handle::task(t.number).to_string())))
        .collect();
    deleted.push((Entity::Requirement, Action::Deleted, current.id, Some(current.handle())));
    changes::emit_all(ctx, current.project_id, deleted).await;
    Ok(respond::no_content())
}
