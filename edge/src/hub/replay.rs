//! Pure rules of the Hub: resume points, the event envelope, and the bounds that keep one
//! reader from holding the others back.

use crate::http::error::{ApiError, ApiResult};

/// Default and maximum page size of `GET .../events`.
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 1000;

/// At most this many missed events are replayed on one SSE connection. A reader further
/// behind gets them and then the end of the stream, and resumes from the last `id:` it saw,
/// so a huge backlog is paged rather than buffered whole.
pub const MAX_REPLAY: u32 = 5000;

/// The close code of a WebSocket subscription that replayed [`MAX_REPLAY`] events and has more:
/// the reader reconnects with `?after=` the last `seq` it got (4000-4999: the application's).
pub const WS_RESUME: u16 = 4000;

/// A subscriber whose unread backlog passes this many frames is dropped (it reconnects with
/// `Last-Event-ID` and loses nothing), so one slow reader never holds memory hostage.
pub const MAX_BACKLOG_FRAMES: f64 = 1024.0;

/// Idle SSE connections get a keepalive comment this often (well under the 25 s the design
/// requires, so proxies never see a silent minute).
pub const KEEPALIVE_SECS: u64 = 20;

/// A worker daemon's command stream gets its keepalive this often instead: a write is how the
/// Hub learns a reader is gone, and a worker's presence (`online`) should follow its daemon's
/// death within seconds. One reader per worker, so the extra writes cost nothing that matters.
pub const WORKER_KEEPALIVE_SECS: u64 = 3;

/// The keepalive interval a subscription asks for (`?keepalive=`): 1 s to [`KEEPALIVE_SECS`],
/// [`KEEPALIVE_SECS`] when absent or unreadable.
pub fn keepalive_secs(given: Option<&str>) -> u64 {
    given.and_then(|s| s.parse::<u64>().ok()).map_or(KEEPALIVE_SECS, |s| s.clamp(1, KEEPALIVE_SECS))
}

/// Where a reader resumes: after the `Last-Event-ID` header if present (a reconnecting
/// `EventSource` sends it while its URL keeps the original `?after=`), else after `?after=`,
/// else from the start.
///
/// Sequence numbers are SQLite integers in the Hub, so a value above `i64::MAX` is refused
/// rather than wrapped (it once wrapped and replayed from the start).
pub fn resume_after(last_event_id: Option<&str>, after: Option<&str>) -> ApiResult<u64> {
    let parse = |text: &str| text.parse::<u64>().ok().filter(|n| i64::try_from(*n).is_ok());
    if let Some(id) = last_event_id.map(str::trim).filter(|s| !s.is_empty()) {
        return parse(id).ok_or_else(|| ApiError::invalid_parameter("Last-Event-ID", "must be a sequence number"));
    }
    match after {
        None | Some("") => Ok(0),
        Some(text) => {
            parse(text).ok_or_else(|| ApiError::invalid_parameter("after", "must be a sequence number (0 to 2^63-1)"))
        }
    }
}

/// Parses `?limit=` of an events page.
pub fn page_limit(limit: Option<&str>) -> ApiResult<u32> {
    match limit {
        None | Some("") => Ok(DEFAULT_PAGE),
        Some(text) => text
            .parse()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| ApiError::invalid_parameter("limit", format!("must be 1 to {MAX_PAGE}"))),
    }
}

/// A validated event body: a JSON object with a string `type`.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub event_type: String,
    /// The body's compact JSON text, an object with at least the `type` member.
    json: String,
}

