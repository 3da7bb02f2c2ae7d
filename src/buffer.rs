//! Buffered stream input: the `receive` patterns (`*l`, `*a`, a byte count),
//! the `prefix` and `maxsize` arguments, and `getstats`' received count.
//!
//! Replaces LuaSocket's `buffer.c` (input side). Differences on purpose:
//! lines are found with memchr over the whole buffer instead of byte by byte;
//! reads are 16 KiB instead of 8 KiB, and 512 KiB once a read shows the
//! stream is fast (as Netty's adaptive receive buffers do); large
//! `receive(n)` reads go straight into the result; the pages of a large
//! buffer are mapped a few MiB ahead of the reads, in one call each time
//! (`sys::prefault`); and a socket holds no buffer while it has nothing
//! buffered (buffers come from the per-thread pool, `pool.rs`), so idle
//! sockets cost almost no memory.
//!
//! This file knows nothing of Lua or sockets: bytes come from a [`Source`],
//! so it is tested against in-memory sources below.

use memchr::{memchr, memchr2};

use crate::error::NetError;
use crate::pool::{self, BIG_CHUNK, CHUNK, MAX_POOLED};

/// A read of at least this many bytes marks the stream as fast: its next
/// buffer is a big one ([`BIG_CHUNK`]).
const FAST_READ: usize = CHUNK / 2;
/// The most one read asks for while a small `receive(n)` is answered: a
/// program taking a stream in pieces of a few KiB then finds the next
/// bytes waiting in the kernel, as the sender refills it, instead of
/// draining it in one big read and sleeping until it refills. Line and
/// `*a` reads keep asking for the whole buffer (bench/README.md, "Read
/// size and `receive(8192)` on LuaJIT").
const COUNT_READ: usize = 64 * 1024;
/// The most a large `receive(n)` reserves ahead of the bytes it has.
const DIRECT_STEP: usize = 8 * 1024 * 1024;
/// A read into a buffer of at least `PREFAULT_CAP` bytes with at least
/// `PREFAULT_MIN` of spare room first has its pages mapped in one call
/// (`sys::prefault`), at most [`PREFAULT_STEP`] bytes ahead. Only `*a` and
/// large byte counts make such buffers; they are fresh memory, where a page
/// fault per page costs more than the copy. Smaller buffers usually come
/// back from the allocator already mapped, and the call would be wasted.
const PREFAULT_CAP: usize = 4 * 1024 * 1024;
const PREFAULT_MIN: usize = 1024 * 1024;
const PREFAULT_STEP: usize = 4 * 1024 * 1024;
/// A leftover at most this long is moved out of a pooled buffer, so that a
/// socket holding a few unread bytes does not pin a whole chunk.
const SMALL_LEFTOVER: usize = 256;

/// Maps the pages of `v`'s spare room ahead of a read, unless the room is
/// small or `*done` (the address up to which an earlier call mapped them)
/// says most of the next [`PREFAULT_STEP`] bytes are mapped already. A
/// stale `*done` (from before `v` moved) only costs faults, never bytes.
fn prefault_ahead(v: &mut Vec<u8>, done: &mut usize) {
    if v.capacity() < PREFAULT_CAP {
        return;
    }
    let spare = v.spare_capacity_mut();
    if spare.len() < PREFAULT_MIN {
        return;
    }
    let start = spare.as_ptr() as usize;
    let step = spare.len().min(PREFAULT_STEP);
    let from = if (start..start + step).contains(done) {
        if *done - start >= step / 2 {
            return;
        }
        *done - start
    } else {
        0
    };
    crate::sys::prefault(&mut spare[from..step]);
    *done = start + step;
}

/// Where a buffer gets its bytes: a socket, or a test's script.
pub(crate) trait Source {
    /// Appends at most `max` bytes to `buf`; `Ok(0)` means end of stream.
    fn fill(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<usize, NetError>;
}

/// A parsed `receive` pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `"*l"`: a line, LF-terminated, every CR dropped.
    Line,
    /// `"*a"`: everything until the peer closes.
    All,
    /// `n`: exactly n bytes.
    Bytes(usize),
}

impl Pattern {
    /// Parses a string pattern. LuaSocket looks only at the first two
    /// characters (`"*line"` is a line); `"l"` and `"a"` are accepted too.
    pub(crate) fn parse(p: &[u8]) -> Option<Pattern> {
        match p {
            [b'*', b'l', ..] | [b'l'] => Some(Pattern::Line),
            [b'*', b'a', ..] | [b'a'] => Some(Pattern::All),
            _ => None,
        }
    }

    /// A numeric pattern: non-negative counts only (fractions truncated).
    pub(crate) fn count(n: f64) -> Option<Pattern> {
        if n >= 0.0 {
            Some(Pattern::Bytes(if n >= usize::MAX as f64 {
                usize::MAX
            } else {
                n as usize
            }))
        } else {
            None
        }
    }
}

/// Received bytes: a view into the socket's buffer when possible.
#[derive(Debug)]
pub(crate) enum Data<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl Data<'_> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Data::Borrowed(s) => s,
            Data::Owned(v) => v,
        }
    }
}

/// The outcome of one `receive`: the data (all of it, or the partial result
/// when `err` is set).
#[derive(Debug)]
pub(crate) struct Received<'a> {
    pub data: Data<'a>,
    pub err: Option<NetError>,
}

