//! The tables of the step, built with the sea-query schema builder (its types are those
//! of the other steps on both databases); their shape CHECKs are the parent's SQL.

use sea_orm_migration::prelude::*;

use crate::storage::migrations::columns::{
    big, boolean, date, fk, instant, int, one_of, optional_date, optional_instant, optional_int,
    optional_text, optional_uuid, text, uuid,
};

use super::{
    ALIGNMENT_SHAPE, ANCHOR_SHAPE, CLAIM_SHAPE, DUNNING_SHAPE, GRANT_SHAPE, ORIGIN_SHAPE,
    PAYMENT_SHAPE, SETTLED_SHAPE, STATUS_SHAPE, USE_SHAPE,
};

/// Referenced tables of earlier steps.
#[derive(DeriveIden)]
enum Clients {
    Table,
}

#[derive(DeriveIden)]
enum Products {
    Table,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
}

#[derive(DeriveIden)]
enum MembershipTypes {
    Table,
    BusinessId,
    Id,
    Name,
    RateMinor,
    Currency,
    PeriodUnit,
    PeriodEvery,
    AppointmentsProductId,
    AppointmentsCount,
    Credits,
    Payment,
    Alignment,
    AnchorMonth,
    AnchorDay,
    Prorate,
    Version,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    BusinessId,
    Id,
    Number,
    ClientId,
    TypeId,
    RateMinor,
    Currency,
    IndividualRate,
    StartDate,
    EndDate,
    MemberSince,
    Status,
    AttentionReason,
    PeriodUnit,
    PeriodEvery,
    AnchorMonth,
    AnchorDay,
    NextBillingDate,
    PaymentMethod,
    CardProcessor,
    CardToken,
    CardBrand,
    CardLast4,
    MandateReference,
    MandateStatus,
    DunningPeriodStart,
    DunningFirstDeclinedOn,
    DunningAttempts,
    DunningNextAttemptOn,
    PausedUntil,
    CancelledOn,
    OrderId,
    Version,
    CreatedAt,
    DueAt,
    ClaimedBy,
    ClaimedUntil,
}

#[derive(DeriveIden)]
enum MembershipCharges {
    Table,
    BusinessId,
    Id,
    MembershipId,
    PeriodStart,
    IdempotencyKey,
    AmountMinor,
    Currency,
    Processor,
    PaymentType,
    Reference,
    Message,
    Attempt,
    Status,
    CreatedAt,
    SettledAt,
}

#[derive(DeriveIden)]
enum Credits {
    Table,
    BusinessId,
    Id,
    ClientId,
    Origin,
    MembershipId,
    PeriodStart,
    StaffId,
    Status,
    IssuedOn,
    UsedFor,
    Version,
}

#[derive(DeriveIden)]
enum MembershipCounters {
    Table,
    BusinessId,
    Last,
}

const PERIOD_UNITS: [&str; 3] = ["week", "month", "year"];
const PAYMENT_KINDS: [&str; 3] = ["card", "direct_debit", "manual"];

pub(super) fn membership_types() -> TableCreateStatement {
    use MembershipTypes as T;
    Table::create()
        .table(T::Table)
        .col(uuid(T::BusinessId))
        .col(uuid(T::Id))
        .col(text(T::Name))
        .col(big(T::RateMinor))
        .col(text(T::Currency))
        .col(one_of(T::PeriodUnit, PERIOD_UNITS, false))
        .col(int(T::PeriodEvery))
        .col(optional_uuid(T::AppointmentsProductId))
        .col(optional_int(T::AppointmentsCount))
        .col(int(T::Credits))
        .col(one_of(T::Payment, PAYMENT_KINDS, false))
        .col(one_of(T::Alignment, ["start_date", "fixed_day"], false))
        .col(optional_int(T::AnchorMonth))
        .col(optional_int(T::AnchorDay))
        .col(boolean(T::Prorate).default(false))
        .col(big(T::Version))
        .primary_key(Index::create().col(T::BusinessId).col(T::Id))
        .check(Check::named(
            "ck_membership_types_rate",
            Expr::col(T::RateMinor).gt(0),
        ))
        .check(Check::named(
            "ck_membership_types_every",
            Expr::col(T::PeriodEvery).gte(1),
        ))
        .check(Check::named(
            "ck_membership_types_credits",
            Expr::col(T::Credits).gte(0),
        ))
        .check(Check::named(
            "ck_membership_types_grant",
            Expr::cust(GRANT_SHAPE),
        ))
        .check(Check::named(
            "ck_membership_types_anchor",
            Expr::cust(ANCHOR_SHAPE),
        ))
        .check(Check::named(
            "ck_membership_types_alignment",
            Expr::cust(ALIGNMENT_SHAPE),
        ))
        .foreign_key(&mut fk(T::Table, T::AppointmentsProductId, Products::Table))
        .take()
}

