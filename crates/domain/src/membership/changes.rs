//! Changes by staff, clients and settings (ME-10, ME-12, ME-14, ME-15, ME-20): cancel and
//! reactivate, pause and resume, a new card, a processor switch, mandates.

use chrono::NaiveDate;
use thiserror::Error;

use super::billing::Schedule;
use super::payment_method::{
    Mandate, MandateStatus, PaymentMethod, PaymentMethodError, StoredCard,
};
use super::{AttentionReason, Membership, Status};
use crate::audit::FieldChange;
use crate::payment::ProcessorKind;

/// Why a change is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChangeError {
    #[error("the membership is cancelled")]
    Cancelled,
    #[error("the membership has expired")]
    Expired,
    #[error("only a cancelled membership is reactivated")]
    NotCancelled,
    #[error("the membership ended on {end_date}")]
    Ended { end_date: NaiveDate },
    #[error("a valid payment method is needed")]
    NoValidPaymentMethod,
    #[error("{date} is in the past (today is {today})")]
    DateInPast { date: NaiveDate, today: NaiveDate },
    #[error("the paid period runs until {until}: the next billing date stays")]
    PeriodStillPaid { until: NaiveDate },
    #[error("a pause lasts at least one period")]
    NoPeriods,
    #[error("a declined payment is outstanding: settle it before pausing")]
    PaymentOutstanding,
    #[error("the membership is not paused")]
    NotPaused,
    #[error("the membership is not paid by card")]
    NotCard,
    #[error("the membership is not paid by direct debit")]
    NotDirectDebit,
    #[error("that is not the membership's mandate")]
    UnknownMandate,
    #[error("the card is stored with {}, the active processor is {}", .card.as_str(), .active.as_str())]
    CardOfOtherProcessor {
        card: ProcessorKind,
        active: ProcessorKind,
    },
    #[error(transparent)]
    PaymentMethod(#[from] PaymentMethodError),
    #[error("the date is out of range")]
    DateOutOfRange,
}

/// ME-10: a cancellation. The code's balance stays usable until `usable_until`, what would
/// have been the next renewal date (CO-10: its last day is the day before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cancellation {
    pub usable_until: NaiveDate,
}

/// ME-10: a reactivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reactivated {
    pub next_billing_date: NaiveDate,
    /// `active`, or `needs_attention/needs_mandate` for a direct debit without an active
    /// mandate.
    pub status: Status,
}

/// ME-20: how long a pause lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pause {
    /// Until that day: it is billed again from the first anchor day on or after it.
    Until(NaiveDate),
    /// That many billing periods, from the next billing date on or after today.
    Periods(u32),
}

/// ME-20: a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Paused {
    /// The first day it is no longer paused.
    pub until: NaiveDate,
    /// The first billing date after the pause, on the anchor.
    pub resumes_on: NaiveDate,
}

/// ME-20: a resumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resumed {
    pub next_billing_date: NaiveDate,
}

/// ME-11, ME-12: a new card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardUpdated {
    /// For the audit: the card before and after ("visa •••• 4242").
    pub change: FieldChange,
    /// ME-12: after a failed payment, the outstanding period to charge at once.
    pub retry_now: Option<NaiveDate>,
}

impl Membership {
    fn ensure_open(&self) -> Result<(), ChangeError> {
        match self.status {
            Status::Cancelled => Err(ChangeError::Cancelled),
            Status::Expired => Err(ChangeError::Expired),
            Status::Active | Status::NeedsAttention(_) => Ok(()),
        }
    }

    /// The status a running membership has when nothing is wrong: `active`, or
    /// `needs_mandate` for a direct debit without an active mandate (ME-15).
    fn running_status(&self) -> Status {
        if self.payment_method.mandate_active() {
            Status::Active
        } else {
            Status::NeedsAttention(AttentionReason::NeedsMandate)
        }
    }

