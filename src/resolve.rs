//! Name lookups for `socket.dns`: `toip`, `tohostname`, `gethostname`,
//! `getaddrinfo`, `getnameinfo`, as plain Rust over the resolver.
//!
//! Replaces the resolver half of LuaSocket's `inet.c`. Built on
//! getaddrinfo/getnameinfo throughout (upstream's `toip`/`tohostname` use
//! the IPv4-only gethostbyname/gethostbyaddr), so IPv6 names and addresses
//! work too; `toip` still prefers an IPv4 address when a name has both, as
//! upstream returns. Differences: aliases are never reported (getaddrinfo
//! does not know them), and `toip` of an address with no reverse name
//! returns the address (upstream fails with "host not found").

use socket2::Type;

use crate::error::{gai_message, NetError};
use crate::inet::{self, family_name};
use crate::sys::{self, AddrInfo, Hints};

/// What `toip` and `tohostname` learn about a name or an address.
pub(crate) struct HostInfo {
    /// The canonical name (or, for an address, the name it maps back to).
    pub name: String,
    /// Its addresses, IPv4 first, without repeats.
    pub ips: Vec<String>,
}

fn lookup(name: &str, flags: i32) -> Result<Vec<AddrInfo>, sys::GaiError> {
    let hints = Hints {
        family: libc::AF_UNSPEC,
        socktype: Type::STREAM.into(),
        flags,
    };
    sys::getaddrinfo(Some(name), None, hints)
}

fn numeric(ai: &AddrInfo) -> Option<String> {
    inet::numeric_name(&ai.addr).ok().map(|(ip, _)| ip)
}

/// `text` as an address (IPv6, or IPv4 in any form inet_aton takes, such
/// as `"127.1"`), or `None` when it is a name.
fn as_address(text: &str) -> Option<AddrInfo> {
    lookup(text, libc::AI_NUMERICHOST)
        .ok()
        .and_then(|found| found.into_iter().next())
}

/// The name an address maps back to, if the resolver knows one.
fn reverse(ai: &AddrInfo) -> Option<String> {
    sys::getnameinfo(&ai.addr, libc::NI_NAMEREQD)
        .ok()
        .map(|(host, _)| host)
}

/// Addresses in resolver order, IPv4 first (as upstream's IPv4 resolver),
/// without repeats.
fn addresses(found: &[AddrInfo]) -> Vec<String> {
    let mut ips: Vec<String> = Vec::new();
    for fam in [libc::AF_INET, libc::AF_INET6] {
        for ai in found.iter().filter(|a| a.family == fam) {
            if let Some(ip) = numeric(ai) {
                if !ips.contains(&ip) {
                    ips.push(ip);
                }
            }
        }
    }
    ips
}

fn canonical(found: &[AddrInfo], asked: &str) -> String {
    found
        .iter()
        .find_map(|a| a.canonname.clone())
        .unwrap_or_else(|| asked.to_string())
}

/// `toip` (`need_name` false) and `tohostname` (true): the name and the
/// addresses of `text`, or `NetError::Host` ("host not found").
///
/// For an address, as upstream (gethostbyaddr), the name is the one it
/// maps back to; `toip` falls back to the address itself where upstream
/// fails, `tohostname` fails.
pub(crate) fn host_info(text: &str, need_name: bool) -> Result<HostInfo, NetError> {
    let not_found = NetError::Host(libc::EAI_NONAME);
    if let Some(ai) = as_address(text) {
        let ip = numeric(&ai).ok_or(not_found)?;
        let name = match reverse(&ai) {
            Some(name) => name,
            None if need_name => return Err(NetError::Host(libc::EAI_NONAME)),
            None => ip.clone(),
        };
        return Ok(HostInfo {
            name,
            ips: vec![ip],
        });
    }
    let found = lookup(text, libc::AI_CANONNAME).map_err(|e| NetError::Host(e.code))?;
    let ips = addresses(&found);
    if ips.is_empty() {
        return Err(not_found);
    }
    Ok(HostInfo {
        name: canonical(&found, text),
        ips,
    })
}

/// `getaddrinfo(host)`: each address as `(family name, numeric address)`,
/// in resolver order.
pub(crate) fn addr_info(host: &str) -> Result<Vec<(&'static str, String)>, NetError> {
    let found = lookup(host, 0).map_err(|e| NetError::Resolve(gai_message(e)))?;
    Ok(found
        .iter()
        .filter_map(|ai| numeric(ai).map(|ip| (family_name(ai.family), ip)))
        .collect())
}

/// `getnameinfo(host, serv)`: the names of `host`'s addresses (when a host
/// is given) and the service name (when a service is given). At least one
/// of them must be given.
pub(crate) fn name_info(
    host: Option<&str>,
    serv: Option<&str>,
) -> Result<(Vec<String>, Option<String>), NetError> {
    let hints = Hints {
        family: libc::AF_UNSPEC,
        socktype: Type::STREAM.into(),
        flags: 0,
    };
    let found =
        sys::getaddrinfo(host, serv, hints).map_err(|e| NetError::Resolve(gai_message(e)))?;
    let mut names: Vec<String> = Vec::new();
    let mut service = None;
    // Only what was asked for is looked up (upstream passes no buffer for
    // the other), so `getnameinfo(nil, "80")` makes no reverse lookup.
    let mut flags = 0;
    if host.is_none() {
        flags |= libc::NI_NUMERICHOST;
    }
    if serv.is_none() {
        flags |= libc::NI_NUMERICSERV;
    }
    for ai in &found {
        // As upstream, which ignores getnameinfo's result, a failed reverse
        // lookup does not fail the call: the address stands for its name.
        let (h, s) = sys::getnameinfo(&ai.addr, flags)
            .or_else(|_| sys::getnameinfo(&ai.addr, flags | libc::NI_NUMERICHOST))
            .map_err(|e| NetError::Resolve(gai_message(e)))?;
        if host.is_some() {
            names.push(h);
        }
        if serv.is_some() {
            service = Some(s);
        }
    }
    Ok((names, service))
}

/// `gethostname()`.
pub(crate) fn hostname() -> Result<String, NetError> {
    Ok(sys::gethostname()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_resolve_to_themselves() {
        let info = host_info("127.0.0.1", false).unwrap();
        assert_eq!(info.ips, ["127.0.0.1"]);
        assert!(!info.name.is_empty());
        let list = addr_info("::1").unwrap();
        assert_eq!(list, [("inet6", "::1".to_string())]);
        let (names, service) = name_info(None, Some("80")).unwrap();
        assert!(names.is_empty());
        assert!(service.is_some());
        assert!(!hostname().unwrap().is_empty());
    }

    #[test]
    fn unknown_names_are_not_found() {
        let e = host_info("no such host.invalid", true).err().unwrap();
        let text = e.to_string();
        assert!(
            [
                "host not found",
                "Host name lookup failure",
                "Unknown server error"
            ]
            .contains(&text.as_str()),
            "{text}"
        );
    }
}
