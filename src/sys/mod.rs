//! The only home of `unsafe` code: the Lua C API ([`lua`]) and the system
//! calls that socket2 and std do not offer (poll on raw descriptors, reads into
//! a vector's spare capacity, the resolver, signal disposition).
//!
//! Replaces LuaSocket's `usocket.c` (waitfd, select) and the resolver parts of
//! `inet.c`. Every function here is safe to call and returns `io::Result` (or
//! the resolver's own error code); callers map errors to LuaSocket's strings
//! in `error.rs`.
#![allow(unsafe_code)]

#[cfg(feature = "lua")]
pub(crate) mod lua;
#[cfg(target_arch = "x86_64")]
pub(crate) mod simd;

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use socket2::{SockAddr, SockRef};

/// Turns a `-1` return into `io::Error::last_os_error()`, as socket2 does.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        // SAFETY: the caller passes arguments valid for this system call.
        let res = unsafe { libc::$fn($($arg),*) };
        if res == -1 {
            Err(io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}

/// Runs `f` with a socket2 view of a raw descriptor we hold.
pub(crate) fn with_fd<R>(fd: RawFd, f: impl FnOnce(SockRef<'_>) -> R) -> R {
    debug_assert!(fd >= 0);
    // SAFETY: fd is non-negative; if it is not (or no longer) an open
    // descriptor, every call on it fails with EBADF, which is what a
    // LuaSocket program that used `setfd` gets too. Nothing closes it here.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    f(SockRef::from(&borrowed))
}

/// Closes a descriptor we own. Errors (EINTR included) are ignored, as
/// LuaSocket does: the descriptor is released either way on Linux.
pub(crate) fn close(fd: RawFd) {
    if fd >= 0 {
        let _ = syscall!(close(fd));
    }
}

/// Readiness the callers wait for (`io::wait_events`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interest {
    Read,
    Write,
}

fn timespec(d: Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: d.as_secs().min(i64::MAX as u64) as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    }
}

/// Whether poll's `revents` report an error or hang-up on the descriptor
/// (a failed connect always sets POLLERR).
pub(crate) fn poll_failed(revents: libc::c_short) -> bool {
    revents & (libc::POLLERR | libc::POLLHUP) != 0
}

/// poll(2) over many descriptors with a nanosecond timeout (ppoll).
pub(crate) fn poll(fds: &mut [libc::pollfd], timeout: Option<Duration>) -> io::Result<usize> {
    let ts = timeout.map(timespec);
    let tsp = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    let n = syscall!(ppoll(
        fds.as_mut_ptr(),
        fds.len() as libc::nfds_t,
        tsp,
        std::ptr::null()
    ))?;
    Ok(n as usize)
}

/// Sleeps `d` on the monotonic clock, the whole time: an absolute
/// clock_nanosleep resumed after signals (C LuaSocket's nanosleep loop,
/// with no drift from the restarts).
pub(crate) fn sleep(d: Duration) {
    let mut until = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: until is a valid timespec; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut until) };
    let add = timespec(d);
    let nsec = until.tv_nsec + add.tv_nsec;
    until.tv_sec = until
        .tv_sec
        .saturating_add(add.tv_sec)
        .saturating_add(nsec / 1_000_000_000);
    until.tv_nsec = nsec % 1_000_000_000;
    loop {
        // SAFETY: until is a valid timespec; no remainder is asked for.
        let rc = unsafe {
            libc::clock_nanosleep(
                libc::CLOCK_MONOTONIC,
                libc::TIMER_ABSTIME,
                &until,
                std::ptr::null_mut(),
            )
        };
        // clock_nanosleep returns the error number itself
        if rc != libc::EINTR {
            return;
        }
    }
}

/// Seconds on the monotonic clock (`monotonic`) or since the Unix epoch.
pub(crate) fn clock(monotonic: bool) -> f64 {
    let id = if monotonic {
        libc::CLOCK_MONOTONIC
    } else {
        libc::CLOCK_REALTIME
    };
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec; both clocks always exist on Linux.
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The soft limit on open descriptors (`RLIMIT_NOFILE`): how many sockets
/// this process can really hold. `None` when it is unlimited or unreadable.
pub(crate) fn open_files_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: lim is a valid rlimit for getrlimit to fill.
    syscall!(getrlimit(libc::RLIMIT_NOFILE, &mut lim)).ok()?;
    (lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur)
}

