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

use std::cell::RefCell;
use std::io;
use std::os::fd::{IntoRawFd, RawFd};

use socket2::{Domain, Protocol, SockAddr, Type};

use crate::buffer::{Data, InBuf, Pattern, Received, Source};
use crate::error::NetError;
use crate::inet;
use crate::io::{retry, wait_events};
use crate::options::{self, OptValue, SockOpt};
use crate::sys::{self, AddrInfo, Interest};
use crate::timeout::{gettime, Deadline, Timeout};

/// Bytes handed to one send(2) of a stream. One call with a whole large
/// string fills the socket buffer, then waits for a third of it to drain,
/// and the peer sits idle in between; steps keep both ends busy (measured:
/// 1 MiB sends went from 0.7x to about 1.1x of C LuaSocket's rate, which
/// uses 8 KiB steps). Each step ends with a push, so the peer starts
/// copying the first bytes while this side copies the next: on loopback,
/// 9 interleaved rounds against C gave 64 KiB sends 0.89x with 128 KiB
/// steps and 0.99x with 16 KiB ones (1 MiB sends 0.93x and 1.05x, 64 KiB
/// slices 1.03x and 1.05x); 8 KiB steps were no better than 16 KiB.
const SEND_STEP: usize = 16 * 1024;
/// The largest datagram `receive()` takes without asking the kernel for its
/// size first: any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6)
/// fits. This is `_DATAGRAMSIZE`.
pub(crate) const DATAGRAM_SIZE: usize = 65_535;

