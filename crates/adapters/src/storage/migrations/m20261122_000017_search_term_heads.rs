//! CL-5, CL-7: the terms of step 13 indexed by their field and first three characters,
//! then in last-name order: `ix_client_search_terms_head`.
//!
//! An email fragment or an inner word of three characters or more found many times is
//! then read from its *head* (the range of the index whose three first characters are
//! the phrase's) in the list's default order, from this index alone, and the walk stops
//! after a page: every entry of a three-character phrase's head matches, and a longer
//! phrase counted common matches often enough in its head. Without it, such a phrase was
//! either sorted from its whole term range (thousands to tens of thousands of terms) or
//! walked in name order over all clients; since emails are made of names, the matches of
//! a fragment like "mor" cluster at "Mor…", and that walk read 65,000 entries for 51 rows
//! (as measured before this step).
//!
//! Partial (`field <> 'p'`): phone fragments are digits spread evenly, seldom common
//! enough to need it. The adapter writes the condition out in its queries, so that both
//! databases see the rows are in the index.

use sea_orm_migration::prelude::*;

use super::run_for_backend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE INDEX ix_client_search_terms_head ON client_search_terms
        (business_id, field, substr(term, 1, 3), last_name_key, first_name_key, client_id)
        INCLUDE (term) WHERE field <> 'p'",
    // The planner knows an expression's values only from ANALYZE.
    "ANALYZE client_search_terms",
];

const SQLITE_UP: &[&str] = &[
    // A secondary index of a WITHOUT ROWID table holds its primary key: `term` is in it.
    "CREATE INDEX ix_client_search_terms_head ON client_search_terms
        (business_id, field, substr(term, 1, 3), last_name_key, first_name_key, client_id)
        WHERE field <> 'p'",
    // The planner statistics of step 12: a business has many terms, a field a third of
    // them, a head a few thousand, a name a few.
    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
     ('client_search_terms', 'ix_client_search_terms_head',
      '22000000 22000000 7000000 2000 20 2 1')",
    "ANALYZE sqlite_schema",
];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX ix_client_search_terms_head"];

const SQLITE_DOWN: &[&str] = &[
    "DROP INDEX ix_client_search_terms_head",
    "DELETE FROM sqlite_stat1 WHERE idx = 'ix_client_search_terms_head'",
    "ANALYZE sqlite_schema",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_for_backend(manager, POSTGRES_UP, SQLITE_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_for_backend(manager, POSTGRES_DOWN, SQLITE_DOWN).await
    }
}
