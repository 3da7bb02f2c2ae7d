//! Quoted-printable (RFC 2045 §6.7) in the chunked form of `mime.core`'s
//! `qp` and `unqp`.
//!
//! Replaces the quoted-printable half of LuaSocket's `mime.c`, with the same
//! output byte for byte:
//!
//! - encoding quotes every byte except 33..=60, 62..=126, space and tab;
//!   CRLF becomes the caller's marker; a space or tab right before CRLF is
//!   quoted; a lone CR is quoted (`=0D`); a lone LF is quoted (`=0A`);
//! - a space or tab is only written once the two bytes after it are known,
//!   so up to two bytes wait for the next call; at the end of the data they
//!   are written (quoted unless plain) followed by a soft break `=\r\n`;
//! - decoding drops `=\r\n` (soft breaks), turns `=XX` into a byte when both
//!   are hex digits (either case) and copies the three bytes unchanged when
//!   not, keeps CRLF, drops a CR not followed by LF *together with the byte
//!   after it*, and drops every other byte outside tab and 32..=126.
//!
//! Differences on purpose: runs of bytes that need no decision are copied
//! in bulk, and a decision looks ahead in the caller's chunk instead of
//! shifting bytes through a three-byte window one call at a time. Both codecs
//! are pure functions of the concatenated input, so the result does not
//! depend on where chunks are split.

/// How the encoder treats a byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Written as it is.
    Plain,
    /// Always written as `=XX`.
    Quoted,
    /// CR: the start of a line break if LF follows.
    Cr,
    /// Space or tab: quoted only when CRLF follows.
    Blank,
}

static CLASS: [Class; 256] = {
    let mut t = [Class::Quoted; 256];
    let mut i = 33;
    while i <= 126 {
        if i != b'=' as usize {
            t[i] = Class::Plain;
        }
        i += 1;
    }
    t[b' ' as usize] = Class::Blank;
    t[b'\t' as usize] = Class::Blank;
    t[b'\r' as usize] = Class::Cr;
    t
};

use super::swar::{clear_prefix, equal_bytes, word, HIGH, LOW7, ONES};
use super::Out;
use memchr::memchr_iter;

/// The input the encoder takes at a time (see [`Encoder::feed`]).
const SEGMENT: usize = 64 * 1024;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Hex digit value, or 255 for a byte that is not one.
static HEX_VALUE: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'A' as usize + i] = 10 + i as u8;
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Bytes the decoder copies as they are: tab and 32..=126 except `=`.
static COPY: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 32;
    while i <= 126 {
        t[i] = i != b'=' as usize;
        i += 1;
    }
    t[b'\t' as usize] = true;
    t
};

fn quote(c: u8, out: &mut Out) {
    out.extend(&[
        b'=',
        HEX_UPPER[(c >> 4) as usize],
        HEX_UPPER[(c & 15) as usize],
    ]);
}

/// Each byte as the encoder writes it on its own: itself or `=XX`, padded
/// to three bytes, and its length. Blanks are given as themselves; CR is
/// never looked up.
static ENCODED: [([u8; 3], u8); 256] = {
    let mut t = [([0u8; 3], 0u8); 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match CLASS[c] {
            Class::Plain | Class::Blank => ([c as u8, 0, 0], 1),
            _ => ([b'=', HEX_UPPER[c >> 4], HEX_UPPER[c & 15]], 3),
        };
        c += 1;
    }
    t
};

/// Writes the encoding of the CR at `input[i]` (which has a next byte) at
/// `buf[*w..]`; returns how many input bytes it used.
fn encode_cr(input: &[u8], i: usize, marker: &[u8], buf: &mut [u8], w: &mut usize) -> usize {
    if input[i + 1] != b'\n' {
        buf[*w..*w + 3].copy_from_slice(&ENCODED[b'\r' as usize].0);
        *w += 3;
        return 1;
    }
    // A blank right before this CRLF was written as itself, since the
    // encoder does not look ahead for blanks; it has to be quoted.
    if i > 0 && CLASS[input[i - 1] as usize] == Class::Blank {
        *w -= 1;
        let q = [
            b'=',
            HEX_UPPER[(input[i - 1] >> 4) as usize],
            HEX_UPPER[(input[i - 1] & 15) as usize],
        ];
        buf[*w..*w + 3].copy_from_slice(&q);
        *w += 3;
    }
    buf[*w..*w + marker.len()].copy_from_slice(marker);
    *w += marker.len();
    2
}

