//! Memberships (ME-1 to ME-21): a client's recurring agreement, billed each period on its
//! anchor day. This module holds the rules only — which periods are due, what a charge or
//! a decline changes, what staff may edit — as methods that return what changed; the
//! billing worker, the processors and storage act on what they return.
//!
//! Pure like the rest of the crate: every date is a calendar day in the business's time
//! zone passed in by the caller (`today`), never read from a clock.

mod audit;
mod billing;
mod changes;
mod charges;
mod credit;
mod dunning;
mod edit;
mod emails;
mod membership_type;
mod number;
mod payment_method;
mod prorata;

#[cfg(test)]
mod billing_tests;
#[cfg(test)]
mod change_tests;
#[cfg(test)]
mod dunning_tests;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use thiserror::Error;

use crate::ids::{BusinessId, ClientId, MembershipId, MembershipTypeId, OrderId};
use crate::money::{Currency, Money};
use crate::version::Version;

pub use audit::{ChangedBy, MembershipAudit};
pub use billing::{
    Anchor, AnchorError, CatchUpLimit, CatchUpLimitError, DayOfMonth, DayOfYear, DueDates, Period,
    PeriodError, PeriodUnit, Schedule, chargeable, days_in_month, is_expired,
};
pub use changes::{Cancellation, CardUpdated, ChangeError, Pause, Paused, Reactivated, Resumed};
pub use charges::{ChargeError, Charged, Due, NotDue, TransientFailure};
pub use credit::{Credit, CreditError, CreditOrigin, CreditParts, CreditStatus};
pub use dunning::{
    AfterRetries, Declined, Dunning, DunningAction, DunningInput, DunningPolicy, RetrySchedule,
    RetryScheduleError,
};
pub use edit::{EditError, MembershipEdit, RateChoice};
pub use emails::BillingEmail;
pub use membership_type::{
    Alignment, AppointmentGrant, Grants, MembershipType, MembershipTypeDetails,
    MembershipTypeError, MembershipTypeInput, MembershipTypeName, PaymentKind,
};
pub use number::{ChargeKey, MembershipNumber, NumberError};
pub use payment_method::{Mandate, MandateStatus, PaymentMethod, PaymentMethodError, StoredCard};
pub use prorata::{ProRata, first_period, prorate};

/// Why a membership needs staff or the client to act (ME-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttentionReason {
    /// A charge was declined (ME-8).
    PaymentFailed,
    /// Its direct-debit mandate is not active (ME-15): it is not charged.
    NeedsMandate,
    /// Its card cannot be charged by the active processor (ME-14): it is not charged.
    PaymentMethodInvalid,
}

impl AttentionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentFailed => "payment_failed",
            Self::NeedsMandate => "needs_mandate",
            Self::PaymentMethodInvalid => "payment_method_invalid",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "payment_failed" => Some(Self::PaymentFailed),
            "needs_mandate" => Some(Self::NeedsMandate),
            "payment_method_invalid" => Some(Self::PaymentMethodInvalid),
            _ => None,
        }
    }
}

/// Where a membership stands (ME-3). A pause (ME-20) is not a status: an active membership
/// may be paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Active,
    Cancelled,
    /// Its end date has passed (ME-6).
    Expired,
    NeedsAttention(AttentionReason),
}

impl Status {
    /// `active`, `cancelled`, `expired` or `needs_attention` (the reason apart).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::NeedsAttention(_) => "needs_attention",
        }
    }

    pub fn reason(self) -> Option<AttentionReason> {
        match self {
            Self::NeedsAttention(reason) => Some(reason),
            _ => None,
        }
    }

    /// The status stored as its name and reason; `None` if they do not fit.
    pub fn from_parts(status: &str, reason: Option<&str>) -> Option<Self> {
        match (status, reason) {
            ("active", None) => Some(Self::Active),
            ("cancelled", None) => Some(Self::Cancelled),
            ("expired", None) => Some(Self::Expired),
            ("needs_attention", Some(reason)) => {
                AttentionReason::parse(reason).map(Self::NeedsAttention)
            }
            _ => None,
        }
    }

    /// Whether the membership is over (cancelled or expired).
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Cancelled | Self::Expired)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason() {
            Some(reason) => write!(f, "{}/{}", self.as_str(), reason.as_str()),
            None => f.write_str(self.as_str()),
        }
    }
}

/// What a membership costs each period (ME-2): its type's rate when it was set, or a rate
/// of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rate {
    OfType(Money),
    Individual(Money),
}

impl Rate {
    pub fn amount(&self) -> Money {
        match self {
            Self::OfType(money) | Self::Individual(money) => *money,
        }
    }

    pub fn is_individual(&self) -> bool {
        matches!(self, Self::Individual(_))
    }

    /// As audited: "49.90 EUR", or "39.00 EUR (individual)".
    pub fn describe(&self) -> String {
        let money = self.amount();
        let text = format!("{} {}", money.amount_text(), money.currency());
        if self.is_individual() {
            format!("{text} (individual)")
        } else {
            text
        }
    }
}

