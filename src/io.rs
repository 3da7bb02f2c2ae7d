//! The one wait primitive, and the retry loop built on it: try the
//! operation, and while it would block, wait on the descriptor for the time
//! left, then try again.
//!
//! Replaces `socket_waitfd`, `socket_select` and the retry loops of
//! LuaSocket's `usocket.c` (mio's `do_io` has the same shape). Every wait in
//! the library goes through [`wait_any`]: one descriptor here, many in
//! `select` and in the connection race of `inet.rs`, none in `sleep`.

use std::io;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use crate::error::NetError;
use crate::sys::{self, Interest};
use crate::timeout::Deadline;

/// Waits until one of `fds` is ready, or until `deadline` passes, or
/// `until` (an earlier wake-up a caller wants) comes; an empty `fds` just
/// sleeps. Polls at least once, even when the time is already up. A signal
/// (EINTR) waits again for the time left. Returns how many descriptors are
/// ready, 0 when the time ran out.
#[inline(always)]
pub(crate) fn wait_any(
    fds: &mut [libc::pollfd],
    deadline: &Deadline,
    until: Option<Instant>,
) -> io::Result<usize> {
    loop {
        let mut left = deadline.remaining();
        if let Some(until) = until {
            let cap = until.saturating_duration_since(Instant::now());
            left = Some(left.map_or(cap, |l| l.min(cap)));
        }
        match sys::poll(fds, left) {
            // Interrupted with no time left: that is the timeout (a signal
            // on every poll must not keep the call alive).
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                if left == Some(Duration::ZERO) {
                    return Ok(0);
                }
            }
            done => return done,
        }
    }
}

/// Waits until `fd` is ready for `interest`, or fails with `Timeout`;
/// returns poll's `revents` for the descriptor.
pub(crate) fn wait_events(
    fd: RawFd,
    interest: Interest,
    deadline: &Deadline,
) -> Result<libc::c_short, NetError> {
    // A zero timeout never waits. Once time is up, the poll still looks
    // once without waiting, as LuaSocket's `socket_waitfd` does.
    if deadline.is_zero() {
        return Err(NetError::Timeout);
    }
    let mut pfd = [libc::pollfd {
        fd,
        events: match interest {
            Interest::Read => libc::POLLIN,
            Interest::Write => libc::POLLOUT,
        },
        revents: 0,
    }];
    match wait_any(&mut pfd, deadline, None)? {
        0 => Err(NetError::Timeout),
        _ => Ok(pfd[0].revents),
    }
}

/// Runs `op` until it succeeds, fails for real, or the deadline passes.
/// The deadline's clock starts at the first wait (a call that succeeds at
/// once reads no clock; C LuaSocket reads it on every call); a caller that
/// reports the elapsed time starts it before calling this.
pub(crate) fn retry<T>(
    fd: RawFd,
    interest: Interest,
    deadline: &Deadline,
    mut op: impl FnMut() -> io::Result<T>,
) -> Result<T, NetError> {
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                wait_events(fd, interest, deadline)?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Whether a non-blocking connect(2) failed only because it is still under
/// way (the outcome comes later, when the descriptor turns writable).
pub(crate) fn connect_in_progress(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EINPROGRESS) | Some(libc::EAGAIN) | Some(libc::EINTR)
    )
}

/// `socket.sleep`: waits `d`, resuming after signals until the whole time
/// has passed.
pub(crate) fn sleep(d: Duration) {
    sys::sleep(d);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_waits_the_whole_time() {
        let t0 = Instant::now();
        sleep(Duration::from_millis(30));
        let took = t0.elapsed();
        assert!(took >= Duration::from_millis(30), "{took:?}");
        assert!(took < Duration::from_millis(500), "{took:?}");
    }

    #[test]
    fn an_earlier_wake_up_cuts_the_wait() {
        let t0 = Instant::now();
        let n = wait_any(
            &mut [],
            &Deadline::after(5.0),
            Some(t0 + Duration::from_millis(20)),
        )
        .unwrap();
        assert_eq!(n, 0);
        assert!(t0.elapsed() < Duration::from_secs(1));
    }
}