/// Encodes as much of `input` as can be decided without seeing further
/// bytes; returns how many bytes it used (the rest is at most 2 bytes).
///
/// LuaSocket decides a blank once it sees the two bytes after it; here a
/// blank is written as itself at once and quoted afterwards if CRLF follows
/// (same output), so that blanks need no branch. Runs of bytes written as
/// they are go eight at a time; each other byte is written from
/// [`ENCODED`] with one unconditional three-byte store.
fn encode_run(input: &[u8], marker: &[u8], out: &mut Out) -> usize {
    let n = input.len();
    let mut w = out.len();
    // At most 3 bytes per byte, plus a marker per CRLF, plus room for the
    // last unconditional store (3 bytes, or 8 for a word).
    let markers = if marker.len() <= 6 {
        n / 2
    } else {
        memchr_iter(b'\r', input).count()
    };
    let buf = out.room(3 * n + markers * marker.len() + 8);
    let mut i = 0;
    // Every byte before the last two can be decided.
    while i + 2 < n {
        // Eight bytes at a time while they are written as they are (blanks
        // included), then the byte that is not, alone.
        while i + 10 <= n {
            buf[w..w + 8].copy_from_slice(&input[i..i + 8]);
            let k = clear_prefix(needs_work(word(&input[i..i + 8])));
            i += k;
            w += k;
            if k < 8 {
                break;
            }
        }
        if i + 2 >= n {
            break;
        }
        let c = input[i];
        if c == b'\r' {
            i += encode_cr(input, i, marker, buf, &mut w);
            continue;
        }
        let (bytes, len) = ENCODED[c as usize];
        buf[w..w + 3].copy_from_slice(&bytes);
        w += len as usize;
        i += 1;
    }
    // The last two: a blank needs two more bytes, a CR one more.
    while i < n {
        let c = input[i];
        match CLASS[c as usize] {
            Class::Blank => break,
            Class::Cr if i + 1 == n => break,
            Class::Cr => i += encode_cr(input, i, marker, buf, &mut w),
            _ => {
                let (bytes, len) = ENCODED[c as usize];
                buf[w..w + 3].copy_from_slice(&bytes);
                w += len as usize;
                i += 1;
            }
        }
    }
    out.set_len(w);
    i
}

/// The high bit of each byte of `x` that is a control other than tab, 127
/// or above, or `=`: the bytes that neither the encoder (which quotes them,
/// or starts a line break at CR) nor the decoder writes as they are.
#[inline(always)]
fn needs_work(x: u64) -> u64 {
    let low = x & LOW7;
    // From 127 on: high bit set, or low seven bits all ones.
    let high = x | (low + ONES);
    // Below 32: high bit clear and low + 0x60 without its high bit.
    let below = !(low + ONES * 0x60) & !equal_bytes(x, b'\t');
    (high | below | equal_bytes(x, b'=')) & HIGH
}

/// The decoder's scan over bytes that need no decision, `B` at a time.
trait Scan<const B: usize> {
    /// Copies `src` to `dst` and returns how many of its bytes, from the
    /// start, are copied as they are: tab and 32..=126 but `=` (`B` if
    /// all are).
    fn copy_plain(src: &[u8; B], dst: &mut [u8; B]) -> usize;
}

/// Eight bytes at a time in a `u64` (the portable scan).
#[cfg(any(test, not(target_arch = "x86_64")))]
struct Swar;

#[cfg(any(test, not(target_arch = "x86_64")))]
impl Scan<8> for Swar {
    #[inline(always)]
    fn copy_plain(src: &[u8; 8], dst: &mut [u8; 8]) -> usize {
        *dst = *src;
        clear_prefix(needs_work(u64::from_le_bytes(*src)))
    }
}

/// Sixteen bytes at a time with SSE2 (baseline on x86_64).
#[cfg(target_arch = "x86_64")]
struct Sse2;

