//! What every handler gets: the environment, the database, the time of the request, and a
//! way to do work after the response ([`Ctx::after_response`]).
//!
//! A Durable Object's alarm has no request and so no execution context: it runs feature code
//! with [`Ctx::detached`], whose later work runs on the object's own event loop (the object
//! lives on while it has work in flight).

use std::future::Future;
use std::rc::Rc;

use worker::{Context, Env};

use crate::http::error::ApiResult;
use crate::platform::db::Db;

pub struct Ctx {
    pub env: Env,
    pub db: Db,
    /// The request's execution context, whose `waitUntil` runs [`Ctx::after_response`] work;
    /// none in a Durable Object's alarm.
    context: Option<Rc<Context>>,
    /// Unix milliseconds at which the request arrived.
    pub now: i64,
}

impl Ctx {
    pub fn new(env: Env, context: Context, now: i64) -> ApiResult<Self> {
        let db = Db::open(&env)?;
        Ok(Ctx { env, db, context: Some(Rc::new(context)), now })
    }

    /// A context outside any request (a Durable Object's alarm at `now`).
    pub fn detached(env: Env, now: i64) -> ApiResult<Self> {
        let db = Db::open(&env)?;
        Ok(Ctx { env, db, context: None, now })
    }

    /// A context of its own (its own D1 handle) for work that outlives the handler's borrow:
    /// an answer streamed while the request lasts.
    pub fn fork(&self) -> ApiResult<Ctx> {
        Ok(Ctx { env: self.env.clone(), db: Db::open(&self.env)?, context: self.context.clone(), now: self.now })
    }

    /// Runs `work` after the response has gone, with a context of its own (its own D1 handle):
    /// for what the caller need not wait for and a loss of which heals itself (change signals
    /// that make watchers read again, nudges that workers' sweeps repeat). Never for anything
    /// that must be durable before the answer: that is awaited in the handler.
    pub fn after_response<F, Fut>(&self, work: F)
    where
        F: FnOnce(Ctx) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        match Db::open(&self.env) {
            Ok(db) => {
                let ctx = Ctx { env: self.env.clone(), db, context: self.context.clone(), now: self.now };
                match &self.context {
                    Some(context) => context.wait_until(async move { work(ctx).await }),
                    None => wasm_bindgen_futures::spawn_local(async move { work(ctx).await }),
                }
            }
            Err(err) => worker::console_error!("work after the response was not started: {}", err.message),
        }
    }
}
