//! Tasks (`T-N`): the units of work under a requirement, with dependencies on other tasks of
//! the same project. Owns the `tasks` and `task_dependencies` tables.
//!
//! A task row carries its dependencies' handles (`depends_on`) and how many of them are not
//! done (`open_dependencies`), so `ready` is known from the row alone and a page of tasks
//! reads only its own rows. Every write that changes those numbers updates them in the same
//! D1 batch: a dependency finishing or reopening adjusts its dependents, a deleted task
//! releases them, and replacing a task's dependencies recounts inside the transaction.
//! Cycles are refused with a recursive query over the edges before the write.

use protocol::event::{Action, Entity};
use protocol::handle::{Handle, HandleKind};
use protocol::model::{CreateTask, ItemRef, StatusRefusal, Task, TaskStatus, UpdateTask};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, Request, Response};

use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::planning::requirements::{self, RequirementRow};
use crate::platform::changes::Change;
use crate::platform::context::Ctx;
use crate::{
    http::body, http::query::Query, http::respond, http::validate, people::projects, platform::changes, platform::db,
};

const COLUMNS: &str = "t.id, t.project_id, t.requirement_id, t.requirement_number, t.number, t.title, \
                       t.body, t.status, t.depends_on, t.open_dependencies, t.created_at, t.updated_at";

fn returning() -> String {
    COLUMNS.replace("t.", "")
}

#[derive(Deserialize)]
pub struct TaskRow {
    pub id: i64,
    pub project_id: i64,
    requirement_id: i64,
    requirement_number: i64,
    pub number: i64,
    title: String,
    body: String,
    status: String,
    depends_on: String,
    open_dependencies: i64,
    created_at: i64,
    updated_at: i64,
}

impl TaskRow {
    pub fn handle(&self) -> String {
        Handle::task(self.number).to_string()
    }

    fn status(&self) -> TaskStatus {
        TaskStatus::parse(&self.status).unwrap_or(TaskStatus::Todo)
    }
}

impl From<TaskRow> for Task {
    fn from(row: TaskRow) -> Self {
        let status = row.status();
        Task {
            handle: row.handle(),
            id: row.id,
            project_id: row.project_id,
            requirement_id: row.requirement_id,
            requirement: Handle::requirement(row.requirement_number).to_string(),
            title: row.title,
            body: row.body,
            status,
            depends_on: serde_json::from_str(&row.depends_on).unwrap_or_default(),
            ready: status.is_ready(row.open_dependencies == 0),
            created_at: protocol::time::rfc3339_from_ms(row.created_at),
            updated_at: protocol::time::rfc3339_from_ms(row.updated_at),
        }
    }
}

/// The task if `who` may see its project, else 404.
pub async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<TaskRow> {
    let select = format!("SELECT {COLUMNS} FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id = ?1");
    who.find_in_project(&ctx.db, &select, id, &format!("task {id}"), |t: &TaskRow| t.project_id).await
}

/// The id of the task `reference` (`T-3` or its id) names in the project, or a 400 for
/// `field`.
pub async fn resolve_in_project(ctx: &Ctx, project_id: i64, reference: &ItemRef, field: &str) -> ApiResult<i64> {
    let found = match reference {
        ItemRef::Handle(h) if h.kind == HandleKind::Task => by_number(ctx, project_id, h.number as i64).await?,
        ItemRef::Id(id) => {
            ctx.db
                .first(
                    &format!("SELECT {COLUMNS} FROM tasks t WHERE t.id = ?1 AND t.project_id = ?2"),
                    &[db::int(*id), db::int(project_id)],
                )
                .await?
        }
        other => return Err(ApiError::invalid_field(field, format!("{other} is not a task handle (T-N)"))),
    };
    let task: TaskRow =
        found.ok_or_else(|| ApiError::invalid_field(field, format!("{reference} is not a task of this project")))?;
    Ok(task.id)
}

/// A task of a project (already checked visible) by its number.
pub async fn by_number(ctx: &Ctx, project_id: i64, number: i64) -> ApiResult<Option<TaskRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tasks t WHERE t.project_id = ?1 AND t.number = ?2");
    ctx.db.first(&sql, &[db::int(project_id), db::int(number)]).await
}

