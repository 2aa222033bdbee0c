//! What time it is, as a value passed in rather than read. The services ask their `Clock`, so
//! every time-dependent rule (due dates, expiry of links and codes, reopen windows, leases) can
//! be tested at any moment without waiting or rewriting stored times.

use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time, in unix seconds (UTC).
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }
}

/// A clock that stands still until told to move: for tests.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn at(unix: i64) -> FixedClock {
        FixedClock(AtomicI64::new(unix))
    }

    pub fn set(&self, unix: i64) {
        self.0.store(unix, Ordering::SeqCst);
    }

    /// Moves the clock on by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The system's clock moved on by an offset: time flows as usual, and a test can jump ahead
/// (days, for windows and expiries) while parts still reading the wall clock stay consistent.
#[derive(Debug, Default)]
pub struct ShiftedClock(AtomicI64);

impl ShiftedClock {
    /// Moves the clock on by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> i64 {
        SystemClock.now() + self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let clock = FixedClock::at(1_000);
        assert_eq!(clock.now(), 1_000);
        clock.advance(86_400);
        assert_eq!(clock.now(), 87_400);
        clock.set(5);
        assert_eq!(clock.now(), 5);
    }

    #[test]
    fn a_shifted_clock_runs_ahead_of_the_system_clock() {
        let clock = ShiftedClock::default();
        clock.advance(8 * 86_400);
        let ahead = clock.now() - SystemClock.now();
        assert!((8 * 86_400 - 1..=8 * 86_400).contains(&ahead), "{ahead}");
    }

    #[test]
    fn the_system_clock_is_after_2026() {
        assert!(SystemClock.now() > 1_767_225_600);
    }
}
