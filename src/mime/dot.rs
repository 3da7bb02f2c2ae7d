//! SMTP dot-stuffing (RFC 5321 §4.5.2) in the chunked form of `mime.core`'s
//! `dot`.
//!
//! Replaces `mime_global_dot` of LuaSocket's `mime.c`, with the same output:
//! every byte is copied, and a `.` right after CRLF gets a second `.`. The
//! state carried between calls counts how much of a CRLF was just seen (1
//! after CR, 2 after CRLF; `mime.stuff()` starts at 2, as at the start of a
//! line); any other value behaves as 0.
//!
//! Difference on purpose: the dots are found with memchr and the output is
//! the input copied in runs, a `.` added where a dot starts a line.

use super::Out;
use memchr::memchr_iter;

/// `dot(state, input)`: appends the stuffed `input` to `out` and returns the
/// new state.
pub(crate) fn dot(state: u64, input: &[u8], out: &mut Out) -> u64 {
    let Some(&last) = input.last() else {
        return state;
    };
    // The output is the input with a `.` added after some dots: copy the
    // runs between those, starting at `lit`.
    let mut lit = 0;
    for p in memchr_iter(b'.', input) {
        let after_crlf = match p {
            0 => state == 2,
            1 => state == 1 && input[0] == b'\n',
            _ => input[p - 2] == b'\r' && input[p - 1] == b'\n',
        };
        if after_crlf {
            out.extend(&input[lit..=p]);
            out.push(b'.');
            lit = p + 1;
        }
    }
    out.extend(&input[lit..]);
    // The state after the last byte depends on the last two.
    match last {
        b'\r' => 1,
        b'\n' => {
            let cr_before = match input.len() {
                1 => state == 1,
                len => input[len - 2] == b'\r',
            };
            if cr_before {
                2
            } else {
                0
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::naive;
    use crate::testutil::{splits, Rng};

    #[test]
    fn stuffs_dots_at_line_starts() {
        let mut out = Out::default();
        assert_eq!(dot(2, b".a\r\n..b\n.c\r\n", &mut out), 2);
        assert_eq!(out.as_slice(), b"..a\r\n...b\n.c\r\n");
        out.clear();
        assert_eq!(dot(5, b"", &mut out), 5);
        assert_eq!(dot(1, b"\n.", &mut out), 0);
        assert_eq!(out.as_slice(), b"\n..");
    }

    #[test]
    fn matches_the_naive_version_in_chunks() {
        let mut rng = Rng::new(5321);
        for _ in 0..2000 {
            let len = rng.below(100);
            let x = rng.noisy_text(len, b"a.\r\n\r\n.");
            let start = rng.below(4) as u64;
            let mut out = Out::default();
            let mut state = start;
            for part in splits(&mut rng, &x) {
                state = dot(state, part, &mut out);
            }
            assert_eq!(
                (out.as_slice().to_vec(), state),
                naive::dot(start, &x),
                "{x:?}"
            );
        }
    }
}