/// A requirement reference (`requirement_id`: an id or `R-N`) within the project.
/// The requirement `reference` names in the project; `refuse` makes the error for the field
/// (or query parameter) it came from.
async fn resolve_requirement(
    ctx: &Ctx,
    project_id: i64,
    reference: &ItemRef,
    refuse: impl Fn(String) -> ApiError,
) -> ApiResult<RequirementRow> {
    let (found, shown) = match reference {
        ItemRef::Handle(h) if h.kind == HandleKind::Requirement => {
            (requirements::by_number(ctx, project_id, h.number as i64).await?, h.to_string())
        }
        ItemRef::Handle(h) => return Err(refuse(format!("{h} is not a requirement handle (R-N)"))),
        ItemRef::Id(id) => (requirements::by_id_in_project(ctx, project_id, *id).await?, id.to_string()),
        ItemRef::Github(n) => (requirements::by_github_number(ctx, project_id, *n as i64).await?, format!("#{n}")),
    };
    found.ok_or_else(|| refuse(format!("{shown} is not a requirement of this project")))
}

#[derive(Deserialize)]
struct Dependency {
    id: i64,
    number: i64,
    status: String,
}

fn all_done(deps: &[Dependency]) -> bool {
    deps.iter().all(|d| d.status == TaskStatus::Done.as_str())
}

/// Resolves `depends_on` references within the project: 400 naming the first that is not a
/// task of it. Answers the tasks sorted by number, without duplicates.
async fn resolve_dependencies(ctx: &Ctx, project_id: i64, refs: &[ItemRef]) -> ApiResult<Vec<Dependency>> {
    if refs.len() > validate::MAX_LIST_ITEMS {
        return Err(ApiError::invalid_field("depends_on", format!("at most {} tasks", validate::MAX_LIST_ITEMS)));
    }
    let mut ids = Vec::new();
    let mut numbers = Vec::new();
    for r in refs {
        match r {
            ItemRef::Id(id) => ids.push(*id),
            ItemRef::Handle(h) if h.kind == HandleKind::Task => numbers.push(h.number as i64),
            other => {
                return Err(ApiError::invalid_field("depends_on", format!("{other} is not a task handle (T-N)")));
            }
        }
    }
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let json = |v: &[i64]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let found: Vec<Dependency> = ctx
        .db
        .all(
            // CROSS JOIN fixes the loop order: one primary-key or (project, number) look-up per
            // reference, never a scan of the project's tasks.
            "SELECT t.id, t.number, t.status FROM json_each(?2) j CROSS JOIN tasks t
             WHERE t.id = j.value AND t.project_id = ?1
             UNION
             SELECT t.id, t.number, t.status FROM json_each(?3) j CROSS JOIN tasks t
             WHERE t.project_id = ?1 AND t.number = j.value
             ORDER BY 2",
            &[db::int(project_id), db::text(&json(&ids)), db::text(&json(&numbers))],
        )
        .await?;
    let missing = ids.iter().find(|id| !found.iter().any(|d| d.id == **id)).map(|id| id.to_string()).or_else(|| {
        numbers.iter().find(|n| !found.iter().any(|d| d.number == **n)).map(|n| Handle::task(*n).to_string())
    });
    if let Some(missing) = missing {
        return Err(ApiError::invalid_field("depends_on", format!("{missing} is not a task of this project")));
    }
    Ok(found)
}

/// The `depends_on` column and the JSON list of dependency ids.
fn dependency_columns(deps: &[Dependency]) -> (String, String) {
    let handles: Vec<String> = deps.iter().map(|d| Handle::task(d.number).to_string()).collect();
    let ids: Vec<i64> = deps.iter().map(|d| d.id).collect();
    (
        serde_json::to_string(&handles).unwrap_or_else(|_| "[]".into()),
        serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()),
    )
}

/// Counts, inside the write's transaction, the dependencies (ids in the JSON `?N`) not done.
fn open_count(param: u8) -> String {
    format!("(SELECT COUNT(*) FROM tasks WHERE id IN (SELECT value FROM json_each(?{param})) AND status != 'done')")
}

