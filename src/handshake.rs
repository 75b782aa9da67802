//! The HTTP upgrade request a client sends, and the checks on the server's answer.

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::errors::Failure;
use crate::events::Header;
use crate::options::ConnectOptions;
use crate::target::Target;

/// Longest response header block we accept.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// What the server answered.
pub enum Answer {
  /// 101 and every check passed.
  Upgraded(Upgraded),
  /// A redirect status with a `Location`.
  Redirect(u16, String),
}

/// A successful upgrade.
#[derive(Debug)]
pub struct Upgraded {
  pub status: u16,
  /// The reason phrase of the status line ("Switching Protocols").
  pub message: String,
  pub headers: Vec<Header>,
  /// The subprotocol the server chose.
  pub protocol: Option<String>,
  /// Bytes the server sent after its headers: the first WebSocket frames.
  pub leftover: Vec<u8>,
}

/// The upgrade request for `target`, and the key its answer must prove it saw.
pub fn request(target: &Target, options: &ConnectOptions) -> (String, String) {
  let key = base64::engine::general_purpose::STANDARD.encode(rand_key());
  let mut req = String::with_capacity(256);
  req.push_str(&format!("GET {} HTTP/1.1\r\n", target.resource));
  req.push_str("Pragma: no-cache\r\nCache-Control: no-cache\r\n");
  req.push_str(&format!("Host: {}\r\n", target.authority));
  req.push_str(&format!(
    "Origin: {}\r\n",
    target.origin(options.support_origin_port)
  ));
  req.push_str("Upgrade: websocket\r\nConnection: Upgrade\r\n");
  req.push_str(&format!("Sec-WebSocket-Key: {key}\r\n"));
  if let Some(protocol) = &options.protocol {
    req.push_str(&format!("Sec-WebSocket-Protocol: {protocol}\r\n"));
  }
  req.push_str("Sec-WebSocket-Version: 13\r\n");
  for (name, value) in &options.headers {
    req.push_str(&format!("{name}: {value}\r\n"));
  }
  req.push_str("\r\n");
  (req, key)
}

fn rand_key() -> [u8; 16] {
  let mut key = [0u8; 16];
  // ring's system RNG: the key must be unpredictable to proxies, not secret.
  let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key);
  key
}

/// Sends the upgrade request on `stream` and checks the answer.
pub async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
  stream: &mut S,
  target: &Target,
  options: &ConnectOptions,
) -> Result<Answer, Failure> {
  let (request, key) = request(target, options);
  stream
    .write_all(request.as_bytes())
    .await
    .map_err(|e| Failure::io("sending the upgrade request", &e))?;
  stream
    .flush()
    .await
    .map_err(|e| Failure::io("sending the upgrade request", &e))?;

  let mut buf = Vec::with_capacity(1024);
  let mut chunk = vec![0u8; 4096];
  loop {
    let n = stream
      .read(&mut chunk)
      .await
      .map_err(|e| Failure::io("reading the upgrade response", &e))?;
    if n == 0 {
      return Err(Failure::new(
        "connection closed before the upgrade response",
      ));
    }
    buf.extend_from_slice(&chunk[..n]);
    if let Some(answer) = parse_answer(&buf, &key, options.protocol.as_deref())? {
      return Ok(answer);
    }
    if buf.len() > MAX_RESPONSE_BYTES {
      return Err(Failure::new("upgrade response headers too large"));
    }
  }
}

