//! The one place that forgets: each domain event that can make a cached authorization
//! decision wrong names the caches it reaches ([`reaches`]) and, for each, which entries are
//! stale ([`stale`]). Writers call only the functions below, after their write committed;
//! none touches a cache itself.
//!
//! What this isolate forgets at once, the others forget within [`AUTH_TTL_MS`] (see `cache`).
//! The rules are pure (an event, a key and a value in; stale or not out), so the unit tests
//! check every pair and that no cache is left unreached.
//!
//! [`AUTH_TTL_MS`]: crate::access::cache::AUTH_TTL_MS

use crate::access::auth::Principal;
use crate::access::cache::{Cache, SessionScope, TtlCache, BATON_HOMES, PRINCIPALS, SESSION_SCOPES, WORKSPACES_SEEN};

/// Something that happened and may make cached decisions wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A token or web login was revoked or ended (its SHA-256 hash).
    CredentialRevoked { hash: String },
    /// A person was disabled or enabled, changed their password, or lost their tokens: their
    /// credentials and the workers that act for them are looked up again.
    UserChanged { user_id: i64 },
    /// A person left a workspace: what they saw there, and the workers they registered.
    MembershipRemoved { workspace_id: i64, user_id: i64 },
    /// A workspace and everything in it are gone.
    WorkspaceDeleted { workspace_id: i64 },
    /// A project and its workers and sessions are gone.
    ProjectDeleted { project_id: i64 },
    /// A worker was deleted, re-registered, or its token rotated or revoked.
    WorkerChanged { worker_id: i64 },
    /// A session is gone.
    SessionDeleted { session_id: i64 },
}

/// The caches an event can make stale.
pub fn reaches(event: &Event) -> &'static [Cache] {
    use Cache::*;
    match event {
        Event::CredentialRevoked { .. } => &[Principals],
        Event::UserChanged { .. } => &[Principals, SessionScopes, BatonHomes, WorkspacesSeen],
        Event::MembershipRemoved { .. } => &[Principals, SessionScopes, BatonHomes, WorkspacesSeen],
        Event::WorkspaceDeleted { .. } => &[Principals, SessionScopes, BatonHomes, WorkspacesSeen],
        Event::ProjectDeleted { .. } => &[Principals, SessionScopes],
        Event::WorkerChanged { .. } => &[Principals, SessionScopes],
        Event::SessionDeleted { .. } => &[Principals, SessionScopes],
    }
}

/// A cached entry, as [`stale`] sees it.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    Principal {
        key: &'a str,
        principal: &'a Principal,
    },
    /// (caller, session) → scope.
    SessionScope {
        caller: i64,
        scope: &'a SessionScope,
    },
    /// (caller, named workspace) → home workspace.
    BatonHome {
        caller: i64,
        home: i64,
    },
    /// (caller, workspace).
    WorkspaceSeen {
        caller: i64,
        workspace_id: i64,
    },
}

