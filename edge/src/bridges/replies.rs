//! Answers into the chat: when a turn of a bridged session ends, its answer (the turn's last
//! agent message, or why it failed) goes to the chat the session talks to, once.
//!
//! - Once: a `bridge_replies` row claims (session, message) before anything is sent; a second
//!   end of the same turn (a retried worker POST) finds it taken. A send that fails is
//!   recorded as `failed` with the platform's answer, not retried (a chat message twice is
//!   worse than one lost; the transcript has it).
//! - DingTalk: the message's `sessionWebhook` while it is valid (a minute of margin), else the
//!   robot's send API with an access token; Markdown; in a group the sender is `@`-ed.
//!   The `sessionWebhook` is followed only on DingTalk's own origin.
//! - Feishu: a reply to the message through the IM API, with the tenant access token, kept
//!   sealed in `bridge_tokens` until five minutes before it expires.
//! - An agent's question or approval is put to the chat the same way ([`asked`]).
//! - A long answer is cut at [`MAX_CHARS`] and links to a read-only share page of the session
//!   (valid for a week).
//!
//! The platforms' base URLs are variables (`BATON_DINGTALK_API_URL`, `BATON_DINGTALK_OAPI_URL`,
//! `BATON_FEISHU_API_URL`), so the tests point them at a local fake.

use protocol::agent::AgentEvent;
use protocol::event::{EventBody, EventPage};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use super::BridgeRow;
use crate::crypto::sealed;
use crate::http::error::{ApiError, ApiResult};
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;
use crate::platform::db;
use protocol::bridge::Platform;
use protocol::error::ErrorCode;

/// The longest answer posted whole.
pub const MAX_CHARS: usize = 3000;

fn var(ctx: &Ctx, name: &str, default: &str) -> String {
    let value = ctx.env.var(name).map(|v| v.to_string()).unwrap_or_default();
    let value = if value.is_empty() { default.to_owned() } else { value };
    value.trim_end_matches('/').to_owned()
}

pub(super) fn dingtalk_api(ctx: &Ctx) -> String {
    var(ctx, "BATON_DINGTALK_API_URL", "https://api.dingtalk.com")
}

fn dingtalk_oapi(ctx: &Ctx) -> String {
    var(ctx, "BATON_DINGTALK_OAPI_URL", "https://oapi.dingtalk.com")
}

pub(super) fn feishu_api(ctx: &Ctx) -> String {
    var(ctx, "BATON_FEISHU_API_URL", "https://open.feishu.cn")
}

/// What a turn comes to for the chat: its last agent message, or why it failed.
pub fn answer_of(events: &[EventBody], message_seq: u64, error: Option<&str>) -> String {
    if let Some(error) = error {
        return format!("The agent stopped: {error}");
    }
    let last = events.iter().rev().find_map(|e| match e {
        EventBody::AgentEvent { message_seq: seq, event: AgentEvent::AgentMessage { text } }
            if *seq == message_seq && !text.trim().is_empty() =>
        {
            Some(text.trim().to_owned())
        }
        _ => None,
    });
    last.unwrap_or_else(|| "Done (the agent said nothing).".to_owned())
}

/// `text` whole, or cut at [`MAX_CHARS`] with a pointer to the rest.
pub fn cut(text: &str, rest_at: Option<&str>) -> String {
    if text.chars().count() <= MAX_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(MAX_CHARS).collect();
    match rest_at {
        Some(url) => format!("{head}…\n\nThe whole answer: {url}"),
        None => format!("{head}…"),
    }
}

#[derive(Deserialize)]
struct ChatRow {
    bridge_id: i64,
    reply_to: String,
}

/// A turn of session `session_id` ended (`error`: how it failed). Never fails its caller: a
/// reply that cannot go is logged and recorded.
pub async fn turn_ended(ctx: &Ctx, origin: &str, session_id: i64, message_seq: u64, error: Option<&str>) {
    if let Err(err) = try_turn_ended(ctx, origin, session_id, message_seq, error).await {
        worker::console_error!("the chat answer of S-{session_id} #{message_seq} was not sent: {}", err.message);
    }
}

