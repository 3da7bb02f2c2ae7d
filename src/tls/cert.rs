//! X.509 certificates as `getpeercertificate()` shows them: the subject and
//! issuer names, the validity dates, the DER digest and the PEM text.
//!
//! Replaces the parts of LuaSec's `x509.c` that `socket.tls` offers. A small
//! DER reader of our own walks the fields it needs (the signature itself is
//! checked by rustls/webpki during the handshake, never here), so no ASN.1
//! crate is pulled in. Malformed input gives `None`, never a panic.

/// One attribute of a distinguished name, as LuaSec's `subject()` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameEntry {
    /// Dotted OID, `"2.5.4.3"`.
    pub oid: String,
    /// OpenSSL's long name, `"commonName"` (the OID when unknown).
    pub name: String,
    /// The value's bytes (UTF-8 or ASCII in practice).
    pub value: Vec<u8>,
}

/// The fields of a certificate `socket.tls` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertInfo {
    pub serial: Vec<u8>,
    pub issuer: Vec<NameEntry>,
    pub subject: Vec<NameEntry>,
    /// `"Dec  6 00:00:00 2026 GMT"`, OpenSSL's `ASN1_TIME_print` form.
    pub not_before: String,
    pub not_after: String,
}

/// A DER element: tag and contents; `rest` is what follows it.
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
    rest: &'a [u8],
}

fn tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, input) = input.split_first()?;
    // Tag numbers from 31 on take more bytes (X.690 8.1.2.4); no field read
    // here has one, so such an element is refused rather than misread.
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || input.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &b in &input[..n] {
            len = (len << 8) | b as usize;
        }
        input = &input[n..];
        len
    };
    if input.len() < len {
        return None;
    }
    Some(Tlv {
        tag,
        body: &input[..len],
        rest: &input[len..],
    })
}

/// Reads an element with `tag`.
fn expect(input: &[u8], tag: u8) -> Option<Tlv<'_>> {
    tlv(input).filter(|t| t.tag == tag)
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const INTEGER: u8 = 0x02;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// The parts of a certificate's TBSCertificate this module reads.
struct Tbs<'a> {
    serial: Tlv<'a>,
    issuer: Tlv<'a>,
    subject: Tlv<'a>,
    not_before: Tlv<'a>,
    not_after: Tlv<'a>,
}

/// Walks a DER certificate to the fields it reads.
fn tbs(der: &[u8]) -> Option<Tbs<'_>> {
    let cert = expect(der, SEQUENCE)?;
    let tbs = expect(cert.body, SEQUENCE)?;
    let mut at = tbs.body;
    // [0] EXPLICIT version, optional.
    if let Some(v) = tlv(at).filter(|t| t.tag == 0xa0) {
        at = v.rest;
    }
    let serial = expect(at, INTEGER)?;
    let sig = expect(serial.rest, SEQUENCE)?;
    let issuer = expect(sig.rest, SEQUENCE)?;
    let validity = expect(issuer.rest, SEQUENCE)?;
    let subject = expect(validity.rest, SEQUENCE)?;
    let not_before = tlv(validity.body)?;
    let not_after = tlv(not_before.rest)?;
    Some(Tbs {
        serial,
        issuer,
        subject,
        not_before,
        not_after,
    })
}

/// Parses a DER certificate.
pub(crate) fn parse(der: &[u8]) -> Option<CertInfo> {
    let t = tbs(der)?;
    Some(CertInfo {
        serial: t.serial.body.to_vec(),
        issuer: name(t.issuer.body)?,
        subject: name(t.subject.body)?,
        not_before: time(&t.not_before)?,
        not_after: time(&t.not_after)?,
    })
}

