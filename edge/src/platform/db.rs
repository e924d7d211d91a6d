//! D1 access: binding arguments, reading typed rows, counting changes, and metering what
//! each request costs (`rows_read` and `rows_written` from D1's result metadata, answered in
//! the `x-baton-d1-rows-read` / `-written` headers so tests and benchmarks can hold every
//! endpoint to its budget). Queries themselves live in the module of the resource they touch.

use std::cell::Cell;

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env};

use crate::http::error::ApiResult;
use crate::platform::bindings;

/// One request's handle on D1.
pub struct Db {
    inner: D1Database,
    rows_read: Cell<usize>,
    rows_written: Cell<usize>,
    /// Fail every batch halfway (a test's injected fault, see [`Db::fail_batches`]).
    failing: Cell<bool>,
}

/// The header a test sends, where `BATON_TEST_FAULTS=1`, to make this request's D1 batches
/// fail halfway.
pub const FAULT_HEADER: &str = "x-baton-test-fault";
pub const FAULT_D1_BATCH: &str = "d1-batch";

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

pub fn opt_int(value: Option<i64>) -> JsValue {
    value.map_or(JsValue::NULL, int)
}

impl Db {
    pub fn open(env: &Env) -> ApiResult<Db> {
        Ok(Db {
            inner: env.d1(bindings::DB)?,
            rows_read: Cell::new(0),
            rows_written: Cell::new(0),
            failing: Cell::new(false),
        })
    }

    /// From now on each batch of this handle fails halfway: a statement that cannot run goes in
    /// the middle, so the statements before it ran and must be rolled back by D1's transaction.
    pub fn fail_batches(&self) {
        self.failing.set(true);
    }

    /// (rows read, rows written) so far in this request.
    pub fn cost(&self) -> (usize, usize) {
        (self.rows_read.get(), self.rows_written.get())
    }

    /// Prepares `sql` with `args` bound in order (`?1`, `?2`, ...), for [`Db::batch`].
    pub fn prepare(&self, sql: &str, args: &[JsValue]) -> ApiResult<D1PreparedStatement> {
        Ok(self.inner.prepare(sql).bind(args)?)
    }

    fn meter(&self, result: &D1Result) -> ApiResult<()> {
        if let Some(meta) = result.meta()? {
            self.rows_read.set(self.rows_read.get() + meta.rows_read.unwrap_or(0));
            self.rows_written.set(self.rows_written.get() + meta.rows_written.unwrap_or(0));
        }
        Ok(())
    }

    async fn execute(&self, sql: &str, args: &[JsValue]) -> ApiResult<D1Result> {
        let result = self.prepare(sql, args)?.all().await?;
        self.meter(&result)?;
        Ok(result)
    }

    /// Every row.
    pub async fn all<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> ApiResult<Vec<T>> {
        Ok(self.execute(sql, args).await?.results()?)
    }

    /// The first row, if any.
    pub async fn first<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> ApiResult<Option<T>> {
        Ok(self.all(sql, args).await?.into_iter().next())
    }

    /// Runs a write; answers how many rows it changed.
    pub async fn run(&self, sql: &str, args: &[JsValue]) -> ApiResult<usize> {
        let result = self.execute(sql, args).await?;
        Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
    }

    /// One page of the rows of `from` (a table, with its alias) whose `column` is `value`,
    /// ordered by `id` (the alias's id column): `select` is the column list. The one shape of
    /// every list of a parent's children.
    pub async fn page_where<T: DeserializeOwned>(
        &self,
        page: &crate::http::pagination::PageRequest,
        select: &str,
        from: &str,
        column: &str,
        id: &str,
        value: JsValue,
    ) -> ApiResult<Vec<T>> {
        let sql = format!("SELECT {select} FROM {from} WHERE {column} = ?1 AND {id} > ?2 ORDER BY {id} LIMIT ?3");
        self.all(&sql, &[value, int(page.after_id), int(page.fetch_count().into())]).await
    }

    /// Runs statements atomically, in order; answers each one's result.
    pub async fn batch(&self, mut statements: Vec<D1PreparedStatement>) -> ApiResult<Vec<D1Result>> {
        if self.failing.get() {
            let fault = self.inner.prepare("INSERT INTO baton_injected_fault VALUES (1)");
            statements.insert(statements.len() / 2 + statements.len() % 2, fault);
        }
        let results = self.inner.batch(statements).await?;
        for result in &results {
            self.meter(result)?;
        }
        Ok(results)
    }
}
