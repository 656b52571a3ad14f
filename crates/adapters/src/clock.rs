//! Clocks behind `ports::Clock`: the system's, and a frozen one for tests and rehearsals.
//! Depends on nothing but chrono.

use chrono::{DateTime, SubsecRound, Utc};
use clientele_ports::Clock;

/// Reads the operating system's clock, truncated to microseconds so that SQLite (which
/// would keep nanoseconds) and PostgreSQL (which keeps microseconds) return equal values.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// A clock stopped at one instant (truncated to microseconds like [`SystemClock`]), for
/// tests and rehearsals that need a known "now".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(DateTime<Utc>);

impl FixedClock {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self(now.trunc_subsecs(6))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_always_answers_its_instant_in_microseconds() {
        let at = DateTime::from_timestamp(1_795_000_000, 123_456_789).unwrap();
        let clock = FixedClock::new(at);
        assert_eq!(clock.now(), clock.now());
        assert_eq!(clock.now().timestamp_subsec_nanos(), 123_456_000);
    }

    #[test]
    fn now_has_no_sub_microsecond_part() {
        let now = SystemClock.now();
        assert_eq!(now.timestamp_subsec_nanos() % 1_000, 0);
    }
}