/// A Name: SEQUENCE OF SET OF { OID, value }.
fn name(mut body: &[u8]) -> Option<Vec<NameEntry>> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let set = expect(body, SET)?;
        let mut inner = set.body;
        while !inner.is_empty() {
            let atv = expect(inner, SEQUENCE)?;
            let oid = expect(atv.body, OID)?;
            let value = tlv(oid.rest)?;
            let dotted = oid_text(oid.body)?;
            out.push(NameEntry {
                name: long_name(&dotted).map_or_else(|| dotted.clone(), str::to_string),
                oid: dotted,
                value: value.body.to_vec(),
            });
            inner = atv.rest;
        }
        body = set.rest;
    }
    Some(out)
}

/// The dotted form of an OID's contents.
fn oid_text(body: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for (i, &b) in body.iter().enumerate() {
        if v > (u64::MAX >> 7) {
            return None;
        }
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        } else if i + 1 == body.len() {
            return None;
        }
    }
    if arcs.is_empty() {
        return None;
    }
    let parts: Vec<String> = arcs.iter().map(u64::to_string).collect();
    Some(parts.join("."))
}

/// OpenSSL's long names of the usual name attributes.
fn long_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "commonName",
        "2.5.4.4" => "surname",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "countryName",
        "2.5.4.7" => "localityName",
        "2.5.4.8" => "stateOrProvinceName",
        "2.5.4.9" => "streetAddress",
        "2.5.4.10" => "organizationName",
        "2.5.4.11" => "organizationalUnitName",
        "2.5.4.12" => "title",
        "2.5.4.42" => "givenName",
        "2.5.4.46" => "dnQualifier",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "domainComponent",
        "0.9.2342.19200300.100.1.1" => "userId",
        _ => return None,
    })
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A validity time's fields: year, month (1-12), day, hour, minute, second.
type Fields = (u32, u32, u32, u32, u32, u32);

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn fields(t: &Tlv<'_>) -> Option<Fields> {
    let s = std::str::from_utf8(t.body).ok()?;
    let digits = s.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (t.tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy: u32 = digits[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &digits[2..])
        }
        (GENERALIZED_TIME, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let num = |r: std::ops::Range<usize>| rest[r].parse::<u32>().ok();
    let f = (
        year,
        num(0..2)?,
        num(2..4)?,
        num(4..6)?,
        num(6..8)?,
        num(8..10)?,
    );
    let ok = (1..=12).contains(&f.1) && (1..=31).contains(&f.2) && f.3 < 24 && f.4 < 60 && f.5 < 61;
    ok.then_some(f)
}

/// A validity time in OpenSSL's printed form, `"Dec  6 00:00:00 2026 GMT"`.
fn time(t: &Tlv<'_>) -> Option<String> {
    let (year, month, day, h, m, sec) = fields(t)?;
    let month = MONTHS[month as usize - 1];
    Some(format!(
        "{month} {day:>2} {h:02}:{m:02}:{sec:02} {year} GMT"
    ))
}

/// Seconds since 1970 (days from the civil date, proleptic Gregorian).
fn unix_seconds((year, month, day, h, m, s): Fields) -> i64 {
    let (y, mo) = (i64::from(year), i64::from(month));
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s)
}

/// The validity period, notBefore and notAfter in seconds since 1970.
pub(crate) fn validity(der: &[u8]) -> Option<(i64, i64)> {
    let t = tbs(der)?;
    Some((
        unix_seconds(fields(&t.not_before)?),
        unix_seconds(fields(&t.not_after)?),
    ))
}

