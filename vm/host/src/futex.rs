//! Futex emulation. Guest threads are vCPUs on host threads, so FUTEX_WAIT
//! blocks the host thread on a condition variable and FUTEX_WAKE signals
//! it. The futex word is compared under the table lock, and a waker always
//! changes the word before calling FUTEX_WAKE, so no wake-up is lost.

use std::sync::{Condvar, Mutex};
use std::time::Instant;

struct Waiter {
    id: u64,
    addr: u64,
    bitset: u32,
    woken: bool,
}

#[derive(Default)]
struct Table {
    waiters: Vec<Waiter>,
    next_id: u64,
    shutdown: bool,
}

/// All futex waiters of one guest.
#[derive(Default)]
pub struct Futexes {
    table: Mutex<Table>,
    cond: Condvar,
}

/// Result of a wait.
#[derive(Debug, PartialEq, Eq)]
pub enum WaitResult {
    Woken,
    /// The word did not hold the expected value (EAGAIN).
    Mismatch,
    TimedOut,
    /// The guest is being torn down.
    Shutdown,
}

impl Futexes {
    /// Waits on `addr` (a guest virtual address) if `current()` equals
    /// `expected`, until woken, `deadline`, or shutdown.
    pub fn wait(
        &self,
        addr: u64,
        bitset: u32,
        deadline: Option<Instant>,
        current: impl FnOnce() -> Option<u32>,
        expected: u32,
    ) -> Result<WaitResult, ()> {
        let mut t = self.table.lock().map_err(|_| ())?;
        if t.shutdown {
            return Ok(WaitResult::Shutdown);
        }
        match current() {
            Some(v) if v == expected => {}
            Some(_) => return Ok(WaitResult::Mismatch),
            None => return Err(()),
        }
        let id = t.next_id;
        t.next_id += 1;
        t.waiters.push(Waiter {
            id,
            addr,
            bitset,
            woken: false,
        });
        loop {
            if let Some(pos) = t.waiters.iter().position(|w| w.id == id) {
                if t.waiters[pos].woken {
                    t.waiters.swap_remove(pos);
                    return Ok(WaitResult::Woken);
                }
            } else {
                return Ok(WaitResult::Woken);
            }
            if t.shutdown {
                t.waiters.retain(|w| w.id != id);
                return Ok(WaitResult::Shutdown);
            }
            match deadline {
                None => t = self.cond.wait(t).map_err(|_| ())?,
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        t.waiters.retain(|w| w.id != id);
                        return Ok(WaitResult::TimedOut);
                    }
                    t = self.cond.wait_timeout(t, d - now).map_err(|_| ())?.0;
                }
            }
        }
    }

    /// Wakes up to `n` waiters on `addr` whose bitset intersects `bitset`.
    pub fn wake(&self, addr: u64, n: u32, bitset: u32) -> u32 {
        let Ok(mut t) = self.table.lock() else {
            return 0;
        };
        let mut count = 0;
        for w in t.waiters.iter_mut() {
            if count >= n {
                break;
            }
            if w.addr == addr && !w.woken && w.bitset & bitset != 0 {
                w.woken = true;
                count += 1;
            }
        }
        if count > 0 {
            self.cond.notify_all();
        }
        count
    }

    /// Releases every waiter for good (the guest is exiting).
    pub fn shutdown(&self) {
        if let Ok(mut t) = self.table.lock() {
            t.shutdown = true;
        }
        self.cond.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn wait_and_wake() {
        let f = Arc::new(Futexes::default());
        assert_eq!(f.wait(8, !0, None, || Some(1), 0), Ok(WaitResult::Mismatch));
        let f2 = f.clone();
        let h = std::thread::spawn(move || f2.wait(8, !0, None, || Some(0), 0));
        while f.wake(8, 1, !0) == 0 {
            std::thread::yield_now();
        }
        assert_eq!(h.join().unwrap(), Ok(WaitResult::Woken));
        let d = Some(Instant::now() + Duration::from_millis(5));
        assert_eq!(f.wait(8, !0, d, || Some(0), 0), Ok(WaitResult::TimedOut));
        f.shutdown();
        assert_eq!(f.wait(8, !0, None, || Some(0), 0), Ok(WaitResult::Shutdown));
    }
}
