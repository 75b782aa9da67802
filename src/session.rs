//! An open WebSocket connection: reads, writes, heartbeat and the close handshake, in one task.
//!
//! One task owns the stream and polls reading, writing and timers together, so reading never waits
//! behind a write the peer does not take, and a TLS stream is never split across tasks.

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_util::task::AtomicWaker;
use futures_util::{Sink, Stream};
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::errors::Failure;
use crate::lock;
use crate::options::Heartbeat;
use crate::transport::Link;

/// How long we wait for the peer's answer to our close frame.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long we keep echoing a peer's close before dropping the link.
const CLOSE_ECHO_TIMEOUT: Duration = Duration::from_secs(3);
/// The reason reported when the peer's close carries none, and for an abnormal loss.
pub const LINK_DOWN: &str = "The link is down";
/// The code reported for an abnormal loss (the runtime never reports 1006).
pub const ABNORMAL_CODE: u16 = 1005;
/// The reason tungstenite puts in place of a peer's close code that is not allowed on the wire.
const REWRITTEN_CLOSE_REASON: &str = "Protocol violation";
/// Commands taken from the queue before the written frames are flushed together.
const WRITE_BATCH: usize = 256;
/// Message bytes a session reports before handing them to the dispatcher, at most.
pub const LOCAL_BATCH_BYTES: usize = 4 << 20;
/// Messages a session reports before handing them to the dispatcher, at most.
pub const LOCAL_BATCH_EVENTS: usize = 1024;
/// Messages read in one turn before writes and timers get theirs.
const READ_BATCH: usize = 1024;

/// What JS asks of a connection.
#[derive(Debug)]
pub enum Command {
  Send(Message),
  Close(u16, String),
}

/// The commands JS gives a connection, waiting for its task.
///
/// Pushing does not wake the task: JS pushes every send of the current JS turn, then wakes each
/// outbox once (`EventPump.flushSends`), so a burst of sends costs one wake-up, not one each.
#[derive(Default)]
pub struct Outbox {
  queue: Mutex<VecDeque<Command>>,
  waker: AtomicWaker,
  /// A wake-up has been asked for and not yet given.
  wake_requested: AtomicBool,
  /// The running session's wire, while it accepts writes from JS's thread.
  wire: Mutex<Option<Arc<Mutex<Wire>>>>,
}

impl Outbox {
  /// Queues a command; true when the caller must arrange a wake-up (none is pending yet).
  pub fn push(&self, command: Command) -> bool {
    lock(&self.queue).push_back(command);
    !self.wake_requested.swap(true, Ordering::AcqRel)
  }

  /// Sends what was pushed. When the connection's task is idle, the JS thread writes the messages
  /// itself (a round trip then costs no wake-up of the task); otherwise the task is woken to take them.
  pub fn wake(&self) {
    self.wake_requested.store(false, Ordering::Release);
    let wire = lock(&self.wire).clone();
    if let Some(wire) = wire {
      if let Ok(mut wire) = wire.try_lock() {
        if wire.write_now(self) {
          return;
        }
      }
    }
    self.waker.wake();
  }

  /// Sends a binary message straight from the caller's bytes, without copying them first: only
  /// when the connection is idle (nothing queued, nothing being written) and can take it now.
  /// False when it cannot; then nothing was sent, and the caller sends a copy the usual way.
  pub fn send_lent(&self, data: &[u8]) -> bool {
    if self.wake_requested.load(Ordering::Acquire) || !lock(&self.queue).is_empty() {
      return false;
    }
    let wire = lock(&self.wire).clone();
    let Some(wire) = wire else {
      return false;
    };
    let Ok(mut wire) = wire.try_lock() else {
      return false;
    };
    wire.send_lent(data)
  }

  /// Moves every queued command to `into`; true when there were any. Registers the task for the
  /// next wake-up first, so a push that races this call is never missed.
  pub fn poll_take(&self, cx: &mut Context<'_>, into: &mut VecDeque<Command>) -> bool {
    self.waker.register(cx.waker());
    let mut queue = lock(&self.queue);
    if queue.is_empty() {
      return false;
    }
    into.append(&mut queue);
    true
  }
}

