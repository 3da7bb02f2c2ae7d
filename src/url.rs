//! Percent-encoding for `socket.url`: `escape`, `unescape`, and the
//! segment protection `build_path` applies.
//!
//! LuaSocket does these in Lua (`url.lua`) with `string.gsub` and a closure
//! per escaped byte; HTTP code calls them on every request, so they are
//! native here. The results are LuaSocket's byte for byte:
//! - `escape` writes every byte other than `A-Z a-z 0-9 _` as `%xx` with
//!   lower-case hex digits;
//! - `unescape` turns every `%` followed by two hex digits (either case)
//!   into that byte and leaves any other `%` as it is;
//! - segment protection also keeps `- _ . ! ~ * ' ( ) : @ & = + $ ,` and
//!   writes upper-case hex digits.
//!
//! The functions work on plain byte slices; `glue/url.rs` (built with a Lua
//! version) reads the Lua arguments and pushes the results. When nothing needs to
//! change, the glue returns the argument string itself instead of a copy.

/// Bytes that `escape` leaves alone: `A-Z a-z 0-9 _`.
static ESCAPE_KEEP: [bool; 256] = keep_table(b"_");

/// Bytes that segment protection leaves alone: those of `escape`, plus the
/// sub-delimiters and the few marks LuaSocket allows in a path segment.
static SEGMENT_KEEP: [bool; 256] = keep_table(b"_-.!~*'():@&=+$,");

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// A byte table marking ASCII letters, digits and the bytes of `extra`.
const fn keep_table(extra: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
}

/// The index of the first byte that `keep` does not accept.
fn first_unkept(input: &[u8], keep: &[bool; 256]) -> Option<usize> {
    input.iter().position(|&b| !keep[b as usize])
}

/// Whether every byte of `input` is in `keep`: eight bytes per branch, as
/// URL parts are mostly kept whole (this is the fast path of `escape`).
fn all_kept(input: &[u8], keep: &[bool; 256]) -> bool {
    let kept = |acc: bool, b: &u8| acc & keep[*b as usize];
    let mut words = input.chunks_exact(8);
    for w in &mut words {
        if !w.iter().fold(true, kept) {
            return false;
        }
    }
    words.remainder().iter().fold(true, kept)
}

