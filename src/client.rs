//! A client WebSocket object: the checks of `connect`, `send` and `close`, and the task that runs
//! one session from DNS to the last event.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::FutureExt;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::errors::{ErrorCode, Failure};
use crate::events::{Emitter, Event, Run, SMALL_MESSAGE};
use crate::handshake::{self, Answer, Upgraded};
use crate::lock;
use crate::options::Heartbeat;
use crate::options::{ConnectOptions, DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MESSAGE_SIZE};
use crate::policy;
use crate::proxy;
use crate::session::{self, Command, Outbox, SessionEvents, LOCAL_BATCH_BYTES, LOCAL_BATCH_EVENTS};
use crate::target::Target;
use crate::transport::{self, Link, Transport};

/// Redirects followed before the attempt fails.
const MAX_REDIRECTS: usize = 5;
/// How long connecting (TCP, proxy, TLS, upgrade) may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// Initial read buffer of a connection: small, so idle connections stay cheap; it grows for large frames.
const READ_BUFFER_BYTES: usize = 1024;
/// Outgoing bytes buffered before tungstenite writes on its own (we flush after each batch anyway).
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

const IDLE: u8 = 0;
const CONNECTING: u8 = 1;
const OPEN: u8 = 2;
const CLOSING: u8 = 3;

/// The native half of one JS `WebSocket`.
pub struct Client {
  shared: Arc<Shared>,
}

struct Shared {
  state: AtomicU8,
  /// The running session's command queue. Held while a session starts or ends, so that a new
  /// `connect()` never overtakes the last events of the previous session.
  session: Mutex<Option<Arc<Outbox>>>,
  emitter: Emitter,
}

impl Shared {
  fn session(&self) -> MutexGuard<'_, Option<Arc<Outbox>>> {
    // A poisoned lock only means a panic elsewhere; the Option inside is still valid.
    lock(&self.session)
  }

  /// Ends the session: the object may connect again, then the last events go out.
  fn finish(&self, last: impl IntoIterator<Item = Event>) {
    let mut session = self.session();
    *session = None;
    self.state.store(IDLE, Ordering::SeqCst);
    for event in last {
      self.emitter.emit(event);
    }
    self.emitter.emit(Event::Ended);
  }

  /// Ends the session with `failure`, as a lost link.
  fn fail(&self, failure: Failure) {
    self.finish([
      Event::Error(failure),
      Event::Close {
        code: session::ABNORMAL_CODE,
        reason: session::LINK_DOWN.into(),
      },
    ]);
  }
}

impl Client {
  pub fn new(emitter: Emitter) -> Self {
    Client {
      shared: Arc::new(Shared {
        state: AtomicU8::new(IDLE),
        session: Mutex::new(None),
        emitter,
      }),
    }
  }

