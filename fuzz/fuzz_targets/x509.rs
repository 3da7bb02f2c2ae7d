#![no_main]

//! The certificate reader against itself (`luasocket_rs::fuzzing::x509`),
//! then against x509-parser: where both read a certificate, they must read
//! the same serial, names and validity. Where only x509-parser reads one,
//! nothing is asserted: it takes some input ours refuses on purpose (dates
//! other than DER's `YYMMDDHHMMSSZ` and `YYYYMMDDHHMMSSZ`) and some no DER
//! reader should (an attribute's OID running past the end of its
//! SEQUENCE); real certificates are the seeds, which both read.

use x509_parser::der_parser::oid::Oid;
use x509_parser::prelude::*;

/// An OID's dotted text, from its bytes as X.690 (8.19) and OpenSSL read
/// them: the first subidentifier `v`, of any length, is `0.v` below 40,
/// `1.(v-40)` below 80 and `2.(v-80)` from there. x509-parser's own text
/// differs on three forms (0x7e gives 3.6, not 2.46; 0x89 0x92 0x26 gives
/// 3.17.2342, not 2.149718; 0x00 gives 0, not 0.0), so only its bytes are
/// used.
fn dotted(oid: &Oid) -> String {
    let mut arcs = Vec::new();
    let mut v: u128 = 0;
    for &b in oid.as_bytes() {
        v = v << 7 | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first.to_string());
                v -= first * 40;
            }
            arcs.push(v.to_string());
            v = 0;
        }
    }
    arcs.join(".")
}

fn pairs(name: &X509Name) -> Vec<(String, Vec<u8>)> {
    name.iter()
        .flat_map(|rdn| rdn.iter())
        .map(|a| (dotted(a.attr_type()), a.attr_value().data.to_vec()))
        .collect()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let ours = luasocket_rs::fuzzing::x509(data);
    let Ok((_, theirs)) = X509Certificate::from_der(data) else {
        return;
    };
    let tbs = &theirs.tbs_certificate;
    let validity = (
        tbs.validity.not_before.timestamp(),
        tbs.validity.not_after.timestamp(),
    );
    if let Some((serial, issuer, subject)) = ours.names {
        assert_eq!(serial, tbs.raw_serial(), "serial");
        assert_eq!(issuer, pairs(&tbs.issuer), "issuer");
        assert_eq!(subject, pairs(&tbs.subject), "subject");
        assert_eq!(ours.validity, Some(validity), "validity");
    }
});
