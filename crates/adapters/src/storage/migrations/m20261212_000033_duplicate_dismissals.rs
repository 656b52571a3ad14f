//! CL-19: the pairs of clients staff said are not one person, each pair in both orders
//! so that a client's are one primary-key range. They go with either client.

use sea_orm_migration::prelude::*;

use super::columns::{fk, instant, uuid};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ClientDuplicateDismissals {
    Table,
    BusinessId,
    ClientId,
    OtherId,
    DismissedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ClientDuplicateDismissals as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::BusinessId))
                    .col(uuid(D::ClientId))
                    .col(uuid(D::OtherId))
                    .col(instant(D::DismissedAt))
                    .primary_key(
                        Index::create()
                            .col(D::BusinessId)
                            .col(D::ClientId)
                            .col(D::OtherId),
                    )
                    .foreign_key(
                        fk(D::Table, D::ClientId, Clients::Table)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        fk(D::Table, D::OtherId, Clients::Table)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // The foreign key on `other_id` deletes by it.
        manager
            .create_index(
                Index::create()
                    .name("ix_client_duplicate_dismissals_other")
                    .table(D::Table)
                    .col(D::BusinessId)
                    .col(D::OtherId)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClientDuplicateDismissals::Table).take())
            .await
    }
}
