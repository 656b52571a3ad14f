//! PL-9: secrets the server keeps for itself, shared by every process on the database
//! (the key that seals list cursors). A secret, once kept, is never replaced.

use sea_orm_migration::prelude::*;

use super::{run_all, run_for_backend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_for_backend(
            manager,
            &["CREATE TABLE server_secrets (name text PRIMARY KEY, value bytea NOT NULL)"],
            &["CREATE TABLE server_secrets (name text PRIMARY KEY, value blob NOT NULL)"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &["DROP TABLE server_secrets"]).await
    }
}