async fn try_turn_ended(
    ctx: &Ctx,
    origin: &str,
    session_id: i64,
    message_seq: u64,
    error: Option<&str>,
) -> ApiResult<()> {
    let Some((chat, bridge)) = chat_of(ctx, session_id).await? else { return Ok(()) };
    let seq = i64::try_from(message_seq).unwrap_or(i64::MAX);
    let claimed = ctx
        .db
        .run(
            "INSERT INTO bridge_replies (session_id, message_seq, bridge_id, status, at) VALUES (?1, ?2, ?3, 'sending', ?4)
             ON CONFLICT DO NOTHING",
            &[db::int(session_id), db::int(seq), db::int(bridge.id), db::int(ctx.now)],
        )
        .await?;
    if claimed == 0 {
        return Ok(());
    }
    let mut page = hub::page(&ctx.env, &StreamKey::session(session_id), message_seq, 1000).await?;
    let page: EventPage = page.json().await.map_err(ApiError::internal)?;
    let events: Vec<EventBody> = page.items.into_iter().map(|e| e.body).collect();
    let answer = answer_of(&events, message_seq, error);
    let rest_at = if answer.chars().count() > MAX_CHARS {
        let token = crate::sessions::shares::mint_read(ctx, session_id, 7 * 24 * 3600).await?;
        Some(format!("{origin}/s/{token}"))
    } else {
        None
    };
    let text = cut(&answer, rest_at.as_deref());
    let sent = send_text(ctx, &bridge, &chat.reply_to, &text).await;
    let (status, why) = match &sent {
        Ok(()) => ("sent", None),
        Err(err) => ("failed", Some(err.message.clone())),
    };
    ctx.db
        .run(
            "UPDATE bridge_replies SET status = ?3, error = ?4, at = ?5 WHERE session_id = ?1 AND message_seq = ?2",
            &[db::int(session_id), db::int(seq), db::text(status), db::opt_text(why.as_deref()), db::int(ctx.now)],
        )
        .await?;
    sent
}

/// Posts `text` to the chat `reply_to` (a `bridge_chats` row's) names.
async fn send_text(ctx: &Ctx, bridge: &BridgeRow, reply_to: &str, text: &str) -> ApiResult<()> {
    let reply_to: Value = serde_json::from_str(reply_to).unwrap_or(Value::Null);
    match bridge.platform() {
        Platform::Dingtalk => send_dingtalk(ctx, bridge, &reply_to, text).await,
        Platform::Feishu => send_feishu(ctx, bridge, &reply_to, text).await,
    }
}

/// Tells the chat `reply_to` something at once (a Feishu message waits for an offline worker,
/// a new session began). Never fails its caller.
pub(crate) async fn tell(ctx: &Ctx, bridge: &BridgeRow, reply_to: &str, text: &str) {
    if let Err(err) = send_text(ctx, bridge, reply_to, text).await {
        worker::console_error!("bridge {}: the chat was not told: {}", bridge.id, err.message);
    }
}

/// The chat a session last heard from, and its bridge.
async fn chat_of(ctx: &Ctx, session_id: i64) -> ApiResult<Option<(ChatRow, BridgeRow)>> {
    let chat: Option<ChatRow> = ctx
        .db
        .first(
            "SELECT bridge_id, reply_to FROM bridge_chats WHERE session_id = ?1 ORDER BY updated_at DESC LIMIT 1",
            &[db::int(session_id)],
        )
        .await?;
    let Some(chat) = chat else { return Ok(None) };
    Ok(super::by_id(ctx, chat.bridge_id).await?.map(|bridge| (chat, bridge)))
}

/// An agent of a bridged session asks (a question, an approval): the chat is asked too, and
/// its next message answers (see `inbound`). Never fails its caller.
pub async fn asked(ctx: &Ctx, input: &protocol::api::Input) {
    let go = async {
        let Some((chat, bridge)) = chat_of(ctx, input.session_id).await? else { return Ok(()) };
        send_text(ctx, &bridge, &chat.reply_to, &super::asking::prompt_for(input)).await
    };
    if let Err(err) = go.await {
        worker::console_error!("S-{}: the chat was not asked: {}", input.session_id, err.message);
    }
}

/// POSTs `body` as JSON to `url` with `headers`; answers the platform's JSON.
pub(super) async fn post_json(url: &str, headers: &[(&str, &str)], body: &Value) -> ApiResult<Value> {
    let h = Headers::new();
    h.set("content-type", "application/json; charset=utf-8")?;
    for (name, value) in headers {
        h.set(name, value)?;
    }
    let mut init = RequestInit::new();
    // Never followed: a redirect would carry a token wherever it points.
    init.with_method(Method::Post)
        .with_headers(h)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(body.to_string().into()));
    let request = Request::new_with_init(url, &init)?;
    let mut response = Fetch::Request(request)
        .send()
        .await
        .map_err(|e| ApiError::new(ErrorCode::UpstreamFailed, format!("cannot reach the chat platform: {e}")))?;
    let status = response.status_code();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        return Err(ApiError::new(ErrorCode::UpstreamFailed, format!("the chat platform answered {status}: {answer}")));
    }
    Ok(answer)
}

