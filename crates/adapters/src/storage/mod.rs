//! Storage on SQLite or PostgreSQL through sea-orm: [`SeaStorage`] opens transactions,
//! [`SeaTransaction`] implements every repository of `ports::storage` over one
//! `sea_orm::DatabaseTransaction`.
//!
//! Must not depend on `application` or any inbound adapter, and must not let a sea-orm
//! type out of this crate. Every query filters by business id first (PL-26).

mod account_appointments;
mod accounts;
mod appointments;
mod audit;
mod businesses;
mod client_deletions;
mod client_duplicates;
mod client_erasures;
mod client_imports;
mod client_list;
mod client_merges;
mod clients;
mod codes;
mod conversions;
mod custom_fields;
mod documents;
mod entities;
mod joins;
mod keyset;
mod labels;
mod marketing;
mod membership_audit;
mod membership_billing;
mod membership_list;
mod memberships;
mod migrations;
mod notes;
mod orders;
mod outbox;
mod payments;
mod products;
mod secrets;
mod sites;
mod staff;
mod test_clocks;
mod tokens;
mod webhook_deliveries;
mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, IsolationLevel, QueryTrait, SqlErr, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use thiserror::Error;

use clientele_ports::{Storage, StorageError, Transaction};

use migrations::Migrator;

/// Where the database lives when nothing else is configured: a SQLite file, created (with
/// its directory) on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/clientele.db";

/// SQLite allows one writer at a time; a few connections are enough for concurrent reads.
const SQLITE_MAX_CONNECTIONS: u32 = 4;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;
/// A pooled connection idle for longer than this is pinged before it is handed out.
const POOL_PING_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Each SQLite connection's page cache, in KiB (`PRAGMA cache_size` takes a negative
/// size in KiB). SQLite's default of 2 MiB sends nearly every page of a large client list
/// through a `read` call, and sorts with it too: building the search terms of a million
/// clients in a migration did not finish in 4 minutes with it, against 100 s with this.
const SQLITE_CACHE_KIB: i64 = 64 * 1024;
/// How much of a SQLite file each connection reads through a memory map rather than
/// `read` calls (`PRAGMA mmap_size`): pages the system has cached are then used in place.
/// It is address space, not memory; SQLite caps it at its own build limit (2 GB here).
const SQLITE_MMAP_BYTES: i64 = 2 * 1024 * 1024 * 1024;
/// The PostgreSQL advisory lock that serialises migrations of processes starting at once
/// (the ASCII bytes of "clientel").
const MIGRATION_LOCK: i64 = 0x636C_6965_6E74_656C;

/// The database engines Clientele runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseBackend {
    Sqlite,
    Postgres,
}

impl DatabaseBackend {
    /// The engine a connection URL names, if it is one Clientele supports.
    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme)?;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }
}

/// A database URL that Clientele cannot use.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error(
        "unsupported database URL scheme `{0}`: use sqlite://PATH (e.g. {DEFAULT_DATABASE_URL}) or postgres://USER@HOST/DATABASE"
    )]
    UnsupportedScheme(String),
    #[error("cannot create the directory {path} for the SQLite database: {source}")]
    Directory {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Migrations that are known to the database but not applied yet.
#[derive(Debug, Error)]
#[error("the database schema is not up to date: {0} migration(s) pending")]
pub struct PendingMigrations(usize);

pub(crate) fn unexpected(err: impl std::error::Error + Send + Sync + 'static) -> StorageError {
    StorageError::Unexpected(Box::new(err))
}

/// A table or column named by text, for the statements written across tables by name
/// (merges, deletions, erasure, account assignments).
pub(crate) fn col(name: &str) -> sea_orm::sea_query::Alias {
    sea_orm::sea_query::Alias::new(name)
}

/// The message of a unique-constraint violation, if `err` is one. The caller knows which
/// table it wrote and tells constraints apart by the names in the message (SQLite names
/// the columns, PostgreSQL the constraint or index).
pub(crate) fn unique_violation(err: &DbErr) -> Option<String> {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => Some(message),
        _ => None,
    }
}

/// The message of a foreign-key violation, if `err` is one.
pub(crate) fn foreign_key_violation(err: &DbErr) -> Option<String> {
    match err.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(message)) => Some(message),
        _ => None,
    }
}

/// Storage over a sea-orm connection pool. Cheap to clone; safe to share between tasks
/// and between processes using the same database (PL-4).
#[derive(Debug, Clone)]
pub struct SeaStorage {
    db: DatabaseConnection,
    url: String,
    backend: DatabaseBackend,
}

