//! The connect options as plain Rust values, already checked for type by the JS layer.

use std::path::PathBuf;
use std::time::Duration;

/// Default receive limit for a whole message (tungstenite's default too).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 << 20;
/// Default receive limit for one frame's payload.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 16 << 20;

/// Everything `connect(url, options)` can ask for.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
  /// Custom request headers, names lower-cased, empty values already dropped.
  pub headers: Vec<(String, String)>,
  /// `Sec-WebSocket-Protocol`, verbatim; `None` when absent or empty.
  pub protocol: Option<String>,
  pub tls: TlsOptions,
  pub proxy: ProxyChoice,
  pub heartbeat: Heartbeat,
  /// Put the port into `Origin` when it is not the scheme's default.
  pub support_origin_port: bool,
  pub max_message_size: Option<usize>,
  pub max_frame_size: Option<usize>,
}

/// TLS settings for `wss://`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TlsOptions {
  /// Extra trusted CA certificates: a PEM file, or a directory of them.
  pub ca_path: Option<PathBuf>,
  pub client_cert: Option<ClientCert>,
  /// Turns every server certificate check off.
  pub skip_verification: bool,
  /// TLS 1.3 only, instead of 1.2 and 1.3.
  pub tls13_only: bool,
}

/// A client certificate chain and its key, both PEM.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientCert {
  pub cert_path: PathBuf,
  pub key_path: PathBuf,
  /// Decrypts an encrypted PKCS#8 key.
  pub key_password: Option<String>,
}

/// How to reach the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ProxyChoice {
  /// The environment's proxy (`HTTPS_PROXY`/`HTTP_PROXY`, `NO_PROXY`).
  #[default]
  System,
  /// Straight to the server.
  Direct,
  /// Through this HTTP proxy.
  Http(HttpProxy),
}

/// An HTTP proxy reached with `CONNECT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpProxy {
  pub host: String,
  pub port: u16,
  /// Hosts reached directly: `*` matches any run of characters, case-insensitively.
  pub exclusion_list: Vec<String>,
  pub username: Option<String>,
  pub password: Option<String>,
}

/// Keep-alive pings: a ping after `interval` without a pong, the link declared dead `timeout` later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeat {
  /// Zero turns the heartbeat off.
  pub interval: Duration,
  pub timeout: Duration,
}

impl Default for Heartbeat {
  fn default() -> Self {
    Heartbeat::from_seconds(None, None)
  }
}

impl Heartbeat {
  /// Applies the runtime's rules: interval default 30 s, out of 0..=30000 → 30; timeout default 30 s,
  /// never longer than the interval; interval 0 turns both off.
  pub fn from_seconds(interval: Option<f64>, timeout: Option<f64>) -> Self {
    let interval = match interval {
      Some(s) if (0.0..=30000.0).contains(&s) => s.trunc() as u64,
      _ => 30,
    };
    let timeout = match timeout {
      Some(s) if (0.0..=30000.0).contains(&s) => s.trunc() as u64,
      _ => 30,
    };
    let timeout = if interval == 0 {
      0
    } else {
      timeout.min(interval)
    };
    Heartbeat {
      interval: Duration::from_secs(interval),
      timeout: Duration::from_secs(timeout),
    }
  }

  pub fn enabled(&self) -> bool {
    !self.interval.is_zero()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn heartbeat_defaults_to_thirty_seconds_each() {
    let h = Heartbeat::from_seconds(None, None);
    assert_eq!(h.interval, Duration::from_secs(30));
    assert_eq!(h.timeout, Duration::from_secs(30));
  }

  #[test]
  fn heartbeat_interval_out_of_range_becomes_thirty() {
    assert_eq!(
      Heartbeat::from_seconds(Some(40000.0), None).interval,
      Duration::from_secs(30)
    );
    assert_eq!(
      Heartbeat::from_seconds(Some(-1.0), None).interval,
      Duration::from_secs(30)
    );
  }

  #[test]
  fn heartbeat_timeout_is_clamped_to_interval_and_zero_interval_turns_it_off() {
    assert_eq!(
      Heartbeat::from_seconds(Some(5.0), Some(20.0)).timeout,
      Duration::from_secs(5)
    );
    let off = Heartbeat::from_seconds(Some(0.0), Some(20.0));
    assert!(!off.enabled());
    assert_eq!(off.timeout, Duration::ZERO);
  }
}
