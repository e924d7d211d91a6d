//! The `batons` table: finding a row the caller may see, writing a decided move with a
//! compare-and-set on the row's revision, and showing a row as the API's [`Baton`].

use protocol::baton::{Baton, BatonParty, BatonStatus, BatonTarget};
use protocol::event::AuthorKind;
use protocol::handle::Handle;
use serde::Deserialize;
use serde_json::Value;

use super::rules::{self, Change, State, Stored};
use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::platform::db;
use protocol::time::rfc3339_from_ms;

/// The columns every read selects, with the finisher's result joined in.
pub const COLUMNS: &str =
    "b.seq, b.id, b.workspace_id, b.to_project_id, b.to_worker_id, b.project_id, b.task, b.payload, b.status,
    b.rev, b.attempt, b.passed_by, b.passed_by_name, b.holder, b.holder_name, b.lease_hash, b.lease_expires_at,
    b.expires_at, b.created_at, b.caught_at, b.finished_at, b.error, b.session_id, b.webhook_url, b.webhook_secret,
    b.request_hash, r.result";

/// The tables of a read.
pub const FROM: &str = "batons b LEFT JOIN baton_results r ON r.baton_seq = b.seq";

#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    pub seq: i64,
    pub id: String,
    pub workspace_id: i64,
    pub to_project_id: Option<i64>,
    pub to_worker_id: Option<i64>,
    /// The project whose change stream hears of it.
    pub project_id: Option<i64>,
    pub task: String,
    pub payload: String,
    pub status: String,
    pub rev: i64,
    pub attempt: i64,
    pub passed_by: String,
    pub passed_by_name: String,
    pub holder: Option<String>,
    pub holder_name: Option<String>,
    pub lease_hash: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub expires_at: i64,
    pub created_at: i64,
    pub caught_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub error: Option<String>,
    pub session_id: Option<i64>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub request_hash: Option<String>,
    pub result: Option<String>,
}

impl Row {
    /// What the rules look at.
    pub fn state(&self) -> ApiResult<State> {
        Ok(State {
            stored: Stored::parse(&self.status)
                .ok_or_else(|| ApiError::internal(format!("baton {} has status {:?}", self.id, self.status)))?,
            attempt: self.attempt,
            passed_by: self.passed_by.clone(),
            holder: self.holder.clone(),
            lease_hash: self.lease_hash.clone(),
            lease_expires_at: self.lease_expires_at,
            expires_at: self.expires_at,
        })
    }

    /// The API's record at `now`, with its pickup URL on `origin`.
    pub fn view(&self, now: i64, origin: &str) -> ApiResult<Baton> {
        let status = rules::status(&self.state()?, now);
        let payload: Value = serde_json::from_str(&self.payload).map_err(ApiError::internal)?;
        let result = match &self.result {
            Some(text) => serde_json::from_str(text).map_err(ApiError::internal)?,
            None => Value::Null,
        };
        let live_lease = status == BatonStatus::Caught;
        let handed_over = payload.get("output").cloned().unwrap_or(Value::Null);
        let output = if result.is_null() { handed_over.clone() } else { result.clone() };
        Ok(Baton {
            baton_id: self.id.clone(),
            status,
            task: self.task.clone(),
            output,
            handed_over,
            context: payload.get("context").cloned().unwrap_or(Value::Null),
            constraints: payload.get("constraints").cloned().unwrap_or(Value::Null),
            workspace_id: self.workspace_id,
            to: self.target(),
            attempt: self.attempt,
            passed_by: party(&self.passed_by, &self.passed_by_name),
            caught_by: self.holder.as_deref().map(|h| party(h, self.holder_name.as_deref().unwrap_or(""))),
            session_id: self.session_id,
            result,
            error: self.error.clone(),
            pickup_url: pickup_url(origin, &self.id),
            created_at: rfc3339_from_ms(self.created_at),
            expires_at: rfc3339_from_ms(self.expires_at),
            caught_at: self.caught_at.map(rfc3339_from_ms),
            lease_expires_at: self.lease_expires_at.filter(|_| live_lease).map(rfc3339_from_ms),
            finished_at: self.finished_at.map(rfc3339_from_ms),
            webhook_url: self.webhook_url.clone(),
        })
    }

