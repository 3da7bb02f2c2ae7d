//! Socket options: one name table, and one `match` each for get and set,
//! so an option cannot be wired to the wrong call.
//!
//! Replaces LuaSocket's `options.c` and the `optget`/`optset` tables of
//! `tcp.c`. Which names each object kind accepts is a list of variants
//! (`TCP_SET`, `TCP_GET`); an unknown or unlisted name raises
//! "unsupported option `NAME'", and a failing call returns
//! `nil, "setsockopt failed"` / `nil, "getsockopt failed"`, as upstream.

use std::os::fd::RawFd;

use crate::sys;

/// Every option name LuaSocket knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SockOpt {
    BindToDevice,
    KeepAlive,
    ReuseAddr,
    ReusePort,
    TcpNoDelay,
    TcpKeepIdle,
    TcpKeepCnt,
    TcpKeepIntvl,
    TcpDeferAccept,
    TcpFastOpen,
    TcpFastOpenConnect,
    Ipv6V6Only,
    Linger,
    RecvBufferSize,
    SendBufferSize,
    Error,
}

const NAMES: &[(&str, SockOpt)] = &[
    ("bindtodevice", SockOpt::BindToDevice),
    ("keepalive", SockOpt::KeepAlive),
    ("reuseaddr", SockOpt::ReuseAddr),
    ("reuseport", SockOpt::ReusePort),
    ("tcp-nodelay", SockOpt::TcpNoDelay),
    ("tcp-keepidle", SockOpt::TcpKeepIdle),
    ("tcp-keepcnt", SockOpt::TcpKeepCnt),
    ("tcp-keepintvl", SockOpt::TcpKeepIntvl),
    ("tcp-defer-accept", SockOpt::TcpDeferAccept),
    ("tcp-fastopen", SockOpt::TcpFastOpen),
    ("tcp-fastopen-connect", SockOpt::TcpFastOpenConnect),
    ("ipv6-v6only", SockOpt::Ipv6V6Only),
    ("linger", SockOpt::Linger),
    ("recv-buffer-size", SockOpt::RecvBufferSize),
    ("send-buffer-size", SockOpt::SendBufferSize),
    ("error", SockOpt::Error),
];

/// Options `tcp:setoption` accepts.
pub(crate) const TCP_SET: &[SockOpt] = &[
    SockOpt::BindToDevice,
    SockOpt::KeepAlive,
    SockOpt::ReuseAddr,
    SockOpt::ReusePort,
    SockOpt::TcpNoDelay,
    SockOpt::TcpKeepIdle,
    SockOpt::TcpKeepCnt,
    SockOpt::TcpKeepIntvl,
    SockOpt::Ipv6V6Only,
    SockOpt::Linger,
    SockOpt::RecvBufferSize,
    SockOpt::SendBufferSize,
    SockOpt::TcpDeferAccept,
    SockOpt::TcpFastOpen,
    SockOpt::TcpFastOpenConnect,
];

/// Options `tcp:getoption` accepts.
pub(crate) const TCP_GET: &[SockOpt] = &[
    SockOpt::BindToDevice,
    SockOpt::KeepAlive,
    SockOpt::ReuseAddr,
    SockOpt::ReusePort,
    SockOpt::TcpNoDelay,
    SockOpt::TcpKeepIdle,
    SockOpt::TcpKeepCnt,
    SockOpt::TcpKeepIntvl,
    SockOpt::Linger,
    SockOpt::Error,
    SockOpt::RecvBufferSize,
    SockOpt::SendBufferSize,
];

/// How an option's value looks from Lua.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValueKind {
    Bool,
    Int,
    Linger,
    Text,
}

/// An option value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum OptValue {
    Bool(bool),
    Int(i32),
    Linger {
        on: bool,
        timeout: i32,
    },
    Text(Vec<u8>),
    /// `getoption("error")` when there is none.
    Nil,
}

