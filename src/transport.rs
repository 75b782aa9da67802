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

/// A connected stream, plain or TLS, client or server side.
pub enum Transport {
  Plain(TcpStream),
  ClientTls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
  ServerTls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
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
    return Err(Failure::new(format!("DNS lookup of {host} found no address")));
  }
  Ok(addrs)
}

/// Dials `addrs` in turn, asks the proxy for a tunnel when there is one, then speaks TLS for `wss`.
pub async fn open(addrs: &[SocketAddr], route: Option<&Route>, target: &Target, tls: &TlsOptions) -> Result<Transport, Failure> {
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
    }
  };
}

impl AsyncRead for Transport {
  fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
    each_stream!(self, s => Pin::new(s).poll_read(cx, buf))
  }
}

impl AsyncWrite for Transport {
  fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    each_stream!(self, s => Pin::new(s).poll_write(cx, buf))
  }

  fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
    each_stream!(self, s => Pin::new(s).poll_write_vectored(cx, bufs))
  }

  fn is_write_vectored(&self) -> bool {
    match self {
      Transport::Plain(s) => s.is_write_vectored(),
      Transport::ClientTls(s) => s.is_write_vectored(),
      Transport::ServerTls(s) => s.is_write_vectored(),
    }
  }

  fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    each_stream!(self, s => Pin::new(s).poll_flush(cx))
  }

  fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    each_stream!(self, s => Pin::new(s).poll_shutdown(cx))
  }
}
