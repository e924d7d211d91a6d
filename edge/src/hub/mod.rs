//! The Hub: one Durable Object class holding an append-only, sequenced event log per stream
//! key (`session:<id>` transcripts, `worker:<id>` command streams, `project:<id>` change
//! signals, `webhook:<baton id>` deliveries), with replay and live fan-out over Server-Sent
//! Events. The Hub knows no feature: what it stores is opaque events and deliveries.
//!
//! - [`replay`] holds the pure rules: where a reader resumes, how an event's JSON is
//!   enveloped, the bounds of pages, replays and subscriber backlogs;
//! - [`object`] is the Durable Object that carries them out against its SQLite storage and its
//!   live subscribers;
//! - [`delivery`] holds a webhook delivery (`webhook:<baton id>`) and retries it from the
//!   object's alarm;
//! - [`client`] is how the Worker front talks to a Hub, after it has authenticated and
//!   authorized the caller. Nothing else reaches a Hub.

pub mod client;
pub mod delivery;
pub mod idle;
pub mod object;
pub mod replay;

pub use object::Hub;
