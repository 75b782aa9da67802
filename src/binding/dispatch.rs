//! The one path from connection tasks to JS: an ordered queue per JS environment, drained in
//! batches by a single thread-safe function.
//!
//! Tasks push events; the first push into an empty queue wakes the JS thread once; the JS thread
//! takes everything queued so far and hands it to `lib/events.js` as one flat array
//! `[target, kind, payload, target, kind, payload, ...]`. One call per batch instead of one per
//! event is what lets JS keep up with many connections.

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Waker};

#[cfg(unix)]
use napi::bindgen_prelude::JsValue;
use napi::bindgen_prelude::{Function, ToNapiValue};
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;

use crate::events::{Event, EventQueue, Peer};
use crate::lock;
use crate::session::Outbox;

/// Returns a napi failure from the calling function.
macro_rules! check {
  ($call:expr) => {{
    let status = $call;
    if status != sys::Status::napi_ok {
      return Err(napi::Error::new(
        Status::from(status),
        "building an event payload failed".to_string(),
      ));
    }
  }};
}

/// The event kinds as JS sees them (mirrored in `lib/events.js`).
#[allow(dead_code)] // SERVER_MESSAGE's small forms are SERVER_TEXT and SERVER_BINARY; all are listed for JS.
mod kind {
  pub const CONNECTED: u32 = 0;
  pub const CONNECT_FAILED: u32 = 1;
  pub const HEADERS: u32 = 2;
  pub const OPEN: u32 = 3;
  pub const TEXT: u32 = 4;
  pub const BINARY: u32 = 5;
  pub const ERROR: u32 = 6;
  pub const CLOSE: u32 = 7;
  pub const ENDED: u32 = 8;
  pub const SERVER_CONNECT: u32 = 10;
  pub const SERVER_MESSAGE: u32 = 11;
  pub const SERVER_CLOSE: u32 = 12;
  pub const SERVER_ERROR: u32 = 13;
  pub const SERVER_TEXT: u32 = 14;
  pub const SERVER_BINARY: u32 = 15;
}

/// The wake-up: drains the queue on the JS thread and calls the JS dispatcher with the batch.
type Wake = ThreadsafeFunction<(), (), Batch, Status, false, true>;

/// Events waiting for the JS thread, shared by the tasks and the wake-up callback.
#[derive(Default)]
struct Pending {
  events: Mutex<Vec<(u32, Event)>>,
  /// A wake-up is on its way: further pushes need not send another.
  scheduled: AtomicBool,
  /// The JS environment is gone.
  closed: AtomicBool,
  /// Outboxes to wake at the next `flushSends`.
  wakes: Mutex<Vec<Arc<Outbox>>>,
  /// Message bytes queued and not yet taken by JS.
  queued_bytes: AtomicUsize,
  /// Events queued and not yet taken by JS.
  queued_events: AtomicUsize,
  /// Connections that stopped reading until JS takes the queue.
  stalled: Mutex<Vec<Waker>>,
}

/// Message bytes waiting for JS beyond which connections stop reading: a busy JS thread makes the
/// peers wait (TCP flow control) instead of the process running out of memory.
const MAX_QUEUED_BYTES: usize = 32 << 20;
/// Events waiting for JS beyond which connections stop reading: JS takes small messages in
/// batches of about this many (larger ones cost more than they save, and hold memory).
const MAX_QUEUED_EVENTS: usize = 4 * 1024;

impl Pending {
  fn count(&self, bytes: usize, events: usize) {
    self.queued_bytes.fetch_add(bytes, Ordering::AcqRel);
    self.queued_events.fetch_add(events, Ordering::AcqRel);
  }

  fn has_room(&self) -> bool {
    self.queued_bytes.load(Ordering::Acquire) < MAX_QUEUED_BYTES
      && self.queued_events.load(Ordering::Acquire) < MAX_QUEUED_EVENTS
  }

