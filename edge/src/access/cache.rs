//! A small time-bounded cache, used per isolate for authorization decisions on the hot path
//! (who a token belongs to; whether a user may see a session).
//!
//! Why: a message POST otherwise costs two D1 reads before it reaches the Hub, which caps
//! message throughput far below what the Hub can take. The price is staleness: a revoked
//! token, an ended web login or a removed membership keeps working for at most [`AUTH_TTL_MS`]
//! on isolates other than the one that served the revocation (that one forgets at once).
//!
//! A read that raced a revocation must not cache what was revoked: an insert carries the
//! [`Ticket`] taken before the read, and is dropped if anything was forgotten since.
//!
//! Every such cache lives here ([`Cache`] lists them), holds only what never changes for its
//! key, and forgets through [`crate::access::invalidate`], the one place that knows which
//! domain event makes which cache stale.
//!
//! The rules of [`TtlCache`] are pure: `now` is an argument, so they are tested with a fake
//! clock.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;

use crate::access::auth::Principal;

/// How long a cached authorization decision is trusted.
pub const AUTH_TTL_MS: i64 = 5_000;

/// The per-isolate caches of authorization decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// [`PRINCIPALS`]: who a credential belongs to.
    Principals,
    /// [`SESSION_SCOPES`]: that a caller may see a session, and where the session lives.
    SessionScopes,
    /// [`BATON_HOMES`]: the workspace a caller's unaddressed batons belong to.
    BatonHomes,
    /// [`WORKSPACES_SEEN`]: that a caller may see a workspace (for batons it knows).
    WorkspacesSeen,
}

impl Cache {
    pub const ALL: [Cache; 4] = [Cache::Principals, Cache::SessionScopes, Cache::BatonHomes, Cache::WorkspacesSeen];
}

/// What never changes about a session: where it lives. Mutable fields (name, model, plan
/// mode) are always read from D1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionScope {
    pub id: i64,
    pub project_id: i64,
    pub workspace_id: i64,
    pub worker_id: Option<i64>,
}

thread_local! {
    /// `access::auth::Credential::cache_key` → principal.
    pub static PRINCIPALS: RefCell<TtlCache<String, Principal>> = RefCell::new(TtlCache::new(AUTH_TTL_MS, 10_000));
    /// (caller, session) → the session's scope: the hot path of message posting and watching
    /// skips the visibility query.
    pub static SESSION_SCOPES: RefCell<TtlCache<(i64, i64), SessionScope>> =
        RefCell::new(TtlCache::new(AUTH_TTL_MS, 10_000));
    /// (caller, named workspace or 0) → the workspace of its unaddressed batons: an agent
    /// passing batons in a loop skips the membership query.
    pub static BATON_HOMES: RefCell<TtlCache<(i64, i64), i64>> = RefCell::new(TtlCache::new(AUTH_TTL_MS, 10_000));
    /// (caller, workspace) pairs D1 showed visible, for batons this isolate remembers.
    pub static WORKSPACES_SEEN: RefCell<TtlCache<(i64, i64), ()>> = RefCell::new(TtlCache::new(AUTH_TTL_MS, 10_000));
}

pub struct TtlCache<K, V> {
    entries: HashMap<K, (V, i64)>,
    ttl_ms: i64,
    capacity: usize,
    /// Bumped by every forget.
    generation: u64,
}

/// Taken before reading what will be cached; see [`TtlCache::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl_ms: i64, capacity: usize) -> Self {
        TtlCache { entries: HashMap::new(), ttl_ms, capacity, generation: 0 }
    }

    /// The value stored for `key` less than the TTL ago.
    pub fn get(&mut self, key: &K, now: i64) -> Option<V> {
        match self.entries.get(key) {
            Some((value, expires)) if *expires > now => Some(value.clone()),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// A ticket for a read whose result may be inserted.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation)
    }

    /// Stores a value read under `ticket`, unless something was forgotten since (the read may
    /// have seen what was just revoked). When full, drops expired entries first and
    /// everything if that is not enough (a cache miss costs one query, so a crude eviction
    /// is fine).
    pub fn insert(&mut self, key: K, value: V, now: i64, ticket: Ticket) {
        if ticket != self.ticket() {
            return;
        }
        if self.entries.len() >= self.capacity {
            self.entries.retain(|_, (_, expires)| *expires > now);
            if self.entries.len() >= self.capacity {
                self.entries.clear();
            }
        }
        self.entries.insert(key, (value, now + self.ttl_ms));
    }

    pub fn remove(&mut self, key: &K) {
        self.generation += 1;
        self.entries.remove(key);
    }

    /// Forgets every entry for which `stale` is true.
    pub fn forget_where(&mut self, stale: impl Fn(&K, &V) -> bool) {
        self.generation += 1;
        self.entries.retain(|k, (v, _)| !stale(k, v));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_exactly_the_ttl() {
        let mut cache = TtlCache::new(100, 10);
        cache.insert("a", 1, 1000, cache.ticket());
        assert_eq!(cache.get(&"a", 1099), Some(1));
        assert_eq!(cache.get(&"a", 1100), None);
        assert!(cache.is_empty(), "expired entries are dropped on read");
    }

    #[test]
    fn a_full_cache_evicts_expired_entries_then_everything() {
        let mut cache = TtlCache::new(100, 2);
        cache.insert(1, 1, 0, cache.ticket());
        cache.insert(2, 2, 50, cache.ticket());
        cache.insert(3, 3, 120, cache.ticket()); // 1 expired: evicted
        assert_eq!((cache.get(&1, 120), cache.get(&2, 120), cache.get(&3, 120)), (None, Some(2), Some(3)));
        cache.insert(4, 4, 130, cache.ticket()); // nothing expired: cleared
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(&4, 130), Some(4));
    }

    #[test]
    fn a_read_that_raced_a_forget_is_not_cached() {
        let mut cache = TtlCache::new(100, 10);
        let before_revocation = cache.ticket();
        cache.forget_where(|_: &i32, _: &i32| true);
        cache.insert(1, 1, 0, before_revocation);
        assert_eq!(cache.get(&1, 1), None);
        let after = cache.ticket();
        cache.insert(1, 1, 0, after);
        assert_eq!(cache.get(&1, 1), Some(1));
    }

    #[test]
    fn forgetting_removes_matching_entries_at_once() {
        let mut cache = TtlCache::new(100, 10);
        cache.insert((1, 7), "x", 0, cache.ticket());
        cache.insert((2, 7), "y", 0, cache.ticket());
        cache.forget_where(|(user, _), _| *user == 1);
        assert_eq!(cache.get(&(1, 7), 1), None);
        assert_eq!(cache.get(&(2, 7), 1), Some("y"));
        cache.remove(&(2, 7));
        assert!(cache.is_empty());
    }
}
