//! AC-4: failed logins are counted per address and per account (the email typed, whether
//! or not it has an account) in fixed windows; past the limit, logins wait for the window
//! to end. An address the account logged in from before is not held back by the
//! account's count, so that failures from elsewhere cannot lock the client out.

use chrono::{DateTime, TimeDelta, Utc};

/// A limit of failures per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub max_failures: u32,
    pub window: TimeDelta,
}

/// Per address: generous (several people may share one), and cheap to hit.
pub const ADDRESS_THROTTLE: Throttle = Throttle {
    max_failures: 20,
    window: TimeDelta::minutes(15),
};

/// Per account (email typed).
pub const ACCOUNT_THROTTLE: Throttle = Throttle {
    max_failures: 10,
    window: TimeDelta::minutes(15),
};

/// The failures counted in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub window_start: DateTime<Utc>,
    pub count: u32,
}

impl Throttle {
    /// Until when `failures` hold back a login at `now`; `None` if they do not.
    pub fn blocked_until(
        &self,
        failures: Option<&Failures>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let failures = failures?;
        let end = failures.window_start + self.window;
        (now < end && failures.count >= self.max_failures).then_some(end)
    }

    /// The failures once one more happened at `now`.
    pub fn after_failure(&self, failures: Option<&Failures>, now: DateTime<Utc>) -> Failures {
        match failures {
            Some(f) if now < f.window_start + self.window => Failures {
                window_start: f.window_start,
                count: f.count.saturating_add(1),
            },
            _ => Failures {
                window_start: now,
                count: 1,
            },
        }
    }
}

/// Whole seconds from `now` until `until`, at least one.
pub fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let millis = u64::try_from((until - now).num_milliseconds()).unwrap_or(0);
    millis.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, minute, 0).unwrap()
    }

    #[test]
    fn ac_4_failures_past_the_limit_hold_logins_back_until_the_window_ends() {
        let throttle = Throttle {
            max_failures: 3,
            window: TimeDelta::minutes(15),
        };
        let mut failures = None;
        for minute in 0..3 {
            assert_eq!(throttle.blocked_until(failures.as_ref(), at(minute)), None);
            failures = Some(throttle.after_failure(failures.as_ref(), at(minute)));
        }
        assert_eq!(
            throttle.blocked_until(failures.as_ref(), at(3)),
            Some(at(15))
        );
        assert_eq!(throttle.blocked_until(failures.as_ref(), at(15)), None);
        let fresh = throttle.after_failure(failures.as_ref(), at(16));
        assert_eq!(
            fresh,
            Failures {
                window_start: at(16),
                count: 1
            }
        );
        assert_eq!(seconds_until(at(15), at(3)), 12 * 60);
        assert_eq!(seconds_until(at(3), at(3)), 1);
    }
}
