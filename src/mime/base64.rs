//! Base64 (RFC 2045 §6.8, RFC 4648 §4) in the chunked form of `mime.core`'s
//! `b64` and `unb64`.
//!
//! Replaces the base64 half of LuaSocket's `mime.c`. The results are the
//! same byte for byte, including its lenient decoding: bytes outside the
//! alphabet are skipped, `=` counts as a zero digit wherever it appears, and
//! a quad with `=` in its third place yields one byte, with `=` only in its
//! fourth place two. Differences on purpose: whole groups are converted in
//! bulk (two output characters per table lookup when encoding, a four-digit
//! fast path when decoding) instead of one byte per function call.
//!
//! State between calls is what Lua carries in the second result: the bytes
//! of an unfinished group (at most 2 when encoding, at most 3 alphabet
//! characters when decoding).

use super::Out;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks `=` in [`DIGITS`]: a digit worth zero that also ends the data.
const PAD: u8 = 64;
/// Marks every byte outside the alphabet in [`DIGITS`]: it is skipped.
const SKIP: u8 = 255;

/// Byte -> digit value (0..=63), [`PAD`] or [`SKIP`].
static DIGITS: [u8; 256] = {
    let mut t = [SKIP; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t[b'=' as usize] = PAD;
    t
};

/// Twelve input bits -> the two output characters that encode them.
static PAIRS: [[u8; 2]; 4096] = {
    let mut t = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = [ALPHABET[i >> 6], ALPHABET[i & 63]];
        i += 1;
    }
    t
};

/// Encodes whole 3-byte groups of `input` (its length must be a multiple of 3).
fn encode_groups(input: &[u8], out: &mut Out) {
    debug_assert_eq!(input.len() % 3, 0);
    let start = out.len();
    let size = input.len() / 3 * 4;
    let dst = &mut out.room(size)[start..start + size];
    for (src, dst) in input.chunks_exact(3).zip(dst.chunks_exact_mut(4)) {
        let v = (src[0] as usize) << 16 | (src[1] as usize) << 8 | src[2] as usize;
        let hi = PAIRS[v >> 12];
        let lo = PAIRS[v & 0xfff];
        dst[0] = hi[0];
        dst[1] = hi[1];
        dst[2] = lo[0];
        dst[3] = lo[1];
    }
    out.set_len(start + size);
}

/// The encoding side of `b64`: feed it the chunks, then either take the
/// unfinished group back ([`Encoder::rest`]) or pad it ([`Encoder::finish`]).
#[derive(Default)]
pub(crate) struct Encoder {
    held: [u8; 3],
    n: usize,
}

impl Encoder {
    /// Appends to `out` the encoding of every complete group.
    pub(crate) fn feed(&mut self, mut input: &[u8], out: &mut Out) {
        if self.n > 0 {
            let take = (3 - self.n).min(input.len());
            self.held[self.n..self.n + take].copy_from_slice(&input[..take]);
            self.n += take;
            input = &input[take..];
            if self.n < 3 {
                return;
            }
            let group = self.held;
            encode_groups(&group, out);
            self.n = 0;
        }
        let whole = input.len() - input.len() % 3;
        encode_groups(&input[..whole], out);
        let rest = &input[whole..];
        self.held[..rest.len()].copy_from_slice(rest);
        self.n = rest.len();
    }

    /// The bytes of the unfinished group (0, 1 or 2 of them).
    pub(crate) fn rest(&self) -> &[u8] {
        &self.held[..self.n]
    }

    /// Encodes the unfinished group, if any, with `=` padding.
    pub(crate) fn finish(&mut self, out: &mut Out) {
        match self.n {
            1 => {
                let v = (self.held[0] as usize) << 4;
                out.extend(&[ALPHABET[v >> 6], ALPHABET[v & 63], b'=', b'=']);
            }
            2 => {
                let v = ((self.held[0] as usize) << 8 | self.held[1] as usize) << 2;
                out.extend(&[
                    ALPHABET[v >> 12],
                    ALPHABET[(v >> 6) & 63],
                    ALPHABET[v & 63],
                    b'=',
                ]);
            }
            _ => {}
        }
        self.n = 0;
    }
}

/// The decoding side of `unb64`. Only alphabet characters and `=` are kept
/// in the unfinished quad; at the end of the data an unfinished quad is
/// dropped (LuaSocket adds nothing for it).
#[derive(Default)]
pub(crate) struct Decoder {
    held: [u8; 4],
    n: usize,
}