/// When a new membership is first billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FirstBilling {
    /// On its first billing day: the start date, or for a type billed on a fixed day the
    /// first such day (a mid-cycle start is then pro-rated or free, ME-17). Staff creation.
    FirstBillingDay,
    /// One period after its first billing day: the order that sold it paid the first
    /// period (ME-2, the sale of a subscription product).
    AfterFirstPeriod,
    /// On a date staff choose (or an import carries): the anchor moves with it (ME-4).
    On(NaiveDate),
}

/// A new membership as staff, a sale or an import describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMembership {
    pub client_id: ClientId,
    /// A rate of its own; `None` for the type's.
    pub individual_rate: Option<Money>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Earlier than the start for an imported member; `None` for the start date.
    pub member_since: Option<NaiveDate>,
    pub first_billing: FirstBilling,
    pub payment_method: PaymentMethod,
    /// The order that sold it, if a sale did.
    pub order_id: Option<OrderId>,
}

/// Why a membership cannot be created.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CreateError {
    #[error("the end date {end} is before the start date {start}")]
    EndBeforeStart { start: NaiveDate, end: NaiveDate },
    #[error("member since {member_since} is after the start date {start}")]
    MemberSinceAfterStart {
        start: NaiveDate,
        member_since: NaiveDate,
    },
    #[error("the next billing date {date} is in the past (today is {today})")]
    NextBillingInPast { date: NaiveDate, today: NaiveDate },
    #[error("the rate is in {rate}, the business bills in {business}")]
    OtherCurrency { rate: Currency, business: Currency },
    #[error("the rate must be more than zero")]
    RateNotPositive,
    #[error("the type is paid by {}, not by {}", .required.as_str(), .given.as_str())]
    PaymentMethodMismatch {
        required: PaymentKind,
        given: PaymentKind,
    },
    #[error("the date is out of range")]
    DateOutOfRange,
}

/// A created membership, with the pro-rated first period to charge with its order when
/// its type pro-rates a mid-cycle start (ME-17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub membership: Membership,
    pub pro_rata: Option<ProRata>,
}

/// A client's membership (ME-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    id: MembershipId,
    business_id: BusinessId,
    number: MembershipNumber,
    client_id: ClientId,
    type_id: MembershipTypeId,
    rate: Rate,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    member_since: NaiveDate,
    status: Status,
    schedule: Schedule,
    next_billing_date: NaiveDate,
    payment_method: PaymentMethod,
    dunning: Option<Dunning>,
    paused_until: Option<NaiveDate>,
    cancelled_on: Option<NaiveDate>,
    order_id: Option<OrderId>,
    version: Version,
}

/// Everything a stored membership is made of, for [`Membership::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipParts {
    pub id: MembershipId,
    pub business_id: BusinessId,
    pub number: MembershipNumber,
    pub client_id: ClientId,
    pub type_id: MembershipTypeId,
    pub rate: Rate,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub member_since: NaiveDate,
    pub status: Status,
    /// The period and the anchor (ME-4).
    pub schedule: Schedule,
    pub next_billing_date: NaiveDate,
    pub payment_method: PaymentMethod,
    pub dunning: Option<Dunning>,
    /// The first day it is no longer paused (ME-20).
    pub paused_until: Option<NaiveDate>,
    pub cancelled_on: Option<NaiveDate>,
    pub order_id: Option<OrderId>,
    pub version: Version,
}

impl Membership {
    /// ME-2: a new membership of `kind` for a business billing in `currency`, created on
    /// `today`.
    pub fn create(
        id: MembershipId,
        number: MembershipNumber,
        kind: &MembershipType,
        new: NewMembership,
        currency: Currency,
        today: NaiveDate,
    ) -> Result<Created, CreateError> {
        let NewMembership {
            client_id,
            individual_rate,
            start_date,
            end_date,
            member_since,
            first_billing,
            payment_method,
            order_id,
        } = new;
        if let Some(end) = end_date.filter(|end| *end < start_date) {
            return Err(CreateError::EndBeforeStart {
                start: start_date,
                end,
            });
        }
        let member_since = member_since.unwrap_or(start_date);
        if member_since > start_date {
            return Err(CreateError::MemberSinceAfterStart {
                start: start_date,
                member_since,
            });
        }
        let rate = individual_rate.map_or(Rate::OfType(kind.rate()), Rate::Individual);
        check_rate(rate.amount(), currency).map_err(|e| match e {
            RateError::OtherCurrency { rate, business } => {
                CreateError::OtherCurrency { rate, business }
            }
            RateError::NotPositive => CreateError::RateNotPositive,
        })?;
        if payment_method.kind() != kind.payment() {
            return Err(CreateError::PaymentMethodMismatch {
                required: kind.payment(),
                given: payment_method.kind(),
            });
        }
        let type_schedule = kind.schedule_from(start_date);
        let first_day = type_schedule
            .first_on_or_after(start_date)
            .ok_or(CreateError::DateOutOfRange)?;
        let (schedule, next_billing_date) = match first_billing {
            FirstBilling::FirstBillingDay => (type_schedule, first_day),
            FirstBilling::AfterFirstPeriod => (
                type_schedule,
                type_schedule
                    .next_after(first_day)
                    .ok_or(CreateError::DateOutOfRange)?,
            ),
            FirstBilling::On(date) => (Schedule::anchored_at(kind.period(), date), date),
        };
        if next_billing_date < today {
            return Err(CreateError::NextBillingInPast {
                date: next_billing_date,
                today,
            });
        }
        let pro_rata = match (kind.alignment(), first_billing) {
            (Alignment::FixedDay { prorate: true, .. }, FirstBilling::FirstBillingDay)
            | (Alignment::FixedDay { prorate: true, .. }, FirstBilling::AfterFirstPeriod) => {
                first_period(rate.amount(), &type_schedule, start_date)
            }
            _ => None,
        };
        let status = if is_expired(end_date, today) {
            Status::Expired
        } else if payment_method.mandate_active() {
            Status::Active
        } else {
            Status::NeedsAttention(AttentionReason::NeedsMandate)
        };
        let membership = Self {
            id,
            business_id: kind.business_id(),
            number,
            client_id,
            type_id: kind.id(),
            rate,
            start_date,
            end_date,
            member_since,
            status,
            schedule,
            next_billing_date,
            payment_method,
            dunning: None,
            paused_until: None,
            cancelled_on: None,
            order_id,
            version: Version::initial(),
        };
        Ok(Created {
            membership,
            pro_rata,
        })
    }

