//! End-of-line normalisation in the chunked form of `mime.core`'s `eol`.
//!
//! Replaces `mime_global_eol` of LuaSocket's `mime.c`, with the same output.
//! CR and LF are both line-end candidates: a candidate after a byte that is
//! not one writes the marker; a second candidate writes another marker only
//! if it repeats the first (`\n\n`, `\r\r`), so `\r\n` and `\n\r` each give
//! one. The state carried between calls is the previous candidate's code
//! (13 or 10) or 0; any other value behaves as 0.
//!
//! Difference on purpose: candidates are found with memchr and the bytes
//! between them copied at once (with a CRLF marker, CRLF pairs too).

use super::swar::{clear_prefix, equal_bytes, word};
use super::Out;
use memchr::{memchr2, memchr2_iter};

/// The index of the first CR or LF from `from` on. Candidates are often a
/// few dozen bytes apart, where a word-at-a-time scan beats `memchr2`
/// (which starts with wide, aligned blocks); long runs go to `memchr2`.
#[inline(always)]
fn next_candidate(input: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let stop = input.len().min(from + 64);
    while i + 8 <= stop {
        let x = word(&input[i..i + 8]);
        let flags = equal_bytes(x, b'\r') | equal_bytes(x, b'\n');
        if flags != 0 {
            return Some(i + clear_prefix(flags));
        }
        i += 8;
    }
    memchr2(b'\r', b'\n', &input[i..]).map(|k| i + k)
}

fn is_candidate(c: i32) -> bool {
    c == b'\r' as i32 || c == b'\n' as i32
}

/// `eol(last, input, marker)`: appends the normalised `input` to `out` and
/// returns the new state.
pub(crate) fn eol(mut last: i32, input: &[u8], marker: &[u8], out: &mut Out) -> i32 {
    // In pieces, so that the room asked for the worst case stays small:
    // the output does not depend on them.
    for piece in input.chunks(64 * 1024) {
        last = eol_piece(last, piece, marker, out);
    }
    last
}

fn eol_piece(mut last: i32, input: &[u8], marker: &[u8], out: &mut Out) -> i32 {
    let n = input.len();
    let mut w = out.len();
    // Each candidate gives at most one marker, every other byte itself.
    let markers = if marker.len() <= 2 {
        n
    } else {
        memchr2_iter(b'\r', b'\n', input).count()
    };
    let buf = out.room(n + markers * marker.len().saturating_sub(1));
    // A CRLF met with no candidate before it becomes the marker; when the
    // marker is CRLF it stays as it is, inside the run of unchanged bytes
    // that starts at `lit`.
    let keep_crlf = marker == b"\r\n";
    let put = |buf: &mut [u8], w: &mut usize, bytes: &[u8]| {
        buf[*w..*w + bytes.len()].copy_from_slice(bytes);
        *w += bytes.len();
    };
    let (mut i, mut lit) = (0, 0);
    while let Some(j) = next_candidate(input, i) {
        if j > i {
            last = 0;
        }
        let c = input[j] as i32;
        if is_candidate(last) {
            // The second of a pair: another marker only for \r\r or \n\n.
            put(buf, &mut w, &input[lit..j]);
            if c == last {
                put(buf, &mut w, marker);
            }
            last = 0;
            i = j + 1;
            lit = i;
        } else if keep_crlf && c == b'\r' as i32 && input.get(j + 1) == Some(&b'\n') {
            last = 0;
            i = j + 2;
        } else {
            put(buf, &mut w, &input[lit..j]);
            if keep_crlf {
                buf[w] = b'\r';
                buf[w + 1] = b'\n';
                w += 2;
            } else {
                put(buf, &mut w, marker);
            }
            last = c;
            i = j + 1;
            lit = i;
        }
    }
    if i < n {
        last = 0;
    }
    put(buf, &mut w, &input[lit..]);
    out.set_len(w);
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::naive;
    use crate::testutil::{splits, Rng};

    fn one(last: i32, input: &[u8], marker: &[u8]) -> (Vec<u8>, i32) {
        let mut out = Out::default();
        let last = eol(last, input, marker, &mut out);
        (out.as_slice().to_vec(), last)
    }

    #[test]
    fn every_convention_gives_one_marker() {
        for text in [&b"a\r\nb"[..], b"a\nb", b"a\rb", b"a\n\rb"] {
            assert_eq!(one(0, text, b"\r\n"), (b"a\r\nb".to_vec(), 0));
        }
        assert_eq!(one(0, b"a\n\nb", b"|"), (b"a||b".to_vec(), 0));
        assert_eq!(one(0, b"a\r\r\n", b"|"), (b"a|||".to_vec(), 10));
        assert_eq!(one(0, b"a\r", b"|"), (b"a|".to_vec(), 13));
        // The state carries a CR into the next call.
        assert_eq!(one(13, b"\nb", b"|"), (b"b".to_vec(), 0));
        assert_eq!(one(10, b"", b"|"), (Vec::new(), 10));
        assert_eq!(one(7, b"\n", b"|"), (b"|".to_vec(), 10));
    }

    #[test]
    fn long_lines_match_the_naive_version() {
        let mut rng = Rng::new(72);
        let pieces: &[&[u8]] = &[b"\r\n", b"\n", b"\r", b"\n\r", b"\n\n", b"\r\r\n"];
        for round in 0..400 {
            let len = rng.below(600);
            let x = rng.sparse_text(len, pieces, 2 + round % 150);
            for marker in [&b"\r\n"[..], b"\n", b"<br />\r\n"] {
                let start = [0, 10, 13][rng.below(3)];
                let mut out = Out::default();
                let mut last = start;
                for part in splits(&mut rng, &x) {
                    last = eol(last, part, marker, &mut out);
                }
                assert_eq!(
                    (out.as_slice().to_vec(), last),
                    naive::eol(start, &x, marker),
                    "{x:?}"
                );
            }
        }
    }

    #[test]
    fn matches_the_naive_version_in_chunks() {
        let mut rng = Rng::new(13);
        for _ in 0..2000 {
            let len = rng.below(100);
            let x = rng.noisy_text(len, b"ab\r\n\r\n\n\r\x80");
            let start = [0, 10, 13, 42][rng.below(4)];
            for marker in [&b"<>"[..], b"\r\n", b"", b"<br />\r\n"] {
                let mut out = Out::default();
                let mut last = start;
                for part in splits(&mut rng, &x) {
                    last = eol(last, part, marker, &mut out);
                }
                assert_eq!(
                    (out.as_slice().to_vec(), last),
                    naive::eol(start, &x, marker),
                    "{x:?}"
                );
            }
        }
    }
}
