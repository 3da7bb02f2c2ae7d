//! The Lua-facing wing: everything that touches the Lua API. Each file
//! reads Lua arguments, calls the core (which knows nothing of Lua), and
//! pushes LuaSocket's returns.
//!
//! - `class.rs`: the one table of classes and groups, checking `self`,
//!   `__gc`/`__tostring`/`__close`;
//! - `methods.rs`, `stream.rs`, `dgram.rs`: the methods kinds share, those
//!   of streams, those of datagram sockets; `options.rs` reads option values;
//! - `tcp.rs`, `udp.rs`, `unix.rs`: each kind's method table and what only
//!   it does;
//! - `namespace.rs` (`socket.core`), `select.rs`, `poller.rs`, `dns.rs`, `mime.rs`
//!   (`mime.core`), `url.rs` (`socket.url`'s helpers), `http.rs` (`socket.http`'s).

mod class;
mod dgram;
mod dns;
mod http;
mod methods;
mod mime;
mod namespace;
mod options;
mod poller;
mod select;
mod stream;
mod tcp;
mod tls;
mod udp;
mod unix;
mod url;

use crate::error::misuse;
use crate::mime::{c_i64, is_integer_value};
use crate::sys::lua::{native, Native, Raise, Ret, State};

/// Sets `t[name] = f` for each function of `list`; `t` is at `t` (absolute).
fn set_functions(l: &State, t: i32, list: &[(&str, Native)]) {
    for (name, f) in list {
        l.push_function(*f);
        l.set_field(t, name);
    }
}

/// `(int) luaL_checkinteger(L, idx)`. Lua 5.3 and 5.4 refuse a number
/// without an integer value; 5.1, 5.2 and LuaJIT truncate it.
pub(crate) fn check_c_int(l: &State, idx: i32) -> Result<i32, Raise> {
    let d = l.check_number(idx)?;
    if cfg!(any(feature = "lua53", feature = "lua54")) && !is_integer_value(d) {
        return Err(Raise::arg(idx, misuse::NOT_INTEGER));
    }
    // The conversion to int keeps the low 32 bits.
    Ok(c_i64(d) as i32)
}

/// The native modules, each built when its opener is called.
const OPENERS: &[(&str, Native)] = &[
    ("socket_core", native!(namespace::open)),
    ("mime_core", native!(mime::open)),
    ("socket_unix", native!(unix::open)),
    ("socket_url", native!(url::open)),
    ("socket_http", native!(http::open)),
    ("socket_tls", native!(tls::open)),
];

/// `require("luasocket_rs")`: a table of openers, one per native module
/// (`socket_core`, ...).
pub(crate) fn openers(l: &State) -> Ret {
    l.new_table(0, OPENERS.len());
    let t = l.top();
    set_functions(l, t, OPENERS);
    Ok(1)
}
