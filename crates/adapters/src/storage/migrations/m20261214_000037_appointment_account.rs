//! AP-1, AC-8, AC-9: the client account an appointment is assigned to becomes a column of
//! the appointment (it was a table of its own), so that every view of an appointment
//! says it (AC-12) and an account's appointments are one index range. And AP-3: the
//! business's notice for clients' own changes (24 hours by default).
//!
//! No foreign key: SQLite cannot add one to an existing table. Erasing an account
//! clears its appointments' column first (`client_erasures`).

use sea_orm_migration::prelude::*;

use super::run_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("appointments"))
                    .add_column(ColumnDef::new(Alias::new("account_id")).uuid().null())
                    .take(),
            )
            .await?;
        run_all(
            manager,
            &[
                "UPDATE appointments SET account_id = (SELECT x.account_id \
                 FROM account_appointments x WHERE x.business_id = appointments.business_id \
                 AND x.appointment_id = appointments.id) \
                 WHERE EXISTS (SELECT 1 FROM account_appointments x \
                 WHERE x.business_id = appointments.business_id \
                 AND x.appointment_id = appointments.id)",
                "DROP TABLE account_appointments",
                "CREATE INDEX ix_appointments_account \
                 ON appointments (business_id, account_id, starts_at, id)",
                "ALTER TABLE businesses ADD COLUMN client_change_notice_hours integer NOT NULL \
                 DEFAULT 24",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &[
                "ALTER TABLE businesses DROP COLUMN client_change_notice_hours",
                "DROP INDEX ix_appointments_account",
                "CREATE TABLE account_appointments (business_id uuid NOT NULL, \
                 appointment_id uuid NOT NULL, account_id uuid NOT NULL, \
                 assigned_at timestamp with time zone NOT NULL, \
                 PRIMARY KEY (business_id, appointment_id))",
                "INSERT INTO account_appointments \
                 SELECT business_id, id, account_id, updated_at FROM appointments \
                 WHERE account_id IS NOT NULL",
                "ALTER TABLE appointments DROP COLUMN account_id",
            ],
        )
        .await
    }
}
