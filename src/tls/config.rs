//! `tls.newcontext(params)`: LuaSec's parameters turned into a rustls
//! client or server configuration (ring provider; TLS 1.2 and 1.3).
//!
//! Replaces LuaSec's `context.c`. What rustls cannot do (TLS 1.1 and older,
//! OpenSSL cipher strings, DH parameters, encrypted keys) is refused by the
//! Lua layer before it gets here; see docs/compatibility.md.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring as provider, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, OtherError, RootCertStore, ServerConfig,
    SignatureScheme,
};

use super::cert;
use crate::error::NetError;

/// `protocol`: which versions the context allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    Tls12,
    Tls13,
    /// `"any"` (and LuaSec's `"sslv23"`): TLS 1.2 or 1.3.
    Any,
}

/// `verify`: whether the peer's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verify {
    None,
    /// A client checks the server; a server asks for a client certificate
    /// and checks it when one is sent.
    Peer,
    /// `{"peer", "fail_if_no_peer_cert"}`: a server also refuses clients
    /// without a certificate.
    PeerRequired,
}

/// The parameters of `newcontext`, already checked by the Lua layer.
#[derive(Clone, Debug)]
pub(crate) struct Params {
    pub server: bool,
    pub protocol: Protocol,
    pub verify: Verify,
    pub cafile: Option<String>,
    pub capath: Option<String>,
    pub certificate: Option<String>,
    pub key: Option<String>,
    pub alpn: Vec<Vec<u8>>,
    pub servername: Option<String>,
}

/// A built context: what every connection wrapped with it shares.
#[derive(Clone, Debug)]
pub(crate) enum Context {
    Client {
        config: Arc<ClientConfig>,
        /// `servername`: SNI and the name checked, unless `sni()` says
        /// otherwise.
        servername: Option<String>,
    },
    Server {
        config: Arc<ServerConfig>,
    },
}

impl Context {
    pub(crate) fn is_server(&self) -> bool {
        matches!(self, Context::Server { .. })
    }
}

fn fail(msg: String) -> NetError {
    NetError::Tls(msg)
}

fn versions(p: Protocol) -> &'static [&'static rustls::SupportedProtocolVersion] {
    static TLS12: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
    static TLS13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    static ANY: [&rustls::SupportedProtocolVersion; 2] =
        [&rustls::version::TLS13, &rustls::version::TLS12];
    match p {
        Protocol::Tls12 => &TLS12,
        Protocol::Tls13 => &TLS13,
        Protocol::Any => &ANY,
    }
}

/// Builds the context, or `Err` with LuaSec's wording for a file that does
/// not load (`error loading certificate (...)`).
pub(crate) fn build(p: &Params) -> Result<Context, NetError> {
    // ring, as the rock needs only a C compiler to build it. rustls 0.23.48
    // deprecates this provider for lacking post-quantum key exchange (only
    // aws-lc-rs has it, and it needs cmake); TLS 1.2/1.3 are unaffected.
    #[allow(deprecated)]
    let mut provider = provider::default_provider();
    // X25519 first, as OpenSSL (LuaSec) and browsers offer it: this
    // provider's default list starts with P-384, whose key share costs a
    // client about 0.4 ms more per handshake than X25519's, and which a
    // server then picks. The same three groups are offered.
    provider.kx_groups = vec![
        provider::kx_group::X25519,
        provider::kx_group::SECP256R1,
        provider::kx_group::SECP384R1,
    ];
    let provider = Arc::new(provider);
    if p.server {
        build_server(p, provider)
    } else {
        build_client(p, provider)
    }
}

