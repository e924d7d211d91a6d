//! Server-Sent Events framing, as the WHATWG HTML standard defines it.
//!
//! The server side writes frames with [`frame`]; clients (the CLI, the tests, the benchmark)
//! feed received bytes to a [`Parser`] and get whole [`Frame`]s back, however the bytes were
//! split across network reads.

/// A comment line that keeps idle connections (and proxies) from timing out.
pub const KEEPALIVE: &str = ": keepalive\n\n";

/// Formats one event as an SSE frame: `id:`, `event:` and one `data:` line per line of data.
pub fn frame(id: u64, event: &str, data: &str) -> String {
    let mut out = String::with_capacity(data.len() + event.len() + 32);
    out.push_str("id: ");
    out.push_str(&id.to_string());
    out.push_str("\nevent: ");
    out.push_str(event);
    out.push('\n');
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
    out
}

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    /// The `id:` of this frame, if it had one.
    pub id: Option<String>,
    /// The `event:` name; `message` when absent.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Incremental SSE parser: bytes in, frames out.
#[derive(Debug, Default)]
pub struct Parser {
    buffer: Vec<u8>,
    id: Option<String>,
    event: Option<String>,
    data: Option<String>,
    /// The last `id:` seen, which a client sends back as `Last-Event-ID` on reconnect.
    last_event_id: Option<String>,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of the last frame that carried one.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_event_id.as_deref()
    }

    /// Feeds received bytes and returns the frames they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Frame> {
        self.buffer.extend_from_slice(bytes);
        let mut frames = Vec::new();
        let mut start = 0;
        while let Some(rel) = self.buffer[start..].iter().position(|&b| b == b'\n' || b == b'\r') {
            let end = start + rel;
            // A lone '\r' at the very end may be the first half of "\r\n": wait for more.
            if self.buffer[end] == b'\r' && end + 1 == self.buffer.len() {
                break;
            }
            let line = String::from_utf8_lossy(&self.buffer[start..end]).into_owned();
            let skip = if self.buffer[end] == b'\r' && self.buffer.get(end + 1) == Some(&b'\n') { 2 } else { 1 };
            start = end + skip;
            if let Some(frame) = self.line(&line) {
                frames.push(frame);
            }
        }
        self.buffer.drain(..start);
        frames
    }

    fn line(&mut self, line: &str) -> Option<Frame> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<Frame> {
        if let Some(id) = &self.id {
            self.last_event_id = Some(id.clone());
        }
        let id = self.id.take();
        let event = self.event.take();
        let data = self.data.take()?;
        Some(Frame { id, event: event.unwrap_or_else(|| "message".to_owned()), data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_frame_parses_back() {
        let text = frame(42, "user_message", r#"{"text":"hi"}"#);
        assert_eq!(text, "id: 42\nevent: user_message\ndata: {\"text\":\"hi\"}\n\n");
        let frames = Parser::new().push(text.as_bytes());
        assert_eq!(
            frames,
            vec![Frame { id: Some("42".into()), event: "user_message".into(), data: r#"{"text":"hi"}"#.into() }]
        );
    }

    #[test]
    fn frames_split_at_every_byte_boundary_parse_the_same() {
        let text = format!("{}{KEEPALIVE}{}", frame(1, "a", "x\ny"), frame(2, "b", "z"));
        let whole = Parser::new().push(text.as_bytes());
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].data, "x\ny");
        let mut parser = Parser::new();
        let mut pieces = Vec::new();
        for byte in text.as_bytes() {
            pieces.extend(parser.push(std::slice::from_ref(byte)));
        }
        assert_eq!(pieces, whole);
        assert_eq!(parser.last_event_id(), Some("2"));
    }

    #[test]
    fn crlf_and_cr_line_endings_are_accepted() {
        let mut parser = Parser::new();
        let mut frames = parser.push(b"id: 7\r\nevent: e\r\ndata: d\r\n\r");
        frames.extend(parser.push(b"\ndata: only\r\r\n"));
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].id.as_deref(), Some("7"));
        assert_eq!(frames[1].event, "message");
        assert_eq!(frames[1].data, "only");
    }

    #[test]
    fn comments_and_empty_frames_dispatch_nothing() {
        let mut parser = Parser::new();
        assert!(parser.push(b": keepalive\n\n\n").is_empty());
    }
}
