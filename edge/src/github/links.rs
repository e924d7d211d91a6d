//! Repository links: connect a GitHub repository to a project (one per project), list them
//! without secrets, change or forget the API token, disconnect. Owns `github_links`.

use protocol::api::Page;
use protocol::github::{ConnectGithub, GithubLink, GithubLinkCreated, UpdateGithubLink};
use serde::Deserialize;
use worker::{Request, Response};

use super::issue;
use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::platform::ids::{self, Sequenced};
use crate::{crypto::sealed, crypto::secrets, http::body, http::respond, people::projects, platform::db};

const COLUMNS: &str =
    "l.id, l.project_id, l.repo, l.secret_sealed, l.api_token_sealed, l.include_pull_requests, l.created_at";

#[derive(Deserialize)]
pub struct LinkRow {
    pub id: i64,
    pub project_id: i64,
    pub repo: String,
    pub secret_sealed: String,
    pub api_token_sealed: Option<String>,
    include_pull_requests: i64,
    created_at: i64,
}

impl LinkRow {
    pub fn include_pull_requests(&self) -> bool {
        self.include_pull_requests != 0
    }

    fn view(&self, origin: &str) -> GithubLink {
        GithubLink {
            id: self.id,
            project_id: self.project_id,
            repo: self.repo.clone(),
            include_pull_requests: self.include_pull_requests(),
            has_api_token: self.api_token_sealed.is_some(),
            webhook_url: webhook_url(origin, self.id),
            created_at: protocol::time::rfc3339_from_ms(self.created_at),
        }
    }
}

pub fn webhook_url(origin: &str, id: i64) -> String {
    format!("{origin}/api/github/webhook/{id}")
}

/// A link by id, for the webhook (which is authenticated by its signature, not a principal).
pub async fn by_id(ctx: &Ctx, id: i64) -> ApiResult<Option<LinkRow>> {
    ctx.db.first(&format!("SELECT {COLUMNS} FROM github_links l WHERE l.id = ?1"), &[db::int(id)]).await
}

/// The link if `who` may see its project, else 404.
pub async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<LinkRow> {
    let select = format!("SELECT {COLUMNS} FROM github_links l JOIN projects p ON p.id = l.project_id WHERE l.id = ?1");
    who.find_in_project(&ctx.db, &select, id, &format!("GitHub link {id}"), |l: &LinkRow| l.project_id).await
}

fn sealed_token(key: &[u8; 32], token: Option<&str>) -> ApiResult<Option<String>> {
    match token.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.len() > 1000 || t.chars().any(char::is_whitespace) => {
            Err(ApiError::invalid_field("api_token", "is not a GitHub token"))
        }
        Some(t) => Ok(Some(sealed::seal(key, t)?)),
    }
}

/// `POST /api/projects/:id/github`: links a repository; answers the webhook URL and a fresh
/// secret, shown only here.
pub async fn connect(ctx: &Ctx, who: &Principal, project_id: i64, req: &mut Request) -> ApiResult<Response> {
    let input: ConnectGithub = body::read_json(req).await?;
    let repo = issue::valid_repo(&input.repo)
        .ok_or_else(|| ApiError::invalid_field("repo", "must be owner/name as on GitHub"))?;
    let project = projects::find_visible(ctx, who, project_id).await?;
    let key = sealed::key(&ctx.env)?;
    let secret = hex::encode(secrets::random_bytes()?);
    let token = sealed_token(&key, input.api_token.as_deref())?;
    let sql = format!(
        "INSERT INTO github_links (id, project_id, repo, secret_sealed, api_token_sealed, include_pull_requests,
                                   created_by, created_at)
         VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (project_id) DO NOTHING
         RETURNING {}",
        ids::next_id(Sequenced::GithubLinks),
        COLUMNS.replace("l.", "")
    );
    let args = [
        db::int(project.id),
        db::text(&repo),
        db::text(&sealed::seal(&key, &secret)?),
        db::opt_text(token.as_deref()),
        db::int(i64::from(input.include_pull_requests.unwrap_or(false))),
        db::int(who.user_id),
        db::int(ctx.now),
    ];
    let row: Option<LinkRow> = ids::insert(ctx, Sequenced::GithubLinks, &sql, &args).await?;
    let row = row.ok_or_else(|| {
        ApiError::conflict(format!(
            "project {:?} is already linked to a repository: disconnect it first (baton github disconnect)",
            project.name
        ))
    })?;
    Ok(respond::created(&GithubLinkCreated { link: row.view(&crate::access::origin::public(ctx, req)?), secret }))
}

