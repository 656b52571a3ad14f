//! The billing run's rules (ME-6 to ME-9, ME-13, ME-21): which periods are due, and what a
//! successful charge, a decline or a transient failure changes. The worker charges through
//! the processor with [`Membership::charge_key`] and reports the outcome here.

use chrono::{Days, NaiveDate};
use thiserror::Error;

use super::billing::{CatchUpLimit, DueDates, chargeable, is_expired};
use super::dunning::{
    AfterRetries, Declined, Dunning, DunningAction, DunningPolicy, RetrySchedule,
};
use super::membership_type::PaymentKind;
use super::number::ChargeKey;
use super::{AttentionReason, Membership, Status};

/// Why nothing is to be charged today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotDue {
    /// The next period starts on that day.
    NotYet(NaiveDate),
    /// Paused until that day (ME-20).
    Paused {
        until: NaiveDate,
    },
    Cancelled,
    Expired,
    /// ME-15: no active direct-debit mandate.
    NeedsMandate,
    /// ME-14: the card is of another processor.
    PaymentMethodInvalid,
    /// ME-8: a declined period is tried again on that day.
    RetryOn(NaiveDate),
    /// ME-8: the retries are used up; it waits for staff or the client.
    RetriesUsedUp,
}

/// What the billing run must do for a membership today (ME-7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    Nothing(NotDue),
    /// Charge these periods, in order, each with its own key; `skipped` older periods
    /// beyond the catch-up limit are not charged.
    Charge(DueDates),
    /// ME-8: charge the declined period again.
    Retry {
        period_start: NaiveDate,
    },
    /// ME-21: a manual payment is due or still outstanding: send a reminder, then report
    /// it with [`Membership::charge_declined`] (nothing is charged).
    Remind {
        period_start: NaiveDate,
    },
    /// ME-6: the end date has passed and nothing is left to charge: call
    /// [`Membership::expire`].
    Expire,
}

/// Why a charge's outcome is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChargeError {
    #[error("the membership is cancelled")]
    Cancelled,
    #[error("the membership has expired")]
    Expired,
    #[error("the period of {period_start} is paid (the next one starts {next_billing_date})")]
    AlreadyPaid {
        period_start: NaiveDate,
        next_billing_date: NaiveDate,
    },
    #[error("the period of {period_start} has not started (today is {today})")]
    NotStarted {
        period_start: NaiveDate,
        today: NaiveDate,
    },
    #[error("{0} is not the start of a billing period")]
    NotAPeriodStart(NaiveDate),
    #[error("the period of {period_start} starts after the end date {end_date}")]
    AfterEndDate {
        period_start: NaiveDate,
        end_date: NaiveDate,
    },
    #[error("the period of {period_start} starts while the membership is paused")]
    Paused { period_start: NaiveDate },
    #[error("the period of {outstanding} is outstanding: it is settled first")]
    NotOutstanding { outstanding: NaiveDate },
    #[error("the membership is not charged: {}", .0.as_str())]
    NotChargeable(AttentionReason),
    #[error("the date is out of range")]
    DateOutOfRange,
}

/// A successful charge (or recorded payment) of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Charged {
    pub period_start: NaiveDate,
    /// The period's last day.
    pub period_end: NaiveDate,
    pub next_billing_date: NaiveDate,
    /// It was `needs_attention/payment_failed` and is active again (ME-12).
    pub reactivated: bool,
}

/// A transient processor failure: the same period is tried again soon with the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransientFailure {
    pub period_start: NaiveDate,
    pub key: ChargeKey,
}

impl Membership {
    /// ME-7: what the billing run must do on `today`, charging at most `limit` missed
    /// periods. Cancelled, expired, paused, mandate-less and invalid-card memberships are
    /// not charged; periods starting after the end date are not charged (ME-6).
    pub fn due(&self, today: NaiveDate, limit: CatchUpLimit) -> Due {
        let ended = is_expired(self.end_date, today);
        let nothing_left = |reason| {
            if ended {
                Due::Expire
            } else {
                Due::Nothing(reason)
            }
        };
        match self.status {
            Status::Cancelled => return Due::Nothing(NotDue::Cancelled),
            Status::Expired => return Due::Nothing(NotDue::Expired),
            Status::Active | Status::NeedsAttention(_) => {}
        }
        if let Some(until) = self.paused_until.filter(|_| self.is_paused(today)) {
            return nothing_left(NotDue::Paused { until });
        }
        match self.status {
            Status::NeedsAttention(AttentionReason::NeedsMandate) => {
                return nothing_left(NotDue::NeedsMandate);
            }
            Status::NeedsAttention(AttentionReason::PaymentMethodInvalid) => {
                return nothing_left(NotDue::PaymentMethodInvalid);
            }
            Status::NeedsAttention(AttentionReason::PaymentFailed) => {
                if let Some(dunning) = self.dunning {
                    return match dunning.next_attempt_on {
                        Some(on) if on <= today => self.attempt(dunning.period_start),
                        Some(on) => Due::Nothing(NotDue::RetryOn(on)),
                        None => nothing_left(NotDue::RetriesUsedUp),
                    };
                }
            }
            Status::Active | Status::Cancelled | Status::Expired => {}
        }
        let Some(from) = self.first_unpaused_billing_date() else {
            return nothing_left(NotDue::NotYet(self.next_billing_date));
        };
        let dates = self.schedule.due_dates(from, today, self.end_date, limit);
        match dates.charge.first() {
            None => nothing_left(NotDue::NotYet(from)),
            Some(first) if self.payment_method.kind() == PaymentKind::Manual => Due::Remind {
                period_start: *first,
            },
            Some(_) => Due::Charge(dates),
        }
    }