impl Body {
    pub fn parse(text: &str) -> ApiResult<Self> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ApiError::invalid_field("event", format!("is not JSON: {e}")))?;
        Body::from_value(&value)
    }

    /// Several bodies sent at once, as a JSON array (`/append_all`).
    pub fn parse_all(text: &str) -> ApiResult<Vec<Self>> {
        let values: Vec<serde_json::Value> = serde_json::from_str(text)
            .map_err(|e| ApiError::invalid_field("events", format!("is not a JSON array: {e}")))?;
        values.iter().map(Body::from_value).collect()
    }

    fn from_value(value: &serde_json::Value) -> ApiResult<Self> {
        let event_type = value
            .get("type")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty() && t.len() <= 64)
            .ok_or_else(|| ApiError::invalid_field("type", "must be a non-empty string"))?
            .to_owned();
        if value.get("seq").is_some() || value.get("at").is_some() {
            return Err(ApiError::invalid_field("event", "`seq` and `at` are set by the Hub"));
        }
        let json = serde_json::to_string(value).map_err(ApiError::internal)?;
        Ok(Body { event_type, json })
    }

    /// The body of a typed event.
    pub fn of(event: &protocol::event::EventBody) -> ApiResult<Self> {
        Body::parse(&serde_json::to_string(event).map_err(ApiError::internal)?)
    }

    /// The stored and sent form: `{"seq":N,"at":"...",<the body's members>}`.
    pub fn envelope(&self, seq: u64, at: &str) -> String {
        // `json` is a non-empty object (it has `type`), so it starts with '{' and has a member.
        format!("{{\"seq\":{seq},\"at\":\"{at}\",{}", &self.json[1..])
    }
}

/// How long a turn may go without a sign of life (a heartbeat or an agent event) before the
/// Hub closes it as abandoned. `BATON_TURN_TTL_MS` overrides it (tests shorten it).
pub const DEFAULT_TURN_TTL_MS: i64 = 90_000;

/// What an appended event means for the stream's open turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnSignal {
    /// A turn began (or showed life): watch it.
    Alive(u64),
    /// The turn ended: stop watching.
    Closed,
    None,
}

impl Body {
    pub fn turn_signal(&self) -> TurnSignal {
        let seq = || serde_json::from_str::<serde_json::Value>(&self.json).ok()?["message_seq"].as_u64();
        match self.event_type.as_str() {
            "turn_start" | "turn_heartbeat" | "agent_event" => seq().map_or(TurnSignal::None, TurnSignal::Alive),
            "turn_complete" | "turn_error" => TurnSignal::Closed,
            _ => TurnSignal::None,
        }
    }
}

/// Whether a turn last alive at `last_alive_ms` is abandoned at `now_ms`.
pub fn abandoned(last_alive_ms: i64, now_ms: i64, ttl_ms: i64) -> bool {
    now_ms - last_alive_ms >= ttl_ms
}

/// Parses `?before=` of a newest-first page: a sequence number above 0 (0 or none: no such
/// page).
pub fn page_before(before: Option<&str>) -> ApiResult<Option<u64>> {
    match before {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0 && i64::try_from(*n).is_ok())
            .map(Some)
            .ok_or_else(|| ApiError::invalid_parameter("before", "must be a sequence number above 0")),
    }
}

/// A page of the log as [`protocol::event::EventPage`] JSON, from events already stored as
/// JSON text: each goes out as it is (a `RawValue`), never parsed again.
pub fn page_json(items: &[&str], next_after: Option<u64>, last_seq: u64) -> ApiResult<String> {
    page_json_with(items, next_after, last_seq, None)
}

