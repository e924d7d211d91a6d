//! The Hub's streams through the real Worker: replay, resume across a forced disconnect, fan
//! out to many subscribers, keepalives, and the events page.

use std::time::Duration;

use e2e::api::{new_session, Api};
use e2e::proxy::Proxy;
use e2e::sse::{ids, SseReader};
use protocol::event::Event;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(20);

async fn post_messages(api: &Api, session: i64, range: std::ops::RangeInclusive<u32>) {
    for i in range {
        api.create(&format!("/api/sessions/{session}/messages"), json!({"text": format!("m{i}")})).await;
    }
}

#[tokio::test]
async fn a_reader_that_reconnects_with_last_event_id_gets_exactly_the_missed_events() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    let shared = e2e::server::shared();
    let port: u16 = shared.url.rsplit(':').next().unwrap().parse().unwrap();
    let proxy = Proxy::start(port).await;
    let through_proxy = admin.with_token(admin.token.as_deref());
    let through_proxy = e2e::api::Api { url: proxy.url.clone(), ..through_proxy };

    // Seq 1 is the "session created" notice.
    post_messages(&admin, session, 1..=5).await;
    let path = format!("/api/sessions/{session}/stream");
    let mut reader = SseReader::open(&through_proxy, &path, None).await;
    let first = reader.take(6, WAIT).await;
    assert_eq!(ids(&first), vec![1, 2, 3, 4, 5, 6]);

    proxy.cut_all();
    assert!(reader.next(Duration::from_secs(5)).await.is_none(), "the cut ends the stream");
    post_messages(&admin, session, 6..=10).await;

    let mut resumed = SseReader::open(&through_proxy, &path, Some(6)).await;
    let missed = resumed.take(5, WAIT).await;
    assert_eq!(ids(&missed), vec![7, 8, 9, 10, 11]);
    let texts: Vec<String> = missed
        .iter()
        .map(|f| serde_json::from_str::<serde_json::Value>(&f.data).unwrap()["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, vec!["m6", "m7", "m8", "m9", "m10"]);

    // Then live, with no duplicate at the seam.
    post_messages(&admin, session, 11..=11).await;
    let live = resumed.take(1, WAIT).await;
    assert_eq!(ids(&live), vec![12]);
    assert!(resumed.next(Duration::from_millis(500)).await.is_none(), "nothing more, nothing twice");
}

#[tokio::test]
async fn after_query_and_last_event_id_agree_and_the_header_wins() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    post_messages(&admin, session, 1..=4).await;
    let mut by_query = SseReader::open(&admin, &format!("/api/sessions/{session}/stream?after=3"), None).await;
    assert_eq!(ids(&by_query.take(2, WAIT).await), vec![4, 5]);
    let mut both = SseReader::open(&admin, &format!("/api/sessions/{session}/stream?after=1"), Some(4)).await;
    assert_eq!(ids(&both.take(1, WAIT).await), vec![5]);
}

#[tokio::test]
async fn fifty_subscribers_each_receive_every_event_of_a_burst_of_200_in_order() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    let path = format!("/api/sessions/{session}/stream?after=1");
    let mut readers = Vec::new();
    for _ in 0..50 {
        readers.push(SseReader::open(&admin, &path, None).await);
    }
    let collectors: Vec<_> =
        readers.into_iter().map(|mut r| tokio::spawn(async move { ids(&r.take(200, WAIT).await) })).collect();
    let posters: Vec<_> = (0..4)
        .map(|lane| {
            let admin = admin.clone();
            tokio::spawn(async move { post_messages(&admin, session, lane * 50 + 1..=lane * 50 + 50).await })
        })
        .collect();
    for p in posters {
        p.await.unwrap();
    }
    let expected: Vec<u64> = (2..=201).collect();
    for c in collectors {
        assert_eq!(c.await.unwrap(), expected);
    }
}

#[tokio::test]
async fn an_idle_stream_gets_a_keepalive_within_25_seconds() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    let mut reader = SseReader::open(&admin, &format!("/api/sessions/{session}/stream?after=1"), None).await;
    let started = std::time::Instant::now();
    while !reader.raw.contains(": keepalive") {
        assert!(reader.next(Duration::from_millis(200)).await.is_none(), "no event was posted");
        assert!(started.elapsed() < Duration::from_secs(25), "no keepalive within 25 s: {:?}", reader.raw);
    }
}

#[tokio::test]
async fn the_events_page_pages_through_the_log() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    post_messages(&admin, session, 1..=7).await;
    let page = admin.fetch(&format!("/api/sessions/{session}/events?after=0&limit=5")).await;
    let items: Vec<Event> = serde_json::from_value(page["items"].clone()).unwrap();
    assert_eq!(items.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    assert_eq!(page["next_after"], 5);
    assert_eq!(page["last_seq"], 8);
    let rest = admin.fetch(&format!("/api/sessions/{session}/events?after=5&limit=5")).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 3);
    assert!(rest["next_after"].is_null());
    let (status, body) = admin.get(&format!("/api/sessions/{session}/events?limit=5000")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_parameter")));
}

