//! The callbacks the platforms call: `POST /api/bridges/dingtalk/:id` and
//! `POST /api/bridges/feishu/:id`.
//!
//! Order matters, as for GitHub's webhook: the body is read (bounded) and verified before
//! anything parses it, and an unknown bridge answers exactly what a bad signature answers
//! (401), both counted against the client's rate limit. A verified delivery is claimed by its
//! id (DingTalk's `msgId`, Feishu's `event_id`) in one insert: a retry, a replay or a storm of
//! the same delivery finds it taken and changes nothing; a claim whose work then failed is
//! given back, so the platform's retry can apply it.
//!
//! A conversation (a one-to-one chat; a group chat and its sender; a Feishu thread) keeps its
//! session while it lives; `/new` gives it a fresh one. The message goes into the session
//! through the bridge's prompt template, authored by the sender (kind `chat`); while the
//! session's agent waits for a person (a question, an approval), the message answers it
//! instead (`asking`).

use protocol::error::ErrorCode;
use protocol::event::{Author, AuthorKind, EventBody};
use serde::Deserialize;
use serde_json::json;
use worker::{Request, Response};

use super::{dingtalk, feishu, BridgeRow};
use crate::access::cache::SessionScope;
use crate::access::limits::{self, Limit};
use crate::crypto::sealed;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::{http::body, http::respond, platform::db};
use protocol::bridge::Platform;

/// What a platform's chat message comes to, once verified and read.
struct Delivery {
    /// The platform's id of the delivery (deduplication).
    id: String,
    /// The conversation (see the module doc).
    chat_key: String,
    /// Shown in the prompt and as the author.
    sender: String,
    chat: String,
    said: dingtalk::Said,
    /// Where an answer goes (the platform's reply target).
    reply_to: serde_json::Value,
}

/// The one refusal of a callback that is not verified (or names no bridge).
fn unverified(what: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, format!("{what} is missing or wrong"))
}

async fn verified_bridge(
    ctx: &Ctx,
    req: &Request,
    id: i64,
    platform: Platform,
    check: impl FnOnce(&BridgeRow, &[u8; 32]) -> ApiResult<bool>,
    what: &str,
) -> ApiResult<BridgeRow> {
    let limit = [Limit::webhook_client(&limits::client(req))];
    limits::check(ctx, &limit, "chat deliveries from this client").await?;
    let key = sealed::key(&ctx.env)?;
    let bridge = super::by_id(ctx, id).await?.filter(|b| b.platform() == platform);
    let verified = match &bridge {
        Some(b) => check(b, &key)?,
        None => false,
    };
    match bridge.filter(|_| verified) {
        Some(b) => Ok(b),
        None => {
            limits::fail(ctx, &limit).await?;
            Err(unverified(what))
        }
    }
}

/// `POST /api/bridges/dingtalk/:id`.
pub async fn dingtalk(ctx: &Ctx, req: &mut Request, id: i64) -> ApiResult<Response> {
    let raw = body::read_limited(req, body::MAX_BODY_BYTES).await?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (timestamp, sign) = (header("timestamp"), header("sign"));
    let check = |b: &BridgeRow, key: &[u8; 32]| -> ApiResult<bool> {
        let secret = sealed::open(key, &b.app_secret_sealed)?;
        Ok(dingtalk::verify(timestamp.as_deref(), sign.as_deref(), &secret, ctx.now).is_ok())
    };
    let bridge = verified_bridge(ctx, req, id, Platform::Dingtalk, check, "the timestamp or sign header").await?;
    let incoming: dingtalk::Incoming = serde_json::from_slice(&raw)
        .map_err(|e| ApiError::new(ErrorCode::InvalidJson, format!("not a DingTalk message: {e}")))?;
    let Some(said) = incoming.said() else {
        return Ok(dingtalk_reply("baton takes text, rich text, pictures and voice messages; not this kind."));
    };
    let chat_key = if incoming.in_group() {
        format!("{}:{}", incoming.conversation_id, incoming.sender_id)
    } else {
        incoming.conversation_id.clone()
    };
    let delivery = Delivery {
        id: incoming.msg_id.clone(),
        chat_key,
        sender: if incoming.sender_nick.is_empty() { "someone".into() } else { incoming.sender_nick.clone() },
        chat: incoming.conversation_title.clone().unwrap_or_else(|| "DingTalk".into()),
        said,
        reply_to: json!({
            "session_webhook": incoming.session_webhook,
            "expires": incoming.session_webhook_expired_time,
            "conversation_id": incoming.conversation_id,
            "sender_staff_id": incoming.sender_staff_id,
            "in_group": incoming.in_group(),
            "robot_code": incoming.robot_code,
        }),
    };
    match take(ctx, &bridge, delivery).await? {
        Taken::Duplicate | Taken::Posted { queued: false, .. } => Ok(respond::ok(&json!({}))),
        Taken::Posted { queued: true, session } => Ok(dingtalk_reply(&offline(&session))),
        Taken::NewSession(session) => Ok(dingtalk_reply(&format!("A new session: {session}."))),
        Taken::Answered(session) => Ok(dingtalk_reply(&format!("Answered; the agent of {session} goes on."))),
        Taken::NoWorker => Ok(dingtalk_reply(NO_WORKER)),
    }
}