  fn take(&self) -> Vec<(u32, Event)> {
    let taken = {
      let mut events = lock(&self.events);
      self.scheduled.store(false, Ordering::Release);
      self.queued_bytes.store(0, Ordering::Release);
      self.queued_events.store(0, Ordering::Release);
      std::mem::take(&mut *events)
    };
    let stalled = std::mem::take(&mut *lock(&self.stalled));
    for waker in stalled {
      waker.wake();
    }
    taken
  }
}

/// The queue of one JS environment (main thread or worker).
pub struct Dispatcher {
  pending: Arc<Pending>,
  wake: Wake,
  /// The JS thread's loop, where open plain-TCP client connections run.
  #[cfg(unix)]
  event_loop: Option<Arc<super::uv::JsLoop>>,
}

impl Dispatcher {
  /// Appends with `append` under the lock; wakes JS when the queue was idle.
  fn enqueue(&self, append: impl FnOnce(&mut Vec<(u32, Event)>)) {
    if self.pending.closed.load(Ordering::Acquire) {
      return;
    }
    let first = {
      let mut events = lock(&self.pending.events);
      append(&mut events);
      !self.pending.scheduled.swap(true, Ordering::AcqRel)
    };
    if !first || self.delivered_directly() {
      return;
    }
    if self.wake.call((), ThreadsafeFunctionCallMode::NonBlocking) != Status::Ok {
      // The environment is shutting down: nobody will read events again.
      self.pending.closed.store(true, Ordering::Release);
    }
  }
}

impl Dispatcher {
  /// True when the JS thread's loop is running its connections right now, on this thread: it
  /// hands the queue to JS itself when they are done (`DirectCall`).
  fn delivered_directly(&self) -> bool {
    #[cfg(unix)]
    if let Some(event_loop) = &self.event_loop {
      return event_loop.draining_here();
    }
    false
  }
}

/// Calls the JS dispatcher from the JS thread's loop, right after the connections it runs have
/// reported: the events reach JS in the same turn of the loop, without the thread-safe function's
/// extra turn and system calls.
#[cfg(unix)]
struct DirectCall {
  env: sys::napi_env,
  dispatch: sys::napi_ref,
  context: sys::napi_async_context,
  pending: Arc<Pending>,
}

// SAFETY: created and called on the JS thread only (the loop runs `after_drain` on its thread);
// the raw handles are never used elsewhere.
#[cfg(unix)]
unsafe impl Send for DirectCall {}
#[cfg(unix)]
unsafe impl Sync for DirectCall {}

#[cfg(unix)]
impl DirectCall {
  fn new(
    env: sys::napi_env,
    dispatch: sys::napi_value,
    pending: Arc<Pending>,
  ) -> napi::Result<Self> {
    let js = Js(env);
    let mut reference = ptr::null_mut();
    check!(unsafe { sys::napi_create_reference(env, dispatch, 1, &mut reference) });
    let name = js.string("ohos-websocket events")?;
    let mut context = ptr::null_mut();
    check!(unsafe { sys::napi_async_init(env, ptr::null_mut(), name, &mut context) });
    Ok(DirectCall {
      env,
      dispatch: reference,
      context,
      pending,
    })
  }

  fn deliver(&self) {
    if self.pending.closed.load(Ordering::Acquire)
      || !self.pending.scheduled.load(Ordering::Acquire)
    {
      return;
    }
    let events = self.pending.take();
    if events.is_empty() {
      return;
    }
    let env = self.env;
    let mut scope = ptr::null_mut();
    // SAFETY: on the JS thread, between two callbacks of its loop (no JS on the stack).
    unsafe {
      if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
        return;
      }
      if let Ok((argv, argc)) = arguments(env, events) {
        let mut dispatch = ptr::null_mut();
        let mut this = ptr::null_mut();
        let mut result = ptr::null_mut();
        sys::napi_get_reference_value(env, self.dispatch, &mut dispatch);
        sys::napi_get_global(env, &mut this);
        // Runs the microtasks queued by the listeners afterwards, as any callback from the loop.
        let status = sys::napi_make_callback(
          env,
          self.context,
          this,
          dispatch,
          argc,
          argv.as_ptr(),
          &mut result,
        );
        if status == sys::Status::napi_pending_exception {
          // A listener threw: 'uncaughtException', as for events that come the other way.
          let mut error = ptr::null_mut();
          sys::napi_get_and_clear_last_exception(env, &mut error);
          sys::napi_fatal_exception(env, error);
        }
      }
      sys::napi_close_handle_scope(env, scope);
    }
  }
}

