//! CL-15: client imports. `client_imports` is one file being imported: who started it,
//! its options, the mapping it uses, and how far it has gone (`rows_read` and the count
//! of each outcome, written with the rows of the report in one transaction per batch;
//! `version` lets one worker at a time record a batch). `lease_until` is the claim of
//! the worker working it. `next_offset` and `next_line` say where the next row to read
//! begins in the file, whose bytes are `client_import_chunks` (in the database, so that
//! every api and worker process reads them).
//! `client_import_rows` is the report, one row per line of the file; `email_key` lets a
//! dry run see an email an earlier line of the file had.

use sea_orm_migration::prelude::*;

use super::columns::{
    boolean, fk, instant, int, one_of, optional_instant, optional_text, optional_uuid, text, uuid,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ClientImports {
    Table,
    BusinessId,
    Id,
    StaffId,
    SiteId,
    Status,
    DryRun,
    OnExisting,
    DateOrder,
    Delimiter,
    Mapping,
    Headers,
    TotalRows,
    RowsRead,
    NextOffset,
    NextLine,
    Created,
    Updated,
    Skipped,
    Invalid,
    Failure,
    LeaseUntil,
    CreatedAt,
    FinishedAt,
    Version,
}

#[derive(DeriveIden)]
enum ClientImportRows {
    Table,
    BusinessId,
    ImportId,
    Line,
    Outcome,
    ClientId,
    Reason,
    EmailKey,
}

#[derive(DeriveIden)]
enum ClientImportChunks {
    Table,
    BusinessId,
    ImportId,
    Seq,
    Bytes,
}

#[derive(DeriveIden)]
enum Businesses {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ClientImportRows as R;
        use ClientImports as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(uuid(I::BusinessId))
                    .col(uuid(I::Id))
                    // No foreign keys to staff and site: the import's record outlives them.
                    .col(uuid(I::StaffId))
                    .col(uuid(I::SiteId))
                    .col(one_of(I::Status, ["pending", "done", "failed"], false))
                    .col(boolean(I::DryRun))
                    .col(one_of(I::OnExisting, ["update", "skip"], false))
                    .col(one_of(I::DateOrder, ["dmy", "mdy"], false))
                    .col(text(I::Delimiter))
                    .col(text(I::Mapping))
                    .col(text(I::Headers))
                    .col(int(I::TotalRows))
                    .col(int(I::RowsRead))
                    .col(
                        ColumnDef::new(I::NextOffset)
                            .big_integer()
                            .not_null()
                            .take(),
                    )
                    .col(int(I::NextLine))
                    .col(int(I::Created))
                    .col(int(I::Updated))
                    .col(int(I::Skipped))
                    .col(int(I::Invalid))
                    .col(optional_text(I::Failure))
                    .col(optional_instant(I::LeaseUntil))
                    .col(instant(I::CreatedAt))
                    .col(optional_instant(I::FinishedAt))
                    .col(ColumnDef::new(I::Version).big_integer().not_null().take())
                    .primary_key(Index::create().col(I::BusinessId).col(I::Id))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .name("fk_client_imports_business")
                            .from(I::Table, I::BusinessId)
                            .to(Businesses::Table, Businesses::Id)
                            .take(),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_imports_pending")
                    .table(I::Table)
                    .col(I::Status)
                    .col(I::CreatedAt)
                    .take(),
            )
            .await?;
        use ClientImportChunks as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::BusinessId))
                    .col(uuid(C::ImportId))
                    .col(int(C::Seq))
                    .col(ColumnDef::new(C::Bytes).blob().not_null().take())
                    .primary_key(
                        Index::create()
                            .col(C::BusinessId)
                            .col(C::ImportId)
                            .col(C::Seq),
                    )
                    .foreign_key(&mut fk(C::Table, C::ImportId, I::Table))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::BusinessId))
                    .col(uuid(R::ImportId))
                    .col(int(R::Line))
                    .col(one_of(
                        R::Outcome,
                        ["created", "updated", "skipped", "invalid"],
                        false,
                    ))
                    .col(optional_uuid(R::ClientId))
                    .col(optional_text(R::Reason))
                    .col(optional_text(R::EmailKey))
                    .primary_key(
                        Index::create()
                            .col(R::BusinessId)
                            .col(R::ImportId)
                            .col(R::Line),
                    )
                    .foreign_key(&mut fk(R::Table, R::ImportId, I::Table))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_import_rows_email")
                    .table(R::Table)
                    .col(R::BusinessId)
                    .col(R::ImportId)
                    .col(R::EmailKey)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClientImportRows::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(ClientImportChunks::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(ClientImports::Table).take())
            .await
    }
}
