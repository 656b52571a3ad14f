//! Membership types (ME-1): what a membership costs each period, what it grants, the
//! payment method it needs and how its billing day is chosen.

use thiserror::Error;

use super::billing::{Anchor, AnchorError, Period, PeriodError, PeriodUnit, Schedule};
use crate::ids::{BusinessId, MembershipTypeId, ProductId};
use crate::money::{Currency, Money};
use crate::text;
use crate::version::Version;

/// Why a membership type is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MembershipTypeError {
    #[error("the name must not be empty")]
    NameEmpty,
    #[error("the name must be at most {max} characters")]
    NameTooLong { max: usize },
    #[error("the name must not contain control characters")]
    NameControlCharacters,
    #[error("the rate must be more than zero")]
    RateNotPositive,
    #[error("the rate is in {rate}, the business bills in {business}")]
    OtherCurrency { rate: Currency, business: Currency },
    #[error(transparent)]
    Period(#[from] PeriodError),
    #[error(transparent)]
    Anchor(#[from] AnchorError),
    #[error("a type grants 1 to {max} appointments a period, not {given}")]
    AppointmentCount { given: u32, max: u32 },
    #[error("a type grants at most {max} credits a period, not {given}")]
    CreditCount { given: u32, max: u32 },
    #[error("only a type billed on a fixed day pro-rates a mid-cycle start")]
    ProrataNeedsFixedDay,
}

/// A membership type's name, one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MembershipTypeName(String);

impl MembershipTypeName {
    pub const MAX: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, MembershipTypeError> {
        let value = raw.trim();
        if value.is_empty() {
            Err(MembershipTypeError::NameEmpty)
        } else if text::longer_than(value, Self::MAX) {
            Err(MembershipTypeError::NameTooLong { max: Self::MAX })
        } else if text::any_char(value, char::is_control) {
            Err(MembershipTypeError::NameControlCharacters)
        } else {
            Ok(Self(value.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The payment method a type needs (ME-1, ME-21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentKind {
    /// A card stored with the active processor, charged by the worker.
    Card,
    /// A direct-debit mandate (ME-15).
    DirectDebit,
    /// Paid outside any processor and recorded by staff (ME-13); reminded, never charged.
    Manual,
}

impl PaymentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::DirectDebit => "direct_debit",
            Self::Manual => "manual",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "card" => Some(Self::Card),
            "direct_debit" => Some(Self::DirectDebit),
            "manual" => Some(Self::Manual),
            _ => None,
        }
    }
}

/// Appointments granted each period through the code of a subscription product (CO-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AppointmentGrant {
    product_id: ProductId,
    count: u32,
}

impl AppointmentGrant {
    pub const MAX: u32 = crate::product::Appointments::MAX;

    pub fn new(product_id: ProductId, count: u32) -> Result<Self, MembershipTypeError> {
        if (1..=Self::MAX).contains(&count) {
            Ok(Self { product_id, count })
        } else {
            Err(MembershipTypeError::AppointmentCount {
                given: count,
                max: Self::MAX,
            })
        }
    }

    pub fn product_id(&self) -> ProductId {
        self.product_id
    }

    pub fn count(&self) -> u32 {
        self.count
    }
}

/// What a type grants each paid period: appointments through a code and/or credits
/// (ME-16). A type may grant nothing (a plain membership fee).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Grants {
    appointments: Option<AppointmentGrant>,
    credits: u32,
}

impl Grants {
    pub const MAX_CREDITS: u32 = 1000;

    pub fn new(
        appointments: Option<AppointmentGrant>,
        credits: u32,
    ) -> Result<Self, MembershipTypeError> {
        if credits > Self::MAX_CREDITS {
            return Err(MembershipTypeError::CreditCount {
                given: credits,
                max: Self::MAX_CREDITS,
            });
        }
        Ok(Self {
            appointments,
            credits,
        })
    }

    pub fn appointments(&self) -> Option<AppointmentGrant> {
        self.appointments
    }

    pub fn credits(&self) -> u32 {
        self.credits
    }
}

/// How a type chooses the day its memberships are billed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alignment {
    /// On the anchor of the day each membership starts.
    StartDate,
    /// On one fixed day for every member (e.g. the 1st of the month). A mid-cycle start
    /// pays the pro-rated part of the first period when `prorate` (ME-17), and nothing
    /// for it otherwise: billing then starts on the first fixed day.
    FixedDay { anchor: Anchor, prorate: bool },
}

/// A membership type as staff describe it, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipTypeInput {
    pub name: String,
    pub rate: Money,
    pub period_unit: PeriodUnit,
    pub period_every: u32,
    /// Appointments a period: the subscription product whose code holds them, and how many.
    pub appointments: Option<(ProductId, u32)>,
    pub credits: u32,
    pub payment: PaymentKind,
    /// The fixed day every membership is billed on; `None` bills on each start date.
    pub fixed_day: Option<Anchor>,
    /// Whether a mid-cycle start is pro-rated; only with a fixed day.
    pub prorate: bool,
}

