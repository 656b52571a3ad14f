//! CL-14: the client audit trail records, for a change of a profile field, which field
//! and its value before and after. Three nullable columns (SQLite adds one per statement).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ClientAudit {
    Table,
    Field,
    OldValue,
    NewValue,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ClientAudit::Field,
            ClientAudit::OldValue,
            ClientAudit::NewValue,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ClientAudit::Table)
                        .add_column(ColumnDef::new(column).text().null())
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ClientAudit::NewValue,
            ClientAudit::OldValue,
            ClientAudit::Field,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ClientAudit::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
