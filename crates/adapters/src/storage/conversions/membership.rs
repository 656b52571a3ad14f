//! `membership_types` rows ↔ [`MembershipType`], `memberships` rows ↔ [`Membership`],
//! `membership_charges` rows ↔ [`Charge`] and `credits` rows ↔ [`Credit`].
//!
//! A schedule is its period (`period_unit`, `period_every`) and its anchor: a weekday as
//! 1 (Monday) to 7, a day of the month, or a month and a day (`anchor_month`,
//! `anchor_day`). A payment method is its kind in `payment_method` and its shape in the
//! `card_*` or `mandate_*` columns; an outstanding period's dunning is the `dunning_*`
//! columns, all set or all NULL. Amounts are minor units beside the row's currency.

use chrono::{DateTime, Utc, Weekday};
use sea_orm::ActiveValue::{NotSet, Set};

use clientele_domain::Version;
use clientele_domain::membership::{
    Alignment, Anchor, AppointmentGrant, AttentionReason, Credit, CreditOrigin, CreditParts,
    CreditStatus, DayOfMonth, DayOfYear, Dunning, Grants, Mandate, MandateStatus, Membership,
    MembershipNumber, MembershipParts, MembershipType, MembershipTypeDetails, MembershipTypeName,
    PaymentKind, PaymentMethod, Period, PeriodUnit, Rate, Schedule, Status, StoredCard,
};
use clientele_domain::payment::{PaymentType, ProcessorKind};
use clientele_ports::StorageError;
use clientele_ports::storage::{Charge, ChargeStatus};

use super::{corrupt, instant, minor_units, money, stored_currency};
use crate::storage::entities::{credits, membership_charges, membership_types, memberships};

/// The values of `credits.origin`.
const ORIGIN_PERIOD: &str = "period";
const ORIGIN_STAFF: &str = "staff";

/// The values of `membership_types.alignment`.
const ALIGN_START_DATE: &str = "start_date";
const ALIGN_FIXED_DAY: &str = "fixed_day";

