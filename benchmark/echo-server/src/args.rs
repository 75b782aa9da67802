//! Command-line options of both roles.

/// `echo-server [--tls CERT KEY] [--spin]`
pub struct ServerArgs {
  /// PEM certificate chain and private key: serve `wss` instead of `ws`.
  pub tls: Option<(String, String)>,
  /// Poll the sockets without ever sleeping (the server has a core to itself).
  pub spin: bool,
}

impl ServerArgs {
  pub fn parse(argv: &[String]) -> Result<Self, String> {
    let mut tls = None;
    let mut spin = false;
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
      match flag.as_str() {
        "--tls" => {
          let cert = it.next().ok_or("--tls needs CERT and KEY")?;
          let key = it.next().ok_or("--tls needs CERT and KEY")?;
          tls = Some((cert.clone(), key.clone()));
        }
        "--spin" => spin = true,
        other => return Err(format!("unknown option {other}")),
      }
    }
    Ok(Self { tls, spin })
  }
}

/// What the load generator asks of the server under test.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
  /// Every connection sends `messages` text messages (`window` in flight) and awaits their echoes.
  Echo,
  /// The first connection sends `broadcast K SIZE`; every connection then awaits K messages.
  Broadcast,
}

/// `echo-server client --url URL --connections N --mode echo|broadcast --messages K --size S --window W`
pub struct ClientArgs {
  pub url: String,
  pub connections: usize,
  pub mode: Mode,
  /// Per connection: messages echoed (echo) or messages received (broadcast).
  pub messages: usize,
  pub size: usize,
  /// Echo mode: messages in flight per connection.
  pub window: usize,
  /// Handshakes in progress at once while connecting.
  pub concurrency: usize,
  /// Give up (exit non-zero) after this many seconds.
  pub timeout_secs: u64,
}

impl ClientArgs {
  pub fn parse(argv: &[String]) -> Result<Self, String> {
    let mut a = ClientArgs {
      url: String::new(),
      connections: 1000,
      mode: Mode::Echo,
      messages: 100,
      size: 32,
      window: 1,
      concurrency: 100,
      timeout_secs: 60,
    };
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
      let value = it.next().ok_or(format!("{flag} needs a value"))?;
      let number = || value.parse::<usize>().map_err(|_| format!("{flag}: not a number: {value}"));
      match flag.as_str() {
        "--url" => a.url = value.clone(),
        "--connections" => a.connections = number()?,
        "--messages" => a.messages = number()?,
        "--size" => a.size = number()?,
        "--window" => a.window = number()?.max(1),
        "--concurrency" => a.concurrency = number()?.max(1),
        "--timeout" => a.timeout_secs = number()? as u64,
        "--mode" => {
          a.mode = match value.as_str() {
            "echo" => Mode::Echo,
            "broadcast" => Mode::Broadcast,
            other => return Err(format!("unknown mode {other}")),
          }
        }
        other => return Err(format!("unknown option {other}")),
      }
    }
    if a.url.is_empty() {
      return Err("--url is required".into());
    }
    Ok(a)
  }
}
