//! Chat bridges: a DingTalk or Feishu bot of a project whose chats become sessions on one of
//! its workers. Owns the `bridges`, `bridge_chats` and `bridge_deliveries` tables.
//!
//! - this module: configuring a bridge (`POST/GET /api/projects/:id/bridges`,
//!   `GET/PATCH/DELETE /api/bridges/:id`), its secrets sealed at rest and never shown;
//! - [`asking`]: an agent's request put to the chat, and the chat's reply as its answer (pure);
//! - [`dingtalk`] and [`feishu`]: the platforms' signatures, encryption and payloads (pure);
//! - [`inbound`]: the callback endpoints the platforms call;
//! - [`media`]: pictures from the chat, kept as session attachments;
//! - [`replies`]: the agent's answer back into the chat when a turn ends;
//! - [`help`]: `/help/dingtalk` and `/help/feishu`, the consoles' setup for a bridge.
//!
//! Who may configure: the people who can see the project (not agents, workers or invites).

pub mod asking;
pub mod dingtalk;
pub mod feishu;
pub mod help;
pub mod inbound;
pub mod media;
pub mod replies;

use protocol::bridge::{Bridge, CreateBridge, Platform, UpdateBridge, DEFAULT_PROMPT};
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::Principal;
use crate::batons::record::principal_key;
use crate::crypto::sealed;
use crate::http::error::{ApiError, ApiResult};
use crate::http::validate;
use crate::people::projects;
use crate::platform::context::Ctx;
use crate::platform::ids::{self, Sequenced};
use crate::{http::body, http::respond, platform::db};

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BridgeRow {
    pub id: i64,
    pub project_id: i64,
    pub worker_id: Option<i64>,
    pub platform: String,
    name: String,
    pub app_key: String,
    pub app_secret_sealed: String,
    pub verification_token_sealed: Option<String>,
    pub encrypt_key_sealed: Option<String>,
    prompt: String,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "b.id, b.project_id, b.worker_id, b.platform, b.name, b.app_key, b.app_secret_sealed, \
                       b.verification_token_sealed, b.encrypt_key_sealed, b.prompt, b.created_at, b.updated_at";

impl BridgeRow {
    pub fn platform(&self) -> Platform {
        Platform::parse(&self.platform).unwrap_or(Platform::Dingtalk)
    }

    /// The template a chat message goes into.
    pub fn prompt(&self) -> &str {
        if self.prompt.is_empty() {
            DEFAULT_PROMPT
        } else {
            &self.prompt
        }
    }

    fn view(&self, origin: &str) -> Bridge {
        let platform = self.platform();
        Bridge {
            id: self.id,
            project_id: self.project_id,
            worker_id: self.worker_id,
            platform,
            name: self.name.clone(),
            app_key: self.app_key.clone(),
            encrypted: self.encrypt_key_sealed.is_some(),
            prompt: self.prompt().to_owned(),
            callback_url: format!("{origin}/api/bridges/{}/{}", platform.as_str(), self.id),
            help_url: format!("{origin}/help/{}?bridge={}", platform.as_str(), self.id),
            created_at: protocol::time::rfc3339_from_ms(self.created_at),
            updated_at: protocol::time::rfc3339_from_ms(self.updated_at),
        }
    }
}

/// A bridge by id, for its callback (authenticated by the platform's signature, not a
/// principal).
pub(crate) async fn by_id(ctx: &Ctx, id: i64) -> ApiResult<Option<BridgeRow>> {
    ctx.db.first(&format!("SELECT {COLUMNS} FROM bridges b WHERE b.id = ?1"), &[db::int(id)]).await
}

async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<BridgeRow> {
    let select = format!("SELECT {COLUMNS} FROM bridges b JOIN projects p ON p.id = b.project_id WHERE b.id = ?1");
    who.find_in_project(&ctx.db, &select, id, &format!("bridge {id}"), |b: &BridgeRow| b.project_id).await
}

/// A credential as given: trimmed, 1 to 500 characters, no whitespace inside.
fn credential(field: &str, value: &str) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.len() > 500 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ApiError::invalid_field(field, "must be 1 to 500 characters without spaces"));
    }
    Ok(value.to_owned())
}

fn prompt_of(prompt: &str) -> ApiResult<String> {
    let prompt = validate::prose("prompt", prompt, 4000)?;
    if !prompt.is_empty() && !prompt.contains("{text}") {
        return Err(ApiError::invalid_field("prompt", "must contain {text}, where the chat message goes"));
    }
    Ok(prompt)
}

/// The worker, if it is one of the project's that `who` can see.
async fn worker_of(ctx: &Ctx, who: &Principal, project_id: i64, worker_id: i64) -> ApiResult<i64> {
    let worker = crate::workers::find_visible(ctx, who, worker_id).await?;
    if worker.project_id != project_id {
        return Err(ApiError::invalid_field("worker_id", format!("W-{worker_id} is not a worker of this project")));
    }
    Ok(worker.id)
}

