//! The benchmark's Rust side, one binary with two roles:
//!
//! - `echo-server [--tls CERT KEY] [--spin]`: a WebSocket server on 127.0.0.1 (port chosen by the
//!   OS, printed on stdout) that echoes every message, and on `/push?count=K&size=N[&binary=1]` pushes
//!   K messages of N bytes once the client sends its first message (fan-in). Fast enough never to be
//!   the bottleneck of a Node client; with `--spin` it never sleeps, so no client waits for it to wake.
//! - `echo-server client --url URL --connections N --mode echo|broadcast ...`: a load generator for
//!   benchmarking a WebSocket *server*; prints one JSON line with its measurements.
#![deny(clippy::all)]

mod args;
mod client;
mod read_ahead;
mod server;
mod tls;

use std::process::ExitCode;

fn main() -> ExitCode {
  let argv: Vec<String> = std::env::args().skip(1).collect();
  // One thread: the benchmark pins this process to one core, and a single thread there wastes nothing
  // on cross-thread wake-ups.
  let runtime = tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()
    .expect("a tokio runtime");
  let outcome = if argv.first().map(String::as_str) == Some("client") {
    args::ClientArgs::parse(&argv[1..]).and_then(|a| runtime.block_on(client::run(a)))
  } else {
    args::ServerArgs::parse(&argv).and_then(|a| runtime.block_on(server::run(a)))
  };
  match outcome {
    Ok(()) => ExitCode::SUCCESS,
    Err(message) => {
      eprintln!("echo-server: {message}");
      ExitCode::FAILURE
    }
  }
}