impl Decoder {
    /// Adds one byte to the quad; once it has four digits, writes its bytes
    /// at `out[*w..]` (which has room for them).
    fn push(&mut self, c: u8, out: &mut [u8], w: &mut usize) {
        if DIGITS[c as usize] == SKIP {
            return;
        }
        self.held[self.n] = c;
        self.n += 1;
        if self.n < 4 {
            return;
        }
        self.n = 0;
        let q = self.held;
        let mut v = 0u32;
        for &c in &q {
            // `=` is worth zero wherever it is.
            v = v << 6 | (DIGITS[c as usize] & 63) as u32;
        }
        let keep = if q[2] == b'=' {
            1
        } else if q[3] == b'=' {
            2
        } else {
            3
        };
        out[*w..*w + keep].copy_from_slice(&v.to_be_bytes()[1..1 + keep]);
        *w += keep;
    }

    /// Appends to `out` the bytes of every complete quad.
    pub(crate) fn feed(&mut self, input: &[u8], out: &mut Out) {
        // Every 4 digits kept give at most 3 bytes; 8 more bytes for the
        // whole-word stores of the fast path.
        let mut w = out.len();
        let buf = out.room((self.n + input.len()) / 4 * 3 + 8);
        let mut i = 0;
        while i < input.len() {
            if self.n == 0 {
                let before = i;
                let (used, written) = decode_plain_quads(&input[i..], &mut buf[w..]);
                i += used;
                w += written;
                // Line breaks and other bytes outside the alphabet.
                while i < input.len() && DIGITS[input[i] as usize] == SKIP {
                    i += 1;
                }
                if i != before {
                    continue;
                }
            }
            // Padding, a quad broken by skipped bytes, or the last few
            // digits: one byte at a time.
            self.push(input[i], buf, &mut w);
            i += 1;
        }
        out.set_len(w);
    }

    /// The alphabet characters (and `=`) of the unfinished quad.
    pub(crate) fn rest(&self) -> &[u8] {
        &self.held[..self.n]
    }
}

/// Marks a byte outside the alphabet (or `=`) in [`SHIFTED`].
const NOT_PLAIN: u32 = 1 << 31;

/// For each place k in a quad, byte -> its digit shifted to that place's
/// bits of the 24-bit group, or [`NOT_PLAIN`].
static SHIFTED: [[u32; 256]; 4] = {
    let mut t = [[NOT_PLAIN; 256]; 4];
    let mut k = 0;
    while k < 4 {
        let mut c = 0;
        while c < 256 {
            if DIGITS[c] < 64 {
                t[k][c] = (DIGITS[c] as u32) << (18 - 6 * k);
            }
            c += 1;
        }
        k += 1;
    }
    t
};

/// The 24 bits of a quad of plain digits, or a value with [`NOT_PLAIN`].
#[inline(always)]
fn quad_bits(q: &[u8]) -> u32 {
    SHIFTED[0][q[0] as usize]
        | SHIFTED[1][q[1] as usize]
        | SHIFTED[2][q[2] as usize]
        | SHIFTED[3][q[3] as usize]
}

