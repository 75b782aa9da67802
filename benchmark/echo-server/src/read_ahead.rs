//! A read-ahead buffer under tungstenite, held only while it has unread bytes in it.
//!
//! tungstenite reads at most its `read_buffer_size` per call and zero-fills that much of its buffer
//! first, and keeps the buffer for the connection's life. A large size costs every connection that
//! much memory; a small one costs a system call per chunk of a large message. Reading ahead 128 KiB
//! at a time, into a buffer borrowed from a pool, gives large messages few system calls and idle
//! connections no buffer.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const READ_AHEAD: usize = 128 * 1024;
/// Buffers kept for reuse (the server has one thread).
const POOLED: usize = 64;

thread_local! {
  static POOL: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn take() -> Vec<u8> {
  POOL.with(|pool| pool.borrow_mut().pop()).unwrap_or_else(|| vec![0; READ_AHEAD])
}

fn give_back(buffer: Vec<u8>) {
  POOL.with(|pool| {
    let mut pool = pool.borrow_mut();
    if pool.len() < POOLED {
      pool.push(buffer);
    }
  });
}

pub struct ReadAhead<S> {
  inner: S,
  /// Read but not yet consumed: `buffer[start..end]`.
  buffer: Option<Vec<u8>>,
  start: usize,
  end: usize,
}

impl<S> ReadAhead<S> {
  pub fn new(inner: S) -> Self {
    ReadAhead { inner, buffer: None, start: 0, end: 0 }
  }
}

impl<S: AsyncRead + Unpin> AsyncRead for ReadAhead<S> {
  fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, dst: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    if this.buffer.is_none() {
      let mut buffer = take();
      let mut read = ReadBuf::new(&mut buffer);
      match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
        Poll::Ready(Ok(())) if !read.filled().is_empty() => {
          (this.start, this.end) = (0, read.filled().len());
          this.buffer = Some(buffer);
        }
        other => {
          give_back(buffer);
          return other;
        }
      }
    }
    let buffer = this.buffer.as_ref().expect("filled above");
    let n = dst.remaining().min(this.end - this.start);
    dst.put_slice(&buffer[this.start..this.start + n]);
    this.start += n;
    if this.start == this.end {
      give_back(this.buffer.take().expect("filled above"));
    }
    Poll::Ready(Ok(()))
  }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ReadAhead<S> {
  fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
  }

  fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(&mut self.get_mut().inner).poll_flush(cx)
  }

  fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
  }
}
