//! CL-24: each `clients` row says whether its client may have custom field values
//! (`has_custom_values`), so that a page of clients without any reads none.
//!
//! A page's values were one more query for every page, by the ids of its clients (500
//! of them for a page of 500), whatever the business: at a million clients about a third
//! of the product's own work on such a page (before this step). The adapter writes
//! the flag with the client's values. Deleting a field deletes its values (ON DELETE
//! CASCADE) and leaves the flag set: "may have" then finds none, which is only a query
//! more.

use sea_orm_migration::prelude::*;

use super::run_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE clients ADD COLUMN has_custom_values boolean NOT NULL DEFAULT false",
    "UPDATE clients SET has_custom_values = true
     WHERE EXISTS (SELECT 1 FROM client_field_values own
         WHERE own.business_id = clients.business_id AND own.client_id = clients.id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the column and its values land together.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &["ALTER TABLE clients DROP COLUMN has_custom_values"],
        )
        .await
    }
}
