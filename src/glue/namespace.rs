//! The `socket.core` table: the TCP and UDP constructors, `select`, `poller`,
//! `dns`, `sleep`, `gettime`, `monotime`, `skip` and the constants.
//!
//! Replaces LuaSocket's `luasocket.c` (the base functions) and the
//! namespace parts of `timeout.c`, `tcp.c`, `udp.c` and `inet.c`.

use super::{check_c_int, dns, methods, poller, select, set_functions, tcp, udp};
use crate::sys::lua::{native, Native, Ret, State};
use crate::{io, sock, sys, timeout};

/// Our implementation's name and version (CONTRACT §2).
pub(crate) const IMPLEMENTATION: &str = concat!("luasocket-rust ", env!("CARGO_PKG_VERSION"));

const BASE: &[(&str, Native)] = &[
    ("select", native!(select::select)),
    ("poller", native!(poller::new)),
    ("sleep", native!(sleep)),
    ("gettime", native!(gettime)),
    ("monotime", native!(monotime)),
    ("skip", native!(skip)),
];

/// Builds the `socket.core` table and leaves it on the stack.
pub(crate) fn open(l: &State) -> Ret {
    sys::ignore_sigpipe_if_default();
    tcp::register(l);
    udp::register(l);
    poller::register(l);
    l.new_table(0, 32);
    let t = l.top();
    set_functions(l, t, BASE);
    set_functions(l, t, tcp::FUNCTIONS);
    set_functions(l, t, udp::FUNCTIONS);
    l.new_table(0, dns::FUNCTIONS.len());
    let d = l.top();
    set_functions(l, d, dns::FUNCTIONS);
    l.set_field(t, "dns");
    l.push_str("LuaSocket 3.1.0");
    l.set_field(t, "_VERSION");
    l.push_bool(true);
    l.set_field(t, "_DEBUG");
    // poll(2) has no descriptor ceiling, but programs loop to _SETSIZE + 1
    // creating sockets and size pools by it: report what this process can
    // really hold, the soft RLIMIT_NOFILE at load (C's is a compile-time 1024).
    let setsize = sys::open_files_limit().map_or(i32::MAX as u64, |n| n.min(i32::MAX as u64));
    l.push_integer(setsize as i64);
    l.set_field(t, "_SETSIZE");
    l.push_integer(-1);
    l.set_field(t, "_SOCKETINVALID");
    // The buffer size receive() really uses: any UDP datagram comes whole.
    l.push_integer(sock::DATAGRAM_SIZE as i64);
    l.set_field(t, "_DATAGRAMSIZE");
    l.push_str(IMPLEMENTATION);
    l.set_field(t, "_IMPLEMENTATION");
    // Test hooks, only with LUASOCKET_TEST_HOOKS=1 in the environment when
    // socket.core loads (never otherwise): `_test_panic([tcp])` panics inside
    // a native function, optionally holding a socket borrowed, so that
    // spec/leak_spec.lua can check the panic becomes a Lua error and leaves
    // the library usable.
    if std::env::var_os("LUASOCKET_TEST_HOOKS").is_some_and(|v| v == "1") {
        l.push_function(native!(methods::test_panic));
        l.set_field(t, "_test_panic");
    }
    Ok(1)
}

/// `sleep(s)`: returns at once for `s <= 0`; resumes after signals.
fn sleep(l: &State) -> Ret {
    let secs = l.check_number(1)?;
    if let Some(d) = timeout::sleep_duration(secs) {
        io::sleep(d);
    }
    Ok(0)
}

/// `gettime()`: seconds since the epoch.
fn gettime(l: &State) -> Ret {
    l.push_number(timeout::gettime());
    Ok(1)
}

/// `monotime()`: seconds on the monotonic clock.
fn monotime(l: &State) -> Ret {
    l.push_number(timeout::monotime());
    Ok(1)
}

/// `skip(d, ...)`: the arguments after the first `d`. A negative `d` counts
/// as zero (upstream reads past the stack).
fn skip(l: &State) -> Ret {
    // luaL_checkinteger as LuaSocket reads it (5.3+ refuse a fraction); a
    // negative count counts as 0 (C LuaSocket reads outside the stack).
    let d = check_c_int(l, 1)?.max(0);
    let keep = l.top() - 1 - d;
    Ok(keep.max(0))
}
