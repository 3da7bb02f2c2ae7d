//! Sixteen bytes at a time in an SSE2 register, for the codecs' scans over
//! bytes that need no work. SSE2 is part of the x86_64 baseline, so no
//! runtime detection is needed; other architectures use the `u64` tests in
//! `mime::swar` instead.
//!
//! The intrinsics are `unsafe` to call (they require SSE2, which x86_64
//! always has; the load and store also take pointers, given here from
//! arrays, so the sixteen bytes are always there). The wrappers are safe
//! and read as plain byte-wise operations.

use std::arch::x86_64::{
    __m128i, _mm_add_epi8, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
    _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_storeu_si128,
};

/// Sixteen bytes; comparisons give 0xff in each byte that matches, 0 in
/// the others.
#[derive(Clone, Copy)]
pub(crate) struct Bytes16(__m128i);

impl Bytes16 {
    #[inline(always)]
    pub(crate) fn load(src: &[u8; 16]) -> Self {
        // SAFETY: `src` is sixteen readable bytes; `loadu` has no alignment
        // requirement, and SSE2 is always enabled on x86_64.
        Bytes16(unsafe { _mm_loadu_si128(src.as_ptr().cast::<__m128i>()) })
    }

    #[inline(always)]
    pub(crate) fn store(self, dst: &mut [u8; 16]) {
        // SAFETY: `dst` is sixteen writable bytes borrowed exclusively;
        // `storeu` has no alignment requirement, and SSE2 is always enabled
        // on x86_64.
        unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast::<__m128i>(), self.0) }
    }

    /// `b` in every byte.
    #[inline(always)]
    pub(crate) fn splat(b: u8) -> Self {
        // SAFETY: SSE2 is always enabled on x86_64; no memory is touched.
        Bytes16(unsafe { _mm_set1_epi8(b as i8) })
    }

    /// Byte-wise `==`.
    #[inline(always)]
    pub(crate) fn eq(self, other: Self) -> Self {
        // SAFETY: SSE2 is always enabled on x86_64; no memory is touched.
        Bytes16(unsafe { _mm_cmpeq_epi8(self.0, other.0) })
    }

    /// Byte-wise `<`, both sides read as `i8` (128..=255 are negative).
    #[inline(always)]
    pub(crate) fn lt_signed(self, other: Self) -> Self {
        // SAFETY: SSE2 is always enabled on x86_64; no memory is touched.
        Bytes16(unsafe { _mm_cmplt_epi8(self.0, other.0) })
    }

    /// Byte-wise wrapping addition.
    #[inline(always)]
    pub(crate) fn wrapping_add(self, other: Self) -> Self {
        // SAFETY: SSE2 is always enabled on x86_64; no memory is touched.
        Bytes16(unsafe { _mm_add_epi8(self.0, other.0) })
    }

    /// Bit-wise `self | other`.
    #[inline(always)]
    pub(crate) fn or(self, other: Self) -> Self {
        // SAFETY: SSE2 is always enabled on x86_64; no memory is touched.
        Bytes16(unsafe { _mm_or_si128(self.0, other.0) })
    }

    /// Bit-wise `self & !other`.
    #[inline(always)]
    pub(crate) fn and_not(self, other: Self) -> Self {
        // SAFETY: SSE2 is always enabled on x86_64; no memory is touched.
        Bytes16(unsafe { _mm_andnot_si128(other.0, self.0) })
    }

    /// The high bit of each byte, byte k in bit k.
    #[inline(always)]
    pub(crate) fn high_bits(self) -> u32 {
        // SAFETY: SSE2 is always enabled on x86_64; no memory is touched.
        (unsafe { _mm_movemask_epi8(self.0) }) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_wise_operations() {
        let a: [u8; 16] = std::array::from_fn(|k| (k as u8).wrapping_mul(37).wrapping_add(120));
        let v = Bytes16::load(&a);
        let mut back = [0u8; 16];
        v.store(&mut back);
        assert_eq!(back, a);
        for b in [0u8, 9, 32, 61, 127, 128, 200, 255] {
            let s = Bytes16::splat(b);
            let eq = v.eq(s).high_bits();
            let lt = v.lt_signed(s).high_bits();
            let mut sum = [0u8; 16];
            v.wrapping_add(s).store(&mut sum);
            for (k, &c) in a.iter().enumerate() {
                assert_eq!(eq >> k & 1 == 1, c == b);
                assert_eq!(lt >> k & 1 == 1, (c as i8) < (b as i8));
                assert_eq!(sum[k], c.wrapping_add(b));
            }
            let or = v.or(s).high_bits();
            let and_not = v.and_not(s).high_bits();
            for (k, &c) in a.iter().enumerate() {
                assert_eq!(or >> k & 1 == 1, (c | b) >= 128);
                assert_eq!(and_not >> k & 1 == 1, (c & !b) >= 128);
            }
        }
    }
}
