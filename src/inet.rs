//! Addresses: resolving `(host, port)` for bind and connect, and formatting
//! socket addresses back as numeric `ip, port`.
//!
//! Replaces the address half of LuaSocket's `inet.c`.

use socket2::{SockAddr, Type};

use crate::error::{gai_message, NetError};
use crate::sys::{self, AddrInfo, Hints};

/// Resolves `host`/`port` for a socket of `family` (AF_UNSPEC: any) and
/// `socktype`, in the resolver's order.
pub(crate) fn resolve(
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

/// The numeric host and port of an address, as getnameinfo gives them.
pub(crate) fn numeric_name(addr: &SockAddr) -> Result<(String, u16), NetError> {
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
            Some("no.such.host.invalid"),
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
    fn ports() {
        assert_eq!(family_name(libc::AF_INET6), "inet6");
        assert_eq!(parse_family("inet"), Some(libc::AF_INET));
        assert_eq!(parse_family("x"), None);
    }
}
