//! Rate limits on failed authentication: password guessing at login, setup-secret guessing at
//! bootstrap, link-id or signature guessing at the GitHub webhook, and share-link guessing.
//!
//! Failures are counted per key in fixed windows in D1 (`auth_failures`, migration 0009).
//! Past a key's threshold every attempt on it answers 429 with `Retry-After` until the window
//! ends, before any password is hashed or any secret compared, so even the right password
//! waits. Login counts per username (a guessed account) and per client (one client spraying
//! many accounts); a successful login clears its username's count. Only failures write.
//!
//! Why D1 and not a Durable Object or the Workers rate-limiting binding: the counts must hold
//! across isolates and locations (the binding is per location and eventually consistent),
//! failures are rare writes, and login already reads D1, so the check adds one indexed read
//! and no new class. The thresholds are documented in SECURITY.md.
//!
//! The rules ([`retry_after`]) are pure; the adapters below run the two queries.

use serde::Deserialize;
use worker::Request;

use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::platform::db;

/// How many failures a key may have in one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: u32,
    pub window_ms: i64,
}

const FIFTEEN_MINUTES: i64 = 15 * 60 * 1000;

/// Wrong passwords for one username.
pub const LOGIN_USER: Policy = Policy { max_failures: 10, window_ms: FIFTEEN_MINUTES };
/// Wrong passwords from one client, whatever the username.
pub const LOGIN_CLIENT: Policy = Policy { max_failures: 50, window_ms: FIFTEEN_MINUTES };
/// Wrong setup secrets from one client.
pub const BOOTSTRAP_CLIENT: Policy = Policy { max_failures: 10, window_ms: FIFTEEN_MINUTES };
/// Unknown link ids and bad signatures at the GitHub webhook from one client.
pub const WEBHOOK_CLIENT: Policy = Policy { max_failures: 100, window_ms: FIFTEEN_MINUTES };
/// Unknown, revoked or expired share links from one client.
pub const SHARE_CLIENT: Policy = Policy { max_failures: 100, window_ms: FIFTEEN_MINUTES };

/// One counted key and its policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub key: String,
    pub policy: Policy,
}

impl Limit {
    pub fn login_user(username: &str) -> Limit {
        // Usernames compare without case (the column is NOCASE): so do their counts.
        Limit { key: format!("login-user:{}", username.to_lowercase()), policy: LOGIN_USER }
    }

    pub fn login_client(client: &str) -> Limit {
        Limit { key: format!("login-client:{client}"), policy: LOGIN_CLIENT }
    }

    pub fn bootstrap_client(client: &str) -> Limit {
        Limit { key: format!("bootstrap-client:{client}"), policy: BOOTSTRAP_CLIENT }
    }

    pub fn webhook_client(client: &str) -> Limit {
        Limit { key: format!("webhook-client:{client}"), policy: WEBHOOK_CLIENT }
    }

    pub fn share_client(client: &str) -> Limit {
        Limit { key: format!("share-client:{client}"), policy: SHARE_CLIENT }
    }
}

/// Seconds until `key` may try again, when its stored count (`window_start`, `failures`)
/// reached the policy's threshold within the current window; `None` when it may try now.
pub fn retry_after(policy: Policy, stored: Option<(i64, u32)>, now: i64) -> Option<u64> {
    let (window_start, failures) = stored?;
    let window_end = window_start.saturating_add(policy.window_ms);
    if now >= window_end || failures < policy.max_failures {
        return None;
    }
    // Round up, so a client that waits exactly that long is let in.
    Some(u64::try_from(window_end - now).unwrap_or(0).div_ceil(1000).max(1))
}

/// The client's address as the platform reports it (`CF-Connecting-IP`; `wrangler dev` sets
/// it too). A request without one shares the key `unknown`.
pub fn client(req: &Request) -> String {
    req.headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .filter(|ip| !ip.is_empty() && ip.len() <= 64)
        .unwrap_or_else(|| "unknown".to_owned())
}

#[derive(Deserialize)]
struct Row {
    key: String,
    window_start: i64,
    failures: u32,
}

/// How long a login waits, given the most failures any of its keys has in its window: none
/// for the first two (a typo), then 250 ms more for each, up to 2 s, so that guessing slows
/// down well before the lock (`LOGIN_USER`'s threshold) stops it.
pub fn slow_down_ms(failures: u32) -> u64 {
    (u64::from(failures.saturating_sub(2)) * 250).min(2_000)
}