/// The 409 of a task that waits: it names the dependencies not done yet (the new ones when the
/// update changes them), so the caller knows what to finish first.
async fn waits_for(ctx: &Ctx, task: &TaskRow, new_dependencies: Option<&(String, String)>) -> ApiResult<ApiError> {
    #[derive(Deserialize)]
    struct Open {
        number: i64,
    }
    let open: Vec<Open> = match new_dependencies {
        Some((_, ids)) => {
            ctx.db
                .all(
                    "SELECT number FROM tasks WHERE id IN (SELECT value FROM json_each(?1)) AND status != 'done' ORDER BY number",
                    &[db::text(ids)],
                )
                .await?
        }
        None => {
            ctx.db
                .all(
                    "SELECT t.number FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on_id
                     WHERE d.task_id = ?1 AND t.status != 'done' ORDER BY t.number",
                    &[db::int(task.id)],
                )
                .await?
        }
    };
    let names: Vec<String> = open.iter().map(|o| Handle::task(o.number).to_string()).collect();
    Ok(ApiError::conflict(format!(
        "{} waits for {} (not done yet): finish them first, or change its dependencies",
        task.handle(),
        names.join(", ")
    )))
}

fn refusal(task: &str, refusal: StatusRefusal) -> ApiError {
    match refusal {
        StatusRefusal::NotAllowed { from, to } => ApiError::conflict(format!(
            "{task} is {} and cannot become {}: an ended task can only be reopened (todo), a failed one retried",
            from.as_str(),
            to.as_str()
        )),
        StatusRefusal::WaitsFor => ApiError::conflict(format!(
            "{task} waits for dependencies that are not done: finish them first, or change depends_on"
        )),
    }
}

/// Statements that let go of a task's dependents before it is deleted: they no longer wait
/// for it (if it was not done) nor list it.
pub fn release_dependents(ctx: &Ctx, task_id: i64) -> ApiResult<Vec<D1PreparedStatement>> {
    Ok(vec![
        ctx.db.prepare(
            "UPDATE tasks SET open_dependencies = open_dependencies - 1
             WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_id = ?1)
               AND (SELECT status FROM tasks WHERE id = ?1) != 'done'",
            &[db::int(task_id)],
        )?,
        ctx.db.prepare(
            "UPDATE tasks SET depends_on = (SELECT COALESCE(json_group_array(value), '[]') FROM json_each(tasks.depends_on)
                                            WHERE value != (SELECT 'T-' || number FROM tasks WHERE id = ?1))
             WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_id = ?1)",
            &[db::int(task_id)],
        )?,
    ])
}

fn first_row<T: serde::de::DeserializeOwned>(results: &[worker::D1Result], index: usize) -> ApiResult<Option<T>> {
    match results.get(index) {
        Some(result) => Ok(result.results::<T>()?.into_iter().next()),
        None => Ok(None),
    }
}

