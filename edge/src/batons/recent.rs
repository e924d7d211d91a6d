//! Batons this isolate wrote or read lately, so a move (catch, heartbeat, done, fail, cancel)
//! can decide on the row it already knows instead of reading it again: pass → catch → done
//! then costs one D1 call each.
//!
//! Why this is safe: a move is written with a compare-and-set on the row's revision, so a
//! decision taken on a stale row cannot be written; the handler then reads the row from D1
//! and decides again. A stale row can only make a refusal's message less precise (the status
//! code is the same: every change another isolate can make to a held or finished baton ends
//! in a 409 here too). `status` and lists never use it: what a reader sees is always D1's.
//!
//! Who may see a cached row is cached too, for [`AUTH_TTL_MS`] like every other
//! authorization decision (see `cache`): a worker's view is decided from the row itself; a
//! person's workspace membership is remembered after D1 showed it.

use std::cell::RefCell;

use super::record::Row;
use crate::access::auth::Principal;
use crate::access::cache::{Ticket, TtlCache, AUTH_TTL_MS};

/// How long a row is kept; its revision, not its age, decides whether it is current.
const ROW_TTL_MS: i64 = 60_000;
/// Rows kept at most, and the largest one kept (task, payload and result): an isolate has
/// 128 MB, and a baton may carry a megabyte; at most 1,000 × 16 KiB stays here.
const MAX_ROWS: usize = 1_000;
const MAX_ROW_BYTES: usize = 16 * 1024;

thread_local! {
    static ROWS: RefCell<TtlCache<String, Row>> = RefCell::new(TtlCache::new(ROW_TTL_MS, MAX_ROWS));
    /// (caller, workspace) pairs D1 showed visible.
    static VISIBLE: RefCell<TtlCache<(i64, i64), ()>> = RefCell::new(TtlCache::new(AUTH_TTL_MS, 10_000));
}

/// Taken before D1 shows a row visible, so that a membership removed meanwhile is not
/// remembered as visible.
pub fn ticket() -> Ticket {
    VISIBLE.with(|c| c.borrow().ticket())
}

/// Remembers a row, and that `who` may see it (as D1 showed under `ticket`).
pub fn remember(who: &Principal, row: &Row, now: i64, ticket: Ticket) {
    ROWS.with(|c| {
        let mut rows = c.borrow_mut();
        if small(row) {
            let fresh = rows.ticket();
            rows.insert(row.id.clone(), row.clone(), now, fresh);
        } else {
            rows.remove(&row.id); // an older, smaller copy must not outlive this move
        }
    });
    if who.worker.is_none() {
        VISIBLE.with(|c| c.borrow_mut().insert((who.cache_key(), row.workspace_id), (), now, ticket));
    }
}

fn small(row: &Row) -> bool {
    row.task.len() + row.payload.len() + row.result.as_ref().map_or(0, String::len) <= MAX_ROW_BYTES
}

/// The remembered row `id`, if `who` may see it.
pub fn get(who: &Principal, id: &str, now: i64) -> Option<Row> {
    let row = ROWS.with(|c| c.borrow_mut().get(&id.to_owned(), now))?;
    let visible = match who.worker {
        Some(w) => super::record::worker_sees(&row, w),
        None => {
            who.is_admin() || VISIBLE.with(|c| c.borrow_mut().get(&(who.cache_key(), row.workspace_id), now)).is_some()
        }
    };
    visible.then_some(row)
}

/// Forgets every remembered visibility (a membership or a workspace went away).
pub fn forget_visibility() {
    VISIBLE.with(|c| c.borrow_mut().forget_where(|_, _| true));
}
