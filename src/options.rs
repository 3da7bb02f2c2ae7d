//! Socket options: one name table, and one `match` each for get and set,
//! so an option cannot be wired to the wrong call.
//!
//! Replaces LuaSocket's `options.c` and the `optget`/`optset` tables of
//! `tcp.c`, `udp.c`, `unixstream.c` and `unixdgram.c`. Which names each
//! object kind accepts is a list of variants (`TCP_SET`, `UDP_GET`, ...); an
//! unknown or unlisted name raises "unsupported option `NAME'", and a
//! failing call returns `nil, "setsockopt failed"` / `nil, "getsockopt
//! failed"`, as upstream. One difference on purpose: upstream's `udp.c`
//! wires `ipv6-multicast-hops` to IPV6_UNICAST_HOPS; here it sets and reads
//! IPV6_MULTICAST_HOPS.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;

use crate::error::NetError;
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
    DontRoute,
    Broadcast,
    IpMulticastIf,
    IpMulticastTtl,
    IpMulticastLoop,
    IpAddMembership,
    IpDropMembership,
    Ipv6UnicastHops,
    Ipv6MulticastHops,
    Ipv6MulticastLoop,
    Ipv6AddMembership,
    Ipv6DropMembership,
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
    ("dontroute", SockOpt::DontRoute),
    ("broadcast", SockOpt::Broadcast),
    ("ip-multicast-if", SockOpt::IpMulticastIf),
    ("ip-multicast-ttl", SockOpt::IpMulticastTtl),
    ("ip-multicast-loop", SockOpt::IpMulticastLoop),
    ("ip-add-membership", SockOpt::IpAddMembership),
    ("ip-drop-membership", SockOpt::IpDropMembership),
    ("ipv6-unicast-hops", SockOpt::Ipv6UnicastHops),
    ("ipv6-multicast-hops", SockOpt::Ipv6MulticastHops),
    ("ipv6-multicast-loop", SockOpt::Ipv6MulticastLoop),
    ("ipv6-add-membership", SockOpt::Ipv6AddMembership),
    ("ipv6-drop-membership", SockOpt::Ipv6DropMembership),
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

/// Options `udp:setoption` accepts.
pub(crate) const UDP_SET: &[SockOpt] = &[
    SockOpt::DontRoute,
    SockOpt::Broadcast,
    SockOpt::ReuseAddr,
    SockOpt::ReusePort,
    SockOpt::IpMulticastIf,
    SockOpt::IpMulticastTtl,
    SockOpt::IpMulticastLoop,
    SockOpt::IpAddMembership,
    SockOpt::IpDropMembership,
    SockOpt::Ipv6UnicastHops,
    SockOpt::Ipv6MulticastHops,
    SockOpt::Ipv6MulticastLoop,
    SockOpt::Ipv6AddMembership,
    SockOpt::Ipv6DropMembership,
    SockOpt::Ipv6V6Only,
    SockOpt::RecvBufferSize,
    SockOpt::SendBufferSize,
];

/// Options `udp:getoption` accepts (as upstream: no `ip-multicast-ttl`,
/// no memberships, plus `error`).
pub(crate) const UDP_GET: &[SockOpt] = &[
    SockOpt::DontRoute,
    SockOpt::Broadcast,
    SockOpt::ReuseAddr,
    SockOpt::ReusePort,
    SockOpt::IpMulticastIf,
    SockOpt::IpMulticastLoop,
    SockOpt::Error,
    SockOpt::Ipv6UnicastHops,
    SockOpt::Ipv6MulticastHops,
    SockOpt::Ipv6MulticastLoop,
    SockOpt::Ipv6V6Only,
    SockOpt::RecvBufferSize,
    SockOpt::SendBufferSize,
];

/// Options `unixstream:setoption` accepts (it has no `getoption`).
pub(crate) const UNIXSTREAM_SET: &[SockOpt] =
    &[SockOpt::KeepAlive, SockOpt::ReuseAddr, SockOpt::Linger];

