//! The domain allow-list (error 2302998): Node's stand-in for OpenHarmony's atomic-service policy.

use crate::host_pattern;

/// The environment variable that holds the allow-list: comma-separated host patterns.
pub const ALLOWED_DOMAINS_VAR: &str = "OHOS_WEBSOCKET_ALLOWED_DOMAINS";

/// True unless the allow-list is set, non-empty, and none of its patterns matches `host`.
pub fn host_allowed(host: &str) -> bool {
  match std::env::var(ALLOWED_DOMAINS_VAR) {
    Ok(list) if !list.trim().is_empty() => allowed_by(&list, host),
    _ => true,
  }
}

fn allowed_by(list: &str, host: &str) -> bool {
  list
    .split(',')
    .map(str::trim)
    .filter(|p| !p.is_empty())
    .any(|p| host_pattern::matches(p, host))
}

#[cfg(test)]
mod tests {
  use super::allowed_by;

  #[test]
  fn host_must_match_one_pattern_whole() {
    assert!(allowed_by("example.com, *.test", "a.test"));
    assert!(allowed_by("example.com, *.test", "EXAMPLE.com"));
    assert!(!allowed_by("example.com, *.test", "example.org"));
    assert!(!allowed_by("example.com", "sub.example.com"));
  }
}
