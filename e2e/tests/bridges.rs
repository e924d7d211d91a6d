//! Chat bridges through the real Worker: a DingTalk robot's and a Feishu app's callbacks,
//! signed as the platforms sign them (the signing is the server's own pure code, checked
//! against the platforms' vectors in its unit tests). A message becomes a session's message
//! once, however often it is delivered; the same chat goes on in the same session, `/new`
//! opens another; anything not verified is refused alike and changes nothing.

use std::time::{SystemTime, UNIX_EPOCH};

use e2e::api::{session_agents, unique, Api};
use serde_json::{json, Value};

const SECRET: &str = "dingtalk-app-secret";

fn now_ms() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

/// A DingTalk text message from `sender` in a one-to-one chat.
fn dingtalk_text(msg_id: &str, sender: &str, text: &str) -> Value {
    json!({
        "msgId": msg_id, "msgtype": "text", "conversationId": format!("cid-{sender}"), "conversationType": "1",
        "senderId": format!("$:LWCP_v1:${sender}"), "senderNick": sender, "senderStaffId": "0326",
        "sessionWebhook": "http://127.0.0.1:9/robot/sendBySession?session=x", "sessionWebhookExpiredTime": now_ms() + 3_600_000,
        "robotCode": "dingbot", "text": {"content": text}
    })
}

async fn deliver(api: &Api, bridge: i64, body: &Value, at: i64, secret: &str) -> (u16, Value) {
    let timestamp = at.to_string();
    let sign = edge::bridges::dingtalk::sign(&timestamp, secret);
    api.send(
        api.request(reqwest::Method::POST, &format!("/api/bridges/dingtalk/{bridge}"))
            .header("timestamp", timestamp)
            .header("sign", sign)
            .json(body),
    )
    .await
}

async fn chat_messages(admin: &Api, session: i64) -> Vec<Value> {
    let page = admin.fetch(&format!("/api/sessions/{session}/events?limit=1000")).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "user_message" && e["author"]["kind"] == "chat")
        .cloned()
        .collect()
}

/// The sessions of the project, newest last.
async fn sessions(admin: &Api, project: i64) -> Vec<i64> {
    let page = admin.fetch(&format!("/api/projects/{project}/sessions?limit=200")).await;
    let mut ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids
}

/// A new project with a worker, and a bridge of it made with `config` (plus the worker):
/// (project, bridge as answered).
async fn bridge_with(admin: &Api, mut config: Value) -> (i64, Value) {
    let project = session_agents(admin, 0).await.project;
    let worker = admin.fetch(&format!("/api/workers?project_id={project}")).await["items"][0]["id"].clone();
    config["worker_id"] = worker;
    (project, admin.create(&format!("/api/projects/{project}/bridges"), config).await)
}

