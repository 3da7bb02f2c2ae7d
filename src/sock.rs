//! The socket core shared by every object kind: the descriptor, its family,
//! its timeout and input buffer, and the operations on them (create, bind,
//! connect with a deadline, accept, stream send/receive, datagram
//! send/receive, unix-domain paths, shutdown, close, names).
//!
//! Replaces LuaSocket's `usocket.c` plus the common parts of `tcp.c`,
//! `udp.c` and `unix*.c`. The descriptor is held raw (not as a socket2
//! `Socket`) because `setfd` lets Lua replace it without closing the old one,
//! and LuaSec detaches with `setfd(-1)`; socket2 is used through a borrowed
//! view (`sys::with_fd`).
//!
//! Differences on purpose: `connect(host, port)` gives the whole call one
//! deadline (upstream restarts the timer for each address) and races the
//! addresses the way RFC 8305 describes (see `inet::race`); datagrams are
//! received whole into one reused per-thread buffer instead of being cut at
//! 8192 bytes.

use std::os::fd::{IntoRawFd, RawFd};

use socket2::{Domain, Protocol, SockAddr, Type};

use crate::buffer::{InBuf, Pattern, Source};
use crate::error::{gai_message, NetError};
use crate::lookup::{self, Lookup, Pending, Query, StartError};
use crate::options::{self, OptValue, SockOpt};
use crate::sys::{self, AddrInfo, Interest};
use crate::timeout::{gettime, Deadline, Mode, Timeout};
use crate::{inet, io, poller, pool};

/// Bytes handed to one send(2) of a stream shorter than `WHOLE_SEND`.
/// Each step ends with a push, so the peer starts copying the first bytes
/// while this side copies the next. For 64 KiB strings 16 KiB steps did as
/// well as C LuaSocket's 8 KiB ones, and one call per string no better
/// (bench/README.md).
const SEND_STEP: usize = 16 * 1024;
/// From this length on, each send(2) is offered everything not yet sent.
/// Steps cost about as much per byte at any string length, one call per
/// string less the longer the string: on loopback, a C client's one call per
/// 128 KiB string moved 1.8 times what steps did, per 1 MiB string 3.5
/// times, on one VM (kernel build v1300), and as much as steps on another
/// (bench/README.md, "Large sends in one call").
const WHOLE_SEND: usize = 128 * 1024;
/// The largest datagram `receive()` takes without asking the kernel for its
/// size first: any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6)
/// fits. This is `_DATAGRAMSIZE`.
pub(crate) const DATAGRAM_SIZE: usize = 65_535;

/// One socket object's state (the class lives in the Lua metatable). A
/// closed type: the glue and `select` ask it through its methods.
#[derive(Debug)]
pub(crate) struct Sock {
    /// The descriptor; -1 once closed or detached.
    fd: RawFd,
    /// AF_INET, AF_INET6, AF_UNSPEC (no descriptor yet) or AF_UNIX.
    family: i32,
    timeout: Timeout,
    input: InBuf,
    /// Bytes sent (`getstats`).
    sent: f64,
    /// `gettime()` at creation, moved by `setstats`.
    birthday: f64,
    /// Options set through `setoption`, replayed on a descriptor that
    /// replaces this one during connect (another family, or the winner of
    /// a race of connection attempts).
    opts: Vec<(SockOpt, OptValue)>,
    /// A name lookup running on the pool for a call that timed out before
    /// its answer came (the next call with the same name takes the answer),
    /// or the addresses it found. Changed only through [`Sock::set_lookup`].
    /// Boxed: idle sockets, the usual case, pay one pointer for it.
    lookup: Option<Box<Lookup>>,
    /// The pollers this socket is a member of (usually none): each is told
    /// when what [`Sock::poll_entry`] reports changes.
    watches: Vec<poller::Watch>,
    /// Reads that will wait for readiness before trying (`io::retry_read`).
    read_waits: u8,
}

impl Sock {
    /// An object around the descriptor `fd` of `family`.
    fn with_fd(fd: RawFd, family: i32) -> Sock {
        Sock {
            fd,
            family,
            timeout: Timeout::default(),
            input: InBuf::new(),
            sent: 0.0,
            birthday: gettime(),
            opts: Vec::new(),
            lookup: None,
            watches: Vec::new(),
            read_waits: 0,
        }
    }

    /// An object with no descriptor yet: the family-agnostic `tcp()` and
    /// `udp()` (`AF_UNSPEC`), or `socket.connect`'s, which bind and connect
    /// create once they know the address family.
    pub(crate) fn unopened(family: i32) -> Sock {
        Sock::with_fd(-1, family)
    }

    /// An object with a new descriptor of `family` and `socktype`.
    pub(crate) fn create(family: i32, socktype: Type) -> Result<Sock, NetError> {
        Ok(Sock::with_fd(Sock::open(family, socktype)?, family))
    }

    /// Creates a non-blocking descriptor of `family` and `socktype`; IPv6
    /// sockets get `IPV6_V6ONLY`, as LuaSocket sets it.
    fn open(family: i32, socktype: Type) -> Result<RawFd, NetError> {
        // SOCK_NONBLOCK at creation saves two fcntl calls per socket.
        let s = socket2::Socket::new(
            Domain::from(family),
            socktype.nonblocking(),
            None::<Protocol>,
        )?;
        if family == libc::AF_INET6 {
            let _ = s.set_only_v6(true);
        }
        Ok(s.into_raw_fd())
    }

    /// The descriptor, -1 once closed or detached (`getfd`). While a name
    /// lookup is pending, the descriptor that turns ready (readable and
    /// writable) when its answer is in, so that a loop waiting on `getfd`
    /// or in `select` wakes up to call again.
    pub(crate) fn fd(&self) -> RawFd {
        self.lookup
            .as_deref()
            .and_then(Lookup::watch_fd)
            .unwrap_or(self.fd)
    }

    /// Starts, replaces or ends (`None`) the socket's lookup: the one place
    /// where what `getfd` and `poll_entry` report changes because of a
    /// lookup. Dropping a pending lookup closes its descriptors at once.
    fn set_lookup(&mut self, lookup: Option<Lookup>) {
        if self.lookup.is_none() && lookup.is_none() {
            return;
        }
        let before = self.lookup.as_deref().and_then(Lookup::watch_fd);
        let after = lookup.as_ref().and_then(Lookup::watch_fd);
        self.lookup = lookup.map(Box::new);
        if before != after {
            self.fd_changed();
        }
    }