/// What the chat is told when its message waits for an offline worker.
fn offline(session: &str) -> String {
    format!("Your message is in {session}; its worker is offline, so the agent answers when it is back.")
}

const NO_WORKER: &str = "This bot has no worker: ask its owner to set one (baton bridge set).";

/// An answer DingTalk posts into the chat itself.
fn dingtalk_reply(text: &str) -> Response {
    respond::ok(&json!({"msgtype": "text", "text": {"content": text}}))
}

#[derive(Deserialize)]
struct Encrypted {
    encrypt: String,
}

/// `POST /api/bridges/feishu/:id`.
pub async fn feishu(ctx: &Ctx, req: &mut Request, id: i64) -> ApiResult<Response> {
    let raw = body::read_limited(req, body::MAX_BODY_BYTES).await?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (timestamp, nonce, signature) =
        (header("x-lark-request-timestamp"), header("x-lark-request-nonce"), header("x-lark-signature"));
    // The plaintext, once the bridge is known: decrypted when the app encrypts.
    let mut plain: Option<(feishu::Callback, bool)> = None;
    let check = |b: &BridgeRow, key: &[u8; 32]| -> ApiResult<bool> {
        let Some(token) = &b.verification_token_sealed else { return Ok(false) };
        let token = sealed::open(key, token)?;
        let text = match &b.encrypt_key_sealed {
            Some(sealed_key) => {
                let encrypt_key = sealed::open(key, sealed_key)?;
                let signed =
                    feishu::signed(timestamp.as_deref(), nonce.as_deref(), signature.as_deref(), &encrypt_key, &raw);
                let Ok(body) = serde_json::from_slice::<Encrypted>(&raw) else { return Ok(false) };
                let Some(text) = feishu::decrypt(&encrypt_key, &body.encrypt) else { return Ok(false) };
                let Ok(callback) = serde_json::from_str::<feishu::Callback>(&text) else { return Ok(false) };
                // The URL check comes unsigned; every event must be signed.
                if !signed && callback.url_check().is_none() {
                    return Ok(false);
                }
                callback
            }
            None => match serde_json::from_slice::<feishu::Callback>(&raw) {
                Ok(callback) => callback,
                Err(_) => return Ok(false),
            },
        };
        let has_token = text.has_token(&token);
        plain = Some((text, has_token));
        Ok(has_token)
    };
    let bridge = verified_bridge(ctx, req, id, Platform::Feishu, check, "the signature or verification token").await?;
    let Some((callback, _)) = plain else { return Err(unverified("the verification token")) };
    if let Some(challenge) = callback.url_check() {
        return Ok(respond::ok(&json!({ "challenge": challenge })));
    }
    let Some(header) = &callback.header else { return Ok(respond::ok(&json!({}))) };
    let Some(message) = callback.message() else { return Ok(respond::ok(&json!({}))) };
    let chat_key = match (&message.root_id, message.chat_type.as_str()) {
        (Some(root), _) => format!("thread:{root}"),
        (None, "p2p") => message.chat_id.clone(),
        (None, _) => format!("{}:{}", message.chat_id, message.sender),
    };
    let delivery = Delivery {
        id: header.event_id.clone(),
        chat_key,
        sender: message.sender.clone(),
        chat: if message.chat_type == "p2p" { "a direct chat".into() } else { "a Feishu group".into() },
        said: message.said.clone(),
        reply_to: json!({"message_id": message.message_id, "chat_id": message.chat_id}),
    };
    // Feishu wants its answer at once: the agent's reply goes through its IM API when the
    // turn ends; meanwhile a reaction says the message was taken.
    let reply_to = delivery.reply_to.to_string();
    let said = match take(ctx, &bridge, delivery).await? {
        Taken::Posted { queued: false, .. } => None,
        Taken::Posted { queued: true, session } => Some(offline(&session)),
        Taken::NewSession(session) => Some(format!("A new session: {session}.")),
        Taken::NoWorker => Some(NO_WORKER.to_owned()),
        Taken::Duplicate | Taken::Answered(_) => return Ok(respond::ok(&json!({}))),
    };
    let message_id = message.message_id.clone();
    ctx.after_response(move |ctx| async move {
        match said {
            // Told at once, in the chat: the message waits, or a new session began.
            Some(text) => super::replies::tell(&ctx, &bridge, &reply_to, &text).await,
            // Taken: a reaction says so while the agent works.
            None => super::replies::react(&ctx, &bridge, &message_id).await,
        }
    });
    Ok(respond::ok(&json!({})))
}

