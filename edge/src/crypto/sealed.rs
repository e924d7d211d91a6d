//! Secrets at rest: AES-256-GCM with a key held as a Worker secret (`BATON_SEALING_KEY`,
//! 32 bytes in base64), so a dump of D1 alone reveals no webhook secret or API token.
//! Sealed text is `v1.<base64url(nonce || ciphertext+tag)>`.
//!
//! Pure: the key and the nonce are arguments; [`seal`] and [`open`] only add the nonce's
//! randomness and the key's lookup.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use worker::Env;

use crate::crypto::secrets;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::bindings;

const PREFIX: &str = "v1.";

/// The sealing key from the environment, or a 500 that says how to configure it (the
/// message names the variable, never a value).
pub fn key(env: &Env) -> ApiResult<[u8; 32]> {
    let text = env
        .secret(bindings::SEALING_KEY)
        .map(|s| s.to_string())
        .map_err(|_| ApiError::internal("BATON_SEALING_KEY is not set: `wrangler secret put BATON_SEALING_KEY`"))?;
    parse_key(&text).ok_or_else(|| ApiError::internal("BATON_SEALING_KEY must be 32 bytes in base64"))
}

pub fn parse_key(text: &str) -> Option<[u8; 32]> {
    let bytes = STANDARD.decode(text.trim()).or_else(|_| URL_SAFE_NO_PAD.decode(text.trim())).ok()?;
    bytes.try_into().ok()
}

pub fn seal_with(key: &[u8; 32], nonce: &[u8; 12], plaintext: &str) -> ApiResult<String> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let sealed = cipher
        .encrypt(Nonce::from_slice(nonce), plaintext.as_bytes())
        .map_err(|_| ApiError::internal("sealing failed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
}

/// Opens sealed text; `None` if it was not sealed with this key or was altered.
pub fn open_with(key: &[u8; 32], sealed: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
    if bytes.len() < 12 + 16 {
        return None;
    }
    let (nonce, body) = bytes.split_at(12);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    String::from_utf8(cipher.decrypt(Nonce::from_slice(nonce), body).ok()?).ok()
}

/// Seals with a fresh random nonce.
pub fn seal(key: &[u8; 32], plaintext: &str) -> ApiResult<String> {
    let random = secrets::random_bytes()?;
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&random[..12]);
    seal_with(key, &nonce, plaintext)
}

/// Opens, or a 500 naming the likely cause (a changed key).
pub fn open(key: &[u8; 32], sealed: &str) -> ApiResult<String> {
    open_with(key, sealed).ok_or_else(|| {
        ApiError::internal("a sealed secret does not open: was BATON_SEALING_KEY changed? reconnect the link")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_unaltered() {
        let key = [7u8; 32];
        let sealed = seal_with(&key, &[1u8; 12], "webhook secret").unwrap();
        assert!(sealed.starts_with("v1.") && !sealed.contains("webhook"));
        assert_eq!(open_with(&key, &sealed).as_deref(), Some("webhook secret"));
        assert_eq!(open_with(&[8u8; 32], &sealed), None);
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(open_with(&key, &String::from_utf8(altered).unwrap()), None);
        assert_ne!(seal(&key, "x").unwrap(), seal(&key, "x").unwrap(), "fresh nonces");
    }

    #[test]
    fn keys_are_32_bytes_of_base64() {
        assert!(parse_key(&STANDARD.encode([0u8; 32])).is_some());
        assert!(parse_key(&STANDARD.encode([0u8; 16])).is_none());
        assert!(parse_key("not base64!").is_none());
    }
}
