//! A stream that forgets itself after a silence (a relay line): `POST /idle` sets the window;
//! every append pushes the Hub's alarm out by it; when the alarm finds the window passed with
//! no append, the Hub wipes its log. Storage holds the window, so a restart keeps it; the Hub
//! keeps it in memory once read ([`window`]), so an append to any other stream costs nothing.

use serde::Deserialize;
use worker::{SqlStorage, Storage};

use crate::http::error::ApiResult;

fn ensure_table(sql: &SqlStorage) -> ApiResult<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS idle (id INTEGER PRIMARY KEY CHECK (id = 1), window_ms INTEGER NOT NULL, last INTEGER NOT NULL)",
        None,
    )?;
    Ok(())
}

#[derive(Deserialize)]
struct Row {
    window_ms: i64,
    last: i64,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// The row, without making the table in a stream that never expires.
fn row(sql: &SqlStorage) -> ApiResult<Option<Row>> {
    let tables: Vec<Count> =
        sql.exec("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'idle'", None)?.to_array()?;
    if tables.first().is_none_or(|t| t.n == 0) {
        return Ok(None);
    }
    let rows: Vec<Row> = sql.exec("SELECT window_ms, last FROM idle", None)?.to_array()?;
    Ok(rows.into_iter().next())
}

/// The stream's window, if it expires (read once per object: the Hub keeps it).
pub fn window(sql: &SqlStorage) -> ApiResult<Option<i64>> {
    Ok(row(sql)?.map(|r| r.window_ms))
}

/// Makes the stream forget itself after `window_ms` without an append, counted from `now`.
pub async fn set(sql: &SqlStorage, storage: &Storage, window_ms: i64, now: i64) -> ApiResult<()> {
    ensure_table(sql)?;
    sql.exec(
        "INSERT INTO idle (id, window_ms, last) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET window_ms = excluded.window_ms, last = excluded.last",
        vec![window_ms.into(), now.into()],
    )?;
    storage.set_alarm(window_ms).await?;
    Ok(())
}

/// An append happened at `now` on a stream whose window is `window_ms`: the silence starts
/// again.
pub async fn appended(sql: &SqlStorage, storage: &Storage, window_ms: i64, now: i64) -> ApiResult<()> {
    sql.exec("UPDATE idle SET last = ? WHERE id = 1", vec![now.into()])?;
    storage.set_alarm(window_ms).await?;
    Ok(())
}

/// For the alarm: `None` when the stream does not expire; else the milliseconds left of the
/// window (zero or less: it is over).
pub fn left(sql: &SqlStorage, now: i64) -> ApiResult<Option<i64>> {
    Ok(row(sql)?.map(|r| remaining(r.window_ms, r.last, now)))
}

/// What is left of a window of `window_ms` last restarted at `last` (pure).
pub fn remaining(window_ms: i64, last: i64, now: i64) -> i64 {
    last + window_ms - now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_runs_from_the_last_append() {
        assert_eq!(remaining(1000, 5000, 5400), 600);
        assert_eq!(remaining(1000, 5000, 6000), 0, "over exactly at its end");
        assert!(remaining(1000, 5000, 7000) < 0);
    }
}
