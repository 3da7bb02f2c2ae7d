//! `socket.tls`: TLS 1.2 and 1.3 over our stream sockets, on rustls (ring
//! provider). The core of it, knowing nothing of Lua:
//!
//! - `config.rs`: LuaSec's context parameters turned into rustls
//!   configurations, the trust store, the certificate check and its messages;
//! - `conn.rs`: one connection: handshake, receive patterns over the
//!   decrypted bytes (through `buffer::InBuf`, as `tcp`), send, close;
//! - `cert.rs`: what `getpeercertificate()` shows of a certificate.
//!
//! Replaces LuaSec's `context.c`, `ssl.c` and `x509.c` for the parts
//! `socket.tls` offers; the Lua side is `glue/tls.rs` and `lua/socket/tls.lua`.

pub(crate) mod cert;
pub(crate) mod config;
mod conn;

pub(crate) use config::{Context, Params, Protocol, Verify};
pub(crate) use conn::TlsStream;

use rustls::{CipherSuite, ProtocolVersion};

/// What `info()` returns, in LuaSec's field names and OpenSSL's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Info {
    /// `"TLSv1.3"` or `"TLSv1.2"`.
    pub protocol: &'static str,
    /// OpenSSL's name, `"TLS_AES_256_GCM_SHA384"`, `"ECDHE-RSA-AES128-GCM-SHA256"`.
    pub cipher: String,
    /// Key exchange: `"any"` (TLS 1.3) or `"ECDH"`.
    pub key: &'static str,
    /// `"any"` (TLS 1.3), `"RSA"` or `"ECDSA"`.
    pub authentication: &'static str,
    /// `"AESGCM(256)"`, `"CHACHA20/POLY1305(256)"`.
    pub encryption: String,
    pub mac: &'static str,
    pub bits: u32,
}

impl Info {
    fn new(version: ProtocolVersion, suite: CipherSuite) -> Info {
        let protocol = match version {
            ProtocolVersion::TLSv1_3 => "TLSv1.3",
            ProtocolVersion::TLSv1_2 => "TLSv1.2",
            _ => "unknown",
        };
        let name = format!("{suite:?}");
        let (cipher, key, authentication) = if let Some(rest) = name.strip_prefix("TLS13_") {
            (format!("TLS_{rest}"), "any", "any")
        } else if let Some(rest) = name.strip_prefix("TLS_ECDHE_") {
            // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 -> ECDHE-RSA-AES128-GCM-SHA256
            let (auth, alg) = rest.split_once("_WITH_").unwrap_or((rest, ""));
            let alg = alg
                .replace("AES_128", "AES128")
                .replace("AES_256", "AES256")
                .replace("CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305")
                .replace('_', "-");
            let authentication = if auth == "RSA" { "RSA" } else { "ECDSA" };
            (format!("ECDHE-{auth}-{alg}"), "ECDH", authentication)
        } else {
            (name.clone(), "unknown", "unknown")
        };
        let (encryption, bits) = if name.contains("AES_128") {
            ("AESGCM(128)".to_string(), 128)
        } else if name.contains("AES_256") {
            ("AESGCM(256)".to_string(), 256)
        } else if name.contains("CHACHA20") {
            ("CHACHA20/POLY1305(256)".to_string(), 256)
        } else {
            ("unknown".to_string(), 0)
        };
        Info {
            protocol,
            cipher,
            key,
            authentication,
            encryption,
            mac: "AEAD",
            bits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_names_are_openssls() {
        let i = Info::new(
            ProtocolVersion::TLSv1_3,
            CipherSuite::TLS13_AES_256_GCM_SHA384,
        );
        assert_eq!(i.cipher, "TLS_AES_256_GCM_SHA384");
        assert_eq!((i.protocol, i.bits, i.key), ("TLSv1.3", 256, "any"));
        let i = Info::new(
            ProtocolVersion::TLSv1_2,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        );
        assert_eq!(i.cipher, "ECDHE-RSA-AES128-GCM-SHA256");
        assert_eq!(i.authentication, "RSA");
        let i = Info::new(
            ProtocolVersion::TLSv1_2,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        );
        assert_eq!(i.cipher, "ECDHE-ECDSA-CHACHA20-POLY1305");
        assert_eq!(i.encryption, "CHACHA20/POLY1305(256)");
    }
}
