//! The JSON-RPC 2.0 envelope that MCP and A2A's JSON-RPC binding share: reading one request
//! out of a body, and writing results and errors. Pure: no I/O, unit-tested natively.
//!
//! One request per body: batches were dropped from MCP (revision 2025-06-18) and A2A never
//! had them, so an array answers "invalid request" rather than being half supported.

use serde_json::{json, Value};

/// The error codes JSON-RPC itself defines.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;

/// One request or notification as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `None` for a notification (no `id` member): it gets no answer.
    pub id: Option<Value>,
    pub method: String,
    /// `params`, or an empty object when there were none.
    pub params: Value,
}

/// An error to send back: its code, message and optional data.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError { code, message: message.into(), data: None }
    }

    pub fn invalid_params(message: impl Into<String>) -> Self {
        RpcError::new(INVALID_PARAMS, message)
    }

    pub fn method_not_found(method: &str) -> Self {
        RpcError::new(METHOD_NOT_FOUND, format!("unknown method {method:?}"))
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// Reads one call from a request body. An error comes with the id to answer it under
/// (`null` when the body had none that could be read).
pub fn parse(body: &[u8]) -> Result<Call, (Value, RpcError)> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| (Value::Null, RpcError::new(PARSE_ERROR, format!("the body is not JSON: {err}"))))?;
    let invalid = |id: Value, why: &str| (id, RpcError::new(INVALID_REQUEST, why.to_owned()));
    let Value::Object(mut map) = value else {
        return Err(invalid(Value::Null, "a request is one JSON object (batches are not supported)"));
    };
    let id = map.remove("id");
    let answer_id = id.clone().unwrap_or(Value::Null);
    if let Some(id) = &id {
        if !(id.is_string() || id.is_i64() || id.is_u64()) {
            return Err(invalid(Value::Null, "id must be a string or an integer"));
        }
    }
    if map.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(answer_id, "jsonrpc must be \"2.0\""));
    }
    let Some(Value::String(method)) = map.remove("method") else {
        return Err(invalid(answer_id, "method must be a string"));
    };
    let params = match map.remove("params") {
        None | Some(Value::Null) => json!({}),
        Some(p @ Value::Object(_)) => p,
        Some(_) => return Err((answer_id, RpcError::invalid_params("params must be an object"))),
    };
    Ok(Call { id, method, params })
}

/// A successful answer to request `id`.
pub fn result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// An error answer to request `id`.
pub fn error(id: &Value, err: &RpcError) -> Value {
    let mut error = json!({"code": err.code, "message": err.message});
    if let Some(data) = &err.data {
        error["data"] = data.clone();
    }
    json!({"jsonrpc": "2.0", "id": id, "error": error})
}

/// A notification (no answer expected), as a server sends one inside a streamed reply.
pub fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

/// Reads the member `name` of `params` as `T`, naming it in the error.
pub fn param<T: serde::de::DeserializeOwned>(params: &Value, name: &str) -> Result<T, RpcError> {
    let value = params.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|err| RpcError::invalid_params(format!("params.{name}: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_a_notification_and_missing_params_parse() {
        let call = parse(br#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#).unwrap();
        assert_eq!((call.id, call.method.as_str(), call.params), (Some(json!(7)), "tools/list", json!({})));
        let note = parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert_eq!(note.id, None);
        let named = parse(br#"{"jsonrpc":"2.0","id":"a","method":"m","params":{"x":1}}"#).unwrap();
        assert_eq!((named.id, named.params), (Some(json!("a")), json!({"x": 1})));
    }

    #[test]
    fn malformed_bodies_get_the_codes_jsonrpc_defines() {
        let code = |body: &[u8]| parse(body).unwrap_err().1.code;
        assert_eq!(code(b"{not json"), PARSE_ERROR);
        assert_eq!(code(b"[]"), INVALID_REQUEST);
        assert_eq!(code(br#"[{"jsonrpc":"2.0","id":1,"method":"a"}]"#), INVALID_REQUEST);
        assert_eq!(code(br#"{"id":1,"method":"a"}"#), INVALID_REQUEST);
        assert_eq!(code(br#"{"jsonrpc":"2.0","id":1}"#), INVALID_REQUEST);
        assert_eq!(code(br#"{"jsonrpc":"2.0","id":1.5,"method":"a"}"#), INVALID_REQUEST);
        assert_eq!(code(br#"{"jsonrpc":"2.0","id":{},"method":"a"}"#), INVALID_REQUEST);
        assert_eq!(code(br#"{"jsonrpc":"2.0","id":1,"method":"a","params":[1]}"#), INVALID_PARAMS);
    }

    #[test]
    fn an_error_keeps_the_id_it_could_read() {
        let (id, _) = parse(br#"{"jsonrpc":"1.0","id":"x","method":"a"}"#).unwrap_err();
        assert_eq!(id, json!("x"));
        let (id, _) = parse(br#"{"jsonrpc":"2.0","id":1.5,"method":"a"}"#).unwrap_err();
        assert_eq!(id, Value::Null, "an id of the wrong type is not echoed");
    }

    #[test]
    fn answers_are_well_formed() {
        assert_eq!(result(&json!(1), json!({})), json!({"jsonrpc": "2.0", "id": 1, "result": {}}));
        let err = RpcError::method_not_found("nope").with_data(json!({"hint": 1}));
        let answer = error(&json!("q"), &err);
        assert_eq!(answer["error"]["code"], METHOD_NOT_FOUND);
        assert_eq!(answer["error"]["data"]["hint"], 1);
        assert_eq!(answer["id"], "q");
    }

    #[test]
    fn params_are_read_by_name() {
        let params = json!({"n": 3, "s": "x"});
        assert_eq!(param::<u32>(&params, "n").unwrap(), 3);
        assert!(param::<u32>(&params, "s").unwrap_err().message.contains("params.s"));
        assert_eq!(param::<Option<u32>>(&params, "missing").unwrap(), None);
    }
}
