//! baton's wire protocol: everything the edge (the Worker), the `baton` CLI and the web UI
//! must agree on, and nothing else.
//!
//! - [`error`]: the JSON error envelope and its codes;
//! - [`handle`]: the handles people type (`R-3`, `T-12`, `W-2`);
//! - [`github`]: repository links and backfill reports of the GitHub sync;
//! - [`model`]: requirements, tasks, dependencies and comments, and their status rules;
//! - [`api`]: request and response bodies of the HTTP API;
//! - [`channel`]: rooms where agents and people talk, and what of a room concerns a reader;
//! - [`baton`]: the handoff API (pass, catch, done, status) and its records;
//! - [`worker`]: worker registration; [`agent`]: the provider-neutral events of coding agents;
//! - [`event`]: the events of a Hub stream (a session's transcript, a worker's commands, a
//!   project's changes); one example of each is in `samples/events/`, round-tripped in tests;
//! - [`sse`]: Server-Sent Events framing, both writing frames and parsing them incrementally;
//! - [`time`]: RFC 3339 formatting of the Unix milliseconds the server stores;
//! - [`turn`]: when a turn that someone waits for has ended, and with what answer;
//! - [`address`]: which hosts are not on the public internet.
//!
//! This crate is serde-only and builds for native and `wasm32-unknown-unknown`; it performs no
//! I/O and reads no clock. Its `schema` feature (off except in edge's tests) derives JSON
//! Schemas, from which `edge/openapi.json`'s component schemas are generated.

pub mod address;
pub mod agent;
pub mod api;
pub mod baton;
pub mod bridge;
pub mod channel;
pub mod error;
pub mod event;
pub mod github;
pub mod handle;
pub mod loops;
pub mod model;
pub mod sse;
pub mod time;
pub mod turn;
pub mod worker;

/// The version of this wire protocol. The CLI and the server exchange it (`/api/health`) so a
/// mismatch can say which side to upgrade.
pub const PROTOCOL_VERSION: u32 = 1;
