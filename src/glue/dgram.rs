//! The methods of datagram objects (`udp` and `unixdgram`): `receive`,
//! `receivefrom`, `send`, and the sending half of `sendto`.
//!
//! Replaces the datagram halves of LuaSocket's `udp.c` and `unixdgram.c`.
//! Failures are worded as upstream's `udp_strerror` words them (a closed
//! socket is `"refused"`, see `NetError::for_datagram`).

use socket2::SockAddr;

use super::class::{check_id, fail};
use super::methods::push_addr;
use crate::error::NetError;
use crate::sock::Sock;
use crate::sys::lua::{Ret, State};

/// The optional size argument of `receive`/`receivefrom`: `None` means the
/// whole datagram. A negative size is `OutOfMemory`, which upstream gets
/// from the failed allocation.
fn size_arg(l: &State) -> Result<Result<Option<usize>, NetError>, crate::sys::lua::Raise> {
    if l.is_none_or_nil(2) {
        return Ok(Ok(None));
    }
    let n = l.check_number(2)?;
    if n.is_nan() || n < 0.0 {
        return Ok(Err(NetError::OutOfMemory));
    }
    Ok(Ok(Some(if n >= usize::MAX as f64 {
        usize::MAX
    } else {
        n as usize
    })))
}

/// Receives one datagram and pushes it, and for `receivefrom` (`from`) the
/// sender's address.
fn receive_one<const W: u8>(l: &State, from: bool) -> Ret {
    let mut s = check_id::<W>(l)?;
    let max = match size_arg(l)? {
        Ok(max) => max,
        Err(e) => return fail(l, &e),
    };
    let family = s.family();
    let got = s.receive_datagram(max, from, |data, addr| {
        l.push_bytes(data);
        match addr {
            None => Ok(1),
            Some(a) => push_addr(l, family, a)
                .map(|n| n + 1)
                .inspect_err(|_| l.pop(1)),
        }
    });
    match got.and_then(|pushed| pushed) {
        Ok(n) => Ok(n),
        Err(e) => fail(l, &e.for_datagram()),
    }
}

/// `receive([size])` → the datagram (whole unless `size` is smaller), or
/// `nil, msg`.
pub(crate) fn receive<const W: u8>(l: &State) -> Ret {
    receive_one::<W>(l, false)
}

/// `receivefrom([size])` → `data, ip, port` (unix: `data, path`), or
/// `nil, msg`.
pub(crate) fn receivefrom<const W: u8>(l: &State) -> Ret {
    receive_one::<W>(l, true)
}

/// `send(data)` on a connected datagram socket → bytes sent or `nil, msg`.
pub(crate) fn send<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let data = l.check_bytes(2)?;
    send_to(l, &mut s, data, None)
}

/// Sends `data` (to `to`, or to the connected peer) and pushes the byte
/// count or `nil, msg`.
pub(crate) fn send_to(l: &State, s: &mut Sock, data: &[u8], to: Option<&SockAddr>) -> Ret {
    match s.send_datagram(data, to) {
        Ok(n) => {
            l.push_number(n as f64);
            Ok(1)
        }
        Err(e) => fail(l, &e.for_datagram()),
    }
}