  /// Starts a session. The checks run in the contract's order: 201, 2302998, 2302002, 2302003,
  /// 2302001 (401 was the JS layer's). Must be called inside the tokio runtime.
  pub fn connect(
    &self,
    url: &str,
    options: ConnectOptions,
    network_allowed: bool,
  ) -> Result<(), ErrorCode> {
    if !network_allowed {
      return Err(ErrorCode::PermissionDenied);
    }
    let host = url::Url::parse(url)
      .ok()
      .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()));
    if !policy::host_allowed(host.as_deref().unwrap_or("")) {
      return Err(ErrorCode::DomainNotAllowed);
    }
    let tls = &options.tls;
    let cert_files = tls
      .client_cert
      .iter()
      .flat_map(|c| [&c.cert_path, &c.key_path]);
    if tls
      .ca_path
      .iter()
      .chain(cert_files)
      .any(|path| !path.exists())
    {
      return Err(ErrorCode::CertificateFileMissing);
    }
    let mut session = self.shared.session();
    if self.shared.state.load(Ordering::SeqCst) != IDLE {
      return Err(ErrorCode::ConnectionExists);
    }
    let target = Target::parse(url)?;
    let outbox = Arc::new(Outbox::default());
    *session = Some(outbox.clone());
    self.shared.state.store(CONNECTING, Ordering::SeqCst);
    drop(session);

    let shared = self.shared.clone();
    tokio::spawn(guarded(
      shared.clone(),
      run_session(shared, Box::new((target, options)), outbox),
    ));
    Ok(())
  }

  /// Sends a message: `now`, it goes out at once (true); otherwise it is queued, and the
  /// connection's task woken when JS flushes its sends (`EventPump.flushSends`). `2302999` when
  /// there is no session or its close has begun.
  pub fn send(&self, message: Message, now: bool) -> Result<bool, ErrorCode> {
    self.with_outbox(|outbox| {
      if !outbox.push(Command::Send(message)) {
        return false; // A wake-up is already on its way.
      }
      if now {
        outbox.wake();
        return true;
      }
      self.shared.emitter.request_wake(outbox.clone());
      false
    })
  }

  /// Sends a binary message at once from the caller's bytes, when the connection is idle: see
  /// `Outbox::send_lent`. `None` when it cannot (nothing was sent).
  pub fn send_lent(&self, data: &[u8]) -> Option<Result<bool, ErrorCode>> {
    match self.with_outbox(|outbox| outbox.send_lent(data)) {
      Ok(true) => Some(Ok(true)),
      Ok(false) => None,
      Err(code) => Some(Err(code)),
    }
  }

  /// Runs `act` on the session's command queue, under the session lock; `2302999` when there is
  /// no session or its close has begun.
  fn with_outbox<T>(&self, act: impl FnOnce(&Arc<Outbox>) -> T) -> Result<T, ErrorCode> {
    let session = self.shared.session();
    match self.shared.state.load(Ordering::SeqCst) {
      CONNECTING | OPEN => {}
      _ => return Err(ErrorCode::Unknown),
    }
    let outbox = session.as_ref().ok_or(ErrorCode::Unknown)?;
    Ok(act(outbox))
  }

  /// Starts the close handshake; `2302999` when there is no session or its close has begun.
  pub fn close(&self, code: Option<u32>, reason: Option<&str>) -> Result<(), ErrorCode> {
    self.with_outbox(|outbox| {
      self.shared.state.store(CLOSING, Ordering::SeqCst);
      outbox.push(Command::Close(
        close_code(code),
        close_reason(reason.unwrap_or("")),
      ));
      outbox.wake();
    })
  }
}

/// Codes 1000–1003, 1007–1014 and 3000–4999 are sent as given; any other becomes 1000.
pub fn close_code(code: Option<u32>) -> u16 {
  match code {
    Some(c @ (1000..=1003 | 1007..=1014 | 3000..=4999)) => c as u16,
    _ => 1000,
  }
}

/// A close reason fits in 123 bytes: longer ones are cut on a UTF-8 boundary.
pub fn close_reason(reason: &str) -> String {
  let mut end = reason.len().min(123);
  while !reason.is_char_boundary(end) {
    end -= 1;
  }
  reason[..end].to_string()
}

/// The tungstenite configuration for these receive limits.
pub fn ws_config(max_message: Option<usize>, max_frame: Option<usize>) -> WebSocketConfig {
  WebSocketConfig::default()
    .read_buffer_size(READ_BUFFER_BYTES)
    .write_buffer_size(WRITE_BUFFER_BYTES)
    .max_message_size(Some(max_message.unwrap_or(DEFAULT_MAX_MESSAGE_SIZE)))
    .max_frame_size(Some(max_frame.unwrap_or(DEFAULT_MAX_FRAME_SIZE)))
}

/// What a session connects to, boxed so that it does not size the task once the connection is open.
type Request = Box<(Target, ConnectOptions)>;