/// Appends `input` to `out`, bytes outside `keep` written as `%XY`.
fn encode(input: &[u8], keep: &[bool; 256], hex: &[u8; 16], out: &mut Vec<u8>) {
    out.reserve(input.len() + input.len() / 2);
    let mut rest = input;
    while let Some(i) = first_unkept(rest, keep) {
        out.extend_from_slice(&rest[..i]);
        let b = rest[i];
        out.extend_from_slice(&[b'%', hex[(b >> 4) as usize], hex[(b & 15) as usize]]);
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// Whether `escape` would change `input`.
pub(crate) fn escape_changes(input: &[u8]) -> bool {
    !all_kept(input, &ESCAPE_KEEP)
}

/// `url.escape`: appends `input` to `out` with every byte other than
/// `A-Z a-z 0-9 _` written as `%xx` (lower-case hex).
pub(crate) fn escape(input: &[u8], out: &mut Vec<u8>) {
    encode(input, &ESCAPE_KEEP, LOWER_HEX, out)
}

/// Whether segment protection would change `input`.
pub(crate) fn protect_changes(input: &[u8]) -> bool {
    !all_kept(input, &SEGMENT_KEEP)
}

/// The protection `url.build_path` gives each segment: like [`escape`], but
/// path-safe marks stay as they are and hex digits are upper-case.
pub(crate) fn protect_segment(input: &[u8], out: &mut Vec<u8>) {
    encode(input, &SEGMENT_KEEP, UPPER_HEX, out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The byte a `%XY` escape starting at `s[0]` stands for, if it is one.
fn escaped_byte(s: &[u8]) -> Option<u8> {
    match s {
        [b'%', hi, lo, ..] => Some(hex_value(*hi)? << 4 | hex_value(*lo)?),
        _ => None,
    }
}

/// Whether `unescape` would change `input`.
pub(crate) fn unescape_changes(input: &[u8]) -> bool {
    memchr::memchr_iter(b'%', input).any(|i| escaped_byte(&input[i..]).is_some())
}

/// `url.unescape`: appends `input` to `out` with every `%XY` (two hex
/// digits, either case) replaced by its byte. A `%` not followed by two hex
/// digits is copied as it is, and scanning goes on right after it.
pub(crate) fn unescape(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(input.len());
    let mut rest = input;
    while let Some(i) = memchr::memchr(b'%', rest) {
        out.extend_from_slice(&rest[..i]);
        match escaped_byte(&rest[i..]) {
            Some(b) => {
                out.push(b);
                rest = &rest[i + 3..];
            }
            None => {
                out.push(b'%');
                rest = &rest[i + 1..];
            }
        }
    }
    out.extend_from_slice(rest);
}

/// The oracles: the slow, obvious way, byte by byte, as LuaSocket's gsub
/// patterns read. The unit tests below and the fuzz target compare with them.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod naive {
    /// Runs an encoder over `s` into a buffer that already holds bytes,
    /// checks it only appended, and returns what it appended.
    pub(crate) fn appended(f: fn(&[u8], &mut Vec<u8>), s: &[u8]) -> Vec<u8> {
        let mut out = b"kept:".to_vec();
        f(s, &mut out);
        assert!(out.starts_with(b"kept:"), "output is appended");
        out.split_off(5)
    }

    pub(crate) fn escape(s: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for &b in s {
            if b.is_ascii_alphanumeric() || b == b'_' {
                v.push(b);
            } else {
                v.extend_from_slice(format!("%{b:02x}").as_bytes());
            }
        }
        v
    }

    pub(crate) fn protect(s: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for &b in s {
            if b.is_ascii_alphanumeric() || b"_-.!~*'():@&=+$,".contains(&b) {
                v.push(b);
            } else {
                v.extend_from_slice(format!("%{b:02X}").as_bytes());
            }
        }
        v
    }

    pub(crate) fn unescape(s: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        let mut i = 0;
        while i < s.len() {
            if s[i] == b'%'
                && i + 2 < s.len()
                && s[i + 1].is_ascii_hexdigit()
                && s[i + 2].is_ascii_hexdigit()
            {
                let h = std::str::from_utf8(&s[i + 1..i + 3]).unwrap();
                v.push(u8::from_str_radix(h, 16).unwrap());
                i += 3;
            } else {
                v.push(s[i]);
                i += 1;
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    /// Random strings over an alphabet rich in `%`, hex digits and marks.
    fn samples() -> Vec<Vec<u8>> {
        let alphabet = b"%%%%0123456789abcdefABCDEFgxyzGXYZ_-.!~*'():@&=+$,/?# \r\n\0\x7f\x80\xff";
        let mut rng = Rng::new(7);
        let mut v: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"%".to_vec(),
            b"%4".to_vec(),
            b"%41".to_vec(),
            b"%%41".to_vec(),
            b"%4g".to_vec(),
            (0..=255u8).collect(),
        ];
        for _ in 0..3000 {
            let len = rng.below(24);
            v.push(
                (0..len)
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect(),
            );
        }
        v
    }

    #[test]
    fn escape_matches_naive() {
        for s in samples() {
            assert_eq!(naive::appended(escape, &s), naive::escape(&s), "{s:?}");
            assert_eq!(escape_changes(&s), naive::escape(&s) != s);
        }
        assert_eq!(naive::appended(escape, b"a b/c_D9\xff"), b"a%20b%2fc_D9%ff");
    }

    #[test]
    fn unescape_matches_naive() {
        for s in samples() {
            assert_eq!(naive::appended(unescape, &s), naive::unescape(&s), "{s:?}");
            assert_eq!(unescape_changes(&s), naive::unescape(&s) != s);
        }
        assert_eq!(naive::appended(unescape, b"%41%4a%4A%%41%4%"), b"AJJ%A%4%");
    }

    #[test]
    fn protect_matches_naive() {
        for s in samples() {
            assert_eq!(
                naive::appended(protect_segment, &s),
                naive::protect(&s),
                "{s:?}"
            );
            assert_eq!(protect_changes(&s), naive::protect(&s) != s);
        }
        assert_eq!(naive::appended(protect_segment, b"a b/c:@"), b"a%20b%2Fc:@");
    }

    #[test]
    fn unescape_undoes_escape() {
        for s in samples() {
            let e = naive::appended(escape, &s);
            assert_eq!(naive::appended(unescape, &e), s);
            let p = naive::appended(protect_segment, &s);
            assert_eq!(naive::appended(unescape, &p), s);
        }
    }
}