fn int(value: u32) -> i32 {
    // Every count the domain allows is far below `i32::MAX`.
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn count(table: &'static str, column: &'static str, raw: i32) -> Result<u32, StorageError> {
    u32::try_from(raw).map_err(|e| corrupt(table, column, e))
}

/// The stored columns of an anchor: (`anchor_month`, `anchor_day`).
fn anchor_columns(anchor: Anchor) -> (Option<i32>, i32) {
    match anchor {
        Anchor::Weekday(weekday) => (None, int(weekday.number_from_monday())),
        Anchor::DayOfMonth(day) => (None, int(day.get())),
        Anchor::DayOfYear(day) => (Some(int(day.month())), int(day.day())),
    }
}

fn anchor(
    table: &'static str,
    unit: PeriodUnit,
    month: Option<i32>,
    day: i32,
) -> Result<Anchor, StorageError> {
    let bad = |reason: String| corrupt(table, "anchor_day", reason);
    let day = u32::try_from(day).map_err(|e| bad(e.to_string()))?;
    match (unit, month) {
        (PeriodUnit::Week, None) => {
            let weekday = match day {
                1 => Weekday::Mon,
                2 => Weekday::Tue,
                3 => Weekday::Wed,
                4 => Weekday::Thu,
                5 => Weekday::Fri,
                6 => Weekday::Sat,
                7 => Weekday::Sun,
                other => return Err(bad(format!("{other} is no weekday"))),
            };
            Ok(Anchor::Weekday(weekday))
        }
        (PeriodUnit::Month, None) => DayOfMonth::new(day)
            .map(Anchor::DayOfMonth)
            .map_err(|e| bad(e.to_string())),
        (PeriodUnit::Year, Some(month)) => {
            let month = u32::try_from(month).map_err(|e| bad(e.to_string()))?;
            DayOfYear::new(month, day)
                .map(Anchor::DayOfYear)
                .map_err(|e| bad(e.to_string()))
        }
        (unit, _) => Err(corrupt(
            table,
            "anchor_month",
            format!("does not fit a {} period", unit.as_str()),
        )),
    }
}

fn period(table: &'static str, unit: &str, every: i32) -> Result<Period, StorageError> {
    let unit = PeriodUnit::parse(unit)
        .ok_or_else(|| corrupt(table, "period_unit", format!("`{unit}` is no period")))?;
    Period::new(unit, count(table, "period_every", every)?)
        .map_err(|e| corrupt(table, "period_every", e))
}

fn payment_kind(
    table: &'static str,
    column: &'static str,
    raw: &str,
) -> Result<PaymentKind, StorageError> {
    PaymentKind::parse(raw).ok_or_else(|| corrupt(table, column, format!("`{raw}` is no method")))
}

impl TryFrom<membership_types::Model> for MembershipType {
    type Error = StorageError;

    fn try_from(row: membership_types::Model) -> Result<Self, Self::Error> {
        const T: &str = "membership_types";
        let currency = stored_currency(T, &row.currency)?;
        let period = period(T, &row.period_unit, row.period_every)?;
        let appointments = match (row.appointments_product_id, row.appointments_count) {
            (None, None) => None,
            (Some(product), Some(n)) => Some(
                AppointmentGrant::new(product.into(), count(T, "appointments_count", n)?)
                    .map_err(|e| corrupt(T, "appointments_count", e))?,
            ),
            _ => return Err(corrupt(T, "appointments_count", "without its product")),
        };
        let grants = Grants::new(appointments, count(T, "credits", row.credits)?)
            .map_err(|e| corrupt(T, "credits", e))?;
        let alignment = match (row.alignment.as_str(), row.anchor_day) {
            (ALIGN_START_DATE, None) if !row.prorate => Alignment::StartDate,
            (ALIGN_FIXED_DAY, Some(day)) => {
                let anchor = anchor(T, period.unit(), row.anchor_month, day)?;
                Schedule::new(period, anchor).map_err(|e| corrupt(T, "anchor_day", e))?;
                Alignment::FixedDay {
                    anchor,
                    prorate: row.prorate,
                }
            }
            (other, _) => {
                return Err(corrupt(
                    T,
                    "alignment",
                    format!("`{other}` with this anchor"),
                ));
            }
        };
        let details = MembershipTypeDetails {
            name: MembershipTypeName::parse(&row.name).map_err(|e| corrupt(T, "name", e))?,
            rate: money(T, "rate_minor", row.rate_minor, currency)?,
            period,
            grants,
            payment: payment_kind(T, "payment", &row.payment)?,
            alignment,
        };
        Ok(Self::restore(
            row.id.into(),
            row.business_id.into(),
            details,
            Version::new(row.version),
        ))
    }
}

pub(crate) fn membership_type_row(
    kind: &MembershipType,
) -> Result<membership_types::ActiveModel, StorageError> {
    let grants = kind.grants();
    let appointments = grants.appointments();
    let (alignment, anchor, prorate) = match kind.alignment() {
        Alignment::StartDate => (ALIGN_START_DATE, None, false),
        Alignment::FixedDay { anchor, prorate } => {
            (ALIGN_FIXED_DAY, Some(anchor_columns(anchor)), prorate)
        }
    };
    Ok(membership_types::ActiveModel {
        business_id: Set(kind.business_id().as_uuid()),
        id: Set(kind.id().as_uuid()),
        name: Set(kind.name().as_str().to_owned()),
        rate_minor: Set(minor_units(kind.rate())?),
        currency: Set(kind.rate().currency().code().to_owned()),
        period_unit: Set(kind.period().unit().as_str().to_owned()),
        period_every: Set(int(kind.period().every())),
        appointments_product_id: Set(appointments.map(|a| a.product_id().as_uuid())),
        appointments_count: Set(appointments.map(|a| int(a.count()))),
        credits: Set(int(grants.credits())),
        payment: Set(kind.payment().as_str().to_owned()),
        alignment: Set(alignment.to_owned()),
        anchor_month: Set(anchor.and_then(|(month, _)| month)),
        anchor_day: Set(anchor.map(|(_, day)| day)),
        prorate: Set(prorate),
        version: Set(kind.version().get()),
    })
}

pub(crate) fn membership_type_changes(
    kind: &MembershipType,
) -> Result<membership_types::ActiveModel, StorageError> {
    Ok(membership_types::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        ..membership_type_row(kind)?
    })
}

