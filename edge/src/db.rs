//! Thin helpers over D1: binding arguments, reading typed rows, counting changes. Queries
//! themselves live in the module of the resource they touch.

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

use crate::bindings;
use crate::error::ApiResult;

pub fn database(env: &Env) -> ApiResult<D1Database> {
    Ok(env.d1(bindings::DB)?)
}

/// An integer argument. Row ids and Unix milliseconds stay far below 2^53.
pub fn int(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

pub fn opt_text(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// Prepares `sql` with `args` bound in order (`?1`, `?2`, ...).
pub fn query(db: &D1Database, sql: &str, args: &[JsValue]) -> ApiResult<D1PreparedStatement> {
    Ok(db.prepare(sql).bind(args)?)
}

/// The first row, if any.
pub async fn first<T: DeserializeOwned>(statement: D1PreparedStatement) -> ApiResult<Option<T>> {
    Ok(statement.first(None).await?)
}

/// Every row.
pub async fn all<T: DeserializeOwned>(statement: D1PreparedStatement) -> ApiResult<Vec<T>> {
    Ok(statement.all().await?.results()?)
}

/// Runs a write; answers how many rows it changed.
pub async fn run(statement: D1PreparedStatement) -> ApiResult<usize> {
    let result = statement.run().await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
}
