//! Dunning (ME-8, ME-21): what happens after a declined payment — the business's policy,
//! the state of an outstanding period's attempts, and what the worker must do next.

use chrono::NaiveDate;
use thiserror::Error;

use crate::validation::FieldError;

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

impl AfterRetries {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cancel => "cancel",
            Self::LeaveNeedsAttention => "leave_needs_attention",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "cancel" => Some(Self::Cancel),
            "leave_needs_attention" => Some(Self::LeaveNeedsAttention),
            _ => None,
        }
    }
}

/// A dunning setting as an API consumer sends it, before parsing (the `dunning` field).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DunningInput {
    /// `cancel_immediately` or `retry`.
    pub policy: String,
    /// For `retry`: the days after the first decline (default 1, 3, 5).
    pub retry_days: Option<Vec<u32>>,
    /// For `retry`: `cancel` (default) or `leave_needs_attention`.
    pub after_retries: Option<String>,
}

impl DunningPolicy {
    /// The policy of `input`; what is wrong with it is a `dunning` field error.
    pub fn parse(input: &DunningInput) -> Result<Self, FieldError> {
        let invalid = |message: String| FieldError::new("dunning", message);
        match input.policy.trim() {
            "cancel_immediately" => {
                if input.retry_days.is_some() || input.after_retries.is_some() {
                    return Err(invalid(
                        "cancel_immediately takes no retry_days nor after_retries".into(),
                    ));
                }
                Ok(Self::CancelImmediately)
            }
            "retry" => {
                let schedule = match &input.retry_days {
                    Some(days) => {
                        RetrySchedule::new(days.clone()).map_err(|e| invalid(e.to_string()))?
                    }
                    None => RetrySchedule::default(),
                };
                let then = match input.after_retries.as_deref() {
                    Some(raw) => AfterRetries::parse(raw.trim()).ok_or_else(|| {
                        invalid("after_retries is cancel or leave_needs_attention".into())
                    })?,
                    None => AfterRetries::Cancel,
                };
                Ok(Self::Retry { schedule, then })
            }
            _ => Err(invalid("the policy is cancel_immediately or retry".into())),
        }
    }

    /// As stored: `cancel_immediately`, or `retry 1,3,5 cancel`.
    pub fn to_setting(&self) -> String {
        match self {
            Self::CancelImmediately => "cancel_immediately".to_owned(),
            Self::Retry { schedule, then } => {
                let days: Vec<String> = schedule.days().iter().map(u32::to_string).collect();
                format!("retry {} {}", days.join(","), then.as_str())
            }
        }
    }

    /// Reads [`DunningPolicy::to_setting`] back.
    pub fn from_setting(raw: &str) -> Option<Self> {
        if raw == "cancel_immediately" {
            return Some(Self::CancelImmediately);
        }
        let mut words = raw.strip_prefix("retry ")?.split(' ');
        let days = words
            .next()?
            .split(',')
            .map(|d| d.parse().ok())
            .collect::<Option<Vec<u32>>>()?;
        let then = AfterRetries::parse(words.next()?)?;
        if words.next().is_some() {
            return None;
        }
        Some(Self::Retry {
            schedule: RetrySchedule::new(days).ok()?,
            then,
        })
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
