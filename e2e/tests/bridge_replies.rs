//! Chat bridges end to end: a real daemon with the scripted agent answers a chat message, and
//! the answer reaches a local fake of the platform once (DingTalk through the message's
//! session webhook, and through the robot API once that has expired; Feishu through its IM
//! API with a tenant token fetched once and kept), however often the message was delivered.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e::api::{bootstrap, unique, until_online, Api};
use e2e::fake_chat::{FakeChat, DINGTALK_TOKEN, FEISHU_TOKEN};
use e2e::machine::Machine;
use e2e::server::Server;
use serde_json::{json, Value};

fn now_ms() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

/// A server whose platform APIs are `fake`, a machine with a running daemon on it, and the
/// admin's client.
async fn setup(fake: &FakeChat) -> (Server, Machine, Api) {
    let server = Server::start_with_vars(&[
        ("BATON_DINGTALK_API_URL", &fake.url),
        ("BATON_DINGTALK_OAPI_URL", &fake.url),
        ("BATON_FEISHU_API_URL", &fake.url),
    ])
    .unwrap();
    let token = bootstrap(&server.url).await.unwrap();
    let machine = Machine::on(&server.url, &token).await;
    let admin = Api::new(&server.url, Some(&token));
    (server, machine, admin)
}

async fn until_received(fake: &FakeChat, prefix: &str, n: usize) -> Vec<e2e::fake_chat::Received> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let got = fake.received(prefix);
        if got.len() >= n {
            return got;
        }
        assert!(Instant::now() < deadline, "{n} requests to {prefix} did not arrive: {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_dingtalk_message_is_answered_in_its_chat_once() {
    let fake = FakeChat::start();
    let (_server, machine, admin) = setup(&fake).await;
    let _daemon = machine.daemon();
    until_online(&admin, machine.worker, "the daemon").await;
    let secret = "dingtalk-secret";
    let bridge = admin
        .create(
            &format!("/api/projects/{}/bridges", machine.project),
            json!({"platform": "dingtalk", "worker_id": machine.worker, "app_key": "dingbot", "app_secret": secret}),
        )
        .await;
    let id = bridge["id"].as_i64().unwrap();
    let outside = Api::new(&admin.url, None);
    let deliver = |msg: Value| {
        let outside = outside.clone();
        async move {
            let timestamp = now_ms().to_string();
            let sign = edge::bridges::dingtalk::sign(&timestamp, secret);
            outside
                .send(
                    outside
                        .request(reqwest::Method::POST, &format!("/api/bridges/dingtalk/{id}"))
                        .header("timestamp", timestamp)
                        .header("sign", sign)
                        .json(&msg),
                )
                .await
        }
    };
    let message = |text: &str, expires: i64| {
        json!({"msgId": unique("msg"), "msgtype": "text", "conversationId": "cid-group", "conversationType": "2",
               "senderId": "$:LWCP_v1:$ann", "senderNick": "Ann", "senderStaffId": "staff-ann",
               "sessionWebhook": format!("{}/robot/sendBySession?session=s1", fake.url),
               "sessionWebhookExpiredTime": expires, "robotCode": "dingbot", "text": {"content": text}})
    };

    // Delivered ten times at once: one turn, one answer in the chat, the sender @-ed.
    let first = message("hello agent", now_ms() + 3_600_000);
    let storm = (0..10).map(|_| deliver(first.clone()));
    for (status, body) in futures_util::future::join_all(storm).await {
        assert_eq!(status, 200, "{body}");
    }
    let replies = until_received(&fake, "/robot/sendBySession", 1).await;
    let text = replies[0].body["markdown"]["text"].as_str().unwrap().to_owned();
    assert!(text.starts_with("@staff-ann ") && text.contains("done"), "{replies:?}");
    assert_eq!(replies[0].body["at"]["atUserIds"], json!(["staff-ann"]));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(fake.received("/robot/sendBySession").len(), 1, "answered once");

    // Its session webhook expired: the robot API, with an access token.
    let (status, _) = deliver(message("and again", now_ms() - 1)).await;
    assert_eq!(status, 200);
    let sent = until_received(&fake, "/v1.0/robot/groupMessages/send", 1).await;
    assert_eq!(sent[0].token.as_deref(), Some(DINGTALK_TOKEN));
    assert_eq!(sent[0].body["openConversationId"], "cid-group");
    assert_eq!(fake.received("/v1.0/oauth2/accessToken").len(), 1);
    let sessions = admin.fetch(&format!("/api/projects/{}/sessions", machine.project)).await;
    assert_eq!(sessions["items"].as_array().unwrap().len(), 1, "both messages in one session: {sessions}");
}