/// `POST /api/projects/:id/tasks`.
pub async fn create(ctx: &Ctx, who: &Principal, project_id: i64, req: &mut Request) -> ApiResult<Response> {
    let input: CreateTask = body::read_json(req).await?;
    let title = validate::title(&input.title)?;
    let text = validate::prose("body", input.body.as_deref().unwrap_or(""), validate::MAX_TEXT_BYTES)?;
    let project = projects::find_visible(ctx, who, project_id).await?;
    let requirement = resolve_requirement(ctx, project.id, &input.requirement_id, |why| {
        ApiError::invalid_field("requirement_id", why)
    })
    .await?;
    let deps = resolve_dependencies(ctx, project.id, input.depends_on.as_deref().unwrap_or(&[])).await?;
    let (handles, dep_ids) = dependency_columns(&deps);
    let status = TaskStatus::Todo
        .change(input.status.unwrap_or(TaskStatus::Todo), all_done(&deps))
        .map_err(|r| refusal("a new task", r))?;

    let bump =
        ctx.db.prepare("UPDATE projects SET task_counter = task_counter + 1 WHERE id = ?1", &[db::int(project.id)])?;
    let insert = ctx.db.prepare(
        &format!(
            "INSERT INTO tasks (project_id, requirement_id, requirement_number, number, title, body, status,
                                depends_on, open_dependencies, created_by, created_at, updated_at)
             SELECT id, ?2, ?3, task_counter, ?4, ?5, ?6, ?7, {}, ?9, ?10, ?10 FROM projects WHERE id = ?1
             RETURNING {}",
            open_count(8),
            returning()
        ),
        &[
            db::int(project.id),
            db::int(requirement.id),
            db::int(requirement.number),
            db::text(&title),
            db::text(&text),
            db::text(status.as_str()),
            db::text(&handles),
            db::text(&dep_ids),
            db::int(who.user_id),
            db::int(ctx.now),
        ],
    )?;
    let edges = ctx.db.prepare(
        "INSERT INTO task_dependencies (task_id, depends_on_id)
         SELECT t.id, d.value FROM tasks t, json_each(?2) d
         WHERE t.project_id = ?1 AND t.number = (SELECT task_counter FROM projects WHERE id = ?1)",
        &[db::int(project.id), db::text(&dep_ids)],
    )?;
    let results = ctx.db.batch(vec![bump, insert, edges]).await?;
    let row: TaskRow = first_row(&results, 1)?.ok_or_else(|| ApiError::internal("task insert returned no row"))?;
    let task = Task::from(row);
    emit_task(ctx, Action::Created, &task).await;
    Ok(respond::created(&task))
}

/// `GET /api/projects/:id/tasks?status=&requirement=&ready=`.
pub async fn list(ctx: &Ctx, who: &Principal, project_id: i64, query: &Query) -> ApiResult<Response> {
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let status = match query.get("status") {
        None | Some("") => None,
        Some(s) => Some(TaskStatus::parse(s).ok_or_else(|| {
            ApiError::invalid_parameter("status", "must be todo, in_progress, blocked, done, failed or cancelled")
        })?),
    };
    // Only `ready=true`: it is served by an index, where "not ready" would be a scan.
    let ready = match query.get("ready") {
        None | Some("") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid_parameter("ready", "only ready=true is supported")),
    };
    let requirement_ref =
        match query.get("requirement") {
            None | Some("") => None,
            Some(text) => Some(parse_ref(text).ok_or_else(|| {
                ApiError::invalid_parameter("requirement", "must be a requirement id or handle (R-N)")
            })?),
        };
    let project = projects::find_visible(ctx, who, project_id).await?;
    let requirement = match requirement_ref {
        Some(r) => {
            Some(resolve_requirement(ctx, project.id, &r, |why| ApiError::invalid_parameter("requirement", why)).await?)
        }
        None => None,
    };

    // Only the filters in use appear in the SQL, so the planner can pick the matching index.
    let mut sql = format!("SELECT {COLUMNS} FROM tasks t WHERE t.project_id = ?1 AND t.id > ?2");
    let mut args: Vec<JsValue> = vec![db::int(project.id), db::int(page.after_id)];
    if let Some(status) = status {
        args.push(db::text(status.as_str()));
        sql.push_str(&format!(" AND t.status = ?{}", args.len()));
    }
    if let Some(requirement) = &requirement {
        args.push(db::int(requirement.id));
        sql.push_str(&format!(" AND t.requirement_id = ?{}", args.len()));
    }
    if ready {
        sql.push_str(" AND t.open_dependencies = 0 AND t.status = 'todo'");
    }
    args.push(db::int(page.fetch_count().into()));
    sql.push_str(&format!(" ORDER BY t.id LIMIT ?{}", args.len()));
    let rows: Vec<TaskRow> = ctx.db.all(&sql, &args).await?;
    Ok(respond::ok(&page.page(rows, |r| r.id, Task::from)))
}

fn parse_ref(text: &str) -> Option<ItemRef> {
    text.parse().ok()
}

/// `GET /api/tasks/:id`.
pub async fn get(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    Ok(respond::ok(&Task::from(find_visible(ctx, who, id).await?)))
}

