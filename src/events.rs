//! What a connection tells its JS object, in the order it happened.
//!
//! Every connection task pushes its events into one ordered queue per JS environment (see
//! `binding::dispatch`); nothing else calls into JS. A connection's events keep their order, and the
//! result of `connect()` travels on the same path as the events that follow it.

use std::sync::Arc;
use std::task::Context;

use bytes::Bytes;

use crate::errors::{ErrorCode, Failure};
use crate::session::Outbox;
use crate::transport::EventLoop;

/// A response header: its lower-cased name and every value it was sent with, in order.
pub type Header = (String, Vec<String>);

/// One event of a client connection.
#[derive(Debug)]
pub enum Event {
  /// `connect()` settles with `true`: the attempt has started (DNS done).
  Connected,
  /// `connect()` rejects with this code (e.g. the host does not resolve).
  ConnectFailed(ErrorCode),
  /// 'headerReceive': the upgrade response's headers.
  Headers(Vec<Header>),
  /// 'open' then 'openInfo'.
  Open {
    status: u16,
    message: String,
    protocol: Option<String>,
  },
  /// 'message' with a string (these bytes, valid UTF-8), then 'dataEnd'.
  Text(Bytes),
  /// 'message' with an ArrayBuffer, then 'dataEnd'.
  Binary(Bytes),
  /// Small messages in a row, as [`Event::Text`] and [`Event::Binary`] each.
  Run(Box<Run>),
  /// 'error' `{code: 200, data, message}`.
  Error(Failure),
  /// 'close' `{code, reason}`.
  Close { code: u16, reason: String },
  /// The session is over: the object may connect again and no longer keeps the process alive.
  Ended,
  /// Server: a client completed its handshake ('connect').
  ServerConnect(Peer),
  /// Server: a complete text message from a client ('messageReceive').
  ServerText(Peer, Bytes),
  /// Server: a complete binary message from a client ('messageReceive').
  ServerBinary(Peer, Bytes),
  /// Server: a client connection ended ('close').
  ServerClose(Peer, u16, String),
  /// Server: 'error' `{code: 200, message}`.
  ServerError(String),
}

impl Event {
  /// The message bytes this event holds (what backpressure counts).
  pub fn payload_len(&self) -> usize {
    match self {
      Event::Text(b) | Event::Binary(b) | Event::ServerText(_, b) | Event::ServerBinary(_, b) => {
        b.len()
      }
      Event::Run(run) => run.text.len() + run.bytes.len(),
      _ => 0,
    }
  }

  /// How many events this stands for.
  pub fn count(&self) -> usize {
    match self {
      Event::Run(run) => run.messages.len(),
      _ => 1,
    }
  }
}

/// Messages smaller than this are copied into a [`Run`] as they are read.
pub const SMALL_MESSAGE: usize = 64 * 1024;

/// Small messages of one connection in a row, their bytes joined as they are read. Copying them
/// at once leaves the codec's read buffer free for the next frames: kept as slices of it until JS
/// took them, they made it allocate a new buffer every few dozen messages.
#[derive(Debug, Default)]
pub struct Run {
  /// Each message: text (`true`) or binary, and its length in bytes.
  pub messages: Vec<(bool, u32)>,
  /// The text messages' bytes, valid UTF-8 each.
  pub text: Vec<u8>,
  /// The binary messages' bytes.
  pub bytes: Vec<u8>,
}

impl Run {
  pub fn push_text(&mut self, text: &[u8]) {
    self.messages.push((true, text.len() as u32));
    self.text.extend_from_slice(text);
  }

  pub fn push_binary(&mut self, bytes: &[u8]) {
    self.messages.push((false, bytes.len() as u32));
    self.bytes.extend_from_slice(bytes);
  }
}

/// A client of the server, as JS names it: `{clientIP, clientPort}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Peer {
  pub ip: String,
  pub port: u16,
}

/// Where events go: the per-environment queue that wakes JS.
pub trait EventQueue: Send + Sync {
  /// Queues `event` for the JS object registered as `target`.
  fn push(&self, target: u32, event: Event);
  /// Queues several events of `target` at once, in order.
  fn push_all(&self, target: u32, events: Vec<Event>);
  /// Wakes `outbox` when JS flushes the sends of its current turn.
  fn request_wake(&self, outbox: Arc<Outbox>);
  /// True once the JS environment is gone (worker terminated): connections should stop.
  fn is_closed(&self) -> bool;
  /// False while JS has too many message bytes waiting: the caller stops reading, and `cx` is
  /// woken when JS has taken them.
  fn poll_room(&self, cx: &mut Context<'_>) -> bool;
  /// The JS thread's event loop, where open plain-TCP connections of this queue can run.
  fn event_loop(&self) -> Option<Arc<dyn EventLoop>> {
    None
  }
}

/// A handle that emits the events of one JS object.
#[derive(Clone)]
pub struct Emitter {
  target: u32,
  queue: Arc<dyn EventQueue>,
}

impl Emitter {
  pub fn new(target: u32, queue: Arc<dyn EventQueue>) -> Self {
    Emitter { target, queue }
  }

  pub fn emit(&self, event: Event) {
    self.queue.push(self.target, event);
  }

  pub fn emit_all(&self, events: Vec<Event>) {
    self.queue.push_all(self.target, events);
  }

  pub fn request_wake(&self, outbox: Arc<Outbox>) {
    self.queue.request_wake(outbox);
  }

  pub fn is_closed(&self) -> bool {
    self.queue.is_closed()
  }

  pub fn poll_room(&self, cx: &mut Context<'_>) -> bool {
    self.queue.poll_room(cx)
  }

  pub fn event_loop(&self) -> Option<Arc<dyn EventLoop>> {
    self.queue.event_loop()
  }
}