/// The first LF or CR in `hay`. On x86_64 this calls memchr's SSE2 searcher
/// directly (SSE2 is always there): lines are short, and the run-time
/// dispatch of `memchr2` to its AVX2 searcher costs more than the search.
#[cfg(target_arch = "x86_64")]
#[inline]
fn find_lf_or_cr(hay: &[u8]) -> Option<usize> {
    match memchr::arch::x86_64::sse2::memchr::Two::new(b'\n', b'\r') {
        Some(two) => two.find(hay),
        None => memchr2(b'\n', b'\r', hay),
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn find_lf_or_cr(hay: &[u8]) -> Option<usize> {
    memchr2(b'\n', b'\r', hay)
}

/// A line's bytes with every CR removed, borrowed when there is none.
fn strip_cr(line: &[u8]) -> Data<'_> {
    match memchr(b'\r', line) {
        None => Data::Borrowed(line),
        Some(first) => {
            let mut v = Vec::with_capacity(line.len());
            v.extend_from_slice(&line[..first]);
            v.extend(line[first..].iter().copied().filter(|&c| c != b'\r'));
            Data::Owned(v)
        }
    }
}

/// A socket's input buffer.
#[derive(Debug, Default)]
pub(crate) struct InBuf {
    buf: Vec<u8>,
    pos: usize,
    /// The last read brought at least [`FAST_READ`] bytes: the next buffer
    /// taken is a big one.
    fast: bool,
    /// Bytes delivered to Lua so far (`getstats`).
    pub received: f64,
    /// Where `prefault_ahead` last stopped, in `buf`'s memory.
    prefaulted: usize,
}

impl InBuf {
    pub(crate) fn new() -> InBuf {
        InBuf::default()
    }

    /// True when no buffered byte is waiting (`dirty` is its negation).
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Drops buffered input and gives the memory back.
    pub(crate) fn clear(&mut self) {
        self.pos = 0;
        pool::give_stream(std::mem::take(&mut self.buf));
    }

    fn avail(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Marks `n` buffered bytes as delivered; returns where they start.
    fn consume(&mut self, n: usize) -> usize {
        let start = self.pos;
        self.pos += n;
        self.received += n as f64;
        start
    }

    /// Reads more into the buffer, keeping at least `room` bytes of space.
    ///
    /// Memory: a socket holds a buffer only while it has unread bytes
    /// (`settle` gives it back); the buffer is a pooled chunk, big or not
    /// as the stream is fast or not, or larger while one receive needs more.
    fn fill_from(&mut self, src: &mut dyn Source, room: usize) -> Result<usize, NetError> {
        self.fill_upto(src, room, usize::MAX)
    }

    /// [`fill_from`](Self::fill_from), asking one read for at most `most`
    /// bytes.
    fn fill_upto(
        &mut self,
        src: &mut dyn Source,
        room: usize,
        most: usize,
    ) -> Result<usize, NetError> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            // Nothing buffered: a buffer of the size the stream calls for.
            let cap = self.buf.capacity();
            if cap == 0 || (cap <= MAX_POOLED && (cap >= BIG_CHUNK) != self.fast) {
                pool::give_stream(std::mem::replace(
                    &mut self.buf,
                    pool::take_stream(self.fast),
                ));
            }
        }
        let chunk = if self.fast { BIG_CHUNK } else { CHUNK };
        let room = room.max(chunk / 2);
        if self.buf.capacity() - self.buf.len() < room && self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        if self.buf.capacity() - self.buf.len() < room {
            let need = self.buf.len() + room;
            if need <= chunk && self.buf.capacity() < CHUNK {
                // A small leftover (see `settle`) moves into a pooled buffer.
                let mut pooled = pool::take_stream(self.fast);
                pooled.extend_from_slice(&self.buf);
                self.buf = pooled;
            } else {
                self.buf.reserve(room.max(self.buf.len()));
            }
        }
        prefault_ahead(&mut self.buf, &mut self.prefaulted);
        let spare = (self.buf.capacity() - self.buf.len()).min(most);
        let n = src.fill(&mut self.buf, spare)?;
        self.fast = n >= FAST_READ;
        Ok(n)
    }

    /// Called once the result of a `receive` has been handed to Lua: frees
    /// or shrinks the buffer so that an idle socket holds little memory.
    #[inline]
    pub(crate) fn settle(&mut self) {
        let left = self.buf.len() - self.pos;
        // The usual case while a stream is being read: a pooled buffer
        // with more than a leftover in it stays as it is.
        if left > SMALL_LEFTOVER && self.buf.capacity() <= MAX_POOLED {
            return;
        }
        self.settle_slow(left);
    }

    fn settle_slow(&mut self, left: usize) {
        if left == 0 {
            self.clear();
        } else if left <= SMALL_LEFTOVER && self.buf.capacity() > 4 * SMALL_LEFTOVER {
            let small = self.avail().to_vec();
            pool::give_stream(std::mem::replace(&mut self.buf, small));
            self.pos = 0;
        } else if self.buf.capacity() > MAX_POOLED && left <= CHUNK {
            let kept = self.avail().to_vec();
            self.buf = kept;
            self.pos = 0;
        }
    }

    /// The next line, when it is already buffered whole and has no CR but
    /// a final CRLF's: the usual `*l` call, answered without a source, a
    /// deadline or a [`Received`]. `None` leaves everything as it was, for
    /// [`receive`](Self::receive) to do the general case.
    #[inline]
    pub(crate) fn buffered_line(&mut self) -> Option<&[u8]> {
        let avail = self.avail();
        let at = find_lf_or_cr(avail)?;
        let end = if avail[at] == b'\n' {
            at
        } else if avail.get(at + 1) == Some(&b'\n') {
            at + 1
        } else {
            return None;
        };
        let start = self.consume(end + 1);
        let line = &self.buf[start..start + end];
        Some(match line {
            [head @ .., b'\r'] => head,
            _ => line,
        })
    }

    /// Runs one `receive(pattern, prefix, maxsize)`. `prefix_len` is the
    /// length of the prefix the caller will put in front of the data; it
    /// counts toward a byte count and toward `maxsize`.
    pub(crate) fn receive<'a>(
        &'a mut self,
        src: &mut dyn Source,
        pattern: Pattern,
        prefix_len: usize,
        maxsize: Option<usize>,
    ) -> Received<'a> {
        let limit = match maxsize {
            Some(m) if prefix_len > m => return oversized_empty(),
            Some(m) => Some(m - prefix_len),
            None => None,
        };
        match pattern {
            Pattern::Line => self.recv_line(src, limit),
            Pattern::All => self.recv_all(src, limit),
            Pattern::Bytes(n) => {
                // LuaSocket: a prefix at least as long as n is returned alone.
                if prefix_len > 0 && n <= prefix_len {
                    return Received {
                        data: Data::Borrowed(&[]),
                        err: None,
                    };
                }
                let wanted = n - prefix_len;
                if limit.is_some_and(|l| wanted > l) {
                    return oversized_empty();
                }
                self.recv_bytes(src, wanted)
            }
        }
    }

    /// Runs one `receiveany(max)` (`max > 0`): up to `max` buffered bytes,
    /// with no read; with nothing buffered, one read, then up to `max` of
    /// what it brought. The read asks for as much as the buffer holds, not
    /// for `max`, so a small `max` does not cost a system call per call;
    /// what exceeds `max` stays buffered for the next call or pattern. The
    /// data is empty whenever `err` is set: end of stream is `closed`.
    pub(crate) fn receive_any<'a>(&'a mut self, src: &mut dyn Source, max: usize) -> Received<'a> {
        debug_assert!(max > 0);
        if self.is_empty() {
            let err = match self.fill_from(src, 0) {
                Ok(0) => NetError::Closed,
                Ok(_) => return self.take_any(max),
                Err(e) => e,
            };
            return Received {
                data: Data::Borrowed(&[]),
                err: Some(err),
            };
        }
        self.take_any(max)
    }

    /// Delivers up to `max` buffered bytes.
    fn take_any(&mut self, max: usize) -> Received<'_> {
        let n = (self.buf.len() - self.pos).min(max);
        let start = self.consume(n);
        Received {
            data: Data::Borrowed(&self.buf[start..start + n]),
            err: None,
        }
    }

    fn recv_line<'a>(&'a mut self, src: &mut dyn Source, limit: Option<usize>) -> Received<'a> {
        let mut scanned = 0;
        // One pass finds the LF and any CR before it. A CR right before the
        // LF is the usual CRLF ending and is cut off the borrowed line; any
        // other CR ("stray", or one at the end of the buffered bytes) sends
        // the line through strip_cr, which drops them all, as upstream does.
        let mut stray_cr = false;
        loop {
            let avail = self.avail();
            let mut from = scanned;
            let found = loop {
                let Some(i) = find_lf_or_cr(&avail[from..]) else {
                    break None;
                };
                let at = from + i;
                if avail[at] == b'\n' {
                    break Some(at);
                }
                if avail.get(at + 1) == Some(&b'\n') {
                    break Some(at + 1);
                }
                stray_cr = true;
                from = at + 1;
            };
            if let Some(end) = found {
                if let Some(l) = limit.filter(|&l| end > l) {
                    return self.take_partial_line(l, NetError::Oversized);
                }
                let start = self.consume(end + 1);
                let line = &self.buf[start..start + end];
                let data = match line {
                    _ if stray_cr => strip_cr(line),
                    [head @ .., b'\r'] => Data::Borrowed(head),
                    _ => Data::Borrowed(line),
                };
                return Received { data, err: None };
            }
            scanned = avail.len();
            if let Some(l) = limit.filter(|&l| scanned > l) {
                return self.take_partial_line(l, NetError::Oversized);
            }
            match self.fill_from(src, CHUNK) {
                Ok(0) => return self.take_partial_line(scanned, NetError::Closed),
                Ok(_) => {}
                Err(e) => return self.take_partial_line(scanned, e),
            }
        }
    }

    fn recv_all<'a>(&'a mut self, src: &mut dyn Source, limit: Option<usize>) -> Received<'a> {
        loop {
            let have = self.buf.len() - self.pos;
            if let Some(l) = limit.filter(|&l| have > l) {
                let start = self.consume(l);
                return Received {
                    data: Data::Borrowed(&self.buf[start..start + l]),
                    err: Some(NetError::Oversized),
                };
            }
            // Grow geometrically so a large body costs few reads.
            match self.fill_from(src, have.max(CHUNK)) {
                Ok(0) => {
                    // As upstream: end of stream is success only when this
                    // call delivered something; otherwise it is "closed".
                    let err = if have == 0 {
                        Some(NetError::Closed)
                    } else {
                        None
                    };
                    let start = self.consume(have);
                    return Received {
                        data: Data::Borrowed(&self.buf[start..start + have]),
                        err,
                    };
                }
                Ok(_) => {}
                Err(e) => {
                    let start = self.consume(have);
                    return Received {
                        data: Data::Borrowed(&self.buf[start..start + have]),
                        err: Some(e),
                    };
                }
            }
        }
    }

    fn recv_bytes<'a>(&'a mut self, src: &mut dyn Source, wanted: usize) -> Received<'a> {
        loop {
            let have = self.buf.len() - self.pos;
            if have >= wanted {
                let start = self.consume(wanted);
                return Received {
                    data: Data::Borrowed(&self.buf[start..start + wanted]),
                    err: None,
                };
            }
            if wanted - have >= CHUNK {
                return self.recv_direct(src, wanted);
            }
            match self.fill_upto(src, wanted, wanted.max(COUNT_READ)) {
                Ok(0) => return self.take_partial_raw(have, NetError::Closed),
                Ok(_) => {}
                Err(e) => return self.take_partial_raw(have, e),
            }
        }
    }

    /// A large read: what is buffered, then straight from the source into
    /// the result, with no intermediate copy.
    fn recv_direct<'a>(&'a mut self, src: &mut dyn Source, wanted: usize) -> Received<'a> {
        let have = self.buf.len() - self.pos;
        // `wanted` comes from Lua (receive(2^53) is legal): reserve at most
        // DIRECT_STEP ahead of the data, so memory follows what arrives.
        let mut out = Vec::with_capacity(wanted.min(have + DIRECT_STEP));
        out.extend_from_slice(self.avail());
        self.consume(have);
        self.clear();
        let mut prefaulted = 0;
        while out.len() < wanted {
            prefault_ahead(&mut out, &mut prefaulted);
            let before = out.len();
            match src.fill(&mut out, (wanted - before).min(DIRECT_STEP)) {
                Ok(0) => {
                    return Received {
                        data: Data::Owned(out),
                        err: Some(NetError::Closed),
                    }
                }
                Ok(n) => self.received += n as f64,
                Err(e) => {
                    return Received {
                        data: Data::Owned(out),
                        err: Some(e),
                    }
                }
            }
        }
        Received {
            data: Data::Owned(out),
            err: None,
        }
    }

    /// Delivers the first `n` buffered bytes of a line as a partial result,
    /// its CRs dropped, together with `err`.
    fn take_partial_line<'a>(&'a mut self, n: usize, err: NetError) -> Received<'a> {
        let start = self.consume(n);
        let data = strip_cr(&self.buf[start..start + n]);
        Received {
            data,
            err: Some(err),
        }
    }

    /// Delivers the first `n` buffered bytes as they are (byte counts keep
    /// every CR), together with `err`.
    fn take_partial_raw<'a>(&'a mut self, n: usize, err: NetError) -> Received<'a> {
        let start = self.consume(n);
        Received {
            data: Data::Borrowed(&self.buf[start..start + n]),
            err: Some(err),
        }
    }
}

