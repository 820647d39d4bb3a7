//! Clocks and sleeps: the host's clocks, read for the guest, and waits
//! that the guest's stop interrupts. Guest timespecs are range-checked
//! before they become Durations.

use super::{err, fault, Action, Call};
use crate::vcpu::{lock, Guest};
use std::time::Duration;

/// The highest clock id the guest may read: CLOCK_REALTIME (0) through
/// CLOCK_BOOTTIME (7), which include the CPU-time clocks; the alarm clocks
/// and CLOCK_TAI above them are EINVAL.
const MAX_READABLE_CLOCK: i32 = 7;

/// Seconds and nanoseconds on host clock `clk`, or (-1, -1) if it cannot
/// be read.
fn host_clock(clk: i32) -> (i64, i64) {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into `ts`; an invalid clock id fails.
    if unsafe { libc::clock_gettime(clk, &mut ts) } != 0 {
        return (-1, -1);
    }
    (ts.tv_sec, ts.tv_nsec)
}

fn timespec_bytes(s: i64, ns: i64) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&s.to_le_bytes());
    b[8..].copy_from_slice(&ns.to_le_bytes());
    b
}

/// clock_gettime(clock, timespec).
pub fn clock_gettime(c: &mut Call) -> Action {
    let clk = c.a[0] as i32;
    if !(0..=MAX_READABLE_CLOCK).contains(&clk) {
        return err(libc::EINVAL);
    }
    let (s, ns) = host_clock(clk);
    if s < 0 {
        return err(libc::EINVAL);
    }
    tryf!(lock(&c.g.aspace).write_user(c.a[1], &timespec_bytes(s, ns)));
    Action::Ret(0)
}

/// clock_getres(clock, timespec): one nanosecond.
pub fn clock_getres(c: &mut Call) -> Action {
    if c.a[1] != 0 {
        tryf!(lock(&c.g.aspace).write_user(c.a[1], &timespec_bytes(0, 1)));
    }
    Action::Ret(0)
}

/// gettimeofday(timeval, timezone): the timezone is left alone.
pub fn gettimeofday(c: &mut Call) -> Action {
    let (s, ns) = host_clock(libc::CLOCK_REALTIME);
    if c.a[0] != 0 {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&s.to_le_bytes());
        b[8..].copy_from_slice(&(ns / 1000).to_le_bytes());
        tryf!(lock(&c.g.aspace).write_user(c.a[0], &b));
    }
    Action::Ret(0)
}

/// time(tloc).
pub fn time(c: &mut Call) -> Action {
    let (s, _) = host_clock(libc::CLOCK_REALTIME);
    if c.a[0] != 0 {
        tryf!(lock(&c.g.aspace).write_user(c.a[0], &s.to_le_bytes()));
    }
    Action::Ret(s)
}

/// Reads a struct timespec: EFAULT if it cannot be read, EINVAL (as on
/// Linux) if its seconds are negative or its nanoseconds outside
/// 0..=999,999,999. Any valid value fits a Duration; callers add it to an
/// Instant only with checked_add (too far away means for ever).
pub(super) fn read_timespec(g: &Guest, at: u64) -> Result<Duration, Action> {
    let b = lock(&g.aspace).read_user(at, 16).map_err(fault)?;
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[..8]);
    let s = i64::from_le_bytes(x);
    x.copy_from_slice(&b[8..]);
    let ns = i64::from_le_bytes(x);
    match (u64::try_from(s), u32::try_from(ns)) {
        (Ok(s), Ok(ns)) if ns < 1_000_000_000 => Ok(Duration::new(s, ns)),
        _ => Err(err(libc::EINVAL)),
    }
}

/// The time on host clock `clk` as a Duration since its epoch (zero if
/// the clock cannot be read).
pub(super) fn clock_now(clk: i32) -> Duration {
    let (s, ns) = host_clock(clk);
    Duration::new(s.max(0) as u64, ns.clamp(0, 999_999_999) as u32)
}

/// nanosleep(request, remain): the remainder is never written, since no
/// signal interrupts the sleep.
pub fn nanosleep(c: &mut Call) -> Action {
    match read_timespec(c.g, c.a[0]) {
        Ok(d) => sleep(c.g, d),
        Err(e) => e,
    }
}

/// clock_nanosleep(clock, flags, request, remain) on the clocks a sleep
/// can be measured against (REALTIME, MONOTONIC, BOOTTIME); the others,
/// including the CPU-time clocks, are EINVAL. With TIMER_ABSTIME the
/// request is a time on that clock; a time in the past returns at once.
pub fn clock_nanosleep(c: &mut Call) -> Action {
    let (g, flags) = (c.g, c.a[1]);
    let clock = match i32::try_from(c.a[0]) {
        Ok(c @ (libc::CLOCK_REALTIME | libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME)) => c,
        _ => return err(libc::EINVAL),
    };
    let d = match read_timespec(g, c.a[2]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    if flags & libc::TIMER_ABSTIME as u64 != 0 {
        sleep(g, d.saturating_sub(clock_now(clock)))
    } else {
        sleep(g, d)
    }
}

/// Sleeps for `d`, or until the guest is stopped.
fn sleep(g: &Guest, d: Duration) -> Action {
    if g.sleep(d) {
        Action::Stopped
    } else {
        Action::Ret(0)
    }
}