fn build_client(p: &Params, provider: Arc<CryptoProvider>) -> Result<Context, NetError> {
    let inner = match p.verify {
        Verify::None => None,
        Verify::Peer | Verify::PeerRequired => {
            let roots = roots(p)?;
            let v = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
                .build()
                .map_err(|e| fail(format!("error loading CA locations ({e})")))?;
            Some((v, roots))
        }
    };
    let verifier = Arc::new(Verifier {
        inner,
        provider: provider.clone(),
    });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions(p.protocol))
        .map_err(|e| fail(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match (&p.certificate, &p.key) {
        (Some(c), Some(k)) => builder
            .with_client_auth_cert(load_certs(c)?, load_key(k)?)
            .map_err(|e| fail(format!("error loading private key ({e})")))?,
        _ => builder.with_no_client_auth(),
    };
    config.alpn_protocols = p.alpn.clone();
    Ok(Context::Client {
        config: Arc::new(config),
        servername: p.servername.clone(),
    })
}

fn build_server(p: &Params, provider: Arc<CryptoProvider>) -> Result<Context, NetError> {
    let (Some(c), Some(k)) = (&p.certificate, &p.key) else {
        return Err(fail(
            "a server context needs 'certificate' and 'key'".to_string(),
        ));
    };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions(p.protocol))
        .map_err(|e| fail(e.to_string()))?;
    let builder = match p.verify {
        Verify::None => builder.with_no_client_auth(),
        Verify::Peer | Verify::PeerRequired => {
            let b = WebPkiClientVerifier::builder_with_provider(roots(p)?, provider);
            let b = if p.verify == Verify::Peer {
                b.allow_unauthenticated()
            } else {
                b
            };
            let v = b
                .build()
                .map_err(|e| fail(format!("error loading CA locations ({e})")))?;
            builder.with_client_cert_verifier(v)
        }
    };
    let mut config = builder
        .with_single_cert(load_certs(c)?, load_key(k)?)
        .map_err(|e| fail(format!("error loading private key ({e})")))?;
    config.alpn_protocols = p.alpn.clone();
    Ok(Context::Server {
        config: Arc::new(config),
    })
}

/// The trust anchors: `cafile` and `capath` when given, else the system's.
fn roots(p: &Params) -> Result<Arc<RootCertStore>, NetError> {
    if p.cafile.is_none() && p.capath.is_none() {
        return system_roots();
    }
    let mut store = RootCertStore::empty();
    if let Some(file) = &p.cafile {
        let certs =
            load_pem_certs(file).map_err(|e| fail(format!("error loading CA locations ({e})")))?;
        let (added, _) = store.add_parsable_certificates(certs);
        if added == 0 {
            return Err(fail(
                "error loading CA locations (no certificate found)".to_string(),
            ));
        }
    }
    if let Some(dir) = &p.capath {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| fail(format!("error loading CA locations ({})", io_text(&e))))?;
        for entry in entries.flatten() {
            // Any file of PEM certificates counts (the c_rehash links too);
            // other files are skipped, as OpenSSL skips them.
            if let Ok(certs) = load_pem_certs(&entry.path().to_string_lossy()) {
                store.add_parsable_certificates(certs);
            }
        }
    }
    Ok(Arc::new(store))
}

/// The system's trust store (rustls-native-certs: SSL_CERT_FILE and
/// SSL_CERT_DIR when set, else the distribution's bundle), loaded once per
/// process for each value of those two variables.
fn system_roots() -> Result<Arc<RootCertStore>, NetError> {
    type Cached = (Option<String>, Option<String>, Arc<RootCertStore>);
    static CACHE: Mutex<Option<Cached>> = Mutex::new(None);
    let key = (
        std::env::var("SSL_CERT_FILE").ok(),
        std::env::var("SSL_CERT_DIR").ok(),
    );
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((f, d, store)) = cache.as_ref() {
        if (f, d) == (&key.0, &key.1) {
            return Ok(store.clone());
        }
    }
    let found = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(found.certs);
    if store.is_empty() {
        let why = found
            .errors
            .first()
            .map_or_else(|| "no certificate found".to_string(), |e| e.to_string());
        return Err(fail(format!("error loading CA locations ({why})")));
    }
    let store = Arc::new(store);
    *cache = Some((key.0, key.1, store.clone()));
    Ok(store)
}

fn io_text(e: &std::io::Error) -> String {
    crate::error::os_message(e)
}

fn pem_text(e: &rustls::pki_types::pem::Error) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) => io_text(io),
        other => other.to_string(),
    }
}

fn load_pem_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let iter = CertificateDer::pem_file_iter(Path::new(path)).map_err(|e| pem_text(&e))?;
    let certs: Result<Vec<_>, _> = iter.collect();
    let certs = certs.map_err(|e| pem_text(&e))?;
    if certs.is_empty() {
        return Err("no certificate found".to_string());
    }
    Ok(certs)
}

fn load_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, NetError> {
    load_pem_certs(path).map_err(|e| fail(format!("error loading certificate ({e})")))
}

