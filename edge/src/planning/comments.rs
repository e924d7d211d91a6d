//! Task comments: append-only notes on a task, attributed to a person or to a session's agent
//! (with the session and its worker).
//! Owns the `task_comments` table.

use protocol::event::{Action, Author, AuthorKind, Entity};
use protocol::model::{Comment, CreateComment};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::platform::changes::Change;
use crate::platform::context::Ctx;
use crate::{
    http::body, http::query::Query, http::respond, http::validate, planning::tasks, platform::changes, platform::db,
};

const COLUMNS: &str =
    "id, task_id, author_kind, author_id, author_name, author_session_id, author_worker_id, body, created_at";

#[derive(Deserialize)]
struct CommentRow {
    id: i64,
    task_id: i64,
    author_kind: String,
    author_id: i64,
    author_name: String,
    #[serde(default)]
    author_session_id: Option<i64>,
    #[serde(default)]
    author_worker_id: Option<i64>,
    body: String,
    created_at: i64,
}

impl From<CommentRow> for Comment {
    fn from(row: CommentRow) -> Self {
        let author = match row.author_kind.as_str() {
            "agent" => Author::agent(row.author_session_id.unwrap_or(row.author_id), row.author_worker_id),
            "worker" => Author::new(AuthorKind::Worker, row.author_id, row.author_name),
            _ => Author::new(AuthorKind::User, row.author_id, row.author_name),
        };
        Comment {
            id: row.id,
            task_id: row.task_id,
            author,
            body: row.body,
            created_at: protocol::time::rfc3339_from_ms(row.created_at),
        }
    }
}

/// `POST /api/tasks/:id/comments`.
pub async fn create(ctx: &Ctx, who: &Principal, task_id: i64, req: &mut Request) -> ApiResult<Response> {
    let input: CreateComment = body::read_json(req).await?;
    validate::text("body", &input.body)?;
    let task = tasks::find_visible(ctx, who, task_id).await?;
    let author = who.author();
    let row: CommentRow = ctx
        .db
        .first(
            &format!(
                "INSERT INTO task_comments (task_id, author_kind, author_id, author_name, author_session_id,
                                            author_worker_id, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING {COLUMNS}"
            ),
            &[
                db::int(task.id),
                db::text(author.kind.as_str()),
                db::int(author.id),
                db::text(&author.name),
                db::opt_int(author.session_id),
                db::opt_int(author.worker_id),
                db::text(&input.body),
                db::int(ctx.now),
            ],
        )
        .await?
        .ok_or_else(|| ApiError::internal("comment insert returned no row"))?;
    let change = Change::new(Entity::Comment, Action::Created, row.id, None).on_task(&task.handle());
    changes::emit_change(ctx, task.project_id, change).await;
    Ok(respond::created(&Comment::from(row)))
}

/// `GET /api/tasks/:id/comments`, oldest first.
pub async fn list(ctx: &Ctx, who: &Principal, task_id: i64, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let task = tasks::find_visible(ctx, who, task_id).await?;
    let rows: Vec<CommentRow> =
        ctx.db.page_where(&page, COLUMNS, "task_comments", "task_id", "id", db::int(task.id)).await?;
    Ok(respond::ok(&page.page(rows, |r| r.id, Comment::from)))
}