/// Receives into the spare capacity of `buf` (at most `max` bytes) and
/// extends its length by what arrived.
pub(crate) fn recv_into(fd: RawFd, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    if buf.capacity() - buf.len() < max {
        buf.reserve(max);
    }
    let spare = &mut buf.spare_capacity_mut()[..max];
    let n = with_fd(fd, |s| s.recv(spare))?;
    // SAFETY: recv initialised the first n bytes of the spare capacity.
    unsafe { buf.set_len(buf.len() + n) };
    Ok(n)
}

/// Has the kernel map the whole pages inside `region` now, in one call,
/// instead of one page fault at a time while a read fills them (for fresh
/// memory the faults cost more than the copy). Only a hint:
/// errors are ignored, and it does nothing where the kernel lacks
/// `MADV_POPULATE_WRITE` (before Linux 5.14) or off Linux.
#[cfg(target_os = "linux")]
pub(crate) fn prefault(region: &mut [std::mem::MaybeUninit<u8>]) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static UNSUPPORTED: AtomicBool = AtomicBool::new(false);
    if UNSUPPORTED.load(Ordering::Relaxed) {
        return;
    }
    let page = page_size();
    let start = region.as_mut_ptr() as usize;
    let first = start.next_multiple_of(page);
    let end = (start + region.len()) / page * page;
    if end <= first {
        return;
    }
    // SAFETY: [first, end) is whole pages inside `region`, memory the
    // caller borrows mutably and holds no initialized bytes of (spare
    // capacity); populating maps those pages and changes nothing else.
    let r = unsafe {
        libc::madvise(
            first as *mut libc::c_void,
            end - first,
            libc::MADV_POPULATE_WRITE,
        )
    };
    if r != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
        UNSUPPORTED.store(true, Ordering::Relaxed);
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn prefault(_region: &mut [std::mem::MaybeUninit<u8>]) {}

/// The size of a memory page (4096 when the system will not say).
#[cfg(target_os = "linux")]
fn page_size() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    match PAGE.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: sysconf reads a constant of the system.
            let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            let n = if n > 0 && (n as usize).is_power_of_two() {
                n as usize
            } else {
                4096
            };
            PAGE.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Sends without raising SIGPIPE.
pub(crate) fn send(fd: RawFd, data: &[u8]) -> io::Result<usize> {
    with_fd(fd, |s| s.send_with_flags(data, libc::MSG_NOSIGNAL))
}

/// Ignores SIGPIPE process-wide, but only if the host left it at its
/// default action (a host that installed a handler keeps it).
pub(crate) fn ignore_sigpipe_if_default() {
    // SAFETY: reading and setting a signal disposition with zeroed,
    // properly sized sigaction structures.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) != 0 {
            return;
        }
        if old.sa_sigaction == libc::SIG_DFL {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = libc::SIG_IGN;
            libc::sigemptyset(&mut new.sa_mask);
            libc::sigaction(libc::SIGPIPE, &new, std::ptr::null_mut());
        }
    }
}

/// The C library's `strerror` text for an errno value.
pub(crate) fn strerror(code: i32) -> String {
    let mut buf = [0 as libc::c_char; 256];
    // SAFETY: the XSI strerror_r writes a NUL-terminated string into buf.
    let r = unsafe { libc::strerror_r(code, buf.as_mut_ptr(), buf.len()) };
    if r != 0 {
        return format!("Unknown error {code}");
    }
    // SAFETY: strerror_r succeeded, so buf holds a C string.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// One `getaddrinfo` answer.
#[derive(Clone, Debug)]
pub(crate) struct AddrInfo {
    pub family: i32,
    pub addr: SockAddr,
    pub canonname: Option<String>,
}

/// Hints for [`getaddrinfo`].
#[derive(Clone, Copy, Default)]
pub(crate) struct Hints {
    pub family: i32,
    pub socktype: i32,
    pub flags: i32,
}

/// A resolver failure: the `EAI_*` code, and errno for `EAI_SYSTEM`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GaiError {
    pub code: i32,
    pub errno: i32,
}

