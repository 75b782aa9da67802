//! The TLS acceptor of `--tls CERT KEY`: rustls with the ring provider.

use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

pub fn acceptor(cert_path: &str, key_path: &str) -> Result<TlsAcceptor, String> {
  let certs = CertificateDer::pem_file_iter(cert_path)
    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
    .map_err(|e| format!("{cert_path}: {e}"))?;
  let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| format!("{key_path}: {e}"))?;
  let provider = Arc::new(rustls::crypto::ring::default_provider());
  let config = rustls::ServerConfig::builder_with_provider(provider)
    .with_safe_default_protocol_versions()
    .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
    .map_err(|e| format!("TLS configuration: {e}"))?;
  Ok(TlsAcceptor::from(Arc::new(config)))
}
