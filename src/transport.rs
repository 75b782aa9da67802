//! The byte stream under a WebSocket: TCP, possibly through a proxy tunnel, possibly TLS.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::errors::Failure;
use crate::options::TlsOptions;
use crate::proxy::{self, Route};
use crate::target::Target;

/// How long one TCP connect may take (the runtime's lws waits 15 s).
const TCP_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How much one read from the socket may take in.
const READ_AHEAD: usize = 128 * 1024;

/// A connected stream, plain or TLS, client or server side.
pub enum Transport {
  Plain(TcpStream),
  ClientTls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
  ServerTls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
  /// A plain TCP socket polled by the JS thread's event loop (see [`EventLoop`]).
  Adopted(Box<dyn ByteStream>),
}

/// A byte stream polled by something other than tokio.
pub trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin {}

/// The event loop of the JS thread, where an open plain-TCP connection can run: reading there
/// hands each message to JS without waking a second thread first (`binding::uv`).
pub trait EventLoop: Send + Sync {
  /// Runs `task` on the loop's thread.
  fn spawn(&self, task: Pin<Box<dyn std::future::Future<Output = ()> + Send>>);
  /// Lets the loop poll `socket`. Only on the loop's thread (inside a task it runs).
  fn adopt(&self, socket: std::net::TcpStream) -> io::Result<Box<dyn ByteStream>>;
}

/// The addresses to dial for `target`: the proxy's when one is used, else the server's.
pub async fn resolve(target: &Target, route: Option<&Route>) -> Result<Vec<SocketAddr>, Failure> {
  let (host, port) = match route {
    Some(route) => (route.host.as_str(), route.port),
    None => (target.host.as_str(), target.port),
  };
  let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
    .await
    .map_err(|e| Failure::new(format!("DNS lookup of {host} failed: {e}")))?
    .collect();
  if addrs.is_empty() {
    return Err(Failure::new(format!(
      "DNS lookup of {host} found no address"
    )));
  }
  Ok(addrs)
}

/// Dials `addrs` in turn, asks the proxy for a tunnel when there is one, then speaks TLS for `wss`.
pub async fn open(
  addrs: &[SocketAddr],
  route: Option<&Route>,
  target: &Target,
  tls: &TlsOptions,
) -> Result<Transport, Failure> {
  let mut tcp = dial(addrs).await?;
  if let Some(route) = route {
    proxy::tunnel(&mut tcp, route, target).await?;
  }
  if !target.secure {
    return Ok(Transport::Plain(tcp));
  }
  let config = crate::tls::client_config(tls)?;
  let name = ServerName::try_from(target.host.clone())
    .map_err(|_| Failure::new(format!("invalid TLS server name {:?}", target.host)))?;
  let stream = tokio_rustls::TlsConnector::from(config)
    .connect(name, tcp)
    .await
    .map_err(|e| Failure::io("TLS", &e))?;
  Ok(Transport::ClientTls(Box::new(stream)))
}

async fn dial(addrs: &[SocketAddr]) -> Result<TcpStream, Failure> {
  let mut last = Failure::new("no address to connect to");
  for addr in addrs {
    match tokio::time::timeout(TCP_CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
      Ok(Ok(stream)) => {
        // Small messages must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        return Ok(stream);
      }
      Ok(Err(e)) => last = Failure::io(&format!("connect to {addr}"), &e),
      Err(_) => last = Failure::new(format!("connect to {addr}: timed out")),
    }
  }
  Err(last)
}

macro_rules! each_stream {
  ($self:ident, $s:ident => $body:expr) => {
    match $self.get_mut() {
      Transport::Plain($s) => $body,
      Transport::ClientTls($s) => $body,
      Transport::ServerTls($s) => $body,
      Transport::Adopted($s) => $body,
    }
  };
}

impl AsyncRead for Transport {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    each_stream!(self, s => Pin::new(s).poll_read(cx, buf))
  }
}

impl AsyncWrite for Transport {
  fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    each_stream!(self, s => Pin::new(s).poll_write(cx, buf))
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    each_stream!(self, s => Pin::new(s).poll_write_vectored(cx, bufs))
  }

  fn is_write_vectored(&self) -> bool {
    match self {
      Transport::Plain(s) => s.is_write_vectored(),
      Transport::ClientTls(s) => s.is_write_vectored(),
      Transport::ServerTls(s) => s.is_write_vectored(),
      Transport::Adopted(s) => s.is_write_vectored(),
    }
  }

  fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    each_stream!(self, s => Pin::new(s).poll_flush(cx))
  }

  fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    each_stream!(self, s => Pin::new(s).poll_shutdown(cx))
  }
}

thread_local! {
  /// Read-ahead buffers not in use, kept per runtime thread so that taking one costs no allocation.
  static SPARE_BUFFERS: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}
/// Spare buffers kept per thread.
const MAX_SPARE_BUFFERS: usize = 16;

fn take_buffer() -> Vec<u8> {
  SPARE_BUFFERS
    .with(|spare| spare.borrow_mut().pop())
    .unwrap_or_else(|| Vec::with_capacity(READ_AHEAD))
}

fn give_back(mut buffer: Vec<u8>) {
  buffer.clear();
  SPARE_BUFFERS.with(|spare| {
    let mut spare = spare.borrow_mut();
    if spare.len() < MAX_SPARE_BUFFERS {
      spare.push(buffer);
    }
  });
}

/// A transport with a read-ahead buffer under the WebSocket codec.
///
/// tungstenite reads into whatever is left of its own buffer, which after many small frames can be
/// a few bytes: one system call per message. Reading ahead takes in everything the socket has (up
/// to 64 KiB) in one call. A connection holds a buffer only while it has unread bytes in it, so an
/// idle connection keeps none; buffers not in use wait in a small per-thread pool.
pub struct Link {
  inner: Transport,
  ahead: Vec<u8>,
  start: usize,
}

impl Link {
  pub fn new(inner: Transport) -> Self {
    Link {
      inner,
      ahead: Vec::new(),
      start: 0,
    }
  }
}

impl AsyncRead for Link {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    dst: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    if this.start == this.ahead.len() {
      if dst.remaining() >= READ_AHEAD {
        return Pin::new(&mut this.inner).poll_read(cx, dst);
      }
      let mut ahead = take_buffer();
      let mut buf = ReadBuf::uninit(&mut ahead.spare_capacity_mut()[..READ_AHEAD]);
      match Pin::new(&mut this.inner).poll_read(cx, &mut buf) {
        Poll::Ready(Ok(())) => {
          let n = buf.filled().len();
          if n == 0 {
            give_back(ahead);
            return Poll::Ready(Ok(()));
          }
          // SAFETY: `poll_read` initialised the first `n` bytes of the spare capacity.
          unsafe { ahead.set_len(n) };
          this.ahead = ahead;
          this.start = 0;
        }
        other => {
          give_back(ahead);
          return other;
        }
      }
    }
    let n = dst.remaining().min(this.ahead.len() - this.start);
    dst.put_slice(&this.ahead[this.start..this.start + n]);
    this.start += n;
    if this.start == this.ahead.len() {
      give_back(std::mem::take(&mut this.ahead));
      this.start = 0;
    }
    Poll::Ready(Ok(()))
  }
}

impl AsyncWrite for Link {
  fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
  }

  fn is_write_vectored(&self) -> bool {
    self.inner.is_write_vectored()
  }

  fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(&mut self.get_mut().inner).poll_flush(cx)
  }

  fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
  }
}
