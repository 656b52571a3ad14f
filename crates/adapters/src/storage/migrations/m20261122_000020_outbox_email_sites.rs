//! PL-14: each `outbox_emails` row names the site its email is about (`site_id`, the
//! appointment's site), so that a member limited to some sites lists only those sites'
//! emails. Emails about no site, and those queued before this step, have none: only
//! members who see every site list them. No foreign key: an email is a record of what was
//! sent and outlives the site.

use sea_orm_migration::prelude::*;

use super::run_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE outbox_emails ADD COLUMN site_id uuid NULL",
    "CREATE INDEX ix_outbox_emails_site ON outbox_emails (business_id, site_id, id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &[
                "DROP INDEX ix_outbox_emails_site",
                "ALTER TABLE outbox_emails DROP COLUMN site_id",
            ],
        )
        .await
    }
}
