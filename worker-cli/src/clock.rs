//! The wall clock, in Unix milliseconds: the one place the CLI and the daemon read it (pure
//! rules take the time as an argument).

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
