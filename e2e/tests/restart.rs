//! The same state survives a restart of `wrangler dev`: D1 rows, the Hub's log, and the
//! sequence numbers continue where they stopped.

use std::time::Duration;

use e2e::api::{bootstrap, Api};
use e2e::server::Server;
use e2e::sse::{ids, SseReader};
use serde_json::json;

#[tokio::test]
async fn state_and_sequence_numbers_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(dir.path()).unwrap();
    let token = bootstrap(&server.url).await.unwrap();
    let api = Api::new(&server.url, Some(&token));
    let (_, session) = e2e::api::new_session(&api).await;
    for i in 1..=5 {
        api.create(&format!("/api/sessions/{session}/messages"), json!({"text": format!("before {i}")})).await;
    }
    server.stop();
    assert!(api.http.get(format!("{}/api/health", server.url)).send().await.is_err(), "the server is down");

    let server = Server::start_in(dir.path()).unwrap();
    let api = Api::new(&server.url, Some(&token));
    let page = api.fetch(&format!("/api/sessions/{session}/events")).await;
    let seqs: Vec<u64> = page["items"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(page["items"][5]["text"], "before 5");

    let mut reader = SseReader::open(&api, &format!("/api/sessions/{session}/stream"), Some(4)).await;
    let after = api.create(&format!("/api/sessions/{session}/messages"), json!({"text": "after"})).await;
    assert_eq!(after["seq"], 7, "numbering continues");
    assert_eq!(ids(&reader.take(3, Duration::from_secs(20)).await), vec![5, 6, 7]);
}
