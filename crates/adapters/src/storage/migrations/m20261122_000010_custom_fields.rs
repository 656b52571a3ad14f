//! Custom fields (CL-24): the business's typed fields, and each client's value of them.
//!
//! PL-26 as in the first step: every table leads its primary key, foreign keys and indexes
//! with `business_id`, so a client can only carry a value of a field of its own business.
//! A field's name is unique in its business by its folded key; values keep their exact
//! text (never a REAL: a number stays `12.50`, see STACK trap 2) and, next to it, the
//! comparable key the list filter matches. Keys are compared byte-wise on both databases
//! (`COLLATE "C"` on PostgreSQL, as for the first step's keys). `client_field_values` rows
//! go with their client and with their field (ON DELETE CASCADE).

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
enum CustomFields {
    Table,
    BusinessId,
    Id,
    Name,
    NameKey,
    /// `text`, `number`, `date` or `choice`.
    Kind,
    /// The options of a choice field as a JSON array of strings (`[]` for other kinds).
    Options,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ClientFieldValues {
    Table,
    BusinessId,
    ClientId,
    FieldId,
    Value,
    ValueKey,
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
                    .table(CustomFields::Table)
                    .col(uuid(CustomFields::BusinessId))
                    .col(uuid(CustomFields::Id))
                    .col(text(CustomFields::Name))
                    .col(key(backend, CustomFields::NameKey))
                    .col(text(CustomFields::Kind))
                    .col(text(CustomFields::Options))
                    .col(instant(CustomFields::CreatedAt))
                    .col(instant(CustomFields::UpdatedAt))
                    .col(
                        ColumnDef::new(CustomFields::Version)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CustomFields::BusinessId)
                            .col(CustomFields::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ux_custom_fields_name_key", CustomFields::Table)
                    .col(CustomFields::BusinessId)
                    .col(CustomFields::NameKey)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ClientFieldValues::Table)
                    .col(uuid(ClientFieldValues::BusinessId))
                    .col(uuid(ClientFieldValues::ClientId))
                    .col(uuid(ClientFieldValues::FieldId))
                    .col(text(ClientFieldValues::Value))
                    .col(key(backend, ClientFieldValues::ValueKey))
                    .primary_key(
                        Index::create()
                            .col(ClientFieldValues::BusinessId)
                            .col(ClientFieldValues::ClientId)
                            .col(ClientFieldValues::FieldId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_field_values_client")
                            .from(
                                ClientFieldValues::Table,
                                (ClientFieldValues::BusinessId, ClientFieldValues::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_field_values_field")
                            .from(
                                ClientFieldValues::Table,
                                (ClientFieldValues::BusinessId, ClientFieldValues::FieldId),
                            )
                            .to(
                                CustomFields::Table,
                                (CustomFields::BusinessId, CustomFields::Id),
                            )
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // The clients with a value (CL-10 filter: field and key given, clients in order of
        // id); also serves the cascade from custom_fields and "is this field in use".
        manager
            .create_index(
                index("ix_client_field_values_value", ClientFieldValues::Table)
                    .col(ClientFieldValues::BusinessId)
                    .col(ClientFieldValues::FieldId)
                    .col(ClientFieldValues::ValueKey)
                    .col(ClientFieldValues::ClientId)
                    .take(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ClientFieldValues::Table.into_iden(),
            CustomFields::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
