//! What one reader of a room is shown: the room's log, less the messages not delivered to it
//! (a private room) and, with `?for=NAME`, less what does not concern NAME. A page is
//! filtered as a whole; a live stream frame by frame as it passes from the Hub to the reader
//! (ids unchanged, so `Last-Event-ID` resumes where the reader was).

use futures_util::StreamExt;
use protocol::event::{Event, EventBody};
use protocol::sse;
use worker::{Headers, Response};

use crate::http::error::{ApiError, ApiResult};
use crate::http::respond;

/// Whom a reader reads as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// An open room, or its creator or an admin.
    Everything,
    /// A private room: what is delivered to these names (the reader's).
    Names(Vec<String>),
}

/// What a read keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub audience: Audience,
    /// `?for=NAME`: only what concerns NAME.
    pub only: Option<String>,
}

impl Reading {
    pub fn keeps_everything(&self) -> bool {
        self.audience == Audience::Everything && self.only.is_none()
    }

    /// Whether the reader is shown `body`.
    pub fn keeps(&self, body: &EventBody) -> bool {
        let delivered = match &self.audience {
            Audience::Everything => true,
            Audience::Names(names) => protocol::channel::delivered(body, names),
        };
        delivered && self.only.as_deref().is_none_or(|name| protocol::channel::concerns(body, name))
    }

    /// Whether the reader is shown the event whose JSON is `data` (one it cannot read is not).
    fn keeps_json(&self, data: &str) -> bool {
        serde_json::from_str::<Event>(data).is_ok_and(|e| self.keeps(&e.body))
    }
}

/// A page of the Hub (`{"items": [...], ...}`) with only what `reading` keeps.
pub async fn page(mut page: Response, reading: &Reading) -> ApiResult<Response> {
    let mut value: serde_json::Value = serde_json::from_str(&page.text().await?).map_err(ApiError::internal)?;
    if let Some(items) = value.get_mut("items").and_then(|i| i.as_array_mut()) {
        items.retain(|e| serde_json::from_value::<Event>(e.clone()).is_ok_and(|e| reading.keeps(&e.body)));
    }
    Ok(respond::ok(&value))
}

/// The bytes to pass on for what arrived: the frames kept, re-framed with their ids; a
/// comment when nothing is kept, so the reader's connection stays as alive as the Hub's.
fn pass(parser: &mut sse::Parser, chunk: &[u8], reading: &Reading) -> Vec<u8> {
    let mut out = String::new();
    for frame in parser.push(chunk) {
        if reading.keeps_json(&frame.data) {
            let id = frame.id.as_deref().and_then(|i| i.parse::<u64>().ok()).unwrap_or(0);
            out.push_str(&sse::frame(id, &frame.event, &frame.data));
        }
    }
    if out.is_empty() {
        out.push_str(sse::KEEPALIVE);
    }
    out.into_bytes()
}

/// A Hub's SSE stream with only what `reading` keeps.
pub fn stream(mut upstream: Response, reading: Reading) -> ApiResult<Response> {
    let bytes = upstream.stream()?;
    let filtered = futures_util::stream::unfold(
        (bytes, sse::Parser::new(), reading, true),
        |(mut bytes, mut parser, reading, first)| async move {
            if first {
                // What the Hub says first, before any frame: reconnect after a second.
                return Some((
                    Ok::<Vec<u8>, worker::Error>(b"retry: 1000\n\n".to_vec()),
                    (bytes, parser, reading, false),
                ));
            }
            match bytes.next().await? {
                Ok(chunk) => {
                    let out = pass(&mut parser, &chunk, &reading);
                    Some((Ok(out), (bytes, parser, reading, false)))
                }
                Err(err) => Some((Err(err), (bytes, parser, reading, false))),
            }
        },
    );
    let headers = Headers::new();
    headers.set("content-type", "text/event-stream; charset=utf-8")?;
    headers.set("cache-control", "no-cache, no-store")?;
    headers.set("x-accel-buffering", "no")?;
    Ok(Response::builder().with_headers(headers).from_stream(filtered)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::event::{Author, AuthorKind};

    fn said(seq: u64, from: &str, to: &[&str]) -> String {
        let body = EventBody::ChannelMessage {
            from: from.into(),
            to: to.iter().map(|s| s.to_string()).collect(),
            text: format!("m{seq}"),
            author: Author::new(AuthorKind::User, 1, "ann"),
            attachments: Vec::new(),
        };
        let event = serde_json::json!({"seq": seq, "at": "2026-12-02T10:00:00.000Z"});
        let mut value = serde_json::to_value(&body).unwrap();
        value.as_object_mut().unwrap().extend(event.as_object().unwrap().clone());
        sse::frame(seq, "channel_message", &value.to_string())
    }

    #[test]
    fn a_private_reader_gets_its_frames_with_their_ids_and_a_comment_for_the_rest() {
        let reading = Reading { audience: Audience::Names(vec!["cy".into()]), only: None };
        let mut parser = sse::Parser::new();
        let both = format!("{}{}", said(1, "ann", &["bob"]), said(2, "ann", &["cy"]));
        // Split inside the second frame: the parser waits for its end.
        let (a, b) = both.as_bytes().split_at(both.len() - 10);
        let first = String::from_utf8(pass(&mut parser, a, &reading)).unwrap();
        assert_eq!(first, sse::KEEPALIVE, "ann → bob is not for cy");
        let second = String::from_utf8(pass(&mut parser, b, &reading)).unwrap();
        assert!(second.starts_with("id: 2\n") && second.contains("\"m2\""), "{second}");
    }

    #[test]
    fn for_narrows_whatever_the_audience() {
        let everything = Reading { audience: Audience::Everything, only: Some("bob".into()) };
        assert!(!everything.keeps_everything());
        assert!(!everything.keeps_json("not an event"), "what cannot be read is not shown");
        let frame = said(3, "ann", &["cy"]);
        let data = frame.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
        assert!(!everything.keeps_json(data), "to cy does not concern bob");
        let open = Reading { audience: Audience::Everything, only: None };
        assert!(open.keeps_everything() && open.keeps_json(data));
    }
}