/// The writing side of a session, shared between its task and JS's thread (`Outbox::wake`).
pub struct Wire {
  ws: Box<WebSocketStream<Link>>,
  /// Commands taken from the outbox (or given before 'open'), in order.
  early: VecDeque<Command>,
  unflushed: bool,
  /// JS's thread may write sends itself: false once the close began or the session ended.
  direct: bool,
  /// The task's waker: writes started on JS's thread register it for write readiness.
  task: Option<Waker>,
}

/// Bytes lent by the caller for the time of one `start_send` (see [`Wire::send_lent`]).
struct Lent {
  data: *const u8,
  len: usize,
  /// Set when tungstenite dropped the message.
  returned: *const AtomicBool,
}

// SAFETY: a `Lent` never leaves the call that lent the bytes (checked by `returned`).
unsafe impl Send for Lent {}

impl AsRef<[u8]> for Lent {
  fn as_ref(&self) -> &[u8] {
    // SAFETY: the lender's slice, alive for as long as this `Lent` (see `Wire::send_lent`).
    unsafe { std::slice::from_raw_parts(self.data, self.len) }
  }
}

impl Drop for Lent {
  fn drop(&mut self) {
    // SAFETY: the lender's flag outlives this `Lent`.
    unsafe { (*self.returned).store(true, Ordering::Release) };
  }
}

impl Wire {
  /// Frames `data` as a binary message straight into the codec's write buffer (the one copy it
  /// makes anyway, masking as it goes) and writes what the socket takes; the task writes the rest.
  ///
  /// tungstenite formats a message into its buffer inside `start_send` and keeps no reference
  /// to it (`start_send_releases_the_message` checks it for this version); the bytes are lent
  /// for that call only.
  fn send_lent(&mut self, data: &[u8]) -> bool {
    if !self.direct || !self.early.is_empty() {
      return false;
    }
    let Some(task) = self.task.clone() else {
      return false;
    };
    let mut cx = Context::from_waker(&task);
    if !matches!(
      Pin::new(&mut self.ws).poll_ready(&mut cx),
      Poll::Ready(Ok(()))
    ) {
      return false;
    }
    let returned = AtomicBool::new(false);
    let lent = bytes::Bytes::from_owner(Lent {
      data: data.as_ptr(),
      len: data.len(),
      returned: &returned,
    });
    if Pin::new(&mut self.ws)
      .start_send(Message::Binary(lent))
      .is_err()
    {
      // Framed or not, the link is failing: the task finds out on its next turn.
      task.wake_by_ref();
    }
    debug_assert!(
      returned.load(Ordering::Acquire),
      "tungstenite kept a lent message"
    );
    self.unflushed = true;
    if !self.flush_now(&mut cx) {
      task.wake_by_ref();
    }
    true
  }

  /// Writes what was framed; false when writing failed (the task finds out on its next turn).
  /// What the socket does not take now, the task writes when it is writable.
  fn flush_now(&mut self, cx: &mut Context<'_>) -> bool {
    match Pin::new(&mut self.ws).poll_flush(cx) {
      Poll::Ready(Ok(())) => self.unflushed = false,
      Poll::Pending => {}
      Poll::Ready(Err(_)) => return false,
    }
    true
  }

  /// Writes the outbox's sends from the calling thread; false when the task must do it (it has
  /// commands of its own pending, a close is among them, or writing failed).
  fn write_now(&mut self, outbox: &Outbox) -> bool {
    if !self.direct || !self.early.is_empty() {
      return false;
    }
    let Some(task) = self.task.clone() else {
      return false;
    };
    let mut cx = Context::from_waker(&task);
    self.early.append(&mut lock(&outbox.queue));
    while let Some(command) = self.early.pop_front() {
      let Command::Send(message) = command else {
        self.early.push_front(command);
        return false;
      };
      match Pin::new(&mut self.ws).poll_ready(&mut cx) {
        Poll::Ready(Ok(())) => {}
        // The task is woken when the socket takes more, and writes the rest.
        Poll::Pending => {
          self.early.push_front(Command::Send(message));
          return true;
        }
        Poll::Ready(Err(_)) => {
          self.early.push_front(Command::Send(message));
          return false;
        }
      }
      if Pin::new(&mut self.ws).start_send(message).is_err() {
        return false;
      }
      self.unflushed = true;
    }
    self.flush_now(&mut cx)
  }
}