/// getaddrinfo(3). `host`/`serv` of `None` pass NULL.
pub(crate) fn getaddrinfo(
    host: Option<&str>,
    serv: Option<&str>,
    hints: Hints,
) -> Result<Vec<AddrInfo>, GaiError> {
    let bad = GaiError {
        code: libc::EAI_NONAME,
        errno: 0,
    };
    let host = host.map(CString::new).transpose().map_err(|_| bad)?;
    let serv = serv.map(CString::new).transpose().map_err(|_| bad)?;
    // SAFETY: hints is zeroed then filled; res is freed with freeaddrinfo
    // after its entries are copied into owned values.
    unsafe {
        let mut h: libc::addrinfo = std::mem::zeroed();
        h.ai_family = hints.family;
        h.ai_socktype = hints.socktype;
        h.ai_flags = hints.flags;
        let mut res: *mut libc::addrinfo = std::ptr::null_mut();
        let code = libc::getaddrinfo(
            host.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
            serv.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
            &h,
            &mut res,
        );
        if code != 0 {
            let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if !res.is_null() {
                libc::freeaddrinfo(res);
            }
            return Err(GaiError { code, errno });
        }
        let mut out = Vec::new();
        let mut it = res;
        while !it.is_null() {
            let ai = &*it;
            if !ai.ai_addr.is_null()
                && (ai.ai_addrlen as usize) <= std::mem::size_of::<libc::sockaddr_storage>()
            {
                let ((), addr) = SockAddr::try_init(|storage, len| {
                    std::ptr::copy_nonoverlapping(
                        ai.ai_addr as *const u8,
                        storage as *mut u8,
                        ai.ai_addrlen as usize,
                    );
                    *len = ai.ai_addrlen;
                    Ok(())
                })
                .map_err(|_| bad)?;
                let canonname = if ai.ai_canonname.is_null() {
                    None
                } else {
                    Some(
                        CStr::from_ptr(ai.ai_canonname)
                            .to_string_lossy()
                            .into_owned(),
                    )
                };
                out.push(AddrInfo {
                    family: ai.ai_family,
                    addr,
                    canonname,
                });
            }
            it = ai.ai_next;
        }
        libc::freeaddrinfo(res);
        Ok(out)
    }
}

/// A pipe whose write end polls as neither readable nor writable until the
/// read end is closed, then as POLLERR (which poll reports whatever events
/// were asked for, so `select` sees it in both sets, and epoll always
/// reports it). Returns `(read end, write end)`, both close-on-exec.
///
/// The pipe is shrunk to one page (when the kernel lets us) and filled, so
/// the write end has no room: a pipe's write end never polls readable, and
/// now not writable either. One page per pending lookup.
pub(crate) fn blocked_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as libc::c_int; 2];
    syscall!(pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK))?;
    // SAFETY: pipe2 succeeded, so both are open descriptors owned by no one else.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // Best effort: a kernel that refuses keeps the default size, which the
    // loop below fills all the same.
    let _ = syscall!(fcntl(
        w.as_raw_fd(),
        libc::F_SETPIPE_SZ,
        4096 as libc::c_int
    ));
    let junk = [0u8; 4096];
    loop {
        match syscall!(write(
            w.as_raw_fd(),
            junk.as_ptr() as *const libc::c_void,
            junk.len()
        )) {
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok((r, w))
}

/// getnameinfo(3): `(host, service)` for an address.
pub(crate) fn getnameinfo(addr: &SockAddr, flags: i32) -> Result<(String, String), GaiError> {
    let mut host = [0 as libc::c_char; 1025];
    let mut serv = [0 as libc::c_char; 32];
    // SAFETY: addr points to addr.len() valid bytes; both buffers are
    // NUL-terminated by getnameinfo on success.
    unsafe {
        let code = libc::getnameinfo(
            addr.as_ptr() as *const libc::sockaddr,
            addr.len(),
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            serv.as_mut_ptr(),
            serv.len() as libc::socklen_t,
            flags,
        );
        if code != 0 {
            let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
            return Err(GaiError { code, errno });
        }
        Ok((
            CStr::from_ptr(host.as_ptr()).to_string_lossy().into_owned(),
            CStr::from_ptr(serv.as_ptr()).to_string_lossy().into_owned(),
        ))
    }
}

/// The resolver's own message for a code LuaSocket has no text for.
pub(crate) fn gai_strerror(code: i32) -> String {
    // SAFETY: gai_strerror returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(libc::gai_strerror(code)) }
        .to_string_lossy()
        .into_owned()
}

/// gethostname(2).
pub(crate) fn gethostname() -> io::Result<String> {
    let mut buf = [0 as libc::c_char; 257];
    syscall!(gethostname(buf.as_mut_ptr(), buf.len() - 1))?;
    // SAFETY: gethostname wrote a NUL-terminated name (the last byte stays 0).
    Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned())
}

