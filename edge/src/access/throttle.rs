//! Rate limits on writes that are not failures: the messages a writer posts into sessions
//! (a member, an agent's session token, a write share link's guest).
//!
//! Each writer has a token bucket in the isolate's memory: it holds up to `burst` messages
//! and refills at `burst` per `seconds`, so a person typing, or an agent answering, never
//! meets it, and a script in a loop (or a leaked write link) is held to the refill rate with
//! `429` and `Retry-After`. The default is 60 messages per 10 s; `BATON_MESSAGE_LIMIT`
//! (`"BURST/SECONDS"`) changes it, and only the bench raises it.
//!
//! Why memory and not D1 (as `limits` does for failures): a write is the hot path, and a D1
//! write per message would double its cost; an isolate serves a client's burst, so a bucket
//! per isolate bounds what one writer does there. The Workers rate-limiting binding would
//! count per location instead, but under `wrangler dev` it is a Durable Object call per
//! check. A worker daemon's transcript events are not limited: they are the agent's own
//! output, and refusing one would lose it.
//!
//! The bucket's rule ([`Bucket::take`]) and the variable's parser are pure.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;

/// A writer's allowance: `burst` messages at once, refilled over `seconds`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub seconds: u32,
}

pub const DEFAULT_RATE: Rate = Rate { burst: 60, seconds: 10 };

/// The variable that sets the message rate (`"BURST/SECONDS"`).
pub const MESSAGE_LIMIT: &str = "BATON_MESSAGE_LIMIT";

/// Reads `"BURST/SECONDS"`; anything else (absent, zero, malformed) is the default.
pub fn parse_rate(text: Option<&str>) -> Rate {
    let parsed = text.and_then(|t| {
        let (burst, seconds) = t.trim().split_once('/')?;
        Some(Rate { burst: burst.trim().parse().ok()?, seconds: seconds.trim().parse().ok()? })
    });
    parsed.filter(|r| r.burst > 0 && r.seconds > 0).unwrap_or(DEFAULT_RATE)
}

/// One writer's bucket: how many messages it holds, as of when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    tokens: f64,
    at_ms: i64,
}

impl Bucket {
    pub fn full(rate: Rate, now_ms: i64) -> Bucket {
        Bucket { tokens: f64::from(rate.burst), at_ms: now_ms }
    }

    /// Takes one message at `now_ms`: `Ok` with what is left, or the seconds until one is.
    pub fn take(&mut self, rate: Rate, now_ms: i64) -> Result<(), u64> {
        let per_ms = f64::from(rate.burst) / (f64::from(rate.seconds) * 1000.0);
        let elapsed = (now_ms - self.at_ms).max(0) as f64;
        self.tokens = (self.tokens + elapsed * per_ms).min(f64::from(rate.burst));
        self.at_ms = now_ms.max(self.at_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        // Round up, so a writer that waits exactly that long is let in.
        Err((((1.0 - self.tokens) / per_ms) / 1000.0).ceil().max(1.0) as u64)
    }

    /// Whether the bucket is full again at `now_ms` (and can be forgotten).
    fn refilled(&self, rate: Rate, now_ms: i64) -> bool {
        now_ms - self.at_ms >= i64::from(rate.seconds) * 1000
    }
}

/// Buckets held before full ones are swept, so memory stays bounded whatever the writers.
const SWEEP_AT: usize = 10_000;

thread_local! {
    static BUCKETS: RefCell<HashMap<String, Bucket>> = RefCell::new(HashMap::new());
}

/// Counts one message by `writer` (a stable key: `user:3`, `share:12`, ...); 429 with
/// `Retry-After` when its bucket is empty.
pub fn message(ctx: &Ctx, writer: &str) -> ApiResult<()> {
    let rate = parse_rate(ctx.env.var(MESSAGE_LIMIT).ok().map(|v| v.to_string()).as_deref());
    let now = ctx.now;
    let outcome = BUCKETS.with(|buckets| {
        let mut buckets = buckets.borrow_mut();
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, b| !b.refilled(rate, now));
        }
        buckets.entry(writer.to_owned()).or_insert_with(|| Bucket::full(rate, now)).take(rate, now)
    });
    outcome.map_err(|seconds| {
        ApiError::rate_limited(
            seconds,
            format!("too many messages from this writer (at most {} per {} s)", rate.burst, rate.seconds),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Rate = Rate { burst: 3, seconds: 3 };

    #[test]
    fn a_bucket_lets_a_burst_through_then_the_refill_rate() {
        let mut b = Bucket::full(R, 0);
        assert_eq!((b.take(R, 0), b.take(R, 0), b.take(R, 0)), (Ok(()), Ok(()), Ok(())));
        assert_eq!(b.take(R, 0), Err(1), "one message a second: the next in 1 s");
        assert_eq!(b.take(R, 999), Err(1), "not quite yet, and rounded up");
        assert_eq!(b.take(R, 1_000), Ok(()));
        assert_eq!(b.take(R, 1_000), Err(1));
        assert_eq!(b.take(R, 60_000), Ok(()), "a long pause refills it, never beyond the burst");
        assert_eq!((b.take(R, 60_000), b.take(R, 60_000), b.take(R, 60_000)), (Ok(()), Ok(()), Err(1)));
    }

    #[test]
    fn a_refused_message_costs_nothing_and_a_clock_going_back_gives_nothing() {
        let mut b = Bucket::full(Rate { burst: 1, seconds: 10 }, 0);
        assert_eq!(b.take(Rate { burst: 1, seconds: 10 }, 0), Ok(()));
        for _ in 0..5 {
            assert_eq!(b.take(Rate { burst: 1, seconds: 10 }, 0), Err(10));
        }
        assert_eq!(b.take(Rate { burst: 1, seconds: 10 }, -5_000), Err(10));
        assert_eq!(b.take(Rate { burst: 1, seconds: 10 }, 10_000), Ok(()));
    }

    #[test]
    fn the_rate_reads_burst_over_seconds_and_falls_back_to_the_default() {
        assert_eq!(parse_rate(Some("100/60")), Rate { burst: 100, seconds: 60 });
        assert_eq!(parse_rate(Some(" 5 / 1 ")), Rate { burst: 5, seconds: 1 });
        for bad in [None, Some(""), Some("5"), Some("0/10"), Some("5/0"), Some("-1/10"), Some("a/b")] {
            assert_eq!(parse_rate(bad), DEFAULT_RATE, "{bad:?}");
        }
    }
}