thread_local! {
    /// The one buffer datagrams are received into, reused by every call on
    /// this thread (Lua copies the bytes out).
    static DATAGRAM: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// One socket object's state (the class lives in the Lua metatable).
#[derive(Debug)]
pub(crate) struct Sock {
    /// The descriptor; -1 once closed or detached.
    pub fd: RawFd,
    /// AF_INET, AF_INET6, AF_UNSPEC (no descriptor yet) or AF_UNIX.
    pub family: i32,
    pub timeout: Timeout,
    pub input: InBuf,
    /// Bytes sent (`getstats`).
    pub sent: f64,
    /// `gettime()` at creation, moved by `setstats`.
    pub birthday: f64,
    /// Options set through `setoption`, replayed on a descriptor that
    /// replaces this one during connect (another family, or the winner of
    /// a race of connection attempts).
    opts: Vec<(SockOpt, OptValue)>,
}

impl Sock {
    /// An object around `fd` (may be -1 for a family-agnostic master).
    pub(crate) fn new(fd: RawFd, family: i32) -> Sock {
        Sock {
            fd,
            family,
            timeout: Timeout::default(),
            input: InBuf::new(),
            sent: 0.0,
            birthday: gettime(),
            opts: Vec::new(),
        }
    }

    /// An object with a new descriptor of `family` and `socktype`.
    pub(crate) fn create(family: i32, socktype: Type) -> Result<Sock, NetError> {
        Ok(Sock::new(Sock::open(family, socktype)?, family))
    }

    /// Creates a non-blocking descriptor of `family` and `socktype`; IPv6
    /// sockets get `IPV6_V6ONLY`, as LuaSocket sets it.
    pub(crate) fn open(family: i32, socktype: Type) -> Result<RawFd, NetError> {
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

    /// Closes the descriptor (once) and frees the buffer and the remembered
    /// options. `__gc` calls this and never drops the object in place, so
    /// every heap allocation the object owns must be released here.
    pub(crate) fn close(&mut self) {
        sys::close(self.fd);
        self.fd = -1;
        self.input.clear();
        self.opts = Vec::new();
    }

    /// Replaces the descriptor without closing the old one (`setfd`).
    pub(crate) fn set_fd(&mut self, fd: RawFd) {
        self.fd = fd;
        self.input.clear();
        self.opts.clear();
    }

    /// Records an option `setoption` set, for [`Sock::fresh`] to replay.
    pub(crate) fn remember(&mut self, opt: SockOpt, value: OptValue) {
        self.opts.retain(|(o, _)| *o != opt);
        self.opts.push((opt, value));
    }

    /// A new descriptor of `family` carrying the options set so far (those
    /// that do not apply to the family are skipped).
    fn fresh(&self, family: i32, socktype: Type) -> Result<RawFd, NetError> {
        let fd = Sock::open(family, socktype)?;
        for (opt, value) in &self.opts {
            let _ = options::set(fd, *opt, value);
        }
        Ok(fd)
    }

    /// Puts `fd` (of `family`) in place of the current descriptor.
    fn replace(&mut self, fd: RawFd, family: i32) {
        if fd != self.fd {
            sys::close(self.fd);
        }
        self.fd = fd;
        self.family = family;
        self.input.clear();
    }

    /// Makes sure a descriptor of `family` exists, replacing one of another
    /// family (the family-agnostic `tcp()`/`udp()` create theirs lazily).
    fn ensure(&mut self, family: i32, socktype: Type) -> Result<(), NetError> {
        if self.fd >= 0 && self.family == family {
            return Ok(());
        }
        let fd = self.fresh(family, socktype)?;
        self.replace(fd, family);
        Ok(())
    }

    /// Makes sure a datagram socket of an unknown family (`udp()`) has a
    /// descriptor before its first `sendto`, of the destination's family.
    pub(crate) fn ensure_for(&mut self, family: i32, socktype: Type) -> Result<(), NetError> {
        if self.family == libc::AF_UNSPEC && self.fd < 0 {
            self.ensure(family, socktype)?;
        }
        Ok(())
    }

    /// `bind(address, port)`: tries each resolved address until one binds.
    pub(crate) fn bind(&mut self, host: &str, port: &str, socktype: Type) -> Result<(), NetError> {
        let host = if host == "*" { None } else { Some(host) };
        let addrs = inet::resolve(host, Some(port), self.family, socktype, libc::AI_PASSIVE)?;
        let mut last = NetError::Msg("no info on address");
        for ai in addrs {
            if let Err(e) = self.ensure(ai.family, socktype) {
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
    /// addresses within the single deadline `dl`.
    pub(crate) fn connect(
        &mut self,
        host: &str,
        port: &str,
        socktype: Type,
        dl: &Deadline,
    ) -> Result<(), NetError> {
        let addrs = inet::resolve(Some(host), Some(port), self.family, socktype, 0)?;
        self.connect_addrs(addrs, socktype, dl)
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
    pub(crate) fn connect_addrs(
        &mut self,
        addrs: Vec<AddrInfo>,
        socktype: Type,
        dl: &Deadline,
    ) -> Result<(), NetError> {
        if socktype == Type::STREAM && !dl.is_zero() && self.unbound() {
            let addrs = inet::interleave(addrs);
            let mut open = |family| self.fresh(family, socktype);
            let (fd, family) = inet::race(&addrs, &mut open, dl, inet::ATTEMPT_DELAY)?;
            self.replace(fd, family);
            return Ok(());
        }
        let mut last = NetError::Msg("no info on address");
        for ai in addrs {
            if let Err(e) = self.ensure(ai.family, socktype) {
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
    pub(crate) fn connect_addr(&mut self, addr: &SockAddr, dl: &Deadline) -> Result<(), NetError> {
        if self.fd < 0 {
            return Err(NetError::Closed);
        }
        match sys::connect(self.fd, addr) {
            Ok(()) => return Ok(()),
            Err(e) => match e.raw_os_error() {
                Some(libc::EINPROGRESS) | Some(libc::EAGAIN) | Some(libc::EINTR) => {}
                _ => return Err(e.into()),
            },
        }
        if dl.is_zero() {
            return Err(NetError::Timeout);
        }
        // Writable with no error or hang-up: connected, no SO_ERROR needed.
        if !sys::poll_failed(wait_events(self.fd, Interest::Write, dl)?) {
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

    /// Waits for a connection; returns its non-blocking descriptor.
    pub(crate) fn accept(&mut self, dl: &Deadline) -> Result<RawFd, NetError> {
        if self.fd < 0 {
            return Err(NetError::Closed);
        }
        let fd = self.fd;
        let (s, _) = retry(fd, Interest::Read, dl, || {
            sys::with_fd(fd, |s| s.accept4(libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK)).map_err(|e| {
                // A connection reset before we took it: wait for the next.
                if e.raw_os_error() == Some(libc::ECONNABORTED) {
                    io::Error::from(io::ErrorKind::WouldBlock)
                } else {
                    e
                }
            })
        })?;
        Ok(s.into_raw_fd())
    }

    /// Sends `data` until all is sent or an error or the deadline stops it,
    /// at most `SEND_STEP` bytes per system call.
    /// Returns the bytes sent and the error, if any.
    pub(crate) fn send_all(&mut self, data: &[u8], dl: &Deadline) -> (usize, Option<NetError>) {
        if self.fd < 0 {
            return (0, Some(NetError::Closed));
        }
        let fd = self.fd;
        let mut sent = 0;
        while sent < data.len() {
            let end = data.len().min(sent + SEND_STEP);
            match retry(fd, Interest::Write, dl, || sys::send(fd, &data[sent..end])) {
                Ok(n) => sent += n,
                Err(e) => {
                    self.sent += sent as f64;
                    return (sent, Some(e));
                }
            }
        }
        self.sent += sent as f64;
        (sent, None)
    }

    /// Runs `receive` through the buffer.
    pub(crate) fn receive(
        &mut self,
        pattern: Pattern,
        prefix_len: usize,
        maxsize: Option<usize>,
        dl: &Deadline,
    ) -> Received<'_> {
        if self.fd < 0 {
            return Received {
                data: Data::Borrowed(&[]),
                err: Some(NetError::Closed),
            };
        }
        let mut src = StreamSource { fd: self.fd, dl };
        self.input.receive(&mut src, pattern, prefix_len, maxsize)
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

    /// Sends one datagram to `to`, or to the connected peer; returns the
    /// bytes sent.
    pub(crate) fn send_dgram(
        &mut self,
        data: &[u8],
        to: Option<&SockAddr>,
        dl: &Deadline,
    ) -> Result<usize, NetError> {
        if self.fd < 0 {
            return Err(NetError::Closed);
        }
        let fd = self.fd;
        retry(fd, Interest::Write, dl, || match to {
            Some(addr) => sys::send_to(fd, data, addr),
            None => sys::send(fd, data),
        })
    }

    /// Receives one datagram, whole when `max` is `None`, else its first
    /// `max` bytes (the rest is discarded, as upstream), and hands it and
    /// (when `from` is set) the sender's address to `f`. A zero-length
    /// datagram is `""`, not end of stream.
    ///
    /// Internet datagrams always fit the reused buffer. A unix datagram can
    /// be larger, so for those the size is peeked first (MSG_TRUNC) and the
    /// buffer grows for that call.
    pub(crate) fn recv_dgram<R>(
        &mut self,
        max: Option<usize>,
        from: bool,
        dl: &Deadline,
        f: impl FnOnce(&[u8], Option<&SockAddr>) -> R,
    ) -> Result<R, NetError> {
        if self.fd < 0 {
            return Err(NetError::Closed);
        }
        let fd = self.fd;
        let peek = self.family == libc::AF_UNIX && max.is_none_or(|m| m > DATAGRAM_SIZE);
        // Taken out of the thread-local for the call, so `f` may do anything.
        let mut buf = DATAGRAM.with(|b| std::mem::take(&mut *b.borrow_mut()));
        let got = retry(fd, Interest::Read, dl, || {
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
        if buf.capacity() <= 2 * DATAGRAM_SIZE {
            buf.clear();
            let _ = DATAGRAM.try_with(|b| *b.borrow_mut() = buf);
        }
        out
    }

    /// `bind(path)` for a unix-domain socket; on failure the descriptor is
    /// closed, as upstream does.
    pub(crate) fn bind_path(&mut self, path: &[u8]) -> Result<(), NetError> {
        let addr = sys::unix_addr(path).ok_or(NetError::Msg("path too long"))?;
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

    /// `connect(path)` for a unix-domain socket within `dl`; on failure
    /// the descriptor is closed, as upstream does.
    pub(crate) fn connect_path(&mut self, path: &[u8], dl: &Deadline) -> Result<(), NetError> {
        let addr = sys::unix_addr(path).ok_or(NetError::Msg("path too long"))?;
        let r = self.connect_addr(&addr, dl);
        if r.is_err() {
            self.close();
        }
        r
    }
}

/// Reads a stream socket for the buffer, waiting within the call's deadline.
struct StreamSource<'d> {
    fd: RawFd,
    dl: &'d Deadline,
}

impl Source for StreamSource<'_> {
    fn fill(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<usize, NetError> {
        let fd = self.fd;
        retry(fd, Interest::Read, self.dl, || sys::recv_into(fd, buf, max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let mut s = Sock::new(-1, libc::AF_UNSPEC);
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
        let mut s = Sock::new(-1, libc::AF_UNSPEC);
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
        let mut s = Sock::new(-1, libc::AF_UNSPEC);
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
        let mut s = Sock::new(-1, libc::AF_UNSPEC);
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
        options::set(s.fd, SockOpt::TcpNoDelay, &OptValue::Bool(true)).unwrap();
        s.remember(SockOpt::TcpNoDelay, OptValue::Bool(true));
        let dl = s.timeout.start();
        let addrs = vec![addr_info(live.local_addr().unwrap())];
        s.connect_addrs(addrs, Type::STREAM, &dl).unwrap();
        assert_eq!(
            options::get(s.fd, SockOpt::TcpNoDelay),
            Ok(OptValue::Bool(true))
        );
        s.close();
    }

    #[test]
    fn close_frees_the_remembered_options() {
        // `__gc` only calls close: anything close keeps would leak.
        let mut s = Sock::create(libc::AF_INET, Type::STREAM).unwrap();
        s.remember(SockOpt::TcpNoDelay, OptValue::Bool(true));
        s.close();
        assert_eq!(s.opts.capacity(), 0);
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
        let dl = s.timeout.start();
        s.recv_dgram(max, false, &dl, |d, _| d.to_vec())
    }

    #[test]
    fn datagrams_come_whole_or_cut_to_the_size_asked() {
        let (mut a, mut b, at) = udp_pair();
        let dl = b.timeout.start();
        let big: Vec<u8> = (0..65_507u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(b.send_dgram(&big, Some(&at), &dl).unwrap(), big.len());
        assert_eq!(recv(&mut a, None).unwrap(), big);
        b.send_dgram(&big, Some(&at), &dl).unwrap();
        assert_eq!(recv(&mut a, Some(10)).unwrap(), &big[..10]);
        b.send_dgram(b"", Some(&at), &dl).unwrap();
        assert_eq!(recv(&mut a, None).unwrap(), b"");
        b.send_dgram(b"abc", Some(&at), &dl).unwrap();
        let dl = a.timeout.start();
        let (data, from) = a
            .recv_dgram(None, true, &dl, |d, f| (d.to_vec(), f.cloned()))
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
        let dl = b.timeout.start();
        let big: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        b.send_dgram(&big, Some(&to), &dl).unwrap();
        assert_eq!(recv(&mut a, None).unwrap(), big);
        b.send_dgram(&big, Some(&to), &dl).unwrap();
        assert_eq!(recv(&mut a, Some(70_000)).unwrap(), &big[..70_000]);
        b.send_dgram(b"", Some(&to), &dl).unwrap();
        assert_eq!(recv(&mut a, None).unwrap(), b"");
        assert_eq!(sys::unix_name(&a.local_addr().unwrap()), path);
        a.close();
        b.close();
        let _ = std::fs::remove_dir_all(&dir);
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
        let dl = c.timeout.start();
        c.connect_path(name.as_bytes(), &dl).unwrap();
        let mut d = Sock::create(libc::AF_UNIX, Type::STREAM).unwrap();
        let r = d.connect_path(b"\0luasocket-rs-nobody-listens", &dl);
        assert_eq!(r.unwrap_err().to_string(), "connection refused");
        assert_eq!(d.fd, -1, "a failed connect closes the descriptor");
        s.close();
        c.close();
    }
}
