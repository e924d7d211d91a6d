//! Request and response plumbing that knows neither D1 nor the Hub: the route table, reading
//! and parsing bodies, query strings, JSON responses, the one error type, pagination cursors
//! and the validation rules of typed-in values. Everything here is pure or only touches the
//! `worker` request and response types, and is unit-tested natively.

pub mod body;
pub mod error;
pub mod pagination;
pub mod query;
pub mod request_log;
pub mod respond;
pub mod routes;
pub mod validate;
