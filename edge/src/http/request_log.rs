//! One structured log line per request, and the request's id: what an operator reads in
//! `wrangler tail` or Workers Logs / Logpush (JSON objects, one per line, the same fields every
//! time), and what a person quotes from a response's `X-Request-Id`. Pure: the pipeline
//! (`app::handle`) writes the line and the header.
//!
//! A path can hold a credential (a share link's token): it is logged without it. Query strings
//! and bodies are never logged.

/// The request's id: Cloudflare's `cf-ray` when there is one (so the platform's logs and ours
/// meet), else 16 random hex characters (local development).
pub fn request_id(cf_ray: Option<&str>) -> String {
    match cf_ray
        .map(str::trim)
        .filter(|r| !r.is_empty() && r.len() <= 64 && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        Some(ray) => ray.to_owned(),
        None => {
            let mut bytes = [0u8; 8];
            let _ = getrandom::getrandom(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
    }
}

/// The log line: `{"request_id","method","path","status","ms"}`.
pub fn line(id: &str, method: &str, path: &str, status: u16, ms: i64) -> String {
    serde_json::json!({"request_id": id, "method": method, "path": redact(path), "status": status, "ms": ms})
        .to_string()
}

/// The path without the credentials some paths carry: `/s/<token>` and `/api/share/<token>/...`.
pub fn redact(path: &str) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    let token_at = match parts.as_slice() {
        ["", "s", _, ..] => Some(2),
        ["", "api", "share", _, ..] => Some(3),
        _ => None,
    };
    if let Some(i) = token_at {
        parts[i] = "…";
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platforms_ray_is_the_id_and_anything_else_gets_a_random_one() {
        assert_eq!(request_id(Some("8f1a2b3c4d5e6f70-AMS")), "8f1a2b3c4d5e6f70-AMS");
        for odd in [None, Some(""), Some("a b"), Some("x\ny")] {
            let id = request_id(odd);
            assert_eq!(id.len(), 16);
            assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        }
        assert_ne!(request_id(None), request_id(None));
    }

    /// A share token is a credential: it never reaches the logs.
    #[test]
    fn share_tokens_are_not_logged() {
        assert_eq!(redact("/s/bts_secret"), "/s/…");
        assert_eq!(redact("/api/share/bts_secret/events"), "/api/share/…/events");
        assert_eq!(redact("/api/sessions/4/events"), "/api/sessions/4/events");
        let line = line("abc", "GET", "/api/share/bts_secret/stream", 200, 12);
        assert!(!line.contains("bts_secret"), "{line}");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!((v["status"].as_u64(), v["method"].as_str(), v["ms"].as_i64()), (Some(200), Some("GET"), Some(12)));
    }
}
