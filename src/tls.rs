//! TLS for `wss://` (and the server's `serverCert`): trust, client certificates, versions.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{
  CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::errors::Failure;
use crate::lock;
use crate::options::TlsOptions;

/// The one crypto provider, named explicitly: rustls' implicit default panics when more than one
/// provider is compiled in.
static PROVIDER: Lazy<Arc<CryptoProvider>> =
  Lazy::new(|| Arc::new(rustls::crypto::ring::default_provider()));

/// The system's trusted roots, loaded once per process.
static SYSTEM_ROOTS: Lazy<Arc<RootCertStore>> = Lazy::new(|| {
  let mut roots = RootCertStore::empty();
  let found = rustls_native_certs::load_native_certs();
  roots.add_parsable_certificates(found.certs);
  Arc::new(roots)
});

/// Client configurations already built, by their options and the state of the files they read.
/// Reusing one saves re-reading the roots and files, and lets rustls resume TLS sessions with a
/// server it has seen (an abbreviated handshake). A changed file makes a new key.
static CONFIGS: Lazy<Mutex<HashMap<ConfigKey, Arc<ClientConfig>>>> = Lazy::new(Default::default);
/// Configurations kept at most; the cache starts over when full.
const MAX_CONFIGS: usize = 32;

#[derive(Clone, PartialEq, Eq, Hash)]
struct ConfigKey {
  options: TlsOptions,
  files: Vec<FileStamp>,
}

/// A file as it is now: path, modification time and length.
#[derive(Clone, PartialEq, Eq, Hash)]
struct FileStamp(std::path::PathBuf, Option<std::time::SystemTime>, u64);

fn stamp(path: &Path) -> FileStamp {
  let meta = std::fs::metadata(path).ok();
  FileStamp(
    path.to_path_buf(),
    meta.as_ref().and_then(|m| m.modified().ok()),
    meta.map_or(0, |m| m.len()),
  )
}

fn config_key(options: &TlsOptions) -> ConfigKey {
  let mut files = Vec::new();
  if let Some(ca) = &options.ca_path {
    files.push(stamp(ca));
    if ca.is_dir() {
      if let Ok(entries) = std::fs::read_dir(ca) {
        let mut inside: Vec<FileStamp> = entries.flatten().map(|e| stamp(&e.path())).collect();
        inside.sort_by(|a, b| a.0.cmp(&b.0));
        files.extend(inside);
      }
    }
  }
  if let Some(cert) = &options.client_cert {
    files.push(stamp(&cert.cert_path));
    files.push(stamp(&cert.key_path));
  }
  ConfigKey {
    options: options.clone(),
    files,
  }
}

/// The client configuration for these options.
pub fn client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>, Failure> {
  let key = config_key(options);
  if let Some(config) = lock(&CONFIGS).get(&key) {
    return Ok(config.clone());
  }
  let config = Arc::new(build_client_config(options)?);
  let mut configs = lock(&CONFIGS);
  if configs.len() >= MAX_CONFIGS {
    configs.clear();
  }
  configs.insert(key, config.clone());
  Ok(config)
}

fn build_client_config(options: &TlsOptions) -> Result<ClientConfig, Failure> {
  let versions: &[&'static rustls::SupportedProtocolVersion] = if options.tls13_only {
    &[&rustls::version::TLS13]
  } else {
    &[&rustls::version::TLS13, &rustls::version::TLS12]
  };
  let builder = ClientConfig::builder_with_provider(PROVIDER.clone())
    .with_protocol_versions(versions)
    .map_err(|e| Failure::new(format!("TLS setup failed: {e}")))?;
  let mut roots = (**SYSTEM_ROOTS).clone();
  if let Some(ca_path) = &options.ca_path {
    for cert in read_ca_certificates(ca_path)? {
      roots.add(cert).map_err(|e| {
        Failure::new(format!(
          "caPath {}: unusable certificate: {e}",
          ca_path.display()
        ))
      })?;
    }
  }
  let builder = builder.with_root_certificates(roots);
  let mut config = match &options.client_cert {
    None => builder.with_no_client_auth(),
    Some(cert) => {
      let chain = read_certificates(&cert.cert_path)?;
      let key = read_private_key(&cert.key_path, cert.key_password.as_deref())?;
      builder
        .with_client_auth_cert(chain, key)
        .map_err(|e| Failure::new(format!("client certificate rejected: {e}")))?
    }
  };
  if options.skip_verification {
    config
      .dangerous()
      .set_certificate_verifier(Arc::new(AcceptAnyCertificate(PROVIDER.clone())));
  }
  Ok(config)
}