/// A platform's "it went wrong" inside a 200: DingTalk's `errcode`, Feishu's `code`.
fn platform_error(answer: &Value) -> Option<String> {
    let code = answer.get("errcode").or_else(|| answer.get("code")).and_then(Value::as_i64).unwrap_or(0);
    (code != 0).then(|| format!("the chat platform refused: {answer}"))
}

async fn send_dingtalk(ctx: &Ctx, bridge: &BridgeRow, reply_to: &Value, text: &str) -> ApiResult<()> {
    let staff = reply_to.get("sender_staff_id").and_then(Value::as_str);
    let in_group = reply_to.get("in_group").and_then(Value::as_bool).unwrap_or(false);
    let webhook = reply_to.get("session_webhook").and_then(Value::as_str);
    let expires = reply_to.get("expires").and_then(Value::as_i64).unwrap_or(0);
    let oapi = format!("{}/", dingtalk_oapi(ctx));
    let mentioned = match (in_group, staff) {
        (true, Some(s)) => format!("@{s} {text}"),
        _ => text.to_owned(),
    };
    if let Some(url) = webhook.filter(|u| u.starts_with(&oapi) && expires > ctx.now + 60_000) {
        let at = match (in_group, staff) {
            (true, Some(s)) => json!({"atUserIds": [s]}),
            _ => json!({}),
        };
        let body = json!({"msgtype": "markdown", "markdown": {"title": "baton", "text": mentioned}, "at": at});
        let answer = post_json(url, &[], &body).await?;
        return platform_error(&answer).map_or(Ok(()), |e| Err(ApiError::new(ErrorCode::UpstreamFailed, e)));
    }
    // The session webhook has expired: the robot's own API.
    let token = dingtalk_token(ctx, bridge).await?;
    let robot = reply_to.get("robot_code").and_then(Value::as_str).unwrap_or(&bridge.app_key);
    let param = json!({"title": "baton", "text": mentioned}).to_string();
    let api = dingtalk_api(ctx);
    let (url, body) = if in_group {
        let conversation = reply_to.get("conversation_id").and_then(Value::as_str).unwrap_or_default();
        (
            format!("{api}/v1.0/robot/groupMessages/send"),
            json!({"robotCode": robot, "openConversationId": conversation, "msgKey": "sampleMarkdown", "msgParam": param}),
        )
    } else {
        let user = staff.ok_or_else(|| ApiError::new(ErrorCode::UpstreamFailed, "no staff id to write to"))?;
        (
            format!("{api}/v1.0/robot/oToMessages/batchSend"),
            json!({"robotCode": robot, "userIds": [user], "msgKey": "sampleMarkdown", "msgParam": param}),
        )
    };
    post_json(&url, &[("x-acs-dingtalk-access-token", &token)], &body).await?;
    Ok(())
}