    pub fn restore(parts: MembershipParts) -> Self {
        let MembershipParts {
            id,
            business_id,
            number,
            client_id,
            type_id,
            rate,
            start_date,
            end_date,
            member_since,
            status,
            schedule,
            next_billing_date,
            payment_method,
            dunning,
            paused_until,
            cancelled_on,
            order_id,
            version,
        } = parts;
        Self {
            id,
            business_id,
            number,
            client_id,
            type_id,
            rate,
            start_date,
            end_date,
            member_since,
            status,
            schedule,
            next_billing_date,
            payment_method,
            dunning,
            paused_until,
            cancelled_on,
            order_id,
            version,
        }
    }

    pub fn into_parts(self) -> MembershipParts {
        let Self {
            id,
            business_id,
            number,
            client_id,
            type_id,
            rate,
            start_date,
            end_date,
            member_since,
            status,
            schedule,
            next_billing_date,
            payment_method,
            dunning,
            paused_until,
            cancelled_on,
            order_id,
            version,
        } = self;
        MembershipParts {
            id,
            business_id,
            number,
            client_id,
            type_id,
            rate,
            start_date,
            end_date,
            member_since,
            status,
            schedule,
            next_billing_date,
            payment_method,
            dunning,
            paused_until,
            cancelled_on,
            order_id,
            version,
        }
    }

    pub fn id(&self) -> MembershipId {
        self.id
    }

    pub fn business_id(&self) -> BusinessId {
        self.business_id
    }

    pub fn number(&self) -> MembershipNumber {
        self.number
    }

    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    pub fn type_id(&self) -> MembershipTypeId {
        self.type_id
    }

    pub fn rate(&self) -> Rate {
        self.rate
    }

    pub fn start_date(&self) -> NaiveDate {
        self.start_date
    }

    pub fn end_date(&self) -> Option<NaiveDate> {
        self.end_date
    }

    pub fn member_since(&self) -> NaiveDate {
        self.member_since
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn schedule(&self) -> Schedule {
        self.schedule
    }

    pub fn period(&self) -> Period {
        self.schedule.period()
    }

    pub fn anchor(&self) -> Anchor {
        self.schedule.anchor()
    }

    pub fn next_billing_date(&self) -> NaiveDate {
        self.next_billing_date
    }

    pub fn payment_method(&self) -> &PaymentMethod {
        &self.payment_method
    }

    pub fn dunning(&self) -> Option<Dunning> {
        self.dunning
    }

    pub fn paused_until(&self) -> Option<NaiveDate> {
        self.paused_until
    }

    pub fn cancelled_on(&self) -> Option<NaiveDate> {
        self.cancelled_on
    }

    pub fn order_id(&self) -> Option<OrderId> {
        self.order_id
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// ME-20: whether it is paused on `today`.
    pub fn is_paused(&self, today: NaiveDate) -> bool {
        self.paused_until.is_some_and(|until| today < until)
    }

    /// ME-9: the idempotency key of the charge of the period starting on `period_start`.
    pub fn charge_key(&self, period_start: NaiveDate) -> ChargeKey {
        ChargeKey::new(self.id, period_start)
    }

    /// Every change moves to the next version (PL-11).
    fn touch(&mut self) {
        self.version = self.version.next();
    }
}

/// Why a rate is refused, whoever sets it.
enum RateError {
    OtherCurrency { rate: Currency, business: Currency },
    NotPositive,
}

fn check_rate(rate: Money, currency: Currency) -> Result<(), RateError> {
    if rate.currency() != currency {
        Err(RateError::OtherCurrency {
            rate: rate.currency(),
            business: currency,
        })
    } else if rate.is_zero() {
        Err(RateError::NotPositive)
    } else {
        Ok(())
    }
}
