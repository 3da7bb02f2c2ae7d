//! The socket core shared by every object kind: the descriptor, its family,
//! its timeout and input buffer, and the operations on them (create, bind,
//! connect with a deadline, accept, send, receive, shutdown, close, names).
//!
//! Replaces LuaSocket's `usocket.c` plus the common parts of `tcp.c`/`udp.c`.
//! The descriptor is held raw (not as a socket2 `Socket`) because `setfd`
//! lets Lua replace it without closing the old one, and LuaSec detaches with
//! `setfd(-1)`; socket2 is used through a borrowed view (`sys::with_fd`).

use std::io;
use std::os::fd::{IntoRawFd, RawFd};

use socket2::{Domain, Protocol, SockAddr, Type};

use crate::buffer::{Data, InBuf, Pattern, Received, Source};
use crate::error::NetError;
use crate::inet;
use crate::io::{retry, wait};
use crate::sys::{self, Interest};
use crate::timeout::{gettime, Deadline, Timeout};

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
        }
    }

    /// Creates a non-blocking descriptor of `family` and `socktype`; IPv6
    /// sockets get `IPV6_V6ONLY`, as LuaSocket sets it.
    pub(crate) fn open(family: i32, socktype: Type) -> Result<RawFd, NetError> {
        let s = socket2::Socket::new(Domain::from(family), socktype, None::<Protocol>)?;
        s.set_nonblocking(true)?;
        if family == libc::AF_INET6 {
            let _ = s.set_only_v6(true);
        }
        Ok(s.into_raw_fd())
    }

    /// Closes the descriptor (once) and frees the buffer.
    pub(crate) fn close(&mut self) {
        sys::close(self.fd);
        self.fd = -1;
        self.input.clear();
    }

    /// Replaces the descriptor without closing the old one (`setfd`).
    pub(crate) fn set_fd(&mut self, fd: RawFd) {
        self.fd = fd;
        self.input.clear();
    }

    /// Makes sure a descriptor of `family` exists, replacing one of another
    /// family (the family-agnostic `tcp()`/`udp()` create theirs lazily).
    fn ensure(&mut self, family: i32, socktype: Type) -> Result<(), NetError> {
        if self.fd >= 0 && self.family == family {
            return Ok(());
        }
        let fd = Sock::open(family, socktype)?;
        sys::close(self.fd);
        self.fd = fd;
        self.family = family;
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

    /// `connect(address, port)`: tries each resolved address in turn.
    pub(crate) fn connect(
        &mut self,
        host: &str,
        port: &str,
        socktype: Type,
        dl: &Deadline,
    ) -> Result<(), NetError> {
        let addrs = inet::resolve(Some(host), Some(port), self.family, socktype, 0)?;
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
        wait(self.fd, Interest::Write, dl)?;
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
            sys::with_fd(fd, |s| s.accept()).map_err(|e| {
                // A connection reset before we took it: wait for the next.
                if e.raw_os_error() == Some(libc::ECONNABORTED) {
                    io::Error::from(io::ErrorKind::WouldBlock)
                } else {
                    e
                }
            })
        })?;
        s.set_nonblocking(true)?;
        Ok(s.into_raw_fd())
    }

    /// Sends `data` until all is sent or an error or the deadline stops it.
    /// Returns the bytes sent and the error, if any.
    pub(crate) fn send_all(&mut self, data: &[u8], dl: &Deadline) -> (usize, Option<NetError>) {
        if self.fd < 0 {
            return (0, Some(NetError::Closed));
        }
        let fd = self.fd;
        let mut sent = 0;
        while sent < data.len() {
            match retry(fd, Interest::Write, dl, || sys::send(fd, &data[sent..])) {
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

    /// `(ip, port)` of the local end.
    pub(crate) fn local_name(&self) -> Result<(String, u16), NetError> {
        if self.fd < 0 {
            // No descriptor: what the system call would say (EBADF).
            return Err(NetError::from_errno(libc::EBADF));
        }
        let addr = sys::with_fd(self.fd, |s| s.local_addr())?;
        inet::numeric_name(&addr)
    }

    /// `(ip, port)` of the peer.
    pub(crate) fn peer_name(&self) -> Result<(String, u16), NetError> {
        if self.fd < 0 {
            // No descriptor: what the system call would say (EBADF).
            return Err(NetError::from_errno(libc::EBADF));
        }
        let addr = sys::with_fd(self.fd, |s| s.peer_addr())?;
        inet::numeric_name(&addr)
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
