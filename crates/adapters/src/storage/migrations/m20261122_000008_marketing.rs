//! Marketing preferences (CL-13): the business's preferences, each client's current
//! consent to each, and the ledger of every change (kept as consent evidence).
//!
//! PL-26 as in the first step: every table leads its primary key, foreign keys and indexes
//! with `business_id`. A preference's name is unique in its business by its folded key,
//! compared byte-wise on both databases (`COLLATE "C"` on PostgreSQL, as for labels).
//! `client_consents` rows go with their client and with their preference (ON DELETE
//! CASCADE); `consent_ledger` rows go with their client only, so deleting a preference
//! keeps the evidence of what was consented to.

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
enum MarketingPreferences {
    Table,
    BusinessId,
    Id,
    Name,
    NameKey,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ClientConsents {
    Table,
    BusinessId,
    ClientId,
    PreferenceId,
    OptedIn,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConsentLedger {
    Table,
    BusinessId,
    Id,
    ClientId,
    PreferenceId,
    OptedIn,
    Source,
    ActorId,
    At,
}

fn uuid(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

fn flag(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().take()
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
                    .table(MarketingPreferences::Table)
                    .col(uuid(MarketingPreferences::BusinessId))
                    .col(uuid(MarketingPreferences::Id))
                    .col(text(MarketingPreferences::Name))
                    .col(key(backend, MarketingPreferences::NameKey))
                    .col(instant(MarketingPreferences::CreatedAt))
                    .col(
                        ColumnDef::new(MarketingPreferences::Version)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(MarketingPreferences::BusinessId)
                            .col(MarketingPreferences::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_marketing_preferences_name_key",
                    MarketingPreferences::Table,
                )
                .col(MarketingPreferences::BusinessId)
                .col(MarketingPreferences::NameKey)
                .unique()
                .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ClientConsents::Table)
                    .col(uuid(ClientConsents::BusinessId))
                    .col(uuid(ClientConsents::ClientId))
                    .col(uuid(ClientConsents::PreferenceId))
                    .col(flag(ClientConsents::OptedIn))
                    .col(instant(ClientConsents::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(ClientConsents::BusinessId)
                            .col(ClientConsents::ClientId)
                            .col(ClientConsents::PreferenceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_consents_client")
                            .from(
                                ClientConsents::Table,
                                (ClientConsents::BusinessId, ClientConsents::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_consents_preference")
                            .from(
                                ClientConsents::Table,
                                (ClientConsents::BusinessId, ClientConsents::PreferenceId),
                            )
                            .to(
                                MarketingPreferences::Table,
                                (MarketingPreferences::BusinessId, MarketingPreferences::Id),
                            )
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // The clients opted in to a preference (CL-10 filter, mailing lists); also serves
        // the cascade from marketing_preferences.
        manager
            .create_index(
                index("ix_client_consents_preference", ClientConsents::Table)
                    .col(ClientConsents::BusinessId)
                    .col(ClientConsents::PreferenceId)
                    .col(ClientConsents::OptedIn)
                    .col(ClientConsents::ClientId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ConsentLedger::Table)
                    .col(uuid(ConsentLedger::BusinessId))
                    .col(uuid(ConsentLedger::Id))
                    .col(uuid(ConsentLedger::ClientId))
                    .col(uuid(ConsentLedger::PreferenceId))
                    .col(flag(ConsentLedger::OptedIn))
                    .col(text(ConsentLedger::Source))
                    // The staff member who recorded it (no foreign key: the ledger
                    // outlives them).
                    .col(ColumnDef::new(ConsentLedger::ActorId).uuid().null())
                    .col(instant(ConsentLedger::At))
                    .primary_key(
                        Index::create()
                            .col(ConsentLedger::BusinessId)
                            .col(ConsentLedger::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_consent_ledger_client")
                            .from(
                                ConsentLedger::Table,
                                (ConsentLedger::BusinessId, ConsentLedger::ClientId),
                            )
                            .to(Clients::Table, (Clients::BusinessId, Clients::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // A client's ledger, newest first.
        manager
            .create_index(
                index("ix_consent_ledger_client", ConsentLedger::Table)
                    .col(ConsentLedger::BusinessId)
                    .col(ConsentLedger::ClientId)
                    .col(ConsentLedger::At)
                    .col(ConsentLedger::Id)
                    .take(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ConsentLedger::Table.into_iden(),
            ClientConsents::Table.into_iden(),
            MarketingPreferences::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