    /// The first message of the session a worker runs the baton in: the task, then what
    /// came with it, then how the answer travels back.
    pub fn brief(&self) -> ApiResult<String> {
        let payload: Value = serde_json::from_str(&self.payload).map_err(ApiError::internal)?;
        let mut text = self.task.clone();
        for (key, title) in [("context", "Context"), ("constraints", "Constraints"), ("output", "Handed over")] {
            if let Some(value) = payload.get(key).filter(|v| !v.is_null()) {
                let pretty = serde_json::to_string_pretty(value).map_err(ApiError::internal)?;
                text.push_str(&format!("\n\n{title}:\n```json\n{pretty}\n```"));
            }
        }
        text.push_str(&format!(
            "\n\n(This is baton {}. Your final message is handed back to its passer as the result.)",
            self.id
        ));
        Ok(text)
    }

    /// The passer as the author of the brief.
    pub fn passer(&self) -> protocol::event::Author {
        let p = party(&self.passed_by, &self.passed_by_name);
        match p.kind {
            AuthorKind::Agent => protocol::event::Author::agent(p.id, None),
            kind => protocol::event::Author::new(kind, p.id, p.name),
        }
    }

    fn target(&self) -> Option<BatonTarget> {
        match (self.to_worker_id, self.to_project_id) {
            (Some(w), _) => {
                Some(BatonTarget { project: None, worker: Some(Value::String(Handle::worker(w).to_string())) })
            }
            (None, Some(p)) => Some(BatonTarget { project: Some(Value::from(p)), worker: None }),
            (None, None) => None,
        }
    }
}

/// `https://host/api/catch/<id>`.
pub fn pickup_url(origin: &str, id: &str) -> String {
    format!("{origin}/api/catch/{id}")
}

fn party(key: &str, name: &str) -> BatonParty {
    let (kind, id) = key.split_once(':').unwrap_or(("user", "0"));
    let kind = match kind {
        "worker" => AuthorKind::Worker,
        "agent" => AuthorKind::Agent,
        _ => AuthorKind::User,
    };
    BatonParty { kind, id: id.parse().unwrap_or(0), name: name.to_owned() }
}

/// The principal's key in the `passed_by` and `holder` columns, and its display name.
pub fn principal_key(who: &Principal) -> (String, String) {
    if let Some(invite) = who.invite {
        return (format!("invite:{}", invite.invite_id), who.username.clone());
    }
    match (who.worker, who.agent) {
        (Some(w), _) => (format!("worker:{}", w.worker_id), Handle::worker(w.worker_id).to_string()),
        (None, Some(a)) => (format!("agent:{}", a.session_id), Handle::session(a.session_id).to_string()),
        (None, None) => (format!("user:{}", who.user_id), who.username.clone()),
    }
}

/// Whether a worker sees a baton: addressed to it, or to its project and no worker in
/// particular. [`visibility`] says the same in SQL.
pub fn worker_sees(row: &Row, worker: crate::access::auth::WorkerScope) -> bool {
    row.to_worker_id == Some(worker.worker_id)
        || (row.to_worker_id.is_none() && row.to_project_id == Some(worker.project_id))
}

/// Whether `who` may work a baton (catch, heartbeat, finish, fail it): an addressed baton only
/// by the addressed worker or the addressed project's workers; an unaddressed one by anyone
/// who sees it. Seeing is not working: members see addressed batons, the passer may cancel.
pub fn may_work(row: &Row, who: &Principal) -> bool {
    let addressed = row.to_worker_id.is_some() || row.to_project_id.is_some();
    match who.worker {
        Some(w) => worker_sees(row, w),
        None => !addressed,
    }
}

