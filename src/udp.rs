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

use crate::inet;
use crate::object::want::{UDP_ANY, UDP_CONNECTED, UDP_UNCONNECTED};
use crate::object::{self as o, check, push_done, Class, Group, Want};
use crate::sys::lua::{native, Native, Ret, State};

pub(crate) const METHODS: &[(&str, Native)] = &[
    ("close", native!(o::close::<UDP_ANY>)),
    ("dirty", native!(o::dirty::<UDP_ANY>)),
    ("getfamily", native!(o::getfamily::<UDP_ANY>)),
    ("getfd", native!(o::getfd::<UDP_ANY>)),
    ("getpeername", native!(o::getpeername::<UDP_CONNECTED>)),
    ("getsockname", native!(o::getsockname::<UDP_ANY>)),
    ("receive", native!(o::dgram_receive::<UDP_ANY>)),
    ("receivefrom", native!(o::receivefrom::<UDP_UNCONNECTED>)),
    ("send", native!(o::dgram_send::<UDP_CONNECTED>)),
    ("sendto", native!(sendto)),
    ("setfd", native!(o::setfd::<UDP_ANY>)),
    ("setoption", native!(o::setoption::<UDP_ANY>)),
    ("getoption", native!(o::getoption::<UDP_ANY>)),
    ("setpeername", native!(setpeername)),
    ("setsockname", native!(o::bind::<UDP_UNCONNECTED>)),
    ("settimeout", native!(o::settimeout::<UDP_ANY>)),
    ("gettimeout", native!(o::gettimeout::<UDP_ANY>)),
];

/// Functions of the `socket` namespace defined here.
pub(crate) const FUNCTIONS: &[(&str, Native)] = &[
    (
        "udp",
        native!(o::create::<UDP_UNCONNECTED, { libc::AF_UNSPEC }>),
    ),
    (
        "udp4",
        native!(o::create::<UDP_UNCONNECTED, { libc::AF_INET }>),
    ),
    (
        "udp6",
        native!(o::create::<UDP_UNCONNECTED, { libc::AF_INET6 }>),
    ),
];

pub(crate) fn register(l: &State) {
    o::register(l, Group::Udp, METHODS);
}

/// `sendto(data, ip, port)` → bytes sent or `nil, msg`. The address must
/// be numeric, as upstream requires.
fn sendto(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Class(Class::UdpUnconnected))?;
    let data = l.check_bytes(2)?;
    let ip = l.check_str(3)?;
    let port = l.check_str(4)?;
    let ai = match inet::resolve_numeric(&ip, &port, s.family, Type::DGRAM) {
        Ok(ai) => ai,
        Err(e) => return l.fail(&e.to_string()),
    };
    if let Err(e) = s.ensure_for(ai.family, Type::DGRAM) {
        return l.fail(&e.to_string());
    }
    o::send_datagram(l, &mut s, data, Some(&ai.addr))
}

/// `setpeername(address, port)` → `1`, the object becoming
/// `udp{connected}`; `setpeername("*")` dissolves the association and the
/// object becomes `udp{unconnected}` again.
fn setpeername(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Group(Group::Udp))?;
    let host = l.check_str(2)?;
    if host == "*" {
        s.disconnect();
        drop(s);
        o::switch_class(l, Class::UdpUnconnected);
        return Ok(o::one(l));
    }
    let port = l.check_str(3)?;
    let dl = s.timeout.start();
    let r = s.connect(&host, &port, Type::DGRAM, &dl);
    drop(s);
    if r.is_ok() {
        o::switch_class(l, Class::UdpConnected);
    }
    push_done(l, r)
}
