//! Timeouts and time: `settimeout`'s block and total limits, `gettime`,
//! `sleep`.
//!
//! Replaces LuaSocket's `timeout.c`. Both limits are measured from the start
//! of each call, as LuaSocket really behaves, and when both are set the
//! smaller one applies. Deadlines use the monotonic clock (LuaSocket uses the
//! wall clock, so a clock step could stretch or cut a wait); `gettime` stays
//! wall-clock seconds since the epoch.

use std::cell::Cell;
use std::time::Duration;

use crate::sys;

/// Waits longer than this are treated as "no limit" (and cannot overflow).
const FOREVER_SECS: f64 = 1.0e9;

/// The limits set by `settimeout`; negative means unset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Timeout {
    pub block: f64,
    pub total: f64,
}

impl Default for Timeout {
    fn default() -> Self {
        Timeout {
            block: -1.0,
            total: -1.0,
        }
    }
}

/// Which limit `settimeout` sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Block,
    Total,
}

impl Mode {
    /// `"b"` for block, `"t"` or `"r"` for total; LuaSocket looks only at
    /// the first letter.
    pub(crate) fn parse(s: &[u8]) -> Option<Mode> {
        match s.first() {
            Some(b'b') => Some(Mode::Block),
            Some(b't') | Some(b'r') => Some(Mode::Total),
            _ => None,
        }
    }
}

impl Timeout {
    pub(crate) fn set(&mut self, value: f64, mode: Mode) {
        match mode {
            Mode::Block => self.block = value,
            Mode::Total => self.total = value,
        }
    }

    /// The deadline of one call. The clock is read only once the call
    /// makes a system call (see [`Deadline`]).
    pub(crate) fn start(&self) -> Deadline {
        let limit = [self.block, self.total]
            .into_iter()
            .filter(|v| *v >= 0.0)
            .fold(f64::INFINITY, f64::min);
        Deadline {
            limit,
            start: Cell::new(f64::NAN),
        }
    }
}

/// The deadline of one call, in monotonic seconds (plain floats: cheaper
/// than `Instant` arithmetic on every call). Its clock starts at the call's
/// first wait, or earlier for the calls that report their elapsed time
/// (stream send and receive start it just before their first system call):
/// a call that never waits reads no clock but for its elapsed time, and one
/// served from the buffer reads none at all and reports 0.
#[derive(Clone, Debug)]
pub(crate) struct Deadline {
    limit: f64,
    start: Cell<f64>,
}

impl Deadline {
    /// A deadline `secs` from now (negative: none).
    pub(crate) fn after(secs: f64) -> Deadline {
        let d = Timeout {
            block: secs,
            total: -1.0,
        }
        .start();
        d.started();
        d
    }

    /// Starts the clock if it has not started: called before the first
    /// system call by calls that report their elapsed time, so that it
    /// counts every call into the kernel.
    pub(crate) fn start_clock(&self) {
        self.started();
    }

    /// When the clock started, starting it now if it has not.
    fn started(&self) -> f64 {
        let s = self.start.get();
        if !s.is_nan() {
            return s;
        }
        let now = sys::clock(true);
        self.start.set(now);
        now
    }

    /// A zero timeout: try once, never wait.
    pub(crate) fn is_zero(&self) -> bool {
        self.limit == 0.0
    }

    /// Time left, `None` for no limit; zero once passed. Starts the clock
    /// if it has not started (even without a limit, for the elapsed time):
    /// then the whole limit is left, and one clock read does for both.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        let start = self.start.get();
        let left = if start.is_nan() {
            self.start.set(sys::clock(true));
            self.limit
        } else {
            start + self.limit - sys::clock(true)
        };
        if self.limit >= FOREVER_SECS {
            return None;
        }
        Some(Duration::from_secs_f64(left.max(0.0)))
    }

    /// Seconds since the clock started (the `_DEBUG` trailing value).
    pub(crate) fn elapsed(&self) -> f64 {
        let s = self.start.get();
        if s.is_nan() {
            0.0
        } else {
            sys::clock(true) - s
        }
    }
}

/// Seconds since the Unix epoch, with nanosecond resolution.
pub(crate) fn gettime() -> f64 {
    sys::clock(false)
}

/// Seconds on the monotonic clock (`socket.monotime`): only differences
/// mean anything; a step of the wall clock does not move it.
pub(crate) fn monotime() -> f64 {
    sys::clock(true)
}

/// Converts `socket.sleep`'s argument: `None` when there is nothing to wait.
pub(crate) fn sleep_duration(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs <= 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(secs.min(FOREVER_SECS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_means_no_deadline() {
        let d = Timeout::default().start();
        assert!(d.remaining().is_none());
        assert!(!d.is_zero());
    }

    #[test]
    fn smaller_limit_wins() {
        let t = Timeout {
            block: 5.0,
            total: 0.5,
        };
        let left = t.start().remaining().unwrap();
        assert!(left <= Duration::from_millis(500) && left > Duration::from_millis(400));
        let t = Timeout {
            block: 0.25,
            total: 10.0,
        };
        assert!(t.start().remaining().unwrap() <= Duration::from_millis(250));
    }

    #[test]
    fn zero_is_nonblocking() {
        let t = Timeout {
            block: 0.0,
            total: -1.0,
        };
        assert!(t.start().is_zero());
        assert_eq!(t.start().remaining(), Some(Duration::ZERO));
    }

    #[test]
    fn huge_and_nan_limits_do_not_overflow() {
        assert!(Timeout {
            block: 1e300,
            total: -1.0
        }
        .start()
        .remaining()
        .is_none());
        assert!(Timeout {
            block: f64::NAN,
            total: -1.0
        }
        .start()
        .remaining()
        .is_none());
        assert!(Timeout {
            block: f64::INFINITY,
            total: -1.0
        }
        .start()
        .remaining()
        .is_none());
    }

    #[test]
    fn modes() {
        assert_eq!(Mode::parse(b"b"), Some(Mode::Block));
        assert_eq!(Mode::parse(b"t"), Some(Mode::Total));
        assert_eq!(Mode::parse(b"r"), Some(Mode::Total));
        assert_eq!(Mode::parse(b"x"), None);
        assert_eq!(Mode::parse(b""), None);
    }

    #[test]
    fn monotime_never_goes_back_and_follows_a_sleep() {
        let mut last = monotime();
        for _ in 0..1000 {
            let now = monotime();
            assert!(now >= last);
            last = now;
        }
        let t0 = monotime();
        std::thread::sleep(Duration::from_millis(50));
        let slept = monotime() - t0;
        assert!((0.049..1.0).contains(&slept), "{slept}");
    }

    #[test]
    fn sleep_argument() {
        assert_eq!(sleep_duration(-1.0), None);
        assert_eq!(sleep_duration(0.0), None);
        assert_eq!(sleep_duration(f64::NAN), None);
        assert_eq!(sleep_duration(0.5), Some(Duration::from_millis(500)));
    }
}