fn payment_method(row: &memberships::Model) -> Result<PaymentMethod, StorageError> {
    const T: &str = "memberships";
    let kind = payment_kind(T, "payment_method", &row.payment_method)?;
    let card = (
        row.card_processor.as_deref(),
        row.card_token.as_deref(),
        row.card_brand.as_deref(),
        row.card_last4.as_deref(),
    );
    let mandate = (
        row.mandate_reference.as_deref(),
        row.mandate_status.as_deref(),
    );
    let shape = || {
        corrupt(
            T,
            "payment_method",
            format!("{} with these columns", row.payment_method),
        )
    };
    match (kind, card, mandate) {
        (
            PaymentKind::Card,
            (Some(processor), Some(token), Some(brand), Some(last4)),
            (None, None),
        ) => {
            let processor = ProcessorKind::parse(processor)
                .map_err(|e| corrupt(T, "card_processor", e.message))?;
            StoredCard::new(processor, token, brand, last4)
                .map(PaymentMethod::Card)
                .map_err(|e| corrupt(T, "card_token", e))
        }
        (PaymentKind::DirectDebit, (None, None, None, None), (None, None)) => {
            Ok(PaymentMethod::DirectDebit(None))
        }
        (PaymentKind::DirectDebit, (None, None, None, None), (Some(reference), Some(status))) => {
            let status = MandateStatus::parse(status)
                .ok_or_else(|| corrupt(T, "mandate_status", format!("`{status}` is no status")))?;
            Mandate::new(reference, status)
                .map(|mandate| PaymentMethod::DirectDebit(Some(mandate)))
                .map_err(|e| corrupt(T, "mandate_reference", e))
        }
        (PaymentKind::Manual, (None, None, None, None), (None, None)) => Ok(PaymentMethod::Manual),
        _ => Err(shape()),
    }
}

fn dunning(row: &memberships::Model) -> Result<Option<Dunning>, StorageError> {
    const T: &str = "memberships";
    match (
        row.dunning_period_start,
        row.dunning_first_declined_on,
        row.dunning_attempts,
        row.dunning_next_attempt_on,
    ) {
        (None, None, None, None) => Ok(None),
        (Some(period_start), Some(first_declined_on), Some(attempts), next_attempt_on) => {
            Ok(Some(Dunning {
                period_start,
                first_declined_on,
                attempts: count(T, "dunning_attempts", attempts)?,
                next_attempt_on,
            }))
        }
        _ => Err(corrupt(T, "dunning_period_start", "partly NULL")),
    }
}

impl TryFrom<memberships::Model> for Membership {
    type Error = StorageError;

    fn try_from(row: memberships::Model) -> Result<Self, Self::Error> {
        const T: &str = "memberships";
        let currency = stored_currency(T, &row.currency)?;
        let amount = money(T, "rate_minor", row.rate_minor, currency)?;
        let rate = if row.individual_rate {
            Rate::Individual(amount)
        } else {
            Rate::OfType(amount)
        };
        let status = Status::from_parts(&row.status, row.attention_reason.as_deref())
            .ok_or_else(|| corrupt(T, "status", format!("`{}` with this reason", row.status)))?;
        let period = period(T, &row.period_unit, row.period_every)?;
        let anchor = anchor(T, period.unit(), row.anchor_month, row.anchor_day)?;
        let schedule = Schedule::new(period, anchor).map_err(|e| corrupt(T, "anchor_day", e))?;
        let sequence = u64::try_from(row.number).map_err(|e| corrupt(T, "number", e))?;
        let number =
            MembershipNumber::from_sequence(sequence).map_err(|e| corrupt(T, "number", e))?;
        Ok(Self::restore(MembershipParts {
            id: row.id.into(),
            business_id: row.business_id.into(),
            number,
            client_id: row.client_id.into(),
            type_id: row.type_id.into(),
            rate,
            start_date: row.start_date,
            end_date: row.end_date,
            member_since: row.member_since,
            status,
            schedule,
            next_billing_date: row.next_billing_date,
            payment_method: payment_method(&row)?,
            dunning: dunning(&row)?,
            paused_until: row.paused_until,
            cancelled_on: row.cancelled_on,
            order_id: row.order_id.map(Into::into),
            version: Version::new(row.version),
        }))
    }
}

