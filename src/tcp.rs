//! TCP objects: `socket.tcp`, `tcp4`, `tcp6`, `connect`, and the methods of
//! `tcp{master}`, `tcp{client}` and `tcp{server}`.
//!
//! Replaces LuaSocket's `tcp.c`. As upstream, all three classes carry the
//! same method table and each method checks the class it needs, so
//! `client:accept()` raises "calling 'accept' on bad self (tcp{server}
//! expected)". Socket work happens in `sock.rs`; this file reads arguments
//! and pushes results.

use std::net::Shutdown;

use socket2::Type;

use crate::buffer::{send_range, Pattern};
use crate::inet;
use crate::object::{self, check, one, push_new, Class, Group, Want};
use crate::options::{TCP_GET, TCP_SET};
use crate::sock::Sock;
use crate::sys::lua::{Kind, Native, Raise, Ret, State};

const G: Group = Group::Tcp;

pub(crate) const METHODS: &[(&str, Native)] = &[
    ("accept", accept),
    ("bind", bind),
    ("close", close),
    ("connect", connect),
    ("dirty", dirty),
    ("getfamily", getfamily),
    ("getfd", getfd),
    ("getoption", getoption),
    ("getpeername", getpeername),
    ("getsockname", getsockname),
    ("getstats", getstats),
    ("setstats", setstats),
    ("gettimeout", gettimeout),
    ("settimeout", settimeout),
    ("listen", listen),
    ("receive", receive),
    ("send", send),
    ("setfd", setfd),
    ("setoption", setoption),
    ("setpeername", connect),
    ("setsockname", bind),
    ("shutdown", shutdown),
];

/// Functions of the `socket` namespace defined here.
pub(crate) const FUNCTIONS: &[(&str, Native)] = &[
    ("tcp", create),
    ("tcp4", create4),
    ("tcp6", create6),
    ("connect", global_connect),
];

pub(crate) fn register(l: &State) {
    object::register(l, &Class::ALL, METHODS);
}

fn create_family(l: &State, family: i32) -> Ret {
    let fd = if family == libc::AF_UNSPEC {
        -1
    } else {
        match Sock::open(family, Type::STREAM) {
            Ok(fd) => fd,
            Err(e) => return l.fail(&e.to_string()),
        }
    };
    push_new(l, Sock::new(fd, family), Class::TcpMaster);
    Ok(1)
}

fn create(l: &State) -> Ret {
    create_family(l, libc::AF_UNSPEC)
}

fn create4(l: &State) -> Ret {
    create_family(l, libc::AF_INET)
}

fn create6(l: &State) -> Ret {
    create_family(l, libc::AF_INET6)
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

fn accept(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Class(Class::TcpServer))?;
    let dl = s.timeout.start();
    match s.accept(&dl) {
        Ok(fd) => {
            let family = s.family;
            drop(s);
            push_new(l, Sock::new(fd, family), Class::TcpClient);
            Ok(1)
        }
        Err(e) => l.fail(&e.to_string()),
    }
}

fn bind(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Class(Class::TcpMaster))?;
    let host = l.check_str(2)?;
    let port = l.check_str(3)?;
    match s.bind(&host, &port, Type::STREAM) {
        Ok(()) => Ok(one(l)),
        Err(e) => l.fail(&e.to_string()),
    }
}

/// `connect`/`setpeername`: the object becomes `tcp{client}` even when the
/// attempt fails (a non-blocking connect is still under way).
fn connect(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Group(G))?;
    let host = l.check_str(2)?;
    let port = l.check_str(3)?;
    let dl = s.timeout.start();
    let r = s.connect(&host, &port, Type::STREAM, &dl);
    drop(s);
    l.set_class(1, Class::TcpClient.name());
    match r {
        Ok(()) => Ok(one(l)),
        Err(e) => l.fail(&e.to_string()),
    }
}

fn listen(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Class(Class::TcpMaster))?;
    let backlog = l.opt_number(2, 32.0)?;
    let backlog = if backlog.is_nan() {
        32
    } else {
        backlog.clamp(0.0, i32::MAX as f64) as i32
    };
    let r = s.listen(backlog);
    drop(s);
    match r {
        Ok(()) => {
            l.set_class(1, Class::TcpServer.name());
            Ok(one(l))
        }
        Err(e) => l.fail(&e.to_string()),
    }
}

