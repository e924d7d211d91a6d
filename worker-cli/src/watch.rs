//! Following a Hub stream over SSE without gaps or duplicates.
//!
//! A [`Follower`] remembers the last sequence number it handed out. When the connection
//! drops, goes silent past [`IDLE_TIMEOUT`] (the server sends keepalives far more often), or
//! the server ends it, the follower reconnects with `Last-Event-ID` after a jittered backoff
//! and skips anything at or below what it already delivered. Only a 4xx answer (bad token,
//! stream not visible) is final.
//!
//! [`Follower::next`] is cancel-safe, so it can sit in a `select!` beside a timer: the time
//! of the next attempt is decided once, when a connection is lost, and kept in the follower,
//! so a future dropped during the wait does not restart it (which, with a timer ticking
//! faster than the backoff, would postpone the reconnection for ever).

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;

use anyhow::Result;
use futures_util::{Stream, StreamExt};
use protocol::event::Event;
use protocol::sse::Parser;
use reqwest::Method;

use crate::backoff::{self, Backoff};
use crate::client::{self, Client};

/// No byte for this long means the connection is dead, whatever TCP thinks.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// One delivered event: parsed, and as the server sent it.
#[derive(Debug, Clone)]
pub struct Received {
    pub event: Event,
    pub raw: String,
}

pub struct Follower {
    client: Client,
    path: String,
    last_seq: u64,
    backoff: Backoff,
    stream: Option<ByteStream>,
    parser: Parser,
    pending: VecDeque<Received>,
    reconnects: u32,
    connected_once: bool,
    /// When the next connection attempt may start, after a lost one.
    retry_at: Option<tokio::time::Instant>,
}

impl Follower {
    /// Follows `path` (an SSE route such as `/api/sessions/3/stream`) from just after `after`.
    pub fn new(client: Client, path: impl Into<String>, after: u64) -> Self {
        Follower {
            client,
            path: path.into(),
            last_seq: after,
            backoff: Backoff::new(Duration::from_millis(200), Duration::from_secs(10)),
            stream: None,
            parser: Parser::new(),
            pending: VecDeque::new(),
            reconnects: 0,
            connected_once: false,
            retry_at: None,
        }
    }

    /// The sequence number of the last event delivered.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// How many times the connection was re-established.
    pub fn reconnects(&self) -> u32 {
        self.reconnects
    }

    /// The next event, reconnecting as often as needed.
    pub async fn next(&mut self) -> Result<Received> {
        loop {
            if let Some(received) = self.pending.pop_front() {
                return Ok(received);
            }
            let Some(stream) = self.stream.as_mut() else {
                self.connect().await?;
                continue;
            };
            match tokio::time::timeout(IDLE_TIMEOUT, stream.next()).await {
                Ok(Some(Ok(bytes))) => self.accept(&bytes),
                Ok(Some(Err(_))) | Ok(None) | Err(_) => self.lost(),
            }
        }
    }

    fn accept(&mut self, bytes: &[u8]) {
        for frame in self.parser.push(bytes) {
            let Ok(event) = serde_json::from_str::<Event>(&frame.data) else {
                continue;
            };
            if event.seq > self.last_seq {
                self.last_seq = event.seq;
                self.pending.push_back(Received { event, raw: frame.data });
            }
        }
    }

    /// Drops the connection and decides when to try again.
    fn lost(&mut self) {
        self.stream = None;
        self.retry_at = Some(tokio::time::Instant::now() + self.backoff.next_delay(backoff::jitter()));
    }

    /// Opens the stream after the last delivered event; retries transport failures and 5xx
    /// with backoff, fails on anything else.
    async fn connect(&mut self) -> Result<()> {
        loop {
            if let Some(at) = self.retry_at {
                tokio::time::sleep_until(at).await;
            }
            let request = self
                .client
                .request(Method::GET, &self.path)?
                .header("accept", "text/event-stream")
                .header("last-event-id", self.last_seq.to_string());
            let outcome = self.client.send(request).await;
            let first_attempt = !self.connected_once;
            self.connected_once = true;
            match outcome {
                Ok(response) if response.status().is_success() => {
                    if !first_attempt {
                        self.reconnects += 1;
                    }
                    self.backoff.reset();
                    self.retry_at = None;
                    self.parser = Parser::new();
                    self.stream = Some(Box::pin(response.bytes_stream()));
                    return Ok(());
                }
                Ok(response) if client::retryable(response.status()) => self.lost(),
                Ok(response) => return Err(client::error_of("watch", response).await),
                Err(err) if first_attempt => return Err(err),
                Err(_) => self.lost(),
            }
        }
    }
}