impl SeaStorage {
    /// Opens a pool on `url`: `sqlite://PATH` (the file and its directory are created if
    /// missing; WAL, 10 s busy timeout, foreign keys on, synchronous NORMAL, a 64 MiB
    /// page cache and a memory map; 4 connections) or `postgres://…` (10 connections, all
    /// opened at start). Connections are kept once open. Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let backend = DatabaseBackend::of_url(url).ok_or_else(|| {
            let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
            unexpected(ConfigError::UnsupportedScheme(scheme.to_owned()))
        })?;
        let mut options = ConnectOptions::new(url);
        // On PostgreSQL every connection is opened at start: the first statements on a new
        // connection cost ~100 ms (its caches are cold), which a request would otherwise
        // pay whenever the pool had no idle connection. On SQLite opening is cheap, and
        // connections opened at once on a new file race to switch it to WAL ("database is
        // locked"): one is opened first, the others when needed. All are kept; one idle for
        // a while is pinged before use rather than every time (a round trip per request).
        let (connections, at_start) = match backend {
            DatabaseBackend::Sqlite => (SQLITE_MAX_CONNECTIONS, 1),
            DatabaseBackend::Postgres => (POSTGRES_MAX_CONNECTIONS, POSTGRES_MAX_CONNECTIONS),
        };
        options
            .sqlx_logging(false)
            .max_connections(connections)
            .min_connections(at_start)
            .idle_timeout(None)
            .max_lifetime(None)
            .test_before_acquire_if_idle_for(POOL_PING_AFTER_IDLE);
        match backend {
            DatabaseBackend::Sqlite => {
                let sqlite = SqliteConnectOptions::from_str(url).map_err(unexpected)?;
                create_parent_directory(sqlite.get_filename())?;
                // The file is created and turned to WAL by one connection first: pooled
                // connections opening at once on a new file could otherwise each try the
                // switch, and one fail with "database is locked".
                {
                    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
                    let first = sqlite
                        .clone()
                        .create_if_missing(true)
                        .busy_timeout(SQLITE_BUSY_TIMEOUT)
                        .journal_mode(SqliteJournalMode::Wal)
                        .connect()
                        .await
                        .map_err(unexpected)?;
                    first.close().await.map_err(unexpected)?;
                }
                options.map_sqlx_sqlite_opts(|opts| {
                    opts.create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .busy_timeout(SQLITE_BUSY_TIMEOUT)
                        .foreign_keys(true)
                        .synchronous(SqliteSynchronous::Normal)
                        .pragma("cache_size", (-SQLITE_CACHE_KIB).to_string())
                        .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
                });
            }
            DatabaseBackend::Postgres => {
                // sqlx prepares and caches every statement; after five runs PostgreSQL may
                // switch to a generic plan that cannot use a prefix range for the values
                // at hand, and search turns from milliseconds into a scan. Plan every run
                // for its own values instead.
                // No parallel workers: the product's statements read pages, and starting
                // workers cost more than the reading (a filtered page of 500 at a million
                // clients: 15 ms with two workers, 7.6 ms without, in `EXPLAIN ANALYZE`).
                // A session's transactions read one snapshot and write nothing unless they
                // say so: a read is then one `BEGIN` (sea-orm sends the options as a second
                // statement, a round trip before every list), and a write opts in
                // (`write_options`).
                options.map_sqlx_postgres_opts(|opts| {
                    opts.options([
                        ("plan_cache_mode", "force_custom_plan"),
                        ("max_parallel_workers_per_gather", "0"),
                        ("default_transaction_isolation", "repeatable read"),
                        ("default_transaction_read_only", "on"),
                    ])
                });
            }
        }
        let db = Database::connect(options).await.map_err(unexpected)?;
        Ok(Self {
            db,
            url: url.to_owned(),
            backend,
        })
    }

    /// The engine behind this storage.
    pub fn backend(&self) -> DatabaseBackend {
        self.backend
    }

    /// The pool itself, for the one tool that compares storage with hand-written SQL on
    /// the same connections (`apps/bench`). Product code goes through the ports only.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies the pending migrations; a no-op when there are none.
    ///
    /// Several processes may start at once. On PostgreSQL they queue on an advisory lock
    /// held by a dedicated connection; on SQLite the migration runs inside a `BEGIN
    /// IMMEDIATE` transaction, so the write lock serialises them and the second process
    /// finds nothing pending.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self.backend {
            DatabaseBackend::Postgres => self.migrate_postgres().await,
            DatabaseBackend::Sqlite => {
                let txn = self
                    .db
                    .begin_with_options(write_options(DbBackend::Sqlite))
                    .await
                    .map_err(unexpected)?;
                Migrator::up(&txn, None).await.map_err(unexpected)?;
                txn.commit().await.map_err(unexpected)
            }
        }
    }

    async fn migrate_postgres(&self) -> Result<(), StorageError> {
        let mut options = ConnectOptions::new(self.url.as_str());
        options.max_connections(1).sqlx_logging(false);
        let conn = Database::connect(options).await.map_err(unexpected)?;
        let lock = format!("SELECT pg_advisory_lock({MIGRATION_LOCK})");
        let outcome = match conn.execute_unprepared(&lock).await {
            Ok(_) => {
                let migrated = Migrator::up(&conn, None).await;
                let unlock = format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})");
                let unlocked = conn.execute_unprepared(&unlock).await;
                migrated.and(unlocked.map(|_| ()))
            }
            Err(err) => Err(err),
        };
        // Closing the session also releases the lock if unlocking failed.
        let closed = conn.close().await;
        outcome.and(closed).map_err(unexpected)
    }

    /// Closes every connection of the pool.
    pub async fn close(self) -> Result<(), StorageError> {
        self.db.close().await.map_err(unexpected)
    }
}

