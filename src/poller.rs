//! The interest set behind `socket.poller()`: members kept across waits, so
//! that a wait costs what is ready, not what is watched.
//!
//! No LuaSocket counterpart (LuaSocket only has `select`, which rebuilds its
//! whole set on every call). Backed by epoll on Linux; poll(2) is the
//! fallback where epoll cannot be had (or when asked for), and costs one
//! pass over the members per wait, as `select` does.
//!
//! Members are slots; what the kernel carries for a member is a token (its
//! slot and the slot's generation), never the descriptor, so a descriptor
//! closed and reused by another socket cannot deliver events to the old
//! member. A member can be one of our sockets, whose descriptor may change
//! while it is a member (connect reopens it for another family, `setfd`
//! replaces it, `close` ends it): the socket tells every poller watching it
//! through [`notify`] (called from `Sock::fd_changed` and when its input
//! buffer changes), which queues the member's token in a per-thread queue of
//! that poller; the next wait (or add, modify, remove) reads the queue, so
//! it never scans idle members. Members with buffered input count as
//! readable without a system call; they are kept in their own small list.
//!
//! This file knows nothing of Lua: the glue (`glue/poller.rs`) maps slots to
//! Lua values and reads each changed socket's `poll_entry`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::os::fd::RawFd;

use crate::error::NetError;
use crate::io;
#[cfg(target_os = "linux")]
use crate::sys::epoll;
use crate::timeout::Deadline;

/// Readiness bits of an interest or a result.
pub(crate) const READ: u8 = 1;
pub(crate) const WRITE: u8 = 2;
/// In a result: the descriptor is not open any more (poll's POLLNVAL); the
/// member is to be dropped, not reported.
pub(crate) const GONE: u8 = 4;

/// At most this many kernel events are taken per wait; more stay ready
/// (level-triggered) for the next one.
const MAX_EVENTS: usize = 1024;

/// `"r"`, `"w"` or `"rw"` as bits; `None` for anything else.
pub(crate) fn parse_events(s: &[u8]) -> Option<u8> {
    match s {
        b"r" => Some(READ),
        b"w" => Some(WRITE),
        b"rw" => Some(READ | WRITE),
        _ => None,
    }
}

/// The text of readiness bits: `"r"`, `"w"` or `"rw"`.
pub(crate) fn events_text(bits: u8) -> &'static str {
    match bits & (READ | WRITE) {
        READ => "r",
        WRITE => "w",
        _ => "rw",
    }
}

