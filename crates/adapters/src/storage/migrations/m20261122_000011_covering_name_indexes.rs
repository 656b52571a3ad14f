//! CL-4 to CL-7: the two name-order indexes also carry the email and phone keys, so that
//! a search walking the list in name order reads the index alone (no table row per
//! client it passes over), and a page is fetched by id once found.
//!
//! SQLite appends the two columns to the index; PostgreSQL keeps them out of the key
//! with `INCLUDE`. The new indexes replace those of the first step (they serve the same
//! orders).

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE INDEX ix_clients_last_first_cover ON clients \
     (business_id, last_name_key, first_name_key, id) INCLUDE (email_key, phone_digits)",
    "CREATE INDEX ix_clients_first_last_cover ON clients \
     (business_id, first_name_key, last_name_key, id) INCLUDE (email_key, phone_digits)",
    "DROP INDEX ix_clients_last_first",
    "DROP INDEX ix_clients_first_last",
];

const SQLITE_UP: &[&str] = &[
    "CREATE INDEX ix_clients_last_first_cover ON clients \
     (business_id, last_name_key, first_name_key, id, email_key, phone_digits)",
    "CREATE INDEX ix_clients_first_last_cover ON clients \
     (business_id, first_name_key, last_name_key, id, email_key, phone_digits)",
    "DROP INDEX ix_clients_last_first",
    "DROP INDEX ix_clients_first_last",
];

/// Both databases: the indexes of the first step again.
const DOWN: &[&str] = &[
    "CREATE INDEX ix_clients_last_first ON clients \
     (business_id, last_name_key, first_name_key, id)",
    "CREATE INDEX ix_clients_first_last ON clients \
     (business_id, first_name_key, last_name_key, id)",
    "DROP INDEX ix_clients_last_first_cover",
    "DROP INDEX ix_clients_first_last_cover",
];

async fn run_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run_all(manager, POSTGRES_UP).await,
            _ => run_all(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, DOWN).await
    }
}
