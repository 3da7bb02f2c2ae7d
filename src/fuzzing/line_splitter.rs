//! The `line_splitter` target: `InBuf::receive` over a scripted peer
//! against the model of `receive` read off the whole stream
//! (`buffer::naive`).

use super::input::{chunk_sizes, Input};
use crate::buffer::{naive, InBuf, Pattern, Source};
use crate::error::NetError;
use crate::pool::CHUNK;

/// A peer: sends `data` in chunks of `sizes`, times out once at each of
/// `marks` (offsets into `data`), then ends with a timeout or a close.
struct Peer<'a> {
    data: &'a [u8],
    marks: &'a [usize],
    sizes: &'a [usize],
    end_timeout: bool,
    pos: usize,
    mark: usize,
    turn: usize,
}

impl Source for Peer<'_> {
    fn fill(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<usize, NetError> {
        assert!(max > 0, "the buffer offered no room");
        let stop = self
            .marks
            .get(self.mark)
            .copied()
            .unwrap_or(self.data.len());
        if self.pos == stop {
            if self.mark < self.marks.len() {
                self.mark += 1;
                return Err(NetError::Timeout);
            }
            return if self.end_timeout {
                Err(NetError::Timeout)
            } else {
                Ok(0)
            };
        }
        let step = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        let n = step.min(max).min(stop - self.pos);
        buf.extend_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// One `receive` call read from 3 input bytes.
#[derive(Clone, Copy, Debug)]
struct Op {
    pattern: Pattern,
    prefix: usize,
    maxsize: Option<usize>,
}

impl Op {
    fn read(inp: &mut Input) -> Op {
        let (k, n, m) = (inp.byte(), inp.byte(), inp.byte());
        let count = if k & 0x80 != 0 {
            const HUGE: [usize; 8] = [
                CHUNK - 1,
                CHUNK,
                CHUNK + 1,
                2 * CHUNK + 3,
                1 << 20,
                1 << 53,
                usize::MAX / 2,
                usize::MAX,
            ];
            HUGE[n as usize % 8]
        } else {
            n as usize
        };
        let pattern = match k % 4 {
            0 | 1 => Pattern::Line,
            2 => Pattern::All,
            _ => Pattern::Bytes(count),
        };
        let prefix = if k & 4 != 0 { (k as usize >> 4) & 7 } else { 0 };
        let maxsize = match (k & 8 != 0, m) {
            (false, _) => None,
            (true, 255) => Some(usize::MAX),
            (true, m) => Some(m as usize),
        };
        Op {
            pattern,
            prefix,
            maxsize,
        }
    }
}

/// Payloads shorter than this are repeated up to it when asked, so that
/// lines cross the buffer's read size and the buffer compacts and grows.
const AMPLIFIED: usize = CHUNK + CHUNK / 2;

/// `InBuf::receive` over a scripted peer: every result (data, error,
/// partial, `getstats` count) equals the reference model's, whatever the
/// chunk sizes and timeouts; `maxsize` is never exceeded.
///
/// Input: flags, chunk sizes, up to 15 receive calls, up to 3 timeout
/// marks, then the bytes the peer sends. After the calls, the rest of the
/// stream is read line by line.
pub fn line_splitter(data: &[u8]) {
    let mut inp = Input::new(data);
    let flags = inp.byte();
    let sizes = chunk_sizes(&mut inp);
    let ops: Vec<Op> = (0..inp.byte() % 16).map(|_| Op::read(&mut inp)).collect();
    let raw_marks: Vec<u8> = (0..inp.byte() % 4).map(|_| inp.byte()).collect();
    let payload = inp.rest();
    // One input in sixteen: long, and slow to check.
    let stream = if flags & 0x3c == 0x3c && !payload.is_empty() {
        payload.repeat(AMPLIFIED.div_ceil(payload.len()))
    } else {
        payload.to_vec()
    };
    let mut marks: Vec<usize> = raw_marks
        .iter()
        .map(|&m| m as usize * stream.len() / 255)
        .collect();
    marks.sort_unstable();
    for sizes in [&sizes[..], &[usize::MAX]] {
        replay(&stream, &marks, sizes, flags, &ops);
    }
}

fn replay(stream: &[u8], marks: &[usize], sizes: &[usize], flags: u8, ops: &[Op]) {
    let end_timeout = flags & 1 != 0;
    let mut peer = Peer {
        data: stream,
        marks,
        sizes,
        end_timeout,
        pos: 0,
        mark: 0,
        turn: 0,
    };
    let mut model = naive::Stream::new(stream, marks, end_timeout);
    let mut buf = InBuf::new();
    let drain = Op {
        pattern: Pattern::Line,
        prefix: 0,
        maxsize: None,
    };
    // Every line read consumes a byte or meets a mark: this bounds the drain.
    let drains = std::iter::repeat_n(drain, stream.len() + marks.len() + 2);
    for (i, op) in ops.iter().copied().chain(drains).enumerate() {
        // A plain line read goes first through the fast path (a line
        // already buffered whole), as `Sock::receive` does.
        let plain_line = op.pattern == Pattern::Line && op.prefix == 0 && op.maxsize.is_none();
        let fast = if plain_line {
            buf.buffered_line().map(<[u8]>::to_vec)
        } else {
            None
        };
        let got = match fast {
            Some(line) => (line, None),
            None => {
                let r = buf.receive(&mut peer, op.pattern, op.prefix, op.maxsize);
                (r.data.as_slice().to_vec(), r.err.map(|e| e.to_string()))
            }
        };
        let want = model.receive(op.pattern, op.prefix, op.maxsize);
        assert_eq!(
            (&got.0, got.1.as_deref()),
            (&want.0, want.1),
            "call {i}: {op:?}, chunks {sizes:?}"
        );
        if let Some(m) = op.maxsize {
            assert!(op.prefix + got.0.len() <= m.max(op.prefix), "maxsize");
        }
        assert_eq!(buf.received, model.pos() as f64, "received count");
        if flags & 2 != 0 {
            buf.settle();
        }
        if i >= ops.len() && model.finished() {
            break;
        }
    }
    assert!(model.finished(), "the drain ends the stream");
}
