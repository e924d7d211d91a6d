//! Webhook deliveries held by a Hub (`webhook:<baton id>`): the signed request waits in the
//! object's storage and is tried from its alarm, again with exponential backoff after each
//! failure, until a 2xx answer or the last attempt. Storage makes it survive restarts; the
//! alarm is Cloudflare's timer, so nothing polls.

use serde::Deserialize;
use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect, SqlStorage, Storage};

use crate::http::error::ApiResult;

/// Attempts of one delivery, the first included.
pub const MAX_ATTEMPTS: u32 = 8;

/// One delivery as the Hub stores it: where, what event, the body and its signature. A baton's
/// completion webhook is one kind; the Hub knows nothing of batons.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    pub url: String,
    pub event: String,
    pub body: String,
    pub signature: String,
}

/// Milliseconds to wait before attempt `attempt` (1-based) when the previous one failed.
pub fn backoff_ms(base_ms: i64, attempt: u32) -> i64 {
    base_ms.saturating_mul(1i64 << attempt.saturating_sub(1).min(20))
}

fn ensure_table(sql: &SqlStorage) -> ApiResult<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS delivery (
           id        INTEGER PRIMARY KEY CHECK (id = 1),
           url       TEXT NOT NULL,
           event     TEXT NOT NULL,
           body      TEXT NOT NULL,
           signature TEXT NOT NULL,
           attempts  INTEGER NOT NULL DEFAULT 0,
           done      INTEGER NOT NULL DEFAULT 0)",
        None,
    )?;
    Ok(())
}

/// Stores the delivery (once: a second one for the same baton is ignored) and arms the alarm.
pub async fn enqueue(sql: &SqlStorage, storage: &Storage, delivery: &Delivery) -> ApiResult<()> {
    ensure_table(sql)?;
    sql.exec(
        "INSERT INTO delivery (id, url, event, body, signature) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        vec![
            delivery.url.clone().into(),
            delivery.event.clone().into(),
            delivery.body.clone().into(),
            delivery.signature.clone().into(),
        ],
    )?;
    storage.set_alarm(1).await?;
    Ok(())
}

#[derive(Deserialize)]
struct Pending {
    url: String,
    event: String,
    body: String,
    signature: String,
    attempts: i64,
}

/// Makes the next attempt of the delivery this Hub holds, if it holds one (answers whether
/// it did), until a 2xx answer or the last attempt.
///
/// The attempt is counted and the retry after it armed *before* the request goes out (the
/// object's output gate holds the request until both are stored): a Hub stopped while the
/// receiver answers never sends the same attempt number twice, and the retry is already
/// waiting when it starts again. A 2xx then marks the delivery done and takes the retry back.
pub async fn attempt(sql: &SqlStorage, storage: &Storage, retry_base_ms: i64) -> ApiResult<bool> {
    ensure_table(sql)?;
    let rows: Vec<Pending> =
        sql.exec("SELECT url, event, body, signature, attempts FROM delivery WHERE done = 0", None)?.to_array()?;
    let Some(d) = rows.into_iter().next() else { return Ok(false) };
    let attempt = d.attempts as u32 + 1;
    let last = attempt >= MAX_ATTEMPTS;
    sql.exec(
        "UPDATE delivery SET attempts = ?, done = ? WHERE id = 1",
        vec![i64::from(attempt).into(), i64::from(last).into()],
    )?;
    if !last {
        storage.set_alarm(backoff_ms(retry_base_ms, attempt)).await?;
    }
    let delivered = post(&d, attempt).await;
    if delivered && !last {
        sql.exec("UPDATE delivery SET done = 1 WHERE id = 1", None)?;
        storage.delete_alarm().await?;
    } else if !delivered && last {
        worker::console_error!("webhook {} to {} given up after {attempt} attempts", d.event, d.url);
    }
    Ok(true)
}

async fn post(d: &Pending, attempt: u32) -> bool {
    let headers = Headers::new();
    let set = [
        ("content-type", "application/json".to_owned()),
        ("user-agent", "baton-webhook".to_owned()),
        ("x-baton-event", d.event.clone()),
        ("x-baton-signature-256", d.signature.clone()),
        ("x-baton-attempt", attempt.to_string()),
    ];
    if set.iter().any(|(k, v)| headers.set(k, v).is_err()) {
        return false;
    }
    let mut init = RequestInit::new();
    // A redirect is a failed attempt, never followed: it could lead to an address the URL
    // check of the URL refused when it was given.
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(d.body.clone().into()))
        .with_redirect(RequestRedirect::Manual);
    let Ok(request) = Request::new_with_init(&d.url, &init) else { return false };
    match Fetch::Request(request).send().await {
        Ok(response) => (200..300).contains(&response.status_code()),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially() {
        assert_eq!(backoff_ms(1000, 1), 1000);
        assert_eq!(backoff_ms(1000, 2), 2000);
        assert_eq!(backoff_ms(1000, 4), 8000);
        assert!(backoff_ms(i64::MAX, 30) > 0);
    }
}
