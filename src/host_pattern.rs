//! Host patterns of the domain allow-list and of a proxy's exclusion list.

/// True when `pattern` matches the whole of `host`, ignoring ASCII case; `*` matches any run of
/// characters (none included).
pub fn matches(pattern: &str, host: &str) -> bool {
  let p = pattern.trim().as_bytes();
  let h = host.as_bytes();
  // Iterative wildcard match with backtracking to the last `*`: linear in practice, no recursion.
  let (mut pi, mut hi) = (0, 0);
  let (mut star, mut mark) = (None, 0);
  while hi < h.len() {
    if pi < p.len() && p[pi] != b'*' && p[pi].eq_ignore_ascii_case(&h[hi]) {
      pi += 1;
      hi += 1;
    } else if pi < p.len() && p[pi] == b'*' {
      star = Some(pi);
      mark = hi;
      pi += 1;
    } else if let Some(s) = star {
      pi = s + 1;
      mark += 1;
      hi = mark;
    } else {
      return false;
    }
  }
  while pi < p.len() && p[pi] == b'*' {
    pi += 1;
  }
  pi == p.len()
}

#[cfg(test)]
mod tests {
  use super::matches;

  #[test]
  fn star_matches_any_run_including_none() {
    assert!(matches("*.example.com", "a.example.com"));
    assert!(matches("*.example.com", "a.b.example.com"));
    assert!(!matches("*.example.com", "example.com"));
    assert!(matches("*", "anything"));
    assert!(matches("ex*le.com", "example.com"));
    assert!(matches("ex*le.com", "exle.com"));
  }

  #[test]
  fn match_is_whole_host_and_case_insensitive() {
    assert!(matches("Example.COM", "example.com"));
    assert!(!matches("example.com", "example.com.evil"));
    assert!(!matches("example.com", "www.example.com"));
  }
}
