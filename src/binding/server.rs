//! `NativeServer`: the native half of a JS `WebSocketServer`. Methods return `0` or an error code.

use std::path::PathBuf;

use napi::bindgen_prelude::ArrayBuffer;
use napi_derive::napi;
use tokio_tungstenite::tungstenite::Message;

use super::dispatch::EventPump;
use crate::errors::ErrorCode;
use crate::events::{Emitter, Peer};
use crate::server::{Server, ServerConfig, DEFAULT_LIMIT};

/// `WebSocketServerConfig`, type-checked by `lib/server.js`.
#[napi(object)]
pub struct NativeServerConfig {
  pub server_ip: Option<String>,
  pub server_port: u32,
  pub max_concurrent_clients_number: Option<u32>,
  pub max_connections_for_one_client: Option<u32>,
  pub cert_path: Option<String>,
  pub key_path: Option<String>,
  pub protocol: Option<String>,
}

/// A client connection: `{clientIP, clientPort}`.
#[napi(object)]
pub struct NativeConnection {
  #[napi(js_name = "clientIP")]
  pub client_ip: String,
  pub client_port: u32,
}

fn status(result: Result<(), ErrorCode>) -> i32 {
  match result {
    Ok(()) => 0,
    Err(code) => code.code(),
  }
}

fn peer(ip: String, port: u32) -> Peer {
  Peer {
    ip,
    port: port as u16,
  }
}

/// The native half of one JS `WebSocketServer`; its events reach JS as `target`.
#[napi]
pub struct NativeServer {
  server: Server,
}

#[napi]
impl NativeServer {
  #[napi(constructor, catch_unwind)]
  pub fn new(pump: &EventPump, target: u32) -> Self {
    NativeServer {
      server: Server::new(Emitter::new(target, pump.dispatcher.clone())),
    }
  }

  /// Binds and starts accepting clients.
  #[napi(catch_unwind)]
  pub fn start(&self, config: NativeServerConfig) -> i32 {
    let cert = match (config.cert_path.filter(|p| !p.is_empty()), config.key_path) {
      (Some(cert), key) => Some((PathBuf::from(cert), PathBuf::from(key.unwrap_or_default()))),
      (None, _) => None,
    };
    let config = ServerConfig {
      ip: config.server_ip.unwrap_or_default(),
      port: config.server_port,
      max_clients: config
        .max_concurrent_clients_number
        .unwrap_or(DEFAULT_LIMIT),
      max_connections_per_client: config
        .max_connections_for_one_client
        .unwrap_or(DEFAULT_LIMIT),
      cert,
      protocol: config.protocol.filter(|p| !p.is_empty()),
    };
    let server = &self.server;
    status(napi::bindgen_prelude::within_runtime_if_available(|| {
      server.start(config)
    }))
  }

  /// Stops the server; clients are closed with 1001.
  #[napi(catch_unwind)]
  pub fn stop(&self) -> i32 {
    status(self.server.stop())
  }

  /// The listening port, or `null` when not running.
  #[napi(catch_unwind)]
  pub fn port(&self) -> Option<u32> {
    self.server.port().map(u32::from)
  }

  /// The open connections, or `null` when not running.
  #[napi(catch_unwind)]
  pub fn connections(&self) -> Option<Vec<NativeConnection>> {
    let peers = self.server.connections().ok()?;
    Some(
      peers
        .into_iter()
        .map(|p| NativeConnection {
          client_ip: p.ip,
          client_port: p.port as u32,
        })
        .collect(),
    )
  }

  #[napi(catch_unwind)]
  pub fn send_text(&self, ip: String, port: u32, text: String) -> i32 {
    status(self.server.send(&peer(ip, port), Message::text(text)))
  }

  #[napi(catch_unwind)]
  pub fn send_binary(&self, ip: String, port: u32, data: ArrayBuffer) -> i32 {
    status(
      self
        .server
        .send(&peer(ip, port), Message::binary(data.to_vec())),
    )
  }

  #[napi(catch_unwind)]
  pub fn close(&self, ip: String, port: u32, code: Option<u32>, reason: Option<String>) -> i32 {
    status(self.server.close(&peer(ip, port), code, reason.as_deref()))
  }
}