/// Runs a connection's future; a panic in it (a bug of ours) ends the connection visibly instead
/// of taking the process down. (A combinator, not an async fn: that would hold `run` twice, as
/// its argument and as the future it awaits.)
fn guarded(
  shared: Arc<Shared>,
  run: impl std::future::Future<Output = ()>,
) -> impl std::future::Future<Output = ()> {
  AssertUnwindSafe(run).catch_unwind().map(move |result| {
    if result.is_err() {
      shared.fail(Failure::new("internal error in the connection task"));
    }
  })
}

async fn run_session(shared: Arc<Shared>, request: Request, outbox: Arc<Outbox>) {
  let heartbeat = request.1.heartbeat;
  // The connecting phase runs boxed: its state (DNS, TLS handshake, buffers) is freed once the
  // connection is open, instead of sizing the task of every open connection.
  let Some(Established { transport, opening }) = Box::pin(connect(&shared, request, &outbox)).await
  else {
    return;
  };
  // A plain TCP connection moves to the JS thread's event loop, when there is one to take it.
  let transport = match (transport, shared.emitter.event_loop()) {
    (Transport::Plain(tcp), Some(event_loop)) => {
      let socket = match tcp.into_std() {
        Ok(socket) => socket,
        Err(e) => return shared.fail(Failure::io("event loop", &e)),
      };
      let adopter = event_loop.clone();
      event_loop.spawn(Box::pin(guarded(shared.clone(), async move {
        match adopter.adopt(socket) {
          Ok(stream) => {
            open(
              shared,
              Transport::Adopted(stream),
              opening,
              outbox,
              heartbeat,
            )
            .await
          }
          Err(e) => shared.fail(Failure::io("event loop", &e)),
        }
      })));
      return;
    }
    (transport, _) => transport,
  };
  open(shared, transport, opening, outbox, heartbeat).await;
}

/// Reports 'open' and runs the session to its end. (An async fn keeps its arguments for as long
/// as it runs: what only opening needs comes boxed, and is freed once open.)
async fn open(
  shared: Arc<Shared>,
  transport: Transport,
  opening: Box<Opening>,
  outbox: Arc<Outbox>,
  heartbeat: Heartbeat,
) {
  let Opening {
    upgraded,
    early,
    config,
  } = *opening;
  let ws = Box::pin(start(&shared, transport, upgraded, config)).await;
  let mut reporter = Reporter {
    shared: shared.clone(),
    batch: Vec::new(),
    run: None,
    batch_messages: 0,
    batch_bytes: 0,
    last: Vec::new(),
  };
  let linger = session::run(ws, outbox, early, heartbeat, &mut reporter).await;
  reporter.end_run();
  let mut last = std::mem::take(&mut reporter.batch);
  last.append(&mut reporter.last);
  shared.finish(last);
  if let Some(linger) = linger {
    linger.await;
  }
}

/// The WebSocket over `transport`; reports 'open' unless close() came first (then its command is
/// queued, and the session performs the close handshake without ever reporting 'open').
async fn start(
  shared: &Shared,
  transport: Transport,
  mut upgraded: Upgraded,
  config: WebSocketConfig,
) -> Box<WebSocketStream<Link>> {
  let leftover = std::mem::take(&mut upgraded.leftover);
  let ws = WebSocketStream::from_partially_read(
    Link::new(transport),
    leftover,
    Role::Client,
    Some(config),
  )
  .await;
  let opened = shared
    .state
    .compare_exchange(CONNECTING, OPEN, Ordering::SeqCst, Ordering::SeqCst)
    .is_ok();
  if opened {
    let Upgraded {
      status,
      message,
      headers,
      protocol,
      ..
    } = upgraded;
    shared.emitter.emit(Event::Headers(headers));
    shared.emitter.emit(Event::Open {
      status,
      message,
      protocol,
    });
  }
  Box::new(ws)
}

/// An open connection.
struct Established {
  transport: Transport,
  opening: Box<Opening>,
}

