//! Appointment types, appointments, the audit trails of clients and of attendance, and the
//! email outbox.
//!
//! PL-26 as in the first step: every table leads its primary key, foreign keys and indexes
//! with `business_id`. Money is integer minor units beside its currency (SQLite would round
//! a decimal through `f64`), and AP-8 (never refund more than was paid) holds in the
//! database too, as CHECK constraints.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Referenced tables of the first step: only the columns the foreign keys name.
#[derive(DeriveIden)]
enum Sites {
    Table,
    BusinessId,
    Id,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    BusinessId,
    Id,
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
    BusinessId,
    Id,
    Name,
    DurationMinutes,
    PriceMinor,
    Currency,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    BusinessId,
    Id,
    ClientId,
    TypeId,
    SiteId,
    StaffId,
    StartsAt,
    EndsAt,
    PriceMinor,
    Currency,
    Status,
    Attendance,
    PaidMinor,
    RefundedMinor,
    CreatedAt,
    UpdatedAt,
    CancelledAt,
    Version,
}

#[derive(DeriveIden)]
enum ClientAudit {
    Table,
    BusinessId,
    Id,
    ClientId,
    ActorId,
    At,
    Action,
}

#[derive(DeriveIden)]
enum AttendanceChanges {
    Table,
    BusinessId,
    Id,
    AppointmentId,
    FromAttendance,
    ToAttendance,
    ActorId,
    At,
}

#[derive(DeriveIden)]
enum OutboxEmails {
    Table,
    BusinessId,
    Id,
    Kind,
    ToAddress,
    Subject,
    TextBody,
    HtmlBody,
    CreatedAt,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    SentAt,
    LastError,
}

const ATTENDANCES: [&str; 3] = ["booked", "checked_in", "no_show"];

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

fn optional_instant(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}