thread_local! {
    /// Per live poller (by id): the tokens of members whose socket changed.
    static QUEUES: RefCell<HashMap<u64, Vec<u64>>> = RefCell::new(HashMap::new());
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// One poller watching one socket: kept in the socket (`Sock`).
#[derive(Debug)]
pub(crate) struct Watch {
    poller: u64,
    token: u64,
    /// The token is in the poller's queue already (one entry per wait is
    /// enough, however often the socket changes in between).
    queued: bool,
    /// The descriptor changed (not only the buffered input): the poller
    /// registers it anew even if its number is the same.
    moved: bool,
}

/// Records `token` in the queue of every poller of `watches`; `moved`
/// says the descriptor changed. Forgets the watches of pollers that are
/// gone.
pub(crate) fn notify(watches: &mut Vec<Watch>, moved: bool) {
    QUEUES.with(|q| {
        let mut q = q.borrow_mut();
        watches.retain_mut(|w| {
            w.moved |= moved;
            if w.queued {
                return true;
            }
            match q.get_mut(&w.poller) {
                Some(list) => {
                    list.push(w.token);
                    w.queued = true;
                    true
                }
                None => false,
            }
        });
    });
}

/// Makes `watches` hold poller `id`'s watch with `token`, not queued.
/// Returns whether the descriptor may have changed since the last call:
/// the watch said so, or there was none (`close` drops them all).
pub(crate) fn set_watch(watches: &mut Vec<Watch>, id: u64, token: u64) -> bool {
    match watches.iter_mut().find(|w| w.poller == id) {
        Some(w) => {
            let moved = w.moved;
            w.token = token;
            w.queued = false;
            w.moved = false;
            moved
        }
        None => {
            watches.push(Watch {
                poller: id,
                token,
                queued: false,
                moved: false,
            });
            true
        }
    }
}

/// Forgets poller `id`'s watch.
pub(crate) fn drop_watch(watches: &mut Vec<Watch>, id: u64) {
    watches.retain(|w| w.poller != id);
}

#[derive(Debug, Default, Clone)]
struct Slot {
    gen: u32,
    used: bool,
    fd: RawFd,
    interest: u8,
    /// A member that is not one of our sockets (its `dirty` is asked at
    /// every wait).
    foreign: bool,
    /// Index + 1 in `buffered`, 0 when not there.
    in_buffered: usize,
    /// Index in `foreign` (foreign members only).
    in_foreign: usize,
    /// Index in the poll backend's descriptor array.
    in_poll: usize,
    /// Index + 1 in the ready list of the wait under way, 0 when not there.
    in_ready: usize,
}

#[derive(Debug)]
enum Backend {
    #[cfg(target_os = "linux")]
    Epoll {
        epfd: RawFd,
        events: Vec<epoll::Event>,
    },
    Poll {
        fds: Vec<libc::pollfd>,
        /// The slot of each entry of `fds`.
        owners: Vec<u32>,
    },
    Closed,
}

/// The interest set. Lua sees it as `socket.poller()`.
#[derive(Debug)]
pub(crate) struct Poller {
    id: u64,
    backend: Backend,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Which member registered each descriptor (for the epoll backend's
    /// re-registration after a descriptor number changed hands).
    by_fd: HashMap<RawFd, u32>,
    buffered: Vec<u32>,
    foreign: Vec<u32>,
    count: usize,
    ready: Vec<(u32, u8)>,
}

impl Poller {
    /// A new empty set: epoll-backed unless `use_poll` (or epoll fails).
    pub(crate) fn new(use_poll: bool) -> Result<Poller, NetError> {
        let backend = if use_poll {
            Backend::Poll {
                fds: Vec::new(),
                owners: Vec::new(),
            }
        } else {
            Self::epoll_backend().unwrap_or(Backend::Poll {
                fds: Vec::new(),
                owners: Vec::new(),
            })
        };
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        QUEUES.with(|q| q.borrow_mut().insert(id, Vec::new()));
        Ok(Poller {
            id,
            backend,
            slots: Vec::new(),
            free: Vec::new(),
            by_fd: HashMap::new(),
            buffered: Vec::new(),
            foreign: Vec::new(),
            count: 0,
            ready: Vec::new(),
        })
    }

    #[cfg(target_os = "linux")]
    fn epoll_backend() -> Option<Backend> {
        let epfd = epoll::create().ok()?;
        Some(Backend::Epoll {
            epfd,
            events: Vec::new(),
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn epoll_backend() -> Option<Backend> {
        None
    }

    /// This poller's id, for the watches of its sockets.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// `"epoll"`, `"poll"`, or `"closed"`.
    pub(crate) fn backend(&self) -> &'static str {
        match self.backend {
            #[cfg(target_os = "linux")]
            Backend::Epoll { .. } => "epoll",
            Backend::Poll { .. } => "poll",
            Backend::Closed => "closed",
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        matches!(self.backend, Backend::Closed)
    }

    /// How many members.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The token the kernel carries for `slot`.
    pub(crate) fn token(&self, slot: u32) -> u64 {
        u64::from(slot) | (u64::from(self.slots[slot as usize].gen) << 32)
    }

    /// The member a token stands for, if it is still that member.
    pub(crate) fn slot_of(&self, token: u64) -> Option<u32> {
        let slot = (token & 0xffff_ffff) as u32;
        let s = self.slots.get(slot as usize)?;
        (s.used && u64::from(s.gen) == token >> 32).then_some(slot)
    }

    /// The foreign members (their `dirty` is asked at each wait).
    pub(crate) fn foreign(&self) -> &[u32] {
        &self.foreign
    }

    /// Whether `slot` is a foreign member.
    pub(crate) fn is_foreign(&self, slot: u32) -> bool {
        self.slots[slot as usize].foreign
    }

    /// The descriptor `slot` is registered with.
    pub(crate) fn fd_of(&self, slot: u32) -> RawFd {
        self.slots[slot as usize].fd
    }

    /// The interest of `slot`.
    pub(crate) fn interest_of(&self, slot: u32) -> u8 {
        self.slots[slot as usize].interest
    }

    /// Moves the tokens of changed sockets into `out` (emptied first).
    pub(crate) fn take_changes(&self, out: &mut Vec<u64>) {
        out.clear();
        QUEUES.with(|q| {
            if let Some(list) = q.borrow_mut().get_mut(&self.id) {
                std::mem::swap(list, out);
            }
        });
    }

    /// Adds a member on `fd` for `interest`; `buffered` says it has input
    /// waiting already. Returns its slot.
    pub(crate) fn insert(
        &mut self,
        fd: RawFd,
        interest: u8,
        foreign: bool,
        buffered: bool,
    ) -> Result<u32, NetError> {
        if self.is_closed() {
            return Err(NetError::Closed);
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot::default());
                (self.slots.len() - 1) as u32
            }
        };
        {
            let s = &mut self.slots[slot as usize];
            s.used = true;
            s.fd = fd;
            s.interest = interest;
            s.foreign = foreign;
        }
        if let Err(e) = self.register(slot) {
            self.release(slot);
            return Err(e);
        }
        if foreign {
            self.slots[slot as usize].in_foreign = self.foreign.len();
            self.foreign.push(slot);
        }
        self.set_buffered(slot, buffered);
        self.count += 1;
        Ok(slot)
    }

    /// Changes what member `slot` waits on: its descriptor, its interest,
    /// whether it has buffered input. A failure (the new descriptor cannot
    /// be registered) removes the member.
    /// `moved` registers the descriptor anew even if its number is the same
    /// (a new socket may have taken the number of a closed one).
    pub(crate) fn update(
        &mut self,
        slot: u32,
        fd: RawFd,
        interest: u8,
        buffered: bool,
        moved: bool,
    ) -> Result<(), NetError> {
        let (old_fd, old_interest) = {
            let s = &self.slots[slot as usize];
            (s.fd, s.interest)
        };
        if old_fd != fd || moved {
            self.unregister(slot);
            let s = &mut self.slots[slot as usize];
            s.fd = fd;
            s.interest = interest;
            if let Err(e) = self.register(slot) {
                self.remove(slot);
                return Err(e);
            }
        } else if old_interest != interest {
            self.slots[slot as usize].interest = interest;
            self.reregister(slot)?;
        }
        self.set_buffered(slot, buffered);
        Ok(())
    }

    /// Removes member `slot`.
    pub(crate) fn remove(&mut self, slot: u32) {
        if !self.slots.get(slot as usize).is_some_and(|s| s.used) {
            return;
        }
        self.unregister(slot);
        self.set_buffered(slot, false);
        if self.slots[slot as usize].foreign {
            let at = self.slots[slot as usize].in_foreign;
            self.foreign.swap_remove(at);
            if let Some(&moved) = self.foreign.get(at) {
                self.slots[moved as usize].in_foreign = at;
            }
        }
        self.count -= 1;
        self.release(slot);
    }

    fn release(&mut self, slot: u32) {
        let s = &mut self.slots[slot as usize];
        let gen = s.gen.wrapping_add(1);
        *s = Slot {
            gen,
            ..Slot::default()
        };
        self.free.push(slot);
    }

    fn set_buffered(&mut self, slot: u32, buffered: bool) {
        let at = self.slots[slot as usize].in_buffered;
        if buffered && at == 0 {
            self.buffered.push(slot);
            self.slots[slot as usize].in_buffered = self.buffered.len();
        } else if !buffered && at != 0 {
            self.buffered.swap_remove(at - 1);
            if let Some(&moved) = self.buffered.get(at - 1) {
                self.slots[moved as usize].in_buffered = at;
            }
            self.slots[slot as usize].in_buffered = 0;
        }
    }

    /// Tells the kernel (or the poll array) about member `slot`.
    fn register(&mut self, slot: u32) -> Result<(), NetError> {
        let token = self.token(slot);
        let s = &self.slots[slot as usize];
        let (fd, interest) = (s.fd, s.interest);
        match &mut self.backend {
            #[cfg(target_os = "linux")]
            Backend::Epoll { epfd, .. } => {
                epoll::add(*epfd, fd, epoll_bits(interest), token)?;
                self.by_fd.insert(fd, slot);
            }
            Backend::Poll { fds, owners } => {
                self.slots[slot as usize].in_poll = fds.len();
                fds.push(libc::pollfd {
                    fd,
                    events: poll_bits(interest),
                    revents: 0,
                });
                owners.push(slot);
            }
            Backend::Closed => return Err(NetError::Closed),
        }
        Ok(())
    }

    /// Tells the kernel the new interest of member `slot`.
    fn reregister(&mut self, slot: u32) -> Result<(), NetError> {
        let token = self.token(slot);
        let s = &self.slots[slot as usize];
        match &mut self.backend {
            #[cfg(target_os = "linux")]
            Backend::Epoll { epfd, .. } => {
                epoll::modify(*epfd, s.fd, epoll_bits(s.interest), token)?;
            }
            Backend::Poll { fds, .. } => fds[s.in_poll].events = poll_bits(s.interest),
            Backend::Closed => return Err(NetError::Closed),
        }
        Ok(())
    }

    /// Forgets the registration of member `slot` (its descriptor may be
    /// closed already, or now belong to another file).
    fn unregister(&mut self, slot: u32) {
        let fd = self.slots[slot as usize].fd;
        match &mut self.backend {
            #[cfg(target_os = "linux")]
            Backend::Epoll { epfd, .. } => {
                let epfd = *epfd;
                // Errors are expected: a closed descriptor left the set by
                // itself.
                let _ = epoll::delete(epfd, fd);
                match self.by_fd.get(&fd).copied() {
                    Some(s) if s == slot => {
                        self.by_fd.remove(&fd);
                    }
                    Some(other) => {
                        // The number now belongs to another member's file,
                        // whose registration the delete may have removed:
                        // put it back.
                        let o = &self.slots[other as usize];
                        let bits = epoll_bits(o.interest);
                        let token = self.token(other);
                        if epoll::add(epfd, fd, bits, token).is_err() {
                            let _ = epoll::modify(epfd, fd, bits, token);
                        }
                    }
                    None => {}
                }
            }
            Backend::Poll { fds, owners } => {
                let at = self.slots[slot as usize].in_poll;
                fds.swap_remove(at);
                owners.swap_remove(at);
                if let Some(&moved) = owners.get(at) {
                    self.slots[moved as usize].in_poll = at;
                }
            }
            Backend::Closed => {}
        }
    }

    /// Waits for members to become ready, at most `timeout` seconds
    /// (negative: no limit; 0: look without waiting). Members with
    /// buffered input and those of `dirty` (foreign members whose `dirty`
    /// said true) are ready for reading at once. Returns the ready members
    /// and their readiness bits (a member once; [`GONE`] marks one whose
    /// descriptor is not open).
    pub(crate) fn wait(&mut self, timeout: f64, dirty: &[u32]) -> Result<&[(u32, u8)], NetError> {
        for &slot in &self.ready {
            self.slots[slot.0 as usize].in_ready = 0;
        }
        self.ready.clear();
        if self.is_closed() {
            return Err(NetError::Closed);
        }
        // Buffered or dirty members are readable, if reading is wanted.
        for i in 0..self.buffered.len() {
            let slot = self.buffered[i];
            if self.slots[slot as usize].interest & READ != 0 {
                self.mark_ready(slot, READ);
            }
        }
        for &slot in dirty {
            if self.slots[slot as usize].interest & READ != 0 {
                self.mark_ready(slot, READ);
            }
        }
        let dl = Deadline::after(if self.ready.is_empty() { timeout } else { 0.0 });
        match &mut self.backend {
            #[cfg(target_os = "linux")]
            Backend::Epoll { epfd, events } => {
                let epfd = *epfd;
                let want = self.count.clamp(1, MAX_EVENTS);
                if events.len() < want {
                    events.resize(want, epoll::empty_event());
                }
                let mut events = std::mem::take(events);
                let before = self.ready.len();
                loop {
                    let n = match epoll::wait(epfd, &mut events, dl.remaining()) {
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => 0,
                        Err(e) => {
                            self.put_events(events);
                            return Err(e.into());
                        }
                    };
                    for ev in &events[..n] {
                        let (bits, token) = (ev.events, ev.u64);
                        if let Some(slot) = self.slot_of(token) {
                            let interest = self.slots[slot as usize].interest;
                            let got = from_epoll(bits) & interest;
                            if got != 0 {
                                self.mark_ready(slot, got);
                            }
                        }
                    }
                    // Events only for members that have left (a stale
                    // token) wake the wait early: wait again for the time
                    // left.
                    if self.ready.len() > before
                        || dl.remaining() == Some(std::time::Duration::ZERO)
                    {
                        break;
                    }
                }
                self.put_events(events);
            }
            Backend::Poll { fds, owners } => {
                let mut fds = std::mem::take(fds);
                let owners = std::mem::take(owners);
                let r = io::wait_any(&mut fds, &dl, None);
                if r.is_ok() {
                    for (i, p) in fds.iter().enumerate() {
                        if p.revents == 0 {
                            continue;
                        }
                        let slot = owners[i];
                        let got = if p.revents & libc::POLLNVAL != 0 {
                            GONE
                        } else {
                            from_poll(p.revents) & self.slots[slot as usize].interest
                        };
                        if got != 0 {
                            self.mark_ready(slot, got);
                        }
                    }
                }
                if let Backend::Poll { fds: f, owners: o } = &mut self.backend {
                    *f = fds;
                    *o = owners;
                }
                r?;
            }
            Backend::Closed => return Err(NetError::Closed),
        }
        Ok(&self.ready)
    }

    #[cfg(target_os = "linux")]
    fn put_events(&mut self, events: Vec<epoll::Event>) {
        if let Backend::Epoll { events: e, .. } = &mut self.backend {
            *e = events;
        }
    }

    fn mark_ready(&mut self, slot: u32, bits: u8) {
        let s = &mut self.slots[slot as usize];
        if s.in_ready == 0 {
            self.ready.push((slot, bits));
            s.in_ready = self.ready.len();
        } else {
            self.ready[s.in_ready - 1].1 |= bits;
        }
    }

    /// Closes the set: releases the epoll descriptor and all memory. The
    /// members' watches of this poller lapse (see [`notify`]).
    pub(crate) fn close(&mut self) {
        #[cfg(target_os = "linux")]
        if let Backend::Epoll { epfd, .. } = self.backend {
            crate::sys::close(epfd);
        }
        self.backend = Backend::Closed;
        self.slots = Vec::new();
        self.free = Vec::new();
        self.by_fd = HashMap::new();
        self.buffered = Vec::new();
        self.foreign = Vec::new();
        self.ready = Vec::new();
        self.count = 0;
        QUEUES.with(|q| q.borrow_mut().remove(&self.id));
    }
}

#[cfg(target_os = "linux")]
fn epoll_bits(interest: u8) -> u32 {
    let mut bits = 0;
    if interest & READ != 0 {
        bits |= epoll::IN | epoll::RDHUP;
    }
    if interest & WRITE != 0 {
        bits |= epoll::OUT;
    }
    bits
}

/// Readiness from epoll's bits. An error or hang-up counts for both
/// directions: the next receive or send reports it.
#[cfg(target_os = "linux")]
fn from_epoll(bits: u32) -> u8 {
    let mut got = 0;
    if bits & (epoll::IN | epoll::RDHUP | epoll::HUP | epoll::ERR) != 0 {
        got |= READ;
    }
    if bits & (epoll::OUT | epoll::HUP | epoll::ERR) != 0 {
        got |= WRITE;
    }
    got
}

fn poll_bits(interest: u8) -> libc::c_short {
    let mut bits = 0;
    if interest & READ != 0 {
        bits |= libc::POLLIN;
    }
    if interest & WRITE != 0 {
        bits |= libc::POLLOUT;
    }
    bits
}

fn from_poll(revents: libc::c_short) -> u8 {
    let mut got = 0;
    if revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 {
        got |= READ;
    }
    if revents & (libc::POLLOUT | libc::POLLHUP | libc::POLLERR) != 0 {
        got |= WRITE;
    }
    got
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sock::Sock;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::time::Instant;

    fn backends() -> [bool; 2] {
        [false, true]
    }

    fn ready(p: &mut Poller, timeout: f64) -> Vec<(u32, u8)> {
        p.wait(timeout, &[]).unwrap().to_vec()
    }

    #[test]
    fn reports_readable_and_writable_members() {
        for use_poll in backends() {
            let mut p = Poller::new(use_poll).unwrap();
            let (mut a, b) = UnixStream::pair().unwrap();
            let (c, _d) = UnixStream::pair().unwrap();
            let rb = p.insert(b.as_raw_fd(), READ, false, false).unwrap();
            let rc = p.insert(c.as_raw_fd(), READ, false, false).unwrap();
            assert_eq!(p.count(), 2);
            assert!(ready(&mut p, 0.0).is_empty());
            a.write_all(b"x").unwrap();
            assert_eq!(ready(&mut p, 1.0), vec![(rb, READ)]);
            p.update(rc, c.as_raw_fd(), READ | WRITE, false, false)
                .unwrap();
            let mut got = ready(&mut p, 1.0);
            got.sort();
            assert_eq!(got, vec![(rb, READ), (rc, WRITE)]);
            p.remove(rb);
            assert_eq!(ready(&mut p, 0.0), vec![(rc, WRITE)]);
            assert_eq!(p.count(), 1);
            p.close();
            assert!(p.wait(0.0, &[]).is_err());
        }
    }

    #[test]
    fn buffered_and_dirty_members_are_ready_at_once() {
        for use_poll in backends() {
            let mut p = Poller::new(use_poll).unwrap();
            let (_a, b) = UnixStream::pair().unwrap();
            let (_c, d) = UnixStream::pair().unwrap();
            let sb = p.insert(b.as_raw_fd(), READ, false, true).unwrap();
            let sd = p.insert(d.as_raw_fd(), READ, true, false).unwrap();
            assert_eq!(p.foreign(), &[sd]);
            let t0 = Instant::now();
            assert_eq!(p.wait(-1.0, &[sd]).unwrap(), &[(sb, READ), (sd, READ)]);
            assert!(t0.elapsed().as_secs_f64() < 0.5);
            p.update(sb, b.as_raw_fd(), READ, false, false).unwrap();
            assert!(ready(&mut p, 0.0).is_empty());
            p.close();
        }
    }

    #[test]
    fn a_token_outlives_its_member_harmlessly() {
        for use_poll in backends() {
            let mut p = Poller::new(use_poll).unwrap();
            let (mut a, b) = UnixStream::pair().unwrap();
            let old = p.insert(b.as_raw_fd(), READ, false, false).unwrap();
            let token = p.token(old);
            p.remove(old);
            assert_eq!(p.slot_of(token), None);
            let again = p.insert(b.as_raw_fd(), READ, false, false).unwrap();
            assert_eq!(again, old, "the slot is reused");
            assert_ne!(p.token(again), token, "with a new generation");
            a.write_all(b"x").unwrap();
            assert_eq!(ready(&mut p, 1.0), vec![(again, READ)]);
            p.close();
        }
    }

    #[test]
    fn a_closed_and_reused_number_reaches_only_the_new_member() {
        for use_poll in backends() {
            let mut p = Poller::new(use_poll).unwrap();
            let (_a, b) = UnixStream::pair().unwrap();
            let old = p.insert(b.as_raw_fd(), READ, false, false).unwrap();
            let old_fd = b.as_raw_fd();
            drop(b);
            // The next descriptor opened usually takes the same number
            // (other tests run in parallel threads and may take it first).
            let (c, d) = UnixStream::pair().unwrap();
            let (mine, mut peer) = if d.as_raw_fd() == old_fd {
                (d, c)
            } else {
                (c, d)
            };
            let new = p.insert(mine.as_raw_fd(), READ, false, false).unwrap();
            // The old member learns its descriptor is gone after the new
            // one was added: dropping it must leave the new one working.
            p.remove(old);
            peer.write_all(b"x").unwrap();
            assert_eq!(ready(&mut p, 1.0), vec![(new, READ)]);
            p.close();
        }
    }

    #[test]
    fn a_changed_descriptor_is_followed() {
        for use_poll in backends() {
            let mut p = Poller::new(use_poll).unwrap();
            let (mut a, b) = UnixStream::pair().unwrap();
            let (mut c, d) = UnixStream::pair().unwrap();
            let s = p.insert(b.as_raw_fd(), READ, false, false).unwrap();
            p.update(s, d.as_raw_fd(), READ, false, false).unwrap();
            a.write_all(b"x").unwrap();
            assert!(ready(&mut p, 0.05).is_empty(), "the old descriptor left");
            c.write_all(b"y").unwrap();
            assert_eq!(ready(&mut p, 1.0), vec![(s, READ)]);
            p.close();
        }
    }

    #[test]
    fn watches_queue_once_per_wait_and_lapse_with_their_poller() {
        let p = Poller::new(false).unwrap();
        let mut watches = Vec::new();
        assert!(set_watch(&mut watches, p.id(), 7), "new: may have moved");
        notify(&mut watches, false);
        notify(&mut watches, true);
        let mut out = Vec::new();
        p.take_changes(&mut out);
        assert_eq!(out, vec![7]);
        assert!(set_watch(&mut watches, p.id(), 7), "moved");
        notify(&mut watches, false);
        assert!(!set_watch(&mut watches, p.id(), 7), "buffer change only");
        let mut p = p;
        p.close();
        notify(&mut watches, false);
        assert!(watches.is_empty());
    }

    #[test]
    fn poll_reports_a_closed_descriptor_as_gone() {
        let mut p = Poller::new(true).unwrap();
        let (_a, b) = UnixStream::pair().unwrap();
        let s = p.insert(b.as_raw_fd(), READ, true, false).unwrap();
        drop(b);
        assert_eq!(ready(&mut p, 1.0), vec![(s, GONE)]);
        p.close();
    }

    /// What the glue does at each wait for a changed socket: read its
    /// `poll_entry` and update the member.
    fn sync(p: &mut Poller, sock: &mut Sock, slot: u32) {
        let mut changes = Vec::new();
        p.take_changes(&mut changes);
        for token in changes {
            assert_eq!(p.slot_of(token), Some(slot));
            let moved = sock.watch(p.id(), token);
            match sock.poll_entry() {
                Some((fd, buffered)) => {
                    let interest = p.interest_of(slot);
                    p.update(slot, fd, interest, buffered, moved).unwrap();
                }
                None => {
                    sock.unwatch(p.id());
                    p.remove(slot);
                }
            }
        }
    }

    #[test]
    fn a_socket_tells_its_pollers_what_changed() {
        use socket2::Type;
        for use_poll in backends() {
            let mut p = Poller::new(use_poll).unwrap();
            assert_eq!(p.backend(), if use_poll { "poll" } else { "epoll" });
            let mut sock = Sock::create(libc::AF_INET, Type::STREAM).unwrap();
            let (fd, _) = sock.poll_entry().unwrap();
            let slot = p.insert(fd, WRITE, false, false).unwrap();
            assert!(!p.is_foreign(slot));
            assert!(sock.watch(p.id(), p.token(slot)));
            // setfd: the poller follows the new descriptor.
            let (_a, b) = UnixStream::pair().unwrap();
            let old = sock.fd();
            sock.set_fd(b.as_raw_fd());
            sync(&mut p, &mut sock, slot);
            assert_eq!(p.fd_of(slot), b.as_raw_fd());
            assert_eq!(ready(&mut p, 1.0), vec![(slot, WRITE)]);
            crate::sys::close(old);
            // close: the member leaves at the next sync.
            sock.set_fd(-1);
            sync(&mut p, &mut sock, slot);
            assert_eq!(p.count(), 0);
            p.close();
        }
    }

    #[test]
    fn parses_and_prints_events() {
        assert_eq!(parse_events(b"r"), Some(READ));
        assert_eq!(parse_events(b"w"), Some(WRITE));
        assert_eq!(parse_events(b"rw"), Some(READ | WRITE));
        assert_eq!(parse_events(b"wr"), None);
        assert_eq!(parse_events(b""), None);
        assert_eq!(events_text(READ | WRITE), "rw");
        assert_eq!(events_text(WRITE), "w");
    }
}
