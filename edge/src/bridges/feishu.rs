//! Feishu's (Lark's) event callback, the pure part: decrypting an `{"encrypt": ...}` body,
//! checking the `X-Lark-Signature` over the raw body (when the app has an encrypt key) or the
//! verification token (when it has none), and the message an `im.message.receive_v1` brings.
//!
//! Decryption: key = SHA-256 of the encrypt key; the base64 body is a 16-byte IV followed by
//! AES-256-CBC ciphertext with PKCS#7 padding (a whole block of padding when the plaintext is
//! a multiple of 16 bytes long). CBC is written out here over the `aes` block cipher that
//! AES-GCM sealing already brings in: eleven lines, against a crate more.
//! Signature: lowercase hex SHA-256 of `timestamp + nonce + encrypt_key + raw body`.

use aes::cipher::{BlockDecrypt, KeyInit};
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::crypto::secrets::constant_time_eq;

/// The plaintext of an encrypted body's `encrypt` field, if it decrypts and unpads cleanly.
pub fn decrypt(encrypt_key: &str, encrypt: &str) -> Option<String> {
    let raw = base64::engine::general_purpose::STANDARD.decode(encrypt.trim()).ok()?;
    if raw.len() < 32 || raw.len() % 16 != 0 {
        return None;
    }
    let key = Sha256::digest(encrypt_key.as_bytes());
    let cipher = aes::Aes256::new_from_slice(&key).ok()?;
    let (iv, body) = raw.split_at(16);
    let mut previous: [u8; 16] = iv.try_into().ok()?;
    let mut plain = Vec::with_capacity(body.len());
    for chunk in body.chunks(16) {
        let mut block = aes::Block::clone_from_slice(chunk);
        cipher.decrypt_block(&mut block);
        plain.extend(block.iter().zip(previous.iter()).map(|(b, p)| b ^ p));
        previous.copy_from_slice(chunk);
    }
    let pad = usize::from(*plain.last()?);
    if pad == 0 || pad > 16 || plain[plain.len() - pad..].iter().any(|b| usize::from(*b) != pad) {
        return None;
    }
    plain.truncate(plain.len() - pad);
    String::from_utf8(plain).ok()
}

/// The `X-Lark-Signature` of a delivery.
pub fn signature(timestamp: &str, nonce: &str, encrypt_key: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(timestamp.as_bytes());
    hash.update(nonce.as_bytes());
    hash.update(encrypt_key.as_bytes());
    hash.update(body);
    hex::encode(hash.finalize())
}

/// Whether the signature headers match the raw body (constant time).
pub fn signed(
    timestamp: Option<&str>,
    nonce: Option<&str>,
    given: Option<&str>,
    encrypt_key: &str,
    body: &[u8],
) -> bool {
    let (Some(timestamp), Some(nonce), Some(given)) = (timestamp, nonce, given) else { return false };
    constant_time_eq(signature(timestamp, nonce, encrypt_key, body).as_bytes(), given.trim().as_bytes())
}

/// What baton reads of a (decrypted) callback: a URL check, or an event (schema 2.0).
#[derive(Debug, Clone, Deserialize)]
pub struct Callback {
    #[serde(default)]
    pub r#type: Option<String>,
    #[serde(default)]
    pub challenge: Option<String>,
    /// The verification token of a URL check (schema 1.0 keeps it here).
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub header: Option<Header>,
    #[serde(default)]
    pub event: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    pub event_id: String,
    pub event_type: String,
    #[serde(default)]
    pub token: Option<String>,
}

impl Callback {
    /// The platform checking the callback URL: answer its challenge.
    pub fn url_check(&self) -> Option<&str> {
        (self.r#type.as_deref() == Some("url_verification")).then_some(self.challenge.as_deref()).flatten()
    }

    /// Whether it carries the app's verification token (constant time).
    pub fn has_token(&self, verification_token: &str) -> bool {
        let given = self.header.as_ref().and_then(|h| h.token.as_deref()).or(self.token.as_deref());
        given.is_some_and(|t| constant_time_eq(t.as_bytes(), verification_token.as_bytes()))
    }

    /// The message of an `im.message.receive_v1` event.
    pub fn message(&self) -> Option<Message> {
        if self.header.as_ref()?.event_type != "im.message.receive_v1" {
            return None;
        }
        let event = self.event.as_ref()?;
        let m = event.get("message")?;
        let field = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        let content: serde_json::Value = serde_json::from_str(m.get("content")?.as_str()?).ok()?;
        let kind = field(m, "message_type")?;
        let said = said(&kind, &content)?;
        Some(Message {
            message_id: field(m, "message_id")?,
            chat_id: field(m, "chat_id")?,
            chat_type: field(m, "chat_type").unwrap_or_default(),
            root_id: field(m, "root_id").filter(|r| !r.is_empty()),
            sender: event.get("sender")?.get("sender_id")?.get("open_id")?.as_str()?.to_owned(),
            said,
        })
    }
}

/// A message to the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub message_id: String,
    pub chat_id: String,
    /// `p2p` or `group`.
    pub chat_type: String,
    /// The thread it is in, if any: a thread keeps its own session.
    pub root_id: Option<String>,
    /// The sender's open id.
    pub sender: String,
    pub said: super::dingtalk::Said,
}

