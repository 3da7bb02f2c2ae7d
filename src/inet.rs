//! Addresses: resolving numeric `(host, port)` for `sendto` (bind and
//! connect resolve through `lookup::Query`, in the call or on the pool),
//! formatting socket addresses back as numeric `ip, port`, and racing
//! connection attempts to several addresses.
//!
//! Replaces the address half of LuaSocket's `inet.c`. Different on purpose:
//! where upstream's `inet_tryconnect` tries each address in turn with a fresh
//! timer, [`race`] follows RFC 8305 (Happy Eyeballs): families interleaved,
//! a new attempt every [`ATTEMPT_DELAY`] while earlier ones keep going, the
//! first to connect wins, all within the one deadline of the call.

use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use socket2::{SockAddr, Type};

use crate::error::{gai_message, NetError};
use crate::sys::{self, AddrInfo, Hints};
use crate::timeout::Deadline;

/// RFC 8305's "Connection Attempt Delay": how long one attempt runs alone
/// before the next address is tried alongside it (the RFC recommends 250 ms).
pub(crate) const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// Resolves a numeric `host`/`port` for `sendto`, as upstream does
/// (AI_NUMERICHOST | AI_NUMERICSERV); failures carry the resolver's own
/// text (`gai_strerror`), as upstream's `sendto` reports them.
pub(crate) fn resolve_numeric(
    host: &str,
    port: &str,
    family: i32,
    socktype: Type,
) -> Result<AddrInfo, NetError> {
    // (getaddrinfo's answer for a strict address costs as much as the send)
    if let Some(found) = crate::lookup::numeric(host, port, family) {
        return Ok(found);
    }
    let hints = Hints {
        family,
        socktype: socktype.into(),
        flags: libc::AI_NUMERICHOST | libc::AI_NUMERICSERV,
    };
    let found = sys::getaddrinfo(Some(host), Some(port), hints)
        .map_err(|e| NetError::Resolve(sys::gai_strerror(e.code)))?;
    found
        .into_iter()
        .next()
        .ok_or_else(|| NetError::Resolve(sys::gai_strerror(libc::EAI_NONAME)))
}

/// RFC 8305 §4: the addresses with their families interleaved, starting
/// with the family of the resolver's first answer, each family keeping the
/// resolver's order.
pub(crate) fn interleave(addrs: Vec<AddrInfo>) -> Vec<AddrInfo> {
    let Some(first) = addrs.first().map(|a| a.family) else {
        return addrs;
    };
    let total = addrs.len();
    let (mut mine, mut other): (VecDeque<AddrInfo>, VecDeque<AddrInfo>) =
        addrs.into_iter().partition(|a| a.family == first);
    let mut out = Vec::with_capacity(total);
    while !mine.is_empty() || !other.is_empty() {
        out.extend(mine.pop_front());
        out.extend(other.pop_front());
    }
    out
}

/// Races connection attempts to `addrs`, in order, each on a descriptor from
/// `open(family)`: an attempt starts when the previous one has run for
/// `delay` without an answer, or at once when it failed; earlier attempts go
/// on meanwhile. Returns the first descriptor to connect and its family, and
/// closes every other; fails with `timeout` when `dl` passes first, or with
/// the last error once every address failed.
pub(crate) fn race(
    addrs: &[AddrInfo],
    open: &mut dyn FnMut(i32) -> Result<RawFd, NetError>,
    dl: &Deadline,
    delay: Duration,
) -> Result<(RawFd, i32), NetError> {
    let mut last = NetError::NoAddress;
    let mut pending: Vec<(RawFd, i32)> = Vec::new();
    let mut next = 0;
    let mut next_at = Instant::now();
    let outcome = loop {
        let now = Instant::now();
        if next < addrs.len() && (pending.is_empty() || now >= next_at) {
            let ai = &addrs[next];
            next += 1;
            let fd = match open(ai.family) {
                Ok(fd) => fd,
                Err(e) => {
                    last = e;
                    continue;
                }
            };
            match sys::connect(fd, &ai.addr) {
                Ok(()) => break Ok((fd, ai.family)),
                Err(e) if crate::io::connect_in_progress(&e) => {
                    pending.push((fd, ai.family));
                    next_at = now + delay;
                }
                Err(e) => {
                    sys::close(fd);
                    last = e.into();
                }
            }
            continue;
        }
        if pending.is_empty() {
            break Err(last);
        }
        if dl.remaining() == Some(Duration::ZERO) {
            break Err(NetError::Timeout);
        }
        // Wake up for the next attempt, if one is left to start.
        let until = (next < addrs.len()).then_some(next_at);
        let mut fds: Vec<libc::pollfd> = pending
            .iter()
            .map(|&(fd, _)| libc::pollfd {
                fd,
                events: libc::POLLOUT,
                revents: 0,
            })
            .collect();
        if let Err(e) = crate::io::wait_any(&mut fds, dl, until) {
            break Err(e.into());
        }
        let mut winner = None;
        let mut still = Vec::with_capacity(pending.len());
        for (&(fd, family), p) in pending.iter().zip(&fds) {
            if p.revents == 0 || winner.is_some() {
                still.push((fd, family));
                continue;
            }
            // Writable with no error or hang-up: connected (no SO_ERROR).
            let outcome = if sys::poll_failed(p.revents) {
                sys::with_fd(fd, |s| s.take_error())
            } else {
                Ok(None)
            };
            match outcome {
                Ok(None) => winner = Some((fd, family)),
                Ok(Some(e)) | Err(e) => {
                    sys::close(fd);
                    last = e.into();
                    // A failed attempt lets the next one start at once.
                    next_at = Instant::now();
                }
            }
        }
        pending = still;
        if let Some(w) = winner {
            break Ok(w);
        }
    };
    for (fd, _) in pending {
        sys::close(fd);
    }
    outcome
}