fn create_parent_directory(file: &Path) -> Result<(), StorageError> {
    let Some(parent) = file.parent() else {
        return Ok(());
    };
    if parent.as_os_str().is_empty() || parent.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(parent).map_err(|source| {
        unexpected(ConfigError::Directory {
            path: parent.display().to_string(),
            source,
        })
    })
}

/// A transaction that may write: on SQLite `BEGIN IMMEDIATE` takes the write lock at once,
/// so two writers queue (busy timeout) instead of failing when the first one upgrades. On
/// PostgreSQL, READ COMMITTED and READ WRITE, against the session's defaults (see
/// [`SeaStorage::connect`]): a write waits for a concurrent one to the same row, then
/// carries on with its outcome.
pub(crate) fn write_options(backend: DbBackend) -> TransactionOptions {
    match backend {
        DbBackend::Sqlite => TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        },
        _ => TransactionOptions {
            isolation_level: Some(IsolationLevel::ReadCommitted),
            access_mode: Some(AccessMode::ReadWrite),
            ..TransactionOptions::default()
        },
    }
}

#[async_trait]
impl Storage for SeaStorage {
    async fn begin(&self) -> Result<Box<dyn Transaction>, StorageError> {
        let options = write_options(self.db.get_database_backend());
        let txn = self
            .db
            .begin_with_options(options)
            .await
            .map_err(unexpected)?;
        Ok(Box::new(SeaTransaction { txn }))
    }

    /// A transaction that only reads one consistent snapshot: SQLite's deferred
    /// transaction does that in WAL mode; on PostgreSQL the session's defaults are
    /// REPEATABLE READ (READ COMMITTED would take a new snapshot per statement) and READ
    /// ONLY (see [`SeaStorage::connect`]), so a plain `BEGIN` is enough.
    async fn read(&self) -> Result<Box<dyn Transaction>, StorageError> {
        let txn = self.db.begin().await.map_err(unexpected)?;
        Ok(Box::new(SeaTransaction { txn }))
    }

    async fn ready(&self) -> Result<(), StorageError> {
        let backend = self.db.get_database_backend();
        self.db
            .query_one_raw(Statement::from_string(backend, "SELECT 1"))
            .await
            .map_err(unexpected)?;
        // The read-only variant: a readiness probe must not create the migrations table.
        let pending = Migrator::get_pending_migrations_read_only(&self.db)
            .await
            .map_err(unexpected)?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(unexpected(PendingMigrations(pending.len())))
        }
    }
}

/// One unit of work: every repository over one database transaction. Dropping it without
/// [`Transaction::commit`] rolls it back.
pub(crate) struct SeaTransaction {
    txn: DatabaseTransaction,
}

impl SeaTransaction {
    /// Why an optimistic update changed no row: the row is gone (`NotFound`) or its
    /// version moved on (`VersionConflict`). `row` selects it by business and id.
    async fn missed_update<E: sea_orm::EntityTrait>(
        &self,
        row: sea_orm::Select<E>,
    ) -> StorageError {
        match row.one(&self.txn).await {
            Ok(Some(_)) => StorageError::VersionConflict,
            Ok(None) => StorageError::NotFound,
            Err(err) => unexpected(err),
        }
    }

    /// Runs one write that may break a constraint inside a savepoint, so that the expected
    /// failure (`Duplicate`, `InUse`) leaves the transaction usable on both databases.
    /// Without it PostgreSQL would abort the whole transaction on the first error, and a
    /// later COMMIT would silently roll everything back; SQLite only undoes the statement.
    async fn guarded(&self, write: &impl QueryTrait) -> Result<ExecResult, DbErr> {
        let statement = write.build(self.txn.get_database_backend());
        let savepoint = self.txn.begin().await?;
        match savepoint.execute_raw(statement).await {
            Ok(result) => {
                savepoint.commit().await?;
                Ok(result)
            }
            Err(err) => {
                savepoint.rollback().await?;
                Err(err)
            }
        }
    }

    /// [`Self::guarded`] for several writes that stand or fall together: all in one
    /// savepoint, so that a failure of a later one also undoes the earlier ones.
    async fn guarded_all(&self, writes: &[Statement]) -> Result<(), DbErr> {
        let savepoint = self.txn.begin().await?;
        for statement in writes {
            if let Err(err) = savepoint.execute_raw(statement.clone()).await {
                savepoint.rollback().await?;
                return Err(err);
            }
        }
        savepoint.commit().await
    }
}

#[async_trait]
impl Transaction for SeaTransaction {
    async fn commit(self: Box<Self>) -> Result<(), StorageError> {
        self.txn.commit().await.map_err(unexpected)
    }
}
