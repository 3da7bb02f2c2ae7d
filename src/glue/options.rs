//! Reading `setoption`/`getoption` arguments: the option name (one of
//! the names the object's group accepts) and the value, checked and worded
//! as upstream's `options.c` checks them.

use crate::error::misuse;
use crate::options::{OptValue, SockOpt, ValueKind};
use crate::sys::lua::{Kind, Raise, State};

/// Argument 2: an option name among `allowed`.
pub(crate) fn option_name(l: &State, allowed: &[SockOpt]) -> Result<SockOpt, Raise> {
    let name = l.check_bytes(2)?;
    SockOpt::parse(name, allowed).ok_or_else(|| Raise::arg(2, misuse::unsupported_option(name)))
}

/// Reads `t.key` of the table at 3 as a string (or number), or raises
/// `missing` the way upstream's `lua_isstring` check does.
fn string_field(l: &State, key: &str, missing: &str) -> Result<String, Raise> {
    let kind = l.get_field(3, key);
    let text = match kind {
        Kind::String | Kind::Number => l
            .to_bytes(-1)
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        _ => None,
    };
    l.pop(1);
    text.ok_or_else(|| Raise::arg(3, missing))
}

/// An IPv4 address as upstream's options read one: `"*"` is any, and the
/// rest goes through inet_aton.
fn ipv4_arg(text: &str) -> Option<std::net::Ipv4Addr> {
    if text == "*" {
        Some(std::net::Ipv4Addr::UNSPECIFIED)
    } else {
        crate::sys::parse_ipv4(text)
    }
}

/// Argument 3: the value for `opt`, checked as upstream checks it.
pub(crate) fn option_value(l: &State, opt: SockOpt) -> Result<OptValue, Raise> {
    let want_table = |l: &State| {
        if l.kind(3) != Kind::Table {
            Err(l.type_error(3, "table"))
        } else {
            Ok(())
        }
    };
    Ok(match opt.value_kind() {
        ValueKind::Bool => {
            if l.kind(3) != Kind::Boolean {
                return Err(l.type_error(3, "boolean"));
            }
            OptValue::Bool(l.to_boolean(3))
        }
        ValueKind::Int => OptValue::Int(clamp_i32(l.to_number(3).unwrap_or(0.0))),
        ValueKind::Text => OptValue::Text(l.check_bytes(3)?.to_vec()),
        ValueKind::Linger => {
            want_table(l)?;
            if l.get_field(3, "on") != Kind::Boolean {
                l.pop(1);
                return Err(Raise::arg(3, misuse::LINGER_ON));
            }
            let on = l.to_boolean(-1);
            l.pop(1);
            l.get_field(3, "timeout");
            let timeout = l.to_number(-1);
            l.pop(1);
            let timeout = timeout.ok_or_else(|| Raise::arg(3, misuse::LINGER_TIMEOUT))?;
            // LuaSocket stores the timeout as an unsigned short: -1 becomes
            // 65535 and 70000 becomes 4464, and the kernel gets that.
            OptValue::Linger {
                on,
                timeout: i32::from(clamp_i32(timeout) as u16),
            }
        }
        ValueKind::Ip4 => {
            let text = l.check_str(3)?;
            OptValue::Ip4(ipv4_arg(&text).ok_or_else(|| Raise::arg(3, misuse::IP))?)
        }
        ValueKind::Membership => {
            want_table(l)?;
            let multi = string_field(l, "multiaddr", misuse::MULTIADDR_FIELD)?;
            let multiaddr = crate::sys::parse_ipv4(&multi)
                .ok_or_else(|| Raise::arg(3, misuse::MULTIADDR_IP))?;
            let iface = string_field(l, "interface", misuse::INTERFACE_FIELD)?;
            let interface = ipv4_arg(&iface).ok_or_else(|| Raise::arg(3, misuse::INTERFACE_IP))?;
            OptValue::Membership {
                multiaddr,
                interface,
            }
        }
        ValueKind::Membership6 => {
            want_table(l)?;
            let multi = string_field(l, "multiaddr", misuse::MULTIADDR_FIELD)?;
            let multiaddr: std::net::Ipv6Addr = multi
                .parse()
                .map_err(|_| Raise::arg(3, misuse::MULTIADDR_IP))?;
            // As upstream: no interface means the default one (0); anything
            // but a number is refused, with upstream's argument number (-1).
            let interface = match l.get_field(3, "interface") {
                Kind::Nil => Some(0),
                _ => l.to_number(-1).map(clamp_u32),
            };
            l.pop(1);
            let Some(interface) = interface else {
                // Upstream raises with the field still on the stack, and
                // LuaJIT counts the -1 from the top: lay the stack out alike.
                l.get_field(3, "interface");
                return Err(Raise::arg(-1, misuse::INTERFACE_NUMBER));
            };
            OptValue::Membership6 {
                multiaddr,
                interface,
            }
        }
    })
}

fn clamp_i32(n: f64) -> i32 {
    if n.is_nan() {
        0
    } else {
        n.clamp(i32::MIN as f64, i32::MAX as f64) as i32
    }
}

fn clamp_u32(n: f64) -> u32 {
    if n.is_nan() {
        0
    } else {
        n.clamp(0.0, u32::MAX as f64) as u32
    }
}