#[tokio::test]
async fn a_feishu_message_gets_a_reaction_and_a_reply_with_one_tenant_token() {
    let fake = FakeChat::start();
    let (_server, machine, admin) = setup(&fake).await;
    let _daemon = machine.daemon();
    until_online(&admin, machine.worker, "the daemon").await;
    let token = "feishu-token";
    let bridge = admin
        .create(
            &format!("/api/projects/{}/bridges", machine.project),
            json!({"platform": "feishu", "worker_id": machine.worker, "app_key": "cli_app", "app_secret": "s3cret",
                   "verification_token": token}),
        )
        .await;
    let id = bridge["id"].as_i64().unwrap();
    let outside = Api::new(&admin.url, None);
    let event = |message_id: &str, text: &str| {
        json!({"schema": "2.0",
               "header": {"event_id": unique("ev"), "event_type": "im.message.receive_v1", "token": token},
               "event": {"sender": {"sender_id": {"open_id": "ou_ann"}, "sender_type": "user"},
                         "message": {"message_id": message_id, "chat_id": "oc_chat", "chat_type": "p2p",
                                     "message_type": "text", "content": json!({"text": text}).to_string()}}})
    };
    for (message_id, text) in [("om_first", "hello"), ("om_second", "more")] {
        let (status, _) = outside.post(&format!("/api/bridges/feishu/{id}"), event(message_id, text)).await;
        assert_eq!(status, 200);
        let replies = until_received(&fake, &format!("/open-apis/im/v1/messages/{message_id}/reply"), 1).await;
        assert_eq!(replies[0].token.as_deref(), Some(format!("Bearer {FEISHU_TOKEN}").as_str()));
        let content: Value = serde_json::from_str(replies[0].body["content"].as_str().unwrap()).unwrap();
        assert!(content["text"].as_str().unwrap().contains("done"), "{content}");
        until_received(&fake, &format!("/open-apis/im/v1/messages/{message_id}/reactions"), 1).await;
    }
    let fetched = fake.received("/open-apis/auth/v3/tenant_access_token/internal");
    assert_eq!(fetched.len(), 1, "the tenant token is kept until it expires");
    assert_eq!(fetched[0].body["app_id"], "cli_app");

    // A bridge whose worker is offline: the chat is told at once that its message waits.
    let idle = admin
        .create(
            "/api/workers",
            json!({"project_id": machine.project, "name": unique("idle"), "machine_id": unique("m"),
                   "agent": "scripted", "base_branch": "main"}),
        )
        .await;
    let waiting = admin
        .create(
            &format!("/api/projects/{}/bridges", machine.project),
            json!({"platform": "feishu", "worker_id": idle["worker"]["id"], "app_key": "cli_app",
                   "app_secret": "s3cret", "verification_token": token}),
        )
        .await;
    let (status, _) =
        outside.post(&format!("/api/bridges/feishu/{}", waiting["id"]), event("om_wait", "anyone?")).await;
    assert_eq!(status, 200);
    let told = until_received(&fake, "/open-apis/im/v1/messages/om_wait/reply", 1).await;
    let content: Value = serde_json::from_str(told[0].body["content"].as_str().unwrap()).unwrap();
    assert!(content["text"].as_str().unwrap().contains("offline"), "{content}");
    assert!(fake.received("/open-apis/im/v1/messages/om_wait/reactions").is_empty(), "told, not reacted to");
}

