//! Password hashing: PBKDF2-HMAC-SHA256 through the runtime's WebCrypto (native code, so the
//! work does not burn the Worker's CPU budget in wasm), 100,000 iterations (the most Workers
//! allows), a 16-byte random salt, stored as `pbkdf2-sha256$<iterations>$<salt>$<hash>`
//! (base64url). The format keeps the iteration count so it can be raised later.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::crypto::secrets;
use crate::http::error::{ApiError, ApiResult};

pub const ITERATIONS: u32 = 100_000;
const SCHEME: &str = "pbkdf2-sha256";

/// A stored password hash, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHash {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl StoredHash {
    pub fn encode(&self) -> String {
        format!(
            "{SCHEME}${}${}${}",
            self.iterations,
            URL_SAFE_NO_PAD.encode(&self.salt),
            URL_SAFE_NO_PAD.encode(&self.hash)
        )
    }

    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.split('$');
        if parts.next()? != SCHEME {
            return None;
        }
        let iterations = parts.next()?.parse().ok()?;
        let salt = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        let hash = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        parts.next().is_none().then_some(StoredHash { iterations, salt, hash })
    }
}

/// Hashes a new password with a fresh salt.
pub async fn hash_new(password: &str) -> ApiResult<String> {
    let salt = secrets::random_bytes()?[..16].to_vec();
    let hash = pbkdf2(password, &salt, ITERATIONS).await?;
    Ok(StoredHash { iterations: ITERATIONS, salt, hash }.encode())
}

/// Checks a password against a stored hash, comparing in constant time.
pub async fn verify(password: &str, stored: &str) -> ApiResult<bool> {
    let Some(stored) = StoredHash::decode(stored) else {
        return Err(ApiError::internal("a stored password hash does not parse"));
    };
    let derived = pbkdf2(password, &stored.salt, stored.iterations).await?;
    Ok(secrets::constant_time_eq(&derived, &stored.hash))
}

async fn pbkdf2(password: &str, salt: &[u8], iterations: u32) -> ApiResult<Vec<u8>> {
    derive(password, salt, iterations).await.map_err(|e| ApiError::internal(format!("WebCrypto PBKDF2 failed: {e:?}")))
}

async fn derive(password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, JsValue> {
    let crypto: web_sys::Crypto = Reflect::get(&js_sys::global(), &"crypto".into())?.unchecked_into();
    let subtle = crypto.subtle();
    let key_data = Uint8Array::from(password.as_bytes());
    let usages = js_sys::Array::of1(&"deriveBits".into());
    let key = JsFuture::from(subtle.import_key_with_str("raw", &key_data, "PBKDF2", false, &usages)?)
        .await?
        .unchecked_into::<web_sys::CryptoKey>();
    let params = Object::new();
    Reflect::set(&params, &"name".into(), &"PBKDF2".into())?;
    Reflect::set(&params, &"hash".into(), &"SHA-256".into())?;
    Reflect::set(&params, &"salt".into(), &Uint8Array::from(salt))?;
    Reflect::set(&params, &"iterations".into(), &iterations.into())?;
    let bits = JsFuture::from(subtle.derive_bits_with_object(&params, &key, 256)?).await?;
    Ok(Uint8Array::new(&bits).to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_hashes_round_trip_and_reject_other_formats() {
        let h = StoredHash { iterations: 100_000, salt: vec![1; 16], hash: vec![2; 32] };
        assert_eq!(StoredHash::decode(&h.encode()), Some(h));
        for bad in ["", "bcrypt$1$a$b", "pbkdf2-sha256$x$AA$AA", "pbkdf2-sha256$1$AA$AA$extra"] {
            assert_eq!(StoredHash::decode(bad), None, "{bad}");
        }
    }
}
