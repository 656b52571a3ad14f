//! AC-7, AC-10: a client account lists the codes assigned to its email, found by the
//! lower-cased address (`EmailAddress::key`).

use sea_orm_migration::prelude::*;

use super::run_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &["CREATE INDEX ix_codes_assigned ON codes (business_id, lower(assigned_to))"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &["DROP INDEX ix_codes_assigned"]).await
    }
}
