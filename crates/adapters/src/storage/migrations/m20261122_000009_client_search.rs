//! CL-5 to CL-7: what makes the client search fast on a million clients.
//!
//! - Name prefixes use the sort indexes on the folded name keys (`COLLATE "C"` on
//!   PostgreSQL) for the start of a name, and `client_name_tails` for the part of a name
//!   from an inner word on ("cruz" in "de la cruz"), written by the adapter with the client.
//! - Email and phone substrings use trigrams: pg_trgm GIN indexes on PostgreSQL; on
//!   SQLite an FTS5 trigram index over `client_search_rows`, a copy of the two columns
//!   kept by triggers under a stable integer key (a `clients` rowid may change on VACUUM).

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const BYTEWISE: &str = r#"COLLATE "C""#;

#[derive(DeriveIden)]
enum Clients {
    Table,
    BusinessId,
    Id,
    FirstNameKey,
    LastNameKey,
}

#[derive(DeriveIden)]
enum ClientNameTails {
    Table,
    BusinessId,
    ClientId,
    /// `f` (first name) or `l` (last name).
    Field,
    Tail,
}

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_clients_email_trgm ON clients USING gin (email_key gin_trgm_ops)",
    "CREATE INDEX ix_clients_phone_trgm ON clients USING gin (phone_digits gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_clients_phone_trgm",
    "DROP INDEX IF EXISTS ix_clients_email_trgm",
];

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE client_search_rows (
        row_id INTEGER PRIMARY KEY,
        business_id BLOB NOT NULL,
        client_id BLOB NOT NULL,
        email_key TEXT,
        phone_digits TEXT,
        UNIQUE (business_id, client_id)
    )",
    "CREATE VIRTUAL TABLE client_search_fts USING fts5(
        email_key, phone_digits,
        content = 'client_search_rows', content_rowid = 'row_id', tokenize = 'trigram'
    )",
    "CREATE TRIGGER client_search_rows_ai AFTER INSERT ON client_search_rows BEGIN
        INSERT INTO client_search_fts (rowid, email_key, phone_digits)
        VALUES (new.row_id, new.email_key, new.phone_digits);
    END",
    "CREATE TRIGGER client_search_rows_ad AFTER DELETE ON client_search_rows BEGIN
        INSERT INTO client_search_fts (client_search_fts, rowid, email_key, phone_digits)
        VALUES ('delete', old.row_id, old.email_key, old.phone_digits);
    END",
    "CREATE TRIGGER client_search_rows_au AFTER UPDATE ON client_search_rows BEGIN
        INSERT INTO client_search_fts (client_search_fts, rowid, email_key, phone_digits)
        VALUES ('delete', old.row_id, old.email_key, old.phone_digits);
        INSERT INTO client_search_fts (rowid, email_key, phone_digits)
        VALUES (new.row_id, new.email_key, new.phone_digits);
    END",
    "CREATE TRIGGER clients_search_ai AFTER INSERT ON clients BEGIN
        INSERT INTO client_search_rows (business_id, client_id, email_key, phone_digits)
        VALUES (new.business_id, new.id, new.email_key, new.phone_digits);
    END",
    "CREATE TRIGGER clients_search_au AFTER UPDATE OF email_key, phone_digits ON clients
    WHEN old.email_key IS NOT new.email_key OR old.phone_digits IS NOT new.phone_digits
    BEGIN
        UPDATE client_search_rows
        SET email_key = new.email_key, phone_digits = new.phone_digits
        WHERE business_id = new.business_id AND client_id = new.id;
    END",
    "CREATE TRIGGER clients_search_ad AFTER DELETE ON clients BEGIN
        DELETE FROM client_search_rows
        WHERE business_id = old.business_id AND client_id = old.id;
    END",
    "INSERT INTO client_search_rows (business_id, client_id, email_key, phone_digits)
     SELECT business_id, id, email_key, phone_digits FROM clients",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS clients_search_ad",
    "DROP TRIGGER IF EXISTS clients_search_au",
    "DROP TRIGGER IF EXISTS clients_search_ai",
    "DROP TABLE IF EXISTS client_search_fts",
    "DROP TABLE IF EXISTS client_search_rows",
];