#[tokio::test]
async fn an_agents_question_is_asked_in_the_chat_and_the_chats_reply_answers_it() {
    let fake = FakeChat::start();
    let (_server, machine, admin) = setup(&fake).await;
    let _daemon = machine.daemon();
    until_online(&admin, machine.worker, "the daemon").await;
    let secret = "dingtalk-secret";
    let bridge = admin
        .create(
            &format!("/api/projects/{}/bridges", machine.project),
            json!({"platform": "dingtalk", "worker_id": machine.worker, "app_key": "dingbot", "app_secret": secret}),
        )
        .await;
    let id = bridge["id"].as_i64().unwrap();
    let outside = Api::new(&admin.url, None);
    let deliver = |text: &str| {
        let body = json!({"msgId": unique("msg"), "msgtype": "text", "conversationId": "cid-1", "conversationType": "1",
               "senderId": "$:LWCP_v1:$bo", "senderNick": "Bo", "senderStaffId": "staff-bo",
               "sessionWebhook": format!("{}/robot/sendBySession?session=s2", fake.url),
               "sessionWebhookExpiredTime": now_ms() + 3_600_000, "robotCode": "dingbot", "text": {"content": text}});
        let outside = outside.clone();
        async move {
            let timestamp = now_ms().to_string();
            let sign = edge::bridges::dingtalk::sign(&timestamp, secret);
            outside
                .send(
                    outside
                        .request(reqwest::Method::POST, &format!("/api/bridges/dingtalk/{id}"))
                        .header("timestamp", timestamp)
                        .header("sign", sign)
                        .json(&body),
                )
                .await
        }
    };
    assert_eq!(deliver("ask: Which color?").await.0, 200);
    let asked = until_received(&fake, "/robot/sendBySession", 1).await;
    let question = asked[0].body["markdown"]["text"].as_str().unwrap().to_owned();
    assert!(question.contains("Which color?") && question.contains("your own answer"), "{question}");

    // The chat's next message is the answer, not a new turn.
    let (status, answer) = deliver("Blue").await;
    assert_eq!(status, 200);
    assert!(answer["text"]["content"].as_str().unwrap().contains("Answered"), "{answer}");
    let replies = until_received(&fake, "/robot/sendBySession", 2).await;
    let last = replies[1].body["markdown"]["text"].as_str().unwrap();
    assert!(last.contains("done"), "the turn's answer after the question: {last}");
    let sessions = admin.fetch(&format!("/api/projects/{}/sessions", machine.project)).await;
    let session = sessions["items"][0]["id"].as_i64().unwrap();
    let events = admin.fetch(&format!("/api/sessions/{session}/events?limit=1000")).await;
    let said: Vec<&str> =
        events["items"].as_array().unwrap().iter().filter_map(|e| e["event"]["text"].as_str()).collect();
    assert!(said.contains(&r#"answer: {"Which color?":"Blue"}"#), "{said:?}");
    let chat_messages = events["items"].as_array().unwrap().iter().filter(|e| e["type"] == "user_message").count();
    assert_eq!(chat_messages, 1, "the answer was no message of its own");
}

#[tokio::test]
async fn pictures_from_either_platform_arrive_in_the_worktree() {
    let fake = FakeChat::start();
    let (_server, machine, admin) = setup(&fake).await;
    let _daemon = machine.daemon();
    until_online(&admin, machine.worker, "the daemon").await;
    let bridge = admin
        .create(
            &format!("/api/projects/{}/bridges", machine.project),
            json!({"platform": "feishu", "worker_id": machine.worker, "app_key": "cli_app", "app_secret": "s3cret",
                   "verification_token": "tok"}),
        )
        .await;
    let id = bridge["id"].as_i64().unwrap();
    let outside = Api::new(&admin.url, None);
    let image = json!({"schema": "2.0",
        "header": {"event_id": unique("ev"), "event_type": "im.message.receive_v1", "token": "tok"},
        "event": {"sender": {"sender_id": {"open_id": "ou_cy"}, "sender_type": "user"},
                  "message": {"message_id": "om_pic", "chat_id": "oc_pic", "chat_type": "p2p", "message_type": "image",
                              "content": json!({"image_key": "img_v2_abc"}).to_string()}}});
    assert_eq!(outside.post(&format!("/api/bridges/feishu/{id}"), image).await.0, 200);
    let fetched = until_received(&fake, "/open-apis/im/v1/messages/om_pic/resources/img_v2_abc", 1).await;
    assert_eq!(fetched[0].token.as_deref(), Some(format!("Bearer {FEISHU_TOKEN}").as_str()));
    until_received(&fake, "/open-apis/im/v1/messages/om_pic/reply", 1).await;
    let sessions = admin.fetch(&format!("/api/projects/{}/sessions", machine.project)).await;
    let session = sessions["items"][0]["id"].as_i64().unwrap();
    let saved = machine.worktrees.join(format!("S-{session}")).join("attachments/picture-1.png");
    assert_eq!(std::fs::read(&saved).unwrap(), e2e::fake_chat::PICTURE, "the picture is in the worktree");

    // DingTalk: the download code is exchanged for a URL through the robot API.
    let secret = "dingtalk-secret";
    let ding = admin
        .create(
            &format!("/api/projects/{}/bridges", machine.project),
            json!({"platform": "dingtalk", "worker_id": machine.worker, "app_key": "dingbot", "app_secret": secret}),
        )
        .await;
    let picture = json!({"msgId": unique("msg"), "msgtype": "picture", "conversationId": "cid-pic", "conversationType": "1",
        "senderId": "$:LWCP_v1:$dee", "senderNick": "Dee", "senderStaffId": "staff-dee",
        "sessionWebhook": format!("{}/robot/sendBySession?session=p", fake.url),
        "sessionWebhookExpiredTime": now_ms() + 3_600_000, "robotCode": "dingbot",
        "content": {"downloadCode": "code1", "pictureDownloadCode": "code2"}});
    let timestamp = now_ms().to_string();
    let sign = edge::bridges::dingtalk::sign(&timestamp, secret);
    let (status, _) = outside
        .send(
            outside
                .request(reqwest::Method::POST, &format!("/api/bridges/dingtalk/{}", ding["id"]))
                .header("timestamp", timestamp)
                .header("sign", sign)
                .json(&picture),
        )
        .await;
    assert_eq!(status, 200);
    let asked = until_received(&fake, "/v1.0/robot/messageFiles/download", 1).await;
    assert_eq!(asked[0].body["downloadCode"], "code1");
    assert_eq!(asked[0].token.as_deref(), Some(DINGTALK_TOKEN));
    until_received(&fake, "/files/code1.png", 1).await;
    until_received(&fake, "/robot/sendBySession", 1).await;
    let sessions = admin.fetch(&format!("/api/projects/{}/sessions", machine.project)).await;
    let newest = sessions["items"].as_array().unwrap().iter().filter_map(|s| s["id"].as_i64()).max().unwrap();
    assert_ne!(newest, session);
    let saved = machine.worktrees.join(format!("S-{newest}")).join("attachments/picture-1.png");
    assert_eq!(std::fs::read(&saved).unwrap(), e2e::fake_chat::PICTURE);
}
