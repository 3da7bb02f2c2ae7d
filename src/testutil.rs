//! The one pseudo-random generator of the tests (and the fuzz sweep), and
//! random chunk splits for the codec tests.

/// xorshift64*: small, seeded, good enough to pick test bytes.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `len` uniformly random bytes.
    pub(crate) fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// `len` bytes drawn mostly from `alphabet`, sometimes any byte.
    pub(crate) fn noisy_text(&mut self, len: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..len)
            .map(|_| {
                if self.below(10) == 0 {
                    self.next() as u8
                } else {
                    alphabet[self.below(alphabet.len())]
                }
            })
            .collect()
    }
}

impl Rng {
    /// About `len` bytes of letters and spaces with one of `pieces` in
    /// place of a letter about once in `every` bytes: long plain stretches,
    /// as in real text, which the codecs' word-at-a-time paths take.
    pub(crate) fn sparse_text(&mut self, len: usize, pieces: &[&[u8]], every: usize) -> Vec<u8> {
        let plain = b"abcdefghijklmnopqrstuvwxyz ";
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            if self.below(every) == 0 {
                out.extend_from_slice(pieces[self.below(pieces.len())]);
            } else {
                out.push(plain[self.below(plain.len())]);
            }
        }
        out
    }
}

/// `len` bytes that count up modulo a prime, so that a misplaced or
/// repeated piece shows: the test payload of the buffer and socket tests.
pub(crate) fn counting_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// `x` cut at random places into consecutive parts, some of them empty.
pub(crate) fn splits<'a>(rng: &mut Rng, x: &'a [u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut at = 0;
    while at < x.len() {
        let n = match rng.below(4) {
            0 => 0,
            1 => (1 + rng.below(3)).min(x.len() - at),
            _ => rng.below(x.len() - at + 1),
        };
        parts.push(&x[at..at + n]);
        at += n;
    }
    parts
}