    /// ME-7: the day the billing run must next look at it, so that [`Membership::due`]
    /// has something to do on that day: its next billing, retry or reminder day, or the
    /// day after its end date (to expire it), whichever comes first. `None` when nothing
    /// happens without staff or the client: cancelled, expired, a mandate or a valid card
    /// awaited, or the retries used up, and no end date to reach.
    pub fn next_due_on(&self) -> Option<NaiveDate> {
        if self.status.is_closed() {
            return None;
        }
        let expiry = self.end_date.and_then(|end| end.succ_opt());
        match (self.status, self.dunning) {
            (
                Status::NeedsAttention(
                    AttentionReason::NeedsMandate | AttentionReason::PaymentMethodInvalid,
                ),
                _,
            ) => expiry,
            // An outstanding period is still tried after the end date; it expires after.
            (Status::NeedsAttention(AttentionReason::PaymentFailed), Some(dunning)) => {
                dunning.next_attempt_on.or(expiry)
            }
            _ => {
                let billing = self
                    .first_unpaused_billing_date()
                    .filter(|day| chargeable(*day, self.end_date));
                match (billing, expiry) {
                    (Some(billing), Some(expiry)) => Some(billing.min(expiry)),
                    (billing, expiry) => billing.or(expiry),
                }
            }
        }
    }

    fn attempt(&self, period_start: NaiveDate) -> Due {
        if self.payment_method.kind() == PaymentKind::Manual {
            Due::Remind { period_start }
        } else {
            Due::Retry { period_start }
        }
    }

    /// The next billing date once the periods that started during a pause that is over
    /// are skipped (ME-20: billing resumes on the anchor).
    fn first_unpaused_billing_date(&self) -> Option<NaiveDate> {
        match self.paused_until {
            Some(until) => self.schedule.advance_to(self.next_billing_date, until),
            None => Some(self.next_billing_date),
        }
    }

    /// Checks that the period starting on `period_start` may be charged on `today`: an
    /// unpaid period of the series (earlier ones may have been skipped by a pause or the
    /// catch-up limit), started, not after the end date, not paused, and the outstanding
    /// one if a decline is being dunned.
    fn check_period(&self, period_start: NaiveDate, today: NaiveDate) -> Result<(), ChargeError> {
        match self.status {
            Status::Cancelled => return Err(ChargeError::Cancelled),
            Status::Expired => return Err(ChargeError::Expired),
            Status::Active | Status::NeedsAttention(_) => {}
        }
        if period_start < self.next_billing_date {
            return Err(ChargeError::AlreadyPaid {
                period_start,
                next_billing_date: self.next_billing_date,
            });
        }
        if period_start > today {
            return Err(ChargeError::NotStarted {
                period_start,
                today,
            });
        }
        if let Some(end_date) = self
            .end_date
            .filter(|_| !chargeable(period_start, self.end_date))
        {
            return Err(ChargeError::AfterEndDate {
                period_start,
                end_date,
            });
        }
        if self.paused_until.is_some_and(|until| period_start < until) {
            return Err(ChargeError::Paused { period_start });
        }
        if !self
            .schedule
            .in_series(self.next_billing_date, period_start)
        {
            return Err(ChargeError::NotAPeriodStart(period_start));
        }
        if let Some(dunning) = self.dunning.filter(|d| d.period_start != period_start) {
            return Err(ChargeError::NotOutstanding {
                outstanding: dunning.period_start,
            });
        }
        Ok(())
    }

    /// ME-7, ME-13: the period starting on `period_start` was paid (by the processor, or
    /// recorded by staff). The next billing date moves one period on from the anchor; a
    /// dunned decline is settled and a `payment_failed` membership is active again. At
    /// most one success per period (ME-9): a paid period is refused.
    pub fn charge_succeeded(
        &mut self,
        period_start: NaiveDate,
        today: NaiveDate,
    ) -> Result<Charged, ChargeError> {
        self.check_period(period_start, today)?;
        let next = self
            .schedule
            .next_after(period_start)
            .ok_or(ChargeError::DateOutOfRange)?;
        let period_end = next.pred_opt().ok_or(ChargeError::DateOutOfRange)?;
        let reactivated = self.status == Status::NeedsAttention(AttentionReason::PaymentFailed);
        if reactivated {
            self.status = Status::Active;
        }
        self.dunning = None;
        self.paused_until = None;
        self.next_billing_date = next;
        self.touch();
        Ok(Charged {
            period_start,
            period_end,
            next_billing_date: next,
            reactivated,
        })
    }