pub(super) fn memberships() -> TableCreateStatement {
    use Memberships as M;
    let statuses = ["active", "cancelled", "expired", "needs_attention"];
    let reasons = ["payment_failed", "needs_mandate", "payment_method_invalid"];
    let mandates = ["pending", "active", "cancelled", "failed"];
    Table::create()
        .table(M::Table)
        .col(uuid(M::BusinessId))
        .col(uuid(M::Id))
        .col(big(M::Number))
        .col(uuid(M::ClientId))
        .col(uuid(M::TypeId))
        .col(big(M::RateMinor))
        .col(text(M::Currency))
        .col(boolean(M::IndividualRate))
        .col(date(M::StartDate))
        .col(optional_date(M::EndDate))
        .col(date(M::MemberSince))
        .col(one_of(M::Status, statuses, false))
        .col(one_of(M::AttentionReason, reasons, true))
        .col(one_of(M::PeriodUnit, PERIOD_UNITS, false))
        .col(int(M::PeriodEvery))
        .col(optional_int(M::AnchorMonth))
        .col(int(M::AnchorDay))
        .col(date(M::NextBillingDate))
        .col(one_of(M::PaymentMethod, PAYMENT_KINDS, false))
        .col(optional_text(M::CardProcessor))
        .col(optional_text(M::CardToken))
        .col(optional_text(M::CardBrand))
        .col(optional_text(M::CardLast4))
        .col(optional_text(M::MandateReference))
        .col(one_of(M::MandateStatus, mandates, true))
        .col(optional_date(M::DunningPeriodStart))
        .col(optional_date(M::DunningFirstDeclinedOn))
        .col(optional_int(M::DunningAttempts))
        .col(optional_date(M::DunningNextAttemptOn))
        .col(optional_date(M::PausedUntil))
        .col(optional_date(M::CancelledOn))
        .col(optional_uuid(M::OrderId))
        .col(big(M::Version))
        .col(instant(M::CreatedAt))
        .col(optional_instant(M::DueAt))
        .col(optional_text(M::ClaimedBy))
        .col(optional_instant(M::ClaimedUntil))
        .primary_key(Index::create().col(M::BusinessId).col(M::Id))
        .check(Check::named(
            "ck_memberships_number",
            Expr::col(M::Number).gte(1),
        ))
        .check(Check::named(
            "ck_memberships_rate",
            Expr::col(M::RateMinor).gt(0),
        ))
        .check(Check::named(
            "ck_memberships_every",
            Expr::col(M::PeriodEvery).gte(1),
        ))
        .check(Check::named(
            "ck_memberships_status",
            Expr::cust(STATUS_SHAPE),
        ))
        .check(Check::named(
            "ck_memberships_anchor",
            Expr::cust(ANCHOR_SHAPE),
        ))
        .check(Check::named(
            "ck_memberships_payment",
            Expr::cust(PAYMENT_SHAPE),
        ))
        .check(Check::named(
            "ck_memberships_dunning",
            Expr::cust(DUNNING_SHAPE),
        ))
        .check(Check::named(
            "ck_memberships_claim",
            Expr::cust(CLAIM_SHAPE),
        ))
        .foreign_key(&mut fk(M::Table, M::ClientId, Clients::Table))
        .foreign_key(&mut fk(M::Table, M::TypeId, MembershipTypes::Table))
        .foreign_key(&mut fk(M::Table, M::OrderId, Orders::Table))
        .take()
}

pub(super) fn membership_charges() -> TableCreateStatement {
    use MembershipCharges as C;
    let statuses = ["pending", "succeeded", "declined", "failed"];
    Table::create()
        .table(C::Table)
        .col(uuid(C::BusinessId))
        .col(uuid(C::Id))
        .col(uuid(C::MembershipId))
        .col(date(C::PeriodStart))
        .col(text(C::IdempotencyKey))
        .col(big(C::AmountMinor))
        .col(text(C::Currency))
        .col(text(C::Processor))
        .col(optional_text(C::PaymentType))
        .col(optional_text(C::Reference))
        .col(optional_text(C::Message))
        .col(int(C::Attempt))
        .col(one_of(C::Status, statuses, false))
        .col(instant(C::CreatedAt))
        .col(optional_instant(C::SettledAt))
        .primary_key(Index::create().col(C::BusinessId).col(C::Id))
        .check(Check::named(
            "ck_membership_charges_amount",
            Expr::col(C::AmountMinor).gte(0),
        ))
        .check(Check::named(
            "ck_membership_charges_attempt",
            Expr::col(C::Attempt).gte(1),
        ))
        .check(Check::named(
            "ck_membership_charges_settled",
            Expr::cust(SETTLED_SHAPE),
        ))
        .foreign_key(&mut fk(C::Table, C::MembershipId, Memberships::Table))
        .take()
}

pub(super) fn credits() -> TableCreateStatement {
    use Credits as C;
    let statuses = ["active", "used", "revoked", "refundable"];
    Table::create()
        .table(C::Table)
        .col(uuid(C::BusinessId))
        .col(uuid(C::Id))
        .col(uuid(C::ClientId))
        .col(one_of(C::Origin, ["period", "staff"], false))
        .col(optional_uuid(C::MembershipId))
        .col(optional_date(C::PeriodStart))
        .col(optional_uuid(C::StaffId))
        .col(one_of(C::Status, statuses, false))
        .col(date(C::IssuedOn))
        .col(optional_uuid(C::UsedFor))
        .col(big(C::Version))
        .primary_key(Index::create().col(C::BusinessId).col(C::Id))
        .check(Check::named("ck_credits_origin", Expr::cust(ORIGIN_SHAPE)))
        .check(Check::named("ck_credits_use", Expr::cust(USE_SHAPE)))
        .foreign_key(&mut fk(C::Table, C::ClientId, Clients::Table))
        .foreign_key(&mut fk(C::Table, C::MembershipId, Memberships::Table))
        .take()
}

pub(super) fn membership_counters() -> TableCreateStatement {
    use MembershipCounters as N;
    Table::create()
        .table(N::Table)
        .col(uuid(N::BusinessId).primary_key())
        .col(big(N::Last))
        .check(Check::named(
            "ck_membership_counters_last",
            Expr::col(N::Last).gte(1),
        ))
        .take()
}
