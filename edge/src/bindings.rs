//! The names of the Worker's bindings and variables. They must match `wrangler.toml`.

/// D1: the durable model.
pub const DB: &str = "DB";
/// Durable Object namespace of the Hub (event logs with live fan-out).
pub const HUB: &str = "HUB";
/// Secret that authorizes the one-time admin bootstrap (`wrangler secret put`, or `.dev.vars`
/// locally).
pub const SETUP_SECRET: &str = "BATON_SETUP_SECRET";
