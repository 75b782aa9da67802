//! Which proxy a connection goes through, and the HTTP `CONNECT` tunnel through it.

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::errors::Failure;
use crate::host_pattern;
use crate::options::{HttpProxy, ProxyChoice};
use crate::target::Target;

/// Longest proxy answer to a `CONNECT` we read.
const MAX_RESPONSE_BYTES: usize = 16 * 1024;

/// The proxy a connection goes through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
  pub host: String,
  pub port: u16,
  /// The `Proxy-Authorization` header value, when credentials are known.
  pub authorization: Option<String>,
}

/// The proxy for `target` under `choice`, or `None` to connect directly.
pub fn route(choice: &ProxyChoice, target: &Target) -> Option<Route> {
  match choice {
    ProxyChoice::Direct => None,
    ProxyChoice::Http(proxy) => explicit_route(proxy, target),
    ProxyChoice::System => system_route(target, &|name| std::env::var(name).ok()),
  }
}

fn explicit_route(proxy: &HttpProxy, target: &Target) -> Option<Route> {
  // An empty host or port 0 means "no proxy", as the runtime's lws does.
  if proxy.host.is_empty() || proxy.port == 0 {
    return None;
  }
  if proxy
    .exclusion_list
    .iter()
    .any(|pattern| host_pattern::matches(pattern, &target.host))
  {
    return None;
  }
  let authorization = proxy
    .username
    .as_deref()
    .filter(|u| !u.is_empty())
    .map(|user| basic_authorization(user, proxy.password.as_deref().unwrap_or("")));
  let host = proxy
    .host
    .trim_start_matches('[')
    .trim_end_matches(']')
    .to_string();
  Some(Route {
    host,
    port: proxy.port,
    authorization,
  })
}

/// The environment's proxy, as curl and Node tools read it.
fn system_route(target: &Target, env: &dyn Fn(&str) -> Option<String>) -> Option<Route> {
  let names: [&str; 2] = if target.secure {
    ["https_proxy", "HTTPS_PROXY"]
  } else {
    ["http_proxy", "HTTP_PROXY"]
  };
  let value = names
    .iter()
    .find_map(|name| env(name).filter(|v| !v.trim().is_empty()))?;
  let no_proxy = env("no_proxy")
    .or_else(|| env("NO_PROXY"))
    .unwrap_or_default();
  if excluded_by_no_proxy(&no_proxy, target) {
    return None;
  }
  let value = value.trim();
  let with_scheme = if value.contains("://") {
    value.to_string()
  } else {
    format!("http://{value}")
  };
  let url = url::Url::parse(&with_scheme).ok()?;
  let host = url
    .host_str()?
    .trim_start_matches('[')
    .trim_end_matches(']')
    .to_string();
  let port = url.port_or_known_default().unwrap_or(80);
  let authorization = (!url.username().is_empty()).then(|| {
    let decode = |s: &str| percent_decode(s);
    basic_authorization(
      &decode(url.username()),
      &decode(url.password().unwrap_or("")),
    )
  });
  Some(Route {
    host,
    port,
    authorization,
  })
}

/// `NO_PROXY`: `*`, or entries matching the host or a parent domain, optionally with `:port`.
fn excluded_by_no_proxy(list: &str, target: &Target) -> bool {
  let host = target.host.to_ascii_lowercase();
  list
    .split([',', ' '])
    .map(str::trim)
    .filter(|e| !e.is_empty())
    .any(|entry| {
      if entry == "*" {
        return true;
      }
      let entry = entry.to_ascii_lowercase();
      let (name, port) = match entry.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') || name.ends_with(']') => {
          (name.to_string(), port.parse::<u16>().ok())
        }
        _ => (entry.clone(), None),
      };
      if port.is_some_and(|p| p != target.port) {
        return false;
      }
      let name = name
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_start_matches('[')
        .trim_end_matches(']');
      host == name || host.ends_with(&format!(".{name}"))
    })
}

fn percent_decode(s: &str) -> String {
  let bytes = s.as_bytes();
  let mut out = Vec::with_capacity(bytes.len());
  let mut i = 0;
  while i < bytes.len() {
    if bytes[i] == b'%' && i + 2 < bytes.len() {
      if let Ok(v) = u8::from_str_radix(
        std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
        16,
      ) {
        out.push(v);
        i += 3;
        continue;
      }
    }
    out.push(bytes[i]);
    i += 1;
  }
  String::from_utf8_lossy(&out).into_owned()
}

fn basic_authorization(user: &str, password: &str) -> String {
  format!(
    "Basic {}",
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
  )
}

