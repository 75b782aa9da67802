#![deny(clippy::all)]
//! `ohos-websocket`: OpenHarmony's `@ohos.net.webSocket` for Node.js.
//!
//! The core (`client`, `session`, `handshake`, `transport`, `tls`, `proxy`, `server`) is plain Rust
//! on tokio and tokio-tungstenite; `binding` is the thin napi layer over it.

mod binding;
pub mod client;
pub mod errors;
pub mod events;
pub mod handshake;
pub mod host_pattern;
pub mod options;
pub mod policy;
pub mod proxy;
pub mod server;
pub mod session;
pub mod target;
pub mod tls;
pub mod transport;

use std::sync::Once;

/// One tokio runtime per process, napi's own, configured once: `module_init` runs again in every
/// worker thread that loads the addon, and a second runtime would double the thread pools.
#[napi_derive::module_init]
fn init() {
  static RUNTIME: Once = Once::new();
  RUNTIME.call_once(|| {
    if let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
      .thread_name("ohos-websocket")
      .enable_all()
      .build()
    {
      napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
  });
}