async fn send_feishu(ctx: &Ctx, bridge: &BridgeRow, reply_to: &Value, text: &str) -> ApiResult<()> {
    let message = reply_to
        .get("message_id")
        .and_then(Value::as_str)
        .filter(|m| m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .ok_or_else(|| ApiError::new(ErrorCode::UpstreamFailed, "no message to reply to"))?;
    let token = feishu_token(ctx, bridge).await?;
    let url = format!("{}/open-apis/im/v1/messages/{message}/reply", feishu_api(ctx));
    let body = json!({"msg_type": "text", "content": json!({"text": text}).to_string()});
    let answer = post_json(&url, &[("authorization", &format!("Bearer {token}"))], &body).await?;
    platform_error(&answer).map_or(Ok(()), |e| Err(ApiError::new(ErrorCode::UpstreamFailed, e)))
}

/// Adds a reaction to the chat message the agent is working on (Feishu): a best effort.
pub(crate) async fn react(ctx: &Ctx, bridge: &BridgeRow, message_id: &str) {
    let go = async {
        let token = feishu_token(ctx, bridge).await?;
        let url = format!("{}/open-apis/im/v1/messages/{message_id}/reactions", feishu_api(ctx));
        let body = json!({"reaction_type": {"emoji_type": "OnIt"}});
        post_json(&url, &[("authorization", &format!("Bearer {token}"))], &body).await.map(|_| ())
    };
    if let Err(err) = go.await {
        worker::console_error!("no reaction on a Feishu message of bridge {}: {}", bridge.id, err.message);
    }
}

#[derive(Deserialize)]
struct TokenRow {
    token_sealed: String,
    expires_at: i64,
}

/// The bridge's platform token: the kept one while it has five minutes left, else a new one.
async fn cached_token<F, Fut>(ctx: &Ctx, bridge: &BridgeRow, fetch: F) -> ApiResult<String>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ApiResult<(String, i64)>>,
{
    let key = sealed::key(&ctx.env)?;
    let kept: Option<TokenRow> = ctx
        .db
        .first("SELECT token_sealed, expires_at FROM bridge_tokens WHERE bridge_id = ?1", &[db::int(bridge.id)])
        .await?;
    if let Some(kept) = kept.filter(|k| k.expires_at > ctx.now + 300_000) {
        return sealed::open(&key, &kept.token_sealed);
    }
    let secret = sealed::open(&key, &bridge.app_secret_sealed)?;
    let (token, expires_in_s) = fetch(secret).await?;
    ctx.db
        .run(
            "INSERT INTO bridge_tokens (bridge_id, token_sealed, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (bridge_id) DO UPDATE SET token_sealed = ?2, expires_at = ?3",
            &[db::int(bridge.id), db::text(&sealed::seal(&key, &token)?), db::int(ctx.now + expires_in_s * 1000)],
        )
        .await?;
    Ok(token)
}

pub(super) async fn dingtalk_token(ctx: &Ctx, bridge: &BridgeRow) -> ApiResult<String> {
    let url = format!("{}/v1.0/oauth2/accessToken", dingtalk_api(ctx));
    cached_token(ctx, bridge, |secret| async move {
        let answer = post_json(&url, &[], &json!({"appKey": bridge.app_key, "appSecret": secret})).await?;
        let token = answer.get("accessToken").and_then(Value::as_str);
        let expires = answer.get("expireIn").and_then(Value::as_i64).unwrap_or(7200);
        let token = token.ok_or_else(|| ApiError::new(ErrorCode::UpstreamFailed, "DingTalk gave no access token"))?;
        Ok((token.to_owned(), expires))
    })
    .await
}

pub(super) async fn feishu_token(ctx: &Ctx, bridge: &BridgeRow) -> ApiResult<String> {
    let url = format!("{}/open-apis/auth/v3/tenant_access_token/internal", feishu_api(ctx));
    cached_token(ctx, bridge, |secret| async move {
        let answer = post_json(&url, &[], &json!({"app_id": bridge.app_key, "app_secret": secret})).await?;
        if let Some(e) = platform_error(&answer) {
            return Err(ApiError::new(ErrorCode::UpstreamFailed, e));
        }
        let token = answer.get("tenant_access_token").and_then(Value::as_str);
        let expires = answer.get("expire").and_then(Value::as_i64).unwrap_or(7200);
        let token = token.ok_or_else(|| ApiError::new(ErrorCode::UpstreamFailed, "Feishu gave no tenant token"))?;
        Ok((token.to_owned(), expires))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(seq: u64, text: &str) -> EventBody {
        EventBody::AgentEvent { message_seq: seq, event: AgentEvent::AgentMessage { text: text.into() } }
    }

    #[test]
    fn the_answer_is_the_turn_s_last_agent_message_or_why_it_failed() {
        let events = [
            said(3, "looking"),
            said(3, "fixed it"),
            said(9, "another turn"),
            EventBody::TurnComplete { message_seq: 3 },
        ];
        assert_eq!(answer_of(&events, 3, None), "fixed it");
        assert_eq!(answer_of(&events, 3, Some("rate limited")), "The agent stopped: rate limited");
        assert!(answer_of(&events, 4, None).starts_with("Done"));
    }

    #[test]
    fn a_long_answer_is_cut_with_a_link_to_the_rest() {
        let long = "é".repeat(MAX_CHARS + 10);
        let cut_text = cut(&long, Some("https://b.example/s/bts_x"));
        assert!(cut_text.starts_with(&"é".repeat(MAX_CHARS)));
        assert!(cut_text.ends_with("The whole answer: https://b.example/s/bts_x"));
        assert_eq!(cut("short", Some("u")), "short");
    }
}