/// Every PEM certificate in a file, or in each file of a directory.
fn read_ca_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, Failure> {
  if path.is_dir() {
    let entries = std::fs::read_dir(path)
      .map_err(|e| Failure::new(format!("caPath {}: {e}", path.display())))?;
    let mut certs = Vec::new();
    for entry in entries.flatten() {
      let file = entry.path();
      if file.is_file() {
        // Files of a certificate directory that hold no PEM certificate are skipped, as OpenSSL does.
        certs.extend(
          CertificateDer::pem_file_iter(&file)
            .into_iter()
            .flatten()
            .flatten(),
        );
      }
    }
    Ok(certs)
  } else {
    read_certificates(path)
  }
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, Failure> {
  let certs = CertificateDer::pem_file_iter(path)
    .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
    .map_err(|e| {
      Failure::new(format!(
        "{}: not a PEM certificate file: {e}",
        path.display()
      ))
    })?;
  if certs.is_empty() {
    return Err(Failure::new(format!(
      "{}: no PEM certificate found",
      path.display()
    )));
  }
  Ok(certs)
}

/// A PEM private key: PKCS#8, PKCS#1 or SEC1, or PKCS#8 encrypted with `password`.
pub fn read_private_key(
  path: &Path,
  password: Option<&str>,
) -> Result<PrivateKeyDer<'static>, Failure> {
  let text =
    std::fs::read_to_string(path).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
  if text.contains("Proc-Type: 4,ENCRYPTED") {
    return Err(Failure::new(format!(
      "{}: legacy OpenSSL-encrypted PEM keys are not supported; convert it with `openssl pkcs8 -topk8`",
      path.display()
    )));
  }
  if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
    let password = password.filter(|p| !p.is_empty()).ok_or_else(|| {
      Failure::new(format!(
        "{}: the key is encrypted and no keyPassword was given",
        path.display()
      ))
    })?;
    let (_, document) = pkcs8::der::SecretDocument::from_pem(&text)
      .map_err(|e| Failure::new(format!("{}: bad encrypted key: {e}", path.display())))?;
    let encrypted = pkcs8::EncryptedPrivateKeyInfo::try_from(document.as_bytes())
      .map_err(|e| Failure::new(format!("{}: bad encrypted key: {e}", path.display())))?;
    let decrypted = encrypted.decrypt(password).map_err(|_| {
      Failure::new(format!(
        "{}: wrong keyPassword or unsupported key encryption",
        path.display()
      ))
    })?;
    return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
      decrypted.as_bytes().to_vec(),
    )));
  }
  PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| {
    Failure::new(format!(
      "{}: no usable PEM private key: {e}",
      path.display()
    ))
  })
}

/// A server configuration from a PEM certificate chain and key (`serverCert`).
pub fn server_config(
  cert_path: &Path,
  key_path: &Path,
) -> Result<Arc<rustls::ServerConfig>, Failure> {
  let chain = read_certificates(cert_path)?;
  let key = read_private_key(key_path, None)?;
  let config = rustls::ServerConfig::builder_with_provider(PROVIDER.clone())
    .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    .map_err(|e| Failure::new(format!("TLS setup failed: {e}")))?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| Failure::new(format!("server certificate rejected: {e}")))?;
  Ok(Arc::new(config))
}

/// The words a user reads for a TLS failure.
pub fn describe(err: &rustls::Error) -> String {
  match err {
    rustls::Error::InvalidCertificate(cert) => match cert {
      CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
        "certificate has expired".into()
      }
      CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
        "certificate is not yet valid".into()
      }
      CertificateError::UnknownIssuer => "certificate signed by an unknown issuer".into(),
      CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
        "certificate host name mismatch".into()
      }
      CertificateError::BadSignature => "certificate has a bad signature".into(),
      CertificateError::Revoked => "certificate has been revoked".into(),
      other => format!("invalid certificate: {other:?}"),
    },
    rustls::Error::AlertReceived(alert) => {
      format!("TLS handshake failure: the server sent alert {alert:?}")
    }
    other => format!("TLS handshake failure: {other}"),
  }
}

/// `skipServerCertVerification: true`: every certificate is accepted (signatures still checked).
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
  fn verify_server_cert(
    &self,
    _end_entity: &CertificateDer<'_>,
    _intermediates: &[CertificateDer<'_>],
    _server_name: &ServerName<'_>,
    _ocsp_response: &[u8],
    _now: UnixTime,
  ) -> Result<ServerCertVerified, rustls::Error> {
    Ok(ServerCertVerified::assertion())
  }

  fn verify_tls12_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls12_signature(
      message,
      cert,
      dss,
      &self.0.signature_verification_algorithms,
    )
  }

  fn verify_tls13_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls13_signature(
      message,
      cert,
      dss,
      &self.0.signature_verification_algorithms,
    )
  }

  fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
    self.0.signature_verification_algorithms.supported_schemes()
  }
}
