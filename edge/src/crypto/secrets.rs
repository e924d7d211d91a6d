//! Tokens: minting (random, 256 bits), hashing for storage (SHA-256, hex) and the
//! constant-time comparison used where a secret is compared directly.
//!
//! A token's kind is visible in its prefix so a leaked one can be recognised by secret
//! scanners: `btp_` personal API token, `btl_` web login, `btw_` worker, `btk_` baton lease, and later
//! `bts_` share tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::http::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Personal,
    WebLogin,
    Worker,
    /// A baton's lease (`btk_`), proof of holding a caught baton.
    Lease,
    /// A session's agent (`bta_`), handed to it by the daemon for one turn.
    Session,
    /// A share link to one session (`bts_`).
    Share,
    /// An invite to one channel (`btc_`).
    ChannelInvite,
}

impl TokenKind {
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::Personal => "btp_",
            TokenKind::WebLogin => "btl_",
            TokenKind::Worker => "btw_",
            TokenKind::Lease => "btk_",
            TokenKind::Session => "bta_",
            TokenKind::Share => "bts_",
            TokenKind::ChannelInvite => "btc_",
        }
    }
}

/// 32 random bytes from the platform's CSPRNG.
pub fn random_bytes() -> ApiResult<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| ApiError::internal(format!("getrandom: {e}")))?;
    Ok(bytes)
}

/// Formats random bytes as a token of `kind`.
pub fn token_from_bytes(kind: TokenKind, bytes: &[u8; 32]) -> String {
    format!("{}{}", kind.prefix(), URL_SAFE_NO_PAD.encode(bytes))
}

/// Mints a fresh token of `kind`.
pub fn mint(kind: TokenKind) -> ApiResult<String> {
    Ok(token_from_bytes(kind, &random_bytes()?))
}

/// What is stored for a token: the hex SHA-256 of its text.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_kind_and_256_bits() {
        let t = token_from_bytes(TokenKind::Personal, &[7u8; 32]);
        assert!(t.starts_with("btp_"));
        assert_eq!(URL_SAFE_NO_PAD.decode(&t[4..]).unwrap(), vec![7u8; 32]);
        assert_ne!(mint(TokenKind::WebLogin).unwrap(), mint(TokenKind::WebLogin).unwrap());
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret!"));
    }
}
