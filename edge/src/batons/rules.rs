//! The life of a baton as pure functions: what status a stored baton shows at a given time,
//! and whether a move (catch, heartbeat, done, fail, cancel) is legal, and what it changes.
//! No I/O and no clock: the handlers read the row, ask [`decide`], and write the answer
//! with a compare-and-set on the row's revision, so two racing moves cannot both win.
//!
//! The rules:
//! - a catch takes a lease: one holder at a time; a lease that ran out without `done` makes
//!   the baton catchable again, with the next attempt number;
//! - only the current lease's holder (the same principal, and the same lease when its token
//!   is sent) may heartbeat, finish or fail it; a lapsed lease is refused, never revived;
//! - the TTL bounds the whole life: past it, an unfinished baton is `expired` and every move
//!   answers 410; a lease never reaches past the TTL;
//! - repeating the `done` (or `fail`, or `cancel`) that already happened answers the same
//!   record again, changing nothing;
//! - only the passer cancels.

use protocol::baton::BatonStatus;

/// What a row stores. `expired`, and a lapsed lease's return to `pending`, are derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Pending,
    Caught,
    Done,
    Failed,
    Cancelled,
}

impl Stored {
    pub fn as_str(self) -> &'static str {
        match self {
            Stored::Pending => "pending",
            Stored::Caught => "caught",
            Stored::Done => "done",
            Stored::Failed => "failed",
            Stored::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Stored::Pending, Stored::Caught, Stored::Done, Stored::Failed, Stored::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// The part of a baton the rules look at. Times are Unix milliseconds; principals are keys
/// like `user:3` or `worker:2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub stored: Stored,
    pub attempt: i64,
    pub passed_by: String,
    pub holder: Option<String>,
    pub lease_hash: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub expires_at: i64,
}

/// The status a baton shows at `now`.
pub fn status(state: &State, now: i64) -> BatonStatus {
    let unfinished = matches!(state.stored, Stored::Pending | Stored::Caught);
    if unfinished && now >= state.expires_at {
        return BatonStatus::Expired;
    }
    match state.stored {
        Stored::Caught if lease_lapsed(state, now) => BatonStatus::Pending,
        Stored::Pending => BatonStatus::Pending,
        Stored::Caught => BatonStatus::Caught,
        Stored::Done => BatonStatus::Done,
        Stored::Failed => BatonStatus::Failed,
        Stored::Cancelled => BatonStatus::Cancelled,
    }
}

fn lease_lapsed(state: &State, now: i64) -> bool {
    state.lease_expires_at.is_none_or(|t| now >= t)
}

/// A move someone asks for. `lease_hash` is the SHA-256 of the lease token they sent, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move<'a> {
    Catch { by: &'a str, lease_ms: i64, new_lease_hash: &'a str },
    Heartbeat { by: &'a str, lease_hash: Option<&'a str>, lease_ms: i64 },
    Done { by: &'a str, lease_hash: Option<&'a str> },
    Fail { by: &'a str, lease_hash: Option<&'a str> },
    Cancel { by: &'a str },
}

/// What a legal move does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Write this; the move's answer is the new record.
    Apply(Change),
    /// The same move already happened: answer the record as it is, write nothing.
    Replay,
}

/// The fields a move sets. `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub stored: Stored,
    pub attempt: i64,
    pub holder: Option<String>,
    pub lease_hash: Option<String>,
    pub lease_expires_at: Option<i64>,
    /// Set when the move ends the baton.
    pub finished: bool,
    /// Set by a catch.
    pub caught: bool,
}

/// Why a move is refused; each maps to one HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 410: past its TTL.
    Gone,
    /// 409: not now, not by you, or not with that lease; the text says which.
    Conflict(String),
    /// 403: a move only another party may make.
    Forbidden(String),
}

