//! The only place the edge reads the clock. Everything else takes `now` as an argument.

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}