/// The validated content of a membership type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipTypeDetails {
    pub name: MembershipTypeName,
    pub rate: Money,
    pub period: Period,
    pub grants: Grants,
    pub payment: PaymentKind,
    pub alignment: Alignment,
}

impl MembershipTypeDetails {
    /// ME-1: validates `input` for a business billing in `currency`.
    pub fn parse(
        input: &MembershipTypeInput,
        currency: Currency,
    ) -> Result<Self, MembershipTypeError> {
        let name = MembershipTypeName::parse(&input.name)?;
        if input.rate.currency() != currency {
            return Err(MembershipTypeError::OtherCurrency {
                rate: input.rate.currency(),
                business: currency,
            });
        }
        if input.rate.is_zero() {
            return Err(MembershipTypeError::RateNotPositive);
        }
        let period = Period::new(input.period_unit, input.period_every)?;
        let appointments = input
            .appointments
            .map(|(product, count)| AppointmentGrant::new(product, count))
            .transpose()?;
        let grants = Grants::new(appointments, input.credits)?;
        let alignment = match (input.fixed_day, input.prorate) {
            (None, true) => return Err(MembershipTypeError::ProrataNeedsFixedDay),
            (None, false) => Alignment::StartDate,
            (Some(anchor), prorate) => {
                Schedule::new(period, anchor)?;
                Alignment::FixedDay { anchor, prorate }
            }
        };
        Ok(Self {
            name,
            rate: input.rate,
            period,
            grants,
            payment: input.payment,
            alignment,
        })
    }
}

/// A kind of membership a business offers (ME-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipType {
    id: MembershipTypeId,
    business_id: BusinessId,
    details: MembershipTypeDetails,
    version: Version,
}

impl MembershipType {
    /// A new type of `business_id`.
    pub fn define(
        id: MembershipTypeId,
        business_id: BusinessId,
        details: MembershipTypeDetails,
    ) -> Self {
        Self {
            id,
            business_id,
            details,
            version: Version::initial(),
        }
    }

    /// A stored type, read back.
    pub fn restore(
        id: MembershipTypeId,
        business_id: BusinessId,
        details: MembershipTypeDetails,
        version: Version,
    ) -> Self {
        Self {
            id,
            business_id,
            details,
            version,
        }
    }

    /// Replaces the type's description. Existing memberships keep their own rate and
    /// billing day: a type's change applies to memberships created after it.
    pub fn revise(&mut self, details: MembershipTypeDetails) {
        if details != self.details {
            self.details = details;
            self.version = self.version.next();
        }
    }

    pub fn id(&self) -> MembershipTypeId {
        self.id
    }

    pub fn business_id(&self) -> BusinessId {
        self.business_id
    }

    pub fn details(&self) -> &MembershipTypeDetails {
        &self.details
    }

    pub fn name(&self) -> &MembershipTypeName {
        &self.details.name
    }

    pub fn rate(&self) -> Money {
        self.details.rate
    }

    pub fn period(&self) -> Period {
        self.details.period
    }

    pub fn grants(&self) -> Grants {
        self.details.grants
    }

    pub fn payment(&self) -> PaymentKind {
        self.details.payment
    }

    pub fn alignment(&self) -> Alignment {
        self.details.alignment
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// The schedule of a membership of this type starting on `start`: on the type's fixed
    /// day, or on the start date's anchor.
    pub fn schedule_from(&self, start: chrono::NaiveDate) -> Schedule {
        let period = self.details.period;
        match self.details.alignment {
            Alignment::FixedDay { anchor, .. } => {
                Schedule::new(period, anchor).unwrap_or(Schedule::anchored_at(period, start))
            }
            Alignment::StartDate => Schedule::anchored_at(period, start),
        }
    }
}
