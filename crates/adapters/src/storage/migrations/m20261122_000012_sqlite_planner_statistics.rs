//! SQLite only: the shape of a large client list, as planner statistics.
//!
//! SQLite keeps no statistics unless `ANALYZE` is run, and without them it takes an
//! equality on the first column of an index to select about ten rows. Every client index
//! starts with `business_id`, so it then believes a business has ten clients, and scans a
//! business's whole name index (which holds every column a search reads) rather than use
//! the phone, email or id it was given: seconds at a million clients. `ANALYZE` on a
//! large database fixes it, but a database is created empty and grows while the
//! application runs.
//!
//! So this step writes `sqlite_stat1` rows for the client tables as `ANALYZE` measured
//! them on a business of a million clients made by `clientele-generate`, rounded: a
//! business holds many clients; a name, email or phone few. Plans made from them are
//! right for large lists and harmless for small ones; the adapter's search also writes
//! its plans so that only one is possible (see `storage/client_list/sql.rs`). A later `ANALYZE`
//! replaces these rows with the database's own figures. PostgreSQL collects its own
//! statistics (autovacuum) and is left alone.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// `(table, index, stat)`: rows, then the average rows per value of each index prefix.
const STATISTICS: &[(&str, &str, &str)] = &[
    ("clients", "sqlite_autoindex_clients_1", "1000000 1000000 1"),
    (
        "clients",
        "ix_clients_last_first_cover",
        "1000000 1000000 50 4 1 1 1",
    ),
    (
        "clients",
        "ix_clients_first_last_cover",
        "1000000 1000000 2000 4 1 1 1",
    ),
    ("clients", "ix_clients_created", "1000000 1000000 1 1"),
    ("clients", "ix_clients_admin_updated", "1000000 1000000 1 1"),
    ("clients", "ix_clients_email_key", "1000000 1000000 2"),
    ("clients", "ix_clients_phone_digits", "1000000 1000000 2"),
    (
        "client_name_tails",
        "sqlite_autoindex_client_name_tails_1",
        "150000 150000 75000 100 1",
    ),
    (
        "client_name_tails",
        "ix_client_name_tails_client",
        "150000 150000 1",
    ),
];

const TABLES: &str = "('clients', 'client_name_tails')";

async fn run(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(sql)
        .await
        .map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        // Creates `sqlite_stat1` if it is missing, by analysing a small table.
        run(manager, "ANALYZE seaql_migrations").await?;
        run(
            manager,
            &format!("DELETE FROM sqlite_stat1 WHERE tbl IN {TABLES}"),
        )
        .await?;
        let rows: Vec<String> = STATISTICS
            .iter()
            .map(|(table, index, stat)| format!("('{table}', '{index}', '{stat}')"))
            .collect();
        run(
            manager,
            &format!(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES {}",
                rows.join(", ")
            ),
        )
        .await?;
        // Makes this connection's planner read them; new connections read them on open.
        run(manager, "ANALYZE sqlite_schema").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        run(
            manager,
            &format!("DELETE FROM sqlite_stat1 WHERE tbl IN {TABLES}"),
        )
        .await?;
        run(manager, "ANALYZE sqlite_schema").await
    }
}