/// What the session reports; the caller turns these into JS events.
pub trait SessionEvents {
  fn message(&mut self, message: Message);
  /// The peer started the close handshake: no more sends.
  fn peer_closing(&mut self);
  fn error(&mut self, failure: Failure);
  fn close(&mut self, code: u16, reason: String);
  /// True when nobody is listening any more (the JS environment is gone).
  fn abandoned(&self) -> bool;
  /// The session is about to wait: hand over what was reported since the last flush.
  fn flush(&mut self) {}
  /// False while the reader must pause (JS is behind); `cx` is woken when it may go on.
  fn poll_room(&mut self, _cx: &mut Context<'_>) -> bool {
    true
  }
}

enum Step {
  /// Nobody listens any more (the JS environment is gone).
  Abandoned,
  /// Messages were handed to the events; nothing else happened.
  Delivered,
  /// The peer's close frame (data messages, pings and pongs are handled inside `poll_step`).
  PeerClose(Option<CloseFrame>),
  Failed(WsError),
  Eof,
  CloseRequested(u16, String),
  Timer,
}

/// What is left of a connection after its last event: see [`linger`].
pub type Linger = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs an open connection until it ends; the last thing it reports is `close`. Returns the
/// lingering the socket still needs (run it on the executor that polls the socket), if any.
pub async fn run<E: SessionEvents>(
  ws: Box<WebSocketStream<Link>>,
  outbox: Arc<Outbox>,
  early: VecDeque<Command>,
  heartbeat: Heartbeat,
  events: &mut E,
) -> Option<Linger> {
  let wire = Arc::new(Mutex::new(Wire {
    ws,
    early,
    unflushed: false,
    direct: true,
    task: None,
  }));
  *lock(&outbox.wire) = Some(wire.clone());
  let mut s = Session {
    wire,
    outbox,
    closing: None,
    timer: Box::pin(tokio::time::sleep(Duration::from_secs(86400))),
    ping_at: None,
    pong_deadline: None,
    close_deadline: None,
    heartbeat,
    link_lost: false,
  };
  s.arm_heartbeat();
  s.run(events).await;
  (!s.link_lost).then(|| Box::pin(linger(s.wire.clone())) as Linger)
}

/// After the close handshake (or a violation), the peer may still be sending: dropping the socket
/// with unread bytes would make the kernel answer with a reset, and the peer lose our close frame.
/// So our side is shut down, and the socket read and discarded until the peer closes it (or for a
/// few seconds), after the connection's last event: its events do not wait for it.
async fn linger(wire: Arc<Mutex<Wire>>) {
  use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
  let mut scratch = vec![0u8; 4096];
  let _ = tokio::time::timeout(CLOSE_ECHO_TIMEOUT, async {
    // Our side is done: tell the peer (FIN, or TLS close_notify), so that it closes its side too.
    let _ = poll_fn(|cx| Pin::new(lock(&wire).ws.get_mut()).poll_shutdown(cx)).await;
    loop {
      let read = poll_fn(|cx| {
        let mut buf = ReadBuf::new(&mut scratch);
        Pin::new(lock(&wire).ws.get_mut())
          .poll_read(cx, &mut buf)
          .map_ok(|()| buf.filled().len())
      })
      .await;
      if !matches!(read, Ok(n) if n > 0) {
        break;
      }
    }
  })
  .await;
}

struct Session {
  wire: Arc<Mutex<Wire>>,
  outbox: Arc<Outbox>,
  /// The code and reason of the close we sent.
  closing: Option<(u16, String)>,
  timer: Pin<Box<Sleep>>,
  ping_at: Option<Instant>,
  pong_deadline: Option<Instant>,
  close_deadline: Option<Instant>,
  heartbeat: Heartbeat,
  /// The socket is gone (EOF or an I/O error): nothing to linger on.
  link_lost: bool,
}

