//! A loop's clock: one Durable Object per loop (`loop:<id>` in the `LOOPS` namespace) whose
//! only state is its loop's id and its alarm. The alarm is the schedule's trigger (durable:
//! it survives a restart of the runtime, and an alarm missed while nothing ran fires when
//! the runtime is back); the schedule itself is in D1 ([`super::fire`] reads and moves it).
//!
//! Internal API, reached only through [`arm`] and [`stop`]:
//! - `POST /arm?loop=ID&at=MS` → wake at unix ms `at` (replacing any earlier alarm);
//! - `POST /stop` → no more alarms; forget the loop.

use worker::{durable_object, DurableObject, Env, Method, Request, RequestInit, Response, ScheduledTime, State};

use crate::http::error::{ApiError, ApiResult};
use crate::http::query::Query;
use crate::platform::{bindings, clock, context::Ctx};

/// When a run failed (D1 or a Hub unreachable), the clock tries again this much later; the
/// run's compare-and-set keeps a retry from running twice.
const RETRY_MS: i64 = 10_000;

#[durable_object]
pub struct LoopClock {
    state: State,
    env: Env,
}

impl DurableObject for LoopClock {
    fn new(state: State, env: Env) -> Self {
        LoopClock { state, env }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        Ok(match self.serve(req).await {
            Ok(response) => response,
            Err(err) => err.into_response(),
        })
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let storage = self.state.storage();
        let Some(id) = storage.get::<i64>("loop").await.ok().flatten() else { return Response::empty() };
        let now = clock::now_ms();
        let next = match Ctx::detached(self.env.clone(), now) {
            Ok(ctx) => super::fire(&ctx, id).await,
            Err(err) => Err(err),
        };
        let outcome = match next {
            Ok(Some(at)) => storage.set_alarm(at_time(at)).await.map_err(ApiError::from),
            Ok(None) => storage.delete_all().await.map_err(ApiError::from),
            Err(err) => {
                worker::console_error!("loop {id}: the run failed, retrying in {RETRY_MS} ms: {}", err.message);
                storage.set_alarm(RETRY_MS).await.map_err(ApiError::from)
            }
        };
        if let Err(err) = outcome {
            worker::console_error!("loop {id}: {}", err.message);
        }
        Response::empty()
    }
}

fn at_time(at_ms: i64) -> ScheduledTime {
    ScheduledTime::new(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64)))
}

impl LoopClock {
    async fn serve(&self, req: Request) -> ApiResult<Response> {
        let url = req.url()?;
        let query = Query::from_url(&url);
        let storage = self.state.storage();
        match (req.method(), url.path()) {
            (Method::Post, "/arm") => {
                let number = |name: &str| query.get(name).and_then(|v| v.parse::<i64>().ok());
                let (Some(id), Some(at)) = (number("loop"), number("at")) else {
                    return Err(ApiError::invalid_parameter("loop", "arm needs ?loop=ID&at=MS"));
                };
                storage.put("loop", id).await?;
                storage.set_alarm(at_time(at)).await?;
                Ok(crate::http::respond::no_content())
            }
            (Method::Post, "/stop") => {
                storage.delete_alarm().await?;
                storage.delete_all().await?;
                Ok(crate::http::respond::no_content())
            }
            _ => Err(ApiError::not_found("clock route")),
        }
    }
}

async fn call(env: &Env, id: i64, path: &str) -> ApiResult<()> {
    let stub = env.durable_object(bindings::LOOPS)?.get_by_name(&format!("loop:{id}"))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post);
    let req = Request::new_with_init(&format!("https://loop{path}"), &init)?;
    let response = stub.fetch_with_request(req).await?;
    if response.status_code() != 204 {
        return Err(ApiError::internal(format!("loop clock answered {}", response.status_code())));
    }
    Ok(())
}

/// Wakes loop `id`'s clock at unix ms `at` (instead of any earlier time).
pub async fn arm(env: &Env, id: i64, at: i64) -> ApiResult<()> {
    call(env, id, &format!("/arm?loop={id}&at={at}")).await
}

/// Stops loop `id`'s clock (the loop was disabled or deleted).
pub async fn stop(env: &Env, id: i64) -> ApiResult<()> {
    call(env, id, "/stop").await
}