#[cfg(target_arch = "x86_64")]
impl Scan<16> for Sse2 {
    #[inline(always)]
    fn copy_plain(src: &[u8; 16], dst: &mut [u8; 16]) -> usize {
        use crate::sys::simd::Bytes16;
        let x = Bytes16::load(src);
        x.store(dst);
        // Adding 1 maps 0..=31 to 1..=32 and 127..=255 to -128..=0 (as
        // i8), so one signed `< 33` finds the controls and the bytes from
        // 127 on; tab is taken out of them, `=` added.
        let odd = x
            .wrapping_add(Bytes16::splat(1))
            .lt_signed(Bytes16::splat(33))
            .and_not(x.eq(Bytes16::splat(b'\t')))
            .or(x.eq(Bytes16::splat(b'=')));
        // Bit 16 stops the count at 16 when all are plain.
        (odd.high_bits() | 1 << 16).trailing_zeros() as usize
    }
}

/// Decodes as much of `input` as can be decided without seeing further
/// bytes; returns how many bytes it used (the rest is at most 2 bytes).
#[cfg(target_arch = "x86_64")]
fn decode_run(input: &[u8], out: &mut Out) -> usize {
    decode_with::<16, Sse2>(input, out)
}

#[cfg(not(target_arch = "x86_64"))]
fn decode_run(input: &[u8], out: &mut Out) -> usize {
    decode_with::<8, Swar>(input, out)
}

/// [`decode_run`] with the scan `S` over blocks of `B` bytes.
///
/// Plain bytes are copied a block at a time: the whole block is stored and
/// the output advances by its plain prefix (the last bytes are padded to a
/// block). Then the bytes that need a decision are taken one after the
/// other, without going back to the blocks, until the next plain byte:
/// escapes often come in runs, such as the two of a UTF-8 letter.
///
/// Tried and slower on escape-dense text (the branches here are well
/// predicted but their data are not, so making the next position depend on
/// loaded data costs more than the mispredictions it saves): a scan after
/// every decision, taking a second escape without a branch, writing the
/// three escape cases without a branch, taking every flagged byte of a
/// block from one test of it, and listing the flagged positions of 1 KiB
/// first (half the mispredictions, twice the instructions).
#[inline(always)]
fn decode_with<const B: usize, S: Scan<B>>(input: &[u8], out: &mut Out) -> usize {
    let n = input.len();
    let mut w = out.len();
    // Nothing decodes to more bytes than it has; B more for the stores of
    // whole blocks.
    let buf = out.room(n + B);
    let mut i = 0;
    'run: while i < n {
        let dst: &mut [u8; B] = (&mut buf[w..w + B]).try_into().unwrap();
        let k = if let Some(src) = input.get(i..i + B) {
            S::copy_plain(src.try_into().unwrap(), dst)
        } else {
            // The last bytes, padded with plain ones that are not counted.
            let mut last = [b'.'; B];
            last[..n - i].copy_from_slice(&input[i..]);
            S::copy_plain(&last, dst).min(n - i)
        };
        i += k;
        w += k;
        if k == B {
            continue;
        }
        // `input[i]` (if any) needs a decision; so may the bytes after it.
        while i < n {
            let c = input[i];
            if c == b'=' {
                if i + 2 >= n {
                    break 'run;
                }
                let (a, b) = (input[i + 1], input[i + 2]);
                let (h, l) = (HEX_VALUE[a as usize], HEX_VALUE[b as usize]);
                if h | l < 16 {
                    buf[w] = h << 4 | l;
                    w += 1;
                } else if a == b'\r' && b == b'\n' {
                    // Soft line break: nothing.
                } else {
                    // Not an escape: the three bytes stay as they are.
                    buf[w..w + 3].copy_from_slice(&input[i..i + 3]);
                    w += 3;
                }
                i += 3;
            } else if COPY[c as usize] {
                // Back to the blocks.
                break;
            } else if c == b'\r' {
                if i + 1 >= n {
                    break 'run;
                }
                // CRLF stays; a CR without LF goes, with the byte after it.
                if input[i + 1] == b'\n' {
                    buf[w..w + 2].copy_from_slice(b"\r\n");
                    w += 2;
                }
                i += 2;
            } else {
                // Other controls and 8-bit bytes go.
                i += 1;
            }
        }
    }
    out.set_len(w);
    i
}