fn load_key(path: &str) -> Result<PrivateKeyDer<'static>, NetError> {
    PrivateKeyDer::from_pem_file(Path::new(path)).map_err(|e| {
        let why = match e {
            rustls::pki_types::pem::Error::NoItemsFound => "no private key found".to_string(),
            other => pem_text(&other),
        };
        fail(format!("error loading private key ({why})"))
    })
}

/// The server certificate check: webpki's (or none for `verify =
/// "none"`), with failures reworded the way LuaSec programs read them.
#[derive(Debug)]
struct Verifier {
    /// webpki's verifier and the trust anchors it was built with.
    inner: Option<(Arc<WebPkiServerVerifier>, Arc<RootCertStore>)>,
    provider: Arc<CryptoProvider>,
}

/// OpenSSL (and so LuaSec) trusts a self-signed server certificate that is
/// itself in the trust store: the `openssl req -x509` certificate of a test
/// or internal server, given as `cafile`. webpki refuses it when it says
/// CA:TRUE, as that command makes it (a CA used as an end entity). Such a
/// certificate is accepted here when the store holds an anchor with its
/// subject and key (the handshake proves the server holds that key), it is
/// within its validity period and it names the server. `None` when it is
/// not such a certificate; else the outcome, with the message on failure.
fn trusted_itself(
    roots: &RootCertStore,
    leaf: &CertificateDer<'_>,
    name: &ServerName<'_>,
    now: UnixTime,
) -> Option<Result<(), String>> {
    if !cert::is_self_issued(leaf) {
        return None;
    }
    let anchor = webpki::anchor_from_trusted_cert(leaf).ok()?;
    let in_store = roots.roots.iter().any(|a| {
        a.subject == anchor.subject && a.subject_public_key_info == anchor.subject_public_key_info
    });
    if !in_store {
        return None;
    }
    let (not_before, not_after) = cert::validity(leaf)?;
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    if now < not_before {
        return Some(Err(
            "certificate verify failed: certificate is not yet valid".into(),
        ));
    }
    if now > not_after {
        return Some(Err(
            "certificate verify failed: certificate has expired".into()
        ));
    }
    let ee = webpki::EndEntityCert::try_from(leaf).ok()?;
    if ee.verify_is_valid_for_subject_name(name).is_err() {
        return Some(Err(format!(
            "certificate does not match host name '{}'",
            name.to_str()
        )));
    }
    Some(Ok(()))
}

/// A verification failure, with its final message.
#[derive(Debug)]
struct Failure(String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

/// `"certificate verify failed: <reason>"` (OpenSSL's reasons), or
/// `"certificate does not match host name 'x'"`.
fn explain(e: &rustls::Error, leaf: &CertificateDer<'_>, name: &ServerName<'_>) -> String {
    let reason = match e {
        rustls::Error::InvalidCertificate(ce) => match ce {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                return format!("certificate does not match host name '{}'", name.to_str());
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "certificate has expired".to_string()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "certificate is not yet valid".to_string()
            }
            // webpki says UnknownIssuer, or CaUsedAsEndEntity for a
            // self-signed CA certificate: OpenSSL's words name the case.
            CertificateError::UnknownIssuer | CertificateError::Other(_)
                if cert::is_self_issued(leaf) =>
            {
                "self-signed certificate".to_string()
            }
            CertificateError::UnknownIssuer => "unable to get local issuer certificate".to_string(),
            CertificateError::BadSignature => "certificate signature failure".to_string(),
            CertificateError::Revoked => "certificate revoked".to_string(),
            CertificateError::BadEncoding => "certificate is malformed".to_string(),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "unsupported certificate purpose".to_string()
            }
            other => format!("{other:?}"),
        },
        other => other.to_string(),
    };
    format!("certificate verify failed: {reason}")
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some((inner, roots)) = &self.inner else {
            return Ok(ServerCertVerified::assertion());
        };
        let Err(e) =
            inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        else {
            return Ok(ServerCertVerified::assertion());
        };
        let msg = match trusted_itself(roots, end_entity, server_name, now) {
            Some(Ok(())) => return Ok(ServerCertVerified::assertion()),
            Some(Err(msg)) => msg,
            None => explain(&e, end_entity, server_name),
        };
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(Failure(msg))),
        )))
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
