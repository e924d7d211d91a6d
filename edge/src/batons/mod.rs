//! Batons: the agent-to-agent handoff API.
//!
//! - [`rules`]: the life of a baton as pure functions (status, legal moves);
//! - [`record`]: the `batons` table: reading a visible row, writing a move with a
//!   compare-and-set on its revision, and showing a row as the API's record;
//! - [`handlers`]: the routes (`/api/pass`, `/api/catch/:id`, `/api/done/:id`,
//!   `/api/status/:id`, heartbeat, fail, cancel, the list);
//! - [`recent`]: rows this isolate knows, so a move skips re-reading them (safe under the
//!   compare-and-set);
//! - [`target`]: where a baton goes (`to`) and which workspace it belongs to;
//! - [`webhook`]: completion webhooks: which addresses are allowed, and signing.
//!
//! Decisions (see also the README):
//! - visibility: people see the batons of their workspaces; a worker token sees the batons
//!   addressed to it or, unaddressed to a worker, to its project; anything else is 404;
//! - an unaddressed baton belongs to `workspace_id`, or to the passer's only workspace;
//! - limits: bodies up to 1 MiB ([`crate::http::body::MAX_BODY_BYTES`], else 413); TTL 1 s to
//!   30 days (default 24 h); leases 1 s to 1 h (default 5 min, `?lease_seconds=` on catch,
//!   `lease_seconds` on heartbeat);
//! - `status` never changes anything and answers 200 even for an expired baton; every move
//!   on an expired one answers 410.

pub mod handlers;
pub mod recent;
pub mod record;
pub mod rules;
pub mod target;
pub mod webhook;

/// Default time to live of a baton, in seconds.
pub const DEFAULT_TTL_SECONDS: i64 = 24 * 3600;
/// Longest time to live, in seconds.
pub const MAX_TTL_SECONDS: i64 = 30 * 24 * 3600;
/// Default lease, in seconds.
pub const DEFAULT_LEASE_SECONDS: i64 = 300;
/// Longest lease, in seconds.
pub const MAX_LEASE_SECONDS: i64 = 3600;