#[tokio::test]
async fn a_dingtalk_chat_talks_to_one_session_once_per_message_and_bad_deliveries_change_nothing() {
    let admin = Api::admin();
    let (project, bridge) =
        bridge_with(&admin, json!({"platform": "dingtalk", "app_key": "dingbot", "app_secret": SECRET})).await;
    let id = bridge["id"].as_i64().unwrap();
    assert!(bridge["callback_url"].as_str().unwrap().ends_with(&format!("/api/bridges/dingtalk/{id}")), "{bridge}");
    assert!(!bridge.to_string().contains(SECRET), "the secret is never shown: {bridge}");
    let outside = Api::new(&admin.url, None);
    let before = sessions(&admin, project).await;

    // The console's setup steps, with the callback URL filled in, for anyone.
    let help = outside.request(reqwest::Method::GET, &format!("/help/dingtalk?bridge={id}")).send().await.unwrap();
    assert_eq!(help.status(), 200);
    let page = help.text().await.unwrap();
    assert!(page.contains(bridge["callback_url"].as_str().unwrap()) && page.contains("AppSecret"), "{page}");
    assert_eq!(outside.get("/help/slack").await.0, 404);
    // Regression (found by the fuzz run): a bridge that is not an id was ignored, not refused.
    assert_eq!(outside.get("/help/dingtalk?bridge=abc").await.0, 400);

    // A retry storm: the same delivery ten times at once is one message in one new session.
    let sender = unique("ann");
    let first = dingtalk_text(&unique("msg"), &sender, "please fix the build");
    let storm = (0..10).map(|_| deliver(&outside, id, &first, now_ms(), SECRET));
    let answers = futures_util::future::join_all(storm).await;
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    let opened: Vec<i64> = sessions(&admin, project).await.into_iter().filter(|s| !before.contains(s)).collect();
    assert_eq!(opened.len(), 1, "one session for the chat: {opened:?}");
    let session = opened[0];
    let said = chat_messages(&admin, session).await;
    assert_eq!(said.len(), 1, "{said:#?}");
    assert_eq!(said[0]["author"]["name"], sender.as_str());
    let text = said[0]["text"].as_str().unwrap();
    assert!(text.contains(&sender) && text.ends_with("please fix the build"), "the default template: {text}");
    // The worker is not running: the person is told the message waits.
    assert!(
        answers.iter().any(|(_, a)| a["text"]["content"].as_str().is_some_and(|t| t.contains("offline"))),
        "{answers:?}"
    );

    // The next message of the chat goes on in the same session.
    let (status, _) =
        deliver(&outside, id, &dingtalk_text(&unique("msg"), &sender, "and the tests"), now_ms(), SECRET).await;
    assert_eq!(status, 200);
    assert_eq!(chat_messages(&admin, session).await.len(), 2);
    assert_eq!(sessions(&admin, project).await.len(), before.len() + 1, "no second session");

    // Refused alike, and nothing changes: a bad sign, a stale timestamp, a replayed delivery
    // (answered, not applied), an unknown bridge.
    let other = dingtalk_text(&unique("msg"), &sender, "sneaky");
    let (bad, bad_body) = deliver(&outside, id, &other, now_ms(), "not the secret").await;
    let (stale, _) = deliver(&outside, id, &other, now_ms() - 3_600_000 - 60_000, SECRET).await;
    let (unknown, unknown_body) = deliver(&outside, 999_999_999, &other, now_ms(), SECRET).await;
    assert_eq!((bad, stale, unknown), (401, 401, 401));
    assert_eq!(bad_body, unknown_body, "an unknown bridge looks like a bad sign");
    let (replayed, _) = deliver(&outside, id, &first, now_ms(), SECRET).await;
    assert_eq!(replayed, 200);
    assert_eq!(chat_messages(&admin, session).await.len(), 2, "nothing refused or replayed was posted");

    // `/new`: a fresh session for the chat, and the next message goes there.
    let (_, answer) = deliver(&outside, id, &dingtalk_text(&unique("msg"), &sender, "/new"), now_ms(), SECRET).await;
    assert!(answer["text"]["content"].as_str().unwrap().contains("A new session"), "{answer}");
    deliver(&outside, id, &dingtalk_text(&unique("msg"), &sender, "start over"), now_ms(), SECRET).await;
    let newest = *sessions(&admin, project).await.last().unwrap();
    assert_ne!(newest, session);
    assert_eq!(chat_messages(&admin, newest).await.len(), 1);
    assert_eq!(chat_messages(&admin, session).await.len(), 2);

    // Configuration: people only, checked fields, deleted means refused.
    let agent = &session_agents(&admin, 1).await.agents[0];
    assert_eq!(agent.get(&format!("/api/bridges/{id}")).await.0, 403);
    let (status, err) = admin
        .post(
            &format!("/api/projects/{}/bridges", project),
            json!({"platform": "feishu", "worker_id": bridge["worker_id"], "app_key": "cli_x", "app_secret": "s"}),
        )
        .await;
    assert_eq!(status, 400, "Feishu needs its verification token: {err}");
    assert_eq!(admin.delete(&format!("/api/bridges/{id}")).await.0, 204);
    let (gone, _) = deliver(&outside, id, &dingtalk_text(&unique("msg"), &sender, "hello?"), now_ms(), SECRET).await;
    assert_eq!(gone, 401);
}