/// What became of a delivery.
enum Taken {
    Duplicate,
    Posted {
        session: String,
        queued: bool,
    },
    NewSession(String),
    /// The message answered the agent's waiting request in the session.
    Answered(String),
    NoWorker,
}

/// Claims the delivery, then applies it; gives the claim back if applying fails.
async fn take(ctx: &Ctx, bridge: &BridgeRow, delivery: Delivery) -> ApiResult<Taken> {
    let claimed = ctx
        .db
        .run(
            "INSERT INTO bridge_deliveries (bridge_id, delivery_id, received_at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            &[db::int(bridge.id), db::text(&delivery.id), db::int(ctx.now)],
        )
        .await?;
    if claimed == 0 {
        return Ok(Taken::Duplicate);
    }
    let (id, bridge_id) = (delivery.id.clone(), bridge.id);
    match apply(ctx, bridge, delivery).await {
        Ok(taken) => Ok(taken),
        Err(err) => {
            ctx.db
                .run(
                    "DELETE FROM bridge_deliveries WHERE bridge_id = ?1 AND delivery_id = ?2",
                    &[db::int(bridge_id), db::text(&id)],
                )
                .await?;
            Err(err)
        }
    }
}

#[derive(Deserialize)]
struct ChatRow {
    session_id: i64,
}

async fn apply(ctx: &Ctx, bridge: &BridgeRow, delivery: Delivery) -> ApiResult<Taken> {
    let Some(worker_id) = bridge.worker_id else { return Ok(Taken::NoWorker) };
    let fresh = delivery.said.text.trim() == "/new";
    let existing: Option<ChatRow> = if fresh {
        None
    } else {
        ctx.db
            .first(
                "SELECT c.session_id FROM bridge_chats c JOIN sessions s ON s.id = c.session_id
                 WHERE c.bridge_id = ?1 AND c.chat_key = ?2",
                &[db::int(bridge.id), db::text(&delivery.chat_key)],
            )
            .await?
    };
    let scope: SessionScope = match existing {
        Some(row) => crate::sessions::scope_and_row(ctx, row.session_id).await?.0,
        None => {
            let name = format!("{} chat", bridge.platform().as_str());
            let notice = format!("session opened from {} by {}", delivery.chat, delivery.sender);
            crate::sessions::open_for_chat(ctx, bridge.project_id, worker_id, &name, &notice).await?
        }
    };
    ctx.db
        .run(
            "INSERT INTO bridge_chats (bridge_id, chat_key, session_id, reply_to, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (bridge_id, chat_key) DO UPDATE SET session_id = ?3, reply_to = ?4, updated_at = ?5",
            &[
                db::int(bridge.id),
                db::text(&delivery.chat_key),
                db::int(scope.id),
                db::text(&delivery.reply_to.to_string()),
                db::int(ctx.now),
            ],
        )
        .await?;
    let handle = protocol::handle::Handle::session(scope.id).to_string();
    if fresh {
        return Ok(Taken::NewSession(handle));
    }
    // The agent waits for an answer: this message is it (unless someone answered first).
    if let Some(pending) = crate::sessions::inputs::oldest_pending(ctx, scope.id).await? {
        let author = Author::new(AuthorKind::Chat, bridge.id, delivery.sender.clone());
        let answer = super::asking::answer_from(&pending, &delivery.said.text);
        if crate::sessions::inputs::answer_with(ctx, scope, &pending.request_id, &author, answer).await.is_ok() {
            return Ok(Taken::Answered(handle));
        }
    }
    let (attachments, lost) =
        super::media::pictures(ctx, bridge, &delivery.reply_to, scope.id, &delivery.said.pictures).await;
    let mut said = delivery.said.text.clone();
    if said.is_empty() && !attachments.is_empty() {
        said = "(a picture)".to_owned();
    }
    for line in lost {
        said.push('\n');
        said.push_str(&line);
    }
    let text = bridge
        .prompt()
        .replace("{sender}", &delivery.sender)
        .replace("{chat}", &delivery.chat)
        .replace("{text}", said.trim());
    let author = Author::new(AuthorKind::Chat, bridge.id, delivery.sender.clone());
    let message = EventBody::UserMessage { text, author, attachments };
    let posted = crate::sessions::post_checked(ctx, scope, message).await?;
    Ok(Taken::Posted { session: handle, queued: posted.queued == Some(true) })
}
