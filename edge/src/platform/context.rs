//! What every handler gets: the environment, the database and the time of the request.

use worker::Env;

use crate::http::error::ApiResult;
use crate::platform::db::Db;

pub struct Ctx {
    pub env: Env,
    pub db: Db,
    /// Unix milliseconds at which the request arrived.
    pub now: i64,
}

impl Ctx {
    pub fn new(env: Env, now: i64) -> ApiResult<Self> {
        let db = Db::open(&env)?;
        Ok(Ctx { env, db, now })
    }
}