/// `digest(alg)`: the lowercase hex digest of the DER bytes; `alg` is
/// `"sha1"` (LuaSec's default), `"sha256"`, `"sha384"` or `"sha512"`.
pub(crate) fn digest(der: &[u8], alg: &str) -> Option<String> {
    use ring::digest;
    let alg = match alg {
        "sha1" => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        "sha256" => &digest::SHA256,
        "sha384" => &digest::SHA384,
        "sha512" => &digest::SHA512,
        _ => return None,
    };
    Some(hex(digest::digest(alg, der).as_ref()))
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `pem()`: the certificate as PEM text, 64 base64 characters a line.
pub(crate) fn pem(der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = Vec::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                b64.push(b'=');
            }
        }
    }
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or(""));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Whether a certificate names itself as its issuer (a self-signed one).
pub(crate) fn is_self_issued(der: &[u8]) -> bool {
    parse(der).is_some_and(|c| c.subject == c.issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_and_times() {
        assert_eq!(oid_text(&[0x55, 0x04, 0x03]).as_deref(), Some("2.5.4.3"));
        assert_eq!(
            oid_text(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]).as_deref(),
            Some("1.2.840.113549.1.9.1")
        );
        assert_eq!(oid_text(&[0x86]), None);
        let t = Tlv {
            tag: UTC_TIME,
            body: b"261206001318Z",
            rest: &[],
        };
        assert_eq!(time(&t).as_deref(), Some("Dec  6 00:13:18 2026 GMT"));
        let g = Tlv {
            tag: GENERALIZED_TIME,
            body: b"20501231235959Z",
            rest: &[],
        };
        assert_eq!(time(&g).as_deref(), Some("Dec 31 23:59:59 2050 GMT"));
        let bad = Tlv {
            tag: UTC_TIME,
            body: b"261306001318Z",
            rest: &[],
        };
        assert_eq!(time(&bad), None);
        assert_eq!(unix_seconds(fields(&t).unwrap()), 1_796_515_998);
        assert_eq!(unix_seconds((1970, 1, 1, 0, 0, 0)), 0);
        assert_eq!(unix_seconds((2000, 3, 1, 0, 0, 0)), 951_868_800);
        assert_eq!(unix_seconds((2050, 12, 31, 23, 59, 59)), 2_556_143_999);
    }

    #[test]
    fn pem_wraps_base64() {
        let p = pem(b"hello");
        assert_eq!(
            p,
            "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"
        );
        assert_eq!(hex(&[0, 0xab]), "00ab");
        assert!(digest(b"", "md5").is_none());
        assert_eq!(
            digest(b"", "sha256").unwrap(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_tag_number_over_30_is_refused() {
        // [UNIVERSAL 31] "s": the tag number is in the second byte
        assert!(tlv(&[0x1f, 0x1f, 0x01, b's']).is_none());
        assert!(tlv(&[0xff, 0x01, b's']).is_none());
        let t = tlv(&[0x1e, 0x01, b's', 0x00]).expect("BMPString, tag 30");
        assert_eq!((t.tag, t.body, t.rest), (0x1e, &b"s"[..], &[0u8][..]));
    }

    #[test]
    fn truncated_input_is_refused_at_every_length() {
        // A minimal certificate-shaped structure.
        let name = [
            0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03, b'a', b'b', b'c',
        ];
        let mut seq_name = vec![0x30, name.len() as u8];
        seq_name.extend_from_slice(&name);
        let mut validity = vec![0x30, 30, 0x17, 13];
        validity.extend_from_slice(b"261206001318Z");
        validity.extend_from_slice(&[0x17, 13]);
        validity.extend_from_slice(b"261207001318Z");
        let mut tbs_body = vec![0x02, 0x01, 0x07, 0x30, 0x00];
        tbs_body.extend_from_slice(&seq_name);
        tbs_body.extend_from_slice(&validity);
        tbs_body.extend_from_slice(&seq_name);
        let mut tbs = vec![0x30, tbs_body.len() as u8];
        tbs.extend_from_slice(&tbs_body);
        let mut cert = vec![0x30, tbs.len() as u8];
        cert.extend_from_slice(&tbs);
        let info = parse(&cert).expect("parses");
        assert_eq!(info.subject[0].name, "commonName");
        assert_eq!(info.subject[0].value, b"abc");
        assert_eq!(info.not_after, "Dec  7 00:13:18 2026 GMT");
        assert_eq!(super::validity(&cert), Some((1_796_515_998, 1_796_602_398)));
        assert!(is_self_issued(&cert));
        for n in 0..cert.len() {
            assert!(parse(&cert[..n]).is_none(), "prefix {n}");
        }
    }
}