/// SQL that is true when the caller may see baton `b` ([`worker_sees`] for workers), numbering its parameters from
/// `?{first}`, and their values: bind them after every other parameter of the statement.
///
/// One text per kind of caller, so that each reads through an index: a member's batons by
/// workspace (`batons_by_workspace`), never row by row through everyone else's.
pub fn visibility(who: &Principal, first: u8) -> (String, Vec<wasm_bindgen::JsValue>) {
    match who.worker {
        Some(w) => (
            format!("(b.to_worker_id = ?{first} OR (b.to_worker_id IS NULL AND b.to_project_id = ?{}))", first + 1),
            vec![db::int(w.worker_id), db::int(w.project_id)],
        ),
        None if who.is_admin() => ("1 = 1".to_owned(), Vec::new()),
        // A scoped personal token: its workspace, and within it its project's batons and the
        // workspace's unaddressed ones.
        None if who.token_scope.is_some() => {
            let scope = who.token_scope.map(|s| (s.workspace_id, s.project_id.unwrap_or(0))).unwrap_or((0, 0));
            (
                format!(
                    "b.workspace_id = ?{first} AND (?{} = 0 OR b.project_id IS NULL OR b.project_id = ?{})",
                    first + 1,
                    first + 1
                ),
                vec![db::int(scope.0), db::int(scope.1)],
            )
        }
        // A session's agent: its session's workspace (through the same index).
        None if who.agent.is_some() => {
            (format!("b.workspace_id = ?{first}"), vec![db::int(who.agent.map_or(0, |a| a.workspace_id))])
        }
        None => (
            format!("b.workspace_id IN (SELECT m.workspace_id FROM memberships m WHERE m.user_id = ?{first})"),
            vec![db::int(who.user_id)],
        ),
    }
}

/// The baton `id` if the caller may see it, else 404 (a malformed id is unknown too).
pub async fn find_visible(ctx: &Ctx, who: &Principal, id: &str) -> ApiResult<Row> {
    let not_found = || ApiError::not_found(format!("baton {id}"));
    if id.parse::<protocol::baton::BatonId>().is_err() {
        return Err(not_found());
    }
    let (visible, mut args) = visibility(who, 2);
    args.insert(0, db::text(id));
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE b.id = ?1 AND {visible}");
    ctx.db.first(&sql, &args).await?.ok_or_else(not_found)
}

/// A baton to insert.
pub struct NewBaton<'a> {
    pub id: &'a str,
    pub dest: &'a super::target::Destination,
    pub task: &'a str,
    /// `{"output", "context", "constraints"}` as JSON text.
    pub payload: &'a str,
    /// The passer's principal key and name.
    pub passed_by: (&'a str, &'a str),
    pub expires_at: i64,
    /// The webhook URL and its sealed secret.
    pub webhook: Option<(&'a str, &'a str)>,
    /// The Idempotency-Key and the hash of the body it came with.
    pub idempotency: Option<(&'a str, &'a str)>,
}

/// Inserts a pending baton; answers its sequence number, or `None` when the passer already
/// used the idempotency key (a concurrent pass won).
pub async fn insert(ctx: &Ctx, new: &NewBaton<'_>) -> ApiResult<Option<i64>> {
    #[derive(Deserialize)]
    struct Inserted {
        seq: i64,
    }
    let inserted: Option<Inserted> = ctx
        .db
        .first(
            "INSERT INTO batons (id, workspace_id, to_project_id, to_worker_id, project_id, task, payload, status,
               passed_by, passed_by_name, expires_at, created_at, updated_at, webhook_url, webhook_secret,
               idempotency_key, request_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (passed_by, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
             RETURNING seq",
            &[
                db::text(new.id),
                db::int(new.dest.workspace_id),
                db::opt_int(new.dest.project_id),
                db::opt_int(new.dest.worker_id),
                db::opt_int(new.dest.concerns),
                db::text(new.task),
                db::text(new.payload),
                db::text(new.passed_by.0),
                db::text(new.passed_by.1),
                db::int(new.expires_at),
                db::int(ctx.now),
                db::opt_text(new.webhook.map(|w| w.0)),
                db::opt_text(new.webhook.map(|w| w.1)),
                db::opt_text(new.idempotency.map(|i| i.0)),
                db::opt_text(new.idempotency.map(|i| i.1)),
            ],
        )
        .await?;
    Ok(inserted.map(|i| i.seq))
}

/// Writes a decided move if nobody moved the baton since `row` was read; answers whether it
/// did. `result` (a finisher's output) and `error` (a failure's) go with a finishing move.
pub async fn write(
    ctx: &Ctx,
    row: &Row,
    change: &Change,
    holder_name: Option<&str>,
    result: Option<&str>,
    error: Option<&str>,
) -> ApiResult<bool> {
    let mut statements = vec![update(ctx, row, change, holder_name, error)?];
    if let Some(result) = result {
        // Only if the update above won the race (the batch is one transaction).
        statements.push(ctx.db.prepare(
            "INSERT INTO baton_results (baton_seq, result)
             SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM batons WHERE seq = ?1 AND rev = ?3)",
            &[db::int(row.seq), db::text(result), db::int(row.rev + 1)],
        )?);
    }
    let results = ctx.db.batch(statements).await?;
    let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    Ok(changed == 1)
}