/// `POST /api/projects/:id/bridges`.
pub async fn create(ctx: &Ctx, who: &Principal, project_id: i64, req: &mut Request) -> ApiResult<Response> {
    let project = projects::find_visible(ctx, who, project_id).await?;
    who.require_person("configures chat bridges")?;
    let input: CreateBridge = body::read_json(req).await?;
    let worker_id = worker_of(ctx, who, project.id, input.worker_id).await?;
    let name = match &input.name {
        Some(n) => validate::name("name", n)?,
        None => input.platform.as_str().to_owned(),
    };
    let app_key = credential("app_key", &input.app_key)?;
    let key = sealed::key(&ctx.env)?;
    let seal = |field: &str, value: &str| -> ApiResult<String> { sealed::seal(&key, &credential(field, value)?) };
    let secret = seal("app_secret", &input.app_secret)?;
    let token = match (&input.verification_token, input.platform) {
        (Some(t), _) => Some(seal("verification_token", t)?),
        (None, Platform::Feishu) => {
            return Err(ApiError::invalid_field(
                "verification_token",
                "is required for Feishu (the event subscription's)",
            ))
        }
        (None, Platform::Dingtalk) => None,
    };
    let encrypt_key = match input.encrypt_key.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(k) => Some(seal("encrypt_key", k)?),
    };
    let prompt = prompt_of(input.prompt.as_deref().unwrap_or(""))?;
    let insert = format!(
        "INSERT INTO bridges (id, project_id, worker_id, platform, name, app_key, app_secret_sealed,
           verification_token_sealed, encrypt_key_sealed, prompt, created_by, created_at, updated_at)
         VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING {}",
        ids::next_id(Sequenced::Bridges),
        COLUMNS.replace("b.", "")
    );
    let args = [
        db::int(project.id),
        db::int(worker_id),
        db::text(input.platform.as_str()),
        db::text(&name),
        db::text(&app_key),
        db::text(&secret),
        db::opt_text(token.as_deref()),
        db::opt_text(encrypt_key.as_deref()),
        db::text(&prompt),
        db::text(&principal_key(who).0),
        db::int(ctx.now),
    ];
    let row: BridgeRow =
        ids::insert(ctx, Sequenced::Bridges, &insert, &args).await?.ok_or_else(|| ApiError::internal("no bridge"))?;
    Ok(respond::created(&row.view(&crate::access::origin::public(ctx, req)?)))
}

/// `GET /api/projects/:id/bridges`.
pub async fn list(ctx: &Ctx, who: &Principal, project_id: i64, req: &Request) -> ApiResult<Response> {
    let project = projects::find_visible(ctx, who, project_id).await?;
    who.require_person("configures chat bridges")?;
    let rows: Vec<BridgeRow> = ctx
        .db
        .all(&format!("SELECT {COLUMNS} FROM bridges b WHERE b.project_id = ?1 ORDER BY b.id"), &[db::int(project.id)])
        .await?;
    let origin = crate::access::origin::public(ctx, req)?;
    let items: Vec<Bridge> = rows.iter().map(|r| r.view(&origin)).collect();
    Ok(respond::ok(&protocol::api::Page { items, next_cursor: None }))
}

/// `GET /api/bridges/:id`.
pub async fn get(ctx: &Ctx, who: &Principal, id: i64, req: &Request) -> ApiResult<Response> {
    let row = find_visible(ctx, who, id).await?;
    who.require_person("configures chat bridges")?;
    Ok(respond::ok(&row.view(&crate::access::origin::public(ctx, req)?)))
}

/// `PATCH /api/bridges/:id`.
pub async fn update(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let row = find_visible(ctx, who, id).await?;
    who.require_person("configures chat bridges")?;
    let input: UpdateBridge = body::read_json(req).await?;
    let key = sealed::key(&ctx.env)?;
    let seal = |field: &str, value: &str| -> ApiResult<String> { sealed::seal(&key, &credential(field, value)?) };
    let worker_id = match input.worker_id {
        Some(w) => Some(worker_of(ctx, who, row.project_id, w).await?),
        None => row.worker_id,
    };
    let name = match &input.name {
        Some(n) => validate::name("name", n)?,
        None => row.name.clone(),
    };
    let app_key = match &input.app_key {
        Some(k) => credential("app_key", k)?,
        None => row.app_key.clone(),
    };
    let secret = match &input.app_secret {
        Some(s) => seal("app_secret", s)?,
        None => row.app_secret_sealed.clone(),
    };
    let token = match &input.verification_token {
        Some(t) => Some(seal("verification_token", t)?),
        None => row.verification_token_sealed.clone(),
    };
    let encrypt_key = match input.encrypt_key.as_deref().map(str::trim) {
        Some("") => None,
        Some(k) => Some(seal("encrypt_key", k)?),
        None => row.encrypt_key_sealed.clone(),
    };
    let prompt = match &input.prompt {
        Some(p) => prompt_of(p)?,
        None => row.prompt.clone(),
    };
    let updated: BridgeRow = ctx
        .db
        .first(
            &format!(
                "UPDATE bridges SET worker_id = ?2, name = ?3, app_key = ?4, app_secret_sealed = ?5,
                   verification_token_sealed = ?6, encrypt_key_sealed = ?7, prompt = ?8, updated_at = ?9
                 WHERE id = ?1 RETURNING {}",
                COLUMNS.replace("b.", "")
            ),
            &[
                db::int(id),
                db::opt_int(worker_id),
                db::text(&name),
                db::text(&app_key),
                db::text(&secret),
                db::opt_text(token.as_deref()),
                db::opt_text(encrypt_key.as_deref()),
                db::text(&prompt),
                db::int(ctx.now),
            ],
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("bridge {id}")))?;
    Ok(respond::ok(&updated.view(&crate::access::origin::public(ctx, req)?)))
}

/// `DELETE /api/bridges/:id`: its callback URL stops working; its sessions stay.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    who.require_person("configures chat bridges")?;
    ctx.db.run("DELETE FROM bridges WHERE id = ?1", &[db::int(id)]).await?;
    Ok(respond::no_content())
}
