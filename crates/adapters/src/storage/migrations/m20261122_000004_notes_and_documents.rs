//! Client notes (CL-12) and client documents (AP-9): the rows of a client's contact card.
//! A document's bytes are not here: they live in the blob store under
//! `<business id>/<document id>`.
//!
//! PL-26 as in the first step: every table leads its primary key, foreign keys and indexes
//! with `business_id`. Both tables go with their client (ON DELETE CASCADE). Authors and
//! uploaders carry no foreign key, as in the audit trail: a note outlives its author.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Referenced table of the first step: only the columns the foreign keys name.
#[derive(DeriveIden)]
enum Clients {
    Table,
    BusinessId,
    Id,
}

#[derive(DeriveIden)]
enum ClientNotes {
    Table,
    BusinessId,
    Id,
    ClientId,
    AuthorId,
    Text,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ClientDocuments {
    Table,
    BusinessId,
    Id,
    ClientId,
    Name,
    ContentType,
    SizeBytes,
    UploadedBy,
    CreatedAt,
}

fn uuid(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
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
        manager
            .create_table(
                Table::create()
                    .table(ClientNotes::Table)
                    .col(uuid(ClientNotes::BusinessId))
                    .col(uuid(ClientNotes::Id))
                    .col(uuid(ClientNotes::ClientId))
                    .col(uuid(ClientNotes::AuthorId))
                    .col(text(ClientNotes::Text))
                    .col(instant(ClientNotes::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ClientNotes::BusinessId)
                            .col(ClientNotes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_notes_client")
                            .from(
                                ClientNotes::Table,
                                (ClientNotes::BusinessId, ClientNotes::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // A client's notes, newest first; also serves the cascade from clients.
        manager
            .create_index(
                index("ix_client_notes_client", ClientNotes::Table)
                    .col(ClientNotes::BusinessId)
                    .col(ClientNotes::ClientId)
                    .col(ClientNotes::CreatedAt)
                    .col(ClientNotes::Id)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ClientDocuments::Table)
                    .col(uuid(ClientDocuments::BusinessId))
                    .col(uuid(ClientDocuments::Id))
                    .col(uuid(ClientDocuments::ClientId))
                    .col(text(ClientDocuments::Name))
                    .col(text(ClientDocuments::ContentType))
                    .col(
                        ColumnDef::new(ClientDocuments::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(uuid(ClientDocuments::UploadedBy))
                    .col(instant(ClientDocuments::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ClientDocuments::BusinessId)
                            .col(ClientDocuments::Id),
                    )
                    .check(Check::named(
                        "ck_client_documents_size",
                        Expr::col(ClientDocuments::SizeBytes).gte(0),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_documents_client")
                            .from(
                                ClientDocuments::Table,
                                (ClientDocuments::BusinessId, ClientDocuments::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // A client's documents, newest first; also serves the cascade from clients.
        manager
            .create_index(
                index("ix_client_documents_client", ClientDocuments::Table)
                    .col(ClientDocuments::BusinessId)
                    .col(ClientDocuments::ClientId)
                    .col(ClientDocuments::CreatedAt)
                    .col(ClientDocuments::Id)
                    .take(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ClientDocuments::Table.into_iden(),
            ClientNotes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
