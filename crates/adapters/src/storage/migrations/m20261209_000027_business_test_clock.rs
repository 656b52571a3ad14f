//! PL-25: a business founded in test mode (`businesses.test_mode`) has a clock of its own:
//! the instant it was moved to (`test_clock`) and how far the worker has done its days'
//! work (`test_clock_worked_to`). Both null for a live business; every existing business
//! is live.

use sea_orm_migration::prelude::*;

use super::columns::optional_instant;
use super::run_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Businesses {
    Table,
    TestClock,
    TestClockWorkedTo,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &["ALTER TABLE businesses ADD COLUMN test_mode boolean NOT NULL DEFAULT false"],
        )
        .await?;
        // SQLite adds one column per statement.
        for column in [Businesses::TestClock, Businesses::TestClockWorkedTo] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Businesses::Table)
                        .add_column(optional_instant(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &[
                "ALTER TABLE businesses DROP COLUMN test_clock_worked_to",
                "ALTER TABLE businesses DROP COLUMN test_clock",
                "ALTER TABLE businesses DROP COLUMN test_mode",
            ],
        )
        .await
    }
}
