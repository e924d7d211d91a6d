//! GitHub sync: a repository linked to a project mirrors each of its issues as a requirement
//! (number, title, state, link; never the body or comments).
//!
//! - [`issue`]: the pure rules (payload → snapshot, state → status, ordering, parsers);
//! - [`mirror`]: applying a snapshot to D1, shared by webhooks and backfill;
//! - [`links`]: connecting and disconnecting repositories;
//! - [`webhook`]: the delivery endpoint;
//! - [`backfill`]: mirroring existing issues through the REST API.

pub mod backfill;
pub mod issue;
pub mod links;
pub mod mirror;
pub mod webhook;
