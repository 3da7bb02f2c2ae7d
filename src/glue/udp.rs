//! UDP objects: `socket.udp`, `udp4`, `udp6`, and the methods of
//! `udp{unconnected}` and `udp{connected}`.
//!
//! Replaces LuaSocket's `udp.c`, with the same shape as `tcp.rs`: one
//! method table for both classes, each method checking the class it needs,
//! and the object switching class in place on `setpeername` and
//! `setpeername("*")`. Different on purpose: `receive()`/`receivefrom()`
//! with no size return any datagram whole (upstream cuts at 8192 bytes), and
//! I/O on a closed socket fails with `nil, "refused"` (upstream's `receive`
//! returns an empty string there).

use socket2::Type;

use super::class::want::{UDP_ANY, UDP_CONNECTED, UDP_UNCONNECTED};
use super::class::{self, check_id, fail, one, push_done, Class, Group};
use super::dgram;
use super::methods as m;
use crate::sys::lua::{native, Native, Ret, State};

pub(crate) const METHODS: &[(&str, Native)] = &[
    ("close", native!(m::close::<UDP_ANY>)),
    ("dirty", native!(m::dirty::<UDP_ANY>)),
    ("getfamily", native!(m::getfamily::<UDP_ANY>)),
    ("getfd", native!(m::getfd::<UDP_ANY>)),
    ("getpeername", native!(m::getpeername::<UDP_CONNECTED>)),
    ("getsockname", native!(m::getsockname::<UDP_ANY>)),
    ("receive", native!(dgram::receive::<UDP_ANY>)),
    (
        "receivefrom",
        native!(dgram::receivefrom::<UDP_UNCONNECTED>),
    ),
    ("send", native!(dgram::send::<UDP_CONNECTED>)),
    ("sendto", native!(sendto)),
    ("setfd", native!(m::setfd::<UDP_ANY>)),
    ("setoption", native!(m::setoption::<UDP_ANY>)),
    ("getoption", native!(m::getoption::<UDP_ANY>)),
    ("setpeername", native!(setpeername)),
    ("setsockname", native!(m::bind::<UDP_UNCONNECTED>)),
    ("settimeout", native!(m::settimeout::<UDP_ANY>)),
    ("gettimeout", native!(m::gettimeout::<UDP_ANY>)),
];

/// Functions of the `socket` namespace defined here.
pub(crate) const FUNCTIONS: &[(&str, Native)] = &[
    (
        "udp",
        native!(m::create::<UDP_UNCONNECTED, { libc::AF_UNSPEC }>),
    ),
    (
        "udp4",
        native!(m::create::<UDP_UNCONNECTED, { libc::AF_INET }>),
    ),
    (
        "udp6",
        native!(m::create::<UDP_UNCONNECTED, { libc::AF_INET6 }>),
    ),
];

pub(crate) fn register(l: &State) {
    class::register(l, Group::Udp, METHODS);
}

/// `sendto(data, ip, port)` → bytes sent or `nil, msg`. The address must
/// be numeric, as upstream requires: no name lookup, so nothing to wait
/// for.
fn sendto(l: &State) -> Ret {
    let mut s = check_id::<UDP_UNCONNECTED>(l)?;
    let data = l.check_bytes(2)?;
    let ip = l.check_str(3)?;
    let port = l.check_port(4)?;
    let ai = match s.destination(&ip, &port, Type::DGRAM) {
        Ok(ai) => ai,
        Err(e) => return fail(l, &e),
    };
    if let Err(e) = s.open_for_destination(ai.family, Type::DGRAM) {
        return fail(l, &e);
    }
    dgram::send_to(l, &mut s, data, Some(&ai.addr))
}

/// `setpeername(address, port)` → `1`, the object becoming
/// `udp{connected}`; `setpeername("*")` dissolves the association and the
/// object becomes `udp{unconnected}` again.
fn setpeername(l: &State) -> Ret {
    let mut s = check_id::<UDP_ANY>(l)?;
    let host = l.check_str(2)?;
    if host == "*" {
        s.disconnect();
        drop(s);
        class::switch_class(l, Class::UdpUnconnected);
        return Ok(one(l));
    }
    let port = l.check_port(3)?;
    let r = s.connect(&host, &port, Type::DGRAM);
    drop(s);
    if r.is_ok() {
        class::switch_class(l, Class::UdpConnected);
    }
    push_done(l, r)
}
