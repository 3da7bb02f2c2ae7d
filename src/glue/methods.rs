//! The methods every object kind shares: `close`, `getfd`/`setfd`/`dirty`,
//! `settimeout`/`gettimeout`, `getoption`/`setoption`, `bind` and the
//! names, plus the constructors.
//!
//! Replaces the identical `meth_*` wrappers that LuaSocket's `tcp.c`,
//! `udp.c` and `unix*.c` each repeat. Each method is generic over what it
//! wants of `self` (a [`want`](super::class::want) id), so a kind's method
//! table names `methods::close::<TCP_ANY>` instead of a wrapper function.

use std::ffi::c_int;

use socket2::SockAddr;

use super::class::{check_id, fail, one, push_done, push_new, Want};
use super::options::{option_name, option_value};
use crate::error::{misuse, NetError};
use crate::inet;
use crate::options::OptValue;
use crate::sock::Sock;
use crate::sys::lua::{Raise, Ret, State};
use crate::timeout::Mode;

/// A constructor: `socket.tcp4()`, `socket.udp6()`, `socket.unix.stream()`
/// and the rest → a new object of class `C` with a descriptor of `FAMILY`,
/// or `nil, msg`. With `AF_UNSPEC` (`tcp()`, `udp()`) the descriptor is
/// created later, once bind, connect or sendto knows the family.
pub(crate) fn create<const C: u8, const FAMILY: i32>(l: &State) -> Ret {
    let class = const { Want::of(C).class() };
    let made = if FAMILY == libc::AF_UNSPEC {
        Ok(Sock::unopened(FAMILY))
    } else {
        Sock::create(FAMILY, class.group().socktype())
    };
    match made {
        Ok(sock) => {
            push_new(l, sock, class);
            Ok(1)
        }
        Err(e) => fail(l, &e),
    }
}

/// `close()` → `1`; closing twice is harmless.
pub(crate) fn close<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    s.close();
    Ok(one(l))
}

/// `socket.core._test_panic([sock])`, present only when
/// `LUASOCKET_TEST_HOOKS=1` at load (see `namespace::open`): panics on
/// purpose, while holding `sock` (any tcp object) borrowed when one is
/// given, so a spec can prove the trampoline turns a panic into a Lua error
/// and that the object stays usable.
pub(crate) fn test_panic(l: &State) -> Ret {
    let held = if l.is_none_or_nil(1) {
        None
    } else {
        Some(check_id::<{ super::class::want::TCP_ANY }>(l)?)
    };
    panic!(
        "test hook panicked on purpose (holding a socket: {})",
        held.is_some()
    );
}

/// `getfd()` → the descriptor, `-1` once closed or detached.
pub(crate) fn getfd<const W: u8>(l: &State) -> Ret {
    let s = check_id::<W>(l)?;
    l.push_number(s.fd() as f64);
    Ok(1)
}

/// `setfd(n)`: replaces the descriptor without closing the old one.
pub(crate) fn setfd<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let n = l.check_number(2)?;
    // Out-of-range numbers become an invalid descriptor (calls fail with
    // EBADF) instead of wrapping around to somebody else's descriptor.
    let fd = if n.is_finite() && n >= -1.0 && n <= i32::MAX as f64 {
        n as i32
    } else {
        -1
    };
    s.set_fd(fd.max(-1));
    Ok(0)
}

/// `dirty()` → true when buffered input is waiting (never for datagrams).
pub(crate) fn dirty<const W: u8>(l: &State) -> Ret {
    let s = check_id::<W>(l)?;
    l.push_bool(s.has_buffered_data());
    Ok(1)
}

/// `settimeout(value [, mode])` → `1`.
pub(crate) fn settimeout<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let value = l.opt_number(2, -1.0)?;
    let mode = l.opt_bytes(3)?.unwrap_or(b"b");
    let mode = Mode::parse(mode).ok_or_else(|| Raise::arg(3, misuse::TIMEOUT_MODE))?;
    s.set_timeout(value, mode);
    Ok(one(l))
}

