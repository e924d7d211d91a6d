//! Request bodies: reading them within a size limit and parsing JSON into typed requests
//! with errors that name the offending field.

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use worker::Request;

use crate::http::error::{ApiError, ApiResult};
use protocol::error::ErrorCode;

/// The largest JSON body any route accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Whether a `Content-Type` names JSON (`application/json`, any parameters). Every body the
/// API reads as JSON must say so: a browser sends `application/json` across origins only after
/// a CORS preflight this API never grants, so a form on another site cannot post JSON here
/// (`text/plain` could; it once logged browsers in).
pub fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|t| t.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether the request carries a body (a declared length above zero, or a stream without a
/// declared length).
pub fn has_body(req: &Request) -> bool {
    match req.headers().get("content-length").ok().flatten() {
        Some(length) => length.trim() != "0",
        None => req.inner().body().is_some(),
    }
}

/// Refuses (415) a body that is not declared JSON.
pub fn require_json(req: &Request) -> ApiResult<()> {
    if !has_body(req) || is_json(req.headers().get("content-type").ok().flatten().as_deref()) {
        return Ok(());
    }
    Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as JSON with `Content-Type: application/json`"))
}

/// Reads the body, refusing (413) anything over `limit` without buffering more than that.
pub async fn read_limited(req: &mut Request, limit: usize) -> ApiResult<Vec<u8>> {
    if let Some(declared) = req.headers().get("content-length").ok().flatten() {
        if declared.trim().parse::<u64>().is_ok_and(|n| n > limit as u64) {
            return Err(ApiError::too_large(limit));
        }
    }
    let mut body = Vec::new();
    let Ok(mut stream) = req.stream() else {
        return Ok(body); // no body at all
    };
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid_parameter("body", e))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads and parses a JSON body of at most [`MAX_BODY_BYTES`].
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let bytes = read_limited(req, MAX_BODY_BYTES).await?;
    parse_json(&bytes)
}

/// Reads a JSON body that may be absent (an empty body is the type's default).
pub async fn read_json_or_default<T: DeserializeOwned + Default>(req: &mut Request) -> ApiResult<T> {
    let bytes = read_limited(req, MAX_BODY_BYTES).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse_json(&bytes)
}

/// Parses a JSON body: 400 `invalid_json` for what is not JSON, 400 `invalid_field` naming
/// the field for a missing, unknown or mistyped one.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(ErrorCode::InvalidJson, "request body is empty: send a JSON object"));
    }
    // serde would also read a struct from a JSON array; the API speaks objects only.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::new(ErrorCode::InvalidJson, "request body must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_data() {
            field_error(&path, &strip_position(&inner.to_string()))
        } else if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
            // Valid JSON that serde_json reports as a syntax error: a number where an enum
            // (a string) belongs.
            field_error(&path, "invalid type, expected one of the accepted values")
        } else {
            not_json(&inner)
        }
    })?;
    de.end().map_err(|e| not_json(&e))?;
    Ok(value)
}

fn not_json(err: &serde_json::Error) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidJson,
        format!("request body is not valid JSON: {}", strip_position(&err.to_string())),
    )
}

/// Turns serde's data error into `field: why`, naming the field even where serde puts the
/// name only in the message (a missing field is reported at its parent).
fn field_error(path: &str, message: &str) -> ApiError {
    let parent = if path == "." { "" } else { path };
    let join = |name: &str| {
        if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    if let Some(name) = backticked_after(message, "missing field ") {
        return ApiError::invalid_field(&join(name), "is required");
    }
    if let Some(name) = backticked_after(message, "unknown field ") {
        // serde_path_to_error already puts an unknown field in the path.
        let field = if parent.is_empty() { name.to_owned() } else { parent.to_owned() };
        return ApiError::invalid_field(&field, "is not a known field");
    }
    let field = if parent.is_empty() { "body" } else { parent };
    ApiError::invalid_field(field, without_type_names(message))
}

/// serde names the Rust type it expected (`expected struct BatonTarget`); a caller knows JSON,
/// not our types, so the type becomes the JSON shape it stands for.
fn without_type_names(message: &str) -> String {
    const SHAPES: [(&str, &str); 4] = [
        ("expected tuple struct ", "expected an array"),
        ("expected struct ", "expected an object"),
        ("expected enum ", "expected one of the accepted values"),
        ("did not match any variant of untagged enum ", "did not match any accepted shape"),
    ];
    let mut out = message.to_owned();
    for (pattern, shape) in SHAPES {
        while let Some(start) = out.find(pattern) {
            let name_start = start + pattern.len();
            let name_len =
                out[name_start..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(out.len() - name_start);
            out.replace_range(start..name_start + name_len, shape);
        }
    }
    out
}

fn backticked_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split('`').next()
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        count: Option<u32>,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
    }

    fn err(text: &str) -> ApiError {
        parse_json::<Sample>(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn malformed_json_is_invalid_json() {
        for text in ["", "  ", "{", "{\"name\":}", "{\"name\":\"a\",", "{\"name\":\"a\"} x", "[]", "1"] {
            assert_eq!(err(text).code, ErrorCode::InvalidJson, "{text:?}");
        }
    }

    #[test]
    fn field_errors_name_the_field() {
        assert_eq!(err("{}").message, "name: is required");
        assert!(err(r#"{"name":5}"#).message.starts_with("name: invalid type: integer `5`"));
        assert!(err(r#"{"name":"a","count":-1}"#).message.starts_with("count: "));
        assert_eq!(err(r#"{"name":"a","nmae":1}"#).message, "nmae: is not a known field");
        assert_eq!(err(r#"{"name":"a","inner":{}}"#).message, "inner.flag: is required");
        assert_eq!(err("{}").code, ErrorCode::InvalidField);
    }

    /// Regression (issue 14): `to: invalid type: string "W-1", expected struct BatonTarget`
    /// named a Rust type the caller cannot know.
    #[test]
    fn api_errors_never_expose_internal_type_names() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            to: Target,
            mode: Option<Mode>,
            pair: Option<Pair>,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Target {
            project: Option<i64>,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        enum Mode {
            Fast,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Pair(i64, i64);
        let message = |text: &str| parse_json::<Outer>(text.as_bytes()).unwrap_err().message;
        assert_eq!(message(r#"{"to":"W-1"}"#), r#"to: invalid type: string "W-1", expected an object"#);
        assert_eq!(message(r#"{"to":{},"mode":5}"#), "mode: invalid type, expected one of the accepted values");
        assert_eq!(message(r#"{"to":{},"pair":{}}"#), "pair: invalid type: map, expected an array");
        assert_eq!(
            without_type_names("data did not match any variant of untagged enum Raw"),
            "data did not match any accepted shape"
        );
        assert_eq!(
            without_type_names("unknown variant `x`, expected one of `a`"),
            "unknown variant `x`, expected one of `a`"
        );
    }

    /// Regression: login accepted a `text/plain` body, which any site's form can send.
    #[test]
    fn only_json_media_types_count_as_json() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("Application/JSON; charset=utf-8")));
        for other in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data")]
        {
            assert!(!is_json(other), "{other:?}");
        }
        assert!(!is_json(Some("application/jsonp")));
    }

    #[test]
    fn well_formed_bodies_parse() {
        let s: Sample = parse_json(br#"{"name":"a","count":2}"#).unwrap();
        assert_eq!(s.name, "a");
    }
}
