//! The load generator for the server workloads: N connections to the server under test, then either
//! every connection echoing text messages (`--mode echo`) or one broadcast to all (`--mode broadcast`).
//! Prints one JSON line: `{"connections", "connect_seconds", "messages", "seconds", "msgs_per_s"}`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use crate::args::{ClientArgs, Mode};

type Ws = WebSocketStream<TcpStream>;

pub async fn run(args: ClientArgs) -> Result<(), String> {
  let limit = Duration::from_secs(args.timeout_secs);
  tokio::time::timeout(limit, drive(args)).await.map_err(|_| "timed out".to_string())?
}

async fn drive(args: ClientArgs) -> Result<(), String> {
  let connect_start = Instant::now();
  let sockets = connect_all(&args).await?;
  let connect_seconds = connect_start.elapsed().as_secs_f64();

  let payload = Utf8Bytes::from("x".repeat(args.size));
  let start = Instant::now();
  let mut tasks = Vec::with_capacity(sockets.len());
  let mut sockets = sockets.into_iter();
  if args.mode == Mode::Broadcast {
    let mut first = sockets.next().ok_or("no connections")?;
    let command = format!("broadcast {} {}", args.messages, args.size);
    first.send(Message::text(command)).await.map_err(|e| e.to_string())?;
    tasks.push(tokio::spawn(receive(first, args.messages)));
  }
  for ws in sockets {
    tasks.push(match args.mode {
      Mode::Echo => tokio::spawn(echo(ws, args.messages, args.window, payload.clone())),
      Mode::Broadcast => tokio::spawn(receive(ws, args.messages)),
    });
  }
  let mut finished = Vec::with_capacity(tasks.len());
  for task in tasks {
    finished.push(task.await.map_err(|e| e.to_string())??);
  }
  let seconds = start.elapsed().as_secs_f64();
  let messages = args.messages * finished.len();
  println!(
    "{{\"connections\":{},\"connect_seconds\":{connect_seconds},\"messages\":{messages},\"seconds\":{seconds},\"msgs_per_s\":{}}}",
    finished.len(),
    messages as f64 / seconds
  );
  close_all(finished).await;
  Ok(())
}

async fn connect_all(args: &ClientArgs) -> Result<Vec<Ws>, String> {
  let authority = args
    .url
    .strip_prefix("ws://")
    .ok_or("only ws:// URLs")?
    .split('/')
    .next()
    .unwrap_or_default()
    .to_string();
  let gate = Arc::new(Semaphore::new(args.concurrency));
  let mut attempts = Vec::with_capacity(args.connections);
  for _ in 0..args.connections {
    let (gate, authority, url) = (gate.clone(), authority.clone(), args.url.clone());
    attempts.push(tokio::spawn(async move {
      let _permit = gate.acquire_owned().await.map_err(|e| e.to_string())?;
      let stream = TcpStream::connect(&authority).await.map_err(|e| format!("connect: {e}"))?;
      stream.set_nodelay(true).map_err(|e| e.to_string())?;
      let (ws, _) = tokio_tungstenite::client_async(url, stream).await.map_err(|e| format!("handshake: {e}"))?;
      Ok::<Ws, String>(ws)
    }));
  }
  let mut sockets = Vec::with_capacity(args.connections);
  for attempt in attempts {
    sockets.push(attempt.await.map_err(|e| e.to_string())??);
  }
  Ok(sockets)
}

/// Sends `messages` text messages, `window` in flight, and awaits every echo.
async fn echo(mut ws: Ws, messages: usize, window: usize, payload: Utf8Bytes) -> Result<Ws, String> {
  let (mut sent, mut received) = (0, 0);
  while sent < window.min(messages) {
    ws.feed(Message::Text(payload.clone())).await.map_err(|e| e.to_string())?;
    sent += 1;
  }
  ws.flush().await.map_err(|e| e.to_string())?;
  while received < messages {
    let mut next = Some(ws.next().await);
    // Handle everything already read, then write the replies with one flush.
    while let Some(message) = next {
      if is_data(message)? {
        received += 1;
        if sent < messages {
          ws.feed(Message::Text(payload.clone())).await.map_err(|e| e.to_string())?;
          sent += 1;
        }
      }
      next = if received < messages { ws.next().now_or_never() } else { None };
    }
    ws.flush().await.map_err(|e| e.to_string())?;
  }
  Ok(ws)
}

/// Awaits `messages` data messages.
async fn receive(mut ws: Ws, messages: usize) -> Result<Ws, String> {
  let mut received = 0;
  while received < messages {
    if is_data(ws.next().await)? {
      received += 1;
    }
  }
  Ok(ws)
}

type Next = Option<Result<Message, tokio_tungstenite::tungstenite::Error>>;

fn is_data(next: Next) -> Result<bool, String> {
  match next {
    Some(Ok(Message::Text(_) | Message::Binary(_))) => Ok(true),
    Some(Ok(_)) => Ok(false),
    Some(Err(e)) => Err(e.to_string()),
    None => Err("the server closed the connection".into()),
  }
}

/// Closes every connection, waiting at most 5 s for the server's answers.
async fn close_all(sockets: Vec<Ws>) {
  let closing: Vec<_> = sockets
    .into_iter()
    .map(|mut ws| {
      tokio::spawn(async move {
        let _ = ws.close(None).await;
        while let Some(Ok(_)) = ws.next().await {}
      })
    })
    .collect();
  let _ = tokio::time::timeout(Duration::from_secs(5), async {
    for task in closing {
      let _ = task.await;
    }
  })
  .await;
}
