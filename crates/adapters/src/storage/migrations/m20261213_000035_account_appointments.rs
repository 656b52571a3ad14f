//! AC-8, AC-9: the appointments assigned to a client account, at most one account each.
//! The assignment goes with its appointment (a client's deletion deletes both).

use sea_orm_migration::prelude::*;

use super::columns::{fk, instant, uuid};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum AccountAppointments {
    Table,
    BusinessId,
    AppointmentId,
    AccountId,
    AssignedAt,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
}

#[derive(DeriveIden)]
enum ClientAccounts {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AccountAppointments as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::BusinessId))
                    .col(uuid(A::AppointmentId))
                    .col(uuid(A::AccountId))
                    .col(instant(A::AssignedAt))
                    .primary_key(Index::create().col(A::BusinessId).col(A::AppointmentId))
                    .foreign_key(
                        fk(A::Table, A::AppointmentId, Appointments::Table)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(A::Table, A::AccountId, ClientAccounts::Table))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_account_appointments_account")
                    .table(A::Table)
                    .col(A::BusinessId)
                    .col(A::AccountId)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountAppointments::Table).take())
            .await
    }
}