/// However the session ends (or is dropped unfinished, with its JS environment), JS stops
/// writing to its wire: the socket goes with the session, not with the JS object.
impl Drop for Session {
  fn drop(&mut self) {
    *lock(&self.outbox.wire) = None;
    lock(&self.wire).direct = false;
  }
}

impl Session {
  async fn run<E: SessionEvents>(&mut self, events: &mut E) {
    loop {
      let step = poll_fn(|cx| self.poll_step(cx, events)).await;
      match step {
        Step::Abandoned => return,
        Step::Delivered => {}
        Step::PeerClose(frame) => {
          match self.closing.take() {
            // The answer to our close.
            Some((code, reason)) => events.close(code, reason),
            None => {
              events.peer_closing();
              let (code, reason) = match frame {
                Some(f) if !f.reason.is_empty() => {
                  (u16::from(f.code), f.reason.as_str().to_string())
                }
                Some(f) => (u16::from(f.code), LINK_DOWN.to_string()),
                None => (1000, LINK_DOWN.to_string()),
              };
              // tungstenite answers a close code that is not allowed on the wire with this 1002 and
              // hands it to us in place of the peer's: a protocol violation, reported as one.
              if code == 1002 && reason == REWRITTEN_CLOSE_REASON {
                events.error(Failure::new(
                  "the peer sent a close code that is not allowed",
                ));
              }
              // Boxed, as the rarely taken paths below: their timers would size every session.
              Box::pin(self.finish_echo()).await;
              events.close(code, reason);
            }
          }
          return;
        }
        Step::Failed(err) => {
          Box::pin(self.fail(err, events)).await;
          return;
        }
        Step::Eof => {
          self.link_lost = true;
          match self.closing.take() {
            Some((code, reason)) => events.close(code, reason),
            None => {
              events.error(Failure::new("connection closed without a close frame"));
              events.close(ABNORMAL_CODE, LINK_DOWN.to_string());
            }
          }
          return;
        }
        Step::CloseRequested(code, reason) => self.start_close(code, reason),
        Step::Timer => {
          let now = Instant::now();
          if self.close_deadline.is_some_and(|d| d <= now) {
            let (code, reason) = self.closing.take().unwrap_or((1000, String::new()));
            events.close(code, reason);
            return;
          }
          if self.pong_deadline.is_some_and(|d| d <= now) {
            events.error(Failure::new(format!(
              "no pong within {} s",
              self.heartbeat.timeout.as_secs()
            )));
            events.close(ABNORMAL_CODE, LINK_DOWN.to_string());
            return;
          }
          if self.ping_at.is_some_and(|d| d <= now) {
            self.ping_at = None;
            if self.heartbeat.timeout.is_zero() {
              // No pong wait: the runtime drops the link `interval` after the last pong, without a ping.
              events.error(Failure::new("heartbeat expired"));
              events.close(ABNORMAL_CODE, LINK_DOWN.to_string());
              return;
            }
            if self.closing.is_none() {
              let ping = Command::Send(Message::Ping(Default::default()));
              lock(&self.wire).early.push_back(ping);
            }
            self.pong_deadline = Some(now + self.heartbeat.timeout);
          }
          self.reset_timer();
        }
      }
    }
  }