/// What `dispatch` is called with: `(batch)`, or `(target, kind, payload)` for a lone small
/// message (a round trip's answer), which needs no batch built around it.
#[cfg(unix)]
fn arguments(
  env: sys::napi_env,
  events: Vec<(u32, Event)>,
) -> napi::Result<([sys::napi_value; 3], usize)> {
  let js = Js(env);
  if let [(target, Event::Run(run))] = events.as_slice() {
    if let [(is_text, _)] = run.messages.as_slice() {
      let (kind, payload) = if *is_text {
        (kind::TEXT, js.utf8(&run.text)?)
      } else {
        (kind::BINARY, js.array_buffer(&run.bytes)?)
      };
      return Ok(([js.u32(*target)?, js.u32(kind)?, payload], 3));
    }
  }
  // SAFETY: on the JS thread, inside the caller's handle scope.
  let batch = unsafe { Batch::to_napi_value(env, Batch(events))? };
  Ok(([batch, ptr::null_mut(), ptr::null_mut()], 1))
}

impl EventQueue for Dispatcher {
  fn push(&self, target: u32, event: Event) {
    self.pending.count(event.payload_len(), event.count());
    self.enqueue(|events| events.push((target, event)));
  }

  fn push_all(&self, target: u32, batch: Vec<Event>) {
    self.pending.count(
      batch.iter().map(Event::payload_len).sum(),
      batch.iter().map(Event::count).sum(),
    );
    self.enqueue(|events| events.extend(batch.into_iter().map(|event| (target, event))));
  }

  fn poll_room(&self, cx: &mut Context<'_>) -> bool {
    if self.pending.has_room() {
      return true;
    }
    lock(&self.pending.stalled).push(cx.waker().clone());
    // JS may have taken the queue between the check and the registration.
    self.pending.has_room()
  }

  fn request_wake(&self, outbox: Arc<Outbox>) {
    lock(&self.pending.wakes).push(outbox);
  }

  fn is_closed(&self) -> bool {
    self.pending.closed.load(Ordering::Acquire)
  }

  #[cfg(unix)]
  fn event_loop(&self) -> Option<Arc<dyn crate::transport::EventLoop>> {
    self
      .event_loop
      .clone()
      .map(|event_loop| event_loop as Arc<dyn crate::transport::EventLoop>)
  }
}

/// The JS handle of a dispatcher; created once per environment by `lib/events.js`.
#[napi]
pub struct EventPump {
  pub(crate) dispatcher: Arc<Dispatcher>,
}

#[napi]
impl EventPump {
  /// `dispatch(batch)` receives every batch of events.
  #[napi(constructor, catch_unwind)]
  pub fn new(env: Env, dispatch: Function<Batch, ()>) -> napi::Result<Self> {
    let pending = Arc::new(Pending::default());
    let drain = pending.clone();
    let wake: Wake = dispatch
      .build_threadsafe_function::<()>()
      .callee_handled::<false>()
      .weak::<true>()
      .build_callback(move |_| Ok(Batch(drain.take())))?;
    let on_teardown = pending.clone();
    env.add_env_cleanup_hook(on_teardown, |pending| {
      pending.closed.store(true, Ordering::Release)
    })?;
    #[cfg(unix)]
    let event_loop = if std::env::var_os("OHOS_WEBSOCKET_IO").is_some_and(|v| v == "pool") {
      None
    } else {
      super::uv::JsLoop::new(env.raw())
    };
    #[cfg(unix)]
    if let Some(event_loop) = &event_loop {
      let direct = DirectCall::new(env.raw(), dispatch.value().value, pending.clone())?;
      event_loop.after_drain(Box::new(move || direct.deliver()));
    }
    Ok(EventPump {
      dispatcher: Arc::new(Dispatcher {
        pending,
        wake,
        #[cfg(unix)]
        event_loop,
      }),
    })
  }

