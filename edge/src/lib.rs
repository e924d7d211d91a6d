//! The baton Worker: the hosted API on Cloudflare Workers.
//!
//! A request enters [`app::handle`], is matched in [`routes`], authenticated in [`auth`],
//! served by the module of its resource, and appends to a [`hub`] when something happened
//! that someone is watching. Every error leaves through [`error::ApiError`].
//!
//! Pure rules (routing, validation, pagination, body parsing, token formats, Hub replay) are
//! plain modules with native unit tests; the rest is I/O at the edges.

// Resources, one module each.
pub mod attachments;
pub mod batons;
pub mod comments;
pub mod items;
pub mod openapi;
pub mod projects;
pub mod requirements;
pub mod sessions;
pub mod tasks;
pub mod tokens;
pub mod users;
pub mod workers;
pub mod workspaces;

// The event log with live fan-out.
pub mod hub;

// Issues mirrored from GitHub.
pub mod github;

// The request pipeline.
pub mod app;
pub mod auth;
pub mod body;
pub mod changes;
pub mod context;
pub mod error;
pub mod query;
pub mod respond;
pub mod routes;

// Rules and adapters.
pub mod bindings;
pub mod cache;
pub mod clock;
pub mod db;
pub mod ids;
pub mod limits;
pub mod origin;
pub mod pagination;
pub mod password;
pub mod retention;
pub mod sealed;
pub mod secrets;
pub mod signature;
pub mod titles;
pub mod validate;

pub use hub::Hub;

use worker::{event, Context, Env, Request, Response};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    Ok(app::handle(req, env).await)
}
