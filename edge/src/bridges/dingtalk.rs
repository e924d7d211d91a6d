//! DingTalk's HTTP callback, the pure part: the signature every delivery carries, and the
//! message it brings.
//!
//! DingTalk signs each callback with two headers: `timestamp` (unix ms) and `sign`, the base64
//! of HMAC-SHA256 over `timestamp + "\n" + appSecret` keyed by the app secret. A delivery is
//! accepted only when the sign matches (compared in constant time) and the timestamp is within
//! an hour of now, before anything parses its body.

use base64::Engine;
use serde::Deserialize;

use crate::crypto::secrets::constant_time_eq;
use crate::crypto::signature::hmac_sha256;

/// How far a delivery's timestamp may be from now.
pub const MAX_SKEW_MS: i64 = 3_600_000;

/// Why a delivery is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No timestamp or no sign header, or one that is not a number.
    Missing,
    /// The timestamp is more than [`MAX_SKEW_MS`] from now.
    Stale,
    /// The sign does not match.
    BadSign,
}

/// The `sign` DingTalk sends with `timestamp` for an app with `secret`.
pub fn sign(timestamp: &str, secret: &str) -> String {
    let mac = hmac_sha256(secret.as_bytes(), format!("{timestamp}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac)
}

/// Checks a delivery's `timestamp` and `sign` headers at `now_ms`.
pub fn verify(timestamp: Option<&str>, given: Option<&str>, secret: &str, now_ms: i64) -> Result<(), Refusal> {
    let (Some(timestamp), Some(given)) = (timestamp.map(str::trim), given.map(str::trim)) else {
        return Err(Refusal::Missing);
    };
    let at: i64 = timestamp.parse().map_err(|_| Refusal::Missing)?;
    if (now_ms - at).abs() > MAX_SKEW_MS {
        return Err(Refusal::Stale);
    }
    if constant_time_eq(sign(timestamp, secret).as_bytes(), given.as_bytes()) {
        Ok(())
    } else {
        Err(Refusal::BadSign)
    }
}

/// A message to the robot, as much of it as baton uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incoming {
    pub msg_id: String,
    pub msgtype: String,
    pub conversation_id: String,
    /// `1`: a one-to-one chat; `2`: a group.
    #[serde(default)]
    pub conversation_type: String,
    pub sender_id: String,
    #[serde(default)]
    pub sender_nick: String,
    #[serde(default)]
    pub sender_staff_id: Option<String>,
    #[serde(default)]
    pub conversation_title: Option<String>,
    #[serde(default)]
    pub session_webhook: Option<String>,
    #[serde(default)]
    pub session_webhook_expired_time: Option<i64>,
    #[serde(default)]
    pub robot_code: Option<String>,
    #[serde(default)]
    pub text: Option<TextContent>,
    /// `picture`: download codes; `richText`: the parts.
    #[serde(default)]
    pub content: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TextContent {
    pub content: String,
}

/// What a message says, for the agent: its text, and the download codes of its pictures.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Said {
    pub text: String,
    pub pictures: Vec<String>,
}

impl Incoming {
    /// What it says, or `None` for a kind baton does not take (video, files, unknown).
    pub fn said(&self) -> Option<Said> {
        match self.msgtype.as_str() {
            "text" => Some(Said { text: self.text.as_ref()?.content.trim().to_owned(), pictures: Vec::new() }),
            "picture" => {
                let code = self.content.as_ref()?.get("downloadCode")?.as_str()?.to_owned();
                Some(Said { text: String::new(), pictures: vec![code] })
            }
            "richText" => {
                let parts = self.content.as_ref()?.get("richText")?.as_array()?;
                let mut said = Said::default();
                let mut lines = Vec::new();
                for part in parts {
                    if let Some(text) = part.get("text").and_then(|t| t.as_str()) {
                        lines.push(text.trim());
                    }
                    if let Some(code) = part.get("downloadCode").and_then(|c| c.as_str()) {
                        said.pictures.push(code.to_owned());
                    }
                }
                said.text = lines.join("\n").trim().to_owned();
                Some(said)
            }
            // A voice message comes with DingTalk's transcription: that is what it says.
            "audio" => {
                let text = self.content.as_ref()?.get("recognition")?.as_str()?.trim().to_owned();
                (!text.is_empty()).then(|| Said { text, pictures: Vec::new() })
            }
            _ => None,
        }
    }

    /// A group chat (where a reply `@`s its sender).
    pub fn in_group(&self) -> bool {
        self.conversation_type == "2"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Option<String> {
        std::fs::read_to_string(format!("{}/../../shared/fixtures/dingtalk/{name}", env!("CARGO_MANIFEST_DIR"))).ok()
    }

    #[test]
    fn a_sign_is_the_base64_hmac_of_the_timestamp_and_secret() {
        // Computed independently, with Python's hmac and base64 modules.
        assert_eq!(sign("1577262236757", "secret"), "TIz5XcFHyeEuCoyc+5d9DoNiRC3txFfOzZU76lmRbYc=");
        let sent = "TIz5XcFHyeEuCoyc+5d9DoNiRC3txFfOzZU76lmRbYc=";
        assert!(verify(Some("1577262236757"), Some(sent), "secret", 1_577_262_236_757).is_ok());
    }

    #[test]
    fn a_wrong_sign_a_stale_timestamp_and_missing_headers_are_refused() {
        let now = 1_577_262_236_757;
        let good = sign("1577262236757", "secret");
        assert_eq!(verify(Some("1577262236757"), Some(&good), "other", now), Err(Refusal::BadSign));
        assert_eq!(verify(Some("1577262236757"), Some("xxxxxxxxxx"), "secret", now), Err(Refusal::BadSign));
        assert_eq!(verify(Some("1577262236757"), Some(&good), "secret", now + MAX_SKEW_MS + 1), Err(Refusal::Stale));
        assert_eq!(verify(Some("1577262236757"), Some(&good), "secret", now - MAX_SKEW_MS - 1), Err(Refusal::Stale));
        assert!(verify(Some("1577262236757"), Some(&good), "secret", now + MAX_SKEW_MS).is_ok(), "an hour is fine");
        assert_eq!(verify(None, Some(&good), "secret", now), Err(Refusal::Missing));
        assert_eq!(verify(Some("soon"), Some(&good), "secret", now), Err(Refusal::Missing));
    }

    #[test]
    fn real_deliveries_parse_into_what_they_say() {
        let Some(text) = fixture("receive.text.captured-wenhaozhao.json") else { return };
        let m: Incoming = serde_json::from_str(&text).unwrap();
        assert_eq!(m.said().unwrap(), Said { text: "hello".into(), pictures: vec![] });
        assert!(!m.in_group());
        assert!(m.session_webhook.unwrap().starts_with("https://oapi.dingtalk.com/"));
        let picture: Incoming =
            serde_json::from_str(&fixture("receive.picture.captured-wenhaozhao.json").unwrap()).unwrap();
        let said = picture.said().unwrap();
        assert!(said.text.is_empty() && said.pictures.len() == 1 && said.pictures[0].starts_with("mIofN681"));
        let rich: Incoming = serde_json::from_str(&fixture("receive.richText.developerpedia.json").unwrap()).unwrap();
        let said = rich.said().unwrap();
        assert_eq!(said.text.lines().count(), 2, "{said:?}");
        assert_eq!(said.pictures, ["mIof****7A=="]);
        let group: Incoming = serde_json::from_str(&fixture("http-callback.body.doc-example.json").unwrap()).unwrap();
        assert!(group.in_group());
        assert_eq!(group.said().unwrap().text, "你好");
        let audio: Incoming = serde_json::from_str(&fixture("receive.audio.developerpedia.json").unwrap()).unwrap();
        assert!(audio.said().unwrap().text.starts_with("钉钉PaaS"), "a voice message is its transcription");
        let video: Incoming = serde_json::from_str(&fixture("receive.video.developerpedia.json").unwrap()).unwrap();
        assert!(video.said().is_none(), "video is not taken");
    }
}
