//! Dunning (ME-8, ME-21): what happens after a declined payment — the business's policy,
//! the state of an outstanding period's attempts, and what the worker must do next.

use chrono::NaiveDate;
use thiserror::Error;

/// Why a retry schedule is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RetryScheduleError {
    #[error("a retry schedule has 1 to {max} retries")]
    Length { max: usize },
    #[error("retries are 1 to {max} days after the first decline, each later than the one before")]
    Days { max: u32 },
}

/// ME-8: the days after a period's first decline on which it is tried again, strictly
/// increasing (the default is 1, 3 and 5 days later).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RetrySchedule(Vec<u32>);

impl RetrySchedule {
    pub const MAX_RETRIES: usize = 10;
    pub const MAX_DAYS: u32 = 60;

    pub fn new(days: Vec<u32>) -> Result<Self, RetryScheduleError> {
        if days.is_empty() || days.len() > Self::MAX_RETRIES {
            return Err(RetryScheduleError::Length {
                max: Self::MAX_RETRIES,
            });
        }
        let increasing = days.windows(2).all(|pair| pair[0] < pair[1]);
        if !increasing || days.iter().any(|d| !(1..=Self::MAX_DAYS).contains(d)) {
            return Err(RetryScheduleError::Days {
                max: Self::MAX_DAYS,
            });
        }
        Ok(Self(days))
    }

    pub fn days(&self) -> &[u32] {
        &self.0
    }
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self(vec![1, 3, 5])
    }
}

/// What happens when the retries are used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AfterRetries {
    Cancel,
    /// Stays `needs_attention/payment_failed` for staff, no more retries.
    LeaveNeedsAttention,
}

/// ME-8: a business's dunning setting.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DunningPolicy {
    /// Acuity's behaviour: a decline cancels the membership at once.
    CancelImmediately,
    Retry {
        schedule: RetrySchedule,
        then: AfterRetries,
    },
}

impl Default for DunningPolicy {
    /// Retry 1, 3 and 5 days later, then cancel.
    fn default() -> Self {
        Self::Retry {
            schedule: RetrySchedule::default(),
            then: AfterRetries::Cancel,
        }
    }
}

/// The attempts at an outstanding period (ME-8). Transient failures are not attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dunning {
    /// The unpaid period.
    pub period_start: NaiveDate,
    /// The day of its first decline: retries are counted from it.
    pub first_declined_on: NaiveDate,
    /// Declines so far (the first charge included), or reminders for a manual payment.
    pub attempts: u32,
    /// When it is tried (or reminded) again; `None` when the retries are used up.
    pub next_attempt_on: Option<NaiveDate>,
}

/// What the worker must do after a decline (ME-8, ME-21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DunningAction {
    /// Card or direct debit: charge the period again on that day (same charge key).
    Retry { on: NaiveDate },
    /// Manual payment: send a reminder now, and again on that day unless it is paid.
    Remind { next_on: NaiveDate },
    /// Manual payment, reminders used up: send a last reminder; it stays needing
    /// attention.
    RemindLastTime,
    /// Direct debit without an active mandate: nothing is charged until it is (ME-15).
    AwaitMandate,
    /// The membership was cancelled; its code stays usable until that day (CO-10).
    Cancel { usable_until: NaiveDate },
    /// Retries used up: it stays `needs_attention/payment_failed` for staff.
    LeaveNeedsAttention,
}

/// The outcome of a decline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Declined {
    pub action: DunningAction,
    /// The declines (or reminders) of the period so far.
    pub attempts: u32,
    /// Whether it was the period's first: the client gets the "payment failed" email with
    /// the link to update the card (ME-8).
    pub first: bool,
}