/// Writes a worker's catch and the session it opens in one transaction: the move's
/// compare-and-set, then `open` (the session's statements, from `sessions::insert_for_catch`,
/// conditional on [`won_sql`]), then the baton's `session_id` with a second revision bump, so
/// every isolate sees it. Answers the new session's id, or `None` when the race was lost and
/// nothing was written.
pub async fn write_catch_with_session(
    ctx: &Ctx,
    row: &Row,
    change: &Change,
    holder_name: Option<&str>,
    open: Vec<worker::D1PreparedStatement>,
) -> ApiResult<Option<i64>> {
    let mut statements = vec![update(ctx, row, change, holder_name, None)?];
    statements.extend(open);
    statements.push(ctx.db.prepare(
        "UPDATE batons SET session_id = (SELECT MAX(id) FROM sessions), rev = rev + 1 WHERE seq = ?1 AND rev = ?2",
        &[db::int(row.seq), db::int(row.rev + 1)],
    )?);
    let results = ctx.db.batch(statements).await?;
    let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
    if changed != 1 {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Opened {
        id: i64,
    }
    let opened = match results.get(1) {
        Some(result) => result.results::<Opened>()?.into_iter().next(),
        None => None,
    };
    opened.map(|o| Some(o.id)).ok_or_else(|| ApiError::internal("a won catch opened no session"))
}

/// SQL (and its two arguments, numbered from `?{first}`) that is true inside the batch of
/// [`write_catch_with_session`] exactly when its compare-and-set on `row` took.
pub fn won_sql(row: &Row, first: u8) -> (String, [wasm_bindgen::JsValue; 2]) {
    (
        format!("EXISTS (SELECT 1 FROM batons WHERE seq = ?{first} AND rev = ?{})", first + 1),
        [db::int(row.seq), db::int(row.rev + 1)],
    )
}

/// The compare-and-set of a move: answers a statement that changes one row or none.
fn update(
    ctx: &Ctx,
    row: &Row,
    change: &Change,
    holder_name: Option<&str>,
    error: Option<&str>,
) -> ApiResult<worker::D1PreparedStatement> {
    ctx.db.prepare(
        "UPDATE batons SET status = ?3, attempt = ?4, holder = ?5, holder_name = COALESCE(?6, holder_name),
           lease_hash = ?7, lease_expires_at = ?8,
           caught_at = CASE WHEN ?9 = 1 THEN ?11 ELSE caught_at END,
           finished_at = CASE WHEN ?10 = 1 THEN ?11 ELSE finished_at END,
           error = COALESCE(?12, error), rev = rev + 1, updated_at = ?11
         WHERE seq = ?1 AND rev = ?2",
        &[
            db::int(row.seq),
            db::int(row.rev),
            db::text(change.stored.as_str()),
            db::int(change.attempt),
            db::opt_text(change.holder.as_deref()),
            db::opt_text(holder_name),
            db::opt_text(change.lease_hash.as_deref()),
            db::opt_int(change.lease_expires_at),
            db::int(i64::from(change.caught)),
            db::int(i64::from(change.finished)),
            db::int(ctx.now),
            db::opt_text(error),
        ],
    )
}

impl Row {
    /// The row as [`write()`] left it: what a won compare-and-set stored, without reading it
    /// back.
    pub fn after(
        &self,
        change: &Change,
        holder_name: Option<&str>,
        result: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> Row {
        Row {
            status: change.stored.as_str().to_owned(),
            rev: self.rev + 1,
            attempt: change.attempt,
            holder: change.holder.clone(),
            holder_name: holder_name.map(str::to_owned).or_else(|| self.holder_name.clone()),
            lease_hash: change.lease_hash.clone(),
            lease_expires_at: change.lease_expires_at,
            caught_at: if change.caught { Some(now) } else { self.caught_at },
            finished_at: if change.finished { Some(now) } else { self.finished_at },
            error: error.map(str::to_owned).or_else(|| self.error.clone()),
            result: result.map(str::to_owned).or_else(|| self.result.clone()),
            ..self.clone()
        }
    }
}

/// SQL for the status a row shows at `?{now}`: [`rules::status`] in SQL, for list filters.
pub fn status_sql(now: u8) -> String {
    format!(
        "(CASE WHEN b.status IN ('pending', 'caught') AND b.expires_at <= ?{now} THEN 'expired'
               WHEN b.status = 'caught' AND (b.lease_expires_at IS NULL OR b.lease_expires_at <= ?{now}) THEN 'pending'
               ELSE b.status END)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending_row() -> Row {
        Row {
            seq: 1,
            id: "bt_x".into(),
            workspace_id: 1,
            to_project_id: None,
            to_worker_id: None,
            project_id: None,
            task: "t".into(),
            payload: "{}".into(),
            status: "pending".into(),
            rev: 4,
            attempt: 0,
            passed_by: "user:1".into(),
            passed_by_name: "ada".into(),
            holder: None,
            holder_name: None,
            lease_hash: None,
            lease_expires_at: None,
            expires_at: 1_000,
            created_at: 0,
            caught_at: None,
            finished_at: None,
            error: None,
            session_id: None,
            webhook_url: None,
            webhook_secret: None,
            request_hash: None,
            result: None,
        }
    }

    #[test]
    fn a_written_move_shows_in_the_row_without_reading_it_back() {
        let row = pending_row();
        let catch = rules::Move::Catch { by: "user:2", lease_ms: 100, new_lease_hash: "h" };
        let rules::Outcome::Apply(change) = rules::decide(&row.state().unwrap(), &catch, 10).unwrap() else {
            panic!("a pending baton is caught")
        };
        let caught = row.after(&change, Some("bob"), None, None, 10);
        assert_eq!((caught.status.as_str(), caught.rev, caught.attempt), ("caught", 5, 1));
        assert_eq!((caught.holder.as_deref(), caught.holder_name.as_deref()), (Some("user:2"), Some("bob")));
        assert_eq!((caught.caught_at, caught.lease_expires_at, caught.finished_at), (Some(10), Some(110), None));
        let done = rules::Move::Done { by: "user:2", lease_hash: None };
        let rules::Outcome::Apply(change) = rules::decide(&caught.state().unwrap(), &done, 20).unwrap() else {
            panic!("the holder finishes")
        };
        let finished = caught.after(&change, None, Some("42"), None, 20);
        assert_eq!(
            (finished.status.as_str(), finished.finished_at, finished.result.as_deref()),
            ("done", Some(20), Some("42"))
        );
        assert_eq!(finished.holder_name.as_deref(), Some("bob"), "the holder's name stays");
        assert_eq!(finished.view(20, "https://b").unwrap().status, BatonStatus::Done);
    }

    /// Regression: a baton addressed to a worker could be caught and finished (its result
    /// forged) by any member of the workspace.
    #[test]
    fn only_the_addressed_workers_work_an_addressed_baton() {
        use crate::access::auth::WorkerScope;
        let member = Principal {
            user_id: 7,
            username: "m".into(),
            role: protocol::api::Role::Admin,
            web_login_hash: None,
            worker: None,
            agent: None,
            token_scope: None,
            invite: None,
        };
        let worker = |worker_id, project_id| Principal {
            user_id: 0,
            worker: Some(WorkerScope { worker_id, project_id, registrant: 7, workspace_id: 1 }),
            ..member.clone()
        };
        let open = pending_row();
        assert!(may_work(&open, &member) && !may_work(&open, &worker(2, 5)));
        let to_worker = Row { to_worker_id: Some(2), ..pending_row() };
        assert!(!may_work(&to_worker, &member), "not even an admin");
        assert!(may_work(&to_worker, &worker(2, 5)) && !may_work(&to_worker, &worker(3, 5)));
        let to_project = Row { to_project_id: Some(5), ..pending_row() };
        assert!(!may_work(&to_project, &member));
        assert!(may_work(&to_project, &worker(3, 5)) && !may_work(&to_project, &worker(4, 6)));
    }

    #[test]
    fn parties_come_from_principal_keys() {
        assert_eq!(party("worker:3", "W-3"), BatonParty { kind: AuthorKind::Worker, id: 3, name: "W-3".into() });
        assert_eq!(party("user:12", "ada").id, 12);
    }
}
