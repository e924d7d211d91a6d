//! A stream that forgets itself after a silence (a relay line): `POST /idle` sets the window;
//! every append pushes the Hub's alarm out by it; when the alarm finds the window passed with
//! no append, the Hub wipes its log. Storage holds the window, so a restart keeps it.

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

fn row(sql: &SqlStorage) -> ApiResult<Option<Row>> {
    ensure_table(sql)?;
    let rows: Vec<Row> = sql.exec("SELECT window_ms, last FROM idle", None)?.to_array()?;
    Ok(rows.into_iter().next())
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

/// An append happened at `now`: the silence starts again.
pub async fn appended(sql: &SqlStorage, storage: &Storage, now: i64) -> ApiResult<()> {
    let Some(r) = row(sql)? else { return Ok(()) };
    sql.exec("UPDATE idle SET last = ? WHERE id = 1", vec![now.into()])?;
    storage.set_alarm(r.window_ms).await?;
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