/// Whether `entry` is made stale by `event`. Callers are keyed as in
/// [`Principal::cache_key`]: people by id, workers by minus their id.
pub fn stale(event: &Event, entry: Entry<'_>) -> bool {
    let worker_of = |p: &Principal| p.worker;
    let agent_of = |p: &Principal| p.agent;
    match (event, entry) {
        (Event::CredentialRevoked { hash }, Entry::Principal { key, .. }) => {
            key.split_once(':').is_some_and(|(_, h)| h == hash)
        }
        (Event::UserChanged { user_id }, Entry::Principal { principal, .. })
        | (Event::MembershipRemoved { user_id, .. }, Entry::Principal { principal, .. }) => {
            principal.user_id == *user_id && principal.worker.is_none() && principal.agent.is_none()
                || worker_of(principal).is_some_and(|w| w.registrant == *user_id)
                || agent_of(principal).is_some_and(|a| a.registrant == *user_id)
        }
        (Event::UserChanged { user_id }, Entry::SessionScope { caller, .. })
        | (Event::UserChanged { user_id }, Entry::BatonHome { caller, .. })
        | (Event::UserChanged { user_id }, Entry::WorkspaceSeen { caller, .. }) => caller == *user_id,
        (Event::MembershipRemoved { workspace_id, user_id }, Entry::SessionScope { caller, scope }) => {
            caller == *user_id && scope.workspace_id == *workspace_id
        }
        (Event::MembershipRemoved { workspace_id, user_id }, Entry::BatonHome { caller, home }) => {
            caller == *user_id && home == *workspace_id
        }
        (Event::MembershipRemoved { workspace_id: w, user_id }, Entry::WorkspaceSeen { caller, workspace_id }) => {
            caller == *user_id && workspace_id == *w
        }
        (Event::WorkspaceDeleted { workspace_id }, Entry::Principal { principal, .. }) => {
            worker_of(principal).is_some_and(|w| w.workspace_id == *workspace_id)
                || agent_of(principal).is_some_and(|a| a.workspace_id == *workspace_id)
        }
        (Event::WorkspaceDeleted { workspace_id }, Entry::SessionScope { scope, .. }) => {
            scope.workspace_id == *workspace_id
        }
        (Event::WorkspaceDeleted { workspace_id }, Entry::BatonHome { home, .. }) => home == *workspace_id,
        (Event::WorkspaceDeleted { workspace_id: w }, Entry::WorkspaceSeen { workspace_id, .. }) => workspace_id == *w,
        (Event::ProjectDeleted { project_id }, Entry::Principal { principal, .. }) => {
            worker_of(principal).is_some_and(|w| w.project_id == *project_id)
                || agent_of(principal).is_some_and(|a| a.project_id == *project_id)
        }
        (Event::ProjectDeleted { project_id }, Entry::SessionScope { scope, .. }) => scope.project_id == *project_id,
        (Event::WorkerChanged { worker_id }, Entry::Principal { principal, .. }) => {
            worker_of(principal).is_some_and(|w| w.worker_id == *worker_id)
                || agent_of(principal).is_some_and(|a| a.worker_id == Some(*worker_id))
        }
        (Event::SessionDeleted { session_id }, Entry::Principal { principal, .. }) => {
            agent_of(principal).is_some_and(|a| a.session_id == *session_id)
        }
        (Event::WorkerChanged { worker_id }, Entry::SessionScope { caller, scope }) => {
            scope.worker_id == Some(*worker_id) || caller == -*worker_id
        }
        (Event::SessionDeleted { session_id }, Entry::SessionScope { scope, .. }) => scope.id == *session_id,
        _ => false,
    }
}

/// Makes this isolate forget everything `event` made stale.
pub fn happened(event: &Event) {
    for cache in reaches(event) {
        match cache {
            Cache::Principals => {
                forget(&PRINCIPALS, |key, principal| stale(event, Entry::Principal { key, principal }))
            }
            Cache::SessionScopes => forget(&SESSION_SCOPES, |(caller, _), scope| {
                stale(event, Entry::SessionScope { caller: *caller, scope })
            }),
            Cache::BatonHomes => forget(&BATON_HOMES, |(caller, _), home| {
                stale(event, Entry::BatonHome { caller: *caller, home: *home })
            }),
            Cache::WorkspacesSeen => forget(&WORKSPACES_SEEN, |(caller, workspace_id), ()| {
                stale(event, Entry::WorkspaceSeen { caller: *caller, workspace_id: *workspace_id })
            }),
        }
    }
}

fn forget<K: Eq + std::hash::Hash, V: Clone>(
    cache: &'static std::thread::LocalKey<std::cell::RefCell<TtlCache<K, V>>>,
    is_stale: impl Fn(&K, &V) -> bool,
) {
    cache.with(|c| c.borrow_mut().forget_where(is_stale));
}

/// A token or web login was revoked (`hash`: its SHA-256).
pub fn credential_revoked(hash: &str) {
    happened(&Event::CredentialRevoked { hash: hash.to_owned() });
}

