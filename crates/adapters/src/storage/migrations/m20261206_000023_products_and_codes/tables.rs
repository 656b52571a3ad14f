//! The tables of the step, built with the sea-query schema builder (its types are those
//! of the other steps on both databases); their shape CHECKs are the parent's SQL.

use sea_orm_migration::prelude::*;

use crate::storage::migrations::columns::{
    big, boolean, fk, instant, one_of, optional_int, optional_text, optional_uuid, text, uuid,
};

use super::{CODE_UNIT, PRODUCT_SHAPE, SETTLEMENT_SHAPE};

/// Referenced tables of earlier steps.
#[derive(DeriveIden)]
enum Clients {
    Table,
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    BusinessId,
    Id,
    Name,
    Kind,
    Appointments,
    ValueMinor,
    PeriodUnit,
    PeriodEvery,
    Rollover,
    PriceMinor,
    Currency,
    ValidityDays,
    ValidityMonths,
    Archived,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ProductAppointmentTypes {
    Table,
    BusinessId,
    ProductId,
    AppointmentTypeId,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    BusinessId,
    Id,
    ClientId,
    ProductId,
    Family,
    CodeId,
    CodeText,
    PriceMinor,
    Currency,
    Method,
    Processor,
    CardBrand,
    CardLast4,
    PaymentType,
    Reference,
    InvoiceNumber,
    PaidMinor,
    RefundedMinor,
    Status,
    ActorId,
    CreatedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum Codes {
    Table,
    BusinessId,
    Id,
    ProductId,
    Family,
    OrderId,
    ClientId,
    Text,
    Unit,
    Currency,
    Status,
    ExpiresOn,
    AssignedTo,
    Remaining,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum CodeLedger {
    Table,
    BusinessId,
    CodeId,
    Seq,
    At,
    ActorId,
    Reason,
    AppointmentId,
    OrderId,
    Delta,
}

#[derive(DeriveIden)]
enum CodeAudit {
    Table,
    BusinessId,
    Id,
    CodeId,
    ActorId,
    At,
    Field,
    OldValue,
    NewValue,
}

const FAMILIES: [&str; 3] = ["package", "gift_certificate", "subscription"];
const REASONS: [&str; 7] = [
    "purchase",
    "grant",
    "redemption",
    "give_back",
    "refresh",
    "staff_edit",
    "expiry",
];

pub(super) fn products() -> TableCreateStatement {
    use Products as P;
    Table::create()
        .table(P::Table)
        .col(uuid(P::BusinessId))
        .col(uuid(P::Id))
        .col(text(P::Name))
        .col(one_of(P::Kind, FAMILIES, false))
        .col(optional_int(P::Appointments))
        .col(ColumnDef::new(P::ValueMinor).big_integer().null())
        .col(one_of(P::PeriodUnit, ["week", "month", "year"], true))
        .col(optional_int(P::PeriodEvery))
        .col(boolean(P::Rollover).default(false))
        .col(big(P::PriceMinor))
        .col(text(P::Currency))
        .col(optional_int(P::ValidityDays))
        .col(optional_int(P::ValidityMonths))
        .col(boolean(P::Archived).default(false))
        .col(instant(P::CreatedAt))
        .col(instant(P::UpdatedAt))
        .col(big(P::Version))
        .primary_key(Index::create().col(P::BusinessId).col(P::Id))
        .check(Check::named(
            "ck_products_price",
            Expr::col(P::PriceMinor).gte(0),
        ))
        .check(Check::named(
            "ck_products_appointments",
            Expr::col(P::Appointments).gte(1),
        ))
        .check(Check::named(
            "ck_products_value",
            Expr::col(P::ValueMinor).gt(0),
        ))
        .check(Check::named(
            "ck_products_every",
            Expr::col(P::PeriodEvery).gte(1),
        ))
        .check(Check::named("ck_products_shape", Expr::cust(PRODUCT_SHAPE)))
        .take()
}

pub(super) fn product_appointment_types() -> TableCreateStatement {
    use ProductAppointmentTypes as T;
    Table::create()
        .table(T::Table)
        .col(uuid(T::BusinessId))
        .col(uuid(T::ProductId))
        .col(uuid(T::AppointmentTypeId))
        .primary_key(
            Index::create()
                .col(T::BusinessId)
                .col(T::ProductId)
                .col(T::AppointmentTypeId),
        )
        .foreign_key(
            fk(T::Table, T::ProductId, Products::Table).on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(&mut fk(
            T::Table,
            T::AppointmentTypeId,
            AppointmentTypes::Table,
        ))
        .take()
}

pub(super) fn orders() -> TableCreateStatement {
    use Orders as O;
    Table::create()
        .table(O::Table)
        .col(uuid(O::BusinessId))
        .col(uuid(O::Id))
        .col(uuid(O::ClientId))
        .col(uuid(O::ProductId))
        .col(one_of(O::Family, FAMILIES, false))
        .col(uuid(O::CodeId))
        .col(text(O::CodeText))
        .col(big(O::PriceMinor))
        .col(text(O::Currency))
        .col(one_of(O::Method, ["card", "manual", "invoice"], false))
        .col(optional_text(O::Processor))
        .col(optional_text(O::CardBrand))
        .col(optional_text(O::CardLast4))
        .col(optional_text(O::PaymentType))
        .col(optional_text(O::Reference))
        .col(optional_text(O::InvoiceNumber))
        .col(big(O::PaidMinor))
        .col(big(O::RefundedMinor))
        .col(one_of(O::Status, ["active", "cancelled"], false))
        .col(uuid(O::ActorId))
        .col(instant(O::CreatedAt))
        .col(
            ColumnDef::new(O::CancelledAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .primary_key(Index::create().col(O::BusinessId).col(O::Id))
        .check(Check::named(
            "ck_orders_price",
            Expr::col(O::PriceMinor).gte(0),
        ))
        .check(Check::named(
            "ck_orders_paid",
            Expr::col(O::PaidMinor).gte(0),
        ))
        .check(Check::named(
            "ck_orders_refunded",
            Expr::col(O::RefundedMinor).gte(0),
        ))
        // AP-8 for orders: never more refunded than paid.
        .check(Check::named(
            "ck_orders_refund_within_paid",
            Expr::col(O::RefundedMinor).lte(Expr::col(O::PaidMinor)),
        ))
        .check(Check::named(
            "ck_orders_settlement",
            Expr::cust(SETTLEMENT_SHAPE),
        ))
        .foreign_key(&mut fk(O::Table, O::ClientId, Clients::Table))
        .foreign_key(&mut fk(O::Table, O::ProductId, Products::Table))
        .take()
}

pub(super) fn codes() -> TableCreateStatement {
    use Codes as C;
    Table::create()
        .table(C::Table)
        .col(uuid(C::BusinessId))
        .col(uuid(C::Id))
        .col(uuid(C::ProductId))
        .col(one_of(C::Family, FAMILIES, false))
        .col(optional_uuid(C::OrderId))
        .col(optional_uuid(C::ClientId))
        .col(text(C::Text))
        .col(one_of(C::Unit, ["appointments", "money"], false))
        .col(optional_text(C::Currency))
        .col(one_of(C::Status, ["active", "cancelled", "expired"], false))
        .col(ColumnDef::new(C::ExpiresOn).date().null())
        .col(optional_text(C::AssignedTo))
        .col(big(C::Remaining))
        .col(instant(C::CreatedAt))
        .col(instant(C::UpdatedAt))
        .col(big(C::Version))
        .primary_key(Index::create().col(C::BusinessId).col(C::Id))
        .check(Check::named(
            "ck_codes_remaining",
            Expr::col(C::Remaining).gte(0),
        ))
        .check(Check::named("ck_codes_unit", Expr::cust(CODE_UNIT)))
        .foreign_key(&mut fk(C::Table, C::ProductId, Products::Table))
        .foreign_key(&mut fk(C::Table, C::OrderId, Orders::Table))
        .foreign_key(&mut fk(C::Table, C::ClientId, Clients::Table))
        .take()
}

pub(super) fn code_ledger() -> TableCreateStatement {
    use CodeLedger as L;
    Table::create()
        .table(L::Table)
        .col(uuid(L::BusinessId))
        .col(uuid(L::CodeId))
        .col(ColumnDef::new(L::Seq).integer().not_null())
        .col(instant(L::At))
        .col(optional_uuid(L::ActorId))
        .col(one_of(L::Reason, REASONS, false))
        .col(optional_uuid(L::AppointmentId))
        .col(optional_uuid(L::OrderId))
        .col(big(L::Delta))
        .primary_key(
            Index::create()
                .col(L::BusinessId)
                .col(L::CodeId)
                .col(L::Seq),
        )
        .check(Check::named("ck_code_ledger_seq", Expr::col(L::Seq).gte(1)))
        // No cascade: codes are never deleted, and the ledger refuses deletes.
        .foreign_key(&mut fk(L::Table, L::CodeId, Codes::Table))
        .take()
}

pub(super) fn code_audit() -> TableCreateStatement {
    use CodeAudit as A;
    Table::create()
        .table(A::Table)
        .col(uuid(A::BusinessId))
        .col(uuid(A::Id))
        .col(uuid(A::CodeId))
        .col(uuid(A::ActorId))
        .col(instant(A::At))
        .col(text(A::Field))
        .col(optional_text(A::OldValue))
        .col(optional_text(A::NewValue))
        .primary_key(Index::create().col(A::BusinessId).col(A::Id))
        .foreign_key(&mut fk(A::Table, A::CodeId, Codes::Table))
        .take()
}
