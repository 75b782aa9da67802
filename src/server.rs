//! `WebSocketServer`: accepts clients, enforces the limits, and runs each connection as a session.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::FutureExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::Message;

use crate::client::{close_code, close_reason, ws_config};
use crate::errors::{ErrorCode, Failure};
use crate::events::{Emitter, Event, Peer};
use crate::lock;
use crate::options::Heartbeat;
use crate::session::{self, Command, Outbox, SessionEvents, LOCAL_BATCH_BYTES, LOCAL_BATCH_EVENTS};
use crate::transport::{Link, Transport};

/// Limits applied when the config leaves one out.
pub const DEFAULT_LIMIT: u32 = 10;
/// What `stop()` sends every client.
const GOING_AWAY: (u16, &str) = (1001, "server is going away");

/// What `start(config)` asks for, checked for type by the JS layer.
#[derive(Clone, Debug, Default)]
pub struct ServerConfig {
  /// The address to listen on; empty means every IPv4 address.
  pub ip: String,
  pub port: u32,
  /// Distinct client IP addresses served at once.
  pub max_clients: u32,
  /// Connections one client IP may hold at once.
  pub max_connections_per_client: u32,
  pub cert: Option<(PathBuf, PathBuf)>,
  /// The subprotocol the server speaks, chosen when a client offers it.
  pub protocol: Option<String>,
}

/// The native half of one JS `WebSocketServer`.
pub struct Server {
  shared: Arc<Shared>,
}

struct Shared {
  emitter: Emitter,
  running: Mutex<Option<Running>>,
}

struct Running {
  port: u16,
  stop: watch::Sender<bool>,
  registry: Arc<Registry>,
}

/// The clients of a running server.
#[derive(Default)]
struct Registry {
  inner: Mutex<RegistryInner>,
}

#[derive(Default)]
struct RegistryInner {
  /// Open connections, in the order they were established.
  connections: Vec<(Peer, Connection)>,
  /// Connections (established or still in their handshake) per client IP.
  per_ip: HashMap<IpAddr, u32>,
}

struct Connection {
  outbox: Arc<Outbox>,
  closing: bool,
}

impl Registry {
  fn lock(&self) -> MutexGuard<'_, RegistryInner> {
    lock(&self.inner)
  }
}

impl Server {
  pub fn new(emitter: Emitter) -> Self {
    Server {
      shared: Arc::new(Shared {
        emitter,
        running: Mutex::new(None),
      }),
    }
  }