/// connect(2) on a non-blocking descriptor: returns the raw outcome
/// (EINPROGRESS, EALREADY, EISCONN... come back as errors).
pub(crate) fn connect(fd: RawFd, addr: &SockAddr) -> io::Result<()> {
    with_fd(fd, |s| s.connect(addr))
}

/// setsockopt(2) with an `int` value.
pub(crate) fn setsockopt_int(fd: RawFd, level: i32, name: i32, value: i32) -> io::Result<()> {
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    syscall!(setsockopt(
        fd,
        level,
        name,
        &value as *const i32 as *const libc::c_void,
        len
    ))?;
    Ok(())
}

/// getsockopt(2) of an `int` value.
pub(crate) fn getsockopt_int(fd: RawFd, level: i32, name: i32) -> io::Result<i32> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    syscall!(getsockopt(
        fd,
        level,
        name,
        &mut value as *mut i32 as *mut libc::c_void,
        &mut len
    ))?;
    Ok(value)
}

/// setsockopt(2) with a byte string (SO_BINDTODEVICE takes a C string).
pub(crate) fn setsockopt_bytes(fd: RawFd, level: i32, name: i32, value: &[u8]) -> io::Result<()> {
    syscall!(setsockopt(
        fd,
        level,
        name,
        value.as_ptr() as *const libc::c_void,
        value.len() as libc::socklen_t
    ))?;
    Ok(())
}

/// getsockopt(2) of a byte string, up to `max` bytes.
pub(crate) fn getsockopt_bytes(
    fd: RawFd,
    level: i32,
    name: i32,
    max: usize,
) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; max];
    let mut len = max as libc::socklen_t;
    syscall!(getsockopt(
        fd,
        level,
        name,
        buf.as_mut_ptr() as *mut libc::c_void,
        &mut len
    ))?;
    buf.truncate(len as usize);
    Ok(buf)
}

/// SO_LINGER as `(on, seconds)`.
pub(crate) fn set_linger(fd: RawFd, on: bool, secs: i32) -> io::Result<()> {
    let li = libc::linger {
        l_onoff: on as libc::c_int,
        l_linger: secs,
    };
    let len = std::mem::size_of::<libc::linger>() as libc::socklen_t;
    syscall!(setsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_LINGER,
        &li as *const libc::linger as *const libc::c_void,
        len
    ))?;
    Ok(())
}

pub(crate) fn get_linger(fd: RawFd) -> io::Result<(bool, i32)> {
    let mut li = libc::linger {
        l_onoff: 0,
        l_linger: 0,
    };
    let mut len = std::mem::size_of::<libc::linger>() as libc::socklen_t;
    syscall!(getsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_LINGER,
        &mut li as *mut libc::linger as *mut libc::c_void,
        &mut len
    ))?;
    Ok((li.l_onoff != 0, li.l_linger))
}

