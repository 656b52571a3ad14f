//! CL-17, CL-23: client merges. `client_merges` is one merge: the kept profile, who merged
//! and when, what the merge added to the kept profile (`added`, JSON) and when it was
//! undone. `client_merge_absorbed` holds each absorbed profile as it was (`snapshot`,
//! JSON: its row, custom values and the consents it kept), and points its old id at the
//! kept profile until the merge is undone. `client_merge_moves` remembers, for each record a merge moved
//! (`record_table`, `record_id`), the profile it came from.

use sea_orm_migration::prelude::*;

use super::columns::{fk, instant, optional_instant, text, uuid};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ClientMerges {
    Table,
    BusinessId,
    Id,
    KeptId,
    StaffId,
    Added,
    CreatedAt,
    UndoneAt,
}

#[derive(DeriveIden)]
enum ClientMergeAbsorbed {
    Table,
    BusinessId,
    ClientId,
    MergeId,
    Position,
    KeptId,
    Snapshot,
}

#[derive(DeriveIden)]
enum ClientMergeMoves {
    Table,
    BusinessId,
    MergeId,
    RecordTable,
    RecordId,
    FromClientId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ClientMerges as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::BusinessId))
                    .col(uuid(M::Id))
                    .col(uuid(M::KeptId))
                    .col(uuid(M::StaffId))
                    .col(text(M::Added))
                    .col(instant(M::CreatedAt))
                    .col(optional_instant(M::UndoneAt))
                    .primary_key(Index::create().col(M::BusinessId).col(M::Id))
                    .take(),
            )
            .await?;
        use ClientMergeAbsorbed as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::BusinessId))
                    .col(uuid(A::ClientId))
                    .col(uuid(A::MergeId))
                    .col(ColumnDef::new(A::Position).integer().not_null().take())
                    .col(uuid(A::KeptId))
                    .col(text(A::Snapshot))
                    .primary_key(
                        Index::create()
                            .col(A::BusinessId)
                            .col(A::MergeId)
                            .col(A::ClientId),
                    )
                    .foreign_key(&mut fk(A::Table, A::MergeId, M::Table))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_merge_absorbed_client")
                    .table(A::Table)
                    .col(A::BusinessId)
                    .col(A::ClientId)
                    .take(),
            )
            .await?;
        use ClientMergeMoves as V;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(uuid(V::BusinessId))
                    .col(uuid(V::MergeId))
                    .col(text(V::RecordTable))
                    .col(uuid(V::RecordId))
                    .col(uuid(V::FromClientId))
                    .primary_key(
                        Index::create()
                            .col(V::BusinessId)
                            .col(V::MergeId)
                            .col(V::RecordTable)
                            .col(V::FromClientId)
                            .col(V::RecordId),
                    )
                    .foreign_key(&mut fk(V::Table, V::MergeId, M::Table))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ClientMergeMoves::Table.into_iden(),
            ClientMergeAbsorbed::Table.into_iden(),
            ClientMerges::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