  fn running(&self) -> MutexGuard<'_, Option<Running>> {
    lock(&self.shared.running)
  }

  /// Binds and starts accepting. Must be called inside the tokio runtime.
  pub fn start(&self, config: ServerConfig) -> Result<(), ErrorCode> {
    let mut running = self.running();
    if running.is_some() {
      return Err(ErrorCode::Unknown);
    }
    let ip: IpAddr = if config.ip.is_empty() {
      IpAddr::from([0, 0, 0, 0])
    } else {
      config
        .ip
        .parse()
        .map_err(|_| ErrorCode::CannotListenOnNic)?
    };
    if config.port > 65535 {
      return Err(ErrorCode::CannotListenOnPort);
    }
    let tls = match &config.cert {
      Some((cert, key)) => {
        if !cert.exists() || !key.exists() {
          return Err(ErrorCode::CertificateFileMissing);
        }
        let tls = crate::tls::server_config(cert, key).map_err(|_| ErrorCode::Unknown)?;
        Some(tokio_rustls::TlsAcceptor::from(tls))
      }
      None => None,
    };
    let listener =
      std::net::TcpListener::bind(SocketAddr::new(ip, config.port as u16)).map_err(|e| match e
        .kind()
      {
        std::io::ErrorKind::AddrNotAvailable => ErrorCode::CannotListenOnNic,
        _ => ErrorCode::PortOccupied,
      })?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    listener
      .set_nonblocking(true)
      .map_err(|_| ErrorCode::Unknown)?;
    let listener = TcpListener::from_std(listener).map_err(|_| ErrorCode::Unknown)?;
    let (stop, stopped) = watch::channel(false);
    let registry = Arc::new(Registry::default());
    *running = Some(Running {
      port,
      stop,
      registry: registry.clone(),
    });
    drop(running);

    let acceptor = Acceptor {
      shared: self.shared.clone(),
      config: Arc::new(config),
      tls,
      registry,
    };
    tokio::spawn(acceptor.run(listener, stopped));
    Ok(())
  }

  /// The port the server listens on (useful after `serverPort: 0`).
  pub fn port(&self) -> Option<u16> {
    self.running().as_ref().map(|r| r.port)
  }

  /// Stops accepting and closes every client with 1001; the server ends once they are gone.
  pub fn stop(&self) -> Result<(), ErrorCode> {
    let running = self.running().take().ok_or(ErrorCode::Unknown)?;
    let _ = running.stop.send(true);
    let mut registry = running.registry.lock();
    for (_, connection) in registry.connections.iter_mut() {
      if !connection.closing {
        connection.closing = true;
        connection
          .outbox
          .push(Command::Close(GOING_AWAY.0, GOING_AWAY.1.to_string()));
        connection.outbox.wake();
      }
    }
    Ok(())
  }

  /// Every open connection, in the order they were established.
  pub fn connections(&self) -> Result<Vec<Peer>, ErrorCode> {
    let running = self.running();
    let running = running.as_ref().ok_or(ErrorCode::Unknown)?;
    let registry = running.registry.lock();
    Ok(
      registry
        .connections
        .iter()
        .map(|(peer, _)| peer.clone())
        .collect(),
    )
  }

  /// Queues a message to one client.
  pub fn send(&self, peer: &Peer, message: Message) -> Result<(), ErrorCode> {
    self.with_connection(peer, |connection| {
      if connection.closing {
        return Err(ErrorCode::Unknown);
      }
      if connection.outbox.push(Command::Send(message)) {
        self.shared.emitter.request_wake(connection.outbox.clone());
      }
      Ok(())
    })
  }

  /// Starts the close handshake with one client.
  pub fn close(
    &self,
    peer: &Peer,
    code: Option<u32>,
    reason: Option<&str>,
  ) -> Result<(), ErrorCode> {
    self.with_connection(peer, |connection| {
      if connection.closing {
        return Err(ErrorCode::Unknown);
      }
      connection.closing = true;
      connection.outbox.push(Command::Close(
        close_code(code),
        close_reason(reason.unwrap_or("")),
      ));
      connection.outbox.wake();
      Ok(())
    })
  }

  fn with_connection<T>(
    &self,
    peer: &Peer,
    f: impl FnOnce(&mut Connection) -> Result<T, ErrorCode>,
  ) -> Result<T, ErrorCode> {
    let running = self.running();
    let running = running.as_ref().ok_or(ErrorCode::ConnectionMissing)?;
    let mut registry = running.registry.lock();
    let connection = registry
      .connections
      .iter_mut()
      .find(|(p, _)| p == peer)
      .map(|(_, c)| c)
      .ok_or(ErrorCode::ConnectionMissing)?;
    f(connection)
  }
}

/// The accept loop of one running server.
struct Acceptor {
  shared: Arc<Shared>,
  config: Arc<ServerConfig>,
  tls: Option<tokio_rustls::TlsAcceptor>,
  registry: Arc<Registry>,
}

