//! The error envelope every API error answers with:
//! `{"error": {"code": "...", "message": "..."}}`.
//!
//! The code set is non-exhaustive: clients must treat an unknown code by its HTTP status.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes. Each maps to one HTTP status ([`ErrorCode::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The body is not valid JSON.
    InvalidJson,
    /// A field is missing, has the wrong type or an invalid value; the message names it.
    InvalidField,
    /// A query parameter or path segment is invalid.
    InvalidParameter,
    /// No credentials, or credentials that match nothing.
    Unauthorized,
    /// Authenticated, but this principal may not do this.
    Forbidden,
    /// Not found, or not visible to this principal.
    NotFound,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// A uniqueness or state conflict.
    Conflict,
    /// Existed once, no longer available.
    Gone,
    /// The body is over the size limit.
    PayloadTooLarge,
    /// The body is not `application/json` where JSON is expected.
    UnsupportedMediaType,
    /// Too many requests.
    RateLimited,
    /// A service baton called on the caller's behalf (GitHub) failed; the message says how.
    UpstreamFailed,
    /// A bug on the server side; the message never carries internals.
    Internal,
    /// A code this version does not know (sent by a newer server).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidJson | ErrorCode::InvalidField | ErrorCode::InvalidParameter => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict => 409,
            ErrorCode::Gone => 410,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::UpstreamFailed => 502,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Error"))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for a machine (`code`) and for a person (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody { error: ErrorDetail { code, message: message.into() } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_round_trips_the_documented_shape() {
        let text = r#"{"error":{"code":"invalid_field","message":"name: must not be empty"}}"#;
        let body: ErrorBody = serde_json::from_str(text).unwrap();
        assert_eq!(body.error.code, ErrorCode::InvalidField);
        assert_eq!(body.error.code.status(), 400);
        assert_eq!(serde_json::to_string(&body).unwrap(), text);
    }

    #[test]
    fn unknown_codes_from_a_newer_server_are_tolerated() {
        let body: ErrorBody = serde_json::from_str(r#"{"error":{"code":"teapot","message":"x"}}"#).unwrap();
        assert_eq!(body.error.code, ErrorCode::Unknown);
    }
}