fn oversized_empty<'a>() -> Received<'a> {
    Received {
        data: Data::Borrowed(&[]),
        err: Some(NetError::Oversized),
    }
}

/// The byte range `send(data, i, j)` sends, with `i` and `j` clamped the
/// way `string.sub` clamps them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SendRange {
    /// `i - 1` after clamping from below: `send` returns `base + sent`.
    pub base: f64,
    /// 0-based start and end (exclusive) of the bytes to send; empty when
    /// `i > j`.
    pub from: usize,
    pub to: usize,
}

pub(crate) fn send_range(len: usize, i: f64, j: f64) -> SendRange {
    // The usual call, send(data): no float rounding needed.
    if i == 1.0 && j == -1.0 {
        return SendRange {
            base: 0.0,
            from: 0,
            to: len,
        };
    }
    let len_f = len as f64;
    let mut start = if i.is_nan() { 1.0 } else { i.trunc() };
    let mut end = if j.is_nan() { -1.0 } else { j.trunc() };
    if start < 0.0 {
        start += len_f + 1.0;
    }
    if end < 0.0 {
        end += len_f + 1.0;
    }
    start = start.max(1.0);
    end = end.min(len_f);
    if start > end {
        return SendRange {
            base: start - 1.0,
            from: 0,
            to: 0,
        };
    }
    SendRange {
        base: start - 1.0,
        from: start as usize - 1,
        to: end as usize,
    }
}