    /// ME-10: cancels on `today`: no further charges. Returns until when the current
    /// period's balance stays usable: the next billing date.
    pub fn cancel(&mut self, today: NaiveDate) -> Result<Cancellation, ChangeError> {
        self.ensure_open()?;
        self.status = Status::Cancelled;
        self.cancelled_on = Some(today);
        self.dunning = None;
        self.paused_until = None;
        self.touch();
        Ok(Cancellation {
            usable_until: self.next_billing_date,
        })
    }

    /// ME-10: back to active. A valid payment method is required. If the paid period has
    /// lapsed, the next billing date becomes `chosen` (staff's date) or `today`, and the
    /// anchor moves with it (ME-4); while it still runs the next billing date stays, and
    /// a chosen date is refused.
    pub fn reactivate(
        &mut self,
        today: NaiveDate,
        chosen: Option<NaiveDate>,
        has_valid_payment_method: bool,
    ) -> Result<Reactivated, ChangeError> {
        match self.status {
            Status::Cancelled => {}
            Status::Expired | Status::Active | Status::NeedsAttention(_) => {
                return Err(ChangeError::NotCancelled);
            }
        }
        if let Some(end_date) = self.end_date.filter(|end| *end < today) {
            return Err(ChangeError::Ended { end_date });
        }
        if !has_valid_payment_method {
            return Err(ChangeError::NoValidPaymentMethod);
        }
        let lapsed = self.next_billing_date <= today;
        match (lapsed, chosen) {
            (false, Some(_)) => {
                return Err(ChangeError::PeriodStillPaid {
                    until: self.next_billing_date,
                });
            }
            (false, None) => {}
            (true, chosen) => {
                let date = chosen.unwrap_or(today);
                if date < today {
                    return Err(ChangeError::DateInPast { date, today });
                }
                if date != self.next_billing_date {
                    self.schedule = Schedule::anchored_at(self.schedule.period(), date);
                    self.next_billing_date = date;
                }
            }
        }
        self.status = self.running_status();
        self.cancelled_on = None;
        self.touch();
        Ok(Reactivated {
            next_billing_date: self.next_billing_date,
            status: self.status,
        })
    }

    /// ME-20: pauses from `today`: nothing is charged or granted until the pause is over,
    /// and billing then resumes on the anchor. A cancelled or expired membership is not
    /// paused, nor one whose declined payment is outstanding. A new pause replaces one in
    /// progress.
    pub fn pause(&mut self, pause: Pause, today: NaiveDate) -> Result<Paused, ChangeError> {
        self.ensure_open()?;
        if self.status == Status::NeedsAttention(AttentionReason::PaymentFailed) {
            return Err(ChangeError::PaymentOutstanding);
        }
        let until = match pause {
            Pause::Until(date) if date <= today => {
                return Err(ChangeError::DateInPast { date, today });
            }
            Pause::Until(date) => date,
            Pause::Periods(0) => return Err(ChangeError::NoPeriods),
            Pause::Periods(periods) => {
                let mut date = self
                    .schedule
                    .advance_to(self.next_billing_date, today)
                    .ok_or(ChangeError::DateOutOfRange)?;
                for _ in 0..periods {
                    date = self
                        .schedule
                        .next_after(date)
                        .ok_or(ChangeError::DateOutOfRange)?;
                }
                date
            }
        };
        let resumes_on = self
            .schedule
            .advance_to(self.next_billing_date, until)
            .ok_or(ChangeError::DateOutOfRange)?;
        self.paused_until = Some(until);
        self.touch();
        Ok(Paused { until, resumes_on })
    }

    /// ME-20: ends a pause on `today`: the next billing date is the first anchor day on
    /// or after today (the paused periods are not charged).
    pub fn resume(&mut self, today: NaiveDate) -> Result<Resumed, ChangeError> {
        self.ensure_open()?;
        if !self.is_paused(today) {
            return Err(ChangeError::NotPaused);
        }
        self.next_billing_date = self
            .schedule
            .advance_to(self.next_billing_date, today)
            .ok_or(ChangeError::DateOutOfRange)?;
        self.paused_until = None;
        self.touch();
        Ok(Resumed {
            next_billing_date: self.next_billing_date,
        })
    }