impl Acceptor {
  async fn run(self, listener: TcpListener, mut stopped: watch::Receiver<bool>) {
    let mut tasks = tokio::task::JoinSet::new();
    loop {
      tokio::select! {
        accepted = listener.accept() => match accepted {
          Ok((stream, addr)) => {
            let _ = stream.set_nodelay(true);
            let admitted = self.admit(addr.ip());
            let handler = ConnectionTask {
              shared: self.shared.clone(),
              config: self.config.clone(),
              tls: self.tls.clone(),
              registry: self.registry.clone(),
              peer: Peer { ip: addr.ip().to_string(), port: addr.port() },
              ip: addr.ip(),
              stopped: stopped.clone(),
            };
            tasks.spawn(AssertUnwindSafe(handler.run(stream, admitted)).catch_unwind());
          }
          // Out of file descriptors and the like: keep serving the clients we have.
          Err(e) => {
            self.shared.emitter.emit(Event::ServerError(format!("accept failed: {e}")));
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
          }
        },
        _ = stopped.changed() => break,
        Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
      }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
    self.shared.emitter.emit(Event::Ended);
  }

  /// Reserves a place for a client from `ip`, or says why there is none.
  fn admit(&self, ip: IpAddr) -> Result<(), String> {
    let mut registry = self.registry.lock();
    let from_ip = registry.per_ip.get(&ip).copied().unwrap_or(0);
    if from_ip == 0 && registry.per_ip.len() as u32 >= self.config.max_clients {
      return Err(format!(
        "client {ip} refused: {} clients already connected",
        registry.per_ip.len()
      ));
    }
    if from_ip >= self.config.max_connections_per_client {
      return Err(format!(
        "client {ip} refused: it already has {from_ip} connections"
      ));
    }
    *registry.per_ip.entry(ip).or_insert(0) += 1;
    Ok(())
  }
}

/// One client connection, from TCP accept to its end.
struct ConnectionTask {
  shared: Arc<Shared>,
  config: Arc<ServerConfig>,
  tls: Option<tokio_rustls::TlsAcceptor>,
  registry: Arc<Registry>,
  peer: Peer,
  ip: IpAddr,
  stopped: watch::Receiver<bool>,
}

impl ConnectionTask {
  async fn run(self, stream: TcpStream, admitted: Result<(), String>) {
    if let Err(why) = &admitted {
      self.shared.emitter.emit(Event::ServerError(why.clone()));
    }
    let outbox = Arc::new(Outbox::default());
    // Boxed so that the handshake's state does not size the task of every open connection.
    let handshake = Box::pin(self.handshake(stream, admitted.is_ok(), outbox.clone()));
    let accepted = tokio::time::timeout(std::time::Duration::from_secs(20), handshake).await;
    let ws = match accepted {
      Ok(Ok(ws)) => ws,
      Ok(Err(failure)) => {
        if admitted.is_ok() {
          self
            .shared
            .emitter
            .emit(Event::ServerError(failure.message));
          self.forget();
        }
        return;
      }
      Err(_) => {
        if admitted.is_ok() {
          self.shared.emitter.emit(Event::ServerError(format!(
            "handshake with {} timed out",
            self.peer.ip
          )));
          self.forget();
        }
        return;
      }
    };
    self
      .shared
      .emitter
      .emit(Event::ServerConnect(self.peer.clone()));
    let mut reporter = Reporter {
      emitter: self.shared.emitter.clone(),
      peer: self.peer.clone(),
      registry: self.registry.clone(),
      batch: Vec::new(),
      batch_bytes: 0,
    };
    let off = Heartbeat::from_seconds(Some(0.0), None);
    if let Some(linger) =
      session::run(Box::new(ws), outbox, Default::default(), off, &mut reporter).await
    {
      tokio::spawn(linger);
    }
    reporter.flush();
    self.forget();
  }

  /// Registers the connection: done as the handshake is answered, so that a client that sees its
  /// 'open' finds itself in `listAllConnections()`.
  fn register(registry: &Registry, peer: Peer, outbox: Arc<Outbox>, stopped: bool) {
    if stopped {
      outbox.push(Command::Close(GOING_AWAY.0, GOING_AWAY.1.to_string()));
    }
    registry.lock().connections.push((
      peer,
      Connection {
        outbox,
        closing: stopped,
      },
    ));
  }

  /// Removes the connection and frees its place under the limits.
  fn forget(&self) {
    self
      .registry
      .lock()
      .connections
      .retain(|(p, _)| *p != self.peer);
    self.release();
  }