    /// ME-8, ME-21: the charge of the period starting on `period_start` was declined on
    /// `today` (for a manual payment: a reminder was sent and it is still unpaid).
    ///
    /// - Card: the business's policy — cancelled at once, or `payment_failed` and retried
    ///   on the schedule's days after the first decline, then cancelled or left.
    /// - Direct debit: without an active mandate nothing is counted and it waits for the
    ///   mandate (`needs_mandate`); with one, the policy as for a card.
    /// - Manual: reminders instead of retries, on the policy's schedule (the default one
    ///   under `CancelImmediately`: a manual payer is never cancelled on the due day).
    ///
    /// Older periods skipped by the catch-up limit are dropped: the next billing date
    /// becomes `period_start`.
    pub fn charge_declined(
        &mut self,
        period_start: NaiveDate,
        policy: &DunningPolicy,
        today: NaiveDate,
    ) -> Result<Declined, ChargeError> {
        self.check_period(period_start, today)?;
        if let Status::NeedsAttention(
            reason @ (AttentionReason::NeedsMandate | AttentionReason::PaymentMethodInvalid),
        ) = self.status
        {
            return Err(ChargeError::NotChargeable(reason));
        }
        let kind = self.payment_method.kind();
        let first = self.dunning.is_none();
        self.next_billing_date = period_start;
        self.touch();
        if !self.payment_method.mandate_active() {
            self.status = Status::NeedsAttention(AttentionReason::NeedsMandate);
            return Ok(Declined {
                action: DunningAction::AwaitMandate,
                attempts: self.dunning.map_or(0, |d| d.attempts),
                first: false,
            });
        }
        let default_schedule = RetrySchedule::default();
        let (schedule, then) = match (policy, kind) {
            (DunningPolicy::CancelImmediately, PaymentKind::Manual) => {
                (&default_schedule, AfterRetries::Cancel)
            }
            (DunningPolicy::CancelImmediately, _) => {
                return Ok(Declined {
                    action: self.cancel_for_non_payment(),
                    attempts: 1,
                    first,
                });
            }
            (DunningPolicy::Retry { schedule, then }, _) => (schedule, *then),
        };
        let mut dunning = self.dunning.unwrap_or(Dunning {
            period_start,
            first_declined_on: today,
            attempts: 0,
            next_attempt_on: None,
        });
        dunning.attempts += 1;
        let retry_after = usize::try_from(dunning.attempts - 1)
            .ok()
            .and_then(|index| schedule.days().get(index));
        let action = match (retry_after, then) {
            (Some(days), _) => {
                let scheduled = dunning
                    .first_declined_on
                    .checked_add_days(Days::new(u64::from(*days)))
                    .ok_or(ChargeError::DateOutOfRange)?;
                // A worker that ran late never retries twice on one day.
                let tomorrow = today.succ_opt().ok_or(ChargeError::DateOutOfRange)?;
                let on = scheduled.max(tomorrow);
                dunning.next_attempt_on = Some(on);
                if kind == PaymentKind::Manual {
                    DunningAction::Remind { next_on: on }
                } else {
                    DunningAction::Retry { on }
                }
            }
            (None, AfterRetries::Cancel) => {
                let attempts = dunning.attempts;
                return Ok(Declined {
                    action: self.cancel_for_non_payment(),
                    attempts,
                    first,
                });
            }
            (None, AfterRetries::LeaveNeedsAttention) => {
                dunning.next_attempt_on = None;
                DunningAction::LeaveNeedsAttention
            }
        };
        self.status = Status::NeedsAttention(AttentionReason::PaymentFailed);
        self.dunning = Some(dunning);
        Ok(Declined {
            action,
            attempts: dunning.attempts,
            first,
        })
    }

    fn cancel_for_non_payment(&mut self) -> DunningAction {
        self.status = Status::Cancelled;
        self.dunning = None;
        self.paused_until = None;
        DunningAction::Cancel {
            usable_until: self.next_billing_date,
        }
    }

    /// ME-8: a transient processor failure (timeout, 5xx) of the period's charge. It is
    /// not a decline: nothing changes, no attempt is counted, and the period is tried
    /// again soon with the same key, so it can never be charged twice (ME-9).
    pub fn transient_failure(
        &self,
        period_start: NaiveDate,
        today: NaiveDate,
    ) -> Result<TransientFailure, ChargeError> {
        self.check_period(period_start, today)?;
        Ok(TransientFailure {
            period_start,
            key: self.charge_key(period_start),
        })
    }

    /// ME-6: the membership expires once its end date has passed. Returns whether it did
    /// (not when it is over already or still running).
    pub fn expire(&mut self, today: NaiveDate) -> bool {
        if self.status.is_closed() || !is_expired(self.end_date, today) {
            return false;
        }
        self.status = Status::Expired;
        self.dunning = None;
        self.paused_until = None;
        self.touch();
        true
    }
}
