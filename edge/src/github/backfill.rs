//! `POST /api/github/links/:id/sync`: mirrors the repository's open issues and those closed in
//! the last 30 days through the GitHub REST API, a few pages per call so no call runs long;
//! the answer's `next_cursor` continues it. Idempotent: a second run finds everything
//! unchanged. The API's base URL is the `GITHUB_API_URL` variable (tests point it at a local
//! server). Every request is built from that base and the link's repository: the cursor holds
//! only a phase and a page number, a `Link: next` header gives only the next page's number
//! (and is refused when it leaves the API's origin), and redirects are not followed, so the
//! link's token never goes anywhere else.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use protocol::error::ErrorCode;
use protocol::github::{SyncReport, SyncRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

use super::issue;
use super::links::{self, LinkRow};
use super::mirror::{self, Kind};
use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::bindings;
use crate::platform::context::Ctx;
use crate::{crypto::sealed, http::body, http::respond};

const PAGES_PER_CALL: usize = 3;
const RECENTLY_CLOSED_MS: i64 = 30 * 24 * 3600 * 1000;
const DEFAULT_API: &str = "https://api.github.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Phase {
    Open,
    Closed,
}

/// Where a backfill stands: the phase, the next page's number and, for closed issues, the
/// `since` bound fixed when the phase began. No URL: every request is built from the
/// configured API base and the link's repository, so a cursor cannot send the link's token
/// anywhere else, nor make it read another path of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cursor {
    phase: Phase,
    page: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    since_ms: Option<i64>,
}

/// GitHub serves at most this many pages of 100 (beyond, it answers 422).
const MAX_PAGE: u32 = 10_000;

impl Cursor {
    fn first(phase: Phase, now: i64) -> Cursor {
        let since_ms = (phase == Phase::Closed).then(|| now - RECENTLY_CLOSED_MS);
        Cursor { phase, page: 1, since_ms }
    }

    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str) -> Option<Cursor> {
        let cursor: Cursor = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let well_formed = (1..=MAX_PAGE).contains(&cursor.page)
            && (cursor.phase == Phase::Closed) == cursor.since_ms.is_some_and(|ms| ms >= 0);
        well_formed.then_some(cursor)
    }

    /// The page's URL: always `{api}/repos/{repo}/issues`.
    fn url(&self, api: &str, repo: &str) -> String {
        match self.since_ms {
            None => format!("{api}/repos/{repo}/issues?state=open&per_page=100&page={}", self.page),
            Some(since) => format!(
                "{api}/repos/{repo}/issues?state=closed&per_page=100&page={}&since={}",
                self.page,
                protocol::time::rfc3339_from_ms(since)
            ),
        }
    }
}

/// The page number a `Link: rel="next"` URL asks for, if it stays on the API's own origin
/// (scheme, host and port compared parsed, not as text) and names an issues listing. Only the
/// number is kept: the next request is built like the first.
fn next_page(link: &str, api: &str) -> Result<Option<u32>, String> {
    let (Ok(next), Ok(base)) = (url::Url::parse(link), url::Url::parse(api)) else {
        return Err(format!("GitHub's Link header names {link:?}, which is not a URL"));
    };
    let same_origin = next.scheme() == base.scheme()
        && next.host_str() == base.host_str()
        && next.port_or_known_default() == base.port_or_known_default()
        && next.username().is_empty()
        && next.password().is_none();
    if !same_origin || !next.path().ends_with("/issues") {
        return Err("GitHub's Link header points outside the repository's issues; the sync stopped there".into());
    }
    let page = next.query_pairs().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse::<u32>().ok());
    Ok(page.filter(|p| (2..=MAX_PAGE).contains(p)))
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
        None | Some("") => Some(Cursor::first(Phase::Open, ctx.now)),
        Some(text) => Some(
            Cursor::decode(text)
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
        let (issues, next) = fetch_page(&current.url(&api, &link.repo), token.as_deref()).await?;
        for item in &issues {
            apply(ctx, &link, item, &mut report).await?;
        }
        let next = match next {
            Some(link) => next_page(&link, &api).map_err(|why| ApiError::new(ErrorCode::UpstreamFailed, why))?,
            None => None,
        };
        cursor = match next {
            Some(page) => Some(Cursor { page, ..current }),
            None if current.phase == Phase::Open => Some(Cursor::first(Phase::Closed, ctx.now)),
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
    // Never followed: a redirect would carry the token wherever it points.
    init.with_method(Method::Get).with_headers(headers).with_redirect(RequestRedirect::Manual);
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

    const API: &str = "https://api.github.com";

    #[test]
    fn cursors_round_trip_and_carry_no_url() {
        let c = Cursor::first(Phase::Closed, 1_795_219_200_000);
        let url = c.url(API, "o/r");
        assert!(url.starts_with("https://api.github.com/repos/o/r/issues?state=closed"), "{url}");
        assert!(url.contains("since=2026-10-22T00:00:00.000Z") && url.contains("page=1"), "{url}");
        assert_eq!(Cursor::decode(&c.encode()), Some(c.clone()));
        assert!(!String::from_utf8(URL_SAFE_NO_PAD.decode(c.encode()).unwrap()).unwrap().contains("http"));
        assert_eq!(Cursor::decode("junk"), None);
    }

    /// Regression: a member-supplied cursor carried a URL checked by text prefix, so
    /// `https://api.github.com@attacker/...` received the link's token.
    #[test]
    fn a_cursor_naming_a_url_is_refused() {
        for evil in [
            r#"{"phase":"Open","url":"https://api.github.com@attacker.example/x"}"#,
            r#"{"phase":"Open","page":2,"url":"https://api.github.com.attacker.tld/"}"#,
            r#"{"phase":"Open","page":0}"#,
            r#"{"phase":"Open","page":2,"since_ms":5}"#,
            r#"{"phase":"Closed","page":2}"#,
        ] {
            assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode(evil)), None, "{evil}");
        }
    }

    /// Regression: a `Link: next` header was followed if it began with the API base's text.
    #[test]
    fn link_headers_off_the_api_origin_are_refused() {
        let next = |link: &str| next_page(link, API);
        assert_eq!(next("https://api.github.com/repositories/42/issues?state=open&page=3"), Ok(Some(3)));
        assert_eq!(next("https://api.github.com:443/repos/o/r/issues?page=2"), Ok(Some(2)));
        assert_eq!(next("https://api.github.com/repos/o/r/issues?page=0"), Ok(None));
        for evil in [
            "https://api.github.com@attacker.example/repos/o/r/issues?page=2",
            "https://api.github.com.attacker.tld/repos/o/r/issues?page=2",
            "http://api.github.com/repos/o/r/issues?page=2",
            "https://api.github.com:8443/repos/o/r/issues?page=2",
            "https://api.github.com/user/emails?page=2",
            "https://user:pw@api.github.com/repos/o/r/issues?page=2",
            "not a url",
        ] {
            assert!(next(evil).is_err(), "{evil}");
        }
        assert_eq!(next_page("http://127.0.0.1:9000/repos/o/r/issues?page=2", "http://127.0.0.1:9000"), Ok(Some(2)));
        assert!(next_page("http://127.0.0.1:9001/repos/o/r/issues?page=2", "http://127.0.0.1:9000").is_err());
    }
}