/// Answers 429 when any of `limits` is exhausted; otherwise the most failures any of them has
/// in its current window.
pub async fn check(ctx: &Ctx, limits: &[Limit], what: &str) -> ApiResult<u32> {
    let placeholders: Vec<String> = (1..=limits.len()).map(|i| format!("?{i}")).collect();
    let args: Vec<_> = limits.iter().map(|l| db::text(&l.key)).collect();
    let rows: Vec<Row> = ctx
        .db
        .all(
            &format!(
                "SELECT key, window_start, failures FROM auth_failures WHERE key IN ({})",
                placeholders.join(", ")
            ),
            &args,
        )
        .await?;
    let wait = limits
        .iter()
        .filter_map(|limit| {
            let stored = rows.iter().find(|r| r.key == limit.key).map(|r| (r.window_start, r.failures));
            retry_after(limit.policy, stored, ctx.now)
        })
        .max();
    if let Some(seconds) = wait {
        return Err(ApiError::rate_limited(seconds, format!("too many failed {what}")));
    }
    let current = |limit: &Limit| {
        rows.iter()
            .find(|r| r.key == limit.key && ctx.now < r.window_start.saturating_add(limit.policy.window_ms))
            .map_or(0, |r| r.failures)
    };
    Ok(limits.iter().map(current).max().unwrap_or(0))
}

/// Counts one failure against each of `limits`: a window that has ended starts over.
pub async fn fail(ctx: &Ctx, limits: &[Limit]) -> ApiResult<()> {
    let mut statements = Vec::with_capacity(limits.len());
    for limit in limits {
        statements.push(ctx.db.prepare(
            "INSERT INTO auth_failures (key, window_start, failures) VALUES (?1, ?2, 1)
             ON CONFLICT (key) DO UPDATE SET
               failures = CASE WHEN window_start + ?3 <= ?2 THEN 1 ELSE failures + 1 END,
               window_start = CASE WHEN window_start + ?3 <= ?2 THEN ?2 ELSE window_start END",
            &[db::text(&limit.key), db::int(ctx.now), db::int(limit.policy.window_ms)],
        )?);
    }
    ctx.db.batch(statements).await?;
    Ok(())
}

/// Forgets the failures of one key (a username that just logged in).
pub async fn clear(ctx: &Ctx, limit: &Limit) -> ApiResult<()> {
    ctx.db.run("DELETE FROM auth_failures WHERE key = ?1", &[db::text(&limit.key)]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Policy = Policy { max_failures: 3, window_ms: 10_000 };

    #[test]
    fn a_key_is_locked_from_its_threshold_to_the_end_of_its_window() {
        assert_eq!(retry_after(P, None, 0), None);
        assert_eq!(retry_after(P, Some((1_000, 2)), 1_500), None, "below the threshold");
        assert_eq!(retry_after(P, Some((1_000, 3)), 1_500), Some(10), "9.5 s rounds up to 10");
        assert_eq!(retry_after(P, Some((1_000, 9)), 10_999), Some(1));
        assert_eq!(retry_after(P, Some((1_000, 9)), 11_000), None, "the window ended");
    }

    #[test]
    fn logins_slow_down_after_two_failures_up_to_two_seconds() {
        assert_eq!([0, 1, 2].map(slow_down_ms), [0, 0, 0], "a typo or two costs nothing");
        assert_eq!([3, 4, 9].map(slow_down_ms), [250, 500, 1_750]);
        assert_eq!([10, 50, u32::MAX].map(slow_down_ms), [2_000, 2_000, 2_000]);
    }

    #[test]
    fn usernames_count_without_case_and_kinds_never_share_a_key() {
        assert_eq!(Limit::login_user("Ada").key, Limit::login_user("ada").key);
        let keys = [
            Limit::login_user("1.2.3.4").key,
            Limit::login_client("1.2.3.4").key,
            Limit::bootstrap_client("1.2.3.4").key,
            Limit::webhook_client("1.2.3.4").key,
            Limit::share_client("1.2.3.4").key,
        ];
        for (i, a) in keys.iter().enumerate() {
            assert!(keys[i + 1..].iter().all(|b| a != b), "{a}");
        }
    }
}