  /// Wakes the connections that were sent messages during this JS turn (called from a microtask).
  #[napi(catch_unwind)]
  pub fn flush_sends(&self) {
    let wakes = std::mem::take(&mut *lock(&self.dispatcher.pending.wakes));
    for outbox in wakes {
      outbox.wake();
    }
  }

  /// Whether the event loop stays alive for this environment's connections (JS turns it on while
  /// any session or server is active).
  #[napi(catch_unwind)]
  pub fn keep_alive(&self, env: Env, on: bool) {
    let raw = self.dispatcher.wake.raw();
    // SAFETY: called on the JS thread that owns the thread-safe function, which lives as long as
    // the dispatcher.
    unsafe {
      if on {
        sys::napi_ref_threadsafe_function(env.raw(), raw);
      } else {
        sys::napi_unref_threadsafe_function(env.raw(), raw);
      }
    }
  }
}

/// A drained batch, as JS receives it: `[head, text, bytes, objects]`.
///
/// - `head` (Uint32Array) holds five numbers per event: target, kind, and three operands.
/// - Small text messages are concatenated into the one string `text`, and small binary messages into
///   the one ArrayBuffer `bytes`; their operands are start and end offsets (UTF-16 units, bytes), and
///   JS slices them out. No Node-API call per message: that is what makes fan-in fast.
/// - Every other payload (and large messages) is a JS value in the array `objects`; its operands are
///   its index and `NO_SLICE`.
/// - The third operand of a server message is the index of its `{clientIP, clientPort}` in `objects`.
pub struct Batch(Vec<(u32, Event)>);

/// Binary messages up to this size reach JS in an ArrayBuffer of its own; larger ones lend theirs.
const COPIED_BINARY: usize = 256 << 10;

/// The second operand of an event whose payload is in `objects`.
const NO_SLICE: u32 = u32::MAX;
/// Messages from this size on get their own JS value instead of a slice of the batch's.
const SLICE_LIMIT: usize = crate::events::SMALL_MESSAGE;
/// The most bytes joined into a batch's `text` or `bytes` (V8 strings stop at about 512 MB); the
/// messages after that get their own JS values.
const MAX_JOINED: usize = 16 << 20;

/// The length of valid UTF-8 in UTF-16 code units, as JS string offsets count.
fn utf16_len(text: &[u8]) -> u32 {
  if text.is_ascii() {
    return text.len() as u32;
  }
  // Every byte that starts a character is one unit; a 4-byte sequence is two (a surrogate pair).
  text
    .iter()
    .map(|&b| ((b & 0xC0) != 0x80) as u32 + (b >= 0xF0) as u32)
    .sum()
}