/// Options `unixdgram:setoption` accepts (it has no `getoption`).
pub(crate) const UNIXDGRAM_SET: &[SockOpt] = &[SockOpt::ReuseAddr];

/// How an option's value looks from Lua.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValueKind {
    Bool,
    Int,
    Linger,
    Text,
    /// An IPv4 address as text (`"*"` for any), `ip-multicast-if`.
    Ip4,
    /// `{multiaddr = ip, interface = ip}` (IPv4).
    Membership,
    /// `{multiaddr = ip6, interface = index}` (IPv6).
    Membership6,
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
    Ip4(Ipv4Addr),
    Membership {
        multiaddr: Ipv4Addr,
        interface: Ipv4Addr,
    },
    Membership6 {
        multiaddr: Ipv6Addr,
        interface: u32,
    },
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
            | SockOpt::TcpFastOpenConnect
            | SockOpt::DontRoute
            | SockOpt::Broadcast
            | SockOpt::IpMulticastLoop
            | SockOpt::Ipv6MulticastLoop => ValueKind::Bool,
            SockOpt::Linger => ValueKind::Linger,
            SockOpt::BindToDevice | SockOpt::Error => ValueKind::Text,
            SockOpt::IpMulticastIf => ValueKind::Ip4,
            SockOpt::IpAddMembership | SockOpt::IpDropMembership => ValueKind::Membership,
            SockOpt::Ipv6AddMembership | SockOpt::Ipv6DropMembership => ValueKind::Membership6,
            SockOpt::TcpKeepIdle
            | SockOpt::TcpKeepCnt
            | SockOpt::TcpKeepIntvl
            | SockOpt::TcpDeferAccept
            | SockOpt::TcpFastOpen
            | SockOpt::RecvBufferSize
            | SockOpt::SendBufferSize
            | SockOpt::IpMulticastTtl
            | SockOpt::Ipv6UnicastHops
            | SockOpt::Ipv6MulticastHops => ValueKind::Int,
        }
    }

    /// `(level, name)` of the option for setsockopt/getsockopt.
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
            SockOpt::DontRoute => (libc::SOL_SOCKET, libc::SO_DONTROUTE),
            SockOpt::Broadcast => (libc::SOL_SOCKET, libc::SO_BROADCAST),
            SockOpt::IpMulticastIf => (libc::IPPROTO_IP, libc::IP_MULTICAST_IF),
            SockOpt::IpMulticastTtl => (libc::IPPROTO_IP, libc::IP_MULTICAST_TTL),
            SockOpt::IpMulticastLoop => (libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP),
            SockOpt::IpAddMembership => (libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP),
            SockOpt::IpDropMembership => (libc::IPPROTO_IP, libc::IP_DROP_MEMBERSHIP),
            SockOpt::Ipv6UnicastHops => (libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS),
            SockOpt::Ipv6MulticastHops => (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS),
            SockOpt::Ipv6MulticastLoop => (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP),
            SockOpt::Ipv6AddMembership => (libc::IPPROTO_IPV6, libc::IPV6_ADD_MEMBERSHIP),
            SockOpt::Ipv6DropMembership => (libc::IPPROTO_IPV6, libc::IPV6_DROP_MEMBERSHIP),
        }
    }
}

/// Sets `opt`; any failure is LuaSocket's "setsockopt failed".
pub(crate) fn set(fd: RawFd, opt: SockOpt, value: &OptValue) -> Result<(), NetError> {
    const FAILED: NetError = NetError::SetOption;
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
        (_, OptValue::Ip4(ip)) => sys::setsockopt_value(fd, level, name, &in_addr(*ip)),
        (
            _,
            OptValue::Membership {
                multiaddr,
                interface,
            },
        ) => {
            let m = libc::ip_mreq {
                imr_multiaddr: in_addr(*multiaddr),
                imr_interface: in_addr(*interface),
            };
            sys::setsockopt_value(fd, level, name, &m)
        }
        (
            _,
            OptValue::Membership6 {
                multiaddr,
                interface,
            },
        ) => {
            let m = libc::ipv6_mreq {
                ipv6mr_multiaddr: libc::in6_addr {
                    s6_addr: multiaddr.octets(),
                },
                ipv6mr_interface: *interface,
            };
            sys::setsockopt_value(fd, level, name, &m)
        }
        _ => return Err(FAILED),
    };
    r.map_err(|_| FAILED)
}