/// Decodes the leading run of quads made only of alphabet characters (no
/// `=`, nothing to skip) into `out`, which has 8 bytes of room beyond the
/// output; returns the input bytes used and the output bytes written.
fn decode_plain_quads(input: &[u8], out: &mut [u8]) -> (usize, usize) {
    let (mut i, mut w) = (0, 0);
    // Two quads at a time, stored as one word, then one quad at a time.
    while i + 8 <= input.len() {
        let (a, b) = (quad_bits(&input[i..i + 4]), quad_bits(&input[i + 4..i + 8]));
        if (a | b) & NOT_PLAIN != 0 {
            break;
        }
        let v = (a as u64) << 40 | (b as u64) << 16;
        out[w..w + 8].copy_from_slice(&v.to_be_bytes());
        i += 8;
        w += 6;
    }
    while i + 4 <= input.len() {
        let a = quad_bits(&input[i..i + 4]);
        if a & NOT_PLAIN != 0 {
            break;
        }
        out[w..w + 4].copy_from_slice(&(a << 8).to_be_bytes());
        i += 4;
        w += 3;
    }
    (i, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::naive;
    use crate::testutil::{splits, Rng};

    /// One call with everything: `b64(x)` with no second part.
    fn b64(x: &[u8]) -> Vec<u8> {
        let mut e = Encoder::default();
        let mut out = Out::default();
        e.feed(x, &mut out);
        e.finish(&mut out);
        out.as_slice().to_vec()
    }

    fn unb64(x: &[u8]) -> Vec<u8> {
        let mut d = Decoder::default();
        let mut out = Out::default();
        d.feed(x, &mut out);
        out.as_slice().to_vec()
    }

    #[test]
    fn rfc4648_vectors() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(b64(plain.as_bytes()), coded.as_bytes(), "b64({plain:?})");
            assert_eq!(
                unb64(coded.as_bytes()),
                plain.as_bytes(),
                "unb64({coded:?})"
            );
        }
    }

    #[test]
    fn lenient_decoding_like_luasocket() {
        // Bytes outside the alphabet are skipped, wherever they are.
        assert_eq!(unb64(b"Zm9v\r\nYmFy"), b"foobar");
        assert_eq!(unb64(b"Z m 9 v !"), b"foo");
        // `=` is a zero digit; its place decides how many bytes come out.
        assert_eq!(unb64(b"===="), b"\0");
        assert_eq!(unb64(b"=AAA"), b"\0\0\0");
        assert_eq!(unb64(b"Zg=A"), b"f");
        assert_eq!(unb64(b"Zm=="), b"f");
        assert_eq!(unb64(b"Zm8=Zm8="), b"fofo");
        // An unfinished quad at the end is dropped.
        assert_eq!(unb64(b"Zm9vYg"), b"foo");
    }

    #[test]
    fn rest_holds_the_unfinished_group() {
        let mut e = Encoder::default();
        let mut out = Out::default();
        e.feed(b"foob", &mut out);
        assert_eq!(out.as_slice(), b"Zm9v");
        assert_eq!(e.rest(), b"b");
        let mut d = Decoder::default();
        out.clear();
        d.feed(b"Zm9v\nY!m", &mut out);
        assert_eq!(out.as_slice(), b"foo");
        assert_eq!(d.rest(), b"Ym");
    }

    #[test]
    fn matches_the_naive_version_and_round_trips() {
        let mut rng = Rng::new(4648);
        for len in (0..300).chain([1000, 4095, 4096, 4097]) {
            let x = rng.bytes(len);
            let coded = b64(&x);
            assert_eq!(coded, naive::b64(&x));
            assert_eq!(unb64(&coded), x);
            let noisy = rng.noisy_text(len, b"ABCxyz019+/=\r\n -!");
            assert_eq!(unb64(&noisy), naive::unb64(&noisy));
        }
    }

    #[test]
    fn wrapped_lines_decode_like_the_naive_version() {
        let mut rng = Rng::new(76);
        for len in [0, 1, 57, 100, 1000, 5000] {
            let data = rng.bytes(len);
            let coded = b64(&data);
            for (width, brk) in [(76, &b"\r\n"[..]), (64, b"\n"), (4, b" "), (5, b"\r\n\r\n")] {
                let wrapped: Vec<u8> = coded
                    .chunks(width)
                    .flat_map(|l| l.iter().chain(brk.iter()).copied())
                    .collect();
                assert_eq!(unb64(&wrapped), data);
                assert_eq!(unb64(&wrapped), naive::unb64(&wrapped));
                let mut out = Out::default();
                let mut d = Decoder::default();
                for part in splits(&mut rng, &wrapped) {
                    d.feed(part, &mut out);
                }
                assert_eq!(out.as_slice(), data);
            }
        }
    }

    #[test]
    fn chunked_equals_one_call() {
        let mut rng = Rng::new(2045);
        for round in 0..400 {
            let len = rng.below(200);
            let x = if round % 2 == 0 {
                rng.bytes(len)
            } else {
                rng.noisy_text(len, b"Zm9vYmFy+/=\r\n .")
            };
            // Encoding: each call gets the previous rest as C and a chunk as D.
            let mut out = Out::default();
            let mut rest = Vec::new();
            for part in splits(&mut rng, &x) {
                let mut e = Encoder::default();
                e.feed(&rest, &mut out);
                e.feed(part, &mut out);
                rest = e.rest().to_vec();
            }
            let mut e = Encoder::default();
            e.feed(&rest, &mut out);
            e.finish(&mut out);
            assert_eq!(out.as_slice(), b64(&x));
            // Decoding, the same way.
            let mut out = Out::default();
            let mut rest = Vec::new();
            for part in splits(&mut rng, &x) {
                let mut d = Decoder::default();
                d.feed(&rest, &mut out);
                d.feed(part, &mut out);
                rest = d.rest().to_vec();
            }
            assert_eq!(out.as_slice(), unb64(&x));
        }
    }
}
