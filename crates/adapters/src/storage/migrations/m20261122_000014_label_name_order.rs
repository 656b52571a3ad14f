//! CL-4, CL-10: each `client_labels` row carries its client's two name keys, indexed in
//! both name orders after the label.
//!
//! A list filtered by a label and sorted by name used to walk the business's whole name
//! index, probing each client's labels: for a label held by 2–3 % of a million clients
//! (and a site, and "not banned"), a page of 500 read some 80,000 index entries (about
//! 100 ms before this step). With the keys beside the label, the label's own clients
//! are read in name order from `(business_id, label_id, last_name_key, first_name_key,
//! client_id)`, and a page reads about as many entries as it finds.
//!
//! The adapter writes a client's labels with the client (it replaces them on every
//! update, so a renamed client's rows are rewritten too). The two new indexes also serve
//! what `ix_client_labels_label` served (a label's clients, the cascade from `labels`),
//! so it is dropped.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::run_all;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const POSTGRES_UP: &[&str] = &[
    r#"ALTER TABLE client_labels
        ADD COLUMN last_name_key text COLLATE "C",
        ADD COLUMN first_name_key text COLLATE "C""#,
    "UPDATE client_labels SET last_name_key = c.last_name_key, first_name_key = c.first_name_key
     FROM clients c
     WHERE c.business_id = client_labels.business_id AND c.id = client_labels.client_id",
    "ALTER TABLE client_labels
        ALTER COLUMN last_name_key SET NOT NULL,
        ALTER COLUMN first_name_key SET NOT NULL",
    "CREATE INDEX ix_client_labels_last_first
     ON client_labels (business_id, label_id, last_name_key, first_name_key, client_id)",
    "CREATE INDEX ix_client_labels_first_last
     ON client_labels (business_id, label_id, first_name_key, last_name_key, client_id)",
    "DROP INDEX ix_client_labels_label",
];

const SQLITE_UP: &[&str] = &[
    // SQLite cannot add a NOT NULL column without a default: the table is rebuilt.
    "CREATE TABLE client_labels_keyed (
        business_id BLOB NOT NULL,
        client_id BLOB NOT NULL,
        label_id BLOB NOT NULL,
        last_name_key TEXT NOT NULL,
        first_name_key TEXT NOT NULL,
        PRIMARY KEY (business_id, client_id, label_id),
        CONSTRAINT fk_client_labels_client FOREIGN KEY (business_id, client_id)
            REFERENCES clients (business_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_client_labels_label FOREIGN KEY (business_id, label_id)
            REFERENCES labels (business_id, id) ON DELETE CASCADE
    )",
    "INSERT INTO client_labels_keyed
     SELECT l.business_id, l.client_id, l.label_id, c.last_name_key, c.first_name_key
     FROM client_labels l
     JOIN clients c ON c.business_id = l.business_id AND c.id = l.client_id",
    "DROP TABLE client_labels",
    "ALTER TABLE client_labels_keyed RENAME TO client_labels",
    "CREATE INDEX ix_client_labels_last_first
     ON client_labels (business_id, label_id, last_name_key, first_name_key, client_id)",
    "CREATE INDEX ix_client_labels_first_last
     ON client_labels (business_id, label_id, first_name_key, last_name_key, client_id)",
    // Step 12's statistics, for these indexes: a business has many label rows, a label
    // a twelfth of them, a name few.
    "DELETE FROM sqlite_stat1 WHERE tbl = 'client_labels'",
    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
     ('client_labels', 'sqlite_autoindex_client_labels_1', '900000 900000 1 1'),
     ('client_labels', 'ix_client_labels_last_first', '900000 900000 75000 50 4 1'),
     ('client_labels', 'ix_client_labels_first_last', '900000 900000 75000 150 4 1')",
    "ANALYZE sqlite_schema",
];

const POSTGRES_DOWN: &[&str] = &[
    "CREATE INDEX ix_client_labels_label ON client_labels (business_id, label_id, client_id)",
    "DROP INDEX ix_client_labels_last_first",
    "DROP INDEX ix_client_labels_first_last",
    "ALTER TABLE client_labels DROP COLUMN last_name_key, DROP COLUMN first_name_key",
];

const SQLITE_DOWN: &[&str] = &[
    "CREATE TABLE client_labels_plain (
        business_id BLOB NOT NULL,
        client_id BLOB NOT NULL,
        label_id BLOB NOT NULL,
        PRIMARY KEY (business_id, client_id, label_id),
        CONSTRAINT fk_client_labels_client FOREIGN KEY (business_id, client_id)
            REFERENCES clients (business_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_client_labels_label FOREIGN KEY (business_id, label_id)
            REFERENCES labels (business_id, id) ON DELETE CASCADE
    )",
    "INSERT INTO client_labels_plain SELECT business_id, client_id, label_id FROM client_labels",
    "DROP TABLE client_labels",
    "ALTER TABLE client_labels_plain RENAME TO client_labels",
    "CREATE INDEX ix_client_labels_label ON client_labels (business_id, label_id, client_id)",
    "DELETE FROM sqlite_stat1 WHERE tbl = 'client_labels'",
    "ANALYZE sqlite_schema",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too (sea-orm-migration's default there is none): the
    /// table is rebuilt, which must happen whole or not at all, and on one connection
    /// (statements spread over the pool's connections sometimes renamed the new table
    /// before the old one's drop was seen: "there is already another table … with this
    /// name").
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
