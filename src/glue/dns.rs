//! `socket.dns`: `toip`, `tohostname`, `gethostname`, `getaddrinfo`,
//! `getnameinfo`, over the lookups in `resolve.rs`.
//!
//! Replaces the Lua-facing half of LuaSocket's `inet.c`.

use super::class::fail;
use crate::error::misuse;
use crate::resolve::{self, HostInfo};
use crate::sys::lua::{native, Native, Raise, Ret, State};

pub(crate) const FUNCTIONS: &[(&str, Native)] = &[
    ("toip", native!(toip)),
    ("tohostname", native!(tohostname)),
    ("gethostname", native!(gethostname)),
    ("getaddrinfo", native!(getaddrinfo)),
    ("getnameinfo", native!(getnameinfo)),
];

/// Pushes a list of strings as a sequence.
fn push_list(l: &State, list: &[String]) {
    l.new_table(list.len(), 0);
    let t = l.top();
    for (i, v) in list.iter().enumerate() {
        l.push_str(v);
        l.set_index(t, i as i64 + 1);
    }
}

/// Pushes `{name = ..., alias = {}, ip = {...}}`.
fn push_info(l: &State, info: &HostInfo) {
    l.new_table(0, 3);
    let t = l.top();
    l.push_str(&info.name);
    l.set_field(t, "name");
    push_list(l, &[]);
    l.set_field(t, "alias");
    push_list(l, &info.ips);
    l.set_field(t, "ip");
}

/// `toip(name)` → `ip, info` or `nil, "host not found"`. IPv4 addresses
/// come first in `info.ip`, as upstream's IPv4-only resolver gave them;
/// IPv6 ones follow (a name with only IPv6 addresses works).
fn toip(l: &State) -> Ret {
    let text = l.check_str(1)?;
    match resolve::host_info(&text, false) {
        Ok(info) => {
            l.push_str(&info.ips[0]);
            push_info(l, &info);
            Ok(2)
        }
        Err(e) => fail(l, &e),
    }
}

/// `tohostname(address)` → `name, info` or `nil, "host not found"`.
fn tohostname(l: &State) -> Ret {
    let text = l.check_str(1)?;
    match resolve::host_info(&text, true) {
        Ok(info) => {
            l.push_str(&info.name);
            push_info(l, &info);
            Ok(2)
        }
        Err(e) => fail(l, &e),
    }
}

/// `gethostname()` → the name or `nil, msg`.
fn gethostname(l: &State) -> Ret {
    match resolve::hostname() {
        Ok(name) => {
            l.push_str(&name);
            Ok(1)
        }
        Err(e) => fail(l, &e),
    }
}

/// `getaddrinfo(host)` → `{ {family = "inet", addr = "..."}, ... }`.
fn getaddrinfo(l: &State) -> Ret {
    let host = l.check_str(1)?;
    let found = match resolve::addr_info(&host) {
        Ok(f) => f,
        Err(e) => return fail(l, &e),
    };
    l.new_table(found.len(), 0);
    let t = l.top();
    for (n, (family, ip)) in found.iter().enumerate() {
        l.new_table(0, 2);
        let e = l.top();
        l.push_str(family);
        l.set_field(e, "family");
        l.push_str(ip);
        l.set_field(e, "addr");
        l.set_index(t, n as i64 + 1);
    }
    Ok(1)
}

/// `getnameinfo(host, serv)` → `{names}, service` or `nil, msg`.
fn getnameinfo(l: &State) -> Ret {
    let host = l.opt_str(1)?;
    let serv = l.opt_str(2)?;
    if host.is_none() && serv.is_none() {
        return Err(Raise::msg(misuse::HOST_AND_SERV));
    }
    let (names, service) = match resolve::name_info(host.as_deref(), serv.as_deref()) {
        Ok(found) => found,
        Err(e) => return fail(l, &e),
    };
    push_list(l, &names);
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
