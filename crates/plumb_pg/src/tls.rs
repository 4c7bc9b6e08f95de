//! TLS with libpq's `sslmode` semantics, on rustls.
//!
//! `disable` never encrypts; `allow` and `prefer` (the default) encrypt when the server offers
//! TLS; `require` insists on it. None of those check the certificate, as in libpq. `verify-ca`
//! checks the chain against the root certificates, `verify-full` the host name too. Roots come
//! from `sslrootcert` (a PEM file, or `system` for the system store), else
//! `~/.postgresql/root.crt`. tokio-postgres knows only disable/prefer/require and no
//! `sslrootcert`, so those options are taken out of the connection string here.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode;

use crate::PgError;

/// libpq's `sslmode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// The TLS options of a connection string.
#[derive(Clone, Debug)]
pub(crate) struct TlsOptions {
    pub mode: Mode,
    pub root_cert: Option<String>,
}

impl TlsOptions {
    /// tokio-postgres's mode for this one.
    pub fn ssl_mode(&self) -> SslMode {
        match self.mode {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
        }
    }
}

fn parse_mode(v: &str) -> Result<Mode, PgError> {
    Ok(match v {
        "disable" => Mode::Disable,
        "allow" | "prefer" => Mode::Prefer,
        "require" => Mode::Require,
        "verify-ca" => Mode::VerifyCa,
        "verify-full" => Mode::VerifyFull,
        other => {
            return Err(PgError::Config(format!(
            "sslmode `{other}`: expected disable, allow, prefer, require, verify-ca or verify-full"
        )))
        }
    })
}

const TLS_KEYS: [&str; 2] = ["sslmode", "sslrootcert"];

/// Takes `sslmode` and `sslrootcert` out of a connection string (URL query parameters or
/// `key=value` pairs), with PGSSLMODE and PGSSLROOTCERT as defaults.
pub(crate) fn split(conninfo: &str) -> Result<(String, TlsOptions), PgError> {
    let mut found: Vec<(String, String)> = Vec::new();
    let rest = if conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://") {
        match conninfo.split_once('?') {
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&') {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if TLS_KEYS.contains(&k) {
                        found.push((k.to_owned(), percent_decode(v)));
                    } else {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
            None => conninfo.to_owned(),
        }
    } else {
        let mut kept = Vec::new();
        for (k, v, raw) in key_values(conninfo) {
            if TLS_KEYS.contains(&k.as_str()) {
                found.push((k, v));
            } else {
                kept.push(raw);
            }
        }
        kept.join(" ")
    };
    let get = |key: &str, env: &str| {
        found
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
    };
    let mode = match get("sslmode", "PGSSLMODE") {
        Some(m) => parse_mode(&m)?,
        None => Mode::Prefer,
    };
    Ok((
        rest,
        TlsOptions {
            mode,
            root_cert: get("sslrootcert", "PGSSLROOTCERT"),
        },
    ))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `key=value` pairs of a libpq keyword string (values may be single-quoted), each with its
/// raw text.
fn key_values(s: &str) -> Vec<(String, String, String)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let start = i;
        let mut key = String::new();
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            key.push(chars[i]);
            i += 1;
        }
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i < chars.len() && chars[i] == '=' {
            i += 1;
        }
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                value.push(chars[i]);
                i += 1;
            }
            i += 1;
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                value.push(chars[i]);
                i += 1;
            }
        }
        if !key.is_empty() {
            let raw: String = chars[start..i.min(chars.len())].iter().collect();
            out.push((key, value, raw));
        }
    }
    out
}

/// Accepts any server certificate (libpq's `require`: encrypted, not authenticated), still
/// checking that the handshake is signed by the certificate's key.
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
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

/// Checks the chain but not the host name (libpq's `verify-ca`).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

fn roots(root_cert: Option<&str>) -> Result<RootCertStore, PgError> {
    let mut store = RootCertStore::empty();
    let path = match root_cert {
        Some("system") => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(cert);
            }
            return Ok(store);
        }
        Some(p) => PathBuf::from(p),
        None => {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            let default = home.join(".postgresql/root.crt");
            if !default.is_file() {
                return Err(PgError::Config(
                    "sslmode verify-ca/verify-full needs root certificates: set sslrootcert=<PEM file> or sslrootcert=system".to_owned(),
                ));
            }
            default
        }
    };
    let certs = CertificateDer::pem_file_iter(&path)
        .map_err(|e| PgError::Config(format!("sslrootcert {}: {e}", path.display())))?;
    for cert in certs {
        let cert =
            cert.map_err(|e| PgError::Config(format!("sslrootcert {}: {e}", path.display())))?;
        store
            .add(cert)
            .map_err(|e| PgError::Config(format!("sslrootcert {}: {e}", path.display())))?;
    }
    if store.is_empty() {
        return Err(PgError::Config(format!(
            "sslrootcert {}: no certificates in the file",
            path.display()
        )));
    }
    Ok(store)
}

/// The rustls connector for the options.
pub(crate) fn connector(
    options: &TlsOptions,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect, PgError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PgError::Config(format!("TLS: {e}")))?;
    let config = match options.mode {
        Mode::Disable | Mode::Prefer | Mode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
            .with_no_client_auth(),
        Mode::VerifyCa | Mode::VerifyFull => {
            let verifier = WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots(options.root_cert.as_deref())?),
                provider,
            )
            .build()
            .map_err(|e| PgError::Config(format!("TLS: {e}")))?;
            if options.mode == Mode::VerifyFull {
                builder.with_webpki_verifier(verifier).with_no_client_auth()
            } else {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly(verifier)))
                    .with_no_client_auth()
            }
        }
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_come_out_of_urls_and_keywords() {
        let (rest, t) = split("postgresql://u:p@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x").unwrap();
        assert_eq!(rest, "postgresql://u:p@h/db?application_name=x");
        assert_eq!(t.mode, Mode::VerifyFull);
        assert_eq!(t.root_cert.as_deref(), Some("/tmp/ca.pem"));
        let (rest, t) = split("host=h sslmode=require dbname='my db' sslrootcert=system").unwrap();
        assert_eq!(rest, "host=h dbname='my db'");
        assert_eq!(t.mode, Mode::Require);
        assert_eq!(t.root_cert.as_deref(), Some("system"));
        assert!(split("host=h sslmode=sometimes").is_err());
    }
}
