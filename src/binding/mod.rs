//! The Node boundary: JS values in, plain Rust values to the core, events back out as JS values.
//! Argument types were checked by the JS layer (`lib/arguments.js`); what arrives here is well-formed.

pub mod client;
pub mod dispatch;
pub mod options;
pub mod server;
#[cfg(unix)]
mod uv;

use napi_derive::napi;

use crate::errors::ErrorCode;

/// The API reference's message for an error code (`""` for an unknown code).
// Called from JS only: the unit-test build registers no exports.
#[cfg_attr(test, allow(dead_code))]
#[napi(catch_unwind)]
pub fn error_message(code: i32) -> &'static str {
  ErrorCode::ALL
    .iter()
    .find(|c| c.code() == code)
    .map(|c| c.message())
    .unwrap_or("")
}