/// What opening a connection needs besides its transport.
struct Opening {
  upgraded: Upgraded,
  /// The commands JS gave before it opened.
  early: VecDeque<Command>,
  config: WebSocketConfig,
}

/// DNS (settling `connect()`), then connecting while keeping what JS asks meanwhile: sends wait
/// for 'open', a close aborts. `None` when the attempt ended (its events are sent).
async fn connect(shared: &Shared, request: Request, outbox: &Outbox) -> Option<Established> {
  let (target, options) = *request;
  let options = &options;
  let route = proxy::route(&options.proxy, &target);
  let addrs = match transport::resolve(&target, route.as_ref()).await {
    Ok(addrs) => addrs,
    Err(failure) => {
      shared.finish([
        Event::ConnectFailed(ErrorCode::Unknown),
        Event::Error(failure),
      ]);
      return None;
    }
  };
  shared.emitter.emit(Event::Connected);

  let mut early = VecDeque::new();
  let attempt = tokio::time::timeout(HANDSHAKE_TIMEOUT, establish(target, route, addrs, options));
  tokio::pin!(attempt);
  let outcome = loop {
    tokio::select! {
      result = &mut attempt => break result.unwrap_or_else(|_| Err(Failure::new("timed out while connecting"))),
      _ = std::future::poll_fn(|cx| if outbox.poll_take(cx, &mut early) { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }) => {
        if let Some(at) = early.iter().position(|c| matches!(c, Command::Close(..))) {
          if let Some(Command::Close(code, reason)) = early.remove(at) {
            shared.finish([Event::Close { code, reason }]);
          }
          return None;
        }
      }
    }
  };
  match outcome {
    Ok((transport, upgraded)) => Some(Established {
      transport,
      opening: Box::new(Opening {
        upgraded,
        early,
        config: ws_config(options.max_message_size, options.max_frame_size),
      }),
    }),
    Err(failure) => {
      shared.finish([Event::Error(failure)]);
      None
    }
  }
}

/// TCP (through the proxy), TLS and the upgrade, following redirects.
async fn establish(
  mut target: Target,
  mut route: Option<proxy::Route>,
  mut addrs: Vec<std::net::SocketAddr>,
  options: &ConnectOptions,
) -> Result<(Transport, Upgraded), Failure> {
  let mut redirects = 0;
  loop {
    let mut stream = transport::open(&addrs, route.as_ref(), &target, &options.tls).await?;
    match handshake::upgrade(&mut stream, &target, options).await? {
      Answer::Upgraded(upgraded) => return Ok((stream, upgraded)),
      Answer::Redirect(status, location) => {
        redirects += 1;
        if redirects > MAX_REDIRECTS {
          return Err(Failure::with_status(
            status,
            format!("too many redirects (more than {MAX_REDIRECTS})"),
          ));
        }
        target = target.redirect(&location).ok_or_else(|| {
          Failure::with_status(status, format!("cannot follow redirect to {location:?}"))
        })?;
        route = proxy::route(&options.proxy, &target);
        addrs = transport::resolve(&target, route.as_ref()).await?;
      }
    }
  }
}

/// Turns what the session reports into the object's events.
struct Reporter {
  shared: Arc<Shared>,
  /// Messages not yet handed to the dispatcher (the small ones at the end joined in `run`),
  /// their number and size.
  batch: Vec<Event>,
  run: Option<Box<Run>>,
  batch_messages: usize,
  batch_bytes: usize,
  /// The closing events, sent together with the end of the session.
  last: Vec<Event>,
}

impl Reporter {
  /// The run the next small message joins.
  fn run(&mut self) -> &mut Run {
    self.run.get_or_insert_with(Box::default)
  }

  /// Closes the current run: what comes next goes after it.
  fn end_run(&mut self) {
    if let Some(run) = self.run.take() {
      self.batch.push(Event::Run(run));
    }
  }
}