    /// `AF_INET`, `AF_INET6`, `AF_UNIX`, or `AF_UNSPEC` before the first
    /// descriptor.
    pub(crate) fn family(&self) -> i32 {
        self.family
    }

    /// Closes the descriptor (once) and frees the buffer and the remembered
    /// options. `__gc` calls this and never drops the object in place, so
    /// every heap allocation the object owns must be released here.
    pub(crate) fn close(&mut self) {
        self.set_lookup(None);
        sys::close(self.fd);
        self.fd = -1;
        self.input.clear();
        self.opts = Vec::new();
        self.fd_changed();
        self.watches = Vec::new();
    }

    /// Replaces the descriptor without closing the old one (`setfd`).
    pub(crate) fn set_fd(&mut self, fd: RawFd) {
        self.set_lookup(None);
        self.fd = fd;
        self.input.clear();
        self.opts.clear();
        self.fd_changed();
    }

    /// Tells the pollers this socket is a member of that what
    /// [`Sock::poll_entry`] reports has changed (they read it again at
    /// their next wait). Every place that changes the descriptor calls it;
    /// costs nothing for a socket in no poller.
    #[inline]
    pub(crate) fn fd_changed(&mut self) {
        if !self.watches.is_empty() {
            poller::notify(&mut self.watches, true);
        }
    }

    /// After a receive: whether input is still buffered is part of what
    /// `poll_entry` reports.
    #[inline(always)]
    fn buffer_changed(&mut self) {
        if !self.watches.is_empty() {
            poller::notify(&mut self.watches, false);
        }
    }

    /// Makes poller `id` hear of this socket's changes under `token` (again
    /// after it has read them). Returns whether the descriptor may have
    /// changed since poller `id` last called this.
    pub(crate) fn watch(&mut self, id: u64, token: u64) -> bool {
        poller::set_watch(&mut self.watches, id, token)
    }

    /// Poller `id` stops hearing of this socket's changes.
    pub(crate) fn unwatch(&mut self, id: u64) {
        poller::drop_watch(&mut self.watches, id);
    }

    /// True when received bytes wait in the buffer (`dirty`).
    pub(crate) fn has_buffered_data(&self) -> bool {
        !self.input.is_empty()
    }

