//! Row ids that are never reused. A project, a worker and a session each name a Hub stream
//! (`project:<id>`, `worker:<id>`, `session:<id>`), and `S-N` / `W-N` are what people type.
//! SQLite (without AUTOINCREMENT) hands a deleted row's id to the next insert when that row had
//! the highest id: the new row would inherit the old one's transcript, commands or changes,
//! across workspaces. So these tables take ids above a high-water mark that only grows
//! (`id_high_water`, migration 0008), raised in the same batch as the insert.

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;

/// A table whose ids are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sequenced {
    Projects,
    Workers,
    Sessions,
    /// A delivery signed for a deleted link must never reach a new one.
    GithubLinks,
    /// A room names its Hub stream (`channel:<id>`).
    Channels,
    /// A loop names its clock (`loop:<id>`).
    Loops,
    /// A delivery signed for a deleted bridge must never reach a new one.
    Bridges,
}

impl Sequenced {
    pub fn table(self) -> &'static str {
        match self {
            Sequenced::Projects => "projects",
            Sequenced::Workers => "workers",
            Sequenced::Sessions => "sessions",
            Sequenced::GithubLinks => "github_links",
            Sequenced::Channels => "channels",
            Sequenced::Loops => "loops",
            Sequenced::Bridges => "bridges",
        }
    }
}

/// SQL for the next id of `t`: the value of `id` in its INSERT.
pub fn next_id(t: Sequenced) -> String {
    let table = t.table();
    format!(
        "(SELECT MAX(h.last, COALESCE((SELECT MAX(id) FROM {table}), 0)) + 1 FROM id_high_water h WHERE h.name = '{table}')"
    )
}

/// SQL that raises `t`'s mark past its highest id: run it in the batch of every insert into `t`.
pub fn raise(t: Sequenced) -> String {
    let table = t.table();
    format!(
        "UPDATE id_high_water SET last = MAX(last, COALESCE((SELECT MAX(id) FROM {table}), 0)) WHERE name = '{table}'"
    )
}

/// Runs `insert` (an INSERT into `t` with `id` set to [`next_id`] and a RETURNING clause) and
/// raises the mark past it, in one transaction; answers the returned row, if one was inserted.
pub async fn insert<T: DeserializeOwned>(
    ctx: &Ctx,
    t: Sequenced,
    insert: &str,
    args: &[JsValue],
) -> ApiResult<Option<T>> {
    let results = ctx.db.batch(vec![ctx.db.prepare(insert, args)?, ctx.db.prepare(&raise(t), &[])?]).await?;
    let first = results.into_iter().next().ok_or_else(|| ApiError::internal("insert answered no result"))?;
    Ok(first.results::<T>()?.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_id_is_above_both_the_mark_and_every_live_row() {
        let sql = next_id(Sequenced::Sessions);
        assert!(sql.contains("MAX(h.last, COALESCE((SELECT MAX(id) FROM sessions), 0)) + 1"), "{sql}");
        assert!(sql.contains("h.name = 'sessions'"));
    }
}