/// An amount in integer minor units of the row's currency.
fn minor_units(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

fn version(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

fn index(name: &str, table: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppointmentTypes::Table)
                    .col(uuid(AppointmentTypes::BusinessId))
                    .col(uuid(AppointmentTypes::Id))
                    .col(text(AppointmentTypes::Name))
                    .col(
                        ColumnDef::new(AppointmentTypes::DurationMinutes)
                            .integer()
                            .not_null(),
                    )
                    .col(minor_units(AppointmentTypes::PriceMinor))
                    .col(text(AppointmentTypes::Currency))
                    .col(instant(AppointmentTypes::CreatedAt))
                    .col(instant(AppointmentTypes::UpdatedAt))
                    .col(version(AppointmentTypes::Version))
                    .primary_key(
                        Index::create()
                            .col(AppointmentTypes::BusinessId)
                            .col(AppointmentTypes::Id),
                    )
                    .check(Check::named(
                        "ck_appointment_types_price",
                        Expr::col(AppointmentTypes::PriceMinor).gte(0),
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Appointments::Table)
                    .col(uuid(Appointments::BusinessId))
                    .col(uuid(Appointments::Id))
                    .col(uuid(Appointments::ClientId))
                    .col(uuid(Appointments::TypeId))
                    .col(uuid(Appointments::SiteId))
                    .col(optional_uuid(Appointments::StaffId))
                    .col(instant(Appointments::StartsAt))
                    .col(instant(Appointments::EndsAt))
                    .col(minor_units(Appointments::PriceMinor))
                    .col(text(Appointments::Currency))
                    .col(one_of(Appointments::Status, ["scheduled", "cancelled"]))
                    .col(one_of(Appointments::Attendance, ATTENDANCES))
                    .col(minor_units(Appointments::PaidMinor))
                    .col(minor_units(Appointments::RefundedMinor))
                    .col(instant(Appointments::CreatedAt))
                    .col(instant(Appointments::UpdatedAt))
                    .col(optional_instant(Appointments::CancelledAt))
                    .col(version(Appointments::Version))
                    .primary_key(
                        Index::create()
                            .col(Appointments::BusinessId)
                            .col(Appointments::Id),
                    )
                    .check(Check::named(
                        "ck_appointments_price",
                        Expr::col(Appointments::PriceMinor).gte(0),
                    ))
                    .check(Check::named(
                        "ck_appointments_paid",
                        Expr::col(Appointments::PaidMinor).gte(0),
                    ))
                    .check(Check::named(
                        "ck_appointments_refunded",
                        Expr::col(Appointments::RefundedMinor).gte(0),
                    ))
                    // AP-8: never more refunded than paid.
                    .check(Check::named(
                        "ck_appointments_refund_within_paid",
                        Expr::col(Appointments::RefundedMinor)
                            .lte(Expr::col(Appointments::PaidMinor)),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_appointments_client")
                            .from(
                                Appointments::Table,
                                (Appointments::BusinessId, Appointments::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_appointments_type")
                            .from(
                                Appointments::Table,
                                (Appointments::BusinessId, Appointments::TypeId),
                            )
                            .to(
                                AppointmentTypes::Table,
                                (AppointmentTypes::BusinessId, AppointmentTypes::Id),
                            )
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_appointments_site")
                            .from(
                                Appointments::Table,
                                (Appointments::BusinessId, Appointments::SiteId),
                            )
                            .to(Sites::Table, (Sites::BusinessId, Sites::Id))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;
        // A client's appointments, latest first; also serves the cascade from clients.
        manager
            .create_index(
                index("ix_appointments_client", Appointments::Table)
                    .col(Appointments::BusinessId)
                    .col(Appointments::ClientId)
                    .col(Appointments::StartsAt)
                    .col(Appointments::Id)
                    .take(),
            )
            .await?;
        // Serves the foreign-key check when a site is deleted.
        manager
            .create_index(
                index("ix_appointments_site", Appointments::Table)
                    .col(Appointments::BusinessId)
                    .col(Appointments::SiteId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ClientAudit::Table)
                    .col(uuid(ClientAudit::BusinessId))
                    .col(uuid(ClientAudit::Id))
                    .col(uuid(ClientAudit::ClientId))
                    .col(uuid(ClientAudit::ActorId))
                    .col(instant(ClientAudit::At))
                    .col(text(ClientAudit::Action))
                    .primary_key(
                        Index::create()
                            .col(ClientAudit::BusinessId)
                            .col(ClientAudit::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_audit_client")
                            .from(
                                ClientAudit::Table,
                                (ClientAudit::BusinessId, ClientAudit::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ix_client_audit_client", ClientAudit::Table)
                    .col(ClientAudit::BusinessId)
                    .col(ClientAudit::ClientId)
                    .col(ClientAudit::At)
                    .col(ClientAudit::Id)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AttendanceChanges::Table)
                    .col(uuid(AttendanceChanges::BusinessId))
                    .col(uuid(AttendanceChanges::Id))
                    .col(uuid(AttendanceChanges::AppointmentId))
                    .col(one_of(AttendanceChanges::FromAttendance, ATTENDANCES))
                    .col(one_of(AttendanceChanges::ToAttendance, ATTENDANCES))
                    .col(uuid(AttendanceChanges::ActorId))
                    .col(instant(AttendanceChanges::At))
                    .primary_key(
                        Index::create()
                            .col(AttendanceChanges::BusinessId)
                            .col(AttendanceChanges::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attendance_changes_appointment")
                            .from(
                                AttendanceChanges::Table,
                                (
                                    AttendanceChanges::BusinessId,
                                    AttendanceChanges::AppointmentId,
                                ),
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
                index(
                    "ix_attendance_changes_appointment",
                    AttendanceChanges::Table,
                )
                .col(AttendanceChanges::BusinessId)
                .col(AttendanceChanges::AppointmentId)
                .col(AttendanceChanges::At)
                .col(AttendanceChanges::Id)
                .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxEmails::Table)
                    .col(uuid(OutboxEmails::BusinessId))
                    .col(uuid(OutboxEmails::Id))
                    .col(text(OutboxEmails::Kind))
                    .col(text(OutboxEmails::ToAddress))
                    .col(text(OutboxEmails::Subject))
                    .col(text(OutboxEmails::TextBody))
                    .col(text(OutboxEmails::HtmlBody))
                    .col(instant(OutboxEmails::CreatedAt))
                    .col(one_of(OutboxEmails::Status, ["pending", "sent", "failed"]))
                    .col(
                        ColumnDef::new(OutboxEmails::Attempts)
                            .integer()
                            .not_null()
                            .default(0)
                            .check(Expr::col(OutboxEmails::Attempts).gte(0)),
                    )
                    .col(instant(OutboxEmails::NextAttemptAt))
                    .col(optional_instant(OutboxEmails::ClaimedUntil))
                    .col(optional_instant(OutboxEmails::SentAt))
                    .col(optional_text(OutboxEmails::LastError))
                    .primary_key(
                        Index::create()
                            .col(OutboxEmails::BusinessId)
                            .col(OutboxEmails::Id),
                    )
                    .take(),
            )
            .await?;
        // The worker's claim: a business's pending emails, oldest due first.
        manager
            .create_index(
                index("ix_outbox_emails_due", OutboxEmails::Table)
                    .col(OutboxEmails::BusinessId)
                    .col(OutboxEmails::Status)
                    .col(OutboxEmails::NextAttemptAt)
                    .col(OutboxEmails::Id)
                    .take(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OutboxEmails::Table.into_iden(),
            AttendanceChanges::Table.into_iden(),
            ClientAudit::Table.into_iden(),
            Appointments::Table.into_iden(),
            AppointmentTypes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