    /// Whether a connection left idle is still as it was left: open, with
    /// nothing buffered and nothing waiting on the descriptor (no data, no
    /// end of stream, no error). One poll with no wait.
    pub(crate) fn quiet(&self) -> bool {
        if self.fd < 0 || self.lookup.is_some() || self.has_buffered_data() {
            return false;
        }
        let mut p = [libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN,
            revents: 0,
        }];
        matches!(sys::poll(&mut p, Some(std::time::Duration::ZERO)), Ok(0))
    }

    /// What `select` needs: the descriptor and whether buffered input
    /// makes the socket readable at once; `None` once closed.
    #[inline]
    pub(crate) fn poll_entry(&self) -> Option<(RawFd, bool)> {
        if let Some(fd) = self.lookup.as_deref().and_then(Lookup::watch_fd) {
            return Some((fd, false));
        }
        (self.fd >= 0).then(|| (self.fd, !self.input.is_empty()))
    }

    /// `settimeout(value, mode)`.
    pub(crate) fn set_timeout(&mut self, value: f64, mode: Mode) {
        self.timeout.set(value, mode);
    }

    /// `gettimeout()`: the block and total limits as they were set.
    pub(crate) fn timeouts(&self) -> (f64, f64) {
        (self.timeout.block, self.timeout.total)
    }

    /// `getstats()`: bytes received, bytes sent, and the age in seconds.
    pub(crate) fn stats(&self) -> (f64, f64, f64) {
        (self.input.received, self.sent, gettime() - self.birthday)
    }

    /// `setstats(received, sent [, age])`; counts are truncated.
    pub(crate) fn set_stats(&mut self, received: f64, sent: f64, age: Option<f64>) {
        self.input.received = received.trunc();
        self.sent = sent.trunc();
        if let Some(age) = age {
            self.birthday = gettime() - age;
        }
    }

    /// `setoption`: sets `opt` on the descriptor and remembers it for a
    /// descriptor that may replace this one during connect.
    pub(crate) fn set_option(&mut self, opt: SockOpt, value: OptValue) -> Result<(), NetError> {
        options::set(self.fd, opt, &value)?;
        self.opts.retain(|(o, _)| *o != opt);
        self.opts.push((opt, value));
        Ok(())
    }

    /// `getoption`.
    pub(crate) fn get_option(&self, opt: SockOpt) -> Result<OptValue, NetError> {
        options::get(self.fd, opt)
    }

    /// A new descriptor of `family` carrying the options set so far (those
    /// that do not apply to the family are skipped). The object keeps its
    /// own descriptor: see [`Sock::swap_fd`].
    fn open_with_options(&self, family: i32, socktype: Type) -> Result<RawFd, NetError> {
        let fd = Sock::open(family, socktype)?;
        for (opt, value) in &self.opts {
            let _ = options::set(fd, *opt, value);
        }
        Ok(fd)
    }

    /// Closes the current descriptor and takes `fd` (of `family`) instead.
    fn swap_fd(&mut self, fd: RawFd, family: i32) {
        if fd != self.fd {
            sys::close(self.fd);
        }
        self.fd = fd;
        self.family = family;
        self.input.clear();
        self.fd_changed();
    }

    /// Makes sure the descriptor is one of `family`: creates one when there
    /// is none, or replaces one of another family (the family-agnostic
    /// `tcp()`/`udp()` create theirs once an address says which).
    fn ensure_family(&mut self, family: i32, socktype: Type) -> Result<(), NetError> {
        if self.fd >= 0 && self.family == family {
            return Ok(());
        }
        let fd = self.open_with_options(family, socktype)?;
        self.swap_fd(fd, family);
        Ok(())
    }

    /// Before the first `sendto` of a datagram socket made without a
    /// family (`udp()`): creates its descriptor, of the destination's
    /// family. Does nothing to a socket that has one or had one.
    pub(crate) fn open_for_destination(
        &mut self,
        family: i32,
        socktype: Type,
    ) -> Result<(), NetError> {
        if self.family == libc::AF_UNSPEC && self.fd < 0 {
            self.ensure_family(family, socktype)?;
        }
        Ok(())
    }

    /// `bind(address, port)`: tries each resolved address until one binds.
    pub(crate) fn bind(&mut self, host: &str, port: &str, socktype: Type) -> Result<(), NetError> {
        let host = if host == "*" { None } else { Some(host) };
        let dl = self.timeout.start();
        let query = Query {
            host: host.map(str::to_string),
            port: Some(port.to_string()),
            family: self.family,
            socktype: socktype.into(),
            flags: libc::AI_PASSIVE,
        };
        let addrs = self
            .resolve(query, &dl)?
            .map_err(|e| NetError::Resolve(gai_message(e)))?;
        let mut last = NetError::NoAddress;
        for ai in addrs {
            if let Err(e) = self.ensure_family(ai.family, socktype) {
                last = e;
                continue;
            }
            match sys::with_fd(self.fd, |s| s.bind(&ai.addr)) {
                Ok(()) => return Ok(()),
                Err(e) => last = e.into(),
            }
        }
        Err(last)
    }

    /// `connect(address, port)`: resolves, then connects to one of the
    /// addresses within one deadline for the whole call.
    pub(crate) fn connect(
        &mut self,
        host: &str,
        port: &str,
        socktype: Type,
    ) -> Result<(), NetError> {
        let dl = self.timeout.start();
        let query = Query {
            host: Some(host.to_string()),
            port: Some(port.to_string()),
            family: self.family,
            socktype: socktype.into(),
            flags: 0,
        };
        let addrs = self
            .resolve(query, &dl)?
            .map_err(|e| NetError::Resolve(gai_message(e)))?;
        self.connect_addrs(addrs, socktype, &dl)?;
        self.connected();
        Ok(())
    }

    /// After a successful `connect` or `setpeername`, of any kind of socket:
    /// a client sends first and then waits for the answer, so its first read
    /// would find nothing; it polls first (see `io::retry_read`; a zero
    /// timeout never polls).
    fn connected(&mut self) {
        self.read_waits = 1;
    }

    /// `sendto`'s destination: a numeric address, as upstream requires
    /// (its failures carry the resolver's own text), so `sendto` never
    /// waits for a name server. A lookup an earlier call left pending is
    /// abandoned: the socket now sends elsewhere, and `getfd` must report
    /// the socket again.
    pub(crate) fn destination(
        &mut self,
        host: &str,
        port: &str,
        socktype: Type,
    ) -> Result<AddrInfo, NetError> {
        self.set_lookup(None);
        inet::resolve_numeric(host, port, self.family, socktype)
    }

    /// Resolves `query` within `dl`. Names that may need a name server, with
    /// a finite timeout, are looked up on the pool ([`lookup`]): the call
    /// waits for the answer for the time it has, and else fails with
    /// `timeout`, leaving the lookup pending for the next call with the same
    /// query. Everything else is resolved here, as upstream does. The outer
    /// error is the call's own (timeout, out of descriptors); the inner one
    /// the resolver's.
    fn resolve(&mut self, query: Query, dl: &Deadline) -> Result<lookup::Answer, NetError> {
        match self.lookup.as_deref() {
            // Another name: the old lookup is abandoned or forgotten.
            Some(l) if !l.query().serves(&query) => self.set_lookup(None),
            Some(Lookup::Answered { addrs, at, .. }) => {
                if at.elapsed() < lookup::KEEP {
                    return Ok(Ok(query.keep_family(addrs.clone())));
                }
                self.set_lookup(None);
            }
            _ => {}
        }
        let fd = match self.lookup.as_deref().and_then(Lookup::watch_fd) {
            Some(fd) => fd,
            None => {
                // No limit: in the call, as upstream (and /etc/hosts unread).
                if dl.remaining().is_none()
                    || !query.host.as_deref().is_some_and(lookup::needs_thread)
                {
                    return Ok(query.run());
                }
                let p = match Pending::start(query.clone()) {
                    Ok(p) => p,
                    Err(StartError::Busy(e)) => return Ok(Err(e)),
                    Err(StartError::Os(e)) => return Err(e.into()),
                };
                let fd = p.fd();
                self.set_lookup(Some(Lookup::Pending(p)));
                // A call that may not wait always returns timeout when it
                // starts a lookup, however fast the answer: what a
                // non-blocking call returns does not depend on a race.
                if dl.is_zero() {
                    return Err(NetError::Timeout);
                }
                fd
            }
        };
        let answer = match self.take_answer() {
            Some(answer) => answer,
            None => {
                // A timeout here leaves the lookup pending for the next call.
                io::wait_events(fd, Interest::Write, dl)?;
                self.take_answer().ok_or(NetError::Timeout)?
            }
        };
        Ok(answer.map(|addrs| query.keep_family(addrs)))
    }

    /// The pending lookup's answer, if it is in. Addresses are kept for
    /// the next calls with the same query; a failure is given once.
    fn take_answer(&mut self) -> Option<lookup::Answer> {
        let Some(Lookup::Pending(p)) = self.lookup.as_deref() else {
            return None;
        };
        let answer = p.take()?;
        let kept = match &answer {
            Ok(addrs) => Some(Lookup::Answered {
                query: p.query().clone(),
                addrs: addrs.clone(),
                at: std::time::Instant::now(),
            }),
            Err(_) => None,
        };
        self.set_lookup(kept);
        Some(answer)
    }

    /// Connects to one of `addrs` (in the resolver's order) within `dl`.
    ///
    /// A stream socket that is not yet bound races the addresses (RFC 8305,
    /// `inet::race`), so a dead address costs at most the attempt delay.
    /// Otherwise, as upstream, the addresses are tried one after another on
    /// this descriptor: a zero timeout tries only the first (a non-blocking
    /// connect the caller finishes later), and a bound or already connecting
    /// socket keeps its descriptor, so its kernel state (EALREADY, EISCONN)
    /// is what the caller sees.
    fn connect_addrs(
        &mut self,
        addrs: Vec<AddrInfo>,
        socktype: Type,
        dl: &Deadline,
    ) -> Result<(), NetError> {
        if socktype == Type::STREAM && !dl.is_zero() && self.unbound() {
            let addrs = inet::interleave(addrs);
            let mut open = |family| self.open_with_options(family, socktype);
            let (fd, family) = inet::race(&addrs, &mut open, dl, inet::ATTEMPT_DELAY)?;
            self.swap_fd(fd, family);
            return Ok(());
        }
        let mut last = NetError::NoAddress;
        for ai in addrs {
            if let Err(e) = self.ensure_family(ai.family, socktype) {
                last = e;
                continue;
            }
            match self.connect_addr(&ai.addr, dl) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    let stop = dl.is_zero() || matches!(e, NetError::Timeout);
                    last = e;
                    if stop {
                        break;
                    }
                }
            }
        }
        Err(last)
    }

    /// True when there is no descriptor, or an internet socket that is
    /// neither bound nor connecting (its local port is still 0), so it may
    /// be swapped for the winner of a race.
    fn unbound(&self) -> bool {
        if self.fd < 0 {
            return true;
        }
        matches!(
            sys::with_fd(self.fd, |s| s.local_addr()).map(|a| a.as_socket()),
            Ok(Some(a)) if a.port() == 0
        )
    }

    /// connect(2) on the non-blocking descriptor, waiting for the outcome
    /// within the deadline. A zero timeout returns `timeout` at once, and a
    /// later call reports the kernel's answer (EALREADY while in progress,
    /// success once, then EISCONN), as LuaSocket does.
    fn connect_addr(&mut self, addr: &SockAddr, dl: &Deadline) -> Result<(), NetError> {
        if self.fd < 0 {
            return Err(NetError::Closed);
        }
        match sys::connect(self.fd, addr) {
            Ok(()) => return Ok(()),
            Err(e) if io::connect_in_progress(&e) => {}
            Err(e) => return Err(e.into()),
        }
        if dl.is_zero() {
            return Err(NetError::Timeout);
        }
        // Writable with no error or hang-up: connected, no SO_ERROR needed.
        if !sys::poll_failed(io::wait_events(self.fd, Interest::Write, dl)?) {
            return Ok(());
        }
        match sys::with_fd(self.fd, |s| s.take_error())? {
            None => Ok(()),
            Some(e) => Err(e.into()),
        }
    }

    pub(crate) fn listen(&mut self, backlog: i32) -> Result<(), NetError> {
        if self.fd < 0 {
            // No descriptor: what the system call would say (EBADF).
            return Err(NetError::from_errno(libc::EBADF));
        }
        sys::with_fd(self.fd, |s| s.listen(backlog))?;
        Ok(())
    }

    /// Waits for a connection within the timeout; returns it as a new
    /// object of the same family.
    pub(crate) fn accept(&mut self) -> Result<Sock, NetError> {
        if self.fd < 0 {
            return Err(NetError::Closed);
        }
        let fd = self.fd;
        let dl = self.timeout.start();
        let (s, _) = io::retry(fd, Interest::Read, &dl, || {
            sys::with_fd(fd, |s| s.accept4(libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK)).map_err(|e| {
                // A connection reset before we took it: wait for the next.
                if e.raw_os_error() == Some(libc::ECONNABORTED) {
                    std::io::Error::from(std::io::ErrorKind::WouldBlock)
                } else {
                    e
                }
            })
        })?;
        Ok(Sock::with_fd(s.into_raw_fd(), self.family))
    }

    /// `send(data)` on a stream: sends until all is sent or an error or the
    /// timeout stops it, at most `SEND_STEP` bytes per system call unless
    /// `data` is `WHOLE_SEND` bytes or longer.
    /// Returns the bytes sent, the error if any, and the seconds it took.
    pub(crate) fn send(&mut self, data: &[u8]) -> (usize, Option<NetError>, f64) {
        let dl = self.timeout.start();
        if self.fd < 0 {
            return (0, Some(NetError::Closed), dl.elapsed());
        }
        let fd = self.fd;
        let mut sent = 0;
        let mut err = None;
        let step = if data.len() >= WHOLE_SEND {
            data.len()
        } else {
            SEND_STEP
        };
        while sent < data.len() {
            let end = data.len().min(sent + step);
            // The elapsed time counts from before the first send(2).
            dl.start_clock();
            match io::retry(fd, Interest::Write, &dl, || sys::send(fd, &data[sent..end])) {
                Ok(n) => sent += n,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        self.sent += sent as f64;
        (sent, err, dl.elapsed())
    }

    /// `receive(pattern, prefix, maxsize)` on a stream, `prefix_len` being
    /// the length of the prefix the caller puts in front of the data (it
    /// counts toward a byte count and toward `maxsize`). Hands `to` the
    /// data (all of it, or the partial result when there is an error), the
    /// error, and the seconds the call took; then gives back the buffer
    /// memory an idle socket does not need.
    ///
    /// A line that is already buffered whole is the usual `*l` call: it is
    /// answered without reading the clock or making a system call (its
    /// elapsed time is 0).
    #[inline(always)]
    pub(crate) fn receive<D: Deliver>(
        &mut self,
        pattern: Pattern,
        prefix_len: usize,
        maxsize: Option<usize>,
        to: D,
    ) -> D::Out {
        if pattern == Pattern::Line && prefix_len == 0 && maxsize.is_none() && self.fd >= 0 {
            if let Some(line) = self.input.buffered_line() {
                let r = to.deliver(line, None, 0.0);
                self.input.settle();
                self.buffer_changed();
                return r;
            }
        }
        self.receive_slow(pattern, prefix_len, maxsize, to)
    }

    fn receive_slow<D: Deliver>(
        &mut self,
        pattern: Pattern,
        prefix_len: usize,
        maxsize: Option<usize>,
        to: D,
    ) -> D::Out {
        let dl = self.timeout.start();
        let r = if self.fd < 0 {
            to.deliver(&[], Some(&NetError::Closed), dl.elapsed())
        } else {
            let mut src = StreamSource {
                fd: self.fd,
                dl: &dl,
                waits: &mut self.read_waits,
            };
            let got = self.input.receive(&mut src, pattern, prefix_len, maxsize);
            to.deliver(got.data.as_slice(), got.err.as_ref(), dl.elapsed())
        };
        self.input.settle();
        self.buffer_changed();
        r
    }

    /// `receiveany(max)` (`max > 0`): what is buffered, up to `max` bytes,
    /// with no system call and no clock read; otherwise one read within the
    /// timeout and up to `max` of what it brought (the rest stays
    /// buffered). Hands `f` the bytes, or the error (`timeout`, `closed` at
    /// end of stream, ...) when nothing came.
    pub(crate) fn receive_any<R>(
        &mut self,
        max: usize,
        f: impl FnOnce(Result<&[u8], &NetError>) -> R,
    ) -> R {
        if self.fd < 0 {
            return f(Err(&NetError::Closed));
        }
        let dl = self.timeout.start();
        let mut src = StreamSource {
            fd: self.fd,
            dl: &dl,
            waits: &mut self.read_waits,
        };
        let got = self.input.receive_any(&mut src, max);
        let r = match &got.err {
            None => f(Ok(got.data.as_slice())),
            Some(e) => f(Err(e)),
        };
        self.input.settle();
        self.buffer_changed();
        r
    }

    pub(crate) fn shutdown(&mut self, how: std::net::Shutdown) {
        if self.fd >= 0 {
            let _ = sys::with_fd(self.fd, |s| s.shutdown(how));
        }
    }

    /// The local address (getsockname).
    pub(crate) fn local_addr(&self) -> Result<SockAddr, NetError> {
        if self.fd < 0 {
            // No descriptor: what the system call would say (EBADF).
            return Err(NetError::from_errno(libc::EBADF));
        }
        Ok(sys::with_fd(self.fd, |s| s.local_addr())?)
    }

    /// The peer's address (getpeername).
    pub(crate) fn peer_addr(&self) -> Result<SockAddr, NetError> {
        if self.fd < 0 {
            return Err(NetError::from_errno(libc::EBADF));
        }
        Ok(sys::with_fd(self.fd, |s| s.peer_addr())?)
    }

    /// `setpeername("*")`: dissolves a datagram socket's association.
    /// Errors are ignored, as upstream does.
    pub(crate) fn disconnect(&mut self) {
        if self.fd >= 0 {
            let _ = sys::disconnect(self.fd);
        }
    }

    /// Sends one datagram to `to`, or to the connected peer, within the
    /// timeout; returns the bytes sent.
    pub(crate) fn send_datagram(
        &mut self,
        data: &[u8],
        to: Option<&SockAddr>,
    ) -> Result<usize, NetError> {
        if self.fd < 0 {
            return Err(NetError::Closed);
        }
        let fd = self.fd;
        let dl = self.timeout.start();
        io::retry(fd, Interest::Write, &dl, || match to {
            Some(addr) => sys::send_to(fd, data, addr),
            None => sys::send(fd, data),
        })
    }

    /// Receives one datagram within the timeout, whole when `max` is
    /// `None`, else its first `max` bytes (the rest is discarded, as
    /// upstream), and hands it and (when `from` is set) the sender's address
    /// to `f`. A zero-length datagram is `""`, not end of stream.
    ///
    /// Internet datagrams always fit the pooled buffer. A unix datagram can
    /// be larger, so for those the size is peeked first (MSG_TRUNC) and the
    /// buffer grows for that call.
    pub(crate) fn receive_datagram<R>(
        &mut self,
        max: Option<usize>,
        from: bool,
        f: impl FnOnce(&[u8], Option<&SockAddr>) -> R,
    ) -> Result<R, NetError> {
        if self.fd < 0 {
            return Err(NetError::Closed);
        }
        let fd = self.fd;
        let dl = self.timeout.start();
        let peek = self.family == libc::AF_UNIX && max.is_none_or(|m| m > DATAGRAM_SIZE);
        // Taken out of the pool for the call, so `f` may do anything.
        let mut buf = pool::take_scratch();
        let got = io::retry_read(fd, &dl, &mut self.read_waits, || {
            let want = if peek {
                let (size, _) =
                    sys::recv_dgram_into(fd, &mut buf, 0, libc::MSG_PEEK | libc::MSG_TRUNC, false)?;
                max.map_or(size, |m| m.min(size))
            } else {
                max.map_or(DATAGRAM_SIZE, |m| m.min(DATAGRAM_SIZE))
            };
            sys::recv_dgram_into(fd, &mut buf, want, 0, from)
        });
        let out = got.map(|(_, addr)| f(&buf, addr.as_ref()));
        pool::give_scratch(buf);
        out
    }

    /// `bind(path)` for a unix-domain socket; on failure the descriptor is
    /// closed, as upstream does.
    pub(crate) fn bind_path(&mut self, path: &[u8]) -> Result<(), NetError> {
        let addr = sys::unix_addr(path).ok_or(NetError::PathTooLong)?;
        let r = if self.fd < 0 {
            Err(NetError::from_errno(libc::EBADF))
        } else {
            sys::with_fd(self.fd, |s| s.bind(&addr)).map_err(NetError::from)
        };
        if r.is_err() {
            self.close();
        }
        r
    }

    /// `connect(path)` for a unix-domain socket within the timeout; on
    /// failure the descriptor is closed, as upstream does.
    pub(crate) fn connect_path(&mut self, path: &[u8]) -> Result<(), NetError> {
        let addr = sys::unix_addr(path).ok_or(NetError::PathTooLong)?;
        let dl = self.timeout.start();
        let r = self.connect_addr(&addr, &dl);
        match r {
            Ok(()) => self.connected(),
            Err(_) => self.close(),
        }
        r
    }
}

/// Where [`Sock::receive`] hands its result: the data (or the partial
/// result), the error, and the seconds the call took. A trait rather than a
/// closure so that the implementation can ask to be inlined at both call
/// sites (the buffered-line fast path stays as cheap as a direct push).
pub(crate) trait Deliver {
    type Out;
    fn deliver(self, data: &[u8], err: Option<&NetError>, elapsed: f64) -> Self::Out;
}

/// Reads a stream socket for the buffer, waiting within the call's deadline.
struct StreamSource<'d> {
    fd: RawFd,
    dl: &'d Deadline,
    waits: &'d mut u8,
}