/// What a message's `content` says: text (mentions such as `@_user_1` dropped), a post's
/// text and images, an image.
fn said(kind: &str, content: &serde_json::Value) -> Option<super::dingtalk::Said> {
    let mut said = super::dingtalk::Said::default();
    match kind {
        "text" => said.text = without_mentions(content.get("text")?.as_str()?),
        "image" => said.pictures.push(content.get("image_key")?.as_str()?.to_owned()),
        "post" => {
            // A post is { title, content: [[{tag, text | image_key}]] }, possibly per locale.
            let post = content
                .get("content")
                .map_or_else(|| content.as_object().and_then(|o| o.values().find_map(|v| v.get("content"))), Some)?;
            let mut lines = Vec::new();
            if let Some(title) = content.get("title").and_then(|t| t.as_str()).filter(|t| !t.is_empty()) {
                lines.push(title.to_owned());
            }
            for paragraph in post.as_array()? {
                let mut line = String::new();
                for element in paragraph.as_array().into_iter().flatten() {
                    match element.get("tag").and_then(|t| t.as_str()) {
                        Some("text") | Some("a") => {
                            line.push_str(element.get("text").and_then(|t| t.as_str()).unwrap_or(""))
                        }
                        Some("img") => {
                            if let Some(key) = element.get("image_key").and_then(|k| k.as_str()) {
                                said.pictures.push(key.to_owned());
                            }
                        }
                        _ => {}
                    }
                }
                lines.push(line.trim().to_owned());
            }
            said.text = without_mentions(lines.join("\n").trim());
        }
        _ => return None,
    }
    Some(said)
}

/// Text without Feishu's mention placeholders (`@_user_1`), line by line.
fn without_mentions(text: &str) -> String {
    let line = |l: &str| l.split_whitespace().filter(|w| !w.starts_with("@_user_")).collect::<Vec<_>>().join(" ");
    text.lines().map(line).collect::<Vec<_>>().join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Option<String> {
        std::fs::read_to_string(format!("{}/../../shared/fixtures/feishu/{name}", env!("CARGO_MANIFEST_DIR"))).ok()
    }

    /// Feishu's published example (its docs' decrypt sample).
    #[test]
    fn the_published_example_decrypts() {
        assert_eq!(decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=").as_deref(), Some("hello world"));
        assert_eq!(decrypt("wrong key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="), None, "bad padding");
        assert_eq!(decrypt("test key", "not base64!"), None);
        assert_eq!(decrypt("test key", "P37w+VZImNgPEO1RBhJ6Rg=="), None, "shorter than an IV and a block");
    }

    #[test]
    fn every_shared_vector_decrypts_including_a_whole_block_of_padding() {
        let Some(text) = fixture("encrypt-vectors.json") else { return };
        let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
        let vectors = vectors["vectors"].as_array().unwrap();
        assert!(vectors.iter().any(|v| v["pkcs7_pad_len"] == 16), "the set has a full padding block");
        for v in vectors {
            let plain = decrypt(v["encrypt_key"].as_str().unwrap(), v["encrypt"].as_str().unwrap());
            assert_eq!(plain.as_deref(), v["plaintext_decrypted_here"].as_str(), "{}", v["id"]);
        }
    }

    #[test]
    fn the_signature_is_over_the_raw_body() {
        let Some(text) = fixture("signature-vector.COMPUTED.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let (ts, nonce) =
            (v["headers"]["X-Lark-Request-Timestamp"].as_str(), v["headers"]["X-Lark-Request-Nonce"].as_str());
        let key = v["encrypt_key"].as_str().unwrap();
        let body = v["body"].as_str().unwrap().as_bytes();
        let expected = v["expected_signature_COMPUTED_HERE_NOT_PUBLISHED"].as_str();
        assert_eq!(Some(signature(ts.unwrap(), nonce.unwrap(), key, body).as_str()), expected);
        assert!(signed(ts, nonce, expected, key, body));
        let mut touched = body.to_vec();
        touched.push(b' ');
        assert!(!signed(ts, nonce, expected, key, &touched), "one byte more is another body");
        assert!(!signed(ts, None, expected, key, body));
    }

    #[test]
    fn a_url_check_answers_its_challenge_with_the_right_token() {
        let Some(text) = fixture("url_verification.plain.from-node-sdk-vector.json") else { return };
        let c: Callback = serde_json::from_str(&text).unwrap();
        assert_eq!(c.url_check(), Some("5634b122-c042-4634-bc7f-b07a3c3e77ad"));
        assert!(c.has_token("iRdCP2WwXNBXRM3mGLqhrgch3cn0gbT6"));
        assert!(!c.has_token("another token"));
    }

    #[test]
    fn a_received_message_is_read_with_its_chat_thread_and_sender() {
        let Some(text) = fixture("im.message.receive_v1.doc-example.json") else { return };
        let c: Callback = serde_json::from_str(&text).unwrap();
        assert!(c.has_token("rvaYgkND1GOiu5MM0E1rncYC6PLtF7JV"));
        assert_eq!(c.header.as_ref().unwrap().event_id, "5e3702a84e847582be8db7fb73283c02");
        let m = c.message().unwrap();
        assert_eq!(m.said.text, "test");
        assert_eq!(m.chat_type, "group");
        assert_eq!(m.root_id.as_deref(), Some("om_5ce6d572455d361153b7cb5xxfsdfsdfdsf"));
        assert_eq!(m.sender, "ou_84aad35d084aa403a838cf73ee18467");
    }

    #[test]
    fn posts_and_images_say_their_text_and_pictures() {
        let post = serde_json::json!({"title": "Bug", "content": [[{"tag": "text", "text": "@_user_1 see"}, {"tag": "img", "image_key": "img_1"}], [{"tag": "a", "text": "the log", "href": "https://x"}]]});
        let read = said("post", &post).unwrap();
        assert_eq!(read.text, "Bug\nsee\nthe log");
        assert_eq!(read.pictures, ["img_1"]);
        let image = said("image", &serde_json::json!({"image_key": "img_2"})).unwrap();
        assert_eq!(image.pictures, ["img_2"]);
        assert!(said("sticker", &serde_json::json!({})).is_none());
    }
}
