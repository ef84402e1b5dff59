//! TLS client configurations (rustls with ring): trusting the CAs of a PEM file, one
//! pinned certificate, or — only where the configuration says so explicitly — nothing.
//! Used for event destinations (`redfish::delivery`) and by the agent for the card
//! BMC's own Redfish service.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::io;
use std::path::Path;
use std::sync::Arc;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The certificates of a PEM file, with errors that name the file and `what` it is.
pub fn read_certificates(file: &Path, what: &str) -> io::Result<Vec<CertificateDer<'static>>> {
    let named = |e: &dyn std::fmt::Display| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{what} {}: {e}", file.display()),
        )
    };
    let pem = std::fs::read(file).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot read {what} {}: {e}", file.display()),
        )
    })?;
    pem_certificates(&pem).map_err(|e| named(&e))
}

/// The CERTIFICATE blocks of PEM text; an error when it holds none or does not parse.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = rustls_pemfile::certs(&mut &pem[..])
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("no certificate in the file".into());
    }
    Ok(certs)
}

/// A client that trusts the CA certificates of a PEM file (`what` names it in errors).
pub fn trusting_ca_file(ca_file: &Path, what: &str) -> io::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in read_certificates(ca_file, what)? {
        // A bundle may hold certificates rustls cannot use; the others still count.
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{what} {}: no usable CA certificate in the file",
                ca_file.display()
            ),
        ));
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A client that accepts exactly the server certificate of a PEM file (its first
/// certificate, byte for byte), whatever name or dates it carries: a card BMC's
/// self-signed certificate pinned by its owner. Handshake signatures are verified.
pub fn pinning(cert_file: &Path) -> io::Result<rustls::ClientConfig> {
    let pinned = read_certificates(cert_file, "pinned certificate")?.remove(0);
    with_verifier(Arc::new(Verifier {
        pinned: Some(pinned),
        provider: provider(),
    }))
}

/// A client that verifies nothing about the server's certificate (handshake
/// signatures still are). Only for an explicit, logged configuration key.
pub fn unverified() -> io::Result<rustls::ClientConfig> {
    with_verifier(Arc::new(Verifier {
        pinned: None,
        provider: provider(),
    }))
}

fn with_verifier(v: Arc<Verifier>) -> io::Result<rustls::ClientConfig> {
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .dangerous()
        .with_custom_certificate_verifier(v)
        .with_no_client_auth())
}

/// Pinned (or, with `pinned: None`, no) certificate verification.
#[derive(Debug)]
struct Verifier {
    pinned: Option<CertificateDer<'static>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.pinned {
            Some(p) if p.as_ref() != end_entity.as_ref() => Err(rustls::Error::General(
                "the server's certificate is not the pinned one".into(),
            )),
            _ => Ok(ServerCertVerified::assertion()),
        }
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
            &self.provider.signature_verification_algorithms,
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
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
