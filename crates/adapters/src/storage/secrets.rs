//! The server's own secrets (`ports::secrets`), one row each in `server_secrets`.

use async_trait::async_trait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, TransactionTrait};

use clientele_ports::{ServerSecrets, StorageError};

use super::{SeaStorage, unexpected, write_options};

#[async_trait]
impl ServerSecrets for SeaStorage {
    /// Inserts `candidate` unless a secret of that name is kept, then reads the kept one,
    /// in one writing transaction: processes racing on an empty table all read the
    /// winner's (PostgreSQL makes the losers' insert wait for the winner's commit, then
    /// do nothing; SQLite's writers queue on the write lock).
    async fn secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>, StorageError> {
        let table = Alias::new("server_secrets");
        let insert = Query::insert()
            .into_table(table.clone())
            .columns([Alias::new("name"), Alias::new("value")])
            .values([name.into(), candidate.to_vec().into()])
            .map_err(unexpected)?
            .on_conflict(
                OnConflict::column(Alias::new("name"))
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        let select = Query::select()
            .column(Alias::new("value"))
            .from(table)
            .and_where(Expr::col(Alias::new("name")).eq(name))
            .to_owned();
        let txn = self
            .db
            .begin_with_options(write_options(self.db.get_database_backend()))
            .await
            .map_err(unexpected)?;
        txn.execute(&insert).await.map_err(unexpected)?;
        let row = txn
            .query_one(&select)
            .await
            .map_err(unexpected)?
            .ok_or(StorageError::NotFound)?;
        let value: Vec<u8> = row.try_get("", "value").map_err(unexpected)?;
        txn.commit().await.map_err(unexpected)?;
        Ok(value)
    }
}