/// Every column of `membership`'s row but its creation and the worker's claim.
fn membership_values(
    membership: &Membership,
    due_at: Option<DateTime<Utc>>,
) -> Result<memberships::ActiveModel, StorageError> {
    let rate = membership.rate().amount();
    let (anchor_month, anchor_day) = anchor_columns(membership.anchor());
    let period = membership.period();
    let status = membership.status();
    let dunning = membership.dunning();
    let number = i64::try_from(membership.number().sequence())
        .map_err(|e| StorageError::Unexpected(Box::new(e)))?;
    let mut row = memberships::ActiveModel {
        business_id: Set(membership.business_id().as_uuid()),
        id: Set(membership.id().as_uuid()),
        number: Set(number),
        client_id: Set(membership.client_id().as_uuid()),
        type_id: Set(membership.type_id().as_uuid()),
        rate_minor: Set(minor_units(rate)?),
        currency: Set(rate.currency().code().to_owned()),
        individual_rate: Set(membership.rate().is_individual()),
        start_date: Set(membership.start_date()),
        end_date: Set(membership.end_date()),
        member_since: Set(membership.member_since()),
        status: Set(status.as_str().to_owned()),
        attention_reason: Set(status
            .reason()
            .map(|r| AttentionReason::as_str(r).to_owned())),
        period_unit: Set(period.unit().as_str().to_owned()),
        period_every: Set(int(period.every())),
        anchor_month: Set(anchor_month),
        anchor_day: Set(anchor_day),
        next_billing_date: Set(membership.next_billing_date()),
        payment_method: Set(membership.payment_method().kind().as_str().to_owned()),
        card_processor: Set(None),
        card_token: Set(None),
        card_brand: Set(None),
        card_last4: Set(None),
        mandate_reference: Set(None),
        mandate_status: Set(None),
        dunning_period_start: Set(dunning.map(|d| d.period_start)),
        dunning_first_declined_on: Set(dunning.map(|d| d.first_declined_on)),
        dunning_attempts: Set(dunning.map(|d| int(d.attempts))),
        dunning_next_attempt_on: Set(dunning.and_then(|d| d.next_attempt_on)),
        paused_until: Set(membership.paused_until()),
        cancelled_on: Set(membership.cancelled_on()),
        order_id: Set(membership.order_id().map(|order| order.as_uuid())),
        version: Set(membership.version().get()),
        created_at: NotSet,
        due_at: Set(due_at.map(instant)),
        claimed_by: NotSet,
        claimed_until: NotSet,
    };
    match membership.payment_method() {
        PaymentMethod::Card(card) => {
            row.card_processor = Set(Some(card.processor().as_str().to_owned()));
            row.card_token = Set(Some(card.token().to_owned()));
            row.card_brand = Set(Some(card.brand().to_owned()));
            row.card_last4 = Set(Some(card.last4().to_owned()));
        }
        PaymentMethod::DirectDebit(Some(mandate)) => {
            row.mandate_reference = Set(Some(mandate.reference().to_owned()));
            row.mandate_status = Set(Some(mandate.status().as_str().to_owned()));
        }
        PaymentMethod::DirectDebit(None) | PaymentMethod::Manual => {}
    }
    Ok(row)
}

/// The row of `membership`, made at `created_at`, due at `due_at`, unclaimed.
pub(crate) fn membership_row(
    membership: &Membership,
    created_at: DateTime<Utc>,
    due_at: Option<DateTime<Utc>>,
) -> Result<memberships::ActiveModel, StorageError> {
    Ok(memberships::ActiveModel {
        created_at: Set(instant(created_at)),
        claimed_by: Set(None),
        claimed_until: Set(None),
        ..membership_values(membership, due_at)?
    })
}

/// What an update of `membership` writes: everything but its keys, its creation and the
/// worker's claim.
pub(crate) fn membership_changes(
    membership: &Membership,
    due_at: Option<DateTime<Utc>>,
) -> Result<memberships::ActiveModel, StorageError> {
    Ok(memberships::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        ..membership_values(membership, due_at)?
    })
}

impl TryFrom<membership_charges::Model> for Charge {
    type Error = StorageError;

