//! `socket.unix`: unix-domain stream and datagram sockets, the classes
//! `unixstream{master|client|server}` and `unixdgram{unconnected|connected}`.
//!
//! Replaces LuaSocket's `unix.c`, `unixstream.c` and `unixdgram.c`. The
//! module is a callable table (`socket.unix()` makes a stream socket) with
//! `stream`, `dgram` and the old `tcp`/`udp` aliases. Paths are taken byte
//! for byte, so a leading NUL names a Linux abstract socket; a path of 108
//! bytes or more is `nil, "path too long"`. As upstream, a failed `bind` or
//! `connect` closes the descriptor. Different on purpose: `getsockname` and
//! `receivefrom` return an abstract name whole, leading NUL included
//! (upstream returns `""`), and datagrams come back whole, as in `udp.rs`.

use super::class::want::{
    UNIXDGRAM_ANY, UNIXDGRAM_CONNECTED, UNIXDGRAM_UNCONNECTED, UNIXSTREAM_ANY, UNIXSTREAM_CLIENT,
    UNIXSTREAM_MASTER, UNIXSTREAM_SERVER,
};
use super::class::{self, check_id, fail, push_done, Group, Want};
use super::methods as m;
use super::{dgram, stream};
use crate::error::NetError;
use crate::sys;
use crate::sys::lua::{native, Native, Ret, State};

const STREAM_METHODS: &[(&str, Native)] = &[
    (
        "accept",
        native!(stream::accept::<UNIXSTREAM_SERVER, UNIXSTREAM_CLIENT>),
    ),
    ("bind", native!(bind::<UNIXSTREAM_MASTER>)),
    ("close", native!(m::close::<UNIXSTREAM_ANY>)),
    (
        "connect",
        native!(connect::<UNIXSTREAM_MASTER, UNIXSTREAM_CLIENT>),
    ),
    ("dirty", native!(m::dirty::<UNIXSTREAM_ANY>)),
    ("getfd", native!(m::getfd::<UNIXSTREAM_ANY>)),
    ("getstats", native!(stream::getstats::<UNIXSTREAM_CLIENT>)),
    ("setstats", native!(stream::setstats::<UNIXSTREAM_CLIENT>)),
    (
        "listen",
        native!(stream::listen::<UNIXSTREAM_MASTER, UNIXSTREAM_SERVER>),
    ),
    ("receive", native!(stream::receive::<UNIXSTREAM_CLIENT>)),
    (
        "receiveany",
        native!(stream::receiveany::<UNIXSTREAM_CLIENT>),
    ),
    ("send", native!(stream::send::<UNIXSTREAM_CLIENT>)),
    ("setfd", native!(m::setfd::<UNIXSTREAM_ANY>)),
    ("setoption", native!(m::setoption::<UNIXSTREAM_ANY>)),
    (
        "setpeername",
        native!(connect::<UNIXSTREAM_MASTER, UNIXSTREAM_CLIENT>,),
    ),
    ("setsockname", native!(bind::<UNIXSTREAM_MASTER>)),
    ("getsockname", native!(m::getsockname::<UNIXSTREAM_ANY>)),
    ("settimeout", native!(m::settimeout::<UNIXSTREAM_ANY>)),
    ("shutdown", native!(stream::shutdown::<UNIXSTREAM_CLIENT>)),
];

const DGRAM_METHODS: &[(&str, Native)] = &[
    ("bind", native!(bind::<UNIXDGRAM_UNCONNECTED>)),
    ("close", native!(m::close::<UNIXDGRAM_ANY>)),
    (
        "connect",
        native!(connect::<UNIXDGRAM_ANY, UNIXDGRAM_CONNECTED>),
    ),
    ("dirty", native!(m::dirty::<UNIXDGRAM_ANY>)),
    ("getfd", native!(m::getfd::<UNIXDGRAM_ANY>)),
    ("send", native!(dgram::send::<UNIXDGRAM_CONNECTED>)),
    ("sendto", native!(sendto)),
    ("receive", native!(dgram::receive::<UNIXDGRAM_ANY>)),
    (
        "receivefrom",
        native!(dgram::receivefrom::<UNIXDGRAM_UNCONNECTED>),
    ),
    ("setfd", native!(m::setfd::<UNIXDGRAM_ANY>)),
    ("setoption", native!(m::setoption::<UNIXDGRAM_ANY>)),
    (
        "setpeername",
        native!(connect::<UNIXDGRAM_ANY, UNIXDGRAM_CONNECTED>),
    ),
    ("setsockname", native!(bind::<UNIXDGRAM_UNCONNECTED>)),
    ("getsockname", native!(m::getsockname::<UNIXDGRAM_ANY>)),
    ("settimeout", native!(m::settimeout::<UNIXDGRAM_ANY>)),
    ("gettimeout", native!(m::gettimeout::<UNIXDGRAM_ANY>)),
];

/// `socket.unix.stream()` (also `socket.unix()`, through `__call`) → a
/// `unixstream{master}` or `nil, msg`.
const STREAM: Native = native!(m::create::<UNIXSTREAM_MASTER, { libc::AF_UNIX }>);

/// `socket.unix.dgram()` → a `unixdgram{unconnected}` or `nil, msg`.
const DGRAM: Native = native!(m::create::<UNIXDGRAM_UNCONNECTED, { libc::AF_UNIX }>);

/// Builds the `socket.unix` table and leaves it on the stack.
pub(crate) fn open(l: &State) -> Ret {
    sys::ignore_sigpipe_if_default();
    class::register(l, Group::UnixStream, STREAM_METHODS);
    class::register(l, Group::UnixDgram, DGRAM_METHODS);
    l.new_table(0, 5);
    let t = l.top();
    // `tcp` and `udp` are upstream's backward-compatible aliases: the same
    // functions under a second name.
    for (names, f) in [
        (&["stream", "tcp", "__call"][..], STREAM),
        (&["dgram", "udp"][..], DGRAM),
    ] {
        l.push_function(f);
        let fi = l.top();
        for name in names {
            l.push_value(fi);
            l.set_field(t, name);
        }
        l.pop(1);
    }
    // The table is its own metatable, so `socket.unix()` calls `__call`.
    l.push_value(t);
    l.set_metatable(t);
    Ok(1)
}

/// `bind(path)` / `setsockname(path)` → `1` or `nil, msg`.
fn bind<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let path = l.check_bytes(2)?;
    let r = s.bind_path(path);
    push_done(l, r)
}

/// `connect(path)` / `setpeername(path)` → `1`, the object becoming class
/// `TO`, or `nil, msg`.
fn connect<const W: u8, const TO: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let path = l.check_bytes(2)?;
    let r = s.connect_path(path);
    drop(s);
    if r.is_ok() {
        class::switch_class(l, const { Want::of(TO).class() });
    }
    push_done(l, r)
}

/// `sendto(data, path)` → bytes sent or `nil, msg`.
fn sendto(l: &State) -> Ret {
    let mut s = check_id::<UNIXDGRAM_UNCONNECTED>(l)?;
    let data = l.check_bytes(2)?;
    let path = l.check_bytes(3)?;
    let Some(addr) = sys::unix_addr(path) else {
        return fail(l, &NetError::PathTooLong);
    };
    dgram::send_to(l, &mut s, data, Some(&addr))
}
