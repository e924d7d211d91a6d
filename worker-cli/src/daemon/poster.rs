//! Writing turn events into a session's transcript. Turn boundaries (`turn_start`,
//! `turn_complete`, `turn_error`) are retried with backoff until the server takes them, so a
//! brief outage loses none; agent events are retried a few times, then dropped with a note.

use std::time::Duration;

use anyhow::Result;
use protocol::event::{Event, EventBody};

use crate::backoff::{self, Backoff};
use crate::client::{self, Client};

const BOUNDARY_ATTEMPTS: u32 = 30;
const EVENT_ATTEMPTS: u32 = 4;

pub async fn post(client: &Client, session_id: i64, body: &EventBody) -> Result<Event> {
    let boundary =
        matches!(body, EventBody::TurnStart { .. } | EventBody::TurnComplete { .. } | EventBody::TurnError { .. });
    let attempts = if boundary { BOUNDARY_ATTEMPTS } else { EVENT_ATTEMPTS };
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    let path = format!("/api/sessions/{session_id}/events");
    let mut last = None;
    for _ in 0..attempts {
        match client.send(client.request(reqwest::Method::POST, &path)?.json(body)).await {
            Ok(response) if response.status().is_success() => {
                return crate::client::decode("write turn event", response).await
            }
            // The session is gone or the token refused: retrying cannot help.
            Ok(response) if !client::retryable(response.status()) => {
                return Err(client::error_of("write turn event", response).await)
            }
            Ok(response) => last = Some(client::error_of("write turn event", response).await),
            Err(err) => last = Some(err),
        }
        tokio::time::sleep(backoff.next_delay(backoff::jitter())).await;
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("no attempt was made")))
}
