//! Connect options as the JS layer hands them over: flat, already type-checked.

use std::path::PathBuf;

use napi_derive::napi;

use crate::options::{ClientCert, ConnectOptions, Heartbeat, HttpProxy, ProxyChoice, TlsOptions};

/// The fields of `WebSocketRequestOptions`, flattened by `lib/arguments.js`.
#[napi(object)]
pub struct NativeConnectOptions {
  /// Custom headers as `[name, value]` pairs, names already lower-cased.
  pub headers: Vec<Vec<String>>,
  pub protocol: Option<String>,
  pub ca_path: Option<String>,
  pub cert_path: Option<String>,
  pub key_path: Option<String>,
  pub key_password: Option<String>,
  pub skip_server_cert_verification: Option<bool>,
  pub min_support_tls_protocol: Option<f64>,
  /// `"system"`, `"no-proxy"` or `"http"` (then the `proxy*` fields apply).
  pub proxy: Option<String>,
  pub proxy_host: Option<String>,
  pub proxy_port: Option<u32>,
  pub proxy_exclusion_list: Option<Vec<String>>,
  pub proxy_username: Option<String>,
  pub proxy_password: Option<String>,
  pub ping_interval: Option<f64>,
  pub pong_timeout: Option<f64>,
  pub support_origin_port: Option<bool>,
  pub max_message_size: Option<f64>,
  pub max_frame_size: Option<f64>,
}

/// `TlsProtocol.TLS_V_1_3`.
const TLS_V_1_3: f64 = 3.0;

fn non_empty(s: Option<String>) -> Option<String> {
  s.filter(|s| !s.is_empty())
}

fn size(bytes: Option<f64>) -> Option<usize> {
  bytes
    .filter(|b| b.is_finite() && *b >= 1.0)
    .map(|b| b.min(usize::MAX as f64) as usize)
}

impl From<NativeConnectOptions> for ConnectOptions {
  fn from(o: NativeConnectOptions) -> Self {
    let headers = o
      .headers
      .into_iter()
      .filter_map(|pair| match <[String; 2]>::try_from(pair) {
        Ok([name, value]) => Some((name, value)),
        Err(_) => None,
      })
      .collect();
    // An empty certPath means no client certificate, as in the runtime.
    let client_cert = non_empty(o.cert_path).map(|cert| ClientCert {
      cert_path: PathBuf::from(cert),
      key_path: PathBuf::from(o.key_path.unwrap_or_default()),
      key_password: non_empty(o.key_password),
    });
    let proxy = match o.proxy.as_deref() {
      Some("no-proxy") => ProxyChoice::Direct,
      Some("http") => ProxyChoice::Http(HttpProxy {
        host: o.proxy_host.unwrap_or_default(),
        port: o.proxy_port.unwrap_or(0) as u16,
        exclusion_list: o.proxy_exclusion_list.unwrap_or_default(),
        username: o.proxy_username,
        password: o.proxy_password,
      }),
      _ => ProxyChoice::System,
    };
    ConnectOptions {
      headers,
      protocol: non_empty(o.protocol),
      tls: TlsOptions {
        ca_path: non_empty(o.ca_path).map(PathBuf::from),
        client_cert,
        skip_verification: o.skip_server_cert_verification.unwrap_or(false),
        tls13_only: o.min_support_tls_protocol == Some(TLS_V_1_3),
      },
      proxy,
      heartbeat: Heartbeat::from_seconds(o.ping_interval, o.pong_timeout),
      support_origin_port: o.support_origin_port.unwrap_or(false),
      max_message_size: size(o.max_message_size),
      max_frame_size: size(o.max_frame_size),
    }
  }
}
