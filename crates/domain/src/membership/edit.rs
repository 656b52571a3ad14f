//! Staff edits (ME-11): type, rate, start and end dates, next billing date (which moves
//! the anchor, ME-4). Every edit names the version it was based on (PL-11) and returns
//! each changed field's old and new value for the audit. The card is changed with
//! [`Membership::update_card`]; the subscriber's name, phone and email are the client's.

use chrono::NaiveDate;
use thiserror::Error;

use super::billing::Schedule;
use super::membership_type::{MembershipType, PaymentKind};
use super::{Membership, Rate, RateError, check_rate};
use crate::audit::FieldChange;
use crate::money::{Currency, Money};
use crate::version::Version;

/// The rate an edit sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateChoice {
    /// The type's rate.
    OfType,
    /// A rate of the membership's own.
    Individual(Money),
}

/// A staff edit; `None` leaves a field as it is, `end_date: Some(None)` removes the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MembershipEdit {
    pub rate: Option<RateChoice>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<Option<NaiveDate>>,
    pub next_billing_date: Option<NaiveDate>,
}

/// Why an edit is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EditError {
    #[error("the membership changed since version {expected} (it is at {current})")]
    Stale { expected: Version, current: Version },
    #[error("the type belongs to another business")]
    OtherBusiness,
    #[error("the type is paid by {}, the membership by {}", .required.as_str(), .given.as_str())]
    PaymentKindMismatch {
        required: PaymentKind,
        given: PaymentKind,
    },
    #[error("the rate is in {rate}, the business bills in {business}")]
    OtherCurrency { rate: Currency, business: Currency },
    #[error("the rate must be more than zero")]
    RateNotPositive,
    #[error("the end date {end} is before the start date {start}")]
    EndBeforeStart { start: NaiveDate, end: NaiveDate },
    #[error("the next billing date {date} is in the past (today is {today})")]
    NextBillingInPast { date: NaiveDate, today: NaiveDate },
}

impl Membership {
    /// ME-11: applies `edit` made on `today` to the version `expected` of the membership,
    /// whose type is now `kind` (its own, or the one staff chose; a type of another period
    /// re-anchors on the next billing date). All or nothing: every field is checked first.
    /// Returns the changed fields in a fixed order; the version goes up when any changed.
    pub fn edit(
        &mut self,
        kind: &MembershipType,
        edit: MembershipEdit,
        expected: Version,
        currency: Currency,
        today: NaiveDate,
    ) -> Result<Vec<FieldChange>, EditError> {
        if expected != self.version {
            return Err(EditError::Stale {
                expected,
                current: self.version,
            });
        }
        if kind.business_id() != self.business_id {
            return Err(EditError::OtherBusiness);
        }
        let type_changed = kind.id() != self.type_id;
        if type_changed && kind.payment() != self.payment_method.kind() {
            return Err(EditError::PaymentKindMismatch {
                required: kind.payment(),
                given: self.payment_method.kind(),
            });
        }
        let rate = match (edit.rate, self.rate) {
            (Some(RateChoice::OfType), _) => Rate::OfType(kind.rate()),
            (Some(RateChoice::Individual(money)), _) => Rate::Individual(money),
            (None, Rate::OfType(_)) if type_changed => Rate::OfType(kind.rate()),
            (None, rate) => rate,
        };
        check_rate(rate.amount(), currency).map_err(|e| match e {
            RateError::OtherCurrency { rate, business } => {
                EditError::OtherCurrency { rate, business }
            }
            RateError::NotPositive => EditError::RateNotPositive,
        })?;
        let start_date = edit.start_date.unwrap_or(self.start_date);
        let end_date = edit.end_date.unwrap_or(self.end_date);
        if let Some(end) = end_date.filter(|end| *end < start_date) {
            return Err(EditError::EndBeforeStart {
                start: start_date,
                end,
            });
        }
        let next_billing_date = edit.next_billing_date.unwrap_or(self.next_billing_date);
        if next_billing_date != self.next_billing_date && next_billing_date < today {
            return Err(EditError::NextBillingInPast {
                date: next_billing_date,
                today,
            });
        }
        let schedule = if next_billing_date != self.next_billing_date
            || kind.period() != self.schedule.period()
        {
            Schedule::anchored_at(kind.period(), next_billing_date)
        } else {
            self.schedule
        };

        let text = |date: Option<NaiveDate>| date.map(|d| d.to_string());
        let fields = [
            (
                "type",
                Some(self.type_id.to_string()),
                Some(kind.id().to_string()),
            ),
            ("rate", Some(self.rate.describe()), Some(rate.describe())),
            (
                "start_date",
                text(Some(self.start_date)),
                text(Some(start_date)),
            ),
            ("end_date", text(self.end_date), text(end_date)),
            (
                "next_billing_date",
                text(Some(self.next_billing_date)),
                text(Some(next_billing_date)),
            ),
            (
                "period",
                Some(self.schedule.period().to_string()),
                Some(schedule.period().to_string()),
            ),
            (
                "anchor",
                Some(self.schedule.anchor().to_string()),
                Some(schedule.anchor().to_string()),
            ),
        ];
        let changes: Vec<FieldChange> = fields
            .into_iter()
            .filter(|(_, old, new)| old != new)
            .map(|(field, old, new)| FieldChange {
                field: field.to_owned(),
                old,
                new,
            })
            .collect();
        if !changes.is_empty() {
            self.type_id = kind.id();
            self.rate = rate;
            self.start_date = start_date;
            self.end_date = end_date;
            self.next_billing_date = next_billing_date;
            self.schedule = schedule;
            self.touch();
        }
        Ok(changes)
    }
}
