//! The echo / push server. Each connection echoes what it receives, writing a whole batch of echoes
//! with one flush: the messages already read are answered before the socket is written, so the
//! server costs far less per message than any Node client it serves.

use std::io::Write;

use bytes::Bytes;
use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use crate::args::ServerArgs;
use crate::read_ahead::ReadAhead;
use crate::tls;

/// Room for thousands of simultaneous connects.
const BACKLOG: u32 = 4096;

pub async fn run(args: ServerArgs) -> Result<(), String> {
  let acceptor = match &args.tls {
    Some((cert, key)) => Some(tls::acceptor(cert, key)?),
    None => None,
  };
  let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
  socket.bind("127.0.0.1:0".parse().unwrap()).map_err(|e| e.to_string())?;
  let listener = socket.listen(BACKLOG).map_err(|e| e.to_string())?;
  let port = listener.local_addr().map_err(|e| e.to_string())?.port();
  {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{port}").and_then(|_| out.flush()).map_err(|e| e.to_string())?;
  }
  if args.spin {
    // A task that always yields keeps the runtime from parking: it polls the sockets (epoll with a
    // zero timeout) between every two turns instead of sleeping until one is ready. A client's
    // message is then picked up at once, without the wake-up of a sleeping thread on another core,
    // which on these VMs cost the sending client 16% of its CPU time on a 64 KiB echo.
    tokio::spawn(async {
      loop {
        tokio::task::yield_now().await;
      }
    });
  }
  loop {
    let (stream, _) = match listener.accept().await {
      Ok(accepted) => accepted,
      // Out of descriptors or similar: keep serving the connections we have.
      Err(_) => {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        continue;
      }
    };
    let acceptor = acceptor.clone();
    tokio::spawn(async move {
      let _ = serve_tcp(stream, acceptor).await;
    });
  }
}

async fn serve_tcp(stream: TcpStream, acceptor: Option<TlsAcceptor>) -> Result<(), ()> {
  stream.set_nodelay(true).map_err(drop)?;
  match acceptor {
    Some(acceptor) => serve(acceptor.accept(stream).await.map_err(drop)?).await,
    None => serve(ReadAhead::new(stream)).await,
  }
}

/// What a `/push` connection asked for.
#[derive(Clone, Copy)]
struct Push {
  count: usize,
  size: usize,
  binary: bool,
}

fn parse_push(target: &str) -> Option<Push> {
  let (path, query) = target.split_once('?').unwrap_or((target, ""));
  if path != "/push" {
    return None;
  }
  let mut push = Push { count: 1000, size: 32, binary: false };
  for pair in query.split('&') {
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    match name {
      "count" => push.count = value.parse().ok()?,
      "size" => push.size = value.parse().ok()?,
      "binary" => push.binary = value == "1",
      _ => {}
    }
  }
  Some(push)
}

/// tungstenite reads at most this much per call, and zero-fills as much of its read buffer first:
/// its default, 128 KiB, cost each connection 128 KiB of memory (700 MB for 5,000, faulted in while
/// the clients connect) and every read of a small message a 128 KiB memset. Plain connections read
/// ahead 128 KiB at a time underneath ([`ReadAhead`]), so large messages still take few system calls.
const READ_CHUNK: usize = 16 * 1024;

fn config() -> WebSocketConfig {
  // No receive limits: the bulk workloads echo 16 MiB messages.
  WebSocketConfig::default()
    .read_buffer_size(READ_CHUNK)
    .max_message_size(None)
    .max_frame_size(None)
}

// The handshake callback's error type is tungstenite's, large or not.
#[allow(clippy::result_large_err)]
async fn serve<S>(stream: S) -> Result<(), ()>
where
  S: AsyncRead + AsyncWrite + Unpin,
{
  let mut target = String::new();
  let remember_target = |request: &Request, response: Response| {
    target = request.uri().to_string();
    Ok(response)
  };
  let mut ws = tokio_tungstenite::accept_hdr_async_with_config(stream, remember_target, Some(config()))
    .await
    .map_err(drop)?;
  let mut push = parse_push(&target);
  while let Some(message) = ws.next().await {
    let message = message.map_err(drop)?;
    if let Some(p) = push.take() {
      // The first message is the signal to start pushing; it is not echoed.
      send_pushed(&mut ws, p).await?;
    } else {
      echo(&mut ws, message).await?;
    }
    // Everything already received is answered before one flush.
    while let Some(next) = ws.next().now_or_never() {
      match next {
        Some(Ok(message)) => echo(&mut ws, message).await?,
        _ => return Ok(()),
      }
    }
    ws.flush().await.map_err(drop)?;
  }
  Ok(())
}

async fn echo<S>(ws: &mut WebSocketStream<S>, message: Message) -> Result<(), ()>
where
  S: AsyncRead + AsyncWrite + Unpin,
{
  match message {
    // Pings are answered and close frames replied to by tungstenite itself.
    Message::Text(_) | Message::Binary(_) => ws.feed(message).await.map_err(drop),
    _ => Ok(()),
  }
}

async fn send_pushed<S>(ws: &mut WebSocketStream<S>, push: Push) -> Result<(), ()>
where
  S: AsyncRead + AsyncWrite + Unpin,
{
  let payload = Bytes::from(vec![b'x'; push.size]);
  let message = if push.binary {
    Message::Binary(payload)
  } else {
    Message::Text(Utf8Bytes::try_from(payload).map_err(drop)?)
  };
  for _ in 0..push.count {
    ws.feed(message.clone()).await.map_err(drop)?;
  }
  Ok(())
}