/// Asks the proxy on `stream` for a tunnel to `target`; any answer but 2xx is a failure that carries
/// the proxy's status.
pub async fn tunnel<S: AsyncRead + AsyncWrite + Unpin>(
  stream: &mut S,
  route: &Route,
  target: &Target,
) -> Result<(), Failure> {
  let host = if target.host.contains(':') {
    format!("[{}]", target.host)
  } else {
    target.host.clone()
  };
  let mut request = format!(
    "CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n",
    port = target.port
  );
  if let Some(auth) = &route.authorization {
    request.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
  }
  request.push_str("\r\n");
  stream
    .write_all(request.as_bytes())
    .await
    .map_err(|e| Failure::io("proxy", &e))?;

  // Read the answer byte by byte: nothing past its blank line may be consumed, it belongs to the tunnel.
  let mut response = Vec::with_capacity(256);
  let mut byte = [0u8; 1];
  while !response.ends_with(b"\r\n\r\n") {
    if response.len() >= MAX_RESPONSE_BYTES {
      return Err(Failure::new("proxy: response headers too large"));
    }
    match stream.read(&mut byte).await {
      Ok(0) => {
        return Err(Failure::new(
          "proxy closed the connection before answering CONNECT",
        ))
      }
      Ok(_) => response.push(byte[0]),
      Err(e) => return Err(Failure::io("proxy", &e)),
    }
  }
  let mut headers = [httparse::EMPTY_HEADER; 64];
  let mut parsed = httparse::Response::new(&mut headers);
  match parsed.parse(&response) {
    Ok(httparse::Status::Complete(_)) => {}
    _ => return Err(Failure::new("proxy: malformed answer to CONNECT")),
  }
  let status = parsed.code.unwrap_or(0);
  if (200..300).contains(&status) {
    Ok(())
  } else {
    let reason = parsed.reason.unwrap_or("");
    Err(Failure::with_status(
      status,
      format!("proxy refused CONNECT: {status} {reason}")
        .trim_end()
        .to_string(),
    ))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn target(url: &str) -> Target {
    Target::parse(url).unwrap()
  }

  fn proxy(host: &str, port: u16, exclusions: &[&str]) -> HttpProxy {
    HttpProxy {
      host: host.into(),
      port,
      exclusion_list: exclusions.iter().map(|s| s.to_string()).collect(),
      username: None,
      password: None,
    }
  }

  #[test]
  fn empty_host_or_port_zero_means_no_proxy() {
    assert_eq!(
      explicit_route(&proxy("", 8080, &[]), &target("ws://a/")),
      None
    );
    assert_eq!(
      explicit_route(&proxy("p", 0, &[]), &target("ws://a/")),
      None
    );
    assert!(explicit_route(&proxy("p", 8080, &[]), &target("ws://a/")).is_some());
  }

  #[test]
  fn exclusion_list_matches_url_host_case_insensitively() {
    let p = proxy("p", 8080, &["*.Example.com", "localhost"]);
    assert_eq!(explicit_route(&p, &target("ws://a.example.COM/")), None);
    assert_eq!(explicit_route(&p, &target("ws://LOCALHOST:1/")), None);
    assert!(explicit_route(&p, &target("ws://example.com/")).is_some());
  }

  #[test]
  fn credentials_become_basic_authorization() {
    let mut p = proxy("p", 3128, &[]);
    p.username = Some("user".into());
    p.password = Some("pass".into());
    let route = explicit_route(&p, &target("ws://a/")).unwrap();
    assert_eq!(route.authorization.as_deref(), Some("Basic dXNlcjpwYXNz"));
  }

  #[test]
  fn environment_proxy_by_scheme_with_no_proxy() {
    let env = |name: &str| match name {
      "HTTPS_PROXY" => Some("http://u%40x:p@secure-proxy:3129".to_string()),
      "http_proxy" => Some("plain-proxy:3128".to_string()),
      "NO_PROXY" => Some("internal.test, .corp:8080".to_string()),
      _ => None,
    };
    let r = system_route(&target("ws://a/"), &env).unwrap();
    assert_eq!((r.host.as_str(), r.port), ("plain-proxy", 3128));
    let r = system_route(&target("wss://a/"), &env).unwrap();
    assert_eq!((r.host.as_str(), r.port), ("secure-proxy", 3129));
    assert_eq!(r.authorization, Some(basic_authorization("u@x", "p")));
    assert_eq!(system_route(&target("ws://x.internal.test/"), &env), None);
    assert_eq!(system_route(&target("ws://internal.test/"), &env), None);
    assert_eq!(system_route(&target("ws://a.corp:8080/"), &env), None);
    assert!(system_route(&target("ws://a.corp:9090/"), &env).is_some());
  }
}