/// [`page_json`] of a `?before=` page, with its `next_before`.
pub fn page_json_with(
    items: &[&str],
    next_after: Option<u64>,
    last_seq: u64,
    next_before: Option<u64>,
) -> ApiResult<String> {
    #[derive(serde::Serialize)]
    struct Page<'a> {
        items: Vec<&'a serde_json::value::RawValue>,
        next_after: Option<u64>,
        last_seq: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        next_before: Option<u64>,
    }
    let items = items
        .iter()
        .map(|text| serde_json::from_str::<&serde_json::value::RawValue>(text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    serde_json::to_string(&Page { items, next_after, last_seq, next_before }).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_may_ask_for_a_shorter_keepalive_but_never_a_longer_one() {
        assert_eq!(keepalive_secs(None), KEEPALIVE_SECS);
        assert_eq!(keepalive_secs(Some("3")), 3);
        assert_eq!(keepalive_secs(Some("0")), 1);
        assert_eq!(keepalive_secs(Some("600")), KEEPALIVE_SECS);
        assert_eq!(keepalive_secs(Some("soon")), KEEPALIVE_SECS);
    }

    /// Regression: the events page was built by splicing strings; it is the shared
    /// `EventPage` now, events passed through untouched.
    #[test]
    fn an_events_page_is_an_event_page() {
        let stored = [
            r#"{"seq":1,"at":"2026-11-21T10:00:00.000Z","type":"system_notice","text":"a \"quoted\" word"}"#,
            r#"{"seq":2,"at":"2026-11-21T10:00:01.000Z","type":"from_the_future","x":[1]}"#,
        ];
        let page: protocol::event::EventPage = serde_json::from_str(&page_json(&stored, Some(2), 7).unwrap()).unwrap();
        assert_eq!((page.items.len(), page.next_after, page.last_seq), (2, Some(2), 7));
        assert_eq!(page.items[0].body, EventBody::SystemNotice { text: "a \"quoted\" word".into() });
        let empty: protocol::event::EventPage = serde_json::from_str(&page_json(&[], None, 0).unwrap()).unwrap();
        assert!(empty.items.is_empty() && empty.next_after.is_none());
    }

    /// Regression: `after=18446744073709551615` wrapped to -1 in the Hub and replayed from 1.
    #[test]
    fn positions_above_the_i64_range_are_refused() {
        let max = i64::MAX.to_string();
        assert_eq!(resume_after(None, Some(&max)).unwrap(), i64::MAX as u64);
        assert!(resume_after(None, Some("9223372036854775808")).is_err());
        assert!(resume_after(None, Some("18446744073709551615")).is_err());
        assert!(resume_after(Some("9223372036854775808"), None).is_err());
        assert!(resume_after(None, Some("-1")).is_err());
    }
    use protocol::event::{Event, EventBody};

    #[test]
    fn last_event_id_wins_over_after() {
        assert_eq!(resume_after(Some("7"), Some("3")).unwrap(), 7);
        assert_eq!(resume_after(None, Some("3")).unwrap(), 3);
        assert_eq!(resume_after(Some(""), None).unwrap(), 0);
        assert!(resume_after(Some("x"), None).is_err());
        assert!(resume_after(None, Some("-1")).is_err());
    }

    #[test]
    fn page_limits_are_bounded() {
        assert_eq!(page_limit(None).unwrap(), DEFAULT_PAGE);
        assert_eq!(page_limit(Some("1000")).unwrap(), 1000);
        assert!(page_limit(Some("0")).is_err());
        assert!(page_limit(Some("1001")).is_err());
    }

    #[test]
    fn the_envelope_is_an_event_the_protocol_reads() {
        let body = Body::parse(r#"{"type":"system_notice","text":"hi"}"#).unwrap();
        assert_eq!(body.event_type, "system_notice");
        let text = body.envelope(5, "2026-11-21T00:00:00.000Z");
        let event: Event = serde_json::from_str(&text).unwrap();
        assert_eq!(event.seq, 5);
        assert_eq!(event.body, EventBody::SystemNotice { text: "hi".into() });
    }

    #[test]
    fn turn_events_open_keep_and_close_the_watch() {
        let signal = |text: &str| Body::parse(text).unwrap().turn_signal();
        assert_eq!(signal(r#"{"type":"turn_start","message_seq":4}"#), TurnSignal::Alive(4));
        assert_eq!(signal(r#"{"type":"turn_heartbeat","message_seq":4}"#), TurnSignal::Alive(4));
        assert_eq!(signal(r#"{"type":"turn_error","message_seq":4,"message":"x"}"#), TurnSignal::Closed);
        assert_eq!(signal(r#"{"type":"user_message","text":"x"}"#), TurnSignal::None);
        assert!(!abandoned(1_000, 90_999, 90_000));
        assert!(abandoned(1_000, 91_000, 90_000));
    }

    #[test]
    fn bodies_without_a_type_or_with_envelope_fields_are_refused() {
        for bad in ["{}", "[]", "1", r#"{"type":""}"#, r#"{"type":3}"#, r#"{"type":"a","seq":1}"#] {
            assert!(Body::parse(bad).is_err(), "{bad}");
        }
    }
}