  /// One turn: write what JS queued, flush, then read every message that is ready; or a timer
  /// fired. Before it waits, it hands the reported messages over in one batch.
  fn poll_step<E: SessionEvents>(&mut self, cx: &mut Context<'_>, events: &mut E) -> Poll<Step> {
    if events.abandoned() {
      return Poll::Ready(Step::Abandoned);
    }
    let wire = Arc::clone(&self.wire);
    let mut guard = lock(&wire);
    let w = &mut *guard;
    if !w.task.as_ref().is_some_and(|t| t.will_wake(cx.waker())) {
      w.task = Some(cx.waker().clone());
    }
    let mut written = 0;
    if w.early.is_empty() {
      self.outbox.poll_take(cx, &mut w.early);
    }
    while written < WRITE_BATCH {
      let Some(command) = w.early.pop_front() else {
        if self.outbox.poll_take(cx, &mut w.early) {
          continue;
        }
        break;
      };
      match command {
        Command::Close(code, reason) => return Poll::Ready(Step::CloseRequested(code, reason)),
        Command::Send(message) => {
          if self.closing.is_some() {
            continue;
          }
          match Pin::new(&mut w.ws).poll_ready(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Step::Failed(e)),
            Poll::Pending => {
              w.early.push_front(Command::Send(message));
              break;
            }
          }
          if let Err(e) = Pin::new(&mut w.ws).start_send(message) {
            return Poll::Ready(Step::Failed(e));
          }
          w.unflushed = true;
          written += 1;
        }
      }
    }
    if written == WRITE_BATCH {
      // More may be queued: come back after reading.
      cx.waker().wake_by_ref();
    }
    if w.unflushed {
      match Pin::new(&mut w.ws).poll_flush(cx) {
        Poll::Ready(Ok(())) => w.unflushed = false,
        Poll::Ready(Err(e)) => return Poll::Ready(Step::Failed(e)),
        Poll::Pending => {}
      }
    }
    let mut delivered = 0;
    let mut pong = false;
    // The socket has nothing more for now, and will wake the task when it has.
    let mut drained = false;
    while delivered < READ_BATCH {
      if delivered % 64 == 0 && !events.poll_room(cx) {
        break;
      }
      match Pin::new(&mut w.ws).poll_next(cx) {
        Poll::Ready(Some(Ok(message))) => match message {
          Message::Text(_) | Message::Binary(_) => {
            events.message(message);
            delivered += 1;
          }
          Message::Pong(_) => pong = true,
          // tungstenite queued the answer to a ping; the next flush sends it.
          Message::Ping(_) => w.unflushed = true,
          Message::Frame(_) => {}
          Message::Close(frame) => return Poll::Ready(Step::PeerClose(frame)),
        },
        Poll::Ready(Some(Err(e))) => return Poll::Ready(Step::Failed(e)),
        Poll::Ready(None) => return Poll::Ready(Step::Eof),
        Poll::Pending => {
          drained = true;
          break;
        }
      }
    }
    drop(guard);
    if pong {
      self.arm_heartbeat();
    }
    if delivered == READ_BATCH {
      // More may be ready: come back after the rest of the loop has had its turn.
      cx.waker().wake_by_ref();
    }
    // Stopped early (batch full, or JS behind): the loop comes back. Otherwise the read is already
    // registered, and asking the socket again would only cost a system call.
    if delivered > 0 && !drained {
      return Poll::Ready(Step::Delivered);
    }
    if self.timer_armed() && self.timer.as_mut().poll(cx).is_ready() {
      return Poll::Ready(Step::Timer);
    }
    events.flush();
    Poll::Pending
  }

  fn start_close(&mut self, code: u16, reason: String) {
    let frame = CloseFrame {
      code: CloseCode::from(code),
      reason: reason.clone().into(),
    };
    {
      let mut w = lock(&self.wire);
      w.early.clear();
      w.direct = false;
      // The close frame goes out through the sink like any message; errors surface on the next step.
      let _ = Pin::new(&mut w.ws).start_send(Message::Close(Some(frame)));
      w.unflushed = true;
    }
    self.closing = Some((code, reason));
    self.close_deadline = Some(Instant::now() + CLOSE_TIMEOUT);
    self.ping_at = None;
    self.pong_deadline = None;
    self.reset_timer();
  }

  /// After the peer's close: send our echo (the peer's own closing of the link is awaited by `linger`).
  async fn finish_echo(&mut self) {
    let _ = tokio::time::timeout(CLOSE_ECHO_TIMEOUT, async {
      let _ = poll_fn(|cx| Pin::new(&mut lock(&self.wire).ws).poll_flush(cx)).await;
    })
    .await;
  }

  /// The stream failed: a protocol violation gets its close frame, anything else is a lost link.
  async fn fail<E: SessionEvents>(&mut self, err: WsError, events: &mut E) {
    if let Some((code, why)) = violation(&err) {
      if self.closing.is_none() {
        let frame = CloseFrame {
          code: CloseCode::from(code),
          reason: why.clone().into(),
        };
        let _ = tokio::time::timeout(CLOSE_ECHO_TIMEOUT, async {
          let _ = poll_fn(|cx| Pin::new(&mut lock(&self.wire).ws).poll_ready(cx)).await;
          let _ = Pin::new(&mut lock(&self.wire).ws).start_send(Message::Close(Some(frame)));
          let _ = poll_fn(|cx| Pin::new(&mut lock(&self.wire).ws).poll_flush(cx)).await;
        })
        .await;
      }
      events.error(Failure::new(why.clone()));
      events.close(code, why);
      return;
    }
    self.link_lost = true;
    match self.closing.take() {
      // The peer dropped the link instead of answering our close: the close is done all the same.
      Some((code, reason)) => events.close(code, reason),
      None => {
        events.error(describe_loss(&err));
        events.close(ABNORMAL_CODE, LINK_DOWN.to_string());
      }
    }
  }

  fn arm_heartbeat(&mut self) {
    self.pong_deadline = None;
    self.ping_at = self
      .heartbeat
      .enabled()
      .then(|| Instant::now() + self.heartbeat.interval);
    self.reset_timer();
  }

  fn timer_armed(&self) -> bool {
    self.ping_at.is_some() || self.pong_deadline.is_some() || self.close_deadline.is_some()
  }

  fn reset_timer(&mut self) {
    let next = [self.ping_at, self.pong_deadline, self.close_deadline]
      .into_iter()
      .flatten()
      .min();
    if let Some(deadline) = next {
      self.timer.as_mut().reset(deadline);
    }
  }
}