impl ToNapiValue for Batch {
  unsafe fn to_napi_value(env: sys::napi_env, batch: Self) -> napi::Result<sys::napi_value> {
    let js = Js(env);
    let mut head: Vec<u32> = Vec::with_capacity(batch.0.len() * 5);
    let mut text: Vec<u8> = Vec::new();
    let mut text_units = 0u32;
    let mut bytes: Vec<u8> = Vec::new();
    let objects = js.array(0)?;
    let mut count = 0u32;
    let mut push_object = |value: sys::napi_value| -> napi::Result<u32> {
      js.set_index(objects, count, value)?;
      count += 1;
      Ok(count - 1)
    };
    // Consecutive messages of one client share its connection object.
    let mut last_peer: Option<(u32, Peer, u32)> = None;
    let mut peer_index =
      |target: u32, peer: Peer, push: &mut dyn FnMut(sys::napi_value) -> napi::Result<u32>| {
        if let Some((t, p, index)) = &last_peer {
          if *t == target && *p == peer {
            return Ok(*index);
          }
        }
        let index = push(js.peer(&peer)?)?;
        last_peer = Some((target, peer, index));
        napi::Result::Ok(index)
      };
    for (target, event) in batch.0 {
      match event {
        Event::Run(run) => {
          let (mut in_text, mut in_bytes) = (0, 0);
          for (is_text, len) in run.messages {
            let len = len as usize;
            if is_text {
              let t = &run.text[in_text..in_text + len];
              in_text += len;
              if text.len() + len <= MAX_JOINED {
                let end = text_units + utf16_len(t);
                head.extend([target, kind::TEXT, text_units, end, 0]);
                text.extend_from_slice(t);
                text_units = end;
              } else {
                let index = push_object(js.utf8(t)?)?;
                head.extend([target, kind::TEXT, index, NO_SLICE, 0]);
              }
            } else {
              let b = &run.bytes[in_bytes..in_bytes + len];
              in_bytes += len;
              if bytes.len() + len <= MAX_JOINED {
                let start = bytes.len() as u32;
                head.extend([target, kind::BINARY, start, start + len as u32, 0]);
                bytes.extend_from_slice(b);
              } else {
                let index = push_object(js.array_buffer(b)?)?;
                head.extend([target, kind::BINARY, index, NO_SLICE, 0]);
              }
            }
          }
        }
        Event::ServerText(peer, t)
          if t.len() < SLICE_LIMIT && text.len() + t.len() <= MAX_JOINED =>
        {
          let z = peer_index(target, peer, &mut push_object)?;
          let end = text_units + utf16_len(&t);
          head.extend([target, kind::SERVER_TEXT, text_units, end, z]);
          text.extend_from_slice(&t);
          text_units = end;
        }
        Event::ServerBinary(peer, b)
          if b.len() < SLICE_LIMIT && bytes.len() + b.len() <= MAX_JOINED =>
        {
          let z = peer_index(target, peer, &mut push_object)?;
          head.extend([
            target,
            kind::SERVER_BINARY,
            bytes.len() as u32,
            (bytes.len() + b.len()) as u32,
            z,
          ]);
          bytes.extend_from_slice(&b);
        }
        other => {
          let (kind, payload) = js.event(other)?;
          let index = push_object(payload)?;
          head.extend([target, kind, index, NO_SLICE, 0]);
        }
      }
    }
    let array = js.array(4)?;
    js.set_index(array, 0, js.uint32_array(&head)?)?;
    js.set_index(array, 1, js.utf8(&text)?)?;
    js.set_index(array, 2, js.array_buffer(&bytes)?)?;
    js.set_index(array, 3, objects)?;
    Ok(array)
  }
}

/// Thin, checked wrappers over the Node-API calls that build event payloads.
#[derive(Clone, Copy)]
struct Js(sys::napi_env);

