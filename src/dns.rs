//! `socket.dns`: `toip`, `tohostname`, `gethostname`, `getaddrinfo`,
//! `getnameinfo`.
//!
//! Replaces the resolver half of LuaSocket's `inet.c`. Built on
//! getaddrinfo/getnameinfo throughout (upstream's `toip`/`tohostname` use
//! the IPv4-only gethostbyname/gethostbyaddr), so IPv6 names and addresses
//! work too; `toip` still prefers an IPv4 address when a name has both, as
//! upstream returns. Differences: `info.alias` is always empty (getaddrinfo
//! does not report aliases), and `toip` of an address with no reverse name
//! returns the address (upstream fails with "host not found").

use socket2::Type;

use crate::error::gai_message;
use crate::inet::{self, family_name};
use crate::sys::lua::{native, Native, Raise, Ret, State};
use crate::sys::{self, AddrInfo, Hints};

pub(crate) const FUNCTIONS: &[(&str, Native)] = &[
    ("toip", native!(toip)),
    ("tohostname", native!(tohostname)),
    ("gethostname", native!(gethostname)),
    ("getaddrinfo", native!(getaddrinfo)),
    ("getnameinfo", native!(getnameinfo)),
];

const HOST_NOT_FOUND: &str = "host not found";

/// The text upstream's `toip`/`tohostname` give for a failed lookup: the
/// `hstrerror` of the matching resolver outcome ("host not found" for an
/// unknown name).
fn host_error(e: sys::GaiError) -> &'static str {
    match e.code {
        libc::EAI_AGAIN => "Host name lookup failure",
        libc::EAI_FAIL => "Unknown server error",
        _ => HOST_NOT_FOUND,
    }
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

/// Pushes `{name = ..., alias = {...}, ip = {...}}`.
fn push_info(l: &State, name: &str, aliases: &[String], ips: &[String]) {
    l.new_table(0, 3);
    let t = l.top();
    l.push_str(name);
    l.set_field(t, "name");
    for (list, key) in [(aliases, "alias"), (ips, "ip")] {
        l.new_table(list.len(), 0);
        let lt = l.top();
        for (i, v) in list.iter().enumerate() {
            l.push_str(v);
            l.set_index(lt, i as i64 + 1);
        }
        l.set_field(t, key);
    }
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

/// What `toip` and `tohostname` learn about `text`: the name, and the
/// addresses; `None` (with the error text) when there is nothing.
///
/// For an address, as upstream (gethostbyaddr), the name is the one it
/// maps back to; `toip` (`need_name` false) falls back to the address
/// itself where upstream fails, `tohostname` fails.
fn resolve(text: &str, need_name: bool) -> Result<(String, Vec<String>), &'static str> {
    if let Some(ai) = as_address(text) {
        let ip = numeric(&ai).ok_or(HOST_NOT_FOUND)?;
        let name = match reverse(&ai) {
            Some(name) => name,
            None if need_name => return Err(HOST_NOT_FOUND),
            None => ip.clone(),
        };
        return Ok((name, vec![ip]));
    }
    let found = lookup(text, libc::AI_CANONNAME).map_err(host_error)?;
    let ips = addresses(&found);
    if ips.is_empty() {
        return Err(HOST_NOT_FOUND);
    }
    Ok((canonical(&found, text), ips))
}

/// `toip(name)` → `ip, info` or `nil, "host not found"`. IPv4 addresses
/// come first in `info.ip`, as upstream's IPv4-only resolver gave them;
/// IPv6 ones follow (a name with only IPv6 addresses works).
fn toip(l: &State) -> Ret {
    let text = l.check_str(1)?;
    match resolve(&text, false) {
        Ok((name, ips)) => {
            l.push_str(&ips[0]);
            push_info(l, &name, &[], &ips);
            Ok(2)
        }
        Err(msg) => l.fail(msg),
    }
}

/// `tohostname(address)` → `name, info` or `nil, "host not found"`.
fn tohostname(l: &State) -> Ret {
    let text = l.check_str(1)?;
    match resolve(&text, true) {
        Ok((name, ips)) => {
            l.push_str(&name);
            push_info(l, &name, &[], &ips);
            Ok(2)
        }
        Err(msg) => l.fail(msg),
    }
}

fn gethostname(l: &State) -> Ret {
    match sys::gethostname() {
        Ok(name) => {
            l.push_str(&name);
            Ok(1)
        }
        Err(e) => l.fail(&crate::error::os_message(&e)),
    }
}

/// `getaddrinfo(host)` → `{ {family = "inet", addr = "..."}, ... }`.
fn getaddrinfo(l: &State) -> Ret {
    let host = l.check_str(1)?;
    let found = match lookup(&host, 0) {
        Ok(f) => f,
        Err(e) => return l.fail(&gai_message(e)),
    };
    l.new_table(found.len(), 0);
    let t = l.top();
    let mut n = 0;
    for ai in &found {
        let Some(ip) = numeric(ai) else { continue };
        n += 1;
        l.new_table(0, 2);
        let e = l.top();
        l.push_str(family_name(ai.family));
        l.set_field(e, "family");
        l.push_str(&ip);
        l.set_field(e, "addr");
        l.set_index(t, n);
    }
    Ok(1)
}

/// `getnameinfo(host, serv)` → `{names}, service` or `nil, msg`.
fn getnameinfo(l: &State) -> Ret {
    let host = l.opt_str(1)?;
    let serv = l.opt_str(2)?;
    if host.is_none() && serv.is_none() {
        return Err(Raise::msg("host and serv cannot be both nil"));
    }
    let hints = Hints {
        family: libc::AF_UNSPEC,
        socktype: Type::STREAM.into(),
        flags: 0,
    };
    let found = match sys::getaddrinfo(host.as_deref(), serv.as_deref(), hints) {
        Ok(f) => f,
        Err(e) => return l.fail(&gai_message(e)),
    };
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
        let named = sys::getnameinfo(&ai.addr, flags)
            .or_else(|_| sys::getnameinfo(&ai.addr, flags | libc::NI_NUMERICHOST));
        match named {
            Ok((h, s)) => {
                if host.is_some() {
                    names.push(h);
                }
                if serv.is_some() {
                    service = Some(s);
                }
            }
            Err(e) => return l.fail(&gai_message(e)),
        }
    }
    l.new_table(names.len(), 0);
    let t = l.top();
    for (i, n) in names.iter().enumerate() {
        l.push_str(n);
        l.set_index(t, i as i64 + 1);
    }
    // As upstream: the service comes back only when one was asked for.
    match service {
        Some(s) => {
            l.push_str(&s);
            Ok(2)
        }
        None if serv.is_some() => {
            l.push_nil();
            Ok(2)
        }
        None => Ok(1),
    }
}