/// Receives one datagram into `buf` (replacing its contents, at most `max`
/// bytes kept) with `flags` (`MSG_PEEK`, `MSG_TRUNC`). Returns the length
/// the call reports (with `MSG_TRUNC`, the datagram's real length, which may
/// exceed `max`) and, when `from` is set, the sender's address.
pub(crate) fn recv_dgram_into(
    fd: RawFd,
    buf: &mut Vec<u8>,
    max: usize,
    flags: i32,
    from: bool,
) -> io::Result<(usize, Option<SockAddr>)> {
    buf.clear();
    buf.reserve(max);
    let spare = &mut buf.spare_capacity_mut()[..max];
    let (n, addr) = with_fd(fd, |s| {
        if from {
            s.recv_from_with_flags(spare, flags)
                .map(|(n, a)| (n, Some(a)))
        } else {
            s.recv_with_flags(spare, flags).map(|n| (n, None))
        }
    })?;
    // SAFETY: the call initialised the first min(n, max) bytes of the
    // spare capacity (n can exceed max only with MSG_TRUNC).
    unsafe { buf.set_len(n.min(max)) };
    Ok((n, addr))
}

/// Sends one datagram to `addr` without raising SIGPIPE.
pub(crate) fn send_to(fd: RawFd, data: &[u8], addr: &SockAddr) -> io::Result<usize> {
    with_fd(fd, |s| s.send_to_with_flags(data, addr, libc::MSG_NOSIGNAL))
}

/// Dissolves a datagram socket's association (connect(2) to an address of
/// family `AF_UNSPEC`), the way `setpeername("*")` does.
pub(crate) fn disconnect(fd: RawFd) -> io::Result<()> {
    // SAFETY: the storage is zeroed by try_init; we only set the family and
    // a length no larger than the storage, so the address is initialised.
    let ((), addr) = unsafe {
        SockAddr::try_init(|storage, len| {
            (*storage.cast::<libc::sockaddr>()).sa_family = libc::AF_UNSPEC as libc::sa_family_t;
            *len = std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
            Ok(())
        })
    }?;
    connect(fd, &addr)
}

/// The length of `sockaddr_un.sun_path`.
pub(crate) const SUN_PATH_LEN: usize = 108;

/// A unix-domain address holding exactly the bytes of `path`, laid out as
/// LuaSocket does (no terminating NUL counted), so a leading NUL makes a
/// Linux abstract name. `None` when the path does not fit.
pub(crate) fn unix_addr(path: &[u8]) -> Option<SockAddr> {
    if path.len() >= SUN_PATH_LEN {
        return None;
    }
    let offset = std::mem::offset_of!(libc::sockaddr_un, sun_path);
    // SAFETY: try_init hands us zeroed storage at least as large as a
    // sockaddr_un; the path fits in sun_path (checked above), and the length
    // covers only the family and the copied bytes.
    let made = unsafe {
        SockAddr::try_init(|storage, len| {
            let un = &mut *storage.cast::<libc::sockaddr_un>();
            un.sun_family = libc::AF_UNIX as libc::sa_family_t;
            std::ptr::copy_nonoverlapping(
                path.as_ptr(),
                un.sun_path.as_mut_ptr().cast::<u8>(),
                path.len(),
            );
            *len = (offset + path.len()) as libc::socklen_t;
            Ok(())
        })
    };
    made.ok().map(|((), addr)| addr)
}

/// The name in a unix-domain address as Lua sees it: a filesystem path
/// (up to its NUL), an abstract name with its leading NUL, or `""` for an
/// unnamed socket.
pub(crate) fn unix_name(addr: &SockAddr) -> Vec<u8> {
    if !addr.is_unix() {
        return Vec::new();
    }
    let offset = std::mem::offset_of!(libc::sockaddr_un, sun_path);
    let len = (addr.len() as usize)
        .saturating_sub(offset)
        .min(SUN_PATH_LEN);
    // SAFETY: the family is AF_UNIX, so the storage holds a sockaddr_un,
    // and `len` stays within its sun_path.
    let bytes = unsafe {
        let un = &*addr.as_ptr().cast::<libc::sockaddr_un>();
        std::slice::from_raw_parts(un.sun_path.as_ptr().cast::<u8>(), len)
    };
    match bytes.first() {
        None => Vec::new(),
        Some(0) => bytes.to_vec(),
        Some(_) => {
            let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
            bytes[..end].to_vec()
        }
    }
}

