//! Workspaces and their membership. Admins create workspaces and add members; members see
//! only the workspaces they belong to, and anything else answers 404. Owns the `workspaces`
//! and `memberships` tables.

use protocol::api::{AddMember, CreateWorkspace, Member, Page, Workspace};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::platform::context::Ctx;
use crate::{http::body, http::query::Query, http::respond, http::validate, people::users, platform::db};

use protocol::time::rfc3339_from_ms;

#[derive(Deserialize)]
pub struct WorkspaceRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
}

impl From<WorkspaceRow> for Workspace {
    fn from(row: WorkspaceRow) -> Self {
        Workspace { id: row.id, name: row.name, created_at: rfc3339_from_ms(row.created_at) }
    }
}

/// The workspace if `who` may see it, else 404.
pub async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<WorkspaceRow> {
    let [admin, user] = who.visibility_args();
    let sql = format!(
        "SELECT w.id, w.name, w.created_at FROM workspaces w WHERE w.id = ?1 AND {}",
        Principal::visible_clause("w.id", 2, 3)
    );
    ctx.db.first(&sql, &[db::int(id), admin, user]).await?.ok_or_else(|| ApiError::not_found(format!("workspace {id}")))
}

/// `POST /api/workspaces` (admin): the creator becomes a member.
pub async fn create(ctx: &Ctx, who: &Principal, req: &mut Request) -> ApiResult<Response> {
    who.require_admin("create workspaces")?;
    let input: CreateWorkspace = body::read_json(req).await?;
    let name = validate::name("name", &input.name)?;
    let row: Option<WorkspaceRow> = ctx
        .db
        .first(
            "INSERT INTO workspaces (name, created_by, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at",
            &[db::text(&name), db::int(who.user_id), db::int(ctx.now)],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::conflict(format!("a workspace named {name:?} already exists")))?;
    add_membership(ctx, row.id, who.user_id).await?;
    Ok(respond::created(&Workspace::from(row)))
}

async fn add_membership(ctx: &Ctx, workspace_id: i64, user_id: i64) -> ApiResult<usize> {
    ctx.db
        .run(
            "INSERT INTO memberships (workspace_id, user_id, added_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
            &[db::int(workspace_id), db::int(user_id), db::int(ctx.now)],
        )
        .await
}

/// `GET /api/workspaces`: the ones the caller may see.
pub async fn list(ctx: &Ctx, who: &Principal, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let [admin, user] = who.visibility_args();
    let sql = format!(
        "SELECT w.id, w.name, w.created_at FROM workspaces w
         WHERE w.id > ?1 AND {} ORDER BY w.id LIMIT ?4",
        Principal::visible_clause("w.id", 2, 3)
    );
    let rows: Vec<WorkspaceRow> =
        ctx.db.all(&sql, &[db::int(page.after_id), admin, user, db::int(page.fetch_count().into())]).await?;
    Ok(respond::ok(&page.page(rows, |r| r.id, Workspace::from)))
}

/// `GET /api/workspaces/:id`.
pub async fn get(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    Ok(respond::ok(&Workspace::from(find_visible(ctx, who, id).await?)))
}

#[derive(Deserialize)]
struct MemberRow {
    user_id: i64,
    username: String,
    added_at: i64,
}

/// `GET /api/workspaces/:id/members`.
pub async fn members(ctx: &Ctx, who: &Principal, id: i64, query: &Query) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let rows: Vec<MemberRow> = ctx
        .db
        .all(
            "SELECT m.user_id, u.username, m.added_at FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = ?1 AND m.user_id > ?2 ORDER BY m.user_id LIMIT ?3",
            &[db::int(id), db::int(page.after_id), db::int(page.fetch_count().into())],
        )
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.user_id);
    let items = rows
        .into_iter()
        .map(|r| Member { user_id: r.user_id, username: r.username, added_at: rfc3339_from_ms(r.added_at) })
        .collect();
    Ok(respond::ok(&Page { items, next_cursor }))
}

/// `POST /api/workspaces/:id/members` (admin).
pub async fn add_member(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    who.require_admin("add members")?;
    let input: AddMember = body::read_json(req).await?;
    let user = users::find_by_name(ctx, &input.username).await?;
    if add_membership(ctx, id, user.id).await? == 0 {
        return Err(ApiError::conflict(format!("{} is already a member", user.username)));
    }
    Ok(respond::created(&Member { user_id: user.id, username: user.username, added_at: rfc3339_from_ms(ctx.now) }))
}

/// `PATCH /api/workspaces/:id` (admin): rename; a name taken by another workspace is 409.
pub async fn rename(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    who.require_admin("rename workspaces")?;
    let input: protocol::api::Rename = body::read_json(req).await?;
    let name = validate::name("name", &input.name)?;
    let row: Option<WorkspaceRow> = ctx
        .db
        .first(
            "UPDATE workspaces SET name = ?2 WHERE id = ?1
               AND NOT EXISTS (SELECT 1 FROM workspaces WHERE name = ?2 AND id != ?1)
             RETURNING id, name, created_at",
            &[db::int(id), db::text(&name)],
        )
        .await?;
    let row = row.ok_or_else(|| ApiError::conflict(format!("a workspace named {name:?} already exists")))?;
    Ok(respond::ok(&Workspace::from(row)))
}

/// `DELETE /api/workspaces/:id` (admin): the workspace with its projects, requirements,
/// tasks, comments and sessions.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    who.require_admin("delete workspaces")?;
    let streams = crate::platform::retention::streams(ctx, crate::platform::retention::Deleted::Workspace(id)).await?;
    ctx.db.run("DELETE FROM workspaces WHERE id = ?1", &[db::int(id)]).await?;
    crate::platform::retention::wipe(ctx, &streams).await;
    crate::access::invalidate::workspace_deleted(id);
    Ok(respond::no_content())
}

/// `DELETE /api/workspaces/:id/members/:user_id` (admin).
pub async fn remove_member(ctx: &Ctx, who: &Principal, id: i64, user_id: i64) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    who.require_admin("remove members")?;
    let removed = ctx
        .db
        .run("DELETE FROM memberships WHERE workspace_id = ?1 AND user_id = ?2", &[db::int(id), db::int(user_id)])
        .await?;
    if removed == 0 {
        return Err(ApiError::not_found(format!("member {user_id} of workspace {id}")));
    }
    // What they saw there, and the workers that act for them.
    crate::access::invalidate::membership_removed(id, user_id);
    Ok(respond::no_content())
}
