//! Payments (AP-5 to AP-8, PL-19, PL-20): each business's active processor and manual
//! payment types, stored cards, payments and refunds, invoices, and idempotency keys
//! (PL-10).
//!
//! PL-26 as in the first step: every table leads its primary key, foreign keys and indexes
//! with `business_id`. Money is integer minor units beside its currency, and AP-8 (never
//! refund more of a charge than it was) holds in the database too, as a CHECK. One
//! processor charge or refund is recorded once: its reference is unique per processor and
//! direction.
//!
//! The new business columns have defaults, so the businesses that exist before this step
//! get the stub card processor and cash, cheque and bank transfer. SQLite adds one column
//! per `ALTER TABLE`, so each column is its own statement (on both databases).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The processor of a business that existed before this step.
const DEFAULT_PROCESSOR: &str = "stub_card";
/// The manual payment types of a business that existed before this step: a JSON array.
const DEFAULT_PAYMENT_TYPES: &str = r#"["bank_transfer","cash","cheque"]"#;

#[derive(DeriveIden)]
enum Businesses {
    Table,
    ActiveProcessor,
    PaymentTypes,
}

/// Referenced tables of earlier steps: only the columns the foreign keys name.
#[derive(DeriveIden)]
enum Clients {
    Table,
    BusinessId,
    Id,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    BusinessId,
    Id,
}

#[derive(DeriveIden)]
enum PaymentMethods {
    Table,
    BusinessId,
    Id,
    ClientId,
    Processor,
    Token,
    Brand,
    Last4,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    BusinessId,
    Id,
    AppointmentId,
    ClientId,
    Direction,
    AmountMinor,
    RefundedMinor,
    Currency,
    Processor,
    Means,
    CardBrand,
    CardLast4,
    PaymentType,
    Reference,
    RefundOf,
    ActorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    BusinessId,
    Id,
    AppointmentId,
    ClientId,
    Number,
    AmountMinor,
    Currency,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    BusinessId,
    Key,
    Operation,
    Fingerprint,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
}

