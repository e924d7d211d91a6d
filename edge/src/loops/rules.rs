//! The pure rules of a loop's schedule: which intervals are allowed, when the first run is,
//! where the schedule goes after a run, when a change starts it again, and why a due run is
//! skipped.
//!
//! A schedule is a grid: runs are due at `anchor + k * interval`. A run that fires late keeps
//! the grid (the next one is not pushed back by the delay), and runs missed while nothing
//! could fire (the server down for hours) are not made up: the next run is the first grid
//! point after now, so a returning server posts one message, not a pile.

use protocol::loops::{MAX_INTERVAL_S, MIN_INTERVAL_S};

/// Tests shorten the minimum interval with this variable (seconds, at least 1).
pub const MIN_INTERVAL_VAR: &str = "BATON_LOOP_MIN_INTERVAL_S";

/// The shortest interval allowed: 30 s, or the test variable's value.
pub fn min_interval_s(var: Option<&str>) -> u32 {
    var.and_then(|v| v.parse::<u32>().ok()).filter(|v| *v >= 1).unwrap_or(MIN_INTERVAL_S)
}

/// Why `interval_s` is refused, if it is.
pub fn check_interval(interval_s: u32, min_s: u32) -> Result<(), String> {
    if interval_s < min_s || interval_s > MAX_INTERVAL_S {
        return Err(format!("must be between {min_s} and {MAX_INTERVAL_S} seconds (90 days)"));
    }
    Ok(())
}

fn interval_ms(interval_s: u32) -> i64 {
    i64::from(interval_s) * 1000
}

/// The first run of a schedule anchored at `anchor`: one interval later, never at once.
pub fn first_run(anchor: i64, interval_s: u32) -> i64 {
    anchor + interval_ms(interval_s)
}

/// The run after the one due at `scheduled`, seen at `now`: the first grid point after now.
pub fn next_after(scheduled: i64, interval_s: u32, now: i64) -> i64 {
    let step = interval_ms(interval_s).max(1);
    let next = scheduled + step;
    if next > now {
        return next;
    }
    // Late by one interval or more: skip to the first point after now, not one per miss.
    let missed = (now - scheduled) / step;
    scheduled + (missed + 1) * step
}

/// Whether a change starts the schedule again from now: a new interval, or enabling a loop
/// that was disabled.
pub fn reanchors(old_interval_s: u32, new_interval_s: u32, was_enabled: bool, is_enabled: bool) -> bool {
    old_interval_s != new_interval_s || (!was_enabled && is_enabled)
}

/// What the session looks like when a run is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The session's worker (none: a conversation without one).
    pub worker_id: Option<i64>,
    pub worker_online: bool,
    /// A turn is running: a message now would queue behind it.
    pub turn_open: bool,
}

/// Why a due run does not post its message, if it does not: nothing would answer it, or it
/// would queue behind work still going on (a loop must not pile messages up).
pub fn skip_reason(session: Session) -> Option<String> {
    match session {
        Session { worker_id: None, .. } => Some("the session has no worker to run it".to_owned()),
        Session { worker_id: Some(w), worker_online: false, .. } => {
            Some(format!("{} is offline", protocol::handle::Handle::worker(w)))
        }
        Session { turn_open: true, .. } => Some("a turn was still running".to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_run_from_30_seconds_to_90_days_unless_a_test_shortens_the_minimum() {
        assert_eq!(min_interval_s(None), 30);
        assert_eq!(min_interval_s(Some("2")), 2);
        assert_eq!(min_interval_s(Some("0")), 30, "never zero");
        assert_eq!(min_interval_s(Some("x")), 30);
        assert!(check_interval(29, 30).is_err());
        assert!(check_interval(30, 30).is_ok());
        assert!(check_interval(7_776_000, 30).is_ok());
        assert!(check_interval(7_776_001, 30).unwrap_err().contains("90 days"));
    }

    #[test]
    fn a_loop_never_fires_at_creation() {
        assert_eq!(first_run(1_000, 30), 31_000);
    }

    #[test]
    fn a_late_run_keeps_the_grid_and_missed_runs_are_not_made_up() {
        // On time, and a little late: the next is one interval after the scheduled time.
        assert_eq!(next_after(10_000, 30, 10_000), 40_000);
        assert_eq!(next_after(10_000, 30, 10_900), 40_000);
        // Late by exactly one interval: that point is now, so the next is after it.
        assert_eq!(next_after(10_000, 30, 40_000), 70_000);
        // Down for an hour: one run now, the next on the grid after now.
        let next = next_after(10_000, 30, 10_000 + 3_600_000 + 5);
        assert!(next > 3_610_005 && next <= 3_610_005 + 30_000);
        assert_eq!((next - 10_000) % 30_000, 0, "on the grid");
    }

    #[test]
    fn a_new_interval_or_enabling_starts_the_schedule_again() {
        assert!(reanchors(30, 60, true, true));
        assert!(reanchors(30, 30, false, true));
        assert!(!reanchors(30, 30, true, true), "a new message keeps the schedule");
        assert!(!reanchors(30, 30, true, false), "disabling stops it; nothing to anchor");
    }

    #[test]
    fn a_run_is_skipped_with_the_reason_when_nothing_could_answer_it() {
        let idle = Session { worker_id: Some(2), worker_online: true, turn_open: false };
        assert_eq!(skip_reason(idle), None);
        assert_eq!(skip_reason(Session { worker_online: false, ..idle }).unwrap(), "W-2 is offline");
        assert_eq!(skip_reason(Session { turn_open: true, ..idle }).unwrap(), "a turn was still running");
        assert!(skip_reason(Session { worker_id: None, ..idle }).unwrap().contains("no worker"));
    }
}
