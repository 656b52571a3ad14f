//! Every row of every table as text, to prove that something is nowhere in the database
//! (CL-21, CL-22): a deleted client's id, an erased client's personal data.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use clientele_adapters::SeaStorage;

async fn strings(storage: &SeaStorage, sql: &str, column: &str) -> Vec<String> {
    let connection = storage.connection();
    let backend = connection.get_database_backend();
    let rows = connection
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("a dump query");
    rows.iter()
        .map(|row| {
            row.try_get::<Option<String>>("", column)
                .expect("text")
                .unwrap_or_default()
        })
        .collect()
}

/// `(table, row)` for every row: on PostgreSQL the row as `row::text`, on SQLite its
/// columns cast to text separated by `|`; bytes as hex on both.
pub async fn every_row(storage: &SeaStorage) -> Vec<(String, String)> {
    let backend = storage.connection().get_database_backend();
    let tables = match backend {
        DbBackend::Postgres => {
            strings(
                storage,
                "SELECT table_name::text AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                "name",
            )
            .await
        }
        _ => {
            strings(
                storage,
                "SELECT name FROM sqlite_master WHERE type = 'table'",
                "name",
            )
            .await
        }
    };
    let mut all = Vec::new();
    for table in tables {
        let sql = match backend {
            DbBackend::Postgres => format!("SELECT t::text AS r FROM \"{table}\" t"),
            _ => {
                let columns = strings(
                    storage,
                    &format!("SELECT name FROM pragma_table_info('{table}')"),
                    "name",
                )
                .await;
                let cast: Vec<String> = columns
                    .iter()
                    .map(|c| {
                        format!(
                            "COALESCE(CASE WHEN typeof(\"{c}\") = 'blob' THEN hex(\"{c}\") \
                             ELSE CAST(\"{c}\" AS TEXT) END, '')"
                        )
                    })
                    .collect();
                format!("SELECT {} AS r FROM \"{table}\"", cast.join(" || '|' || "))
            }
        };
        for row in strings(storage, &sql, "r").await {
            all.push((table.clone(), row));
        }
    }
    all
}

/// The rows (with their table) where `needle` appears, as text or (in bytes) as hex, case
/// aside.
pub async fn rows_holding(storage: &SeaStorage, needle: &str) -> Vec<(String, String)> {
    let needle = needle.to_lowercase();
    let hex: String = needle.bytes().map(|b| format!("{b:02x}")).collect();
    every_row(storage)
        .await
        .into_iter()
        .filter(|(_, row)| {
            let row = row.to_lowercase();
            row.contains(&needle) || row.contains(&hex)
        })
        .collect()
}

/// The rows naming the id `id` (a UUID), in its text form or its bytes (SQLite keeps ids
/// as 16 bytes).
pub async fn rows_naming(storage: &SeaStorage, id: &str) -> Vec<(String, String)> {
    let mut rows = rows_holding(storage, id).await;
    rows.extend(rows_holding(storage, &id.replace('-', "")).await);
    rows
}
