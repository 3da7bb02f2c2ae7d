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
    op: impl FnMut() -> io::Result<T>,
) -> Result<T, NetError> {
    retry_noting(fd, interest, deadline, || {}, op)
}

/// [`retry`], calling `blocked` whenever `op` would block.
#[inline(always)]
fn retry_noting<T>(
    fd: RawFd,
    interest: Interest,
    deadline: &Deadline,
    mut blocked: impl FnMut(),
    mut op: impl FnMut() -> io::Result<T>,
) -> Result<T, NetError> {
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                blocked();
                wait_events(fd, interest, deadline)?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// How many reads of a socket wait for readiness before trying, once one
/// read found nothing there (see [`retry_read`]).
pub(crate) const WAIT_FIRST: u8 = 8;

/// [`retry`] for reads, remembering in `waits` whether this socket's reads
/// lately had to wait. In request/response traffic (an answer awaited after
/// each send: UDP and TCP round trips, HTTP) the first `recv` nearly always
/// finds nothing and the call goes recv, poll, recv; C LuaSocket makes those
/// three system calls. After a read that found nothing, the next
/// `WAIT_FIRST` reads poll first and make two; then one read tries first
/// again, so a socket whose data is now always there (a busy server, a
/// backlog) is back to one `recv` per read within `WAIT_FIRST` reads. The
/// result is the same either way: poll reports what recv would find, and a
/// zero timeout never waits.
pub(crate) fn retry_read<T>(
    fd: RawFd,
    deadline: &Deadline,
    waits: &mut u8,
    op: impl FnMut() -> io::Result<T>,
) -> Result<T, NetError> {
    if *waits > 0 && !deadline.is_zero() {
        *waits -= 1;
        wait_events(fd, Interest::Read, deadline)?;
    }
    retry_noting(fd, Interest::Read, deadline, || *waits = WAIT_FIRST, op)
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

    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    /// One `retry_read` of `a` within `secs`: what it read (or the error)
    /// and how many times it tried the read.
    fn read_once(a: &UnixStream, secs: f64, waits: &mut u8) -> (Result<Vec<u8>, String>, usize) {
        let mut tries = 0;
        let got = retry_read(a.as_raw_fd(), &Deadline::after(secs), waits, || {
            tries += 1;
            let mut buf = [0u8; 64];
            (&*a).read(&mut buf).map(|n| buf[..n].to_vec())
        });
        (got.map_err(|e| e.to_string()), tries)
    }

    /// Writes `data` to `b` after `ms` milliseconds, from another thread.
    fn write_later(b: &UnixStream, ms: u64, data: &'static [u8]) -> std::thread::JoinHandle<()> {
        let mut b = b.try_clone().unwrap();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms));
            b.write_all(data).unwrap();
        })
    }

    #[test]
    fn reads_that_had_to_wait_poll_first_then_try_first_again() {
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let mut waits = 0;
        // Nothing there yet: try, wait, try (as C LuaSocket does).
        let t = write_later(&b, 20, b"one");
        assert_eq!(read_once(&a, 5.0, &mut waits), (Ok(b"one".to_vec()), 2));
        t.join().unwrap();
        assert_eq!(waits, WAIT_FIRST);
        // Now the reads wait first: one try each, whether the data comes
        // later or is already there.
        let t = write_later(&b, 20, b"two");
        assert_eq!(read_once(&a, 5.0, &mut waits), (Ok(b"two".to_vec()), 1));
        t.join().unwrap();
        for _ in 1..WAIT_FIRST {
            b.write_all(b"x").unwrap();
            assert_eq!(read_once(&a, 5.0, &mut waits), (Ok(b"x".to_vec()), 1));
        }
        // After WAIT_FIRST of them, a read tries first; data already there
        // keeps it that way.
        assert_eq!(waits, 0);
        b.write_all(b"y").unwrap();
        assert_eq!(read_once(&a, 5.0, &mut waits), (Ok(b"y".to_vec()), 1));
        assert_eq!(waits, 0);
    }

    #[test]
    fn a_read_waiting_first_keeps_the_timeout_and_the_end_of_stream() {
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // Runs out of time in the first poll, never trying the read.
        let mut waits = WAIT_FIRST;
        let t0 = Instant::now();
        assert_eq!(read_once(&a, 0.05, &mut waits), (Err("timeout".into()), 0));
        assert!(
            t0.elapsed() >= Duration::from_millis(45),
            "{:?}",
            t0.elapsed()
        );
        // A zero timeout never waits: one try, then the timeout.
        let mut waits = WAIT_FIRST;
        assert_eq!(read_once(&a, 0.0, &mut waits), (Err("timeout".into()), 1));
        // The peer's close wakes the poll; the read then sees the end.
        let mut waits = WAIT_FIRST;
        let closer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            drop(b);
        });
        assert_eq!(read_once(&a, 5.0, &mut waits), (Ok(Vec::new()), 1));
        closer.join().unwrap();
    }
}
