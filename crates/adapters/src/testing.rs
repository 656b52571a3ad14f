//! Test support (feature `testing`): a brand-new, empty, migrated database per call, on
//! SQLite or PostgreSQL depending on one environment variable. Used by this crate's tests
//! and by other crates' tests; never by production code.
//!
//! `CLIENTELE_TEST_DATABASE_URL` unset or `sqlite…`: a new SQLite file in a fresh
//! directory under the system's temporary directory. `postgres://…/NAME`: a new database
//! `NAME_t<12 hex>` created on that server.

use std::path::PathBuf;

use sea_orm::{ConnectOptions, ConnectionTrait, Database};
use uuid::Uuid;

use crate::SeaStorage;

/// The environment variable that chooses the test database server.
pub const TEST_DATABASE_URL_VAR: &str = "CLIENTELE_TEST_DATABASE_URL";

/// A database made for one test. It is removed when dropped, unless the test is panicking
/// (then it is kept, and named on stderr, for inspection).
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    SqliteDirectory(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

impl TestDatabase {
    /// The connection URL of this database, for whatever else the test starts.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("keeping the test database {}", self.url);
            return;
        }
        match &self.cleanup {
            Cleanup::SqliteDirectory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                // Drop cannot await: a short-lived runtime on its own thread does it, and
                // FORCE ends the connections the test's pool may still hold.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| e.to_string())?;
                    runtime.block_on(async {
                        let admin = admin_connection(&admin_url).await?;
                        let sql = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
                        let result = admin.execute_unprepared(&sql).await;
                        let _ = admin.close().await;
                        result.map(|_| ()).map_err(|e| e.to_string())
                    })
                })
                .join();
                if let Ok(Err(error)) = dropped {
                    eprintln!("could not drop the test database {}: {error}", self.url);
                }
            }
        }
    }
}

async fn admin_connection(url: &str) -> Result<sea_orm::DatabaseConnection, String> {
    let mut options = ConnectOptions::new(url);
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options).await.map_err(|e| e.to_string())
}

/// A new, empty, migrated database and storage on it. Panics when the database server is
/// unreachable: a test cannot run without it.
pub async fn fresh_storage() -> (SeaStorage, TestDatabase) {
    let database = fresh_database().await;
    let storage = SeaStorage::connect(database.url())
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", database.url()));
    storage
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("cannot migrate {}: {e}", database.url()));
    (storage, database)
}

/// A new database that is not migrated yet (a SQLite file that does not exist yet, or an
/// empty PostgreSQL database), for tests of connecting and migrating themselves.
pub async fn fresh_database() -> TestDatabase {
    let configured = std::env::var(TEST_DATABASE_URL_VAR).ok();
    match configured.as_deref() {
        None | Some("") => fresh_sqlite(),
        Some(url) if url.starts_with("sqlite") => fresh_sqlite(),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            fresh_postgres(url).await
        }
        Some(other) => panic!(
            "{TEST_DATABASE_URL_VAR} must be unset, sqlite… or postgres://…/NAME, not `{other}`"
        ),
    }
}

fn fresh_sqlite() -> TestDatabase {
    let dir = std::env::temp_dir()
        .join("clientele-tests")
        .join(Uuid::new_v4().simple().to_string());
    let file = dir.join(format!("{}.db", Uuid::new_v4()));
    TestDatabase {
        url: format!("sqlite://{}", file.display()),
        cleanup: Cleanup::SqliteDirectory(dir),
    }
}

async fn fresh_postgres(admin_url: &str) -> TestDatabase {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let after_scheme = base.split_once("://").map_or("", |(_, rest)| rest);
    let Some((server, admin_name)) = after_scheme.rsplit_once('/') else {
        panic!("{TEST_DATABASE_URL_VAR} must name a database: postgres://USER@HOST:PORT/NAME");
    };
    let scheme = &base[..base.len() - after_scheme.len()];
    let suffix = &Uuid::new_v4().simple().to_string()[..12];
    let name = format!("{admin_name}_t{suffix}");
    let url = match query {
        Some(query) => format!("{scheme}{server}/{name}?{query}"),
        None => format!("{scheme}{server}/{name}"),
    };

    let admin = admin_connection(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {admin_url}: {e}"));
    admin
        .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
        .await
        .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
    let _ = admin.close().await;

    TestDatabase {
        url,
        cleanup: Cleanup::PostgresDatabase {
            admin_url: admin_url.to_owned(),
            name,
        },
    }
}

/// Runs `sql` in a write transaction of its own, committed if it succeeds, and answers
/// the rows it changed or the database's error: for tests of what the database itself
/// refuses, whatever the adapter's code does.
pub async fn execute_sql(storage: &SeaStorage, sql: &str) -> Result<u64, String> {
    use sea_orm::TransactionTrait;
    let db = storage.connection();
    let options = crate::storage::write_options(db.get_database_backend());
    let txn = db
        .begin_with_options(options)
        .await
        .map_err(|e| e.to_string())?;
    let changed = txn
        .execute_unprepared(sql)
        .await
        .map_err(|e| e.to_string())?
        .rows_affected();
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok(changed)
}