/// Decides a move on `state` at `now`.
pub fn decide(state: &State, action: &Move, now: i64) -> Result<Outcome, Refusal> {
    let shown = status(state, now);
    match *action {
        Move::Catch { by, lease_ms, new_lease_hash } => catch(state, shown, by, lease_ms, new_lease_hash, now),
        Move::Heartbeat { by, lease_hash, lease_ms } => {
            require_live_lease(state, shown, by, lease_hash)?;
            Ok(Outcome::Apply(Change {
                lease_expires_at: Some(lease_end(state, now, lease_ms)),
                ..unchanged(state, Stored::Caught)
            }))
        }
        Move::Done { by, lease_hash } => finish(state, shown, by, lease_hash, Stored::Done),
        Move::Fail { by, lease_hash } => finish(state, shown, by, lease_hash, Stored::Failed),
        Move::Cancel { by } => cancel(state, shown, by),
    }
}

fn catch(state: &State, shown: BatonStatus, by: &str, lease_ms: i64, hash: &str, now: i64) -> Result<Outcome, Refusal> {
    match shown {
        BatonStatus::Expired => Err(Refusal::Gone),
        BatonStatus::Caught => {
            Err(Refusal::Conflict("another catcher holds the lease; try again when it expires".into()))
        }
        BatonStatus::Done | BatonStatus::Failed | BatonStatus::Cancelled => {
            Err(Refusal::Conflict(format!("the baton is {} already", shown.as_str())))
        }
        BatonStatus::Pending => Ok(Outcome::Apply(Change {
            stored: Stored::Caught,
            attempt: state.attempt + 1,
            holder: Some(by.to_owned()),
            lease_hash: Some(hash.to_owned()),
            lease_expires_at: Some(lease_end(state, now, lease_ms)),
            finished: false,
            caught: true,
        })),
    }
}

/// A lease ends `lease_ms` from now, but never after the baton's TTL.
fn lease_end(state: &State, now: i64, lease_ms: i64) -> i64 {
    (now + lease_ms).min(state.expires_at)
}

fn unchanged(state: &State, stored: Stored) -> Change {
    Change {
        stored,
        attempt: state.attempt,
        holder: state.holder.clone(),
        lease_hash: state.lease_hash.clone(),
        lease_expires_at: state.lease_expires_at,
        finished: false,
        caught: false,
    }
}

/// The caller holds the current, live lease (and sent its token, if it sent one).
fn require_live_lease(state: &State, shown: BatonStatus, by: &str, lease_hash: Option<&str>) -> Result<(), Refusal> {
    match shown {
        BatonStatus::Expired => return Err(Refusal::Gone),
        BatonStatus::Caught => {}
        BatonStatus::Pending if state.stored == Stored::Caught => {
            return Err(Refusal::Conflict("the lease expired: catch the baton again".into()))
        }
        BatonStatus::Pending => return Err(Refusal::Conflict("the baton is not caught: catch it first".into())),
        other => return Err(Refusal::Conflict(format!("the baton is {} already", other.as_str()))),
    }
    if !holds(state, by, lease_hash) {
        return Err(Refusal::Conflict("the lease is held by another catcher or attempt".into()));
    }
    Ok(())
}

fn holds(state: &State, by: &str, lease_hash: Option<&str>) -> bool {
    state.holder.as_deref() == Some(by) && lease_hash.is_none_or(|h| state.lease_hash.as_deref() == Some(h))
}

fn finish(
    state: &State,
    shown: BatonStatus,
    by: &str,
    lease_hash: Option<&str>,
    to: Stored,
) -> Result<Outcome, Refusal> {
    if state.stored == to && holds(state, by, lease_hash) {
        return Ok(Outcome::Replay);
    }
    require_live_lease(state, shown, by, lease_hash)?;
    Ok(Outcome::Apply(Change { finished: true, ..unchanged(state, to) }))
}