  // The upgrade callback's error type is tungstenite's (an HTTP response), not ours to shrink.
  #[allow(clippy::result_large_err)]
  async fn handshake(
    &self,
    stream: TcpStream,
    admitted: bool,
    outbox: Arc<Outbox>,
  ) -> Result<tokio_tungstenite::WebSocketStream<Link>, Failure> {
    let transport = match &self.tls {
      Some(acceptor) => Transport::ServerTls(Box::new(
        acceptor
          .accept(stream)
          .await
          .map_err(|e| Failure::io(&format!("TLS with {}", self.peer.ip), &e))?,
      )),
      None => Transport::Plain(stream),
    };
    let protocol = self.config.protocol.clone();
    let (registry, peer, stopped) = (
      self.registry.clone(),
      self.peer.clone(),
      self.stopped.clone(),
    );
    let callback =
      move |request: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
        if !admitted {
          let mut refusal = ErrorResponse::new(Some("too many connections".into()));
          *refusal.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
          return Err(refusal);
        }
        if let Some(ours) = &protocol {
          let offered = request
            .headers()
            .get_all("sec-websocket-protocol")
            .iter()
            .filter_map(|v| v.to_str().ok());
          if offered.flat_map(|v| v.split(',')).any(|p| p.trim() == ours) {
            if let Ok(value) = HeaderValue::from_str(ours) {
              response
                .headers_mut()
                .insert("sec-websocket-protocol", value);
            }
          }
        }
        ConnectionTask::register(&registry, peer, outbox, *stopped.borrow());
        Ok(response)
      };
    let config = ws_config(None, None);
    tokio_tungstenite::accept_hdr_async_with_config(Link::new(transport), callback, Some(config))
      .await
      .map_err(|e| Failure::new(format!("handshake with {}: {e}", self.peer.ip)))
  }

  fn release(&self) {
    let mut registry = self.registry.lock();
    if let Some(count) = registry.per_ip.get_mut(&self.ip) {
      *count -= 1;
      if *count == 0 {
        registry.per_ip.remove(&self.ip);
      }
    }
  }
}

/// Turns what a client's session reports into server events.
struct Reporter {
  emitter: Emitter,
  peer: Peer,
  registry: Arc<Registry>,
  /// Messages not yet handed to the dispatcher, and their size.
  batch: Vec<Event>,
  batch_bytes: usize,
}

impl SessionEvents for Reporter {
  fn message(&mut self, message: Message) {
    self.batch_bytes += message.len();
    match message {
      Message::Text(text) => self
        .batch
        .push(Event::ServerText(self.peer.clone(), text.into())),
      Message::Binary(data) => self
        .batch
        .push(Event::ServerBinary(self.peer.clone(), data)),
      _ => {}
    }
  }

  fn poll_room(&mut self, cx: &mut std::task::Context<'_>) -> bool {
    // Past a few MiB or a thousand messages, hand the batch over first, then ask whether JS
    // has room.
    if self.batch_bytes >= LOCAL_BATCH_BYTES || self.batch.len() >= LOCAL_BATCH_EVENTS {
      self.flush();
    }
    self.emitter.poll_room(cx)
  }

  fn flush(&mut self) {
    if !self.batch.is_empty() {
      self.batch_bytes = 0;
      self.emitter.emit_all(std::mem::take(&mut self.batch));
    }
  }

  fn peer_closing(&mut self) {
    let mut registry = self.registry.lock();
    if let Some((_, connection)) = registry
      .connections
      .iter_mut()
      .find(|(p, _)| *p == self.peer)
    {
      connection.closing = true;
    }
  }

  fn error(&mut self, failure: Failure) {
    self.flush();
    self.peer_closing();
    self.emitter.emit(Event::ServerError(format!(
      "client {}:{}: {}",
      self.peer.ip, self.peer.port, failure.message
    )));
  }

  fn close(&mut self, code: u16, reason: String) {
    self.flush();
    // The connection leaves the list before JS hears of its close.
    self
      .registry
      .lock()
      .connections
      .retain(|(p, _)| *p != self.peer);
    self
      .emitter
      .emit(Event::ServerClose(self.peer.clone(), code, reason));
  }

  fn abandoned(&self) -> bool {
    self.emitter.is_closed()
  }
}