impl SessionEvents for Reporter {
  fn message(&mut self, message: Message) {
    self.batch_bytes += message.len();
    self.batch_messages += 1;
    match message {
      Message::Text(text) if text.len() < SMALL_MESSAGE => self.run().push_text(text.as_bytes()),
      Message::Binary(data) if data.len() < SMALL_MESSAGE => self.run().push_binary(&data),
      Message::Text(text) => {
        self.end_run();
        self.batch.push(Event::Text(text.into()));
      }
      Message::Binary(data) => {
        self.end_run();
        self.batch.push(Event::Binary(data));
      }
      _ => {}
    }
  }

  fn poll_room(&mut self, cx: &mut std::task::Context<'_>) -> bool {
    // Past a few MiB or a thousand messages, hand the batch over first, then ask whether JS
    // has room.
    if self.batch_bytes >= LOCAL_BATCH_BYTES || self.batch_messages >= LOCAL_BATCH_EVENTS {
      self.flush();
    }
    self.shared.emitter.poll_room(cx)
  }

  fn flush(&mut self) {
    self.end_run();
    if !self.batch.is_empty() {
      self.batch_bytes = 0;
      self.batch_messages = 0;
      self
        .shared
        .emitter
        .emit_all(std::mem::take(&mut self.batch));
    }
  }

  fn peer_closing(&mut self) {
    self.shared.state.store(CLOSING, Ordering::SeqCst);
  }

  fn error(&mut self, failure: Failure) {
    self.shared.state.store(CLOSING, Ordering::SeqCst);
    self.last.push(Event::Error(failure));
  }

  fn close(&mut self, code: u16, reason: String) {
    self.last.push(Event::Close { code, reason });
  }

  fn abandoned(&self) -> bool {
    self.shared.emitter.is_closed()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn close_codes_outside_the_allowed_ranges_become_1000() {
    for (given, sent) in [
      (1000, 1000),
      (1003, 1003),
      (1004, 1000),
      (1005, 1000),
      (1006, 1000),
      (1007, 1007),
      (1014, 1014),
      (1015, 1000),
      (2999, 1000),
      (3000, 3000),
      (4999, 4999),
      (5000, 1000),
      (0, 1000),
    ] {
      assert_eq!(close_code(Some(given)), sent, "{given}");
    }
    assert_eq!(close_code(None), 1000);
  }

  #[test]
  fn close_reason_is_cut_to_123_bytes_on_a_char_boundary() {
    assert_eq!(close_reason(&"a".repeat(200)).len(), 123);
    let euros = "€".repeat(50); // 3 bytes each
    let cut = close_reason(&euros);
    assert_eq!(cut.len(), 123);
    let mixed = format!("ab{}", "€".repeat(50));
    assert_eq!(close_reason(&mixed).len(), 122);
  }
}

#[cfg(test)]
mod task_size {
  use super::*;
  use crate::events::EventQueue;

  struct Nowhere;
  impl EventQueue for Nowhere {
    fn push(&self, _: u32, _: Event) {}
    fn push_all(&self, _: u32, _: Vec<Event>) {}
    fn request_wake(&self, _: Arc<Outbox>) {}
    fn is_closed(&self) -> bool {
      false
    }
    fn poll_room(&self, _: &mut std::task::Context<'_>) -> bool {
      true
    }
  }

  /// Every open connection keeps its task: the connecting phase's state must not size it.
  #[test]
  fn an_open_connection_task_stays_small() {
    let shared = Arc::new(Shared {
      state: AtomicU8::new(0),
      session: Mutex::new(None),
      emitter: Emitter::new(1, Arc::new(Nowhere)),
    });
    let request = Box::new((Target::parse("ws://a/").unwrap(), ConnectOptions::default()));
    let outbox = Arc::new(Outbox::default());
    let task = guarded(shared.clone(), run_session(shared, request, outbox));
    assert!(
      std::mem::size_of_val(&task) <= 900,
      "connection task: {} bytes",
      std::mem::size_of_val(&task)
    );
  }
}