/// Reads `opt`; any failure is LuaSocket's "getsockopt failed".
pub(crate) fn get(fd: RawFd, opt: SockOpt) -> Result<OptValue, NetError> {
    const FAILED: NetError = NetError::GetOption;
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
        ValueKind::Ip4 => sys::getsockopt_in_addr(fd, level, name).map(OptValue::Ip4),
        // Memberships are set-only; no kind lists them for getoption.
        ValueKind::Membership | ValueKind::Membership6 => return Err(FAILED),
    }
    .map_err(|_| FAILED)
}

fn in_addr(ip: Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from(ip).to_be(),
    }
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
        assert_eq!(SockOpt::parse(b"ip-multicast-ttl", UDP_GET), None);
        assert_eq!(
            SockOpt::parse(b"ip-multicast-ttl", UDP_SET),
            Some(SockOpt::IpMulticastTtl)
        );
        assert_eq!(SockOpt::parse(b"tcp-nodelay", UDP_SET), None);
        assert_eq!(SockOpt::parse(b"linger", UNIXDGRAM_SET), None);
        assert_eq!(
            SockOpt::parse(b"linger", UNIXSTREAM_SET),
            Some(SockOpt::Linger)
        );
    }

    #[test]
    fn multicast_hops_is_not_unicast_hops() {
        assert_ne!(
            SockOpt::Ipv6MulticastHops.level_name(),
            SockOpt::Ipv6UnicastHops.level_name()
        );
    }

    #[test]
    fn udp_options_on_a_real_socket() {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
        use std::os::fd::AsRawFd;
        let fd = s.as_raw_fd();
        set(fd, SockOpt::Broadcast, &OptValue::Bool(true)).unwrap();
        assert_eq!(get(fd, SockOpt::Broadcast).unwrap(), OptValue::Bool(true));
        let lo = Ipv4Addr::new(127, 0, 0, 1);
        set(fd, SockOpt::IpMulticastIf, &OptValue::Ip4(lo)).unwrap();
        assert_eq!(get(fd, SockOpt::IpMulticastIf).unwrap(), OptValue::Ip4(lo));
        set(fd, SockOpt::IpMulticastTtl, &OptValue::Int(4)).unwrap();
        let failed = set(fd, SockOpt::Ipv6UnicastHops, &OptValue::Int(4)).unwrap_err();
        assert_eq!(failed.to_string(), "setsockopt failed");
        let failed = get(-1, SockOpt::Broadcast).unwrap_err();
        assert_eq!(failed.to_string(), "getsockopt failed");
        // Memberships are set-only, and fail as "setsockopt failed" where
        // the host has no multicast route.
        let any = Ipv4Addr::UNSPECIFIED;
        let join = OptValue::Membership {
            multiaddr: Ipv4Addr::new(224, 0, 0, 251),
            interface: any,
        };
        match set(fd, SockOpt::IpAddMembership, &join) {
            Ok(()) => set(fd, SockOpt::IpDropMembership, &join).unwrap(),
            Err(e) => assert_eq!(e.to_string(), "setsockopt failed"),
        }
        let join6 = OptValue::Membership6 {
            multiaddr: "ff02::fb".parse().unwrap(),
            interface: 0,
        };
        let failed = set(fd, SockOpt::Ipv6AddMembership, &join6).unwrap_err();
        assert_eq!(failed.to_string(), "setsockopt failed", "an IPv4 socket");
    }
}
