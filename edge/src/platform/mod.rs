//! What every feature stands on: the names of the Worker's bindings, the clock, the request
//! context, D1 access with its cost meter, id sequences that never reuse an id, the project
//! change signals, and what a delete removes beyond D1 (the Hub logs).

pub mod bindings;
pub mod changes;
pub mod clock;
pub mod context;
pub mod db;
pub mod egress;
pub mod ids;
pub mod retention;
