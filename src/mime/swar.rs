//! Eight bytes at a time in a `u64` ("SIMD within a register"): the tests
//! the codecs use to skip over bytes that need no work. Safe code only;
//! each test gives the high bit of every byte that matches, exactly (no
//! false positives from carries), so the first match is found with
//! `trailing_zeros`.

pub(crate) const ONES: u64 = u64::from_le_bytes([0x01; 8]);
pub(crate) const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
pub(crate) const HIGH: u64 = u64::from_le_bytes([0x80; 8]);

/// Eight bytes as a little-endian word: byte k in bits 8k..8k+8.
#[inline(always)]
pub(crate) fn word(eight: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(eight);
    u64::from_le_bytes(w)
}

/// The high bit of each byte of `x` that equals `b` (exact, no carries).
#[inline(always)]
pub(crate) fn equal_bytes(x: u64, b: u8) -> u64 {
    let t = x ^ (ONES * b as u64);
    !(((t & LOW7) + LOW7) | t) & HIGH
}

/// The number of bytes before the first flagged one (8 if none).
#[inline(always)]
pub(crate) fn clear_prefix(flags: u64) -> usize {
    (flags.trailing_zeros() / 8) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bytes_flags_exactly_the_equal_ones() {
        let samples: [[u8; 8]; 4] = [
            *b"ab\r\ncd\n\r",
            [0, 1, 0x7f, 0x80, 0xff, b'=', b'\r', b'\n'],
            [b'\n'; 8],
            [0x0a ^ 0x80, 0x0b, 0x09, 0x8a, 0x0a, 0, 0, 0],
        ];
        for eight in samples {
            for b in [b'\r', b'\n', b'=', 0, 0xff] {
                let flags = equal_bytes(word(&eight), b);
                for (k, &c) in eight.iter().enumerate() {
                    assert_eq!(flags >> (8 * k + 7) & 1 == 1, c == b, "{eight:?} {b}");
                }
                assert_eq!(
                    clear_prefix(flags),
                    eight.iter().position(|&c| c == b).unwrap_or(8)
                );
            }
        }
    }
}
