//! Reading a fuzz input: options and chunk sizes from its front, then the
//! payload.

use crate::pool::CHUNK;

/// Reads options from the front of a fuzz input; zeros once it runs out.
pub(super) struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub(super) fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    pub(super) fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub(super) fn i32(&mut self) -> i32 {
        i32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    pub(super) fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// What is left: the payload.
    pub(super) fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// Chunk sizes, used in turn: 1 to 8 of them, small ones mostly, a few
/// around the buffer's read size. 0 is an empty chunk (1 byte for a peer).
pub(super) fn chunk_sizes(inp: &mut Input) -> Vec<usize> {
    let n = 1 + inp.byte() as usize % 8;
    (0..n)
        .map(|_| match inp.byte() {
            b @ 0..=249 => b as usize,
            250 => CHUNK - 1,
            251 => CHUNK,
            252 => CHUNK + 1,
            253 => 3 * CHUNK,
            254 => 1 << 20,
            _ => usize::MAX,
        })
        .collect()
}

/// `data` cut into consecutive chunks of the given sizes (in turn).
pub(super) fn split<'a>(data: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    if sizes.iter().all(|&s| s == 0) {
        return vec![&[], data];
    }
    let mut parts = Vec::new();
    let (mut at, mut turn) = (0, 0);
    while at < data.len() {
        let n = sizes[turn % sizes.len()].min(data.len() - at);
        parts.push(&data[at..at + n]);
        at += n;
        turn += 1;
    }
    parts
}
