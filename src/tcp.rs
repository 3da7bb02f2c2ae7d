//! TCP objects: `socket.tcp`, `tcp4`, `tcp6`, `connect`, and the methods of
//! `tcp{master}`, `tcp{client}` and `tcp{server}`.
//!
//! Replaces LuaSocket's `tcp.c`. As upstream, all three classes carry the
//! same method table and each method checks the class it needs, so
//! `client:accept()` raises "calling 'accept' on bad self (tcp{server}
//! expected)". The methods every kind shares live in `object.rs`, socket
//! work in `sock.rs`; this file holds what only TCP does.

use socket2::Type;

use crate::inet;
use crate::object::want::{TCP_ANY, TCP_CLIENT, TCP_MASTER, TCP_SERVER};
use crate::object::{self as o, check, push_done, push_new, Class, Group, Want};
use crate::sock::Sock;
use crate::sys::lua::{native, Native, Raise, Ret, State};

pub(crate) const METHODS: &[(&str, Native)] = &[
    ("accept", native!(o::accept::<TCP_SERVER, TCP_CLIENT>)),
    ("bind", native!(o::bind::<TCP_MASTER>)),
    ("close", native!(o::close::<TCP_ANY>)),
    ("connect", native!(connect)),
    ("dirty", native!(o::dirty::<TCP_ANY>)),
    ("getfamily", native!(o::getfamily::<TCP_ANY>)),
    ("getfd", native!(o::getfd::<TCP_ANY>)),
    ("getoption", native!(o::getoption::<TCP_ANY>)),
    ("getpeername", native!(o::getpeername::<TCP_ANY>)),
    ("getsockname", native!(o::getsockname::<TCP_ANY>)),
    ("getstats", native!(o::getstats::<TCP_CLIENT>)),
    ("setstats", native!(o::setstats::<TCP_CLIENT>)),
    ("gettimeout", native!(o::gettimeout::<TCP_ANY>)),
    ("settimeout", native!(o::settimeout::<TCP_ANY>)),
    ("listen", native!(o::listen::<TCP_MASTER, TCP_SERVER>)),
    ("receive", native!(o::receive::<TCP_CLIENT>)),
    ("send", native!(o::send::<TCP_CLIENT>)),
    ("setfd", native!(o::setfd::<TCP_ANY>)),
    ("setoption", native!(o::setoption::<TCP_ANY>)),
    ("setpeername", native!(connect)),
    ("setsockname", native!(o::bind::<TCP_MASTER>)),
    ("shutdown", native!(o::shutdown::<TCP_CLIENT>)),
];

/// Functions of the `socket` namespace defined here.
pub(crate) const FUNCTIONS: &[(&str, Native)] = &[
    ("tcp", native!(o::create::<TCP_MASTER, { libc::AF_UNSPEC }>)),
    ("tcp4", native!(o::create::<TCP_MASTER, { libc::AF_INET }>)),
    ("tcp6", native!(o::create::<TCP_MASTER, { libc::AF_INET6 }>)),
    ("connect", native!(global_connect)),
];

pub(crate) fn register(l: &State) {
    o::register(l, Group::Tcp, METHODS);
}

/// `socket.connect(address, port [, laddress [, lport [, family]]])`.
fn global_connect(l: &State) -> Ret {
    let host = l.check_str(1)?;
    let port = l.check_str(2)?;
    let lhost = l.opt_str(3)?;
    let lport = l.opt_str(4)?.unwrap_or_else(|| "0".to_string());
    let family = match l.opt_str(5)? {
        None => libc::AF_UNSPEC,
        Some(name) => inet::parse_family(&name)
            .ok_or_else(|| Raise::arg(5, format!("invalid option '{name}'")))?,
    };
    let mut sock = Sock::new(-1, family);
    if let Some(lhost) = lhost {
        if let Err(e) = sock.bind(&lhost, &lport, Type::STREAM) {
            sock.close();
            return l.fail(&e.to_string());
        }
    }
    let dl = sock.timeout.start();
    if let Err(e) = sock.connect(&host, &port, Type::STREAM, &dl) {
        sock.close();
        return l.fail(&e.to_string());
    }
    push_new(l, sock, Class::TcpClient);
    Ok(1)
}

/// `connect`/`setpeername`: the object becomes `tcp{client}` even when the
/// attempt fails (a non-blocking connect is still under way).
fn connect(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Group(Group::Tcp))?;
    let host = l.check_str(2)?;
    let port = l.check_str(3)?;
    let dl = s.timeout.start();
    let r = s.connect(&host, &port, Type::STREAM, &dl);
    drop(s);
    o::switch_class(l, Class::TcpClient);
    push_done(l, r)
}