/// Issue 15: the stream also speaks WebSocket (`Upgrade: websocket` on the same URL, resuming
/// after `?after=`): the missed events, then live ones, each an event's JSON, in order; an
/// outsider is refused as on SSE; deleting the session closes the socket.
#[tokio::test]
async fn a_websocket_subscriber_gets_the_missed_events_then_live_ones_in_order() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Error, Message};

    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    post_messages(&admin, session, 1..=3).await; // seqs 2, 3, 4
    let connect = |api: &Api| {
        let url = format!("{}/api/sessions/{session}/stream?after=2", api.url.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        let bearer = format!("Bearer {}", api.token.clone().unwrap_or_default());
        request.headers_mut().insert("authorization", bearer.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    let (mut socket, _) = connect(&admin).await.expect("the socket opens");
    post_messages(&admin, session, 4..=5).await; // seqs 5, 6
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let message = tokio::time::timeout(WAIT, socket.next()).await.expect("a message in time").unwrap().unwrap();
        let event: serde_json::Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
        assert_eq!(event["type"], "user_message", "{event}");
        seen.push((event["seq"].as_u64().unwrap(), event["text"].as_str().unwrap().to_owned()));
    }
    let expected: Vec<(u64, String)> = (3..=6).map(|seq| (seq, format!("m{}", seq - 1))).collect();
    assert_eq!(seen, expected);

    let outsider = e2e::api::new_member(&admin, &e2e::api::unique("outsider")).await;
    match connect(&outsider).await {
        Err(Error::Http(response)) => assert_eq!(response.status(), 404),
        other => panic!("an outsider's socket: {:?}", other.map(|(_, r)| r.status())),
    }

    assert_eq!(admin.delete(&format!("/api/sessions/{session}")).await.0, 204);
    let closed = loop {
        match tokio::time::timeout(WAIT, socket.next()).await.expect("closed in time") {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break None,
        }
    };
    assert_eq!(closed, Some(1000), "deleting the session closes its sockets");
}

/// A WebSocket reader more than 5,000 events behind gets 5,000, then a close with code 4000,
/// and resumes with `?after=` its last `seq`: every event once, in order, none lost.
#[tokio::test]
async fn a_websocket_reader_far_behind_is_told_to_resume_and_loses_nothing() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

    let admin = Api::admin();
    let (worker_token, session) = e2e::api::worker_session(&admin).await;
    let worker = admin.with_token(Some(&worker_token));
    let message_seq = admin.create(&format!("/api/sessions/{session}/messages"), json!({"text": "go"})).await["seq"]
        .as_u64()
        .unwrap();
    let path = format!("/api/sessions/{session}/events");
    let accepted = futures_util::stream::iter(0..5_010)
        .map(|i| {
            let (worker, path) = (worker.clone(), path.clone());
            let body = json!({"type": "agent_event", "message_seq": message_seq, "event": {"kind": "message", "text": format!("line {i}")}});
            async move { worker.post(&path, body).await.0 }
        })
        .buffer_unordered(16)
        .filter(|status| std::future::ready(*status == 201))
        .count()
        .await;
    assert_eq!(accepted, 5_010);
    let last = admin.fetch(&format!("{path}?limit=1")).await["last_seq"].as_u64().unwrap();

    let open = |after: u64| {
        let url = format!("{}/api/sessions/{session}/stream?after={after}", admin.url.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        let bearer = format!("Bearer {}", admin.token.clone().unwrap_or_default());
        request.headers_mut().insert("authorization", bearer.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    let mut seqs = Vec::new();
    let mut closes = Vec::new();
    while seqs.last().copied().unwrap_or(0) < last {
        let (mut socket, _) = open(seqs.last().copied().unwrap_or(0)).await.expect("the socket opens");
        loop {
            match tokio::time::timeout(WAIT, socket.next()).await.expect("a message in time") {
                Some(Ok(Message::Text(text))) => {
                    let event: serde_json::Value = serde_json::from_str(&text).unwrap();
                    seqs.push(event["seq"].as_u64().unwrap());
                    if seqs.last() == Some(&last) {
                        break;
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    closes.push(frame.map(|f| u16::from(f.code)));
                    break;
                }
                Some(Ok(_)) => {}
                other => panic!("the socket ended without a close: {other:?}"),
            }
        }
    }
    assert_eq!(closes, [Some(4000)], "one resume, after the first 5,000");
    assert_eq!(seqs, (1..=last).collect::<Vec<_>>(), "every event once, in order");
}