/// Bytes carried from one chunk to the next by a codec that looks at most
/// two bytes ahead.
#[derive(Default)]
struct Carry {
    held: [u8; 2],
    n: usize,
}

impl Carry {
    /// Runs `run` over the carried bytes followed by `input`, keeping what
    /// it could not decide yet.
    fn feed(&mut self, mut input: &[u8], mut run: impl FnMut(&[u8]) -> usize) {
        if self.n > 0 {
            // Enough of `input` to decide every carried byte: a decision
            // needs at most the two bytes after it.
            let take = input.len().min(3);
            let mut window = [0u8; 5];
            window[..self.n].copy_from_slice(&self.held[..self.n]);
            window[self.n..self.n + take].copy_from_slice(&input[..take]);
            let len = self.n + take;
            let used = run(&window[..len]);
            if take == input.len() {
                self.keep(&window[used..len]);
                return;
            }
            debug_assert!(used >= self.n);
            input = &input[used - self.n..];
            self.n = 0;
        }
        let used = run(input);
        self.keep(&input[used..]);
    }

    fn keep(&mut self, rest: &[u8]) {
        debug_assert!(rest.len() <= 2);
        self.held[..rest.len()].copy_from_slice(rest);
        self.n = rest.len();
    }

    fn rest(&self) -> &[u8] {
        &self.held[..self.n]
    }
}

/// The encoding side of `qp`, with the text that replaces each CRLF.
pub(crate) struct Encoder<'m> {
    marker: &'m [u8],
    carry: Carry,
}

impl<'m> Encoder<'m> {
    pub(crate) fn new(marker: &'m [u8]) -> Self {
        Encoder {
            marker,
            carry: Carry::default(),
        }
    }

    /// Appends to `out` the encoding of everything that can be decided.
    pub(crate) fn feed(&mut self, input: &[u8], out: &mut Out) {
        let marker = self.marker;
        // In pieces, so that the room asked for the worst case (three
        // bytes per byte) stays small: the output does not depend on them.
        for piece in input.chunks(SEGMENT) {
            self.carry.feed(piece, |w| encode_run(w, marker, out));
        }
    }

    /// The bytes still undecided (at most 2).
    pub(crate) fn rest(&self) -> &[u8] {
        self.carry.rest()
    }

    /// Writes the undecided bytes (quoted unless plain) and, if there were
    /// any, a soft line break.
    pub(crate) fn finish(&mut self, out: &mut Out) {
        let rest = self.carry.rest();
        for &c in rest {
            if CLASS[c as usize] == Class::Plain {
                out.push(c);
            } else {
                quote(c, out);
            }
        }
        if !rest.is_empty() {
            out.extend(b"=\r\n");
        }
        self.carry = Carry::default();
    }
}

/// The decoding side of `unqp`. At the end of the data the undecided bytes
/// are dropped, as LuaSocket does.
#[derive(Default)]
pub(crate) struct Decoder {
    carry: Carry,
}

impl Decoder {
    /// Appends to `out` the decoding of everything that can be decided.
    pub(crate) fn feed(&mut self, input: &[u8], out: &mut Out) {
        self.carry.feed(input, |w| decode_run(w, out));
    }