extern "C" {
    // In the C library on every Unix; the libc crate does not bind it.
    fn inet_aton(cp: *const libc::c_char, inp: *mut libc::in_addr) -> libc::c_int;
}

/// inet_aton(3): the permissive IPv4 parser LuaSocket's options use
/// (`"127.1"` and `"0x7f.0.0.1"` are accepted).
pub(crate) fn parse_ipv4(text: &str) -> Option<std::net::Ipv4Addr> {
    let c = CString::new(text).ok()?;
    let mut a = libc::in_addr { s_addr: 0 };
    // SAFETY: c is NUL-terminated; a is a valid in_addr to fill.
    let ok = unsafe { inet_aton(c.as_ptr(), &mut a) };
    (ok != 0).then(|| std::net::Ipv4Addr::from(u32::from_be(a.s_addr)))
}

/// setsockopt(2) with a plain-data value (`in_addr`, `ip_mreq`, ...).
pub(crate) fn setsockopt_value<T: Copy>(
    fd: RawFd,
    level: i32,
    name: i32,
    value: &T,
) -> io::Result<()> {
    syscall!(setsockopt(
        fd,
        level,
        name,
        value as *const T as *const libc::c_void,
        std::mem::size_of::<T>() as libc::socklen_t
    ))?;
    Ok(())
}

/// getsockopt(2) of an `in_addr` (IP_MULTICAST_IF).
pub(crate) fn getsockopt_in_addr(
    fd: RawFd,
    level: i32,
    name: i32,
) -> io::Result<std::net::Ipv4Addr> {
    let mut value = libc::in_addr { s_addr: 0 };
    let mut len = std::mem::size_of::<libc::in_addr>() as libc::socklen_t;
    syscall!(getsockopt(
        fd,
        level,
        name,
        &mut value as *mut libc::in_addr as *mut libc::c_void,
        &mut len
    ))?;
    Ok(std::net::Ipv4Addr::from(u32::from_be(value.s_addr)))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn ipv4_text_is_read_as_inet_aton_reads_it() {
        let lo = std::net::Ipv4Addr::new(127, 0, 0, 1);
        assert_eq!(parse_ipv4("127.0.0.1"), Some(lo));
        assert_eq!(parse_ipv4("127.1"), Some(lo));
        assert_eq!(parse_ipv4("0x7f.0.0.1"), Some(lo));
        assert_eq!(parse_ipv4("localhost"), None);
        assert_eq!(parse_ipv4("1.2.3.4\0"), None);
    }

    #[test]
    fn process_wide_settings() {
        assert!(open_files_limit().is_none_or(|n| n > 0));
        // The Rust test harness already ignores SIGPIPE: nothing changes.
        ignore_sigpipe_if_default();
        // SAFETY: reads the disposition into a zeroed sigaction.
        let ignored = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old);
            old.sa_sigaction == libc::SIG_IGN
        };
        assert!(ignored);
    }

    /// Pages of `len` bytes at `p` that are resident, by mincore.
    fn resident_pages(p: *mut u8, len: usize) -> usize {
        let mut vec = vec![0u8; len.div_ceil(page_size())];
        // SAFETY: [p, p + len) is one mapping of whole pages; `vec` has a
        // byte for each of them.
        let r = unsafe { libc::mincore(p.cast(), len, vec.as_mut_ptr()) };
        assert_eq!(r, 0, "mincore: {}", io::Error::last_os_error());
        vec.iter().filter(|&&b| b & 1 == 1).count()
    }

    /// MADV_POPULATE_WRITE came in Linux 5.14.
    fn kernel_has_populate_write() -> bool {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let mut parts = release
            .trim()
            .split(['.', '-'])
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (major, minor) >= (5, 14)
    }

    #[test]
    fn prefault_maps_the_whole_pages_inside_the_region_only() {
        let page = page_size();
        let len = 64 * page;
        // A private mapping of its own, so that no page is resident before.
        // SAFETY: a fresh anonymous mapping, unmapped at the end.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        let p = p.cast::<u8>();
        assert_eq!(resident_pages(p, len), 0);
        // The region starts 100 bytes into page 2 and ends 100 bytes into
        // page 50: pages 3 to 49 are wholly inside it.
        // SAFETY: the region lies inside the mapping, which nothing else uses.
        let region = unsafe {
            std::slice::from_raw_parts_mut(
                p.add(2 * page + 100).cast::<std::mem::MaybeUninit<u8>>(),
                48 * page,
            )
        };
        prefault(region);
        let want = if kernel_has_populate_write() { 47 } else { 0 };
        assert_eq!(resident_pages(p, len), want);
        // SAFETY: the pages inside [3, 50) are resident.
        let (first, last) = unsafe { (*p.add(3 * page), *p.add(50 * page - 1)) };
        assert_eq!((first, last), (0, 0), "populated pages read as zeros");
        assert_eq!(
            resident_pages(p, 3 * page),
            0,
            "nothing before the region's first whole page"
        );
        // SAFETY: unmaps the mapping made above; nothing refers to it now.
        assert_eq!(unsafe { libc::munmap(p.cast(), len) }, 0);
    }
}