/// The oracle of the receive patterns, for the tests below and the
/// `line_splitter` fuzz target.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod naive {
    use super::Pattern;

    /// What one `receive` should return: the bytes and the error message.
    pub(crate) type Expected = (Vec<u8>, Option<&'static str>);

    /// The reference: `receive` read off the whole stream, one rule per
    /// pattern, with no buffer and no chunks. The peer sends `data`, times
    /// out once at each of `marks` (offsets into `data`), then ends with a
    /// timeout (`end_timeout`) or a close.
    pub(crate) struct Stream<'a> {
        data: &'a [u8],
        marks: &'a [usize],
        end_timeout: bool,
        pos: usize,
        mark: usize,
    }

    impl<'a> Stream<'a> {
        pub(crate) fn new(data: &'a [u8], marks: &'a [usize], end_timeout: bool) -> Stream<'a> {
            Stream {
                data,
                marks,
                end_timeout,
                pos: 0,
                mark: 0,
            }
        }

        /// Bytes delivered so far (`getstats`' received count).
        pub(crate) fn pos(&self) -> usize {
            self.pos
        }

        /// Every byte delivered and every timeout met.
        pub(crate) fn finished(&self) -> bool {
            self.pos == self.data.len() && self.mark == self.marks.len()
        }

        /// The bytes the peer sends before its next timeout or its end.
        fn visible(&self) -> &[u8] {
            let stop = self
                .marks
                .get(self.mark)
                .copied()
                .unwrap_or(self.data.len());
            &self.data[self.pos..stop]
        }

        /// The error met after the visible bytes; a timeout mark is met once.
        fn meet_stop(&mut self) -> &'static str {
            if self.mark < self.marks.len() {
                self.mark += 1;
                "timeout"
            } else if self.end_timeout {
                "timeout"
            } else {
                "closed"
            }
        }

        fn take(&mut self, n: usize, drop_cr: bool, err: Option<&'static str>) -> Expected {
            let bytes = &self.data[self.pos..self.pos + n];
            self.pos += n;
            let bytes = if drop_cr {
                bytes.iter().copied().filter(|&c| c != b'\r').collect()
            } else {
                bytes.to_vec()
            };
            (bytes, err)
        }

        /// What `receive(pattern, prefix, maxsize)` returns next.
        pub(crate) fn receive(
            &mut self,
            pattern: Pattern,
            prefix: usize,
            maxsize: Option<usize>,
        ) -> Expected {
            let limit = match maxsize {
                Some(m) if prefix > m => return (Vec::new(), Some("oversized")),
                Some(m) => Some(m - prefix),
                None => None,
            };
            let seen = self.visible().len();
            match pattern {
                Pattern::Line => match self.visible().iter().position(|&c| c == b'\n') {
                    Some(nl) => match limit {
                        Some(l) if nl > l => self.take(l, true, Some("oversized")),
                        _ => {
                            let line = self.take(nl, true, None);
                            self.pos += 1;
                            line
                        }
                    },
                    None => match limit {
                        Some(l) if seen > l => self.take(l, true, Some("oversized")),
                        _ => {
                            let err = self.meet_stop();
                            self.take(seen, true, Some(err))
                        }
                    },
                },
                Pattern::All => match limit {
                    Some(l) if seen > l => self.take(l, false, Some("oversized")),
                    _ => {
                        let err = self.meet_stop();
                        // A close after some bytes is success.
                        let err = if err == "closed" && seen > 0 {
                            None
                        } else {
                            Some(err)
                        };
                        self.take(seen, false, err)
                    }
                },
                Pattern::Bytes(n) => {
                    if prefix > 0 && n <= prefix {
                        return (Vec::new(), None);
                    }
                    let wanted = n - prefix;
                    if limit.is_some_and(|l| wanted > l) {
                        return (Vec::new(), Some("oversized"));
                    }
                    if seen >= wanted {
                        self.take(wanted, false, None)
                    } else {
                        let err = self.meet_stop();
                        self.take(seen, false, Some(err))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{counting_bytes, Rng};

    /// Hands out a fixed byte string in chunks of the given sizes, then
    /// either end-of-stream or an error.
    struct Script {
        data: Vec<u8>,
        pos: usize,
        sizes: Vec<usize>,
        turn: usize,
        then_timeout: bool,
    }

    impl Script {
        fn new(data: &[u8], sizes: &[usize], then_timeout: bool) -> Script {
            Script {
                data: data.to_vec(),
                pos: 0,
                sizes: sizes.to_vec(),
                turn: 0,
                then_timeout,
            }
        }
    }

    impl Source for Script {
        fn fill(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<usize, NetError> {
            if self.pos >= self.data.len() {
                return if self.then_timeout {
                    Err(NetError::Timeout)
                } else {
                    Ok(0)
                };
            }
            let step = if self.sizes.is_empty() {
                usize::MAX
            } else {
                self.sizes[self.turn % self.sizes.len()]
            };
            self.turn += 1;
            let n = step.min(max).min(self.data.len() - self.pos).max(1);
            buf.extend_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn prefault_ahead_maps_in_steps_and_only_large_buffers() {
        const MIB: usize = 1024 * 1024;
        let mut small = Vec::<u8>::with_capacity(PREFAULT_CAP / 2);
        let mut done = 0;
        prefault_ahead(&mut small, &mut done);
        assert_eq!(done, 0, "a buffer under PREFAULT_CAP is left alone");

        let mut v = Vec::<u8>::with_capacity(16 * MIB);
        let start = v.as_ptr() as usize;
        prefault_ahead(&mut v, &mut done);
        assert_eq!(done, start + PREFAULT_STEP);
        v.resize(MIB, 7);
        prefault_ahead(&mut v, &mut done);
        assert_eq!(
            done,
            start + PREFAULT_STEP,
            "3 MiB still mapped ahead: no call"
        );
        v.resize(3 * MIB, 7);
        prefault_ahead(&mut v, &mut done);
        assert_eq!(
            done,
            start + 3 * MIB + PREFAULT_STEP,
            "1 MiB ahead: the next step"
        );
        v.resize(16 * MIB - MIB / 2, 7);
        let before = done;
        prefault_ahead(&mut v, &mut done);
        assert_eq!(done, before, "under PREFAULT_MIN of room: no call");
        assert!(v.iter().all(|&b| b == 7));
    }

    #[test]
    fn large_reads_keep_every_byte_through_prefaulted_buffers() {
        // 20 MiB of a pattern, arriving in odd-sized pieces: `*a` grows its
        // buffer past PREFAULT_CAP, and a 12 MiB count reads directly.
        let data = counting_bytes(20 * 1024 * 1024);
        let mut src = Script::new(&data, &[1_000_003, 65_536, 3_333_333], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::Bytes(12 * 1024 * 1024), 0, None);
        assert!(r.err.is_none());
        assert!(r.data.as_slice() == &data[..12 * 1024 * 1024]);
        drop(r);
        let r = b.receive(&mut src, Pattern::All, 0, None);
        assert!(r.err.is_none());
        assert!(r.data.as_slice() == &data[12 * 1024 * 1024..]);
    }

    #[test]
    fn lines_match_naive_for_any_chunking() {
        let mut rng = Rng::new(7);
        for round in 0..200 {
            let len = rng.below(3000);
            let data: Vec<u8> = (0..len)
                .map(|_| match rng.below(10) {
                    0 => b'\n',
                    1 => b'\r',
                    _ => b'a' + rng.below(26) as u8,
                })
                .collect();
            let sizes: Vec<usize> = (0..5).map(|_| 1 + rng.below(50)).collect();
            let mut src = Script::new(&data, &sizes, round % 2 == 0);
            let mut b = InBuf::new();
            let mut model = naive::Stream::new(&data, &[], round % 2 == 0);
            loop {
                let (want, err) = model.receive(Pattern::Line, 0, None);
                let r = b.receive(&mut src, Pattern::Line, 0, None);
                assert_eq!(r.data.as_slice(), &want[..]);
                assert_eq!(r.err.map(|e| e.to_string()).as_deref(), err);
                b.settle();
                if err.is_some() {
                    break;
                }
            }
            assert_eq!(b.received as usize, data.len());
        }
    }

    #[test]
    fn every_cr_in_a_line_is_dropped() {
        let mut src = Script::new(b"a\rb\r\r\nnext", &[], false);
        let mut b = InBuf::new();
        assert_eq!(
            b.receive(&mut src, Pattern::Line, 0, None).data.as_slice(),
            b"ab"
        );
    }

    #[test]
    fn byte_counts_and_prefix() {
        let data = counting_bytes(100_000);
        let mut src = Script::new(&data, &[7, 3000, 1], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::Bytes(10), 0, None);
        assert_eq!(r.data.as_slice(), &data[..10]);
        // a prefix of 4 bytes counts toward n
        let r = b.receive(&mut src, Pattern::Bytes(14), 4, None);
        assert_eq!(r.data.as_slice(), &data[10..20]);
        // a big read goes direct
        let r = b.receive(&mut src, Pattern::Bytes(50_000), 0, None);
        assert_eq!(r.data.as_slice(), &data[20..50_020]);
        // prefix longer than n: nothing read
        let r = b.receive(&mut src, Pattern::Bytes(2), 3, None);
        assert!(r.err.is_none() && r.data.as_slice().is_empty());
        let r = b.receive(&mut src, Pattern::Bytes(60_000), 0, None);
        assert_eq!(r.err.unwrap().to_string(), "closed");
        assert_eq!(r.data.as_slice(), &data[50_020..]);
    }

    #[test]
    fn byte_count_partials_keep_every_cr() {
        let mut src = Script::new(b"a\rb\r\nc\r", &[3], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::Bytes(100), 0, None);
        assert_eq!(r.err.unwrap().to_string(), "closed");
        assert_eq!(r.data.as_slice(), b"a\rb\r\nc\r");
    }

    #[test]
    fn zero_bytes_reads_nothing() {
        let mut src = Script::new(b"", &[], true);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::Bytes(0), 0, None);
        assert!(r.err.is_none());
        assert!(r.data.as_slice().is_empty());
    }

    /// `receive(2^53)` is legal Lua: reserving the whole count up front
    /// would panic ("capacity overflow") or abort the allocation.
    #[test]
    fn huge_byte_counts_reserve_only_what_arrives() {
        for wanted in [usize::MAX, usize::MAX / 2, 1 << 53] {
            let mut src = Script::new(b"abc", &[], false);
            let mut b = InBuf::new();
            let r = b.receive(&mut src, Pattern::Bytes(wanted), 0, None);
            assert_eq!(r.err.unwrap().to_string(), "closed");
            assert_eq!(r.data.as_slice(), b"abc");
        }
    }

    #[test]
    fn all_succeeds_at_end_of_stream() {
        let data = vec![b'x'; 300_000];
        let mut src = Script::new(&data, &[1000, 70_000], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::All, 0, None);
        assert!(r.err.is_none());
        assert_eq!(r.data.as_slice().len(), 300_000);
    }

    #[test]
    fn all_with_nothing_before_end_of_stream_is_closed() {
        let mut src = Script::new(b"", &[], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::All, 0, None);
        assert_eq!(r.err.unwrap().to_string(), "closed");
        assert!(r.data.as_slice().is_empty());
    }

    #[test]
    fn all_times_out_with_partial() {
        let mut src = Script::new(b"partial data", &[5], true);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::All, 0, None);
        assert_eq!(r.err.unwrap().to_string(), "timeout");
        assert_eq!(r.data.as_slice(), b"partial data");
    }

    #[test]
    fn maxsize_caps_lines_without_losing_bytes() {
        let mut src = Script::new(b"0123456789ABCDEF\nrest\n", &[3], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::Line, 0, Some(10));
        assert_eq!(r.err.unwrap().to_string(), "oversized");
        assert_eq!(r.data.as_slice(), b"0123456789");
        let r = b.receive(&mut src, Pattern::Line, 0, Some(10));
        assert!(r.err.is_none());
        assert_eq!(r.data.as_slice(), b"ABCDEF");
        // exactly at the limit is fine
        let r = b.receive(&mut src, Pattern::Line, 0, Some(4));
        assert_eq!(r.data.as_slice(), b"rest");
    }

    #[test]
    fn maxsize_counts_the_prefix() {
        let mut src = Script::new(b"abcdef\n", &[], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::Line, 3, Some(5));
        assert_eq!(r.err.unwrap().to_string(), "oversized");
        assert_eq!(r.data.as_slice(), b"ab");
        let r = b.receive(&mut src, Pattern::Line, 9, Some(5));
        assert_eq!(r.err.unwrap().to_string(), "oversized");
        assert!(r.data.as_slice().is_empty());
    }

    #[test]
    fn maxsize_on_all_and_counts() {
        let mut src = Script::new(b"0123456789", &[4], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::All, 0, Some(6));
        assert_eq!(r.err.unwrap().to_string(), "oversized");
        assert_eq!(r.data.as_slice(), b"012345");
        let r = b.receive(&mut src, Pattern::All, 0, Some(4));
        assert!(r.err.is_none());
        assert_eq!(r.data.as_slice(), b"6789");
        let mut src = Script::new(b"0123456789", &[], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::Bytes(8), 0, Some(4));
        assert_eq!(r.err.unwrap().to_string(), "oversized");
        let r = b.receive(&mut src, Pattern::Bytes(8), 0, Some(8));
        assert_eq!(r.data.as_slice(), b"01234567");
    }

    #[test]
    fn idle_buffer_is_released() {
        let mut src = Script::new(b"line\n", &[], true);
        let mut b = InBuf::new();
        let _ = b.receive(&mut src, Pattern::Line, 0, None);
        b.settle();
        assert_eq!(b.buf.capacity(), 0);
        assert!(b.is_empty());
    }

    #[test]
    fn small_leftover_leaves_the_pooled_buffer() {
        let mut src = Script::new(b"line\nxy", &[], true);
        let mut b = InBuf::new();
        let _ = b.receive(&mut src, Pattern::Line, 0, None);
        b.settle();
        assert!(b.buf.capacity() < 1024);
        assert!(!b.is_empty());
        assert_eq!(
            b.receive(&mut src, Pattern::Bytes(2), 0, None)
                .data
                .as_slice(),
            b"xy"
        );
    }

    /// Lines of 100 bytes (LF included), `n` of them.
    fn hundred_byte_lines(n: usize) -> Vec<u8> {
        let mut data = Vec::new();
        for i in 0..n {
            data.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, 99));
            data.push(b'\n');
        }
        data
    }

    #[test]
    fn reads_grow_for_a_fast_stream_and_shrink_back() {
        // Reads as large as asked: after the first full chunk the stream is
        // fast, and once the buffer empties the next one is a big chunk.
        let data = hundred_byte_lines(6000);
        let mut src = Script::new(&data, &[], false);
        let mut b = InBuf::new();
        let mut biggest = 0;
        for i in 0..6000 {
            let got = b.receive(&mut src, Pattern::Line, 0, None);
            assert!(got.err.is_none());
            assert_eq!(got.data.as_slice(), &data[i * 100..i * 100 + 99]);
            drop(got);
            biggest = biggest.max(b.buf.capacity());
            b.settle();
        }
        assert!(biggest >= BIG_CHUNK, "largest buffer {biggest}");
        assert!(biggest <= MAX_POOLED, "largest buffer {biggest}");

        // A trickle (one 100-byte read at a time) goes back to small reads.
        let data = hundred_byte_lines(20);
        let mut src = Script::new(&data, &[100], false);
        for i in 0..20 {
            let got = b.receive(&mut src, Pattern::Line, 0, None);
            assert_eq!(got.data.as_slice(), &data[i * 100..i * 100 + 99]);
            drop(got);
            b.settle();
        }
        assert!(!b.fast);
        let got = b.receive(&mut src, Pattern::Line, 0, None);
        assert!(matches!(got.err, Some(NetError::Closed)));
        drop(got);
        b.settle();
        assert_eq!(b.buf.capacity(), 0, "an idle socket holds no buffer");
    }

    #[test]
    fn a_slow_stream_keeps_small_buffers() {
        let data = hundred_byte_lines(300);
        let mut src = Script::new(&data, &[700, 1300], false);
        let mut b = InBuf::new();
        for i in 0..300 {
            let got = b.receive(&mut src, Pattern::Line, 0, None);
            assert_eq!(got.data.as_slice(), &data[i * 100..i * 100 + 99]);
            drop(got);
            assert!(
                b.buf.capacity() < BIG_CHUNK,
                "capacity {}",
                b.buf.capacity()
            );
            b.settle();
        }
    }

    #[test]
    fn buffered_line_agrees_with_receive_or_declines() {
        // Every mix of a few line-ending bytes: when the fast path answers,
        // it gives what the general path gives, and consumes the same.
        let alphabet: &[u8] = b"a\r\n";
        let mut answered = 0;
        for len in 0..=7u32 {
            for mut code in 0..3usize.pow(len) {
                let mut data = Vec::new();
                for _ in 0..len {
                    data.push(alphabet[code % 3]);
                    code /= 3;
                }
                let mut fast = InBuf::new();
                let mut slow = InBuf::new();
                let mut src = Script::new(&data, &[], false);
                let _ = fast.fill_from(&mut src, 0);
                let mut src = Script::new(&data, &[], false);
                let _ = slow.fill_from(&mut src, 0);
                let Some(line) = fast.buffered_line().map(<[u8]>::to_vec) else {
                    continue;
                };
                let mut none = Script::new(b"", &[], false);
                let got = slow.receive(&mut none, Pattern::Line, 0, None);
                assert!(got.err.is_none(), "{data:?}");
                assert_eq!(got.data.as_slice(), &line[..], "{data:?}");
                drop(got);
                assert_eq!(fast.avail(), slow.avail(), "{data:?}");
                assert_eq!(fast.received, slow.received);
                answered += 1;
            }
        }
        // Most inputs with an LF get the fast answer (a check that can fail).
        assert!(answered > 1000, "fast path answered {answered} times");
    }

    #[test]
    fn buffered_line_declines_what_it_cannot_finish() {
        for data in [&b"no end"[..], b"cr at the end\r", b"stray\rcr\n", b""] {
            let mut b = InBuf::new();
            let mut src = Script::new(data, &[], false);
            let _ = b.fill_from(&mut src, 0);
            assert_eq!(b.buffered_line(), None, "{data:?}");
            assert_eq!(b.avail(), data, "nothing consumed");
        }
        let mut b = InBuf::new();
        let mut src = Script::new(b"one\r\ntwo\n", &[], false);
        let _ = b.fill_from(&mut src, 0);
        assert_eq!(b.buffered_line(), Some(&b"one"[..]));
        assert_eq!(b.buffered_line(), Some(&b"two"[..]));
        assert_eq!(b.buffered_line(), None);
    }

    /// A source that counts the reads it was asked for.
    struct Counted<S> {
        inner: S,
        reads: usize,
    }

    impl<S: Source> Source for Counted<S> {
        fn fill(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<usize, NetError> {
            self.reads += 1;
            self.inner.fill(buf, max)
        }
    }

    /// A source that records the largest read it was asked for.
    struct Asked<S> {
        inner: S,
        most: usize,
    }

    impl<S: Source> Source for Asked<S> {
        fn fill(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<usize, NetError> {
            self.most = self.most.max(max);
            self.inner.fill(buf, max)
        }
    }

    #[test]
    fn small_counts_read_a_little_ahead_lines_read_the_whole_buffer() {
        // 4 MiB of lines of 255 letters.
        let data: Vec<u8> = (0..4usize << 20)
            .map(|i| {
                if i % 256 == 255 {
                    b'\n'
                } else {
                    b'a' + (i % 26) as u8
                }
            })
            .collect();
        let asked = |pattern: Pattern| {
            let mut src = Asked {
                inner: Script::new(&data, &[], false),
                most: 0,
            };
            let mut b = InBuf::new();
            let mut got = Vec::new();
            loop {
                let r = b.receive(&mut src, pattern, 0, None);
                got.extend_from_slice(r.data.as_slice());
                if r.err.is_some() {
                    break;
                }
                if pattern == Pattern::Line {
                    got.push(b'\n');
                }
                drop(r);
                b.settle();
            }
            assert!(got == data, "{pattern:?} lost or changed bytes");
            src.most
        };
        // A stream read 8 KiB at a time: no read asks for more than COUNT_READ.
        assert_eq!(asked(Pattern::Bytes(8192)), COUNT_READ);
        // A count larger than that asks for what it needs.
        assert!(asked(Pattern::Bytes(CHUNK - 1)) <= COUNT_READ);
        // Lines and `*a` read big.
        assert!(asked(Pattern::Line) >= BIG_CHUNK / 2);
        assert!(asked(Pattern::All) >= BIG_CHUNK);
    }

    #[test]
    fn receive_any_takes_the_buffer_first_then_one_read() {
        let data = counting_bytes(100_000);
        let mut src = Counted {
            inner: Script::new(&data, &[5, 10_000], true),
            reads: 0,
        };
        let mut b = InBuf::new();
        // One read brings 5 bytes: all of them, though 10 were allowed.
        let r = b.receive_any(&mut src, 10);
        assert_eq!((r.data.as_slice(), r.err.is_none()), (&data[..5], true));
        assert_eq!(src.reads, 1);
        // The next read brings 10,000: 3 are returned, the rest stays.
        let r = b.receive_any(&mut src, 3);
        assert_eq!(r.data.as_slice(), &data[5..8]);
        assert_eq!(src.reads, 2);
        assert!(b.avail() == &data[8..10_005]);
        // Buffered bytes come with no read, up to max.
        let r = b.receive_any(&mut src, 9_000);
        assert!(r.data.as_slice() == &data[8..9_008]);
        let r = b.receive_any(&mut src, 1_000_000);
        assert!(r.data.as_slice() == &data[9_008..10_005]);
        assert_eq!(src.reads, 2);
        assert_eq!(b.received as usize, 10_005);
        b.settle();
        // Then the other patterns go on from there.
        let r = b.receive(&mut src, Pattern::Bytes(10), 0, None);
        assert_eq!(r.data.as_slice(), &data[10_005..10_015]);
        let r = b.receive(&mut src, Pattern::All, 0, None);
        assert_eq!(r.err.unwrap().to_string(), "timeout");
        assert!(r.data.as_slice() == &data[10_015..]);
        // Nothing left and the source times out: the error, no data.
        let r = b.receive_any(&mut src, 10);
        assert_eq!(r.err.unwrap().to_string(), "timeout");
        assert!(r.data.as_slice().is_empty());
        assert_eq!(b.received as usize, data.len());
    }

    #[test]
    fn receive_any_reports_end_of_stream_once_the_buffer_is_empty() {
        let mut src = Script::new(b"ab\ncd", &[], false);
        let mut b = InBuf::new();
        let r = b.receive(&mut src, Pattern::Line, 0, None);
        assert_eq!(r.data.as_slice(), b"ab");
        // "cd" is buffered: returned before the end of stream is seen.
        let r = b.receive_any(&mut src, 100);
        assert_eq!((r.data.as_slice(), r.err.is_none()), (&b"cd"[..], true));
        let r = b.receive_any(&mut src, 100);
        assert_eq!(r.err.unwrap().to_string(), "closed");
        assert!(r.data.as_slice().is_empty());
    }

    #[test]
    fn receive_any_mixed_with_patterns_loses_nothing() {
        let mut rng = Rng::new(11);
        for round in 0..100 {
            let len = rng.below(200_000);
            let data: Vec<u8> = (0..len)
                .map(|_| match rng.below(20) {
                    0 => b'\n',
                    _ => b'a' + rng.below(26) as u8,
                })
                .collect();
            let sizes: Vec<usize> = (0..5).map(|_| 1 + rng.below(70_000)).collect();
            let mut src = Script::new(&data, &sizes, round % 2 == 0);
            let mut b = InBuf::new();
            let mut got = Vec::new();
            loop {
                let kind = rng.below(4);
                let r = match kind {
                    0 => b.receive(&mut src, Pattern::Line, 0, None),
                    1 => b.receive(&mut src, Pattern::Bytes(rng.below(30_000)), 0, None),
                    _ => b.receive_any(&mut src, 1 + rng.below(100_000)),
                };
                got.extend_from_slice(r.data.as_slice());
                let done = r.err.is_some();
                drop(r);
                // A whole line's LF is consumed but not returned.
                if kind == 0 && !done {
                    got.push(b'\n');
                }
                b.settle();
                if done {
                    break;
                }
            }
            assert_eq!(got.len(), data.len(), "round {round}");
            assert!(got == data, "round {round}");
            assert_eq!(b.received as usize, data.len());
        }
    }

    #[test]
    fn patterns_parse_like_luasocket() {
        assert_eq!(Pattern::parse(b"*l"), Some(Pattern::Line));
        assert_eq!(Pattern::parse(b"*line"), Some(Pattern::Line));
        assert_eq!(Pattern::parse(b"l"), Some(Pattern::Line));
        assert_eq!(Pattern::parse(b"*a"), Some(Pattern::All));
        assert_eq!(Pattern::parse(b"a"), Some(Pattern::All));
        assert_eq!(Pattern::parse(b"x"), None);
        assert_eq!(Pattern::parse(b""), None);
        assert_eq!(Pattern::parse(b"la"), None);
        assert_eq!(Pattern::count(-1.0), None);
        assert_eq!(Pattern::count(2.9), Some(Pattern::Bytes(2)));
        assert_eq!(Pattern::count(f64::NAN), None);
    }

    #[test]
    fn send_ranges_clamp_like_string_sub() {
        let r = |len, i, j| {
            let s = send_range(len, i, j);
            (s.base, s.from, s.to)
        };
        assert_eq!(r(10, 1.0, -1.0), (0.0, 0, 10));
        assert_eq!(r(10, 3.0, 5.0), (2.0, 2, 5));
        assert_eq!(r(10, -3.0, -1.0), (7.0, 7, 10));
        assert_eq!(r(10, 0.0, 100.0), (0.0, 0, 10));
        assert_eq!(r(10, -100.0, 2.0), (0.0, 0, 2));
        assert_eq!(r(10, 5.0, 2.0), (4.0, 0, 0));
        assert_eq!(r(10, 50.0, 60.0), (49.0, 0, 0));
        assert_eq!(r(0, 1.0, -1.0), (0.0, 0, 0));
    }
}