impl Js {
  fn event(self, event: Event) -> napi::Result<(u32, sys::napi_value)> {
    Ok(match event {
      Event::Connected => (kind::CONNECTED, self.undefined()?),
      Event::ConnectFailed(code) => (kind::CONNECT_FAILED, self.i32(code.code())?),
      Event::Headers(headers) => {
        let object = self.object()?;
        for (name, mut values) in headers {
          let value = if values.len() == 1 {
            self.string(&values.pop().unwrap_or_default())?
          } else {
            let list = self.array(values.len())?;
            for (i, v) in values.iter().enumerate() {
              self.set_index(list, i as u32, self.string(v)?)?;
            }
            list
          };
          self.set(object, &name, value)?;
        }
        (kind::HEADERS, object)
      }
      Event::Open {
        status,
        message,
        protocol,
      } => {
        let object = self.object()?;
        self.set(object, "status", self.u32(status as u32)?)?;
        self.set(object, "message", self.string(&message)?)?;
        if let Some(protocol) = protocol {
          self.set(object, "protocol", self.string(&protocol)?)?;
        }
        (kind::OPEN, object)
      }
      Event::Text(text) => (kind::TEXT, self.utf8(&text)?),
      // The batch expands runs message by message; one never gets here.
      Event::Run(_) => {
        return Err(napi::Error::from_reason(
          "a run of messages is not one event",
        ));
      }
      // Up to 256 KiB a copy costs less than an external buffer, and frees the codec's read buffer
      // at once (it is reused for the next message instead of a new one being allocated).
      Event::Binary(data) if data.len() <= COPIED_BINARY => {
        (kind::BINARY, self.array_buffer(&data)?)
      }
      Event::Binary(data) => (kind::BINARY, self.owned_array_buffer(data)?),
      Event::Error(failure) => {
        let object = self.object()?;
        self.set(object, "code", self.u32(200)?)?;
        self.set(object, "data", self.string(&failure.status.to_string())?)?;
        self.set(object, "message", self.string(&failure.message)?)?;
        (kind::ERROR, object)
      }
      Event::Close { code, reason } => {
        let object = self.object()?;
        self.set(object, "code", self.u32(code as u32)?)?;
        self.set(object, "reason", self.string(&reason)?)?;
        (kind::CLOSE, object)
      }
      Event::Ended => (kind::ENDED, self.undefined()?),
      Event::ServerConnect(peer) => (kind::SERVER_CONNECT, self.peer(&peer)?),
      Event::ServerText(peer, text) => (
        kind::SERVER_MESSAGE,
        self.server_message(&peer, self.utf8(&text)?)?,
      ),
      Event::ServerBinary(peer, data) => (
        kind::SERVER_MESSAGE,
        self.server_message(&peer, self.owned_array_buffer(data)?)?,
      ),
      Event::ServerClose(peer, code, reason) => {
        let pair = self.array(2)?;
        self.set_index(pair, 0, self.peer(&peer)?)?;
        let result = self.object()?;
        self.set(result, "code", self.u32(code as u32)?)?;
        self.set(result, "closeReason", self.string(&reason)?)?;
        self.set_index(pair, 1, result)?;
        (kind::SERVER_CLOSE, pair)
      }
      Event::ServerError(message) => {
        let object = self.object()?;
        self.set(object, "code", self.u32(200)?)?;
        self.set(object, "message", self.string(&message)?)?;
        (kind::SERVER_ERROR, object)
      }
    })
  }

  fn peer(self, peer: &Peer) -> napi::Result<sys::napi_value> {
    let object = self.object()?;
    self.set(object, "clientIP", self.string(&peer.ip)?)?;
    self.set(object, "clientPort", self.u32(peer.port as u32)?)?;
    Ok(object)
  }

  fn server_message(self, peer: &Peer, data: sys::napi_value) -> napi::Result<sys::napi_value> {
    let object = self.object()?;
    self.set(object, "clientConnection", self.peer(peer)?)?;
    self.set(object, "data", data)?;
    Ok(object)
  }

