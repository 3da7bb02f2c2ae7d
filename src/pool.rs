//! The per-thread pool of byte buffers, the one cache of memory in the
//! library: stream input buffers (`buffer.rs`), and the scratch buffer a
//! call builds its result in before Lua copies it (datagrams, the MIME
//! codecs, URL escaping).
//!
//! LuaSocket keeps a fixed 8 KiB buffer inside every socket object. Here a
//! socket holds a buffer only while bytes wait in it, and gives it back
//! here, so idle sockets cost almost no memory while busy ones reuse warm
//! memory instead of allocating per call. Buffers are taken out of the pool
//! (not borrowed), so a Lua error raised while one is in use only loses
//! that buffer.

use std::cell::{Cell, RefCell};

/// Size of a stream's input buffer, and bytes asked per read, for a socket
/// that receives a little at a time.
pub(crate) const CHUNK: usize = 16 * 1024;
/// The same for a fast stream: larger reads mean fewer system calls (and,
/// on TCP, fewer window updates and wake-ups of the sender) per byte.
pub(crate) const BIG_CHUNK: usize = 512 * 1024;

/// The largest stream buffer the pool keeps.
pub(crate) const MAX_POOLED: usize = 2 * BIG_CHUNK;

/// Which buffers a tier holds and how many it keeps.
struct Tier {
    /// Buffers with a capacity in `min..=max` are kept...
    min: usize,
    max: usize,
    /// ...up to this many.
    keep: usize,
}

/// Chunk-sized stream buffers.
const SMALL: Tier = Tier {
    min: CHUNK,
    max: BIG_CHUNK - 1,
    keep: 16,
};
/// Big-chunk-sized stream buffers (1 MiB at most).
const BIG: Tier = Tier {
    min: BIG_CHUNK,
    max: MAX_POOLED,
    keep: 2,
};
/// The scratch buffer: one call's output, then back. One is enough, as
/// calls on a thread do not nest (so it is a single slot, the cheapest
/// thing to take from); a larger one is freed rather than kept.
const SCRATCH_MAX: usize = 4 << 20;

/// Each thread's spare stream buffers, one list per tier.
struct Pool {
    small: Vec<Vec<u8>>,
    big: Vec<Vec<u8>>,
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool { small: Vec::new(), big: Vec::new() })
    };
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

fn take_from(pick: fn(&mut Pool) -> &mut Vec<Vec<u8>>) -> Option<Vec<u8>> {
    POOL.try_with(|p| pick(&mut p.borrow_mut()).pop())
        .ok()
        .flatten()
}

fn give_to(tier: &Tier, pick: fn(&mut Pool) -> &mut Vec<Vec<u8>>, v: Vec<u8>) {
    if !(tier.min..=tier.max).contains(&v.capacity()) {
        return;
    }
    // try_with: during thread teardown the pool may already be gone.
    let _ = POOL.try_with(|p| {
        let mut p = p.borrow_mut();
        let list = pick(&mut p);
        if list.len() < tier.keep {
            list.push(v);
        }
    });
}

/// An empty stream buffer of at least [`BIG_CHUNK`] bytes if `big`, else
/// of at least [`CHUNK`].
pub(crate) fn take_stream(big: bool) -> Vec<u8> {
    let pooled = if big {
        take_from(|p| &mut p.big)
    } else {
        take_from(|p| &mut p.small)
    };
    match pooled {
        Some(mut v) => {
            v.clear();
            v
        }
        None => Vec::with_capacity(if big { BIG_CHUNK } else { CHUNK }),
    }
}

/// Gives a stream buffer back (kept if its size fits a tier).
pub(crate) fn give_stream(v: Vec<u8>) {
    if v.capacity() >= BIG.min {
        give_to(&BIG, |p| &mut p.big, v)
    } else {
        give_to(&SMALL, |p| &mut p.small, v)
    }
}

/// The thread's scratch buffer. Its length is whatever it was given back
/// with: those bytes are initialised, and a caller that writes by index
/// (`mime::Out`) reuses them without zeroing them again. Callers that
/// append clear it first.
#[inline]
pub(crate) fn take_scratch() -> Vec<u8> {
    SCRATCH.try_with(Cell::take).unwrap_or_default()
}

/// Gives the scratch buffer back (freed instead if it grew very large).
#[inline]
pub(crate) fn give_scratch(v: Vec<u8>) {
    if v.capacity() <= SCRATCH_MAX {
        // try_with: during thread teardown the slot may already be gone.
        let _ = SCRATCH.try_with(|c| c.set(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_by_size() {
        let v = take_stream(false);
        assert!(v.capacity() >= CHUNK && v.is_empty());
        let p = v.as_ptr();
        give_stream(v);
        let again = take_stream(false);
        assert_eq!(again.as_ptr(), p, "the same buffer again");

        let v = take_stream(true);
        assert!(v.capacity() >= BIG_CHUNK);
        give_stream(v);
        let mut huge = Vec::<u8>::with_capacity(4 * BIG_CHUNK);
        huge.push(1);
        give_stream(huge);
        assert!(
            take_stream(true).capacity() <= 2 * BIG_CHUNK,
            "too big to keep"
        );
    }

    #[test]
    fn scratch_keeps_its_initialised_bytes() {
        let mut v = take_scratch();
        v.clear();
        v.extend_from_slice(b"abc");
        give_scratch(v);
        assert_eq!(take_scratch(), b"abc");
    }
}