/// A person was disabled or enabled, changed their password, or lost their tokens.
pub fn user_changed(user_id: i64) {
    happened(&Event::UserChanged { user_id });
}

/// A person left a workspace.
pub fn membership_removed(workspace_id: i64, user_id: i64) {
    happened(&Event::MembershipRemoved { workspace_id, user_id });
}

pub fn workspace_deleted(workspace_id: i64) {
    happened(&Event::WorkspaceDeleted { workspace_id });
}

pub fn project_deleted(project_id: i64) {
    happened(&Event::ProjectDeleted { project_id });
}

/// A worker was deleted, re-registered, or had its token rotated or revoked.
pub fn worker_changed(worker_id: i64) {
    happened(&Event::WorkerChanged { worker_id });
}

pub fn session_deleted(session_id: i64) {
    happened(&Event::SessionDeleted { session_id });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::auth::WorkerScope;
    use protocol::api::Role;

    fn events() -> Vec<Event> {
        vec![
            Event::CredentialRevoked { hash: "h".into() },
            Event::UserChanged { user_id: 1 },
            Event::MembershipRemoved { workspace_id: 10, user_id: 1 },
            Event::WorkspaceDeleted { workspace_id: 10 },
            Event::ProjectDeleted { project_id: 20 },
            Event::WorkerChanged { worker_id: 30 },
            Event::SessionDeleted { session_id: 40 },
        ]
    }

    fn person(id: i64) -> Principal {
        Principal {
            user_id: id,
            username: "p".into(),
            role: Role::Member,
            web_login_hash: None,
            worker: None,
            agent: None,
            token_scope: None,
            invite: None,
        }
    }

    fn agent(session_id: i64, registrant: i64) -> Principal {
        use crate::access::auth::AgentScope;
        let scope = AgentScope { session_id, worker_id: Some(30), project_id: 20, workspace_id: 10, registrant };
        Principal { agent: Some(scope), ..person(0) }
    }

    /// A session's agent loses its token's principal with its session, its worker, its
    /// project, its workspace, and its worker's registrant's access.
    #[test]
    fn an_agents_principal_goes_with_everything_it_stands_on() {
        let a = agent(40, 1);
        for event in [
            Event::SessionDeleted { session_id: 40 },
            Event::WorkerChanged { worker_id: 30 },
            Event::ProjectDeleted { project_id: 20 },
            Event::WorkspaceDeleted { workspace_id: 10 },
            Event::MembershipRemoved { workspace_id: 10, user_id: 1 },
            Event::UserChanged { user_id: 1 },
        ] {
            assert!(stale(&event, Entry::Principal { key: "bearer:a", principal: &a }), "{event:?}");
        }
        assert!(!stale(&Event::SessionDeleted { session_id: 41 }, Entry::Principal { key: "bearer:a", principal: &a }));
        assert!(!stale(&Event::UserChanged { user_id: 0 }, Entry::Principal { key: "bearer:a", principal: &a }));
    }

    fn worker(id: i64, registrant: i64) -> Principal {
        Principal {
            user_id: 0,
            worker: Some(WorkerScope { worker_id: id, project_id: 20, registrant, workspace_id: 10 }),
            ..person(0)
        }
    }

    const SCOPE: SessionScope = SessionScope { id: 40, project_id: 20, workspace_id: 10, worker_id: Some(30) };

    /// Every cache is forgotten by some event, and only through the table that `happened`
    /// walks: a new cache that no event reaches fails here.
    #[test]
    fn every_cache_is_reached_by_some_event() {
        for cache in Cache::ALL {
            assert!(events().iter().any(|e| reaches(e).contains(&cache)), "{cache:?} is never invalidated");
        }
    }

    /// An event marks entries stale only in the caches it reaches (else `happened` would
    /// skip what `stale` says).
    #[test]
    fn an_event_marks_stale_only_in_the_caches_it_reaches() {
        let (p, w) = (person(1), worker(30, 1));
        let entries = [
            (Cache::Principals, Entry::Principal { key: "bearer:h", principal: &p }),
            (Cache::Principals, Entry::Principal { key: "cookie:x", principal: &w }),
            (Cache::SessionScopes, Entry::SessionScope { caller: 1, scope: &SCOPE }),
            (Cache::SessionScopes, Entry::SessionScope { caller: -30, scope: &SCOPE }),
            (Cache::BatonHomes, Entry::BatonHome { caller: 1, home: 10 }),
            (Cache::WorkspacesSeen, Entry::WorkspaceSeen { caller: 1, workspace_id: 10 }),
        ];
        for event in events() {
            for (cache, entry) in entries {
                if stale(&event, entry) {
                    assert!(reaches(&event).contains(&cache), "{event:?} makes {cache:?} stale but does not reach it");
                }
            }
        }
    }

    #[test]
    fn a_removed_member_loses_what_they_saw_there_and_their_workers() {
        let removed = Event::MembershipRemoved { workspace_id: 10, user_id: 1 };
        assert!(stale(&removed, Entry::Principal { key: "bearer:a", principal: &worker(30, 1) }));
        assert!(!stale(&removed, Entry::Principal { key: "bearer:a", principal: &worker(31, 2) }));
        assert!(stale(&removed, Entry::SessionScope { caller: 1, scope: &SCOPE }));
        let elsewhere = SessionScope { workspace_id: 11, ..SCOPE };
        assert!(!stale(&removed, Entry::SessionScope { caller: 1, scope: &elsewhere }));
        assert!(stale(&removed, Entry::WorkspaceSeen { caller: 1, workspace_id: 10 }));
        assert!(!stale(&removed, Entry::WorkspaceSeen { caller: 2, workspace_id: 10 }));
        assert!(stale(&removed, Entry::BatonHome { caller: 1, home: 10 }));
    }

    #[test]
    fn revocations_reach_the_credential_of_either_kind_and_no_other() {
        let revoked = Event::CredentialRevoked { hash: "abc".into() };
        let p = person(1);
        assert!(stale(&revoked, Entry::Principal { key: "bearer:abc", principal: &p }));
        assert!(stale(&revoked, Entry::Principal { key: "cookie:abc", principal: &p }));
        assert!(!stale(&revoked, Entry::Principal { key: "bearer:abcd", principal: &p }));
    }

    #[test]
    fn deletes_reach_what_was_inside() {
        let w = worker(30, 1);
        for event in [
            Event::WorkspaceDeleted { workspace_id: 10 },
            Event::ProjectDeleted { project_id: 20 },
            Event::WorkerChanged { worker_id: 30 },
        ] {
            assert!(stale(&event, Entry::Principal { key: "bearer:w", principal: &w }), "{event:?}");
            assert!(stale(&event, Entry::SessionScope { caller: 1, scope: &SCOPE }), "{event:?}");
        }
        assert!(stale(&Event::SessionDeleted { session_id: 40 }, Entry::SessionScope { caller: 1, scope: &SCOPE }));
        assert!(!stale(&Event::SessionDeleted { session_id: 41 }, Entry::SessionScope { caller: 1, scope: &SCOPE }));
        assert!(!stale(&Event::ProjectDeleted { project_id: 21 }, Entry::Principal { key: "k", principal: &w }));
    }

    #[test]
    fn happened_forgets_through_the_thread_local_caches() {
        let scope_key = (1, 40);
        let ticket = SESSION_SCOPES.with(|c| c.borrow().ticket());
        SESSION_SCOPES.with(|c| c.borrow_mut().insert(scope_key, SCOPE, 0, ticket));
        session_deleted(41);
        assert_eq!(SESSION_SCOPES.with(|c| c.borrow_mut().get(&scope_key, 1)), Some(SCOPE));
        session_deleted(40);
        assert_eq!(SESSION_SCOPES.with(|c| c.borrow_mut().get(&scope_key, 1)), None);
    }
}
