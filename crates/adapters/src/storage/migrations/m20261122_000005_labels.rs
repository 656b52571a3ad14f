//! Labels (CL-11): the business's labels, and the labels each client has.
//!
//! PL-26 as in the first step: every table leads its primary key, foreign keys and indexes
//! with `business_id`, so a client can only carry a label of its own business. A label's
//! name is unique in its business by its folded key, compared byte-wise on both databases
//! (`COLLATE "C"` on PostgreSQL, as for the first step's keys). `client_labels` rows go
//! with their client and with their label (ON DELETE CASCADE): deleting a label takes it
//! off every client.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// PostgreSQL: compare normalised keys byte-wise, exactly like SQLite's BINARY collation.
const BYTEWISE: &str = r#"COLLATE "C""#;

/// Referenced table of the first step: only the columns the foreign keys name.
#[derive(DeriveIden)]
enum Clients {
    Table,
    BusinessId,
    Id,
}

#[derive(DeriveIden)]
enum Labels {
    Table,
    BusinessId,
    Id,
    Name,
    NameKey,
    Colour,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ClientLabels {
    Table,
    BusinessId,
    ClientId,
    LabelId,
}

fn uuid(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

/// A normalised comparison key, compared byte-wise on both databases.
fn key(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.text().not_null();
    if backend == DbBackend::Postgres {
        column.extra(BYTEWISE);
    }
    column.take()
}

fn instant(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

fn index(name: &str, table: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        manager
            .create_table(
                Table::create()
                    .table(Labels::Table)
                    .col(uuid(Labels::BusinessId))
                    .col(uuid(Labels::Id))
                    .col(text(Labels::Name))
                    .col(key(backend, Labels::NameKey))
                    .col(text(Labels::Colour))
                    .col(instant(Labels::CreatedAt))
                    .col(instant(Labels::UpdatedAt))
                    .col(ColumnDef::new(Labels::Version).big_integer().not_null())
                    .primary_key(Index::create().col(Labels::BusinessId).col(Labels::Id))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ux_labels_name_key", Labels::Table)
                    .col(Labels::BusinessId)
                    .col(Labels::NameKey)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ClientLabels::Table)
                    .col(uuid(ClientLabels::BusinessId))
                    .col(uuid(ClientLabels::ClientId))
                    .col(uuid(ClientLabels::LabelId))
                    .primary_key(
                        Index::create()
                            .col(ClientLabels::BusinessId)
                            .col(ClientLabels::ClientId)
                            .col(ClientLabels::LabelId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_labels_client")
                            .from(
                                ClientLabels::Table,
                                (ClientLabels::BusinessId, ClientLabels::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_labels_label")
                            .from(
                                ClientLabels::Table,
                                (ClientLabels::BusinessId, ClientLabels::LabelId),
                            )
                            .to(Labels::Table, (Labels::BusinessId, Labels::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // The clients of a label (CL-10 filters); also serves the cascade from labels.
        manager
            .create_index(
                index("ix_client_labels_label", ClientLabels::Table)
                    .col(ClientLabels::BusinessId)
                    .col(ClientLabels::LabelId)
                    .col(ClientLabels::ClientId)
                    .take(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [ClientLabels::Table.into_iden(), Labels::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
