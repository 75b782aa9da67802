#![deny(clippy::all)]
//! `ohos-websocket`: OpenHarmony's `@ohos.net.webSocket` for Node.js.
//!
//! The core (`client`, `session`, `handshake`, `transport`, `tls`, `proxy`, `server`) is plain Rust
//! on tokio and tokio-tungstenite; `binding` is the thin napi layer over it.

mod alloc;
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

use std::sync::{Mutex, MutexGuard, Once};

#[global_allocator]
static ALLOCATOR: alloc::CachingAlloc = alloc::CachingAlloc;

/// Locks a mutex. A poisoned one only means a panic elsewhere (caught and reported): the data it
/// guards is still whole, so it is used rather than propagating the panic into Node.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
  mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// One tokio runtime per process, napi's own, configured once: `module_init` runs again in every
/// worker thread that loads the addon, and a second runtime would double the thread pools.
#[napi_derive::module_init]
fn init() {
  static RUNTIME: Once = Once::new();
  RUNTIME.call_once(|| {
    if let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
      .worker_threads(runtime_threads())
      .thread_name("ohos-websocket")
      .enable_all()
      .build()
    {
      napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
  });
}

/// Runtime threads: the JS thread is busy too, so one core is left to it (one thread on a 2-core
/// machine, where a second worker only adds wake-ups between the two), up to 4.
fn runtime_threads() -> usize {
  let cores = std::thread::available_parallelism()
    .map(|n| n.get())
    .unwrap_or(2);
  cores.saturating_sub(1).clamp(1, 4)
}
