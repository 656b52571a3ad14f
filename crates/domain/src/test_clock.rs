//! PL-25: the test clock. A business founded in test mode has a "now" of its own that its
//! owner moves forward; the worker then does, day by day, what it would have done on
//! each day in between (renewals, retries, expiries, emails), so a year of billing is
//! rehearsed in seconds. A live business runs on the real clock and refuses clock moves.
//!
//! The business's "now" is never behind the real one: once real time passes the instant
//! the clock was moved to, the business simply follows the real clock again, and the
//! worker's ordinary run does its work.

use chrono::{DateTime, Days, Utc};
use thiserror::Error;

use crate::business::TimeZone;

/// Whether a business takes real money on the real clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessMode {
    Live,
    Test(TestClock),
}

/// A test business's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestClock {
    /// The instant the clock was last moved to.
    pub moved_to: DateTime<Utc>,
    /// Every day's work up to this instant is done.
    pub worked_to: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClockError {
    #[error("the business is live: its clock is the real one and cannot be moved")]
    Live,
    #[error("a clock only moves forward: the business's now is already {now}")]
    NotForward { now: DateTime<Utc> },
}

/// One day of a test business's work for the worker: everything due `at` (a local
/// midnight, or the instant the clock was moved to), after `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockStep {
    pub from: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

impl BusinessMode {
    /// A test business founded at `now`: its clock starts at the real time.
    pub fn test(now: DateTime<Utc>) -> Self {
        Self::Test(TestClock {
            moved_to: now,
            worked_to: now,
        })
    }

    pub fn is_test(&self) -> bool {
        matches!(self, Self::Test(_))
    }

    /// The business's "now" when the real clock says `real`.
    pub fn now(&self, real: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Self::Live => real,
            Self::Test(clock) => clock.moved_to.max(real),
        }
    }

    /// PL-25: moves a test business's clock forward to `to`. The days between the real
    /// time and `to` are left for the worker.
    pub fn move_clock(&mut self, to: DateTime<Utc>, real: DateTime<Utc>) -> Result<(), ClockError> {
        let now = self.now(real);
        match self {
            Self::Live => Err(ClockError::Live),
            Self::Test(_) if to <= now => Err(ClockError::NotForward { now }),
            Self::Test(clock) => {
                clock.worked_to = clock.worked_to.max(real);
                clock.moved_to = to;
                Ok(())
            }
        }
    }

    /// The next day of work the worker owes a test business when the real clock says
    /// `real`: up to the next local midnight after what is done (or up to the clock, if
    /// sooner). None when the work is done up to the clock, or when real time has caught
    /// up with it (the ordinary run works then).
    pub fn next_step(&self, zone: TimeZone, real: DateTime<Utc>) -> Option<ClockStep> {
        let Self::Test(clock) = self else {
            return None;
        };
        let from = clock.worked_to.max(real);
        if from >= clock.moved_to {
            return None;
        }
        let next_midnight = zone
            .today(from)
            .checked_add_days(Days::new(1))
            .map(|day| zone.start_of(day))?;
        Some(ClockStep {
            from: clock.worked_to,
            at: next_midnight.min(clock.moved_to),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn pl_25_a_live_business_refuses_to_move_its_clock() {
        let mut live = BusinessMode::Live;
        assert_eq!(
            live.move_clock(at(2027, 3, 1, 0), at(2027, 1, 1, 0)),
            Err(ClockError::Live)
        );
        assert_eq!(live.now(at(2027, 1, 1, 0)), at(2027, 1, 1, 0));
        assert_eq!(live.next_step(TimeZone::utc(), at(2027, 1, 1, 0)), None);
    }

    #[test]
    fn pl_25_a_test_clock_moves_forward_only() {
        let real = at(2027, 1, 1, 10);
        let mut mode = BusinessMode::test(real);
        assert_eq!(mode.now(real), real);
        mode.move_clock(at(2027, 3, 1, 6), real).unwrap();
        assert_eq!(mode.now(real), at(2027, 3, 1, 6));
        assert_eq!(
            mode.move_clock(at(2027, 2, 1, 0), real),
            Err(ClockError::NotForward {
                now: at(2027, 3, 1, 6)
            })
        );
        assert!(mode.move_clock(at(2027, 3, 1, 6), real).is_err());
        // Real time passing the clock: the business follows the real clock again.
        assert_eq!(mode.now(at(2027, 4, 1, 0)), at(2027, 4, 1, 0));
    }

    #[test]
    fn pl_25_the_worker_walks_every_local_midnight_up_to_the_clock() {
        let real = at(2027, 1, 1, 10);
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        let mut mode = BusinessMode::test(real);
        mode.move_clock(at(2027, 1, 4, 12), real).unwrap();
        let mut steps = Vec::new();
        while let Some(step) = mode.next_step(paris, real) {
            steps.push(step.at);
            if let BusinessMode::Test(clock) = &mut mode {
                clock.worked_to = step.at;
            }
        }
        // Paris is UTC+1 in January: its midnights are at 23:00 UTC the day before.
        assert_eq!(
            steps,
            vec![
                at(2027, 1, 1, 23),
                at(2027, 1, 2, 23),
                at(2027, 1, 3, 23),
                at(2027, 1, 4, 12)
            ]
        );
    }

    #[test]
    fn pl_25_days_real_time_has_passed_are_left_to_the_ordinary_run() {
        let mut mode = BusinessMode::test(at(2027, 1, 1, 10));
        mode.move_clock(at(2027, 1, 10, 0), at(2027, 1, 1, 10))
            .unwrap();
        let step = mode.next_step(TimeZone::utc(), at(2027, 1, 5, 3)).unwrap();
        assert_eq!(step.at, at(2027, 1, 6, 0));
        assert_eq!(step.from, at(2027, 1, 1, 10));
        assert_eq!(mode.next_step(TimeZone::utc(), at(2027, 1, 10, 0)), None);
    }
}