/// `receive([pattern [, prefix [, maxsize]]])` → `data` or `nil, err,
/// partial`, then the elapsed time (`_DEBUG`).
fn receive(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Class(Class::TcpClient))?;
    let prefix = l.opt_bytes(3)?.unwrap_or(&[]);
    // As upstream, anything lua_isnumber accepts (numeric strings too) is a
    // byte count; otherwise a string pattern, "*l" by default. A string that
    // parses as a pattern is never numeric, so trying the pattern first
    // gives the same answer without a strtod on every call.
    let bad = || Raise::arg(2, "invalid receive pattern");
    let pattern = match l.kind(2) {
        Kind::None | Kind::Nil => Pattern::Line,
        Kind::Number => Pattern::count(l.to_number(2).unwrap_or(-1.0)).ok_or_else(bad)?,
        Kind::String => match Pattern::parse(l.check_bytes(2)?) {
            Some(p) => p,
            None => Pattern::count(l.to_number(2).ok_or_else(bad)?).ok_or_else(bad)?,
        },
        _ => return Err(l.type_error(2, "string")),
    };
    let maxsize = match l.kind(4) {
        Kind::None | Kind::Nil => None,
        _ => {
            let m = l.check_number(4)?;
            if m.is_nan() || m < 0.0 {
                return Err(Raise::arg(4, "invalid maxsize"));
            }
            Some(if m >= usize::MAX as f64 {
                usize::MAX
            } else {
                m as usize
            })
        }
    };
    let dl = s.timeout.start();
    let got = s.receive(pattern, prefix.len(), maxsize, &dl);
    match &got.err {
        None => {
            l.push_concat(prefix, got.data.as_slice());
            l.push_nil();
            l.push_nil();
        }
        Some(e) => {
            l.push_nil();
            l.push_str(&e.to_string());
            l.push_concat(prefix, got.data.as_slice());
        }
    }
    drop(got);
    s.input.settle();
    l.push_number(dl.elapsed());
    Ok(4)
}

/// `send(data [, i [, j]])` → `last_index` or `nil, err, last_index`,
/// then the elapsed time (`_DEBUG`).
fn send(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Class(Class::TcpClient))?;
    let data = l.check_bytes(2)?;
    let i = l.opt_number(3, 1.0)?;
    let j = l.opt_number(4, -1.0)?;
    let range = send_range(data.len(), i, j);
    let dl = s.timeout.start();
    let (sent, err) = s.send_all(&data[range.from..range.to], &dl);
    let last = range.base + sent as f64;
    match err {
        None => {
            l.push_number(last);
            l.push_nil();
            l.push_nil();
        }
        Some(e) => {
            l.push_nil();
            l.push_str(&e.to_string());
            l.push_number(last);
        }
    }
    l.push_number(dl.elapsed());
    Ok(4)
}

fn shutdown(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Class(Class::TcpClient))?;
    let how = match l.opt_bytes(2)?.unwrap_or(b"both") {
        b"both" => Shutdown::Both,
        b"send" => Shutdown::Write,
        b"receive" => Shutdown::Read,
        other => {
            let other = String::from_utf8_lossy(other).into_owned();
            return Err(Raise::arg(2, format!("invalid option '{other}'")));
        }
    };
    s.shutdown(how);
    Ok(one(l))
}

fn getstats(l: &State) -> Ret {
    let (s, _) = check(l, Want::Class(Class::TcpClient))?;
    l.push_number(s.input.received);
    l.push_number(s.sent);
    l.push_number(crate::timeout::gettime() - s.birthday);
    Ok(3)
}

fn setstats(l: &State) -> Ret {
    let (mut s, _) = check(l, Want::Class(Class::TcpClient))?;
    let received = l.opt_number(2, s.input.received)?;
    let sent = l.opt_number(3, s.sent)?;
    s.input.received = received.trunc();
    s.sent = sent.trunc();
    if let Some(age) = l.to_number(4) {
        s.birthday = crate::timeout::gettime() - age;
    }
    Ok(one(l))
}

fn getfamily(l: &State) -> Ret {
    let (s, _) = check(l, Want::Group(G))?;
    l.push_str(if s.family == libc::AF_INET6 {
        "inet6"
    } else {
        "inet4"
    });
    Ok(1)
}

fn getpeername(l: &State) -> Ret {
    let (s, _) = check(l, Want::Group(G))?;
    let name = s.peer_name();
    object::push_name(l, s.family, name)
}

fn getsockname(l: &State) -> Ret {
    let (s, _) = check(l, Want::Group(G))?;
    let name = s.local_name();
    object::push_name(l, s.family, name)
}

fn close(l: &State) -> Ret {
    object::close(l, G)
}
fn dirty(l: &State) -> Ret {
    object::dirty(l, G)
}
fn getfd(l: &State) -> Ret {
    object::getfd(l, G)
}
fn setfd(l: &State) -> Ret {
    object::setfd(l, G)
}
fn gettimeout(l: &State) -> Ret {
    object::gettimeout(l, G)
}
fn settimeout(l: &State) -> Ret {
    object::settimeout(l, G)
}
fn getoption(l: &State) -> Ret {
    object::getoption(l, G, TCP_GET)
}
fn setoption(l: &State) -> Ret {
    object::setoption(l, G, TCP_SET)
}
