//! `mime.core`: LuaSocket's MIME codecs (`b64`, `unb64`, `qp`, `unqp`,
//! `wrp`, `qpwrp`, `eol`, `dot`) in their chunked form `A, B = f(C, D, ...)`.
//!
//! Replaces LuaSocket's `mime.c`. The codecs live in their own files and work
//! on plain byte slices (no Lua), so `cargo test` checks them against naive
//! versions; `glue/mime.rs` reads the Lua arguments, calls them and pushes
//! the results exactly as `mime.c` does. The C conversions its arguments go
//! through (`(int)`, `(size_t)`, C strings) are reproduced below. The results
//! are LuaSocket's byte for byte, however the input is split into chunks.

pub(crate) mod base64;
pub(crate) mod dot;
pub(crate) mod eol;
pub(crate) mod qp;
mod swar;
pub(crate) mod wrap;

/// A codec's output buffer. Its bytes stay initialised between uses (only
/// `len` of them are output), so a codec can ask for room for the worst
/// case and write there by index without paying to zero it on every call.
#[derive(Default)]
pub(crate) struct Out {
    buf: Vec<u8>,
    len: usize,
}

impl Out {
    /// An empty output over the thread's pooled scratch buffer, whose
    /// initialised bytes it reuses.
    pub(crate) fn from_pool() -> Out {
        Out {
            buf: crate::pool::take_scratch(),
            len: 0,
        }
    }

    /// Gives the buffer back to the pool.
    pub(crate) fn recycle(self) {
        crate::pool::give_scratch(self.buf)
    }

    /// The output so far.
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// The whole buffer, with at least `extra` bytes after the output:
    /// write at `[len()..]`, then call [`Out::set_len`].
    pub(crate) fn room(&mut self, extra: usize) -> &mut [u8] {
        let need = self.len + extra;
        if self.buf.len() < need {
            self.buf.resize(need.max(2 * self.buf.len()), 0);
        }
        &mut self.buf
    }

    /// Takes `len` bytes of the buffer as the output (`len` never exceeds
    /// the room asked for).
    pub(crate) fn set_len(&mut self, len: usize) {
        debug_assert!(len <= self.buf.len());
        self.len = len;
    }

    pub(crate) fn push(&mut self, b: u8) {
        if self.len == self.buf.len() {
            self.room(1);
        }
        self.buf[self.len] = b;
        self.len += 1;
    }

    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        let len = self.len;
        self.room(bytes.len())[len..len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }
}
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod naive;

// ---- C's conversions, as LuaSocket's arguments go through them ------------

/// `(int) d` as compiled for x86-64 (`cvttsd2si`): truncation toward zero,
/// and `INT_MIN` for NaN or anything out of range.
pub(crate) fn c_int(d: f64) -> i32 {
    if d.is_nan() || d >= 2_147_483_648.0 || d <= -2_147_483_649.0 {
        i32::MIN
    } else {
        d as i32
    }
}

const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// `(int64_t) d` on x86-64: truncation, `INT64_MIN` when out of range.
pub(crate) fn c_i64(d: f64) -> i64 {
    if d.is_nan() || !(-TWO_63..TWO_63).contains(&d) {
        i64::MIN
    } else {
        d as i64
    }
}

/// `(size_t) d` on x86-64, as gcc compiles it: below 2^63 a signed
/// conversion (so -1 becomes 2^64 - 1), from 2^63 up the conversion of
/// `d - 2^63` with the top bit flipped.
pub(crate) fn c_size(d: f64) -> u64 {
    if d >= TWO_63 {
        (c_i64(d - TWO_63) as u64) ^ (1 << 63)
    } else {
        c_i64(d) as u64
    }
}

/// Whether Lua 5.3+ can convert `d` to an integer (`lua_numbertointeger`).
pub(crate) fn is_integer_value(d: f64) -> bool {
    d.fract() == 0.0 && (-TWO_63..TWO_63).contains(&d)
}

/// A C string argument (`luaL_optstring`): the bytes up to the first NUL.
pub(crate) fn c_string(b: &[u8]) -> &[u8] {
    &b[..memchr::memchr(0, b).unwrap_or(b.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_keeps_what_was_written() {
        let mut out = Out::default();
        out.extend(b"ab");
        out.push(b'c');
        let len = out.len();
        out.room(10)[len..len + 2].copy_from_slice(b"de");
        out.set_len(len + 2);
        assert_eq!(out.as_slice(), b"abcde");
        out.clear();
        assert_eq!(out.as_slice(), b"");
        out.push(b'x');
        assert_eq!(out.as_slice(), b"x");
    }

    #[test]
    fn pooled_outputs_start_empty_and_reuse_the_buffer() {
        let mut out = Out::from_pool();
        out.extend(b"abc");
        out.recycle();
        let mut out = Out::from_pool();
        assert_eq!(out.as_slice(), b"");
        assert!(out.room(0).len() >= 3, "the initialised bytes came back");
        out.recycle();
    }

    #[test]
    fn casts_match_x86_64_c() {
        assert_eq!(c_int(1.9), 1);
        assert_eq!(c_int(-1.9), -1);
        assert_eq!(c_int(f64::NAN), i32::MIN);
        assert_eq!(c_int(3e9), i32::MIN);
        assert_eq!(c_int(-3e9), i32::MIN);
        assert_eq!(c_size(-1.0), u64::MAX);
        assert_eq!(c_size(f64::NAN), 1 << 63);
        assert_eq!(c_size(TWO_63), 1 << 63);
        assert_eq!(c_size(2.0 * TWO_63), 0);
        assert_eq!(c_size(1e300), 0);
        assert_eq!(c_size(-1e300), 1 << 63);
        assert_eq!(c_i64(4_294_967_309.0) as i32, 13);
        assert!(is_integer_value(13.0));
        assert!(!is_integer_value(13.5));
        assert!(!is_integer_value(f64::NAN));
        assert!(!is_integer_value(f64::INFINITY));
        assert_eq!(c_string(b"a\0b"), b"a");
    }
}