/// `gettimeout()` → `block, total`.
pub(crate) fn gettimeout<const W: u8>(l: &State) -> Ret {
    let s = check_id::<W>(l)?;
    let (block, total) = s.timeouts();
    l.push_number(block);
    l.push_number(total);
    Ok(2)
}

/// `setoption(name, value)` → `1` or `nil, "setsockopt failed"`.
pub(crate) fn setoption<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let opt = option_name(l, const { Want::of(W).group() }.set_options())?;
    let value = option_value(l, opt)?;
    let r = s.set_option(opt, value);
    push_done(l, r)
}

/// `getoption(name)` → the value or `nil, "getsockopt failed"`.
pub(crate) fn getoption<const W: u8>(l: &State) -> Ret {
    let s = check_id::<W>(l)?;
    let opt = option_name(l, const { Want::of(W).group() }.get_options())?;
    match s.get_option(opt) {
        Ok(OptValue::Bool(b)) => l.push_bool(b),
        Ok(OptValue::Int(n)) => l.push_number(n as f64),
        Ok(OptValue::Text(t)) => l.push_bytes(&t),
        Ok(OptValue::Ip4(ip)) => l.push_str(&ip.to_string()),
        Ok(OptValue::Nil) => l.push_nil(),
        Ok(OptValue::Linger { on, timeout }) => {
            l.new_table(0, 2);
            let t = l.top();
            l.push_bool(on);
            l.set_field(t, "on");
            l.push_integer(timeout as i64);
            l.set_field(t, "timeout");
        }
        Ok(OptValue::Membership { .. } | OptValue::Membership6 { .. }) => {
            return fail(l, &NetError::GetOption)
        }
        Err(e) => return fail(l, &e),
    }
    Ok(1)
}

/// `bind(address, port)` / `setsockname` for internet kinds → `1` or
/// `nil, msg`; `"*"` means every interface.
pub(crate) fn bind<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let host = l.check_str(2)?;
    let port = l.check_port(3)?;
    let r = s.bind(&host, &port, const { Want::of(W).group() }.socktype());
    push_done(l, r)
}

/// Pushes `ip, port` for an internet address, or the path of a unix-domain
/// one (`""` when unnamed); returns how many values it pushed.
pub(crate) fn push_addr(l: &State, family: i32, addr: &SockAddr) -> Result<c_int, NetError> {
    if family == libc::AF_UNIX {
        l.push_bytes(&crate::sys::unix_name(addr));
        return Ok(1);
    }
    let (ip, port) = inet::numeric_name(addr)?;
    l.push_str(&ip);
    l.push_integer(port as i64);
    Ok(2)
}

/// Pushes what `getsockname`/`getpeername` return: `ip, port, family`,
/// a unix path, or `nil, msg`.
fn push_name(l: &State, family: i32, name: Result<SockAddr, NetError>) -> Ret {
    match name.and_then(|addr| push_addr(l, family, &addr)) {
        Ok(1) => Ok(1),
        Ok(n) => {
            l.push_str(inet::family_name(family));
            Ok(n + 1)
        }
        Err(e) => fail(l, &e),
    }
}

/// `getsockname()` → `ip, port, family` (unix: the path) or `nil, msg`.
pub(crate) fn getsockname<const W: u8>(l: &State) -> Ret {
    let s = check_id::<W>(l)?;
    push_name(l, s.family(), s.local_addr())
}

/// `getpeername()` → `ip, port, family` or `nil, msg`.
pub(crate) fn getpeername<const W: u8>(l: &State) -> Ret {
    let s = check_id::<W>(l)?;
    push_name(l, s.family(), s.peer_addr())
}

/// `getfamily()` → `"inet4"` or `"inet6"`.
pub(crate) fn getfamily<const W: u8>(l: &State) -> Ret {
    let s = check_id::<W>(l)?;
    l.push_str(if s.family() == libc::AF_INET6 {
        "inet6"
    } else {
        "inet4"
    });
    Ok(1)
}
