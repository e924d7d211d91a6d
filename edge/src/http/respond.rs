//! Building success responses: JSON with a status, and the empty 204.

use serde::Serialize;
use worker::{Headers, Response};

/// A JSON response with a status. Serializing our own types cannot fail; if it ever did, the
/// client still gets a well-formed JSON 500.
pub fn json<T: Serialize>(value: &T, status: u16) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => raw_json(body, status),
        Err(_) => {
            raw_json(br#"{"error":{"code":"internal","message":"internal error; it has been logged"}}"#.to_vec(), 500)
        }
    }
}

/// A response whose body is already JSON text.
pub fn raw_json(body: Vec<u8>, status: u16) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json; charset=utf-8");
    let _ = headers.set("cache-control", "no-store");
    Response::builder().with_status(status).with_headers(headers).fixed(body)
}

pub fn ok<T: Serialize>(value: &T) -> Response {
    json(value, 200)
}

pub fn created<T: Serialize>(value: &T) -> Response {
    json(value, 201)
}

pub fn no_content() -> Response {
    Response::builder().with_status(204).empty()
}