#[tokio::test]
async fn a_feishu_app_answers_its_url_check_and_takes_each_event_once() {
    let admin = Api::admin();
    let token = "feishu-verification-token";
    let (project, bridge) = bridge_with(
        &admin,
        json!({"platform": "feishu", "app_key": "cli_app", "app_secret": "s3cret", "verification_token": token}),
    )
    .await;
    let id = bridge["id"].as_i64().unwrap();
    let outside = Api::new(&admin.url, None);
    let post = |body: Value| {
        let outside = outside.clone();
        async move { outside.post(&format!("/api/bridges/feishu/{id}"), body).await }
    };

    // The URL check: its challenge back, with the right token only.
    let (status, answer) = post(json!({"type": "url_verification", "challenge": "c-123", "token": token})).await;
    assert_eq!((status, answer), (200, json!({"challenge": "c-123"})));
    let (status, _) = post(json!({"type": "url_verification", "challenge": "c-123", "token": "wrong"})).await;
    assert_eq!(status, 401);

    // A message event, delivered three times: one message; a wrong token: nothing.
    let event = |event_id: &str, text: &str, token: &str| {
        json!({"schema": "2.0",
               "header": {"event_id": event_id, "event_type": "im.message.receive_v1", "token": token, "app_id": "cli_app"},
               "event": {"sender": {"sender_id": {"open_id": "ou_ann"}, "sender_type": "user"},
                         "message": {"message_id": unique("om"), "chat_id": "oc_chat", "chat_type": "p2p",
                                     "message_type": "text", "content": json!({"text": text}).to_string()}}})
    };
    let before = sessions(&admin, project).await;
    let first = event(&unique("ev"), "@_user_1 look at the logs", token);
    for _ in 0..3 {
        assert_eq!(post(first.clone()).await.0, 200);
    }
    assert_eq!(post(event(&unique("ev"), "forged", "wrong")).await.0, 401);
    let opened: Vec<i64> = sessions(&admin, project).await.into_iter().filter(|s| !before.contains(s)).collect();
    assert_eq!(opened.len(), 1);
    let said = chat_messages(&admin, opened[0]).await;
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(said[0]["text"].as_str().unwrap().ends_with("look at the logs"), "mentions dropped: {said:#?}");
}

/// Feishu's own encrypted URL check (larksuite/node-sdk's test vector, read in place from
/// ../shared/fixtures when present): decrypted with the app's encrypt key and answered.
#[tokio::test]
async fn an_encrypted_url_check_from_feishu_s_sdk_vector_is_answered() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/feishu/encrypt-vectors.json");
    let Ok(text) = std::fs::read_to_string(path) else { return };
    let vectors: Value = serde_json::from_str(&text).unwrap();
    let vector =
        vectors["vectors"].as_array().unwrap().iter().find(|v| v["id"] == "node-sdk-challenge").unwrap().clone();
    let plain: Value = serde_json::from_str(vector["plaintext_decrypted_here"].as_str().unwrap()).unwrap();
    let admin = Api::admin();
    let (_, bridge) = bridge_with(
        &admin,
        json!({"platform": "feishu", "app_key": "cli_app", "app_secret": "s3cret",
                   "verification_token": plain["token"], "encrypt_key": vector["encrypt_key"]}),
    )
    .await;
    assert_eq!(bridge["encrypted"], true);
    let id = bridge["id"].as_i64().unwrap();
    let outside = Api::new(&admin.url, None);
    let (status, answer) =
        outside.post(&format!("/api/bridges/feishu/{id}"), json!({"encrypt": vector["encrypt"]})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["challenge"], plain["challenge"]);
    // What does not decrypt under the key is refused like a bad signature.
    let (status, _) = outside.post(&format!("/api/bridges/feishu/{id}"), json!({"encrypt": "AAAA"})).await;
    assert_eq!(status, 401);
}