    /// ME-14: the business made `active` its payment processor. A running membership
    /// whose card another processor stored moves to `needs_attention/
    /// payment_method_invalid` (its automatic payments stop until a card is entered
    /// again). Returns whether it was affected.
    pub fn switch_processor(&mut self, active: ProcessorKind) -> bool {
        let PaymentMethod::Card(card) = &self.payment_method else {
            return false;
        };
        let affected = card.processor() != active
            && matches!(
                self.status,
                Status::Active | Status::NeedsAttention(AttentionReason::PaymentFailed)
            );
        if affected {
            self.status = Status::NeedsAttention(AttentionReason::PaymentMethodInvalid);
            self.touch();
        }
        affected
    }

    /// ME-11, ME-12: staff or the client enter a new card, stored by the `active`
    /// processor. An invalid card's membership runs again; after a failed payment the
    /// outstanding period is to be charged at once (it becomes active when that
    /// succeeds).
    pub fn update_card(
        &mut self,
        card: StoredCard,
        active: ProcessorKind,
        today: NaiveDate,
    ) -> Result<CardUpdated, ChangeError> {
        let PaymentMethod::Card(old) = &self.payment_method else {
            return Err(ChangeError::NotCard);
        };
        if card.processor() != active {
            return Err(ChangeError::CardOfOtherProcessor {
                card: card.processor(),
                active,
            });
        }
        let old = PaymentMethod::Card(old.clone()).describe();
        self.payment_method = PaymentMethod::Card(card);
        if self.status == Status::NeedsAttention(AttentionReason::PaymentMethodInvalid) {
            self.status = if self.dunning.is_some() {
                Status::NeedsAttention(AttentionReason::PaymentFailed)
            } else {
                Status::Active
            };
        }
        let mut retry_now = None;
        if self.status == Status::NeedsAttention(AttentionReason::PaymentFailed)
            && let Some(dunning) = self.dunning.as_mut()
        {
            dunning.next_attempt_on = Some(today);
            retry_now = Some(dunning.period_start);
        }
        self.touch();
        Ok(CardUpdated {
            change: FieldChange {
                field: "card".into(),
                old: Some(old),
                new: Some(self.payment_method.describe()),
            },
            retry_now,
        })
    }

    /// ME-15: a mandate was requested from the direct-debit processor under `reference`:
    /// until it is active the membership needs a mandate and is not charged. Refused for
    /// a membership paid otherwise (a card-type membership has no mandate).
    pub fn request_mandate(&mut self, reference: &str) -> Result<Status, ChangeError> {
        if !matches!(self.payment_method, PaymentMethod::DirectDebit(_)) {
            return Err(ChangeError::NotDirectDebit);
        }
        let mandate = Mandate::new(reference, MandateStatus::Pending)?;
        self.payment_method = PaymentMethod::DirectDebit(Some(mandate));
        if !self.status.is_closed() {
            self.status = Status::NeedsAttention(AttentionReason::NeedsMandate);
        }
        self.touch();
        Ok(self.status)
    }

    /// ME-15: the direct-debit processor reports the mandate `reference` is now `status`.
    /// An active mandate makes a running membership chargeable again (back to
    /// `payment_failed` if a decline is outstanding); any other leaves it needing one.
    pub fn mandate_changed(
        &mut self,
        reference: &str,
        status: MandateStatus,
    ) -> Result<Status, ChangeError> {
        let PaymentMethod::DirectDebit(Some(mandate)) = &mut self.payment_method else {
            return Err(ChangeError::NotDirectDebit);
        };
        if mandate.reference() != reference.trim() {
            return Err(ChangeError::UnknownMandate);
        }
        mandate.set_status(status);
        if !self.status.is_closed() {
            self.status = match (status, self.dunning) {
                (MandateStatus::Active, Some(_)) => {
                    Status::NeedsAttention(AttentionReason::PaymentFailed)
                }
                (MandateStatus::Active, None) => Status::Active,
                _ => Status::NeedsAttention(AttentionReason::NeedsMandate),
            };
        }
        self.touch();
        Ok(self.status)
    }
}