fn uuid(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

fn optional_uuid(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().null().take()
}

fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

fn optional_text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

/// A text column that holds one of `values`.
fn one_of<const N: usize>(name: impl IntoIden, values: [&str; N]) -> ColumnDef {
    let name = name.into_iden();
    text(name.clone())
        .check(Expr::col(name).is_in(values))
        .take()
}

fn instant(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

/// An amount in integer minor units of the row's currency.
fn minor_units(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

fn index(name: &str, table: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // PL-20. One column per statement: SQLite cannot add two at once.
        manager
            .alter_table(
                Table::alter()
                    .table(Businesses::Table)
                    .add_column(text(Businesses::ActiveProcessor).default(DEFAULT_PROCESSOR))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Businesses::Table)
                    .add_column(text(Businesses::PaymentTypes).default(DEFAULT_PAYMENT_TYPES))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PaymentMethods::Table)
                    .col(uuid(PaymentMethods::BusinessId))
                    .col(uuid(PaymentMethods::Id))
                    .col(uuid(PaymentMethods::ClientId))
                    .col(text(PaymentMethods::Processor))
                    .col(text(PaymentMethods::Token))
                    .col(text(PaymentMethods::Brand))
                    .col(text(PaymentMethods::Last4))
                    .col(instant(PaymentMethods::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(PaymentMethods::BusinessId)
                            .col(PaymentMethods::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_payment_methods_client")
                            .from(
                                PaymentMethods::Table,
                                (PaymentMethods::BusinessId, PaymentMethods::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // A client's cards, oldest first; also serves the cascade from clients.
        manager
            .create_index(
                index("ix_payment_methods_client", PaymentMethods::Table)
                    .col(PaymentMethods::BusinessId)
                    .col(PaymentMethods::ClientId)
                    .col(PaymentMethods::CreatedAt)
                    .col(PaymentMethods::Id)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(uuid(Payments::BusinessId))
                    .col(uuid(Payments::Id))
                    .col(uuid(Payments::AppointmentId))
                    .col(uuid(Payments::ClientId))
                    .col(one_of(Payments::Direction, ["charge", "refund"]))
                    .col(minor_units(Payments::AmountMinor))
                    .col(minor_units(Payments::RefundedMinor).default(0))
                    .col(text(Payments::Currency))
                    .col(text(Payments::Processor))
                    .col(one_of(Payments::Means, ["card", "manual"]))
                    .col(optional_text(Payments::CardBrand))
                    .col(optional_text(Payments::CardLast4))
                    .col(optional_text(Payments::PaymentType))
                    .col(text(Payments::Reference))
                    .col(optional_uuid(Payments::RefundOf))
                    .col(uuid(Payments::ActorId))
                    .col(instant(Payments::CreatedAt))
                    .primary_key(Index::create().col(Payments::BusinessId).col(Payments::Id))
                    .check(Check::named(
                        "ck_payments_amount",
                        Expr::col(Payments::AmountMinor).gt(0),
                    ))
                    .check(Check::named(
                        "ck_payments_refunded",
                        Expr::col(Payments::RefundedMinor).gte(0),
                    ))
                    // AP-8: never more refunded of a charge than it was.
                    .check(Check::named(
                        "ck_payments_refund_within_amount",
                        Expr::col(Payments::RefundedMinor).lte(Expr::col(Payments::AmountMinor)),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_payments_appointment")
                            .from(
                                Payments::Table,
                                (Payments::BusinessId, Payments::AppointmentId),
                            )
                            .to(
                                Appointments::Table,
                                (Appointments::BusinessId, Appointments::Id),
                            )
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // One processor charge or refund is recorded once, whatever retries happen.
        manager
            .create_index(
                index("ux_payments_reference", Payments::Table)
                    .col(Payments::BusinessId)
                    .col(Payments::Processor)
                    .col(Payments::Direction)
                    .col(Payments::Reference)
                    .unique()
                    .take(),
            )
            .await?;
        // An appointment's payments, newest first; also serves the cascade.
        manager
            .create_index(
                index("ix_payments_appointment", Payments::Table)
                    .col(Payments::BusinessId)
                    .col(Payments::AppointmentId)
                    .col(Payments::CreatedAt)
                    .col(Payments::Id)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invoices::Table)
                    .col(uuid(Invoices::BusinessId))
                    .col(uuid(Invoices::Id))
                    .col(uuid(Invoices::AppointmentId))
                    .col(uuid(Invoices::ClientId))
                    .col(text(Invoices::Number))
                    .col(minor_units(Invoices::AmountMinor))
                    .col(text(Invoices::Currency))
                    .col(instant(Invoices::CreatedAt))
                    .primary_key(Index::create().col(Invoices::BusinessId).col(Invoices::Id))
                    .check(Check::named(
                        "ck_invoices_amount",
                        Expr::col(Invoices::AmountMinor).gte(0),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invoices_appointment")
                            .from(
                                Invoices::Table,
                                (Invoices::BusinessId, Invoices::AppointmentId),
                            )
                            .to(
                                Appointments::Table,
                                (Appointments::BusinessId, Appointments::Id),
                            )
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ux_invoices_number", Invoices::Table)
                    .col(Invoices::BusinessId)
                    .col(Invoices::Number)
                    .unique()
                    .take(),
            )
            .await?;
        // An appointment's invoices, oldest first; also serves the cascade.
        manager
            .create_index(
                index("ix_invoices_appointment", Invoices::Table)
                    .col(Invoices::BusinessId)
                    .col(Invoices::AppointmentId)
                    .col(Invoices::CreatedAt)
                    .col(Invoices::Id)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::BusinessId))
                    .col(text(IdempotencyKeys::Key))
                    .col(text(IdempotencyKeys::Operation))
                    .col(text(IdempotencyKeys::Fingerprint))
                    .col(
                        ColumnDef::new(IdempotencyKeys::ResponseStatus)
                            .integer()
                            .null(),
                    )
                    .col(optional_text(IdempotencyKeys::ResponseBody))
                    .col(instant(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::BusinessId)
                            .col(IdempotencyKeys::Key),
                    )
                    .take(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            Invoices::Table.into_iden(),
            Payments::Table.into_iden(),
            PaymentMethods::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        for column in [
            Businesses::PaymentTypes.into_iden(),
            Businesses::ActiveProcessor.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Businesses::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
