//! PL-16: each claim of an `outbox_emails` row is fenced by a token (`claim_token`, fresh
//! per claim). A worker confirms its claim, by token, just before each send; once its
//! lease has run out and another worker has claimed the email, the confirmation fails and
//! it does not send. Rows claimed before this step have none and are claimed afresh.

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
            &["ALTER TABLE outbox_emails ADD COLUMN claim_token uuid NULL"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &["ALTER TABLE outbox_emails DROP COLUMN claim_token"],
        )
        .await
    }
}
