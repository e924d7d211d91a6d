//! `POST /api/github/links/:id/sync`: mirrors the repository's open issues and those closed in
//! the last 30 days through the GitHub REST API, a few pages per call so no call runs long;
//! the answer's `next_cursor` continues it. Idempotent: a second run finds everything
//! unchanged. The API's base URL is the `GITHUB_API_URL` variable (tests point it at a local
//! server); pagination follows the `Link` header, and only ever to that same base.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use protocol::error::ErrorCode;
use protocol::github::{SyncReport, SyncRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Fetch, Headers, Method, Request, RequestInit, Response};

use super::issue;
use super::links::{self, LinkRow};
use super::mirror::{self, Kind};
use crate::auth::Principal;
use crate::bindings;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::{body, respond, sealed};

const PAGES_PER_CALL: usize = 3;
const RECENTLY_CLOSED_MS: i64 = 30 * 24 * 3600 * 1000;
const DEFAULT_API: &str = "https://api.github.com";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Phase {
    Open,
    Closed,
}

/// Where a backfill stands: the phase and the next page's URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    phase: Phase,
    url: String,
}

impl Cursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str, api: &str) -> Option<Cursor> {
        let cursor: Cursor = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        cursor.url.starts_with(api).then_some(cursor)
    }
}

fn first_page(api: &str, repo: &str, phase: Phase, now: i64) -> Cursor {
    let url = match phase {
        Phase::Open => format!("{api}/repos/{repo}/issues?state=open&per_page=100"),
        Phase::Closed => format!(
            "{api}/repos/{repo}/issues?state=closed&per_page=100&since={}",
            protocol::time::rfc3339_from_ms(now - RECENTLY_CLOSED_MS)
        ),
    };
    Cursor { phase, url }
}

fn api_base(ctx: &Ctx) -> String {
    ctx.env
        .var(bindings::GITHUB_API_URL)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| DEFAULT_API.to_owned())
        .trim_end_matches('/')
        .to_owned()
}

pub async fn sync(ctx: &Ctx, who: &Principal, link_id: i64, req: &mut Request) -> ApiResult<Response> {
    let input: SyncRequest = body::read_json(req).await?;
    let link = links::find_visible(ctx, who, link_id).await?;
    let api = api_base(ctx);
    let mut cursor = match input.cursor.as_deref() {
        None | Some("") => Some(first_page(&api, &link.repo, Phase::Open, ctx.now)),
        Some(text) => Some(
            Cursor::decode(text, &api)
                .ok_or_else(|| ApiError::invalid_field("cursor", "is not a cursor this server issued"))?,
        ),
    };
    let token = match &link.api_token_sealed {
        Some(sealed_token) => Some(sealed::open(&sealed::key(&ctx.env)?, sealed_token)?),
        None => None,
    };
    let mut report = SyncReport::default();
    for _ in 0..PAGES_PER_CALL {
        let Some(current) = cursor.take() else { break };
        let (issues, next) = fetch_page(&current.url, token.as_deref()).await?;
        for item in &issues {
            apply(ctx, &link, item, &mut report).await?;
        }
        cursor = match next.filter(|url| url.starts_with(&api)) {
            Some(url) => Some(Cursor { phase: current.phase, url }),
            None if current.phase == Phase::Open => Some(first_page(&api, &link.repo, Phase::Closed, ctx.now)),
            None => None,
        };
    }
    report.next_cursor = cursor.map(|c| c.encode());
    Ok(respond::ok(&report))
}

async fn apply(ctx: &Ctx, link: &LinkRow, item: &Value, report: &mut SyncReport) -> ApiResult<()> {
    let snap = issue::snapshot(item, None).map_err(|why| {
        ApiError::new(ErrorCode::UpstreamFailed, format!("GitHub sent an issue baton cannot read: {why}"))
    })?;
    if snap.is_pull_request && !link.include_pull_requests() {
        report.skipped += 1;
        return Ok(());
    }
    match mirror::apply(ctx, link, &snap).await?.kind {
        Kind::Created => report.created += 1,
        Kind::Updated => report.updated += 1,
        Kind::Unchanged => report.unchanged += 1,
    }
    Ok(())
}

/// One page of issues and the `rel="next"` URL. The token is sent, never logged.
async fn fetch_page(url: &str, token: Option<&str>) -> ApiResult<(Vec<Value>, Option<String>)> {
    let headers = Headers::new();
    headers.set("accept", "application/vnd.github+json")?;
    headers.set("user-agent", "baton-github-sync")?;
    headers.set("x-github-api-version", "2022-11-28")?;
    if let Some(token) = token {
        headers.set("authorization", &format!("Bearer {token}"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let request = Request::new_with_init(url, &init)?;
    let mut response = Fetch::Request(request)
        .send()
        .await
        .map_err(|e| ApiError::new(ErrorCode::UpstreamFailed, format!("cannot reach the GitHub API: {e}")))?;
    let status = response.status_code();
    if status != 200 {
        let hint = match status {
            401 | 403 => ": check the link's API token (baton github sync --api-token-env VAR)",
            404 => ": check the repository name, and that the token can read it",
            _ => "",
        };
        return Err(ApiError::new(ErrorCode::UpstreamFailed, format!("the GitHub API answered {status}{hint}")));
    }
    let next = response.headers().get("link").ok().flatten().and_then(|h| issue::next_link(&h));
    let issues: Vec<Value> = response.json().await.map_err(|_| {
        ApiError::new(ErrorCode::UpstreamFailed, "the GitHub API answered something other than a list of issues")
    })?;
    Ok((issues, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_never_leave_the_api() {
        let c = first_page("https://api.github.com", "o/r", Phase::Closed, 1_795_219_200_000);
        assert!(c.url.contains("state=closed") && c.url.contains("since=2026-10-22T00:00:00.000Z"));
        assert_eq!(Cursor::decode(&c.encode(), "https://api.github.com"), Some(c.clone()));
        assert_eq!(Cursor::decode(&c.encode(), "http://127.0.0.1:9"), None);
        assert_eq!(Cursor::decode("junk", "https://api.github.com"), None);
    }
}