/// epoll(7), for `socket.poller()`: a persistent interest set in the
/// kernel, so that a wait costs what is ready, not what is watched.
#[cfg(target_os = "linux")]
pub(crate) mod epoll {
    use std::io;
    use std::os::fd::RawFd;
    use std::time::Duration;

    pub(crate) use libc::epoll_event as Event;
    pub(crate) const IN: u32 = libc::EPOLLIN as u32;
    pub(crate) const OUT: u32 = libc::EPOLLOUT as u32;
    pub(crate) const ERR: u32 = libc::EPOLLERR as u32;
    pub(crate) const HUP: u32 = libc::EPOLLHUP as u32;
    pub(crate) const RDHUP: u32 = libc::EPOLLRDHUP as u32;

    /// A new close-on-exec epoll descriptor.
    pub(crate) fn create() -> io::Result<RawFd> {
        syscall!(epoll_create1(libc::EPOLL_CLOEXEC))
    }

    /// An event slot for [`wait`] to fill.
    pub(crate) fn empty_event() -> Event {
        Event { events: 0, u64: 0 }
    }

    fn ctl(epfd: RawFd, op: libc::c_int, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        let mut ev = Event { events, u64: token };
        // SAFETY: ev is a valid epoll_event for the duration of the call
        // (the kernel copies it); bad descriptors fail with EBADF.
        syscall!(epoll_ctl(epfd, op, fd, &mut ev)).map(|_| ())
    }

    /// Adds `fd` with `events`, carrying `token` in its events.
    pub(crate) fn add(epfd: RawFd, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        ctl(epfd, libc::EPOLL_CTL_ADD, fd, events, token)
    }

    /// Changes the events and token of `fd`, already added.
    pub(crate) fn modify(epfd: RawFd, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        ctl(epfd, libc::EPOLL_CTL_MOD, fd, events, token)
    }

    /// Removes `fd` from the set.
    pub(crate) fn delete(epfd: RawFd, fd: RawFd) -> io::Result<()> {
        ctl(epfd, libc::EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits for events, at most `timeout` (`None`: no limit); fills the
    /// front of `out` and returns how many. The timeout is rounded up to
    /// whole milliseconds, so it never wakes early.
    pub(crate) fn wait(
        epfd: RawFd,
        out: &mut [Event],
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        let ms = match timeout {
            None => -1,
            Some(d) => {
                let ms = d.as_nanos().div_ceil(1_000_000);
                ms.min(i32::MAX as u128) as libc::c_int
            }
        };
        let max = out.len().min(i32::MAX as usize) as libc::c_int;
        // SAFETY: out is a valid, writable array of `max` events.
        let n = syscall!(epoll_wait(epfd, out.as_mut_ptr(), max, ms))?;
        Ok(n as usize)
    }
}
