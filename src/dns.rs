//! `socket.dns`: `toip`, `tohostname`, `gethostname`, `getaddrinfo`,
//! `getnameinfo`.
//!
//! Replaces the resolver half of LuaSocket's `inet.c`. Built on
//! getaddrinfo/getnameinfo throughout (upstream's `toip`/`tohostname` use
//! the IPv4-only gethostbyname/gethostbyaddr), so IPv6 names work too; `toip`
//! still prefers an IPv4 address when a name has both, as upstream returns.

use socket2::Type;

use crate::error::gai_message;
use crate::inet::{self, family_name};
use crate::sys::lua::{Native, Raise, Ret, State};
use crate::sys::{self, AddrInfo, Hints};

pub(crate) const FUNCTIONS: &[(&str, Native)] = &[
    ("toip", toip),
    ("tohostname", tohostname),
    ("gethostname", gethostname),
    ("getaddrinfo", getaddrinfo),
    ("getnameinfo", getnameinfo),
];

const HOST_NOT_FOUND: &str = "host not found";

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

/// `toip(name)` → `ip, info` or `nil, "host not found"`.
fn toip(l: &State) -> Ret {
    let name = l.check_str(1)?;
    let found = match lookup(&name, libc::AI_CANONNAME) {
        Ok(f) if !f.is_empty() => f,
        _ => return l.fail(HOST_NOT_FOUND),
    };
    let ips = addresses(&found);
    let Some(first) = ips.first().cloned() else {
        return l.fail(HOST_NOT_FOUND);
    };
    l.push_str(&first);
    push_info(l, &canonical(&found, &name), &[], &ips);
    Ok(2)
}

/// `tohostname(address)` → `name, info` or `nil, "host not found"`.
fn tohostname(l: &State) -> Ret {
    let addr = l.check_str(1)?;
    let found = match lookup(&addr, libc::AI_CANONNAME) {
        Ok(f) if !f.is_empty() => f,
        _ => return l.fail(HOST_NOT_FOUND),
    };
    let is_numeric = addr.parse::<std::net::IpAddr>().is_ok();
    let name = if is_numeric {
        match sys::getnameinfo(&found[0].addr, libc::NI_NAMEREQD) {
            Ok((host, _)) => host,
            Err(_) => return l.fail(HOST_NOT_FOUND),
        }
    } else {
        canonical(&found, &addr)
    };
    let ips = addresses(&found);
    l.push_str(&name);
    push_info(l, &name, &[], &ips);
    Ok(2)
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
    for ai in &found {
        match sys::getnameinfo(&ai.addr, 0) {
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
