//! ME-8: a business's dunning policy (`businesses.dunning`, as
//! `DunningPolicy::to_setting` writes it): retry 1, 3 and 5 days after a declined
//! membership payment, then cancel, for every business, existing ones included.

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
            &["ALTER TABLE businesses ADD COLUMN dunning text NOT NULL DEFAULT 'retry 1,3,5 cancel'"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &["ALTER TABLE businesses DROP COLUMN dunning"]).await
    }
}
