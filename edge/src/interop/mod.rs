//! The open agent protocols served over the API: an MCP server ([`mcp`]) and, on the same
//! JSON-RPC envelope ([`jsonrpc`]), A2A. Neither adds a capability: every tool and method is an
//! API call made as the caller ([`crate::app::call_as`]), so the same token sees and does the
//! same over MCP, A2A and HTTP.
//!
//! - [`jsonrpc`]: the JSON-RPC 2.0 envelope both protocols share;
//! - [`tools`]: the API operations offered as MCP tools, their schemas derived from
//!   `edge/openapi.json`;
//! - [`wait`]: following one turn of a session from inside a request;
//! - [`render`]: Markdown views of a plan and a transcript (MCP resources);
//! - [`mcp`]: the MCP Streamable HTTP endpoint;
//! - [`a2a`]: the A2A v1.0 endpoint (JSON-RPC binding) and agent cards; an A2A task is a baton.

pub mod a2a;
pub mod jsonrpc;
pub mod mcp;
pub mod render;
pub mod tools;
pub mod wait;

use serde_json::Value;
use worker::Request;

use crate::access::auth::{self, Principal};
use crate::app::{self, Call as ApiCall};
use crate::http::error::{ApiError, ApiResult};
use crate::http::routes::Method;
use crate::platform::context::Ctx;

/// The caller, by Bearer token only: the login cookie rides along with any request a browser
/// makes, and no web page may drive a tool or send work.
pub async fn bearer(ctx: &Ctx, req: &Request) -> ApiResult<Principal> {
    if !is_bearer(req.headers().get("authorization").ok().flatten().as_deref()) {
        return Err(ApiError::unauthorized());
    }
    auth::authenticate(req, &ctx.db, ctx.now).await
}

/// Whether an `Authorization` header names the Bearer scheme (read without slicing through a
/// character: the header is the caller's).
fn is_bearer(header: Option<&str>) -> bool {
    header.and_then(|a| a.get(..7)).is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
}

/// A string member of an API answer, or "" (the views here show what is there).
pub(crate) fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Makes one API call as the caller: its status and JSON body (`null` when it had none).
pub async fn api(ctx: &Ctx, who: &Principal, call: ApiCall<'_>) -> (u16, Value) {
    let mut response = app::call_as(ctx, who, call).await;
    let status = response.status_code();
    let body = response.text().await.ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
    (status, body)
}

pub fn get(origin: &str, path: String) -> ApiCall<'_> {
    ApiCall { origin, method: Method::Get, path, body: None, headers: Vec::new() }
}

pub fn post(origin: &str, path: String, body: Value) -> ApiCall<'_> {
    ApiCall { origin, method: Method::Post, path, body: Some(body), headers: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::is_bearer;

    #[test]
    fn only_the_bearer_scheme_is_taken_and_reading_it_never_panics() {
        assert!(is_bearer(Some("Bearer btp_x")) && is_bearer(Some("bearer btp_x")));
        assert!(!is_bearer(Some("Beare€ x")), "a character across the 7th byte");
        assert!(!is_bearer(Some("Basic x")) && !is_bearer(Some("Bear")) && !is_bearer(None));
    }
}
