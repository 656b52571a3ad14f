//! CL-4, CL-10, PL-14: a site's clients, and a label's clients at a site, in name order
//! from one index, as step 14 did for a label's clients.
//!
//! - Each `client_sites` row carries its client's two name keys, indexed in both name
//!   orders after the site (these indexes replace `ix_client_sites_site`).
//! - `client_label_sites` holds one row per label and site of a client (the pairs of its
//!   `client_labels` and `client_sites` rows), with the keys, indexed in both name orders
//!   after the label and the site.
//!
//! A list is filtered by a site by default (the caller's current site), and a label list
//! almost always is. Walking the name index for a site checks each client for it; read
//! from the label's rows, a label list at a site checks each of the label's clients: for
//! a rare label at a small site, about 2,600 probes of `client_sites` for a page of 500
//! (21–28 ms at p99 on PostgreSQL at a million clients, before this step). From these
//! rows a page is one range of an index, read in order, and it reads as many entries as
//! it finds.
//!
//! The adapter writes a client's sites, labels and pairs with the client, and replaces
//! them on every update (so a renamed client's rows are rewritten too). A pair refers to
//! its `client_labels` and `client_sites` rows, `ON DELETE CASCADE`: removing a label or
//! a site from a client, deleting a label or a client, removes its pairs.

use sea_orm_migration::prelude::*;

use super::run_for_backend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const POSTGRES_UP: &[&str] = &[
    r#"ALTER TABLE client_sites
        ADD COLUMN last_name_key text COLLATE "C",
        ADD COLUMN first_name_key text COLLATE "C""#,
    "UPDATE client_sites SET last_name_key = c.last_name_key, first_name_key = c.first_name_key
     FROM clients c
     WHERE c.business_id = client_sites.business_id AND c.id = client_sites.client_id",
    "ALTER TABLE client_sites
        ALTER COLUMN last_name_key SET NOT NULL,
        ALTER COLUMN first_name_key SET NOT NULL",
    "CREATE INDEX ix_client_sites_last_first
     ON client_sites (business_id, site_id, last_name_key, first_name_key, client_id)",
    "CREATE INDEX ix_client_sites_first_last
     ON client_sites (business_id, site_id, first_name_key, last_name_key, client_id)",
    "DROP INDEX ix_client_sites_site",
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
    "ANALYZE client_sites",
    "ANALYZE client_label_sites",
];

const SQLITE_UP: &[&str] = &[
    // SQLite cannot add a NOT NULL column without a default: the table is rebuilt.
    "CREATE TABLE client_sites_keyed (
        business_id BLOB NOT NULL,
        client_id BLOB NOT NULL,
        site_id BLOB NOT NULL,
        last_name_key TEXT NOT NULL,
        first_name_key TEXT NOT NULL,
        PRIMARY KEY (business_id, client_id, site_id),
        CONSTRAINT fk_client_sites_client FOREIGN KEY (business_id, client_id)
            REFERENCES clients (business_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_client_sites_site FOREIGN KEY (business_id, site_id)
            REFERENCES sites (business_id, id) ON DELETE RESTRICT
    )",
    "INSERT INTO client_sites_keyed
     SELECT s.business_id, s.client_id, s.site_id, c.last_name_key, c.first_name_key
     FROM client_sites s
     JOIN clients c ON c.business_id = s.business_id AND c.id = s.client_id",
    "DROP TABLE client_sites",
    "ALTER TABLE client_sites_keyed RENAME TO client_sites",
    "CREATE INDEX ix_client_sites_last_first
     ON client_sites (business_id, site_id, last_name_key, first_name_key, client_id)",
    "CREATE INDEX ix_client_sites_first_last
     ON client_sites (business_id, site_id, first_name_key, last_name_key, client_id)",
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
    // Step 12's statistics, for these indexes: a business has many site rows and pairs,
    // a site a third of them, a label a twelfth of the pairs, a name few.
    "DELETE FROM sqlite_stat1 WHERE tbl = 'client_sites'",
    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
     ('client_sites', 'sqlite_autoindex_client_sites_1', '1300000 1300000 1 1'),
     ('client_sites', 'ix_client_sites_last_first', '1300000 1300000 430000 100 10 1'),
     ('client_sites', 'ix_client_sites_first_last', '1300000 1300000 430000 300 10 1')",
    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
     ('client_label_sites', 'sqlite_autoindex_client_label_sites_1', '1000000 1000000 1 1 1'),
     ('client_label_sites', 'ix_client_label_sites_last_first', '1000000 1000000 85000 30000 20 3 1'),
     ('client_label_sites', 'ix_client_label_sites_first_last', '1000000 1000000 85000 30000 60 3 1')",
    "ANALYZE sqlite_schema",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TABLE client_label_sites",
    "CREATE INDEX ix_client_sites_site ON client_sites (business_id, site_id, client_id)",
    "DROP INDEX ix_client_sites_last_first",
    "DROP INDEX ix_client_sites_first_last",
    "ALTER TABLE client_sites DROP COLUMN last_name_key, DROP COLUMN first_name_key",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TABLE client_label_sites",
    "CREATE TABLE client_sites_plain (
        business_id BLOB NOT NULL,
        client_id BLOB NOT NULL,
        site_id BLOB NOT NULL,
        PRIMARY KEY (business_id, client_id, site_id),
        CONSTRAINT fk_client_sites_client FOREIGN KEY (business_id, client_id)
            REFERENCES clients (business_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_client_sites_site FOREIGN KEY (business_id, site_id)
            REFERENCES sites (business_id, id) ON DELETE RESTRICT
    )",
    "INSERT INTO client_sites_plain SELECT business_id, client_id, site_id FROM client_sites",
    "DROP TABLE client_sites",
    "ALTER TABLE client_sites_plain RENAME TO client_sites",
    "CREATE INDEX ix_client_sites_site ON client_sites (business_id, site_id, client_id)",
    "DELETE FROM sqlite_stat1 WHERE tbl IN ('client_sites', 'client_label_sites')",
    "ANALYZE sqlite_schema",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too, as step 14: `client_sites` is rebuilt, which must
    /// happen whole or not at all, and on one connection.
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