/// Parses a complete response in `buf`; `Ok(None)` while it is incomplete.
fn parse_answer(buf: &[u8], key: &str, offered: Option<&str>) -> Result<Option<Answer>, Failure> {
  let mut slots = [httparse::EMPTY_HEADER; 128];
  let mut response = httparse::Response::new(&mut slots);
  let consumed = match response.parse(buf) {
    Ok(httparse::Status::Complete(n)) => n,
    Ok(httparse::Status::Partial) => return Ok(None),
    Err(e) => return Err(Failure::new(format!("malformed upgrade response: {e}"))),
  };
  let status = response.code.unwrap_or(0);
  let message = response.reason.unwrap_or("").to_string();

  let mut headers: Vec<Header> = Vec::new();
  for h in response.headers.iter() {
    let name = h.name.to_ascii_lowercase();
    let value = String::from_utf8_lossy(h.value).trim().to_string();
    match headers.iter_mut().find(|(n, _)| *n == name) {
      Some((_, values)) => values.push(value),
      None => headers.push((name, vec![value])),
    }
  }
  let header = |name: &str| {
    headers
      .iter()
      .find(|(n, _)| n == name)
      .map(|(_, v)| v[0].as_str())
  };

  if matches!(status, 301 | 302 | 303 | 307 | 308) {
    if let Some(location) = header("location") {
      return Ok(Some(Answer::Redirect(status, location.to_string())));
    }
  }
  if status != 101 {
    let text = if message.is_empty() {
      String::new()
    } else {
      format!(" {message}")
    };
    return Err(Failure::with_status(
      status,
      format!("unexpected HTTP status {status}{text}"),
    ));
  }
  let fail = |why: String| Failure::with_status(101, why);
  if !header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
    return Err(fail(
      "missing or bad Upgrade header in the 101 response".into(),
    ));
  }
  let connection_upgrade = headers
    .iter()
    .filter(|(n, _)| n == "connection")
    .flat_map(|(_, values)| values.iter().flat_map(|v| v.split(',')))
    .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
  if !connection_upgrade {
    return Err(fail(
      "missing or bad Connection header in the 101 response".into(),
    ));
  }
  if header("sec-websocket-accept") != Some(derive_accept_key(key.as_bytes()).as_str()) {
    return Err(fail("bad Sec-WebSocket-Accept in the 101 response".into()));
  }
  let protocol = header("sec-websocket-protocol").map(str::to_string);
  if let Some(chosen) = &protocol {
    let was_offered = offered.is_some_and(|o| o.split(',').any(|p| p.trim() == chosen));
    if !was_offered {
      return Err(fail(format!(
        "the server chose subprotocol {chosen:?}, which was not offered"
      )));
    }
  }
  Ok(Some(Answer::Upgraded(Upgraded {
    status,
    message,
    headers,
    protocol,
    leftover: buf[consumed..].to_vec(),
  })))
}

#[cfg(test)]
mod tests {
  use super::*;

  fn response(key: &str, extra: &str) -> Vec<u8> {
    format!(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n{extra}\r\n",
      derive_accept_key(key.as_bytes())
    )
    .into_bytes()
  }

  #[test]
  fn request_carries_the_runtime_headers_in_order() {
    let target = Target::parse("ws://127.0.0.1:9000?a=1").unwrap();
    let options = ConnectOptions {
      protocol: Some("chat, superchat".into()),
      headers: vec![("x-name".into(), "v".into())],
      ..Default::default()
    };
    let (req, key) = request(&target, &options);
    assert!(req.starts_with("GET /?a=1 HTTP/1.1\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nHost: 127.0.0.1:9000\r\nOrigin: http://127.0.0.1\r\n"));
    assert!(req.contains(&format!("Sec-WebSocket-Key: {key}\r\n")));
    assert!(req.contains(
      "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\nx-name: v\r\n\r\n"
    ));
  }

  #[test]
  fn repeated_headers_are_kept_and_leftover_bytes_returned() {
    let mut buf = response("k", "Set-Cookie: a=1\r\nset-cookie: b=2\r\n");
    buf.extend_from_slice(&[0x81, 0x00]);
    let Some(Answer::Upgraded(up)) = parse_answer(&buf, "k", None).unwrap() else {
      panic!()
    };
    assert_eq!(up.message, "Switching Protocols");
    let cookies = up.headers.iter().find(|(n, _)| n == "set-cookie").unwrap();
    assert_eq!(cookies.1, vec!["a=1", "b=2"]);
    assert_eq!(up.leftover, vec![0x81, 0x00]);
  }

  #[test]
  fn non_101_and_bad_accept_fail_with_their_status() {
    let err = parse_answer(b"HTTP/1.1 404 Not Found\r\n\r\n", "k", None)
      .err()
      .unwrap();
    assert_eq!(
      (err.status, err.message.as_str()),
      (404, "unexpected HTTP status 404 Not Found")
    );
    let bad = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n";
    assert_eq!(parse_answer(bad, "k", None).err().unwrap().status, 101);
  }

  #[test]
  fn subprotocol_must_be_one_offered() {
    let buf = response("k", "Sec-WebSocket-Protocol: b\r\n");
    assert!(matches!(
      parse_answer(&buf, "k", Some("a, b")),
      Ok(Some(Answer::Upgraded(_)))
    ));
    assert!(parse_answer(&buf, "k", Some("a")).is_err());
    assert!(parse_answer(&buf, "k", None).is_err());
  }

  #[test]
  fn redirect_statuses_with_location_are_followed() {
    let buf = b"HTTP/1.1 302 Found\r\nLocation: /next\r\n\r\n";
    assert!(
      matches!(parse_answer(buf, "k", None), Ok(Some(Answer::Redirect(302, l))) if l == "/next")
    );
  }
}