/// The numeric host and port of an address, as getnameinfo gives them.
/// An IPv4 address is written here: getnameinfo's sprintf costs more than
/// the receivefrom it serves. IPv6 stays with getnameinfo (its forms for
/// IPv4-compatible addresses and scopes are its own).
pub(crate) fn numeric_name(addr: &SockAddr) -> Result<(String, u16), NetError> {
    if let Some(v4) = addr.as_socket_ipv4() {
        return Ok((v4.ip().to_string(), v4.port()));
    }
    let (host, serv) = sys::getnameinfo(addr, libc::NI_NUMERICHOST | libc::NI_NUMERICSERV)
        .map_err(|e| NetError::Resolve(gai_message(e)))?;
    Ok((host, serv.parse().unwrap_or(0)))
}

/// The family name `getpeername`/`getsockname` return.
pub(crate) fn family_name(family: i32) -> &'static str {
    match family {
        libc::AF_INET => "inet",
        libc::AF_INET6 => "inet6",
        libc::AF_UNSPEC => "unspec",
        _ => "unknown",
    }
}

/// Parses the family argument of `socket.connect` (`"inet"`, `"inet6"`,
/// `"unspec"`).
pub(crate) fn parse_family(name: &str) -> Option<i32> {
    match name {
        "inet" => Some(libc::AF_INET),
        "inet6" => Some(libc::AF_INET6),
        "unspec" => Some(libc::AF_UNSPEC),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// receivefrom's and getpeername's IPv4 names: what getnameinfo writes.
    #[test]
    fn ipv4_names_are_getnameinfo_s() {
        for (ip, port) in [
            ([0, 0, 0, 0], 0),
            ([127, 0, 0, 1], 80),
            ([255, 255, 255, 255], 65535),
            ([10, 0, 20, 3], 9),
        ] {
            let addr = SockAddr::from(std::net::SocketAddr::from((ip, port)));
            let (host, serv) =
                sys::getnameinfo(&addr, libc::NI_NUMERICHOST | libc::NI_NUMERICSERV).unwrap();
            let ours = numeric_name(&addr).unwrap();
            assert_eq!(ours, (host, serv.parse::<u16>().unwrap()));
        }
    }

    /// sendto's addresses: what getaddrinfo itself answers with upstream's
    /// flags, for the forms answered without it and for those left to it.
    #[test]
    fn numeric_destinations_are_getaddrinfo_s() {
        let hosts = [
            "127.0.0.1",
            "127.1",
            "127.0.0.01",
            "0x7f.0.0.1",
            "::1",
            "::ffff:127.0.0.1",
            "fe80::1%lo",
            " 127.0.0.1",
            "127.0.0.256",
            "localhost",
        ];
        let ports = ["9", "+9", "009", " 9", "65535", "65536", "-1", "", "domain"];
        for host in hosts {
            for port in ports {
                for family in [libc::AF_UNSPEC, libc::AF_INET, libc::AF_INET6] {
                    let ours = resolve_numeric(host, port, family, Type::DGRAM);
                    let hints = Hints {
                        family,
                        socktype: libc::SOCK_DGRAM,
                        flags: libc::AI_NUMERICHOST | libc::AI_NUMERICSERV,
                    };
                    let theirs = sys::getaddrinfo(Some(host), Some(port), hints);
                    let case = format!("{host:?} {port:?} {family}");
                    match (ours, theirs) {
                        (Ok(a), Ok(b)) => {
                            assert_eq!(a.family, b[0].family, "{case}");
                            assert_eq!(a.addr.as_socket(), b[0].addr.as_socket(), "{case}");
                        }
                        (Err(NetError::Resolve(a)), Err(b)) => {
                            assert_eq!(a, sys::gai_strerror(b.code), "{case}")
                        }
                        (a, b) => panic!("{case}: {a:?} against {:?}", b.map(|v| v.len())),
                    }
                }
            }
        }
    }

    /// Resolves `host`/`port` as bind and connect do (`lookup::Query`),
    /// with LuaSocket's texts for failures.
    fn resolve(
        host: Option<&str>,
        port: Option<&str>,
        family: i32,
        socktype: Type,
        flags: i32,
    ) -> Result<Vec<AddrInfo>, NetError> {
        let hints = Hints {
            family,
            socktype: socktype.into(),
            flags,
        };
        sys::getaddrinfo(host, port, hints).map_err(|e| NetError::Resolve(gai_message(e)))
    }

    #[test]
    fn resolves_numeric_addresses() {
        let v = resolve(
            Some("127.0.0.1"),
            Some("80"),
            libc::AF_UNSPEC,
            Type::STREAM,
            0,
        )
        .unwrap();
        assert_eq!(v[0].family, libc::AF_INET);
        assert_eq!(
            numeric_name(&v[0].addr).unwrap(),
            ("127.0.0.1".to_string(), 80)
        );
        let v = resolve(Some("::1"), Some("8080"), libc::AF_UNSPEC, Type::STREAM, 0).unwrap();
        assert_eq!(numeric_name(&v[0].addr).unwrap(), ("::1".to_string(), 8080));
    }

    #[test]
    fn bad_names_use_luasocket_texts() {
        let e = resolve(
            Some("no such host"),
            Some("80"),
            libc::AF_UNSPEC,
            Type::STREAM,
            0,
        );
        let text = e.err().unwrap().to_string();
        assert!(
            text == "host or service not provided, or not known"
                || text == "temporary failure in name resolution",
            "{text}"
        );
        let e = resolve(
            Some("127.0.0.1"),
            Some("no-such-service"),
            libc::AF_UNSPEC,
            Type::STREAM,
            0,
        );
        assert!(e.is_err());
    }

    #[test]
    fn families_are_interleaved_from_the_first_answer() {
        let v6 = |p| resolve(Some("::1"), Some(p), libc::AF_UNSPEC, Type::STREAM, 0).unwrap();
        let v4 = |p| resolve(Some("127.0.0.1"), Some(p), libc::AF_UNSPEC, Type::STREAM, 0).unwrap();
        let mut addrs = Vec::new();
        for p in ["1", "2", "3"] {
            addrs.extend(v6(p));
        }
        addrs.extend(v4("4"));
        addrs.extend(v4("5"));
        let order: Vec<u16> = interleave(addrs)
            .iter()
            .map(|a| numeric_name(&a.addr).unwrap().1)
            .collect();
        assert_eq!(order, vec![1, 4, 2, 5, 3]);
        assert!(interleave(Vec::new()).is_empty());
    }

    #[test]
    fn sendto_addresses_must_be_numeric() {
        let ai = resolve_numeric("127.0.0.1", "53", libc::AF_UNSPEC, Type::DGRAM).unwrap();
        assert_eq!(
            numeric_name(&ai.addr).unwrap(),
            ("127.0.0.1".to_string(), 53)
        );
        let e = resolve_numeric("localhost", "53", libc::AF_UNSPEC, Type::DGRAM);
        assert_eq!(
            e.err().unwrap().to_string(),
            sys::gai_strerror(libc::EAI_NONAME)
        );
    }

    #[test]
    fn ports() {
        assert_eq!(family_name(libc::AF_INET6), "inet6");
        assert_eq!(parse_family("inet"), Some(libc::AF_INET));
        assert_eq!(parse_family("x"), None);
    }
}