/// This step's own copy of the word-boundary rule (a migration must not follow later
/// changes of the domain): the parts of a key after a space, hyphen or apostrophe.
fn word_tails(key: &str) -> Vec<String> {
    key.char_indices()
        .filter(|(_, c)| matches!(c, ' ' | '-' | '\''))
        .map(|(at, c)| &key[at + c.len_utf8()..])
        .filter(|tail| !tail.is_empty() && !tail.starts_with([' ', '-', '\'']))
        .map(str::to_owned)
        .collect()
}

async fn run_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Writes the tails of the clients that exist already, a page at a time.
async fn backfill_tails(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let mut after: Option<(sea_orm::Value, sea_orm::Value)> = None;
    loop {
        let mut select = Query::select();
        select
            .columns([
                Clients::BusinessId,
                Clients::Id,
                Clients::FirstNameKey,
                Clients::LastNameKey,
            ])
            .from(Clients::Table)
            .order_by(Clients::BusinessId, Order::Asc)
            .order_by(Clients::Id, Order::Asc)
            .limit(1000);
        if let Some((business, id)) = after.take() {
            // A row-value comparison: both databases start the index scan right there.
            select.and_where(
                Expr::tuple([Expr::col(Clients::BusinessId), Expr::col(Clients::Id)])
                    .gt(Expr::tuple([Expr::val(business), Expr::val(id)])),
            );
        }
        let rows = db.query_all(&select).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some((
            last.try_get::<uuid::Uuid>("", "business_id")?.into(),
            last.try_get::<uuid::Uuid>("", "id")?.into(),
        ));
        let mut insert = Query::insert();
        insert.into_table(ClientNameTails::Table).columns([
            ClientNameTails::BusinessId,
            ClientNameTails::ClientId,
            ClientNameTails::Field,
            ClientNameTails::Tail,
        ]);
        let mut any = false;
        for row in &rows {
            let business: uuid::Uuid = row.try_get("", "business_id")?;
            let id: uuid::Uuid = row.try_get("", "id")?;
            for (field, column) in [("f", "first_name_key"), ("l", "last_name_key")] {
                let key: String = row.try_get("", column)?;
                for tail in word_tails(&key) {
                    insert.values_panic([business.into(), id.into(), field.into(), tail.into()]);
                    any = true;
                }
            }
        }
        if any {
            db.execute(&insert).await?;
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut tail = ColumnDef::new(ClientNameTails::Tail);
        tail.text().not_null();
        let mut field = ColumnDef::new(ClientNameTails::Field);
        field.text().not_null();
        if backend == DbBackend::Postgres {
            tail.extra(BYTEWISE);
            field.extra(BYTEWISE);
        }
        manager
            .create_table(
                Table::create()
                    .table(ClientNameTails::Table)
                    .col(
                        ColumnDef::new(ClientNameTails::BusinessId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ClientNameTails::ClientId).uuid().not_null())
                    .col(field)
                    .col(tail)
                    // Serves "tails of this field starting with …", the search itself.
                    .primary_key(
                        Index::create()
                            .col(ClientNameTails::BusinessId)
                            .col(ClientNameTails::Field)
                            .col(ClientNameTails::Tail)
                            .col(ClientNameTails::ClientId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_name_tails_client")
                            .from(
                                ClientNameTails::Table,
                                (ClientNameTails::BusinessId, ClientNameTails::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // Serves rewriting one client's tails, and the cascade.
        manager
            .create_index(
                Index::create()
                    .name("ix_client_name_tails_client")
                    .table(ClientNameTails::Table)
                    .col(ClientNameTails::BusinessId)
                    .col(ClientNameTails::ClientId)
                    .take(),
            )
            .await?;
        backfill_tails(manager).await?;
        match backend {
            DbBackend::Postgres => run_all(manager, POSTGRES_UP).await,
            _ => run_all(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run_all(manager, POSTGRES_DOWN).await?,
            _ => run_all(manager, SQLITE_DOWN).await?,
        }
        manager
            .drop_table(Table::drop().table(ClientNameTails::Table).take())
            .await
    }
}
