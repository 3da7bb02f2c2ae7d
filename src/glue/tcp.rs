//! TCP objects: `socket.tcp`, `tcp4`, `tcp6`, `connect`, and the methods of
//! `tcp{master}`, `tcp{client}` and `tcp{server}`.
//!
//! Replaces LuaSocket's `tcp.c`. As upstream, all three classes carry the
//! same method table and each method checks the class it needs, so
//! `client:accept()` raises "calling 'accept' on bad self (tcp{server}
//! expected)". The methods every kind shares live in `methods.rs`, those of
//! streams in `stream.rs`, socket work in `sock.rs`; this file holds what
//! only TCP does.

use socket2::Type;

use super::class::want::{TCP_ANY, TCP_CLIENT, TCP_MASTER, TCP_SERVER};
use super::class::{self, check_id, fail, push_done, push_new, Class, Group};
use super::methods as m;
use super::stream;
use crate::error::misuse;
use crate::inet;
use crate::sock::Sock;
use crate::sys::lua::{native, Native, Raise, Ret, State};

pub(crate) const METHODS: &[(&str, Native)] = &[
    ("accept", native!(stream::accept::<TCP_SERVER, TCP_CLIENT>)),
    ("bind", native!(m::bind::<TCP_MASTER>)),
    ("close", native!(m::close::<TCP_ANY>)),
    ("connect", native!(connect)),
    ("dirty", native!(m::dirty::<TCP_ANY>)),
    ("getfamily", native!(m::getfamily::<TCP_ANY>)),
    ("getfd", native!(m::getfd::<TCP_ANY>)),
    ("getoption", native!(m::getoption::<TCP_ANY>)),
    ("getpeername", native!(m::getpeername::<TCP_ANY>)),
    ("getsockname", native!(m::getsockname::<TCP_ANY>)),
    ("getstats", native!(stream::getstats::<TCP_CLIENT>)),
    ("setstats", native!(stream::setstats::<TCP_CLIENT>)),
    ("gettimeout", native!(m::gettimeout::<TCP_ANY>)),
    ("settimeout", native!(m::settimeout::<TCP_ANY>)),
    ("listen", native!(stream::listen::<TCP_MASTER, TCP_SERVER>)),
    ("receive", native!(stream::receive::<TCP_CLIENT>)),
    ("receiveany", native!(stream::receiveany::<TCP_CLIENT>)),
    ("send", native!(stream::send::<TCP_CLIENT>)),
    ("setfd", native!(m::setfd::<TCP_ANY>)),
    ("setoption", native!(m::setoption::<TCP_ANY>)),
    ("setpeername", native!(connect)),
    ("setsockname", native!(m::bind::<TCP_MASTER>)),
    ("shutdown", native!(stream::shutdown::<TCP_CLIENT>)),
];

/// Functions of the `socket` namespace defined here.
pub(crate) const FUNCTIONS: &[(&str, Native)] = &[
    ("tcp", native!(m::create::<TCP_MASTER, { libc::AF_UNSPEC }>)),
    ("tcp4", native!(m::create::<TCP_MASTER, { libc::AF_INET }>)),
    ("tcp6", native!(m::create::<TCP_MASTER, { libc::AF_INET6 }>)),
    ("connect", native!(global_connect)),
];

pub(crate) fn register(l: &State) {
    class::register(l, Group::Tcp, METHODS);
}

/// `socket.connect(address, port [, laddress [, lport [, family]]])`.
fn global_connect(l: &State) -> Ret {
    let host = l.check_str(1)?;
    let port = l.check_port(2)?;
    let lhost = l.opt_str(3)?;
    let lport = l.opt_str(4)?.unwrap_or_else(|| "0".to_string());
    let family = match l.opt_str(5)? {
        None => libc::AF_UNSPEC,
        Some(name) => {
            inet::parse_family(&name).ok_or_else(|| Raise::arg(5, misuse::invalid_option(&name)))?
        }
    };
    // As in LuaSocket, `family` only chooses the local address: the connect
    // then keeps to the bound socket's family, and with no local address it
    // takes any family (socket.connect6 to an IPv4 address connects).
    let mut sock = Sock::unopened(libc::AF_UNSPEC);
    if let Some(lhost) = lhost {
        sock = Sock::unopened(family);
        if let Err(e) = sock.bind(&lhost, &lport, Type::STREAM) {
            sock.close();
            return fail(l, &e);
        }
    }
    if let Err(e) = sock.connect(&host, &port, Type::STREAM) {
        sock.close();
        return fail(l, &e);
    }
    push_new(l, sock, Class::TcpClient);
    Ok(1)
}

/// `connect`/`setpeername`: the object becomes `tcp{client}` even when the
/// attempt fails (a non-blocking connect is still under way).
fn connect(l: &State) -> Ret {
    let mut s = check_id::<TCP_ANY>(l)?;
    let host = l.check_str(2)?;
    let port = l.check_port(3)?;
    let r = s.connect(&host, &port, Type::STREAM);
    drop(s);
    class::switch_class(l, Class::TcpClient);
    push_done(l, r)
}
