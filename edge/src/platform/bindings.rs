//! The names of the Worker's bindings and variables. They must match `wrangler.toml`.

/// D1: the durable model.
pub const DB: &str = "DB";
/// R2: attachments and other blobs.
pub const BLOBS: &str = "BLOBS";
/// Durable Object namespace of the Hub (event logs with live fan-out).
pub const HUB: &str = "HUB";
/// Durable Object namespace of the loops' clocks (one per loop, `loops::clock`).
pub const LOOPS: &str = "LOOPS";
/// Secret that authorizes the one-time admin bootstrap (`wrangler secret put`, or `.dev.vars`
/// locally).
pub const SETUP_SECRET: &str = "BATON_SETUP_SECRET";
/// Key that seals secrets stored in D1 (32 bytes, base64). A Worker secret.
pub const SEALING_KEY: &str = "BATON_SEALING_KEY";
/// Base URL of the GitHub REST API (a plain variable, so tests can point it elsewhere).
pub const GITHUB_API_URL: &str = "GITHUB_API_URL";
/// `1` lets completion webhooks reach loopback and private addresses over plain http: local
/// development and the tests only.
pub const ALLOW_PRIVATE_WEBHOOKS: &str = "BATON_ALLOW_PRIVATE_WEBHOOKS";
/// `off` drops the one log line per request (`http::request_log`). Only the bench sets it:
/// under `wrangler dev` every `console.log` crosses into wrangler's own process and halves the
/// throughput of a trivial route, a cost a deployed Worker does not pay.
pub const REQUEST_LOG: &str = "BATON_REQUEST_LOG";
/// `1` lets a request ask for injected faults (`x-baton-test-fault`, see `platform::db`):
/// the tests' servers only, never a deployment.
pub const TEST_FAULTS: &str = "BATON_TEST_FAULTS";
/// First retry delay of a failed webhook delivery in milliseconds (doubling after each).
pub const WEBHOOK_RETRY_MS: &str = "BATON_WEBHOOK_RETRY_MS";
/// The origin people and agents reach this deployment at (`https://baton.example.org`): every
/// URL the server hands out is built on it, never on the request's `Host` (see `origin`).
pub const PUBLIC_URL: &str = "BATON_PUBLIC_URL";
/// Static assets: the web app built into `web/dist` (wrangler.toml `[assets]`).
pub const ASSETS: &str = "ASSETS";
