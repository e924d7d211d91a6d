//! The end-to-end harness, shared by the tests under `e2e/tests` and the benchmark.
//!
//! - [`server`] starts the real Worker in `wrangler dev` on free ports with a fresh state
//!   directory, waits for `/api/health`, and stops it (and its workerd children) even when
//!   the test process dies;
//! - [`api`] is a small HTTP client for tests: raw status and JSON, no retries, nothing
//!   hidden;
//! - [`cli`] runs the real `baton` binary with an isolated config;
//! - [`clients`] runs the Python test clients (the official MCP and A2A SDKs);
//! - [`machine`] is a git repository registered as a worker, whose daemon a test runs;
//! - [`proxy`] is a TCP proxy that can cut every open connection, to test reconnects;
//! - [`fake_github`] stands in for the GitHub REST API's issue listing, on loopback;
//! - [`receiver`] is a local webhook receiver that answers as told and keeps what it got.

pub mod api;
pub mod cli;
pub mod clients;
pub mod fake_chat;
pub mod fake_github;
pub mod machine;
pub mod proxy;
pub mod receiver;
pub mod server;
pub mod sse;
