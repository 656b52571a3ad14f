//! CL-5 to CL-7: one table of search terms, each carrying the client's sort keys.
//!
//! A term is a string a search finds by prefix: every suffix of the email key and of the
//! phone digits (a fragment is inside a value exactly when it starts one of its
//! suffixes), and the name tails of step 9 (the part of a name key from an inner word
//! on). Each row also holds the client's two name keys, so that the clients a term range
//! finds can be counted and put in name order from this table's primary key alone,
//! without reading a client row each: at a million clients an email fragment found
//! 13,000 times is sorted in about 10 ms on SQLite, where looking its clients up took
//! seconds (as measured when this step was made).
//!
//! The terms replace `client_name_tails` and the trigram indexes of step 9 (pg_trgm GIN
//! on PostgreSQL, FTS5 on SQLite), which could say which clients hold a fragment but
//! not in what order. The adapter writes a client's terms with the client, in the same
//! transaction; rows are found by their primary key only (a client's own terms are
//! computed from its stored keys to delete them), so the table has no other index.
//! The price is size: about 30 rows per client.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::{m20261122_000009_client_search, run_all};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const POSTGRES_UP: &[&str] = &[
    r#"CREATE TABLE client_search_terms (
        business_id uuid NOT NULL,
        field text COLLATE "C" NOT NULL,
        term text COLLATE "C" NOT NULL,
        client_id uuid NOT NULL,
        last_name_key text COLLATE "C" NOT NULL,
        first_name_key text COLLATE "C" NOT NULL
    )"#,
    "INSERT INTO client_search_terms
     SELECT c.business_id, 'e', substr(c.email_key, n), c.id, c.last_name_key, c.first_name_key
     FROM clients c CROSS JOIN LATERAL generate_series(1, char_length(c.email_key)) AS n
     WHERE c.email_key IS NOT NULL
     UNION ALL
     SELECT c.business_id, 'p', substr(c.phone_digits, n), c.id, c.last_name_key, c.first_name_key
     FROM clients c CROSS JOIN LATERAL generate_series(1, char_length(c.phone_digits)) AS n
     WHERE c.phone_digits IS NOT NULL
     UNION ALL
     SELECT t.business_id, t.field, t.tail, t.client_id, c.last_name_key, c.first_name_key
     FROM client_name_tails t
     JOIN clients c ON c.business_id = t.business_id AND c.id = t.client_id",
    // Built after the rows, which is quicker; INCLUDE makes a term range index-only.
    "ALTER TABLE client_search_terms ADD CONSTRAINT pk_client_search_terms
     PRIMARY KEY (business_id, field, term, client_id) INCLUDE (last_name_key, first_name_key)",
    "DROP INDEX IF EXISTS ix_clients_phone_trgm",
    "DROP INDEX IF EXISTS ix_clients_email_trgm",
    "DROP TABLE client_name_tails",
];

const SQLITE_UP: &[&str] = &[
    // WITHOUT ROWID: the rows are the primary key's btree, so a term range is one read.
    "CREATE TABLE client_search_terms (
        business_id BLOB NOT NULL,
        field TEXT NOT NULL,
        term TEXT NOT NULL,
        client_id BLOB NOT NULL,
        last_name_key TEXT NOT NULL,
        first_name_key TEXT NOT NULL,
        PRIMARY KEY (business_id, field, term, client_id)
    ) WITHOUT ROWID",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
     INSERT INTO client_search_terms
     SELECT * FROM (
         SELECT c.business_id, 'e', substr(c.email_key, n.i), c.id, c.last_name_key,
             c.first_name_key
         FROM clients c JOIN n ON n.i <= length(c.email_key)
         WHERE c.email_key IS NOT NULL
         UNION ALL
         SELECT c.business_id, 'p', substr(c.phone_digits, n.i), c.id, c.last_name_key,
             c.first_name_key
         FROM clients c JOIN n ON n.i <= length(c.phone_digits)
         WHERE c.phone_digits IS NOT NULL
         UNION ALL
         SELECT t.business_id, t.field, t.tail, t.client_id, c.last_name_key, c.first_name_key
         FROM client_name_tails t
         JOIN clients c ON c.business_id = t.business_id AND c.id = t.client_id
     ) ORDER BY 1, 2, 3, 4",
    "DROP TRIGGER IF EXISTS clients_search_ad",
    "DROP TRIGGER IF EXISTS clients_search_au",
    "DROP TRIGGER IF EXISTS clients_search_ai",
    "DROP TABLE IF EXISTS client_search_fts",
    "DROP TABLE IF EXISTS client_search_rows",
    "DROP TABLE client_name_tails",
    // The planner statistics of step 12, for the new table: a business has many terms,
    // a field a quarter of them, a term few clients.
    "DELETE FROM sqlite_stat1 WHERE tbl IN ('client_name_tails', 'client_search_terms')",
    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
     ('client_search_terms', 'client_search_terms', '30000000 30000000 7500000 20 1')",
    "ANALYZE sqlite_schema",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run_all(manager, POSTGRES_UP).await,
            _ => run_all(manager, SQLITE_UP).await,
        }
    }

    /// Back to step 9's tails and trigram indexes, rebuilt from the clients.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &["DROP TABLE client_search_terms"]).await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            run_all(
                manager,
                &[
                    "DELETE FROM sqlite_stat1 WHERE tbl = 'client_search_terms'",
                    "ANALYZE sqlite_schema",
                ],
            )
            .await?;
        }
        m20261122_000009_client_search::Migration.up(manager).await
    }
}