    fn try_from(row: membership_charges::Model) -> Result<Self, Self::Error> {
        const T: &str = "membership_charges";
        let currency = stored_currency(T, &row.currency)?;
        let payment_type = row
            .payment_type
            .as_deref()
            .map(|raw| PaymentType::parse(raw).map_err(|e| corrupt(T, "payment_type", e.message)))
            .transpose()?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            membership_id: row.membership_id.into(),
            period_start: row.period_start,
            idempotency_key: row.idempotency_key,
            amount: money(T, "amount_minor", row.amount_minor, currency)?,
            processor: ProcessorKind::parse(&row.processor)
                .map_err(|e| corrupt(T, "processor", e.message))?,
            payment_type,
            reference: row.reference,
            message: row.message,
            attempt: count(T, "attempt", row.attempt)?,
            status: ChargeStatus::parse(&row.status)
                .ok_or_else(|| corrupt(T, "status", format!("`{}` is no status", row.status)))?,
            created_at: row.created_at,
            settled_at: row.settled_at,
        })
    }
}

pub(crate) fn charge_row(charge: &Charge) -> Result<membership_charges::ActiveModel, StorageError> {
    Ok(membership_charges::ActiveModel {
        business_id: Set(charge.business_id.as_uuid()),
        id: Set(charge.id.as_uuid()),
        membership_id: Set(charge.membership_id.as_uuid()),
        period_start: Set(charge.period_start),
        idempotency_key: Set(charge.idempotency_key.clone()),
        amount_minor: Set(minor_units(charge.amount)?),
        currency: Set(charge.amount.currency().code().to_owned()),
        processor: Set(charge.processor.as_str().to_owned()),
        payment_type: Set(charge.payment_type.as_ref().map(|t| t.as_str().to_owned())),
        reference: Set(charge.reference.clone()),
        message: Set(charge.message.clone()),
        attempt: Set(int(charge.attempt)),
        status: Set(charge.status.as_str().to_owned()),
        created_at: Set(instant(charge.created_at)),
        settled_at: Set(charge.settled_at.map(instant)),
    })
}

impl TryFrom<credits::Model> for Credit {
    type Error = StorageError;

    fn try_from(row: credits::Model) -> Result<Self, Self::Error> {
        const T: &str = "credits";
        let origin = match (
            row.origin.as_str(),
            row.membership_id,
            row.period_start,
            row.staff_id,
        ) {
            (ORIGIN_PERIOD, Some(membership), Some(period_start), None) => CreditOrigin::Period {
                membership_id: membership.into(),
                period_start,
            },
            (ORIGIN_STAFF, None, None, Some(staff)) => CreditOrigin::Staff(staff.into()),
            (other, ..) => return Err(corrupt(T, "origin", format!("`{other}` with these ids"))),
        };
        Ok(Self::restore(CreditParts {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            origin,
            status: CreditStatus::parse(&row.status)
                .ok_or_else(|| corrupt(T, "status", format!("`{}` is no status", row.status)))?,
            issued_on: row.issued_on,
            used_for: row.used_for.map(Into::into),
            version: Version::new(row.version),
        }))
    }
}

pub(crate) fn credit_row(credit: &Credit) -> credits::ActiveModel {
    let (origin, membership, period_start, staff) = match credit.origin() {
        CreditOrigin::Period {
            membership_id,
            period_start,
        } => (
            ORIGIN_PERIOD,
            Some(membership_id.as_uuid()),
            Some(period_start),
            None,
        ),
        CreditOrigin::Staff(staff) => (ORIGIN_STAFF, None, None, Some(staff.as_uuid())),
    };
    credits::ActiveModel {
        business_id: Set(credit.business_id().as_uuid()),
        id: Set(credit.id().as_uuid()),
        client_id: Set(credit.client_id().as_uuid()),
        origin: Set(origin.to_owned()),
        membership_id: Set(membership),
        period_start: Set(period_start),
        staff_id: Set(staff),
        status: Set(credit.status().as_str().to_owned()),
        issued_on: Set(credit.issued_on()),
        used_for: Set(credit.used_for().map(|a| a.as_uuid())),
        version: Set(credit.version().get()),
    }
}

pub(crate) fn credit_changes(credit: &Credit) -> credits::ActiveModel {
    credits::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        ..credit_row(credit)
    }
}
