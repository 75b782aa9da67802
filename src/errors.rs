//! The error codes of the contract, each with the message of the API reference's error tables.
//!
//! Every code a method can reject with is defined here, once. The rule that picks a code lives next to
//! the check that makes it (see `client::Client::connect` for the order of connect's checks).

/// A business error code, as `{code, message}` reaches JS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
  /// Bad argument types or values.
  Parameter,
  /// Node's permission model denies network access.
  PermissionDenied,
  /// Scheme not `ws`/`wss`, unparsable URL, or a URL longer than 1024 characters.
  UrlError,
  /// `caPath`, `certPath` or `keyPath` names no file.
  CertificateFileMissing,
  /// The object already has a session (connecting, open or closing).
  ConnectionExists,
  /// Server: `serverIP` is not an address of this machine.
  CannotListenOnNic,
  /// Server: `serverPort` is out of range.
  CannotListenOnPort,
  /// Server: no such client connection.
  ConnectionMissing,
  /// Server: the port is taken.
  PortOccupied,
  /// The domain allow-list does not admit the host.
  DomainNotAllowed,
  /// Anything else: no session, close already requested, DNS failure.
  Unknown,
}

impl ErrorCode {
  /// Every code, for looking one up by number.
  pub const ALL: [ErrorCode; 11] = [
    ErrorCode::Parameter,
    ErrorCode::PermissionDenied,
    ErrorCode::UrlError,
    ErrorCode::CertificateFileMissing,
    ErrorCode::ConnectionExists,
    ErrorCode::CannotListenOnNic,
    ErrorCode::CannotListenOnPort,
    ErrorCode::ConnectionMissing,
    ErrorCode::PortOccupied,
    ErrorCode::DomainNotAllowed,
    ErrorCode::Unknown,
  ];

  /// The numeric code JS sees.
  pub fn code(self) -> i32 {
    match self {
      ErrorCode::Parameter => 401,
      ErrorCode::PermissionDenied => 201,
      ErrorCode::UrlError => 2302001,
      ErrorCode::CertificateFileMissing => 2302002,
      ErrorCode::ConnectionExists => 2302003,
      ErrorCode::CannotListenOnNic => 2302004,
      ErrorCode::CannotListenOnPort => 2302005,
      ErrorCode::ConnectionMissing => 2302006,
      ErrorCode::PortOccupied => 2302007,
      ErrorCode::DomainNotAllowed => 2302998,
      ErrorCode::Unknown => 2302999,
    }
  }

  /// The API reference's text for the code.
  pub fn message(self) -> &'static str {
    match self {
      ErrorCode::Parameter => "Parameter error.",
      ErrorCode::PermissionDenied => "Permission denied.",
      ErrorCode::UrlError => "Websocket url error.",
      ErrorCode::CertificateFileMissing => "Websocket certificate file does not exist.",
      ErrorCode::ConnectionExists => "Websocket connection already exists.",
      ErrorCode::CannotListenOnNic => "Can't listen on the given NIC.",
      ErrorCode::CannotListenOnPort => "Can't listen on the given Port.",
      ErrorCode::ConnectionMissing => "Websocket connection does not exist.",
      ErrorCode::PortOccupied => "Websocket port already occupied.",
      ErrorCode::DomainNotAllowed => "It is not allowed to access this domain.",
      ErrorCode::Unknown => "Websocket other unknown error.",
    }
  }
}

/// Why a connection attempt or an open connection failed: the payload of an 'error' event
/// (`{code: 200, data, message}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
  /// The HTTP status of the upgrade response (or of the proxy's CONNECT answer), `0` when there was none.
  pub status: u16,
  /// The real cause, in words.
  pub message: String,
}

impl Failure {
  /// A failure with no HTTP status behind it.
  pub fn new(message: impl Into<String>) -> Self {
    Failure {
      status: 0,
      message: message.into(),
    }
  }

  /// A failure caused by an HTTP answer with this status.
  pub fn with_status(status: u16, message: impl Into<String>) -> Self {
    Failure {
      status,
      message: message.into(),
    }
  }

  /// Describes an I/O error the way a user reads it ("connection refused", not "os error 111").
  pub fn io(context: &str, err: &std::io::Error) -> Self {
    use std::io::ErrorKind::*;
    let what = match err.kind() {
      ConnectionRefused => "connection refused".to_string(),
      ConnectionReset => "connection reset by peer".to_string(),
      ConnectionAborted => "connection aborted".to_string(),
      TimedOut => "timed out".to_string(),
      UnexpectedEof => "connection closed by peer".to_string(),
      _ => {
        // rustls reports certificate problems as io::Error wrapping a rustls::Error.
        if let Some(tls) = err
          .get_ref()
          .and_then(|e| e.downcast_ref::<rustls::Error>())
        {
          return Failure::new(crate::tls::describe(tls));
        }
        err.to_string()
      }
    };
    if context.is_empty() {
      Failure::new(what)
    } else {
      Failure::new(format!("{context}: {what}"))
    }
  }
}
