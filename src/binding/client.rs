//! `NativeClient`: the native half of a JS `WebSocket`. Each method returns `0` on success or the
//! contract's error code; `lib/websocket.js` turns codes into callbacks and promises.

use napi::bindgen_prelude::ArrayBuffer;
use napi_derive::napi;
use tokio_tungstenite::tungstenite::Message;

use super::dispatch::EventPump;
use super::options::NativeConnectOptions;
use crate::client::Client;
use crate::errors::ErrorCode;
use crate::events::Emitter;

/// What `sendText` and `sendBinary` return when the message went out at once (`SENT` in
/// `lib/events.js`).
const SENT: i32 = 1;

fn sent(result: Result<bool, ErrorCode>) -> i32 {
  match result {
    Ok(true) => SENT,
    Ok(false) => 0,
    Err(code) => code.code(),
  }
}

fn status(result: Result<(), ErrorCode>) -> i32 {
  match result {
    Ok(()) => 0,
    Err(code) => code.code(),
  }
}

/// The native half of one JS `WebSocket`; its events reach JS as `target`.
#[napi]
pub struct NativeClient {
  client: Client,
}

#[napi]
impl NativeClient {
  #[napi(constructor, catch_unwind)]
  pub fn new(pump: &EventPump, target: u32) -> Self {
    NativeClient {
      client: Client::new(Emitter::new(target, pump.dispatcher.clone())),
    }
  }

  /// Starts connecting; the outcome follows as events.
  #[napi(catch_unwind)]
  pub fn connect(&self, url: String, options: NativeConnectOptions, network_allowed: bool) -> i32 {
    let client = &self.client;
    status(napi::bindgen_prelude::within_runtime_if_available(|| {
      client.connect(&url, options.into(), network_allowed)
    }))
  }

  /// Sends a text message: at once when `now` (`SENT`), else queued for `EventPump.flushSends`
  /// (`0`); or an error code.
  #[napi(catch_unwind)]
  pub fn send_text(&self, text: String, now: bool) -> i32 {
    sent(self.client.send(Message::text(text), now))
  }

  /// Sends a binary message, as `sendText` (the bytes are copied: JS may reuse the buffer at once).
  #[napi(catch_unwind)]
  pub fn send_binary(&self, data: ArrayBuffer, now: bool) -> i32 {
    if now {
      if let Some(result) = self.client.send_lent(&data) {
        return sent(result);
      }
    }
    sent(self.client.send(Message::binary(data.to_vec()), now))
  }

  /// Starts the close handshake.
  #[napi(catch_unwind)]
  pub fn close(&self, code: Option<u32>, reason: Option<String>) -> i32 {
    status(self.client.close(code, reason.as_deref()))
  }
}