/// `PATCH /api/tasks/:id`.
pub async fn update(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let input: UpdateTask = body::read_json(req).await?;
    // A session's agent reports progress; reshaping the plan is for people.
    let reshapes = input.title.is_some() || input.body.is_some() || input.depends_on.is_some();
    if who.agent.is_some() && (reshapes || input.requirement_id.is_some()) {
        return Err(ApiError::forbidden("a session's agent changes a task's status only: ask a person to edit it"));
    }
    let title = input.title.as_deref().map(validate::title).transpose()?;
    let text = input.body.as_deref().map(|b| validate::prose("body", b, validate::MAX_TEXT_BYTES)).transpose()?;
    let current = find_visible(ctx, who, id).await?;
    let plan = plan_update(ctx, &current, &input).await?;
    let mut statements = release_on_status(ctx, &current, plan.status)?;
    let update_index = statements.len();
    statements.push(update_statement(ctx, &current, &plan, title.as_deref(), text.as_deref())?);
    if let Some((_, ids)) = &plan.dependencies {
        statements.push(ctx.db.prepare("DELETE FROM task_dependencies WHERE task_id = ?1", &[db::int(current.id)])?);
        statements.push(ctx.db.prepare(
            "INSERT INTO task_dependencies (task_id, depends_on_id) SELECT ?1, value FROM json_each(?2)",
            &[db::int(current.id), db::text(ids)],
        )?);
    }
    let results = ctx.db.batch(statements).await?;
    let row: TaskRow = first_row(&results, update_index)?.ok_or_else(|| {
        ApiError::conflict(format!("{} changed while this update was made: read it again and retry", current.handle()))
    })?;
    let task = Task::from(row);
    emit_task(ctx, Action::Updated, &task).await;
    Ok(respond::ok(&task))
}

/// A task's change names its requirement and carries its status.
async fn emit_task(ctx: &Ctx, action: Action, task: &Task) {
    let change = Change::new(Entity::Task, action, task.id, Some(task.handle.clone()))
        .in_requirement(&task.requirement)
        .with_status(task.status.as_str());
    changes::emit_change(ctx, task.project_id, change).await;
}

/// What an update resolves before it writes: the new requirement, the new dependencies (their
/// handles and ids, as the row stores them) and the new status, checked against the rules.
struct UpdatePlan {
    requirement: Option<RequirementRow>,
    dependencies: Option<(String, String)>,
    status: Option<TaskStatus>,
}

async fn plan_update(ctx: &Ctx, current: &TaskRow, input: &UpdateTask) -> ApiResult<UpdatePlan> {
    let requirement = match &input.requirement_id {
        Some(r) => Some(
            resolve_requirement(ctx, current.project_id, r, |why| ApiError::invalid_field("requirement_id", why))
                .await?,
        ),
        None => None,
    };
    let dependencies = match &input.depends_on {
        Some(refs) => {
            let deps = resolve_dependencies(ctx, current.project_id, refs).await?;
            refuse_cycles(ctx, current, &deps).await?;
            Some(dependency_columns(&deps))
        }
        None => None,
    };
    let mut open_after = current.open_dependencies;
    if let Some((_, ids)) = &dependencies {
        #[derive(Deserialize)]
        struct Count {
            open: i64,
        }
        let sql = format!("SELECT {} AS open", open_count(1));
        open_after = ctx.db.first::<Count>(&sql, &[db::text(ids)]).await?.map_or(0, |c| c.open);
    }
    let status = match input.status {
        Some(to) => match current.status().change(to, open_after == 0) {
            Ok(status) => Some(status),
            Err(StatusRefusal::WaitsFor) => return Err(waits_for(ctx, current, dependencies.as_ref()).await?),
            Err(other) => return Err(refusal(&current.handle(), other)),
        },
        None => None,
    };
    Ok(UpdatePlan { requirement, dependencies, status })
}

