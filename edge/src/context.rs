//! What every handler gets: the environment, the database and the time of the request.

use worker::{D1Database, Env};

use crate::db;
use crate::error::ApiResult;

pub struct Ctx {
    pub env: Env,
    pub db: D1Database,
    /// Unix milliseconds at which the request arrived.
    pub now: i64,
}

impl Ctx {
    pub fn new(env: Env, now: i64) -> ApiResult<Self> {
        let db = db::database(&env)?;
        Ok(Ctx { env, db, now })
    }
}
