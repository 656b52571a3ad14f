//! AP-8: whether a business lets members with the `staff` role refund
//! (`businesses.staff_may_refund`); off for every business, existing ones included.

use sea_orm_migration::prelude::*;

use super::run_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &["ALTER TABLE businesses ADD COLUMN staff_may_refund boolean NOT NULL DEFAULT false"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &["ALTER TABLE businesses DROP COLUMN staff_may_refund"],
        )
        .await
    }
}
