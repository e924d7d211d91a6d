//! `ApiError`, the one error type of the edge, and its single conversion into an HTTP
//! response with the JSON envelope of `protocol::error`.
//!
//! Internal failures (a D1 or Durable Object error, a bug) are logged with their detail on
//! the server and answered with a generic 500 message: internals never reach a client.

use protocol::error::{ErrorBody, ErrorCode};
use worker::Response;

use crate::http::respond;

/// An error that becomes an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds for a `Retry-After` header (a 429).
    pub retry_after_s: Option<u64>,
    /// The `Allow` header of a 405: the methods the path does take.
    pub allow: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), retry_after_s: None, allow: None }
    }

    /// 400 naming the field and why it is wrong.
    pub fn invalid_field(field: &str, why: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::InvalidField, format!("{field}: {why}"))
    }

    pub fn invalid_parameter(name: &str, why: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::InvalidParameter, format!("{name}: {why}"))
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "missing or invalid credentials: send `Authorization: Bearer <token>` \
             or log in at /api/auth/login",
        )
    }

    pub fn forbidden(why: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, why)
    }

    /// 404 for something that does not exist or that this caller may not see: the two are
    /// indistinguishable on purpose.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn conflict(why: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, why)
    }

    /// 429 with `Retry-After`.
    pub fn rate_limited(retry_after_s: u64, why: impl std::fmt::Display) -> Self {
        ApiError {
            code: ErrorCode::RateLimited,
            message: format!("{why}: try again in {retry_after_s} s"),
            retry_after_s: Some(retry_after_s),
            allow: None,
        }
    }

    /// 405 with `Allow`: `method` is not one `allowed` (methods as HTTP names; HEAD is served
    /// wherever GET is).
    pub fn method_not_allowed(method: &str, allowed: &[&str]) -> Self {
        let mut names: Vec<&str> = allowed.to_vec();
        if names.contains(&"GET") && !names.contains(&"HEAD") {
            names.insert(names.iter().position(|m| *m == "GET").map_or(0, |i| i + 1), "HEAD");
        }
        let allow = names.join(", ");
        ApiError {
            code: ErrorCode::MethodNotAllowed,
            message: format!("{method} is not allowed here; use {allow}"),
            retry_after_s: None,
            allow: Some(allow),
        }
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(ErrorCode::PayloadTooLarge, format!("request body is larger than the limit of {limit} bytes"))
    }

    /// The deployment lacks a setting it needs; the message names it (no secret in it).
    pub fn internal_config(why: &str) -> Self {
        worker::console_error!("misconfigured: {why}");
        Self::new(ErrorCode::Internal, why)
    }

    /// A server-side failure. `detail` is logged, never sent.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        worker::console_error!("internal error: {detail}");
        Self::new(ErrorCode::Internal, "internal error; it has been logged")
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The one place an error becomes a response.
    pub fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody::new(self.code, self.message);
        let response = respond::json(&body, status);
        if let Some(seconds) = self.retry_after_s {
            let _ = response.headers().set("retry-after", &seconds.to_string());
        }
        if let Some(allow) = &self.allow {
            let _ = response.headers().set("allow", allow);
        }
        response
    }
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        ApiError::internal(err)
    }
}
