//! The baton Worker: the hosted API on Cloudflare Workers.
//!
//! A request enters [`app::handle`], is matched in [`http::routes`], authenticated in
//! [`access::auth`], served by the module of its resource, and appends to a [`hub`] when
//! something happened that someone is watching. Every error leaves through
//! [`http::error::ApiError`].
//!
//! The folders are the layers, lowest first; a module only imports from its own layer or
//! below (features never import each other's internals except through their `pub` API):
//!
//! - [`http`]: request and response plumbing that knows neither D1 nor the Hub;
//! - [`platform`]: bindings, the clock, the request context, D1, id sequences, change signals
//!   and the retention of Hub logs;
//! - [`crypto`]: token secrets, password hashing, sealing, HMAC signatures;
//! - [`access`]: who is calling, the per-isolate caches and the one place that invalidates
//!   them, rate limits, origins;
//! - [`hub`]: the Durable Object holding each stream's log, and its client;
//! - features: [`people`] (users, tokens, workspaces, projects), [`planning`] (requirements,
//!   tasks, comments), [`workers`], [`sessions`], [`batons`], [`channels`], [`loops`], [`bridges`], [`github`],
//!   [`notifications`];
//! - [`app`] wires them together; [`openapi`] serves the API's description; [`interop`] serves
//!   the API again as MCP tools (and A2A), each call going back through [`app::call_as`].
//!
//! Pure rules (routing, validation, pagination, body parsing, token formats, Hub replay, baton
//! moves) are plain functions with native unit tests; the rest is I/O at the edges.

// Layers.
pub mod access;
pub mod crypto;
pub mod http;
pub mod hub;
pub mod platform;

// Features.
pub mod batons;
pub mod bridges;
pub mod channels;
pub mod github;
pub mod interop;
pub mod loops;
pub mod notifications;
pub mod people;
pub mod planning;
pub mod sessions;
pub mod workers;

// The pipeline and the API's description.
pub mod app;
pub mod openapi;

pub use hub::Hub;
pub use loops::clock::LoopClock;

use worker::{event, Context, Env, Request, Response};

#[event(fetch)]
async fn fetch(req: Request, env: Env, context: Context) -> worker::Result<Response> {
    Ok(app::handle(req, env, context).await)
}

/// The layers hold: nothing below the features imports one.
#[cfg(test)]
mod layering {
    const LAYERS: [&str; 5] = ["http", "platform", "crypto", "access", "hub"];
    const FEATURES: [&str; 13] = [
        "batons",
        "bridges",
        "channels",
        "loops",
        "github",
        "notifications",
        "people",
        "planning",
        "sessions",
        "workers",
        "app",
        "openapi",
        "interop",
    ];

    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn no_layer_imports_a_feature() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        for layer in LAYERS {
            sources(&src.join(layer), &mut files);
        }
        assert!(files.len() > 20, "found {} files", files.len());
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for feature in FEATURES {
                for pattern in
                    [format!("crate::{feature}::"), format!("crate::{feature};"), format!("crate::{{{feature}")]
                {
                    assert!(!text.contains(&pattern), "{} imports the feature {feature}", file.display());
                }
            }
        }
    }
}
