//! Secrets: minting and hashing tokens, password hashing (PBKDF2 through WebCrypto), sealing
//! stored secrets (AES-256-GCM), and HMAC-SHA256 signatures (GitHub's deliveries, baton
//! webhooks). No D1, no Hub.

pub mod password;
pub mod sealed;
pub mod secrets;
pub mod signature;
