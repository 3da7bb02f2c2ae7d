//! The one wait-and-retry loop: try the operation, and while it would block,
//! wait on the descriptor for the time left, then try again.
//!
//! Replaces `socket_waitfd` and the retry loops of LuaSocket's `usocket.c`
//! (mio's `do_io` has the same shape).

use std::io;
use std::os::fd::RawFd;

use crate::error::NetError;
use crate::sys::{self, Interest};
use crate::timeout::Deadline;

/// Waits until `fd` is ready for `interest`, or fails with `Timeout`.
pub(crate) fn wait(fd: RawFd, interest: Interest, deadline: &Deadline) -> Result<(), NetError> {
    wait_events(fd, interest, deadline).map(|_| ())
}

/// [`wait`], returning poll's `revents` for the descriptor.
pub(crate) fn wait_events(
    fd: RawFd,
    interest: Interest,
    deadline: &Deadline,
) -> Result<libc::c_short, NetError> {
    if deadline.is_zero() {
        return Err(NetError::Timeout);
    }
    loop {
        let left = deadline.remaining();
        if left == Some(std::time::Duration::ZERO) {
            return Err(NetError::Timeout);
        }
        match sys::wait_fd(fd, interest, left) {
            Ok(Some(revents)) => return Ok(revents),
            Ok(None) => return Err(NetError::Timeout),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Runs `op` until it succeeds, fails for real, or the deadline passes.
pub(crate) fn retry<T>(
    fd: RawFd,
    interest: Interest,
    deadline: &Deadline,
    mut op: impl FnMut() -> io::Result<T>,
) -> Result<T, NetError> {
    deadline.start_clock();
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait(fd, interest, deadline)?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
