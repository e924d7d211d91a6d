//! Pictures from the chat: a DingTalk picture (its download code, exchanged for a URL through
//! the robot API) or a Feishu image (its key, read through the IM API's message resources)
//! fetched and kept as a session attachment, which the worker saves into the worktree like any
//! other. A picture that cannot be fetched does not stop the message: it says so instead.

use serde_json::{json, Value};
use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use super::BridgeRow;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::sessions::attachments::{self, Owner, MAX_ATTACHMENT_BYTES};
use protocol::api::Attachment;
use protocol::bridge::Platform;
use protocol::error::ErrorCode;

/// GETs `url` (with `headers`); answers its bytes and type, refusing more than an attachment's
/// limit.
async fn get_bytes(url: &str, headers: &[(&str, &str)]) -> ApiResult<(Vec<u8>, String)> {
    let h = Headers::new();
    for (name, value) in headers {
        h.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(h).with_redirect(RequestRedirect::Follow);
    let mut response = Fetch::Request(Request::new_with_init(url, &init)?)
        .send()
        .await
        .map_err(|e| ApiError::new(ErrorCode::UpstreamFailed, format!("cannot fetch the picture: {e}")))?;
    if !(200..300).contains(&response.status_code()) {
        return Err(ApiError::new(
            ErrorCode::UpstreamFailed,
            format!("the picture answered {}", response.status_code()),
        ));
    }
    let kind = response.headers().get("content-type").ok().flatten().unwrap_or_else(|| "image/png".into());
    let bytes = response.bytes().await?;
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(ApiError::new(ErrorCode::UpstreamFailed, "the picture is larger than 10 MiB"));
    }
    Ok((bytes, kind))
}

/// One picture's bytes and type, from its platform.
async fn fetch(ctx: &Ctx, bridge: &BridgeRow, reply_to: &Value, key: &str) -> ApiResult<(Vec<u8>, String)> {
    match bridge.platform() {
        Platform::Dingtalk => {
            let token = super::replies::dingtalk_token(ctx, bridge).await?;
            let robot = reply_to.get("robot_code").and_then(Value::as_str).unwrap_or(&bridge.app_key);
            let url = format!("{}/v1.0/robot/messageFiles/download", super::replies::dingtalk_api(ctx));
            let body = json!({"downloadCode": key, "robotCode": robot});
            let answer = super::replies::post_json(&url, &[("x-acs-dingtalk-access-token", &token)], &body).await?;
            let link = answer
                .get("downloadUrl")
                .and_then(Value::as_str)
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
            let link = link.ok_or_else(|| ApiError::new(ErrorCode::UpstreamFailed, "DingTalk gave no download URL"))?;
            get_bytes(link, &[]).await
        }
        Platform::Feishu => {
            let message = reply_to.get("message_id").and_then(Value::as_str).unwrap_or_default();
            let safe = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !safe(message) || !safe(key) {
                return Err(ApiError::new(ErrorCode::UpstreamFailed, "not a Feishu message or image key"));
            }
            let token = super::replies::feishu_token(ctx, bridge).await?;
            let url = format!(
                "{}/open-apis/im/v1/messages/{message}/resources/{key}?type=image",
                super::replies::feishu_api(ctx)
            );
            get_bytes(&url, &[("authorization", &format!("Bearer {token}"))]).await
        }
    }
}

/// The file name a picture is saved as.
fn name_of(n: usize, kind: &str) -> String {
    let extension = match kind.split(';').next().unwrap_or("").trim() {
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => "png",
    };
    format!("picture-{n}.{extension}")
}

/// Fetches the pictures `keys` into session `session_id`'s attachments; answers them, and a
/// line for each that could not be fetched.
pub(crate) async fn pictures(
    ctx: &Ctx,
    bridge: &BridgeRow,
    reply_to: &Value,
    session_id: i64,
    keys: &[String],
) -> (Vec<Attachment>, Vec<String>) {
    let (mut kept, mut lost) = (Vec::new(), Vec::new());
    for (i, key) in keys.iter().take(20).enumerate() {
        let stored = match fetch(ctx, bridge, reply_to, key).await {
            Ok((bytes, kind)) => {
                attachments::store(ctx, Owner::Session(session_id), &name_of(i + 1, &kind), &kind, bytes, None).await
            }
            Err(err) => Err(err),
        };
        match stored {
            Ok(attachment) => kept.push(attachment),
            Err(err) => lost.push(format!("(picture {} could not be fetched: {})", i + 1, err.message)),
        }
    }
    (kept, lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_named_by_their_type() {
        assert_eq!(name_of(1, "image/jpeg"), "picture-1.jpg");
        assert_eq!(name_of(2, "image/png; charset=binary"), "picture-2.png");
        assert_eq!(name_of(3, "application/octet-stream"), "picture-3.png");
    }
}