fn cancel(state: &State, shown: BatonStatus, by: &str) -> Result<Outcome, Refusal> {
    if state.passed_by != by {
        return Err(Refusal::Forbidden("only the passer may cancel a baton".into()));
    }
    match shown {
        BatonStatus::Cancelled => Ok(Outcome::Replay),
        BatonStatus::Expired => Err(Refusal::Gone),
        BatonStatus::Done | BatonStatus::Failed => {
            Err(Refusal::Conflict(format!("the baton is {} already", shown.as_str())))
        }
        BatonStatus::Pending | BatonStatus::Caught => {
            Ok(Outcome::Apply(Change { finished: true, lease_expires_at: None, ..unchanged(state, Stored::Cancelled) }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL_END: i64 = 100_000;
    const ADA: &str = "user:1";
    const BOB: &str = "user:2";

    fn pending() -> State {
        State {
            stored: Stored::Pending,
            attempt: 0,
            passed_by: ADA.into(),
            holder: None,
            lease_hash: None,
            lease_expires_at: None,
            expires_at: TTL_END,
        }
    }

    /// Caught by Bob with lease "h1" until 20 000.
    fn caught() -> State {
        State {
            stored: Stored::Caught,
            attempt: 1,
            holder: Some(BOB.into()),
            lease_hash: Some("h1".into()),
            lease_expires_at: Some(20_000),
            ..pending()
        }
    }

    fn with(state: State, stored: Stored) -> State {
        State { stored, ..state }
    }

    fn apply(state: &State, m: Move, now: i64) -> Change {
        match decide(state, &m, now) {
            Ok(Outcome::Apply(change)) => change,
            other => panic!("expected a change, got {other:?}"),
        }
    }

    fn conflict(state: &State, m: Move, now: i64) {
        assert!(matches!(decide(state, &m, now), Err(Refusal::Conflict(_))), "{m:?} at {now}");
    }

    fn catch_by(by: &str) -> Move<'_> {
        Move::Catch { by, lease_ms: 10_000, new_lease_hash: "h2" }
    }

    fn done_by<'a>(by: &'a str, lease: Option<&'a str>) -> Move<'a> {
        Move::Done { by, lease_hash: lease }
    }

    #[test]
    fn status_derives_expiry_and_lapsed_leases() {
        assert_eq!(status(&pending(), 0), BatonStatus::Pending);
        assert_eq!(status(&pending(), TTL_END), BatonStatus::Expired);
        assert_eq!(status(&caught(), 19_999), BatonStatus::Caught);
        assert_eq!(status(&caught(), 20_000), BatonStatus::Pending);
        assert_eq!(status(&caught(), TTL_END), BatonStatus::Expired);
        for (stored, shown) in [
            (Stored::Done, BatonStatus::Done),
            (Stored::Failed, BatonStatus::Failed),
            (Stored::Cancelled, BatonStatus::Cancelled),
        ] {
            assert_eq!(status(&with(caught(), stored), TTL_END + 1), shown, "a finished baton never expires");
        }
    }

    #[test]
    fn catching_a_pending_baton_takes_the_first_lease() {
        let change = apply(&pending(), catch_by(BOB), 1_000);
        assert_eq!(change.stored, Stored::Caught);
        assert_eq!(change.attempt, 1);
        assert_eq!(change.holder.as_deref(), Some(BOB));
        assert_eq!(change.lease_hash.as_deref(), Some("h2"));
        assert_eq!(change.lease_expires_at, Some(11_000));
        assert!(change.caught && !change.finished);
    }

    #[test]
    fn a_held_lease_refuses_every_other_catch_even_by_its_holder() {
        conflict(&caught(), catch_by(ADA), 19_999);
        conflict(&caught(), catch_by(BOB), 19_999);
    }

    #[test]
    fn a_lapsed_lease_is_caught_again_with_the_next_attempt() {
        let change = apply(&caught(), catch_by(ADA), 20_000);
        assert_eq!((change.attempt, change.holder.as_deref()), (2, Some(ADA)));
    }

    #[test]
    fn a_lease_never_outlives_the_ttl() {
        assert_eq!(apply(&pending(), catch_by(BOB), TTL_END - 5).lease_expires_at, Some(TTL_END));
        let beat = Move::Heartbeat { by: BOB, lease_hash: None, lease_ms: 1_000_000 };
        assert_eq!(apply(&caught(), beat, 19_000).lease_expires_at, Some(TTL_END));
    }

    #[test]
    fn finished_batons_cannot_be_caught() {
        for stored in [Stored::Done, Stored::Failed, Stored::Cancelled] {
            conflict(&with(caught(), stored), catch_by(ADA), 1_000);
        }
    }

    #[test]
    fn every_move_on_an_expired_baton_is_gone() {
        let moves = [
            catch_by(BOB),
            Move::Heartbeat { by: BOB, lease_hash: None, lease_ms: 1 },
            done_by(BOB, None),
            Move::Fail { by: BOB, lease_hash: None },
            Move::Cancel { by: ADA },
        ];
        for state in [pending(), caught()] {
            for m in &moves {
                assert_eq!(decide(&state, m, TTL_END), Err(Refusal::Gone), "{m:?}");
            }
        }
    }

    #[test]
    fn the_holder_finishes_with_or_without_the_lease_token() {
        for lease in [None, Some("h1")] {
            let change = apply(&caught(), done_by(BOB, lease), 19_999);
            assert_eq!(change.stored, Stored::Done);
            assert!(change.finished);
            assert_eq!(change.attempt, 1);
        }
        let failed = apply(&caught(), Move::Fail { by: BOB, lease_hash: None }, 1);
        assert_eq!(failed.stored, Stored::Failed);
    }

    #[test]
    fn done_from_another_principal_a_stale_lease_or_a_lapsed_one_is_refused() {
        conflict(&caught(), done_by(ADA, None), 10_000);
        conflict(&caught(), done_by(BOB, Some("h0")), 10_000);
        conflict(&caught(), done_by(BOB, None), 20_000);
        conflict(&pending(), done_by(BOB, None), 10);
        // Bob's first lease lapsed and Ada caught it: Bob's late done changes nothing.
        let recaught = State { attempt: 2, holder: Some(ADA.into()), lease_hash: Some("h2".into()), ..caught() };
        conflict(&recaught, done_by(BOB, Some("h1")), 25_000);
    }

    #[test]
    fn repeating_the_same_finish_replays_and_a_different_one_conflicts() {
        let done = with(caught(), Stored::Done);
        assert_eq!(decide(&done, &done_by(BOB, None), 50_000), Ok(Outcome::Replay));
        assert_eq!(decide(&done, &done_by(BOB, Some("h1")), TTL_END + 9), Ok(Outcome::Replay));
        conflict(&done, done_by(BOB, Some("h0")), 50_000);
        conflict(&done, done_by(ADA, None), 50_000);
        conflict(&done, Move::Fail { by: BOB, lease_hash: None }, 50_000);
        let failed = with(caught(), Stored::Failed);
        assert_eq!(decide(&failed, &Move::Fail { by: BOB, lease_hash: None }, 1), Ok(Outcome::Replay));
        conflict(&failed, done_by(BOB, None), 1);
    }

    #[test]
    fn heartbeats_need_the_live_lease() {
        let beat = |by, lease_hash| Move::Heartbeat { by, lease_hash, lease_ms: 5_000 };
        assert_eq!(apply(&caught(), beat(BOB, Some("h1")), 19_000).lease_expires_at, Some(24_000));
        conflict(&caught(), beat(ADA, None), 19_000);
        conflict(&caught(), beat(BOB, Some("h9")), 19_000);
        conflict(&caught(), beat(BOB, None), 20_000);
        conflict(&pending(), beat(BOB, None), 0);
        conflict(&with(caught(), Stored::Done), beat(BOB, None), 0);
    }

    #[test]
    fn only_the_passer_cancels_an_unfinished_baton() {
        assert!(matches!(decide(&pending(), &Move::Cancel { by: BOB }, 0), Err(Refusal::Forbidden(_))));
        for state in [pending(), caught()] {
            let change = apply(&state, Move::Cancel { by: ADA }, 0);
            assert_eq!(change.stored, Stored::Cancelled);
            assert!(change.finished);
            assert_eq!(change.lease_expires_at, None);
        }
        let cancelled = with(pending(), Stored::Cancelled);
        assert_eq!(decide(&cancelled, &Move::Cancel { by: ADA }, TTL_END + 1), Ok(Outcome::Replay));
        conflict(&with(caught(), Stored::Done), Move::Cancel { by: ADA }, 0);
        // A cancelled baton's holder can no longer finish it.
        conflict(&with(caught(), Stored::Cancelled), done_by(BOB, None), 0);
    }

    #[test]
    fn stored_names_round_trip() {
        for s in [Stored::Pending, Stored::Caught, Stored::Done, Stored::Failed, Stored::Cancelled] {
            assert_eq!(Stored::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stored::parse("expired"), None);
    }
}
