//! Line wrapping in the chunked form of `mime.core`'s `wrp` (for text and
//! base64) and `qpwrp` (for quoted-printable).
//!
//! Replaces `mime_global_wrp` and `mime_global_qpwrp` of LuaSocket's
//! `mime.c`, with the same output. Both drop every CR, turn every LF into
//! CRLF and count how many bytes are `left` on the current line. `wrp`
//! breaks with CRLF before a byte when nothing is left; `qpwrp` breaks with a
//! soft break `=\r\n` before an ordinary byte when at most 1 is left and
//! before `=` when at most 3 are left, so an `=XX` escape is never split.
//!
//! The counters are C `int`s in LuaSocket and keep their arithmetic here
//! (a zero or negative `length` breaks before every byte; the decrement
//! wraps around). Difference on purpose: runs of bytes that fit on the
//! line are found with memchr and copied at once.

use super::Out;
use memchr::memchr2;

/// `wrp`'s line break.
pub(crate) const CRLF: &[u8] = b"\r\n";
/// `qpwrp`'s soft line break.
pub(crate) const SOFT_BREAK: &[u8] = b"=\r\n";

/// How many more bytes may follow on the line while `left > min` holds
/// before each one.
fn room(left: i32, min: i32) -> usize {
    (left as i64 - min as i64).max(0) as usize
}

/// `wrp(left, input, length)`: appends `input` wrapped to `out` and returns
/// the new `left`.
pub(crate) fn wrap_text(mut left: i32, length: i32, input: &[u8], out: &mut Out) -> i32 {
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'\r' => i += 1,
            b'\n' => {
                out.extend(CRLF);
                left = length;
                i += 1;
            }
            c => {
                if left <= 0 {
                    out.extend(CRLF);
                    left = length;
                }
                out.push(c);
                left = left.wrapping_sub(1);
                i += 1;
                // The bytes that still fit, up to the next CR or LF.
                let span = &input[i..(i + room(left, 0)).min(input.len())];
                let n = memchr2(b'\r', b'\n', span).unwrap_or(span.len());
                out.extend(&span[..n]);
                left -= n as i32;
                i += n;
            }
        }
    }
    left
}

/// `qpwrp(left, input, length)`: appends `input` wrapped to `out` and
/// returns the new `left`.
pub(crate) fn wrap_qp(mut left: i32, length: i32, input: &[u8], out: &mut Out) -> i32 {
    let n = input.len();
    // `lit` starts the run of bytes copied unchanged.
    let (mut i, mut lit) = (0, 0);
    while i < n {
        // While more than 3 are left no byte needs a break before it, so
        // only CR and LF need a look.
        let span = &input[i..(i + room(left, 3)).min(n)];
        let k = memchr2(b'\r', b'\n', span).unwrap_or(span.len());
        left -= k as i32;
        i += k;
        if i == n {
            break;
        }
        match input[i] {
            b'\r' => {
                out.extend(&input[lit..i]);
                i += 1;
                lit = i;
            }
            b'\n' => {
                out.extend(&input[lit..i]);
                out.extend(CRLF);
                left = length;
                i += 1;
                lit = i;
            }
            c => {
                // An escape needs room for all three of its bytes.
                let need = if c == b'=' { 3 } else { 1 };
                if left <= need {
                    out.extend(&input[lit..i]);
                    out.extend(SOFT_BREAK);
                    lit = i;
                    left = length;
                }
                left = left.wrapping_sub(1);
                i += 1;
            }
        }
    }
    out.extend(&input[lit..]);
    left
}

/// What `wrp(left, nil, length)` returns first: a final CRLF when the last
/// line is unterminated.
pub(crate) fn text_end(left: i32, length: i32) -> Option<&'static [u8]> {
    (left < length).then_some(CRLF)
}

/// What `qpwrp(left, nil, length)` returns first: a final soft break when
/// the last line is unterminated.
pub(crate) fn qp_end(left: i32, length: i32) -> Option<&'static [u8]> {
    (left < length).then_some(SOFT_BREAK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::naive;
    use crate::testutil::{splits, Rng};

    fn text(left: i32, length: i32, input: &[u8]) -> (Vec<u8>, i32) {
        let mut out = Out::default();
        let left = wrap_text(left, length, input, &mut out);
        (out.as_slice().to_vec(), left)
    }

    fn qp(left: i32, length: i32, input: &[u8]) -> (Vec<u8>, i32) {
        let mut out = Out::default();
        let left = wrap_qp(left, length, input, &mut out);
        (out.as_slice().to_vec(), left)
    }

    #[test]
    fn wraps_like_luasocket() {
        assert_eq!(
            text(4, 4, b"abcdefghij"),
            (b"abcd\r\nefgh\r\nij".to_vec(), 2)
        );
        assert_eq!(text(4, 4, b"ab\ncd\r\nef"), (b"ab\r\ncd\r\nef".to_vec(), 2));
        assert_eq!(text(0, 3, b"x"), (b"\r\nx".to_vec(), 2));
        assert_eq!(text(2, 0, b"abc"), (b"ab\r\nc".to_vec(), -1));
        assert_eq!(qp(6, 6, b"abcdefgh"), (b"abcde=\r\nfgh".to_vec(), 3));
        assert_eq!(qp(5, 5, b"ab=3Dcd"), (b"ab=\r\n=3Dc=\r\nd".to_vec(), 4));
        assert_eq!(text_end(3, 76), Some(CRLF));
        assert_eq!(text_end(76, 76), None);
        assert_eq!(qp_end(0, 76), Some(SOFT_BREAK));
    }

    #[test]
    fn matches_the_naive_version_in_chunks() {
        let mut rng = Rng::new(76);
        let lengths = [76, 1, 2, 3, 4, 5, 0, -1, 10, i32::MIN, i32::MAX];
        for _ in 0..2000 {
            let len = rng.below(200);
            let x = rng.noisy_text(len, b"ab=\r\n\n=3D ");
            let length = lengths[rng.below(lengths.len())];
            let start = [length, 0, 3, -5, i32::MIN, i32::MAX][rng.below(6)];
            let mut got = (Out::default(), start);
            let mut got_qp = (Out::default(), start);
            for part in splits(&mut rng, &x) {
                got.1 = wrap_text(got.1, length, part, &mut got.0);
                got_qp.1 = wrap_qp(got_qp.1, length, part, &mut got_qp.0);
            }
            let got = (got.0.as_slice().to_vec(), got.1);
            let got_qp = (got_qp.0.as_slice().to_vec(), got_qp.1);
            assert_eq!(
                got,
                naive::wrap(start, length, &x, false),
                "wrp {start} {length} {x:?}"
            );
            assert_eq!(
                got_qp,
                naive::wrap(start, length, &x, true),
                "qpwrp {start} {length} {x:?}"
            );
        }
    }
}
