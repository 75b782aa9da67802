//! The server a URL names: scheme, host, port and the request target of the upgrade request.

use url::Url;

use crate::errors::ErrorCode;

/// The API reference's URL length limit, in characters.
pub const MAX_URL_CHARS: usize = 1024;

/// A parsed `ws://` or `wss://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
  pub secure: bool,
  /// The host as DNS, SNI and pattern matching want it: IPv6 literals without brackets.
  pub host: String,
  pub port: u16,
  /// Path and query, as the request line carries them (`/` at least).
  pub resource: String,
  /// The `Host` header: the host (IPv6 in brackets), with `:port` when not the scheme's default.
  pub authority: String,
  default_port: bool,
  bracketed_host: String,
}

impl Target {
  /// Parses `url`; `2302001` for a URL that is too long, not exactly `ws`/`wss`, or unparsable.
  pub fn parse(url: &str) -> Result<Target, ErrorCode> {
    if url.chars().count() > MAX_URL_CHARS {
      return Err(ErrorCode::UrlError);
    }
    // The scheme must be exactly lower-case ws or wss: the URL parser would lower-case `WS://`.
    let secure = if url.starts_with("wss://") {
      true
    } else if url.starts_with("ws://") {
      false
    } else {
      return Err(ErrorCode::UrlError);
    };
    let parsed = Url::parse(url).map_err(|_| ErrorCode::UrlError)?;
    Target::from_url(&parsed, secure).ok_or(ErrorCode::UrlError)
  }

  /// Follows a redirect's `Location` (absolute or relative; `http(s)` mapped to `ws(s)`).
  pub fn redirect(&self, location: &str) -> Option<Target> {
    let base = Url::parse(&format!(
      "{}://{}{}",
      if self.secure { "wss" } else { "ws" },
      self.authority,
      self.resource
    ))
    .ok()?;
    let next = base.join(location).ok()?;
    let secure = match next.scheme() {
      "ws" | "http" => false,
      "wss" | "https" => true,
      _ => return None,
    };
    Target::from_url(&next, secure)
  }

  fn from_url(url: &Url, secure: bool) -> Option<Target> {
    let bracketed_host = url.host_str().filter(|h| !h.is_empty())?.to_string();
    let host = bracketed_host
      .trim_start_matches('[')
      .trim_end_matches(']')
      .to_string();
    let default = if secure { 443 } else { 80 };
    let port = url.port().unwrap_or(default);
    let mut resource = url.path().to_string();
    if resource.is_empty() {
      resource.push('/');
    }
    if let Some(query) = url.query() {
      resource.push('?');
      resource.push_str(query);
    }
    let default_port = port == default;
    let authority = if default_port {
      bracketed_host.clone()
    } else {
      format!("{bracketed_host}:{port}")
    };
    Some(Target {
      secure,
      host,
      port,
      resource,
      authority,
      default_port,
      bracketed_host,
    })
  }

  /// The `Origin` header: `http(s)://host`, with the port only when asked and not the default.
  pub fn origin(&self, with_port: bool) -> String {
    let scheme = if self.secure { "https" } else { "http" };
    if with_port && !self.default_port {
      format!("{scheme}://{}:{}", self.bracketed_host, self.port)
    } else {
      format!("{scheme}://{}", self.bracketed_host)
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn slash_is_inserted_before_a_bare_query() {
    let t = Target::parse("ws://h:1?x=1").unwrap();
    assert_eq!(t.resource, "/?x=1");
    assert_eq!(t.authority, "h:1");
  }

  #[test]
  fn default_port_is_left_out_of_host_and_origin() {
    let t = Target::parse("wss://Example.com/a/b?c").unwrap();
    assert_eq!(
      (t.host.as_str(), t.port, t.resource.as_str()),
      ("example.com", 443, "/a/b?c")
    );
    assert_eq!(t.authority, "example.com");
    assert_eq!(t.origin(true), "https://example.com");
    let t = Target::parse("ws://127.0.0.1:8080").unwrap();
    assert_eq!(t.origin(false), "http://127.0.0.1");
    assert_eq!(t.origin(true), "http://127.0.0.1:8080");
  }

  #[test]
  fn ipv6_literals_keep_brackets_in_headers_only() {
    let t = Target::parse("ws://[::1]:9000/").unwrap();
    assert_eq!(t.host, "::1");
    assert_eq!(t.authority, "[::1]:9000");
  }

  #[test]
  fn scheme_must_be_exactly_ws_or_wss_and_url_short() {
    for bad in ["http://h/", "WS://h/", "h:80", "ws://", "ws://:80/", ""] {
      assert_eq!(Target::parse(bad), Err(ErrorCode::UrlError), "{bad}");
    }
    let long = format!("ws://h/{}", "a".repeat(1100));
    assert_eq!(Target::parse(&long), Err(ErrorCode::UrlError));
  }

  #[test]
  fn redirects_resolve_relative_and_http_locations() {
    let t = Target::parse("ws://h:1/a/b").unwrap();
    assert_eq!(t.redirect("/c").unwrap().resource, "/c");
    let r = t.redirect("https://other:8443/x").unwrap();
    assert!(r.secure);
    assert_eq!(r.authority, "other:8443");
  }
}
