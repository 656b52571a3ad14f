//! PL-24: when a failed delivery is tried again. The delay doubles from 30 seconds up to
//! 8 hours, each drawn with "full jitter" within its upper half (so that endpoints back
//! from an outage are not hit by every retry at once), until about three days have passed
//! since the first attempt; then the delivery has failed.

use chrono::Duration;

/// How long a delivery may take before it counts as failed.
pub const DELIVERY_TIMEOUT_SECONDS: u64 = 10;

/// After this long since the first attempt, no further attempt is made.
pub const GIVE_UP_AFTER: Duration = Duration::days(3);

const FIRST_DELAY_SECONDS: i64 = 30;
const LONGEST_DELAY_SECONDS: i64 = 8 * 60 * 60;

/// The delay before attempt `attempts + 1`, after `attempts` failed ones (the first of
/// them `elapsed` ago), with `jitter` in `[0, 1)` from the caller's randomness; `None`
/// when the delivery is to be given up.
pub fn next_attempt(attempts: u32, elapsed: Duration, jitter: f64) -> Option<Duration> {
    if attempts == 0 {
        return Some(Duration::zero());
    }
    let doubling = 1_i64 << (attempts - 1).min(20);
    let ceiling = FIRST_DELAY_SECONDS
        .saturating_mul(doubling)
        .min(LONGEST_DELAY_SECONDS);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // Within [ceiling / 2, ceiling].
    let delay =
        Duration::milliseconds(((ceiling as f64 * 1000.0) * (0.5 + jitter / 2.0)).round() as i64);
    (elapsed + delay <= GIVE_UP_AFTER).then_some(delay)
}
