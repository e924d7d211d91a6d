//! A raw SSE reader for tests: opens a stream with an optional `Last-Event-ID` and hands
//! back parsed frames, so tests can assert exactly what went over the wire.

use std::time::Duration;

use futures_util::StreamExt;
use protocol::sse::{Frame, Parser};
use reqwest::Method;

use crate::api::Api;

pub struct SseReader {
    stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    parser: Parser,
    ready: std::collections::VecDeque<Frame>,
    /// Every byte received, keepalive comments included.
    pub raw: String,
}

impl SseReader {
    /// Opens `path`; asserts a 200 `text/event-stream` answer.
    pub async fn open(api: &Api, path: &str, last_event_id: Option<u64>) -> SseReader {
        SseReader::try_open(api, path, last_event_id).await.expect("stream answers")
    }

    /// As [`SseReader::open`], but a connection cut before the answer (a proxy cutting at
    /// random) is `None`, for a reader that tries again.
    pub async fn try_open(api: &Api, path: &str, last_event_id: Option<u64>) -> Option<SseReader> {
        let mut request = api.request(Method::GET, path);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.ok()?;
        assert_eq!(response.status(), 200, "GET {path}");
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(content_type.starts_with("text/event-stream"), "content-type {content_type}");
        Some(SseReader {
            stream: Box::pin(response.bytes_stream()),
            parser: Parser::new(),
            ready: Default::default(),
            raw: String::new(),
        })
    }

    /// The next frame, or None if the stream ends or nothing arrives within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Frame> {
        loop {
            if let Some(frame) = self.ready.pop_front() {
                return Some(frame);
            }
            let chunk = tokio::time::timeout(wait, self.stream.next()).await.ok()??.ok()?;
            self.raw.push_str(&String::from_utf8_lossy(&chunk));
            self.ready.extend(self.parser.push(&chunk));
        }
    }

    /// Whether the server ends the stream within `wait` (frames on the way are kept).
    pub async fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_))) => return true,
                Ok(Some(Ok(chunk))) => {
                    self.raw.push_str(&String::from_utf8_lossy(&chunk));
                    self.ready.extend(self.parser.push(&chunk));
                }
            }
        }
    }

    /// Exactly `n` frames (panics if they do not come within `wait` each).
    pub async fn take(&mut self, n: usize, wait: Duration) -> Vec<Frame> {
        let mut frames = Vec::with_capacity(n);
        while frames.len() < n {
            let frame = self.next(wait).await.unwrap_or_else(|| panic!("only {} of {n} frames arrived", frames.len()));
            frames.push(frame);
        }
        frames
    }
}

/// The `seq` ids of frames.
pub fn ids(frames: &[Frame]) -> Vec<u64> {
    frames.iter().map(|f| f.id.as_deref().and_then(|i| i.parse().ok()).expect("numeric id")).collect()
}