impl Source for StreamSource<'_> {
    fn fill(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<usize, NetError> {
        let fd = self.fd;
        // Stream receives report their elapsed time: the clock starts
        // before the first read.
        self.dl.start_clock();
        io::retry_read(fd, self.dl, self.waits, || sys::recv_into(fd, buf, max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::counting_bytes;
    use std::net::{SocketAddr, TcpListener};
    use std::time::{Duration, Instant};

    fn addr_info(a: SocketAddr) -> AddrInfo {
        AddrInfo {
            family: if a.is_ipv4() {
                libc::AF_INET
            } else {
                libc::AF_INET6
            },
            addr: SockAddr::from(a),
            canonname: None,
        }
    }

    /// A listener that answers nothing: backlog 0, already full, so the
    /// kernel drops further SYNs and a connect to it hangs. The returned
    /// sockets must stay alive for as long as it should stay dead.
    fn black_hole() -> (SocketAddr, Vec<socket2::Socket>) {
        let l = socket2::Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        l.bind(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))
            .unwrap();
        l.listen(0).unwrap();
        let at = l.local_addr().unwrap().as_socket().unwrap();
        let filler = socket2::Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        filler.connect(&SockAddr::from(at)).unwrap();
        (at, vec![l, filler])
    }

    fn timeout(secs: f64) -> Timeout {
        Timeout {
            block: secs,
            total: -1.0,
        }
    }

    #[test]
    fn a_dead_first_address_costs_one_attempt_delay() {
        let (dead, _keep) = black_hole();
        let live = TcpListener::bind("127.0.0.1:0").unwrap();
        let live_at = live.local_addr().unwrap();
        let mut s = Sock::unopened(libc::AF_UNSPEC);
        s.timeout = timeout(10.0);
        let t0 = Instant::now();
        let dl = s.timeout.start();
        s.connect_addrs(vec![addr_info(dead), addr_info(live_at)], Type::STREAM, &dl)
            .unwrap();
        let took = t0.elapsed();
        assert!(took >= inet::ATTEMPT_DELAY, "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        let peer = s.peer_addr().unwrap().as_socket().unwrap();
        assert_eq!(peer, live_at);
        s.close();
    }

    #[test]
    fn one_deadline_covers_every_address() {
        let (a, _ka) = black_hole();
        let (b, _kb) = black_hole();
        let (c, _kc) = black_hole();
        let mut s = Sock::unopened(libc::AF_UNSPEC);
        s.timeout = timeout(0.6);
        let t0 = Instant::now();
        let dl = s.timeout.start();
        let addrs = vec![addr_info(a), addr_info(b), addr_info(c)];
        let r = s.connect_addrs(addrs, Type::STREAM, &dl);
        let took = t0.elapsed();
        assert!(matches!(r, Err(NetError::Timeout)), "{r:?}");
        assert!(took >= Duration::from_millis(550), "{took:?}");
        assert!(took < Duration::from_millis(1500), "{took:?}");
        assert_eq!(s.fd, -1, "no descriptor is left behind");
    }

    #[test]
    fn a_refused_address_moves_on_at_once() {
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let refused = closed.local_addr().unwrap();
        drop(closed);
        let live = TcpListener::bind("127.0.0.1:0").unwrap();
        let live_at = live.local_addr().unwrap();
        let mut s = Sock::unopened(libc::AF_UNSPEC);
        let t0 = Instant::now();
        let dl = s.timeout.start();
        s.connect_addrs(
            vec![addr_info(refused), addr_info(live_at)],
            Type::STREAM,
            &dl,
        )
        .unwrap();
        assert!(t0.elapsed() < inet::ATTEMPT_DELAY);
        assert_eq!(s.peer_addr().unwrap().as_socket().unwrap(), live_at);
        s.close();
        let dl = s.timeout.start();
        let r = s.connect_addrs(vec![addr_info(refused)], Type::STREAM, &dl);
        assert_eq!(r.unwrap_err().to_string(), "connection refused");
    }

    #[test]
    fn a_zero_timeout_starts_one_attempt_and_keeps_its_descriptor() {
        let (dead, _keep) = black_hole();
        let mut s = Sock::unopened(libc::AF_UNSPEC);
        s.timeout = timeout(0.0);
        let dl = s.timeout.start();
        let r = s.connect_addrs(vec![addr_info(dead)], Type::STREAM, &dl);
        assert!(matches!(r, Err(NetError::Timeout)), "{r:?}");
        assert!(s.fd >= 0);
        // Called again, the kernel's answer for that descriptor comes back.
        let r = s.connect_addrs(vec![addr_info(dead)], Type::STREAM, &dl);
        assert_eq!(r.unwrap_err().to_string(), "Operation already in progress");
        s.close();
    }

    #[test]
    fn options_set_before_connect_survive_the_race() {
        let live = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut s = Sock::create(libc::AF_INET, Type::STREAM).unwrap();
        s.set_option(SockOpt::TcpNoDelay, OptValue::Bool(true))
            .unwrap();
        let dl = s.timeout.start();
        let addrs = vec![addr_info(live.local_addr().unwrap())];
        s.connect_addrs(addrs, Type::STREAM, &dl).unwrap();
        assert_eq!(
            s.get_option(SockOpt::TcpNoDelay).unwrap(),
            OptValue::Bool(true)
        );
        s.close();
    }

    #[test]
    fn close_frees_the_remembered_options() {
        // `__gc` only calls close: anything close keeps would leak.
        let mut s = Sock::create(libc::AF_INET, Type::STREAM).unwrap();
        s.set_option(SockOpt::TcpNoDelay, OptValue::Bool(true))
            .unwrap();
        s.close();
        assert_eq!(s.opts.capacity(), 0);
    }

    /// A connected TCP pair over loopback: (client, accepted server side).
    fn tcp_pair() -> (Sock, Sock) {
        let mut server = Sock::create(libc::AF_INET, Type::STREAM).unwrap();
        server.bind("127.0.0.1", "0", Type::STREAM).unwrap();
        server.listen(4).unwrap();
        let port = server.local_addr().unwrap().as_socket().unwrap().port();
        let mut client = Sock::unopened(libc::AF_UNSPEC);
        client.set_timeout(5.0, Mode::Block);
        client
            .connect("127.0.0.1", &port.to_string(), Type::STREAM)
            .unwrap();
        server.set_timeout(5.0, Mode::Total);
        let mut accepted = server.accept().unwrap();
        server.close();
        accepted.set_timeout(5.0, Mode::Block);
        (client, accepted)
    }

    /// `receive` as the glue calls it: the data and the error text.
    fn receive(s: &mut Sock, p: Pattern, prefix_len: usize) -> (Vec<u8>, Option<String>, f64) {
        struct Copy;
        impl Deliver for Copy {
            type Out = (Vec<u8>, Option<String>, f64);
            fn deliver(self, d: &[u8], e: Option<&NetError>, t: f64) -> Self::Out {
                (d.to_vec(), e.map(|e| e.to_string()), t)
            }
        }
        s.receive(p, prefix_len, None, Copy)
    }

    #[test]
    fn streams_send_and_receive_lines_counts_and_stats() {
        let (mut a, mut b) = tcp_pair();
        assert_eq!(a.timeouts(), (5.0, -1.0));
        let (sent, err, _) = a.send(b"one\r\ntwo\nthree");
        assert_eq!((sent, err.is_none()), (14, true));
        // The first line needs a read; the second is answered from the
        // buffer, with no clock read (elapsed 0).
        assert_eq!(receive(&mut b, Pattern::Line, 0).0, b"one");
        assert!(b.has_buffered_data());
        assert_eq!(b.poll_entry(), Some((b.fd(), true)));
        assert_eq!(
            receive(&mut b, Pattern::Line, 0),
            (b"two".to_vec(), None, 0.0)
        );
        // A prefix of 2 counts toward a byte count of 4.
        assert_eq!(receive(&mut b, Pattern::Bytes(4), 2).0, b"th");
        b.set_timeout(0.0, Mode::Block);
        let (data, err, _) = receive(&mut b, Pattern::Line, 0);
        assert_eq!((data, err.as_deref()), (b"ree".to_vec(), Some("timeout")));
        assert!(!b.has_buffered_data());
        let (received, sent, age) = b.stats();
        assert_eq!((received, sent), (14.0, 0.0));
        assert!(age >= 0.0);
        b.set_stats(1.5, 2.0, Some(100.0));
        let (received, sent, age) = b.stats();
        assert_eq!((received, sent), (1.0, 2.0));
        assert!(age >= 100.0);
        a.shutdown(std::net::Shutdown::Write);
        b.set_timeout(5.0, Mode::Block);
        let (data, err, _) = receive(&mut b, Pattern::All, 0);
        assert_eq!((data, err), (Vec::new(), Some("closed".to_string())));
        a.close();
        b.close();
        assert_eq!(b.poll_entry(), None);
        let (sent, err, _) = b.send(b"x");
        assert_eq!((sent, err.unwrap().to_string()), (0, "closed".to_string()));
        assert_eq!(
            receive(&mut b, Pattern::Line, 0).1.as_deref(),
            Some("closed")
        );
    }

    /// `receive_any` as the glue calls it: the data or the error text.
    fn any(s: &mut Sock, max: usize) -> Result<Vec<u8>, String> {
        s.receive_any(max, |r| r.map(<[u8]>::to_vec).map_err(|e| e.to_string()))
    }

    #[test]
    fn quiet_until_data_an_end_or_a_close() {
        let (mut a, mut b) = tcp_pair();
        assert!(b.quiet());
        a.send(b"x\ny");
        b.set_timeout(5.0, Mode::Block);
        assert_eq!(receive(&mut b, Pattern::Line, 0).0, b"x");
        // "y" buffered
        assert!(!b.quiet());
        assert_eq!(receive(&mut b, Pattern::Bytes(1), 0).0, b"y");
        assert!(b.quiet());
        a.send(b"z");
        let t0 = Instant::now();
        while b.quiet() && t0.elapsed() < Duration::from_secs(5) {}
        assert!(!b.quiet(), "data waiting");
        assert_eq!(receive(&mut b, Pattern::Bytes(1), 0).0, b"z");
        a.close();
        let t0 = Instant::now();
        while b.quiet() && t0.elapsed() < Duration::from_secs(5) {}
        assert!(!b.quiet(), "end of stream");
        b.close();
        assert!(!b.quiet(), "closed");
    }

    #[test]
    fn receive_any_returns_what_came_and_keeps_the_rest() {
        let (mut a, mut b) = tcp_pair();
        a.send(b"hello\nworld");
        // Wait for both pieces to be there, so one read brings them.
        assert_eq!(receive(&mut b, Pattern::Bytes(1), 0).0, b"h");
        assert_eq!(any(&mut b, 4).unwrap(), b"ello");
        assert!(b.has_buffered_data());
        assert_eq!(receive(&mut b, Pattern::Line, 0).0, b"");
        assert_eq!(any(&mut b, 100).unwrap(), b"world");
        assert_eq!(b.stats().0, 11.0);
        b.set_timeout(0.0, Mode::Block);
        assert_eq!(any(&mut b, 100).unwrap_err(), "timeout");
        b.set_timeout(0.2, Mode::Block);
        let t0 = Instant::now();
        assert_eq!(any(&mut b, 100).unwrap_err(), "timeout");
        assert!(t0.elapsed() >= Duration::from_millis(190));
        a.send(b"last");
        a.shutdown(std::net::Shutdown::Write);
        b.set_timeout(5.0, Mode::Block);
        assert_eq!(any(&mut b, 100).unwrap(), b"last");
        assert_eq!(any(&mut b, 100).unwrap_err(), "closed");
        b.close();
        assert_eq!(any(&mut b, 100).unwrap_err(), "closed");
        a.close();
    }

    /// Every idle socket carries a `Sock`: what only some sockets use (a
    /// pending lookup) stays behind a pointer.
    #[test]
    fn an_idle_socket_stays_small() {
        let size = std::mem::size_of::<Sock>();
        eprintln!("size_of::<Sock>() = {size}");
        assert!(size <= 160, "Sock grew to {size} bytes");
    }

    #[test]
    fn a_replaced_descriptor_is_not_closed() {
        let (mut a, mut b) = tcp_pair();
        let fd = b.fd();
        b.set_fd(-1);
        b.close();
        // The old descriptor still works: setfd(-1) detached it.
        a.send(b"ping\n");
        let mut again = Sock::with_fd(fd, libc::AF_INET);
        again.set_timeout(5.0, Mode::Block);
        assert_eq!(receive(&mut again, Pattern::Line, 0).0, b"ping");
        again.close();
        a.close();
    }

    #[test]
    fn datagram_sockets_connect_and_disconnect() {
        let (mut a, mut b, at) = udp_pair();
        let port = at.as_socket().unwrap().port().to_string();
        b.connect("127.0.0.1", &port, Type::DGRAM).unwrap();
        assert_eq!(b.send_datagram(b"hi", None).unwrap(), 2);
        assert_eq!(recv(&mut a, None).unwrap(), b"hi");
        b.disconnect();
        assert!(b.peer_addr().is_err());
        let mut lazy = Sock::unopened(libc::AF_UNSPEC);
        lazy.open_for_destination(libc::AF_INET, Type::DGRAM)
            .unwrap();
        assert_eq!(lazy.family(), libc::AF_INET);
        assert_eq!(lazy.send_datagram(b"x", Some(&at)).unwrap(), 1);
        assert_eq!(recv(&mut a, None).unwrap(), b"x");
        for s in [&mut a, &mut b, &mut lazy] {
            s.close();
        }
    }

    fn udp_pair() -> (Sock, Sock, SockAddr) {
        let mut a = Sock::create(libc::AF_INET, Type::DGRAM).unwrap();
        a.bind("127.0.0.1", "0", Type::DGRAM).unwrap();
        a.timeout = timeout(5.0);
        let at = a.local_addr().unwrap();
        let b = Sock::create(libc::AF_INET, Type::DGRAM).unwrap();
        (a, b, at)
    }

    fn recv(s: &mut Sock, max: Option<usize>) -> Result<Vec<u8>, NetError> {
        s.receive_datagram(max, false, |d, _| d.to_vec())
    }

    #[test]
    fn datagrams_come_whole_or_cut_to_the_size_asked() {
        let (mut a, mut b, at) = udp_pair();
        let big = counting_bytes(65_507);
        assert_eq!(b.send_datagram(&big, Some(&at)).unwrap(), big.len());
        assert_eq!(recv(&mut a, None).unwrap(), big);
        b.send_datagram(&big, Some(&at)).unwrap();
        assert_eq!(recv(&mut a, Some(10)).unwrap(), &big[..10]);
        b.send_datagram(b"", Some(&at)).unwrap();
        assert_eq!(recv(&mut a, None).unwrap(), b"");
        b.send_datagram(b"abc", Some(&at)).unwrap();
        let (data, from) = a
            .receive_datagram(None, true, |d, f| (d.to_vec(), f.cloned()))
            .unwrap();
        assert_eq!(data, b"abc");
        let from = from.unwrap().as_socket().unwrap();
        assert_eq!(
            from.port(),
            b.local_addr().unwrap().as_socket().unwrap().port()
        );
        a.timeout = timeout(0.0);
        assert!(matches!(recv(&mut a, None), Err(NetError::Timeout)));
        a.close();
        assert!(matches!(recv(&mut a, None), Err(NetError::Closed)));
        b.close();
    }

    #[test]
    fn unix_datagrams_larger_than_the_buffer_come_whole() {
        let dir = std::env::temp_dir().join(format!("luasocket-rs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big");
        let path = path.as_os_str().as_encoded_bytes();
        let mut a = Sock::create(libc::AF_UNIX, Type::DGRAM).unwrap();
        a.bind_path(path).unwrap();
        a.timeout = timeout(5.0);
        let mut b = Sock::create(libc::AF_UNIX, Type::DGRAM).unwrap();
        let _ = options::set(b.fd, SockOpt::SendBufferSize, &OptValue::Int(1 << 20));
        let to = sys::unix_addr(path).unwrap();
        let big = counting_bytes(100_000);
        b.send_datagram(&big, Some(&to)).unwrap();
        assert_eq!(recv(&mut a, None).unwrap(), big);
        b.send_datagram(&big, Some(&to)).unwrap();
        assert_eq!(recv(&mut a, Some(70_000)).unwrap(), &big[..70_000]);
        b.send_datagram(b"", Some(&to)).unwrap();
        assert_eq!(recv(&mut a, None).unwrap(), b"");
        assert_eq!(sys::unix_name(&a.local_addr().unwrap()), path);
        a.close();
        b.close();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_name_resolved_on_the_pool_is_picked_up_by_the_next_call() {
        let mut s = Sock::create(libc::AF_INET, Type::STREAM).unwrap();
        let own = s.fd();
        s.set_timeout(0.0, Mode::Block);
        let host = "no-such-host.invalid";
        let r = s.connect(host, "80", Type::STREAM);
        assert!(matches!(r, Err(NetError::Timeout)), "{r:?}");
        let watch = s.fd();
        assert_ne!(watch, own, "getfd shows the lookup's descriptor");
        assert_eq!(s.poll_entry(), Some((watch, false)));
        let mut p = [libc::pollfd {
            fd: watch,
            events: libc::POLLOUT,
            revents: 0,
        }];
        sys::poll(&mut p, Some(std::time::Duration::from_secs(30))).unwrap();
        assert_ne!(p[0].revents, 0);
        // The answer (a failure) comes back as the sync path words it.
        let r = s.connect(host, "80", Type::STREAM);
        let text = r.unwrap_err().to_string();
        assert!(
            text == "host or service not provided, or not known"
                || text == "temporary failure in name resolution",
            "{text}"
        );
        assert_eq!(s.fd(), own, "the socket's own descriptor again");
        // Another name abandons a pending lookup; close ends one.
        assert!(matches!(
            s.connect(host, "81", Type::STREAM),
            Err(NetError::Timeout)
        ));
        let r = s.connect("127.0.0.1", "9", Type::STREAM);
        assert!(s.lookup.is_none(), "{r:?}");
        assert!(matches!(
            s.bind(host, "0", Type::STREAM),
            Err(NetError::Timeout)
        ));
        s.close();
        assert!(s.lookup.is_none());
        assert_eq!(s.fd(), -1);
        // sendto: numeric only, as upstream; any name is refused.
        let mut u = Sock::create(libc::AF_INET, Type::DGRAM).unwrap();
        assert!(u.destination("127.0.0.1", "53", Type::DGRAM).is_ok());
        let e = u.destination("localhost", "53", Type::DGRAM).err().unwrap();
        assert_eq!(e.to_string(), sys::gai_strerror(libc::EAI_NONAME));
        u.close();
    }

    #[test]
    fn unix_paths() {
        let long = vec![b'x'; sys::SUN_PATH_LEN];
        let mut s = Sock::create(libc::AF_UNIX, Type::STREAM).unwrap();
        assert_eq!(s.bind_path(&long).unwrap_err().to_string(), "path too long");
        assert!(
            s.fd >= 0,
            "a path that does not fit leaves the socket alone"
        );
        let name = format!("\0luasocket-rs-test-{}", std::process::id());
        s.bind_path(name.as_bytes()).unwrap();
        assert_eq!(sys::unix_name(&s.local_addr().unwrap()), name.as_bytes());
        s.listen(4).unwrap();
        let mut c = Sock::create(libc::AF_UNIX, Type::STREAM).unwrap();
        c.connect_path(name.as_bytes()).unwrap();
        let mut d = Sock::create(libc::AF_UNIX, Type::STREAM).unwrap();
        let r = d.connect_path(b"\0luasocket-rs-nobody-listens");
        assert_eq!(r.unwrap_err().to_string(), "connection refused");
        assert_eq!(d.fd, -1, "a failed connect closes the descriptor");
        s.close();
        c.close();
    }
}
