//! CL-4, CL-10: `client_label_sites`, one row per label and site of a client (the pairs
//! of its `client_labels` and `client_sites` rows), with the client's two name keys,
//! indexed in both name orders after the label and the site.
//!
//! A list filtered by a label is almost always filtered by a site too (the caller's
//! current site is the default). Read from the label's rows (step 14), such a page
//! checks each of the label's clients for the site: for a rare label at a small site,
//! about 2,600 probes of `client_sites` for a page of 500 (21–28 ms at p99 on
//! PostgreSQL at a million clients, `docs/benchmarks.md`). From these rows the page is
//! one range of an index, read in order, and it reads as many entries as it finds.
//!
//! The adapter writes a client's pairs with its sites and labels, which it replaces on
//! every update (so a renamed client's rows are rewritten too). Each row refers to its
//! `client_labels` and `client_sites` rows, `ON DELETE CASCADE`: removing a label or a
//! site from a client, deleting a label or a client, removes its pairs.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::run_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const POSTGRES_UP: &[&str] = &[
    r#"CREATE TABLE client_label_sites (
        business_id uuid NOT NULL,
        client_id uuid NOT NULL,
        label_id uuid NOT NULL,
        site_id uuid NOT NULL,
        last_name_key text COLLATE "C" NOT NULL,
        first_name_key text COLLATE "C" NOT NULL,
        PRIMARY KEY (business_id, client_id, label_id, site_id),
        CONSTRAINT fk_client_label_sites_label FOREIGN KEY (business_id, client_id, label_id)
            REFERENCES client_labels (business_id, client_id, label_id) ON DELETE CASCADE,
        CONSTRAINT fk_client_label_sites_site FOREIGN KEY (business_id, client_id, site_id)
            REFERENCES client_sites (business_id, client_id, site_id) ON DELETE CASCADE
    )"#,
    "INSERT INTO client_label_sites
     SELECT l.business_id, l.client_id, l.label_id, s.site_id, l.last_name_key, l.first_name_key
     FROM client_labels l
     JOIN client_sites s ON s.business_id = l.business_id AND s.client_id = l.client_id",
    "CREATE INDEX ix_client_label_sites_last_first ON client_label_sites
     (business_id, label_id, site_id, last_name_key, first_name_key, client_id)",
    "CREATE INDEX ix_client_label_sites_first_last ON client_label_sites
     (business_id, label_id, site_id, first_name_key, last_name_key, client_id)",
    "ANALYZE client_label_sites",
];

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE client_label_sites (
        business_id BLOB NOT NULL,
        client_id BLOB NOT NULL,
        label_id BLOB NOT NULL,
        site_id BLOB NOT NULL,
        last_name_key TEXT NOT NULL,
        first_name_key TEXT NOT NULL,
        PRIMARY KEY (business_id, client_id, label_id, site_id),
        CONSTRAINT fk_client_label_sites_label FOREIGN KEY (business_id, client_id, label_id)
            REFERENCES client_labels (business_id, client_id, label_id) ON DELETE CASCADE,
        CONSTRAINT fk_client_label_sites_site FOREIGN KEY (business_id, client_id, site_id)
            REFERENCES client_sites (business_id, client_id, site_id) ON DELETE CASCADE
    )",
    "INSERT INTO client_label_sites
     SELECT l.business_id, l.client_id, l.label_id, s.site_id, l.last_name_key, l.first_name_key
     FROM client_labels l
     JOIN client_sites s ON s.business_id = l.business_id AND s.client_id = l.client_id",
    "CREATE INDEX ix_client_label_sites_last_first ON client_label_sites
     (business_id, label_id, site_id, last_name_key, first_name_key, client_id)",
    "CREATE INDEX ix_client_label_sites_first_last ON client_label_sites
     (business_id, label_id, site_id, first_name_key, last_name_key, client_id)",
    // Step 12's statistics, for these indexes: a business has many pairs, a label a
    // twelfth of them, a site a third of those, a name few.
    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
     ('client_label_sites', 'sqlite_autoindex_client_label_sites_1', '1000000 1000000 1 1 1'),
     ('client_label_sites', 'ix_client_label_sites_last_first', '1000000 1000000 85000 30000 20 3 1'),
     ('client_label_sites', 'ix_client_label_sites_first_last', '1000000 1000000 85000 30000 60 3 1')",
    "ANALYZE sqlite_schema",
];

const POSTGRES_DOWN: &[&str] = &["DROP TABLE client_label_sites"];

const SQLITE_DOWN: &[&str] = &[
    "DROP TABLE client_label_sites",
    "DELETE FROM sqlite_stat1 WHERE tbl = 'client_label_sites'",
    "ANALYZE sqlite_schema",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too, as step 14: the table, its rows and its statistics
    /// land together, on one connection.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run_all(manager, POSTGRES_UP).await,
            _ => run_all(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run_all(manager, POSTGRES_DOWN).await,
            _ => run_all(manager, SQLITE_DOWN).await,
        }
    }
}
