//! Who is calling and what they may do: authentication into a principal ([`auth`]), the
//! per-isolate caches of authorization decisions ([`cache`]) and the one module that makes
//! them forget ([`invalidate`]), rate limits on failed authentication ([`limits`]) and on
//! message writes ([`throttle`]), and the
//! public origin with the cross-site check of cookie requests ([`origin`]).

pub mod auth;
pub mod cache;
pub mod invalidate;
pub mod limits;
pub mod origin;
pub mod throttle;