    /// The bytes still undecided (at most 2).
    pub(crate) fn rest(&self) -> &[u8] {
        self.carry.rest()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::naive;
    use crate::testutil::{splits, Rng};

    fn qp(x: &[u8], marker: &[u8]) -> Vec<u8> {
        let mut e = Encoder::new(marker);
        let mut out = Out::default();
        e.feed(x, &mut out);
        e.finish(&mut out);
        out.as_slice().to_vec()
    }

    /// `qp` over random chunks, each call a fresh encoder fed the previous
    /// call's unfinished rest, as the Lua filter does; then the flush.
    fn qp_in_chunks(rng: &mut Rng, x: &[u8]) -> Out {
        let mut out = Out::default();
        let mut rest = Vec::new();
        for part in splits(rng, x) {
            let mut e = Encoder::new(b"\r\n");
            e.feed(&rest, &mut out);
            e.feed(part, &mut out);
            rest = e.rest().to_vec();
        }
        let mut e = Encoder::new(b"\r\n");
        e.feed(&rest, &mut out);
        e.finish(&mut out);
        out
    }

    fn unqp(x: &[u8]) -> Vec<u8> {
        let mut d = Decoder::default();
        let mut out = Out::default();
        d.feed(x, &mut out);
        out.as_slice().to_vec()
    }

    #[test]
    fn word_tests_match_the_byte_tests() {
        let mut rng = Rng::new(8);
        for round in 0..20000 {
            let mut eight: [u8; 8] = std::array::from_fn(|_| rng.next() as u8);
            if round % 2 == 0 {
                // Mostly bytes near the edges of the classes.
                let edges = [b'\t', b'\r', b'=', 31, 32, 126, 127, 128, 255, 0, b'a'];
                eight = std::array::from_fn(|_| edges[rng.below(edges.len())]);
            }
            let flags = needs_work(word(&eight));
            for (k, &c) in eight.iter().enumerate() {
                assert_eq!(
                    flags >> (8 * k + 7) & 1 == 1,
                    !COPY[c as usize],
                    "{eight:?}"
                );
            }
            assert_eq!(
                clear_prefix(flags),
                eight.iter().position(|&c| !COPY[c as usize]).unwrap_or(8)
            );
        }
    }

    #[test]
    fn rfc2045_rules() {
        // Plain text passes, `=` and 8-bit bytes are quoted.
        assert_eq!(qp(b"a=b", b"\r\n"), b"a=3Db");
        assert_eq!(qp("café".as_bytes(), b"\r\n"), b"caf=C3=A9");
        // Trailing whitespace before a line break is quoted (rule 3).
        assert_eq!(qp(b"end \r\nnext", b"\r\n"), b"end=20\r\nnext");
        assert_eq!(qp(b"tab\t\r\n", b"\r\n"), b"tab=09\r\n");
        // Whitespace elsewhere stays; CRLF becomes the marker.
        assert_eq!(qp(b"a b\r\nc", b"=0D=0A"), b"a b=0D=0Ac");
        // Lone CR and LF are quoted.
        assert_eq!(qp(b"a\rb\nc", b"\r\n"), b"a=0Db=0Ac");
        // Undecided bytes at the end get a soft break.
        assert_eq!(qp(b"x ", b"\r\n"), b"x=20=\r\n");
        assert_eq!(qp(b" a", b"\r\n"), b"=20a=\r\n");
        assert_eq!(qp(b"a\r", b"\r\n"), b"a=0D=\r\n");
        assert_eq!(qp(b"", b"\r\n"), b"");
    }

    #[test]
    fn decoding_like_luasocket() {
        assert_eq!(unqp(b"caf=C3=a9"), "café".as_bytes());
        // Soft breaks vanish, hard ones stay.
        assert_eq!(unqp(b"long=\r\nline\r\nnext"), b"longline\r\nnext");
        // Invalid escapes are copied unchanged, not raised.
        assert_eq!(unqp(b"a=ZZb=4"), b"a=ZZb");
        assert_eq!(unqp(b"=\nx"), b"=\nx");
        // A CR without LF goes, with the byte after it; controls go.
        assert_eq!(unqp(b"a\rbc\x01\x7f\xffd"), b"acd");
        assert_eq!(unqp(b"=00"), b"\0");
    }

    #[test]
    fn matches_the_naive_version_and_round_trips() {
        let mut rng = Rng::new(7);
        let alphabet = b"ab= \t\r\n\r\n.\x00\xff=0D";
        for len in (0..300).chain([1000, 5000]) {
            for x in [rng.bytes(len), rng.noisy_text(len, alphabet)] {
                let coded = qp(&x, b"\r\n");
                assert_eq!(coded, naive::qp(&x, b"\r\n"), "qp {x:?}");
                assert_eq!(qp(&x, b"=0D=0A"), naive::qp(&x, b"=0D=0A"));
                assert_eq!(qp(&x, b"<line break>"), naive::qp(&x, b"<line break>"));
                assert_eq!(unqp(&x), naive::unqp(&x), "unqp {x:?}");
                // Binary mode keeps every byte: decoding gives it back,
                // apart from the soft break added after undecided bytes.
                let binary = qp(&x, b"=0D=0A");
                assert_eq!(unqp(&binary), x);
            }
        }
    }

    #[test]
    fn plain_stretches_match_the_naive_version() {
        let mut rng = Rng::new(9);
        let pieces: &[&[u8]] = &[
            b"\r\n",
            b" \r\n",
            b"\t\r\n",
            b"=",
            b"\xc3\xa9",
            b"=0D",
            b"=3d",
            b"=\r\n",
            b"\r",
            b"\n",
            b"=ZZ",
            b"\t",
            b"  ",
            b"\x00",
            b"\x7f",
        ];
        for round in 0..600 {
            let len = rng.below(400);
            let x = rng.sparse_text(len, pieces, 2 + round % 40);
            assert_eq!(qp(&x, b"\r\n"), naive::qp(&x, b"\r\n"), "qp {x:?}");
            assert_eq!(unqp(&x), naive::unqp(&x), "unqp {x:?}");
            let coded = qp(&x, b"\r\n");
            assert_eq!(unqp(&coded), naive::unqp(&coded));
            // In chunks.
            let out = qp_in_chunks(&mut rng, &x);
            assert_eq!(out.as_slice(), coded, "{x:?}");
            let mut out = Out::default();
            let mut d = Decoder::default();
            for part in splits(&mut rng, &coded) {
                d.feed(part, &mut out);
            }
            assert_eq!(out.as_slice(), unqp(&coded));
        }
    }

    #[test]
    fn chunked_equals_one_call() {
        let mut rng = Rng::new(2045);
        for _ in 0..1000 {
            let len = rng.below(120);
            let x = rng.noisy_text(len, b"a =\t\r\n\r\n\xc3A0f");
            let out = qp_in_chunks(&mut rng, &x);
            assert_eq!(out.as_slice(), qp(&x, b"\r\n"), "{x:?}");

            let mut out = Out::default();
            let mut rest = Vec::new();
            for part in splits(&mut rng, &x) {
                let mut d = Decoder::default();
                d.feed(&rest, &mut out);
                d.feed(part, &mut out);
                rest = d.rest().to_vec();
            }
            assert_eq!(out.as_slice(), unqp(&x), "{x:?}");
        }
    }

    /// `unqp` of the parts fed one after the other to a decoder whose runs
    /// use the scan `S`.
    fn unqp_parts_with<const B: usize, S: Scan<B>>(parts: &[&[u8]]) -> Vec<u8> {
        let mut carry = Carry::default();
        let mut out = Out::default();
        for part in parts {
            carry.feed(part, |x| decode_with::<B, S>(x, &mut out));
        }
        out.as_slice().to_vec()
    }

    /// Both scans (SSE2 where there is one), in one call and split in two
    /// at every position, against the naive version.
    fn check_both_scans(x: &[u8]) {
        let want = naive::unqp(x);
        for at in 0..=x.len() {
            let parts = [&x[..at], &x[at..]];
            assert_eq!(unqp_parts_with::<8, Swar>(&parts), want, "swar {at} {x:?}");
            #[cfg(target_arch = "x86_64")]
            assert_eq!(unqp_parts_with::<16, Sse2>(&parts), want, "sse2 {at} {x:?}");
        }
        assert_eq!(unqp(x), want, "{x:?}");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn sse2_scan_matches_the_byte_tests() {
        let mut rng = Rng::new(16);
        let edges = [
            b'\t', b'\r', b'\n', b'=', 8, 10, 31, 32, 33, 126, 127, 128, 255, 0, b'a',
        ];
        for round in 0..20000 {
            let src: [u8; 16] = if round % 2 == 0 {
                std::array::from_fn(|_| edges[rng.below(edges.len())])
            } else if round % 4 == 1 {
                std::array::from_fn(|_| rng.next() as u8)
            } else {
                // Mostly plain, one odd byte somewhere (or none).
                let mut b = [b'x'; 16];
                let k = rng.below(17);
                if k < 16 {
                    b[k] = edges[rng.below(edges.len())];
                }
                b
            };
            let mut dst = [0u8; 16];
            let k = Sse2::copy_plain(&src, &mut dst);
            assert_eq!(dst, src);
            assert_eq!(
                k,
                src.iter().position(|&c| !COPY[c as usize]).unwrap_or(16),
                "{src:?}"
            );
        }
        for c in 0..=255u8 {
            let mut src = [b'x'; 16];
            src[15] = c;
            let k = Sse2::copy_plain(&src, &mut [0; 16]);
            assert_eq!(k == 16, COPY[c as usize], "{c}");
        }
    }

    #[test]
    fn decisions_at_every_block_position() {
        // Each piece after 0..40 plain bytes (so it starts at every place in
        // a block and straddles block ends), followed by text or not, split
        // at every position (so `=` and CR come in the last bytes of a
        // chunk).
        let pieces: &[&[u8]] = &[
            b"=C3=A9",
            b"=c3=a9",
            b"=E2=80=94",
            b"=3D",
            b"=\r\n",
            b"\r\n",
            b"=20\r\n",
            b"=",
            b"==",
            b"==41",
            b"=4",
            b"=4G",
            b"=G4",
            b"=\r",
            b"=\rx",
            b"=\r\r\n",
            b"=\nx",
            b"\r",
            b"\rx",
            b"\r=41",
            b"\r\r\n",
            b"\n",
            b"\x00\x7f\x80\xff",
            b"\t",
            b"= \t",
        ];
        for piece in pieces {
            for pad in 0..40 {
                for tail in [&b""[..], b"x", b"ab", b"tail of the line, long enough"] {
                    let mut x = vec![b'p'; pad];
                    x.extend_from_slice(piece);
                    x.extend_from_slice(tail);
                    check_both_scans(&x);
                }
            }
        }
    }

    #[test]
    fn long_runs_of_escapes() {
        let mut rng = Rng::new(3);
        let escapes: &[&[u8]] = &[b"=C3", b"=a9", b"=3D", b"=\r\n", b"=ZZ", b"=0d", b"\r\n"];
        for len in (0..70).chain([200, 1000]) {
            let mut x = Vec::new();
            for _ in 0..len {
                x.extend_from_slice(escapes[rng.below(escapes.len())]);
            }
            let want = naive::unqp(&x);
            assert_eq!(unqp(&x), want);
            assert_eq!(unqp_parts_with::<8, Swar>(&[&x]), want);
            if len < 70 {
                check_both_scans(&x);
            }
            // Only valid escapes: every one gives a byte.
            let run = b"=C3=A9".repeat(len);
            assert_eq!(unqp(&run), "é".repeat(len).as_bytes());
        }
    }

    #[test]
    fn short_inputs_exhaustively() {
        // Every input of up to 4 bytes over an alphabet of class edges.
        let alphabet = [
            b'=', b'\r', b'\n', b'A', b'f', b'g', b' ', b'\t', 0x7f, 0x80,
        ];
        let mut x = Vec::new();
        for len in 0..=4u32 {
            for mut code in 0..alphabet.len().pow(len) {
                x.clear();
                for _ in 0..len {
                    x.push(alphabet[code % alphabet.len()]);
                    code /= alphabet.len();
                }
                check_both_scans(&x);
            }
        }
    }

    #[test]
    fn dense_text_in_random_chunks() {
        let mut rng = Rng::new(2047);
        let pieces: &[&[u8]] = &[
            b"=C3=A9",
            b"=E2=80=94",
            b"=3D",
            b"=\r\n",
            b"\r\n",
            b"=20",
            b"=ZZ",
            b"\r",
            b"\n",
            b"\xff",
        ];
        for round in 0..400 {
            let len = rng.below(600);
            let x = rng.sparse_text(len, pieces, 1 + round % 8);
            let want = naive::unqp(&x);
            let parts = splits(&mut rng, &x);
            assert_eq!(unqp_parts_with::<8, Swar>(&parts), want, "{x:?}");
            #[cfg(target_arch = "x86_64")]
            assert_eq!(unqp_parts_with::<16, Sse2>(&parts), want, "{x:?}");
            let mut out = Out::default();
            let mut d = Decoder::default();
            for part in &parts {
                d.feed(part, &mut out);
            }
            assert_eq!(out.as_slice(), want, "{x:?}");
        }
    }
}