/// `GET /api/projects/:id/github`.
pub async fn list(ctx: &Ctx, who: &Principal, project_id: i64, req: &Request) -> ApiResult<Response> {
    let project = projects::find_visible(ctx, who, project_id).await?;
    let rows: Vec<LinkRow> = ctx
        .db
        .all(&format!("SELECT {COLUMNS} FROM github_links l WHERE l.project_id = ?1"), &[db::int(project.id)])
        .await?;
    let origin = crate::access::origin::public(ctx, req)?;
    Ok(respond::ok(&Page { items: rows.iter().map(|r| r.view(&origin)).collect::<Vec<_>>(), next_cursor: None }))
}

/// `PATCH /api/github/links/:id`: set or forget the API token, mirror pull requests or not.
pub async fn update(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let input: UpdateGithubLink = body::read_json(req).await?;
    let link = find_visible(ctx, who, id).await?;
    let key = sealed::key(&ctx.env)?;
    let token = match &input.api_token {
        None => link.api_token_sealed.clone(),
        Some(t) => sealed_token(&key, Some(t))?,
    };
    let include = input.include_pull_requests.unwrap_or(link.include_pull_requests());
    let row = set(
        ctx,
        &link,
        "api_token_sealed = ?2, include_pull_requests = ?3",
        &[db::opt_text(token.as_deref()), db::int(i64::from(include))],
    )
    .await?;
    Ok(respond::ok(&row.view(&crate::access::origin::public(ctx, req)?)))
}

/// `POST /api/github/links/:id/secret`: a new webhook secret for a lost or leaked one, shown
/// only here. From now on deliveries signed with the old one are refused; the link, and so
/// every mirrored requirement, stays.
pub async fn rotate_secret(ctx: &Ctx, who: &Principal, id: i64, req: &Request) -> ApiResult<Response> {
    let link = find_visible(ctx, who, id).await?;
    let key = sealed::key(&ctx.env)?;
    let secret = hex::encode(secrets::random_bytes()?);
    let row = set(ctx, &link, "secret_sealed = ?2", &[db::text(&sealed::seal(&key, &secret)?)]).await?;
    Ok(respond::ok(&GithubLinkCreated { link: row.view(&crate::access::origin::public(ctx, req)?), secret }))
}

/// Updates a link's columns (`assignments` numbers its parameters from `?2`; `?1` is the id)
/// and reads it back: 404 when it was deleted meanwhile.
async fn set(ctx: &Ctx, link: &LinkRow, assignments: &str, params: &[wasm_bindgen::JsValue]) -> ApiResult<LinkRow> {
    let sql = format!("UPDATE github_links SET {assignments} WHERE id = ?1 RETURNING {}", COLUMNS.replace("l.", ""));
    let mut all = vec![db::int(link.id)];
    all.extend_from_slice(params);
    let row: Option<LinkRow> = ctx.db.first(&sql, &all).await?;
    row.ok_or_else(|| ApiError::not_found(format!("GitHub link {}", link.id)))
}

/// `DELETE /api/github/links/:id`: stops mirroring; mirrored requirements stay, with their
/// issue numbers and links.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let link = find_visible(ctx, who, id).await?;
    ctx.db.run("DELETE FROM github_links WHERE id = ?1", &[db::int(link.id)]).await?;
    Ok(respond::no_content())
}
