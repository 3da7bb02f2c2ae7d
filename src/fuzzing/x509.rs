//! The `x509` target: the DER reader behind `getpeercertificate()`
//! (`tls/cert.rs`), which reads what a peer sends even when no verification
//! ran (`verify = "none"`). Any bytes: no panic; a certificate it reads
//! must agree with itself: the printed dates with the seconds `validity`
//! gives (checked by counting days, not by the formula it uses), the
//! self-issued test with the names, the PEM text with the bytes, the
//! digests' lengths with their algorithms.

use crate::mime::naive;
use crate::tls::cert::{self, CertInfo};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// The seconds since 1970 of a date as OpenSSL prints it
/// (`"Dec  6 00:13:18 2026 GMT"`), by counting whole years and months from
/// 1970 rather than by the formula `validity` uses. A day the month lacks
/// (Feb 31) or a leap second counts on into what follows, as there.
fn seconds(shown: &str) -> i64 {
    let month = MONTHS
        .iter()
        .position(|m| shown.starts_with(m))
        .expect("month name") as i64;
    let field = |r: std::ops::Range<usize>| shown[r].trim().parse::<i64>().expect("number");
    let (day, h, m, s) = (field(4..6), field(7..9), field(10..12), field(13..15));
    let year = field(16..shown.len() - 4);
    assert!(shown.ends_with(" GMT"));
    let year_days = |y: i64| if leap(y) { 366 } else { 365 };
    let mut days: i64 = if year >= 1970 {
        (1970..year).map(year_days).sum()
    } else {
        -(year..1970).map(year_days).sum::<i64>()
    };
    let lengths = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    days += lengths[..month as usize].iter().sum::<i64>() + day - 1;
    days * 86_400 + h * 3600 + m * 60 + s
}

/// What ours read of a certificate, for the fuzz target's second oracle
/// (x509-parser, a dependency of `fuzz/` only): the serial's bytes and
/// each name's `(dotted OID, value bytes)` in order, when it read them
/// all; the validity in seconds since 1970, when it read that.
#[derive(Debug, PartialEq, Eq)]
pub struct Read {
    pub names: Option<Names>,
    pub validity: Option<(i64, i64)>,
}

/// The serial, the issuer and the subject.
pub type Names = (Vec<u8>, Vec<(String, Vec<u8>)>, Vec<(String, Vec<u8>)>);

pub fn x509(data: &[u8]) -> Read {
    let info: Option<CertInfo> = cert::parse(data);
    let validity = cert::validity(data);
    assert_eq!(
        cert::is_self_issued(data),
        info.as_ref().is_some_and(|c| c.subject == c.issuer)
    );
    for alg in ["sha1", "sha256", "sha384", "sha512", "md5"] {
        let d = cert::digest(data, alg);
        let len = match alg {
            "sha1" => 40,
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => {
                assert!(d.is_none());
                continue;
            }
        };
        let d = d.expect("digest");
        assert_eq!(d.len(), len);
        assert!(d
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
    let pem = cert::pem(data);
    let body = pem
        .strip_prefix("-----BEGIN CERTIFICATE-----\n")
        .and_then(|p| p.strip_suffix("-----END CERTIFICATE-----\n"))
        .expect("PEM armour");
    assert!(body.lines().all(|l| l.len() <= 64));
    let joined: Vec<u8> = body.lines().flat_map(str::bytes).collect();
    assert_eq!(naive::unb64(&joined), data, "PEM body");
    let read = Read {
        names: info.as_ref().map(|c| {
            let pairs = |n: &[cert::NameEntry]| {
                n.iter().map(|e| (e.oid.clone(), e.value.clone())).collect()
            };
            (c.serial.clone(), pairs(&c.issuer), pairs(&c.subject))
        }),
        validity,
    };
    if let Some(info) = info {
        let (from, until) = validity.expect("a certificate read whole has a validity");
        assert_eq!(seconds(&info.not_before), from, "{}", info.not_before);
        assert_eq!(seconds(&info.not_after), until, "{}", info.not_after);
        for e in info.issuer.iter().chain(&info.subject) {
            assert!(!e.oid.is_empty() && e.oid.split('.').all(|a| a.parse::<u64>().is_ok()));
            assert!(e.name == e.oid || e.name.bytes().all(|b| b.is_ascii_alphabetic()));
        }
    }
    read
}