  fn undefined(self) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(unsafe { sys::napi_get_undefined(self.0, &mut out) });
    Ok(out)
  }

  fn u32(self, value: u32) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(unsafe { sys::napi_create_uint32(self.0, value, &mut out) });
    Ok(out)
  }

  fn i32(self, value: i32) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(unsafe { sys::napi_create_int32(self.0, value, &mut out) });
    Ok(out)
  }

  fn string(self, s: &str) -> napi::Result<sys::napi_value> {
    self.utf8(s.as_bytes())
  }

  /// A JS string from bytes that are valid UTF-8.
  fn utf8(self, bytes: &[u8]) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(unsafe {
      sys::napi_create_string_utf8(
        self.0,
        bytes.as_ptr().cast(),
        bytes.len() as isize,
        &mut out,
      )
    });
    Ok(out)
  }

  fn array_buffer(self, bytes: &[u8]) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    let mut data: *mut c_void = ptr::null_mut();
    check!(unsafe { sys::napi_create_arraybuffer(self.0, bytes.len(), &mut data, &mut out) });
    if !bytes.is_empty() {
      // SAFETY: Node just allocated `bytes.len()` writable bytes at `data`.
      unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), data.cast::<u8>(), bytes.len()) };
    }
    Ok(out)
  }

  /// An ArrayBuffer over a large message's own bytes, without copying them: JS holds the bytes
  /// until it collects the ArrayBuffer. Falls back to a copy where external buffers are refused.
  fn owned_array_buffer(self, bytes: bytes::Bytes) -> napi::Result<sys::napi_value> {
    unsafe extern "C" fn release(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
      // SAFETY: `hint` is the Box<Bytes> leaked below, released exactly once by Node.
      drop(unsafe { Box::from_raw(hint.cast::<bytes::Bytes>()) });
    }
    if bytes.is_empty() {
      return self.array_buffer(&bytes);
    }
    let owner = Box::new(bytes);
    let (data, len) = (owner.as_ptr() as *mut c_void, owner.len());
    let hint = Box::into_raw(owner);
    let mut out = ptr::null_mut();
    // SAFETY: `data` stays valid while `hint` (which owns it) lives, until `release` runs. The
    // message's bytes are its own range of the allocation: JS writing into them touches nothing else.
    let status = unsafe {
      sys::napi_create_external_arraybuffer(self.0, data, len, Some(release), hint.cast(), &mut out)
    };
    if status == sys::Status::napi_ok {
      return Ok(out);
    }
    // SAFETY: Node refused the buffer and will not call `release`: the box is still ours.
    let owner = unsafe { Box::from_raw(hint) };
    self.array_buffer(&owner)
  }

  fn uint32_array(self, values: &[u32]) -> napi::Result<sys::napi_value> {
    let mut buffer = ptr::null_mut();
    let mut data: *mut c_void = ptr::null_mut();
    let len = std::mem::size_of_val(values);
    check!(unsafe { sys::napi_create_arraybuffer(self.0, len, &mut data, &mut buffer) });
    if len > 0 {
      // SAFETY: Node just allocated `len` writable bytes at `data`.
      unsafe { ptr::copy_nonoverlapping(values.as_ptr().cast::<u8>(), data.cast::<u8>(), len) };
    }
    let mut out = ptr::null_mut();
    check!(unsafe {
      sys::napi_create_typedarray(
        self.0,
        sys::TypedarrayType::uint32_array,
        values.len(),
        buffer,
        0,
        &mut out,
      )
    });
    Ok(out)
  }

  fn object(self) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(unsafe { sys::napi_create_object(self.0, &mut out) });
    Ok(out)
  }

  fn array(self, len: usize) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(unsafe { sys::napi_create_array_with_length(self.0, len, &mut out) });
    Ok(out)
  }

  fn set(self, object: sys::napi_value, name: &str, value: sys::napi_value) -> napi::Result<()> {
    let key = self.string(name)?;
    check!(unsafe { sys::napi_set_property(self.0, object, key, value) });
    Ok(())
  }

  fn set_index(
    self,
    array: sys::napi_value,
    index: u32,
    value: sys::napi_value,
  ) -> napi::Result<()> {
    check!(unsafe { sys::napi_set_element(self.0, array, index, value) });
    Ok(())
  }
}

#[cfg(test)]
mod tests {
  use super::utf16_len;

  #[test]
  fn utf16_length_counts_surrogate_pairs() {
    assert_eq!(utf16_len(b"abc"), 3);
    assert_eq!(utf16_len("é€".as_bytes()), 2);
    assert_eq!(utf16_len("a😀b".as_bytes()), 4);
    assert_eq!("a😀b".encode_utf16().count(), 4);
  }
}