/// Dependents wait for one task fewer (or more) when this one finishes (or reopens).
fn release_on_status(
    ctx: &Ctx,
    current: &TaskRow,
    new_status: Option<TaskStatus>,
) -> ApiResult<Vec<worker::D1PreparedStatement>> {
    let old = current.status();
    let delta = match (old == TaskStatus::Done, new_status.map(|s| s == TaskStatus::Done)) {
        (false, Some(true)) => -1,
        (true, Some(false)) => 1,
        _ => 0,
    };
    if delta == 0 {
        return Ok(Vec::new());
    }
    Ok(vec![ctx.db.prepare(
        "UPDATE tasks SET open_dependencies = open_dependencies + ?3
         WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_id = ?1)
           AND EXISTS (SELECT 1 FROM tasks WHERE id = ?1 AND status = ?2)",
        &[db::int(current.id), db::text(old.as_str()), db::int(delta)],
    )?])
}

/// The row's own update, guarded by the status it was read with (a concurrent change makes
/// it change nothing, and the update answers 409).
fn update_statement(
    ctx: &Ctx,
    current: &TaskRow,
    plan: &UpdatePlan,
    title: Option<&str>,
    text: Option<&str>,
) -> ApiResult<worker::D1PreparedStatement> {
    let (handles, dep_ids) = match &plan.dependencies {
        Some((handles, ids)) => (Some(handles.as_str()), Some(ids.as_str())),
        None => (None, None),
    };
    ctx.db.prepare(
        &format!(
            "UPDATE tasks SET title = COALESCE(?3, title), body = COALESCE(?4, body), status = COALESCE(?5, status),
               requirement_id = COALESCE(?6, requirement_id), requirement_number = COALESCE(?7, requirement_number),
               depends_on = COALESCE(?8, depends_on),
               open_dependencies = CASE WHEN ?9 IS NULL THEN open_dependencies ELSE {} END,
               updated_at = ?10
             WHERE id = ?1 AND status = ?2 RETURNING {}",
            open_count(9),
            returning()
        ),
        &[
            db::int(current.id),
            db::text(current.status().as_str()),
            db::opt_text(title),
            db::opt_text(text),
            db::opt_text(plan.status.map(TaskStatus::as_str)),
            db::opt_int(plan.requirement.as_ref().map(|r| r.id)),
            db::opt_int(plan.requirement.as_ref().map(|r| r.number)),
            db::opt_text(handles),
            db::opt_text(dep_ids),
            db::int(ctx.now),
        ],
    )
}

/// 400 if making `task` depend on `deps` would close a cycle.
async fn refuse_cycles(ctx: &Ctx, task: &TaskRow, deps: &[Dependency]) -> ApiResult<()> {
    if deps.iter().any(|d| d.id == task.id) {
        return Err(ApiError::invalid_field("depends_on", format!("{} cannot depend on itself", task.handle())));
    }
    if deps.is_empty() {
        return Ok(());
    }
    let (_, ids) = dependency_columns(deps);
    #[derive(Deserialize)]
    struct Hit {
        #[allow(dead_code)]
        hit: i64,
    }
    let hit: Option<Hit> = ctx
        .db
        .first(
            "WITH RECURSIVE reach(id) AS (
               SELECT value FROM json_each(?1)
               UNION SELECT d.depends_on_id FROM task_dependencies d JOIN reach r ON d.task_id = r.id)
             SELECT 1 AS hit FROM reach WHERE id = ?2 LIMIT 1",
            &[db::text(&ids), db::int(task.id)],
        )
        .await?;
    if hit.is_some() {
        return Err(ApiError::invalid_field(
            "depends_on",
            format!("would make a cycle: {} is already a dependency of one of them", task.handle()),
        ));
    }
    Ok(())
}

/// `DELETE /api/tasks/:id`: the task and its comments; its dependents stop waiting for it.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let current = find_visible(ctx, who, id).await?;
    let mut statements = release_dependents(ctx, current.id)?;
    statements.push(ctx.db.prepare("DELETE FROM tasks WHERE id = ?1", &[db::int(current.id)])?);
    ctx.db.batch(statements).await?;
    changes::emit(ctx, current.project_id, Entity::Task, Action::Deleted, current.id, Some(current.handle())).await;
    Ok(respond::no_content())
}