impl SockOpt {
    /// Looks `name` up among `allowed`.
    pub(crate) fn parse(name: &[u8], allowed: &[SockOpt]) -> Option<SockOpt> {
        NAMES
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, o)| *o)
            .filter(|o| allowed.contains(o))
    }

    pub(crate) fn value_kind(self) -> ValueKind {
        match self {
            SockOpt::KeepAlive
            | SockOpt::ReuseAddr
            | SockOpt::ReusePort
            | SockOpt::TcpNoDelay
            | SockOpt::Ipv6V6Only
            | SockOpt::TcpFastOpenConnect => ValueKind::Bool,
            SockOpt::Linger => ValueKind::Linger,
            SockOpt::BindToDevice | SockOpt::Error => ValueKind::Text,
            _ => ValueKind::Int,
        }
    }

    /// `(level, name)` of the options that are a plain int.
    fn level_name(self) -> (i32, i32) {
        match self {
            SockOpt::KeepAlive => (libc::SOL_SOCKET, libc::SO_KEEPALIVE),
            SockOpt::ReuseAddr => (libc::SOL_SOCKET, libc::SO_REUSEADDR),
            SockOpt::ReusePort => (libc::SOL_SOCKET, libc::SO_REUSEPORT),
            SockOpt::RecvBufferSize => (libc::SOL_SOCKET, libc::SO_RCVBUF),
            SockOpt::SendBufferSize => (libc::SOL_SOCKET, libc::SO_SNDBUF),
            SockOpt::BindToDevice => (libc::SOL_SOCKET, libc::SO_BINDTODEVICE),
            SockOpt::Linger => (libc::SOL_SOCKET, libc::SO_LINGER),
            SockOpt::Error => (libc::SOL_SOCKET, libc::SO_ERROR),
            SockOpt::TcpNoDelay => (libc::IPPROTO_TCP, libc::TCP_NODELAY),
            SockOpt::TcpKeepIdle => (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE),
            SockOpt::TcpKeepCnt => (libc::IPPROTO_TCP, libc::TCP_KEEPCNT),
            SockOpt::TcpKeepIntvl => (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL),
            SockOpt::TcpDeferAccept => (libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT),
            SockOpt::TcpFastOpen => (libc::IPPROTO_TCP, libc::TCP_FASTOPEN),
            SockOpt::TcpFastOpenConnect => (libc::IPPROTO_TCP, libc::TCP_FASTOPEN_CONNECT),
            SockOpt::Ipv6V6Only => (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY),
        }
    }
}

/// Sets `opt`; any failure is LuaSocket's "setsockopt failed".
pub(crate) fn set(fd: RawFd, opt: SockOpt, value: &OptValue) -> Result<(), &'static str> {
    const FAILED: &str = "setsockopt failed";
    if fd < 0 {
        return Err(FAILED);
    }
    let (level, name) = opt.level_name();
    let r = match (opt, value) {
        (SockOpt::Linger, OptValue::Linger { on, timeout }) => sys::set_linger(fd, *on, *timeout),
        (SockOpt::BindToDevice, OptValue::Text(dev)) => {
            let mut c = dev.clone();
            c.push(0);
            sys::setsockopt_bytes(fd, level, name, &c)
        }
        (_, OptValue::Bool(b)) => sys::setsockopt_int(fd, level, name, *b as i32),
        (_, OptValue::Int(n)) => sys::setsockopt_int(fd, level, name, *n),
        _ => return Err(FAILED),
    };
    r.map_err(|_| FAILED)
}

/// Reads `opt`; any failure is LuaSocket's "getsockopt failed".
pub(crate) fn get(fd: RawFd, opt: SockOpt) -> Result<OptValue, &'static str> {
    const FAILED: &str = "getsockopt failed";
    if fd < 0 {
        return Err(FAILED);
    }
    let (level, name) = opt.level_name();
    match opt.value_kind() {
        ValueKind::Linger => {
            sys::get_linger(fd).map(|(on, timeout)| OptValue::Linger { on, timeout })
        }
        ValueKind::Bool => sys::getsockopt_int(fd, level, name).map(|v| OptValue::Bool(v != 0)),
        ValueKind::Int => sys::getsockopt_int(fd, level, name).map(OptValue::Int),
        ValueKind::Text if opt == SockOpt::Error => sys::getsockopt_int(fd, level, name).map(|e| {
            if e == 0 {
                OptValue::Nil
            } else {
                OptValue::Text(crate::error::errno_message(e).into_bytes())
            }
        }),
        ValueKind::Text => sys::getsockopt_bytes(fd, level, name, libc::IFNAMSIZ).map(|mut v| {
            if let Some(nul) = v.iter().position(|&c| c == 0) {
                v.truncate(nul);
            }
            OptValue::Text(v)
        }),
    }
    .map_err(|_| FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_and_lists_differ() {
        for (name, opt) in NAMES {
            let all = [*opt];
            assert_eq!(SockOpt::parse(name.as_bytes(), &all), Some(*opt));
        }
        assert_eq!(SockOpt::parse(b"ipv6-v6only", TCP_GET), None);
        assert_eq!(
            SockOpt::parse(b"ipv6-v6only", TCP_SET),
            Some(SockOpt::Ipv6V6Only)
        );
        assert_eq!(SockOpt::parse(b"error", TCP_SET), None);
        assert_eq!(SockOpt::parse(b"bogus", TCP_SET), None);
    }
}
