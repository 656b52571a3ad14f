//! CL-4, CL-10, CL-11: each `clients` row carries the ids of its client's sites and
//! labels (`site_ids`, `label_ids`: comma-separated, sorted, 32 lowercase hex digits each),
//! copies of its `client_sites` and `client_labels` rows.
//!
//! Every read of clients returns each one's site and label ids. They were two correlated
//! aggregates per client in the page's statement: for a page of 500, 1,000 index probes,
//! more than half of the statement (at a million clients, 12–18 ms with them against 5–6
//! without on PostgreSQL, 11–13 against 4–5 on SQLite, before this step). On the row,
//! they cost nothing to read.
//!
//! The adapter writes them with the client's rows (an update rewrites the row, its sites
//! and labels together); deleting a label rebuilds the copies of the clients that had it.
//! A site cannot be deleted while clients have it.

use sea_orm_migration::prelude::*;

use super::run_for_backend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE clients
        ADD COLUMN site_ids text NOT NULL DEFAULT '',
        ADD COLUMN label_ids text NOT NULL DEFAULT ''",
    "UPDATE clients SET
        site_ids = COALESCE((SELECT string_agg(replace(own.site_id::text, '-', ''), ','
                ORDER BY own.site_id)
            FROM client_sites own
            WHERE own.business_id = clients.business_id AND own.client_id = clients.id), ''),
        label_ids = COALESCE((SELECT string_agg(replace(own.label_id::text, '-', ''), ','
                ORDER BY own.label_id)
            FROM client_labels own
            WHERE own.business_id = clients.business_id AND own.client_id = clients.id), '')",
];

const SQLITE_UP: &[&str] = &[
    "ALTER TABLE clients ADD COLUMN site_ids TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE clients ADD COLUMN label_ids TEXT NOT NULL DEFAULT ''",
    "UPDATE clients SET
        site_ids = COALESCE((SELECT group_concat(lower(hex(own.site_id)), ','
                ORDER BY own.site_id)
            FROM client_sites own
            WHERE own.business_id = clients.business_id AND own.client_id = clients.id), ''),
        label_ids = COALESCE((SELECT group_concat(lower(hex(own.label_id)), ','
                ORDER BY own.label_id)
            FROM client_labels own
            WHERE own.business_id = clients.business_id AND own.client_id = clients.id), '')",
];

const POSTGRES_DOWN: &[&str] = &["ALTER TABLE clients DROP COLUMN site_ids, DROP COLUMN label_ids"];

const SQLITE_DOWN: &[&str] = &[
    "ALTER TABLE clients DROP COLUMN site_ids",
    "ALTER TABLE clients DROP COLUMN label_ids",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too, as steps 14 and 15: the columns and their values
    /// land together, on one connection.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_for_backend(manager, POSTGRES_UP, SQLITE_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_for_backend(manager, POSTGRES_DOWN, SQLITE_DOWN).await
    }
}