/// The close code and reason RFC 6455 asks for when the peer broke the protocol or a limit.
fn violation(err: &WsError) -> Option<(u16, String)> {
  match err {
    WsError::Utf8(_) => Some((1007, "invalid UTF-8 in a text message".into())),
    WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => Some((
      1009,
      format!("message too big: {size} bytes, the limit is {max_size}"),
    )),
    WsError::Capacity(e) => Some((1009, format!("message too big: {e}"))),
    WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
    WsError::Protocol(p) => Some((1002, protocol_violation(p))),
    _ => None,
  }
}

fn protocol_violation(err: &ProtocolError) -> String {
  match err {
    ProtocolError::NonZeroReservedBits => "reserved bits set".into(),
    ProtocolError::MaskedFrameFromServer => "masked frame from server".into(),
    ProtocolError::FragmentedControlFrame => "fragmented control frame".into(),
    ProtocolError::ControlFrameTooBig => "control frame too big".into(),
    ProtocolError::UnknownControlFrameType(op) => format!("unknown control opcode {op}"),
    ProtocolError::UnknownDataFrameType(op) => format!("unknown data opcode {op}"),
    ProtocolError::UnexpectedContinueFrame => "continuation frame without a message".into(),
    ProtocolError::ExpectedFragment(_) => "new data frame inside a fragmented message".into(),
    ProtocolError::InvalidCloseSequence => "invalid close frame".into(),
    ProtocolError::ReceivedAfterClosing => "frame after close".into(),
    other => format!("protocol error: {other}"),
  }
}

fn describe_loss(err: &WsError) -> Failure {
  match err {
    WsError::Io(e) => Failure::io("", e),
    WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
      Failure::new("connection closed without a close frame")
    }
    other => Failure::new(other.to_string()),
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use tokio_tungstenite::tungstenite::protocol::Role;

  /// `Wire::send_lent` relies on tungstenite dropping a message within `start_send`, whether the
  /// socket takes all of the frame, part of it, or nothing yet.
  #[tokio::test]
  async fn start_send_releases_the_message() {
    for room in [1 << 20, 1000, 1] {
      let (socket, _peer) = tokio::io::duplex(room);
      let mut ws = WebSocketStream::from_raw_socket(socket, Role::Client, None).await;
      poll_fn(|cx| Pin::new(&mut ws).poll_ready(cx))
        .await
        .unwrap();
      let data = vec![7u8; 200_000];
      let returned = AtomicBool::new(false);
      let lent = bytes::Bytes::from_owner(Lent {
        data: data.as_ptr(),
        len: data.len(),
        returned: &returned,
      });
      Pin::new(&mut ws).start_send(Message::Binary(lent)).unwrap();
      assert!(returned.load(Ordering::Acquire), "room {room}");
    }
  }
}
